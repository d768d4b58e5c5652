/**
 * CUDA, cuDNN and NCCL versions are dotted numbers of varying length ("12.4", "12.4.127", "9.1.0.70").
 * Debian revisions and build suffixes ("12.4.127-1", "2.21.5-1+cuda12.4") are stripped before comparing.
 */
import { compareParts } from './driver-version';

/** Leading dotted-number part of a version string, or undefined if it has none. */
export function numericPrefix(v: string): string | undefined {
  const m = /^\s*v?(\d+(?:\.\d+)*)/.exec(v);
  return m ? m[1] : undefined;
}

export function versionParts(v: string): number[] {
  const p = numericPrefix(v);
  return p ? p.split('.').map((x) => Number.parseInt(x, 10)) : [];
}

export function compareVersions(a: string, b: string): number {
  return compareParts(versionParts(a), versionParts(b));
}

/** "12.4.127" -> "12.4" */
export function majorMinor(v: string): string | undefined {
  const p = versionParts(v);
  return p.length >= 2 ? `${p[0]}.${p[1]}` : undefined;
}

export function majorOf(v: string): number | undefined {
  const p = versionParts(v);
  return p.length ? p[0] : undefined;
}
