/**
 * Binaries that carry CUDA device code: one item per file the layer scan found fatbins in (hardlinks included — each
 * is a path the loader can open), with the SASS and PTX targets and the PTX ISA versions.
 */
import { compareVersions } from '../common/dotted-version';
import type { FileSystemView } from '../layers/types';
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

/** Directories whose extensionless files are apps, not data: where `COPY --from=build` usually puts a binary. */
const APP_ROOTS = ['app/', 'opt/', 'workspace/', 'srv/'];
/** …except these, full of extensionless data, headers and metadata */
const NOT_BINARIES = ['/include/', '/share/', '.dist-info/', '/pkgs/', '/conda-meta/', '/__pycache__/'];

/**
 * Whether a regular file may be an ELF binary with device code, by path alone (asked for every tar entry, so plain
 * string tests): shared objects by name anywhere (libfoo.so.12, _C.cpython-311-x86_64-linux-gnu.so), anything in
 * a bin/, sbin/ or libexec/ directory, and extensionless files under app roots. Static archives (.a) are left out:
 * their device code is linked into other binaries at build time, not loaded at run time.
 */
export function mayCarryDeviceCode(path: string, base: string): boolean {
  if (base.endsWith('.so')) return true;
  const version = base.indexOf('.so.');
  if (version > 0 && isVersionSuffix(base, version + 4)) return true;
  const dir = path.slice(0, path.length - base.length);
  if (dir === 'bin/' || dir === 'sbin/' || dir.endsWith('/bin/') || dir.endsWith('/sbin/') || dir.includes('libexec/')) return true;
  if (base.includes('.') || !APP_ROOTS.some((root) => path.startsWith(root))) return false;
  return !NOT_BINARIES.some((part) => path.includes(part));
}

/** "12", "12.4.127" from `from` to the end: digits and dots, starting with a digit */
function isVersionSuffix(name: string, from: number): boolean {
  if (from >= name.length) return false;
  for (let i = from; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const digit = c >= 48 && c <= 57;
    if (!digit && (c !== 46 || i === from)) return false;
  }
  return true;
}
