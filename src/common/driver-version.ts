/**
 * NVIDIA driver versions ("470.57.02", "535.104.05", "580.65.06") are not semver: parts may have leading zeros and
 * there may be two to four of them. They are compared numerically part by part, missing parts counting as 0 —
 * the same rule libnvidia-container applies to `driver>=…` in NVIDIA_REQUIRE_CUDA.
 */
import { GateError } from './errors';

const DRIVER_RE = /^\d{1,4}(\.\d{1,4}){0,3}$/;

export function isDriverVersion(s: string): boolean {
  return DRIVER_RE.test(s);
}

export function parseDriverVersion(s: string, input = 'driver'): number[] {
  const t = s.trim();
  if (!DRIVER_RE.test(t)) {
    throw new GateError(
      'BAD_DRIVER_VERSION',
      `${input}: "${t}" is not an NVIDIA driver version`,
      'write it as nvidia-smi prints it, e.g. 535.104.05 or 550.54.15',
    );
  }
  return t.split('.').map((p) => Number.parseInt(p, 10));
}

/** Numeric, part-by-part comparison of dotted versions; trailing missing parts are 0. Returns -1, 0 or 1. */
export function compareParts(a: readonly number[], b: readonly number[]): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

export function compareDriver(a: string, b: string): number {
  return compareParts(parseDriverVersion(a), parseDriverVersion(b));
}

/** Driver branch = first part ("535.104.05" -> 535). */
export function driverBranch(v: string): number {
  return parseDriverVersion(v)[0];
}

/** Highest of a list of driver versions (numeric compare), or undefined for an empty list. */
export function maxDriver(versions: readonly string[]): string | undefined {
  let best: string | undefined;
  for (const v of versions) if (best === undefined || compareDriver(v, best) > 0) best = v;
  return best;
}
