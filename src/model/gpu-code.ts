/**
 * CUDA device code by target name: SASS ("sm_80", "sm_90a", "sm_100f") and PTX ("compute_90") with the PTX ISA
 * version each PTX entry was written in. The fatbin scan reads it once per file (GpuCode, what the per-layer cache
 * stores); evidence, the requirement and the report carry the same names as GpuTargets lists, sorted by
 * compareArchNames, and never parse the scan again.
 */

/** How much device code a file holds: every entry found (repeats counted), their payload bytes, how many compressed. */
export interface DeviceCodeSize {
  entries: number;
  bytes: number;
  compressed: number;
}

export interface PtxCode {
  /** "compute_90", "compute_90a" */
  arch: string;
  /** PTX ISA version of the entry ("9.0" = CUDA 13.0) */
  isa?: string;
}

/** Device code found in one file; sorted, no repeats. */
export interface GpuCode {
  /** "sm_80", "sm_90a", "sm_100f" */
  sass: string[];
  ptx: PtxCode[];
  /** lets the verdict tell the CUDA runtime's own tiny helper module (linked into every binary) from real kernels */
  size?: DeviceCodeSize;
}

/** SASS and PTX target names, each list ascending (compareArchNames), no repeats. */
export interface GpuTargets {
  sass: string[];
  ptx: string[];
}

/** The GPU code one binary or build carries, and what it was read from ("fatbin", a framework's build info). */
export interface GpuArchs extends GpuTargets {
  source: string;
  size?: DeviceCodeSize;
}

const ARCH_NAME = /^(sm|compute)_(\d+)([a-z]?)$/;

/** sm_75 < sm_80 < sm_90 < sm_90a < sm_100 < sm_100a < sm_100f, compute_* alike; SASS before PTX of the same arch. */
export function compareArchNames(a: string, b: string): number {
  const x = ARCH_NAME.exec(a);
  const y = ARCH_NAME.exec(b);
  if (!x || !y) {
    const num = (s: string) => Number(/\d+/.exec(s)?.[0] ?? 0);
    return num(a) - num(b) || a.localeCompare(b);
  }
  return Number(x[2]) - Number(y[2]) || x[3].localeCompare(y[3]) || (x[1] === y[1] ? 0 : x[1] === 'sm' ? -1 : 1);
}

/**
 * Every binary linked with cudart_static carries the runtime's own small module: one cubin of 1,448 bytes (nvcc 13.0,
 * sm_75) to 1,904 bytes (libcufftw.so.12), no PTX; the smallest real kernel is a 2,856-byte cubin (both measured).
 */
export const RUNTIME_HELPER_MAX_BYTES = 2048;
