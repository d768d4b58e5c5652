/**
 * Binaries that carry CUDA device code: one item per file the layer scan found fatbins in (hardlinks included — each
 * is a path the loader can open), with the SASS and PTX targets and the PTX ISA versions.
 */
import { compareVersions } from '../common/dotted-version';
import type { FileSystemView } from '../layers/types';
import { pathTest, type Detector, type EntryTest, type PathInterest } from './detector';
import { originOf, type DetectorOutput } from './origin';
import type { Evidence } from './types';

export function gpuCodeEvidence(view: FileSystemView): DetectorOutput {
  const evidence: Evidence[] = [];
  for (const entry of view.entries()) {
    const code = entry.gpuCode;
    if (!code || (entry.type !== 'file' && entry.type !== 'hardlink')) continue;
    const ptx = [...new Set(code.ptx.map((p) => p.arch))];
    const isa = [...new Set(code.ptx.map((p) => p.isa).filter((v): v is string => v !== undefined))].sort(compareVersions);
    evidence.push({
      kind: 'gpu-code',
      from: 'file',
      ...originOf(entry),
      confidence: 'exact',
      gpuArchs: { sass: [...code.sass], ptx, source: 'fatbin', ...(code.size && { size: { ...code.size } }) },
      ...(isa.length && { ptxIsa: isa }),
    });
  }
  return { evidence, findings: [] };
}

/** Smaller files cannot hold an ELF header plus a fatbin container and one entry: not worth a scanner. */
export const FATBIN_SCAN_MIN_BYTES = 256;

/** Link-time stubs (`lib64/stubs/libcuda.so`): not what runs, never kept. */
export const STUB_RE = /(?:^|\/)stubs\//;

/** Directories whose extensionless files are apps, not data: where `COPY --from=build` usually puts a binary. */
const APP_ROOTS = ['app/', 'opt/', 'workspace/', 'srv/'];
/** …except these, full of extensionless data, headers and metadata */
const NOT_BINARIES = ['/include/', '/share/', '.dist-info/', '/pkgs/', '/conda-meta/', '/__pycache__/'];

/**
 * Files that may be ELF binaries with device code, by path alone (asked for every tar entry, so plain string tests):
 * shared objects by name anywhere (libfoo.so.12, _C.cpython-311-x86_64-linux-gnu.so), anything in a bin/, sbin/ or
 * libexec/ directory, and extensionless files under app roots. Static archives (.a) are left out: their device code
 * is linked into other binaries at build time, not loaded at run time.
 */
const BINARIES: readonly EntryTest[] = [
  { nameSuffix: '.so' },
  // libfoo.so.12, libfoo.so.12.4.127: digits and dots after the first ".so."
  { nameHas: '.so.', nameRe: /^(?:(?!\.so\.)[\s\S])+\.so\.\d[\d.]*$/ },
  { dir: ['bin', 'sbin'] },
  { pathHas: 'libexec/' },
  { pathPrefix: APP_ROOTS, nameLacks: '.', pathLacks: NOT_BINARIES },
];

/** Kept even when too small to scan: a file at the same path in an upper layer must replace a lower one's. */
const BINARY_FILES: PathInterest = {
  what: 'binaries that may carry CUDA device code (fatbins)',
  select: BINARIES,
  where: { pathNotRe: STUB_RE },
  keep: { fatbinFrom: FATBIN_SCAN_MIN_BYTES },
};

const mayBeBinary = pathTest(BINARIES);

/** Whether a regular file may be an ELF binary with device code, by path alone (stubs aside). */
export function mayCarryDeviceCode(path: string, _base?: string): boolean {
  return mayBeBinary(path);
}

export const gpuCodeDetector: Detector = {
  id: 'gpu-code',
  version: 1,
  interests: [BINARY_FILES],
  detect: ({ view }) => gpuCodeEvidence(view),
};
