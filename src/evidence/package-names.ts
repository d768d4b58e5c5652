/**
 * NVIDIA's package naming, shared by the dpkg database reader and the NV_* env vars of NVIDIA's images (which name
 * the packages their Dockerfiles install). Names carry the CUDA version they were built for: `cuda-cudart-12-4`,
 * `libcudnn9-cuda-12`, or a `+cuda12.4` suffix on the version (`libnccl2` 2.21.5-1+cuda12.4). Debian/Ubuntu's own
 * CUDA packages (source nvidia-cuda-toolkit: `libcudart12`, `libcublas12`, `nvidia-cuda-toolkit`) are named after
 * the library's soname instead, and carry the toolkit release in their version: `12.4.127~12.4.1-2`. Any other
 * package name ending in a number (`libgloo-cuda-0`, `libtensorpipe-cuda-0`) is a soname, never a CUDA version.
 * These are naming conventions, not compatibility facts: nothing here says which driver a version needs.
 */
import { numericPrefix } from '../common/dotted-version';
import { KIND_BY_DEB, KIND_BY_DEBIAN } from '../model/cuda-components';
import type { EvidenceKind } from './types';

export interface PackageFacts {
  kind: EvidenceKind;
  /** finer name of the part: "cudart", "libcudnn9-dev", "nvtx", the package stem */
  component: string;
  /** version of the component itself (Debian revision and epoch removed) */
  version?: string;
  /** CUDA version the name or version suffix names ("12.4", "12"), or the toolkit release of a Debian version ("12.4.1") */
  cuda?: string;
  /** Debian/Ubuntu's own runtime library packages: the soname major their name ends in (libcudart12 -> 12) */
  sonameMajor?: number;
}

/** Debian/RPM version without epoch and revision: "1:12.4.127-1" -> "12.4.127", "2.21.5-1+cuda12.4" -> "2.21.5". */
export function upstreamVersion(v: string): string {
  let s = v.trim();
  const colon = s.indexOf(':');
  if (colon >= 0 && /^\d+$/.test(s.slice(0, colon))) s = s.slice(colon + 1);
  const dash = s.lastIndexOf('-');
  return dash > 0 ? s.slice(0, dash) : s;
}

/** The dotted-number start of the upstream version, or undefined. */
export function componentVersion(v: string | undefined): string | undefined {
  return v === undefined ? undefined : numericPrefix(upstreamVersion(v));
}

/** "+cuda12.4" (deb) or ".cuda11.8" (rpm) in a version string. There is no CUDA 0: "+cuda0" names none. */
export function cudaFromVersionSuffix(v: string | undefined): string | undefined {
  if (!v) return undefined;
  const m = /[+.~]cuda([1-9]\d*(?:\.\d+)*)/.exec(v);
  return m ? m[1] : undefined;
}

/**
 * A Debian/Ubuntu nvidia-cuda-toolkit version, `<component>~<toolkit release>-<revision>`: "12.4.127~12.4.1-2" ->
 * component 12.4.127, release 12.4.1; "11.8.89~11.8.0-5~deb12u1" (a stable update's revision) -> 11.8.89, 11.8.0;
 * "11.1.1+~10.3.5.147~12.4.1-2" (cuRAND, whose version went backwards) -> 10.3.5.147, 12.4.1. Undefined when the
 * version has no `~<release>` before its revision.
 */
export function debianCudaVersion(v: string | undefined): { release: string; component?: string } | undefined {
  if (!v) return undefined;
  const m = /^(.*)~(\d+\.\d+(?:\.\d+)?)$/.exec(upstreamVersion(v));
  if (!m) return undefined;
  const component = /(\d+(?:\.\d+)+)$/.exec(m[1])?.[1];
  return component ? { release: m[2], component } : { release: m[2] };
}

/** The source package Debian and Ubuntu build their CUDA toolkit from; every binary package of it is CUDA. */
export const DEBIAN_CUDA_SOURCE = 'nvidia-cuda-toolkit';

