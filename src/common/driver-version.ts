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

/** What is wrong with a driver version a user gave (a flag, an input, a targets file): a sentence, and maybe a fix. */
export interface DriverProblem {
  /** syntax: not dotted numbers at all; cuda: a CUDA version; branch: a branch alone; range: no driver's first part */
  kind: 'syntax' | 'cuda' | 'branch' | 'range';
  sentence: string;
  fix?: string;
}

/** The example every driver message gives: a full version as nvidia-smi prints it. */
export const DRIVER_EXAMPLE = '550.54.15';

/**
 * The one check of a driver version a user gives — --driver, the action's `driver` input, a targets file's
 * `driver:`, a probed host — beyond its syntax. `label` names where it came from (`--driver`, `target "a": driver`).
 * Undefined: a driver version, compared numerically part by part (470.57.02 < 470.82.01 < 535.104.05).
 *
 * - A CUDA version is the number on the same nvidia-smi line that people copy by mistake: `12.4`, `11.8`, `12`,
 *   `12.4.1` (a CUDA major, 1..14, first). No driver has a first part below 100 (every driver since 2009 has a
 *   three-digit one): `96.43.23` or `20.1` is refused too, as no driver version.
 * - A bare branch (`535`), or one written as `R535`, `535.x`, `535.*`: refused. Drivers of one branch differ in what
 *   the verdict checks — CUDA 12.2 needs 535.54.03, 12.2 Update 2 needs 535.104.05 — and the matrix does not know
 *   each branch's oldest public driver, so "any R535 driver" cannot be judged honestly: the full version can.
 */
export function driverInputProblem(value: string, label: string): DriverProblem | undefined {
  const v = value.trim();
  const branch = /^[Rr]?(\d{3,4})(?:\.[xX*])?$/.exec(v);
  if (branch && Number(branch[1]) >= 100) {
    return {
      kind: 'branch',
      sentence: `${label} "${v}" is not an NVIDIA driver version but a driver branch: drivers of one branch differ in the CUDA releases they run`,
      fix: `give the full "Driver Version" nvidia-smi prints, e.g. ${branchExample(Number(branch[1]))}`,
    };
  }
  if (!DRIVER_RE.test(v))
    return { kind: 'syntax', sentence: `${label} "${v}" is not an NVIDIA driver version`, fix: `write it as nvidia-smi prints it, e.g. ${DRIVER_EXAMPLE}` };
  const parts = v.split('.').map((p) => Number.parseInt(p, 10));
  const major = parts[0];
  if (parts.length <= 3 && major >= 1 && major <= 14) {
    return {
      kind: 'cuda',
      sentence: `${label} ${v} looks like a CUDA version (what nvidia-smi prints as "CUDA Version"); give the "Driver Version" nvidia-smi prints on the same line, e.g. ${DRIVER_EXAMPLE}`,
    };
  }
  if (major < 100)
    return { kind: 'range', sentence: `${label} ${v} is not an NVIDIA driver version: a driver's first part has three digits`, fix: `e.g. ${DRIVER_EXAMPLE}` };
  return undefined;
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

/** A real driver of the branch for the example, where the common branches have one; else the usual example. */
function branchExample(branch: number): string {
  const known: Record<number, string> = {
    470: '470.82.01',
    525: '525.60.13',
    535: '535.104.05',
    550: '550.54.15',
    560: '560.35.03',
    570: '570.124.06',
    580: '580.65.06',
  };
  return known[branch] ?? DRIVER_EXAMPLE;
}
