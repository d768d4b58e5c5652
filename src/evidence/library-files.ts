/**
 * CUDA runtime libraries found as files, wherever they are: the toolkit's lib64, pip wheels (site-packages/nvidia/*
 * /lib, nvidia/cu13/lib), torch/lib, conda lib/. One item per file that holds content, however many symlinks point
 * at it; the version is the number after ".so." in that file's name. Link-time stubs (`stubs/`) are not runtime
 * libraries and are skipped. libcuda belongs to the driver: under a compat/ dir it is the forward-compatibility
 * package, anywhere else it is a driver library baked into the image.
 */
import type { FileEntry, FileSystemView } from '../layers/types';
import { isToolkitVersioned, kindOfLibrary, libraryStemPattern } from '../model/cuda-components';
import type { Detector, PathInterest } from './detector';
import { FATBIN_SCAN_MIN_BYTES, STUB_RE } from './gpu-code';
import { basename, contentEntry, originOf, type DetectorOutput } from './origin';
import type { Evidence, EvidenceKind } from './types';

/**
 * stem (the CUDA component table's library stems), then an optional auditwheel hash
 * (torch/lib/libcudart-d0da41ae.so.11.0), then the version after ".so"
 */
export const LIBRARY_RE = new RegExp(`^lib(${libraryStemPattern()})(?:-[0-9a-f]{8})?\\.so((?:\\.\\d+){0,4})$`);
export const LIBCUDA_RE = /^libcuda\.so((?:\.\d+){0,4})$/;

export function isStubPath(path: string): boolean {
  return STUB_RE.test(path);
}

function isCompatPath(path: string): boolean {
  return path.startsWith('compat/') || path.includes('/compat/');
}

/** /usr/local/cuda-12.4/compat/… -> "12.4" */
function cudaFromPath(path: string): string | undefined {
  const m = /(?:^|\/)cuda-(\d+\.\d+)\//.exec(path);
  return m ? m[1] : undefined;
}

function isCandidateName(base: string): boolean {
  return base.startsWith('lib') && base.includes('.so') && (LIBRARY_RE.test(base) || LIBCUDA_RE.test(base));
}

/** Kept by name (the version is in it), and scanned for fatbins on the way (cuDNN, cuBLASLt carry device code). */
const LIBRARY_FILES: PathInterest = {
  what: "CUDA runtime libraries (libcudart, libcublas, libcudnn*, libnccl, …) and the driver's libcuda",
  select: { namePrefix: 'lib', nameHas: '.so', nameRe: new RegExp(`${LIBRARY_RE.source}|${LIBCUDA_RE.source}`) },
  claims: true,
  where: { pathNotRe: STUB_RE },
  keep: { fatbinFrom: FATBIN_SCAN_MIN_BYTES },
};

export const libraryDetector: Detector = {
  id: 'library-files',
  version: 1,
  interests: [LIBRARY_FILES],
  detect: ({ view }) => libraryEvidence(view),
};

function partsOf(suffix: string): string[] {
  return suffix ? suffix.slice(1).split('.') : [];
}

export function libraryEvidence(view: FileSystemView): DetectorOutput {
  const groups = new Map<string, { real: FileEntry; names: string[] }>();
  for (const e of view.entries()) {
    const base = basename(e.path);
    if (!isCandidateName(base) || isStubPath(e.path)) continue;
    const real = contentEntry(view, e);
    if (!real || isStubPath(real.path)) continue;
    const g = groups.get(real.path);
    if (g) g.names.push(base);
    else groups.set(real.path, { real, names: [base] });
  }

  const evidence: Evidence[] = [];
  const byPath = [...groups.values()].sort((a, b) => (a.real.path < b.real.path ? -1 : a.real.path > b.real.path ? 1 : 0));
  for (const { real, names } of byPath) {
    const realBase = basename(real.path);
    // the content's own name decides; a blob with an unrelated name falls back to the most specific link name
    const fromReal = isCandidateName(realBase);
    const name = fromReal ? realBase : [...names].sort((a, b) => b.split('.').length - a.split('.').length || a.localeCompare(b))[0];
    const ev = describe(name, real, fromReal);
    if (ev) evidence.push(ev);
  }
  return { evidence, findings: [] };
}

function describe(name: string, real: FileEntry, fromReal: boolean): Evidence | undefined {
  const origin = originOf(real);
  const cuda = LIBCUDA_RE.exec(name);
  if (cuda) {
    const parts = partsOf(cuda[1]);
    // libcuda.so.1 is the soname; the driver version is in the real file's name (libcuda.so.550.54.15)
    const version = parts.length >= 2 ? parts.join('.') : undefined;
    const confidence = version && fromReal ? 'exact' : 'inferred';
    if (isCompatPath(real.path)) {
      const ev: Evidence = { kind: 'cuda-compat', from: 'file', ...origin, confidence, component: 'libcuda' };
      if (version) ev.version = version;
      const c = cudaFromPath(real.path);
      if (c) ev.cuda = c;
      return ev;
    }
    const ev: Evidence = {
      kind: 'driver-lib',
      from: 'file',
      ...origin,
      confidence,
      component: 'libcuda',
      detail:
        "libcuda.so belongs to the host driver: the NVIDIA container toolkit mounts the host's copy at run time, and a copy baked into the image can shadow it or mismatch the host kernel module" +
        (real.size === 0 ? ' (this one is empty: a placeholder left by building with the NVIDIA runtime)' : ''),
    };
    if (version) ev.version = version;
    if (real.size === 0) ev.emptyFile = true;
    return ev;
  }

  const m = LIBRARY_RE.exec(name);
  if (!m) return undefined;
  const stem = m[1];
  const kind: EvidenceKind = kindOfLibrary(stem)!;
  const parts = partsOf(m[2]);
  const ev: Evidence = { kind, from: 'file', ...origin, confidence: 'inferred', component: `lib${stem}` };
  if (parts.length) ev.sonameMajor = Number(parts[0]);
  if (parts.length >= 3) {
    ev.version = parts.join('.');
    if (fromReal) ev.confidence = 'exact';
    // libcudart.so.12.4.127: the version starts with the CUDA major.minor it belongs to
    if (isToolkitVersioned(kind)) ev.cuda = `${parts[0]}.${parts[1]}`;
  } else if (parts.length) {
    // libcudart.so.12, libcudart.so.11.0, libnvrtc.so.11.2: soname-style names say the major only
    ev.version = parts[0];
    ev.detail = `the file name (${name}) gives only the soname; the full version is not in it`;
  } else {
    ev.detail = `the file name (${name}) carries no version`;
  }
  if (!fromReal) ev.detail = `version taken from the link name ${name}; the file it leads to is named ${basename(real.path)}`;
  return ev;
}