/** dpkg's Source field: "nvidia-cuda-toolkit (12.4.1-2)" (the version only where it differs from the package's). */
function parseSourceField(source: string | undefined): { name: string; version?: string } | undefined {
  const m = source ? /^\s*([a-z0-9][a-z0-9+.-]*)(?:\s+\(([^)\s]+)\))?\s*$/i.exec(source) : null;
  if (!m) return undefined;
  return m[2] ? { name: m[1].toLowerCase(), version: m[2] } : { name: m[1].toLowerCase() };
}

/**
 * Debian/Ubuntu's own CUDA packages: a runtime library by its soname-suffixed name (libcudart12, libcudart11.0,
 * libcublaslt12, libnvrtc-builtins12.4; the component table's `debian` stems) or any package built from the
 * nvidia-cuda-toolkit source (nvidia-cuda-toolkit, nvidia-cuda-dev, libnppc12, libcupti12, …). The CUDA version
 * is the toolkit release in the package version (`~12.4.1`), else the Source field's version; the soname major
 * is kept for the matrix's soname rules when neither says.
 */
function debianCudaPackage(name: string, rawVersion: string | undefined, rawSource: string | undefined): PackageFacts | undefined {
  const source = parseSourceField(rawSource);
  const soname = /^(.*?[a-z])(\d+(?:\.\d+)*)$/.exec(name);
  const kind = soname && Object.hasOwn(KIND_BY_DEBIAN, soname[1]) ? KIND_BY_DEBIAN[soname[1]] : undefined;
  const fromToolkit = (source?.name ?? name) === DEBIAN_CUDA_SOURCE;
  if (!kind && !fromToolkit) return undefined;
  const own = debianCudaVersion(rawVersion);
  const release = (own ?? debianCudaVersion(source?.version))?.release ?? (fromToolkit ? componentVersion(source?.version ?? rawVersion) : undefined);
  // the component's own version: before `~<release>`, or the whole upstream version where there is none
  const version = own ? own.component : componentVersion(rawVersion);
  const f: PackageFacts = kind ? { kind, component: kind } : { kind: 'cuda-package', component: soname?.[1] ?? name };
  if (version !== undefined) f.version = version;
  if (release !== undefined) f.cuda = release;
  if (kind && soname) f.sonameMajor = Number.parseInt(soname[2], 10);
  return f;
}

