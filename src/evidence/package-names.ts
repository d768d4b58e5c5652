/**
 * NVIDIA's package naming, shared by the dpkg database reader and the NV_* env vars of NVIDIA's images (which name
 * the packages their Dockerfiles install). Names carry the CUDA version they were built for: `cuda-cudart-12-4`,
 * `libcudnn9-cuda-12`, or a `+cuda12.4` suffix on the version (`libnccl2` 2.21.5-1+cuda12.4). These are naming
 * conventions, not compatibility facts: nothing here says which driver a version needs.
 */
import { numericPrefix } from '../common/dotted-version';
import { KIND_BY_DEB } from '../model/cuda-components';
import type { EvidenceKind } from './types';

export interface PackageFacts {
  kind: EvidenceKind;
  /** finer name of the part: "cudart", "libcudnn9-dev", "nvtx", the package stem */
  component: string;
  /** version of the component itself (Debian revision and epoch removed) */
  version?: string;
  /** CUDA version the name or version suffix names ("12.4", "12") */
  cuda?: string;
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

/** "+cuda12.4" (deb) or ".cuda11.8" (rpm) in a version string. */
export function cudaFromVersionSuffix(v: string | undefined): string | undefined {
  if (!v) return undefined;
  const m = /[+.~]cuda(\d+(?:\.\d+)*)/.exec(v);
  return m ? m[1] : undefined;
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

/** Driver packages whose files include libcuda.so (Ubuntu, Debian, RHEL). */
const DRIVER_LIB_RE = /^(?:libnvidia-compute-\d+(?:-server)?|libcuda1|nvidia-driver-cuda-libs)$/;

/** Names whose "-M-m" / "-M" part is a CUDA version: cuda-* and NVIDIA's math/runtime library families. */
const CUDA_FAMILY_RE = /^(?:cuda|lib(?:cu|npp|nvjpeg|nvjitlink|nvfatbin|nvptxcompiler|nvvm)[a-z0-9]*)(?:-|$)/;

/**
 * What a package (name, version) says about the CUDA stack; undefined for packages that say nothing.
 * Examples: cuda-cudart-12-4 12.4.127-1 -> cudart 12.4.127 (CUDA 12.4); cuda-compat-12-4 550.54.15-1 -> cuda-compat
 * 550.54.15 (CUDA 12.4); libcudnn9-cuda-12 9.1.0.70-1 -> cudnn (CUDA 12); libcudnn8 8.9.6.50-1+cuda11.8 -> cudnn
 * (CUDA 11.8); libnccl2 2.21.5-1+cuda12.4 -> nccl (CUDA 12.4); cuda-toolkit-12-4 -> cuda-package (CUDA 12.4).
 */
export function classifyPackage(rawName: string, rawVersion?: string): PackageFacts | undefined {
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

  m = /^(.+)-(\d+)-(\d+)$/.exec(name);
  // runtime library packages, `<stem>-M-m` (the CUDA component table's deb stems)
  if (m && KIND_BY_DEB[m[1]]) {
    const kind = KIND_BY_DEB[m[1]];
    return facts(kind, kind, `${m[2]}.${m[3]}`);
  }

  if (CUDA_FAMILY_RE.test(name)) {
    // cuda-toolkit-12-4, cuda-libraries-dev-12-4, libnpp-12-4, cuda-toolkit-12-4-config-common
    m = /-(\d+)-(\d+)(?:-|$)/.exec(name);
    if (m) return facts('cuda-package', name.slice(0, m.index) || name, `${m[1]}.${m[2]}`);
    // libcusparselt0-cuda-12, cuda-toolkit-12
    m = /-(?:cuda-)?(\d+)$/.exec(name);
    if (m && (name.startsWith('cuda-') || /-cuda-\d+$/.test(name))) {
      return facts('cuda-package', name.slice(0, m.index), suffixCuda ?? m[1]);
    }
  }
  if (/-cuda-(\d+)$/.test(name)) {
    const c = /-cuda-(\d+)$/.exec(name)!;
    return facts('cuda-package', name.slice(0, c.index), suffixCuda ?? c[1]);
  }
  if (suffixCuda) return facts('cuda-package', name, suffixCuda);
  return undefined;
}