/** A package spec as apt (`name=version`) or yum (`name-version`) is given it, or a bare name. */
export function parsePackageSpec(spec: string): { name: string; version?: string } | undefined {
  const s = spec.trim().replace(/^["']|["']$/g, '');
  if (!s || /\s/.test(s)) return undefined;
  const eq = s.indexOf('=');
  if (eq >= 0) {
    const name = s.slice(0, eq);
    const version = s.slice(eq + 1);
    return name ? { name, version: version || undefined } : undefined;
  }
  // yum/rpm: the version starts at the first "-" followed by N.N ("cuda-cudart-12-4-12.4.127-1")
  const m = /^(.+?)-(\d+\.\d\S*)$/.exec(s);
  if (m) return { name: m[1], version: m[2] };
  return { name: s };
}

/** Driver packages whose files include libcuda.so (Ubuntu, Debian and its Tesla branches, RHEL). */
const DRIVER_LIB_RE = /^(?:libnvidia-compute-\d+(?:-server)?|libcuda1|libnvidia-tesla(?:-\d+)?-cuda1|nvidia-driver-cuda-libs)$/;

/** Names whose "-M-m" / "-M" part is a CUDA version: cuda-* and NVIDIA's math/runtime library families. */
const CUDA_FAMILY_RE = /^(?:cuda|lib(?:cu|npp|nvjpeg|nvjitlink|nvfatbin|nvptxcompiler|nvvm)[a-z0-9]*)(?:-|$)/;

/**
 * NVIDIA's `<name>-cuda-<major>` packages: libcudnn9-cuda-12, cudnn9-cuda-12, libcusparselt0-cuda-12,
 * libcudss0-cuda-12, libnvshmem3-cuda-12 — an NVIDIA library name, and a major that exists (there is no CUDA 0).
 * Debian's libgloo-cuda-0 and libtensorpipe-cuda-0 end in the soname of a library built with CUDA: not a version.
 */
const NVIDIA_CUDA_MAJOR_RE = /^((?:lib)?(?:cu|nv|npp|nccl)[a-z0-9]*(?:-[a-z0-9]+)*?)-cuda-([1-9]\d*)$/;

/**
 * What a package (name, version) says about the CUDA stack; undefined for packages that say nothing.
 * Examples: cuda-cudart-12-4 12.4.127-1 -> cudart 12.4.127 (CUDA 12.4); cuda-compat-12-4 550.54.15-1 -> cuda-compat
 * 550.54.15 (CUDA 12.4); libcudnn9-cuda-12 9.1.0.70-1 -> cudnn (CUDA 12); libcudnn8 8.9.6.50-1+cuda11.8 -> cudnn
 * (CUDA 11.8); libnccl2 2.21.5-1+cuda12.4 -> nccl (CUDA 12.4); cuda-toolkit-12-4 -> cuda-package (CUDA 12.4);
 * Debian's libcudart12 12.4.127~12.4.1-2 -> cudart 12.4.127 (CUDA 12.4.1). `source` is dpkg's Source field.
 */
export function classifyPackage(rawName: string, rawVersion?: string, source?: string): PackageFacts | undefined {
  const name = rawName.trim().toLowerCase();
  const version = componentVersion(rawVersion);
  const suffixCuda = cudaFromVersionSuffix(rawVersion);
  const facts = (kind: EvidenceKind, component: string, cuda: string | undefined): PackageFacts => {
    const f: PackageFacts = { kind, component };
    if (version !== undefined) f.version = version;
    if (cuda !== undefined) f.cuda = cuda;
    return f;
  };

  let m = /^cuda-compat-(\d+)-(\d+)$/.exec(name);
  if (m) return facts('cuda-compat', 'cuda-compat', `${m[1]}.${m[2]}`);

  m = /^libcudnn(\d+)(-(?:dev|headers|samples|static|devel))?(?:-cuda-(\d+))?$/.exec(name);
  if (m) {
    const cuda = suffixCuda ?? m[3];
    return m[2] ? facts('cuda-package', `libcudnn${m[1]}${m[2]}`, cuda) : facts('cudnn', 'cudnn', cuda);
  }

  m = /^libnccl(2?)(-(?:dev|devel|static))?$/.exec(name);
  if (m) return m[2] ? facts('cuda-package', `libnccl${m[2]}`, suffixCuda) : facts('nccl', 'nccl', suffixCuda);

  if (DRIVER_LIB_RE.test(name)) return facts('driver-lib', name, undefined);

  const debian = debianCudaPackage(name, rawVersion, source);
  if (debian) return debian;

  m = /^(.+)-(\d+)-(\d+)$/.exec(name);
  // runtime library packages, `<stem>-M-m` (the CUDA component table's deb stems)
  if (m && Object.hasOwn(KIND_BY_DEB, m[1])) {
    const kind = KIND_BY_DEB[m[1]];
    return facts(kind, kind, `${m[2]}.${m[3]}`);
  }

  if (CUDA_FAMILY_RE.test(name)) {
    // cuda-toolkit-12-4, cuda-libraries-dev-12-4, libnpp-12-4, cuda-toolkit-12-4-config-common
    m = /-(\d+)-(\d+)(?:-|$)/.exec(name);
    if (m) return facts('cuda-package', name.slice(0, m.index) || name, `${m[1]}.${m[2]}`);
    // cuda-toolkit-12, cuda-12
    m = /-([1-9]\d*)$/.exec(name);
    if (m && name.startsWith('cuda-')) return facts('cuda-package', name.slice(0, m.index), suffixCuda ?? m[1]);
  }
  // libcusparselt0-cuda-12, cudnn9-cuda-12
  m = NVIDIA_CUDA_MAJOR_RE.exec(name);
  if (m) return facts('cuda-package', m[1], suffixCuda ?? m[2]);
  if (suffixCuda) return facts('cuda-package', name, suffixCuda);
  return undefined;
}
