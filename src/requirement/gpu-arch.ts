/**
 * GPU code targets ("sm_90a", "compute_120") and which GPUs they run on — CUDA's binary-compatibility rules
 * (research cuda-matrix.md §6): SASS sm_XY runs on compute capability X.y with y >= Y; sm_XYa only on exactly X.Y;
 * sm_XYf on X.y with y >= Y (its family). PTX compute_XY is JIT-compiled for any X'.y' >= X.Y; compute_XYa only for
 * exactly X.Y; compute_XYf within the family.
 */

export interface GpuArch {
  kind: 'sass' | 'ptx';
  /** compute capability parts: sm_90 -> 9, 0; sm_100 -> 10, 0; sm_121 -> 12, 1 */
  major: number;
  minor: number;
  /** "a" arch-specific, "f" family-specific */
  suffix: '' | 'a' | 'f';
}

export interface ComputeCapability {
  major: number;
  minor: number;
}

const TARGET_FORM = /^(sm|compute)_(\d{1,2})(\d)([af]?)$/;
const CC_FORM = /^(\d{1,2})\.(\d)$/;

/**
 * "sm_80", "compute_90a"; a bare "8.0" or "80" (as build-info lists write them) counts as `kind`. Undefined for
 * anything else.
 */
export function parseArch(text: string, kind: GpuArch['kind']): GpuArch | undefined {
  const t = text.trim().toLowerCase();
  const target = TARGET_FORM.exec(t);
  if (target) {
    return { kind: target[1] === 'sm' ? 'sass' : 'ptx', major: Number(target[2]), minor: Number(target[3]), suffix: target[4] as GpuArch['suffix'] };
  }
  const cc = CC_FORM.exec(t) ?? /^(\d{1,2})(\d)$/.exec(t);
  return cc ? { kind, major: Number(cc[1]), minor: Number(cc[2]), suffix: '' } : undefined;
}

export function parseComputeCapability(cc: string): ComputeCapability | undefined {
  const m = CC_FORM.exec(cc.trim());
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : undefined;
}

/** "sm_90a", "compute_120" */
export function archName(a: GpuArch): string {
  return `${a.kind === 'sass' ? 'sm' : 'compute'}_${a.major}${a.minor}${a.suffix}`;
}

/** sm_XY for a compute capability: what nvcc calls the GPU */
export function smName(cc: ComputeCapability): string {
  return `sm_${cc.major}${cc.minor}`;
}

export function ccText(cc: ComputeCapability): string {
  return `${cc.major}.${cc.minor}`;
}

function compareCc(a: ComputeCapability, b: ComputeCapability): number {
  return a.major - b.major || a.minor - b.minor;
}

/** Whether code for `arch` runs on a GPU of capability `cc` (SASS directly, PTX after a JIT). */
export function runsOn(arch: GpuArch, cc: ComputeCapability): boolean {
  if (arch.suffix === 'a') return compareCc(arch, cc) === 0;
  if (arch.kind === 'ptx' && arch.suffix === '') return compareCc(arch, cc) <= 0;
  // SASS and family PTX stay within the major
  return arch.major === cc.major && arch.minor <= cc.minor;
}

/** sm_75 < sm_80 < sm_90 < sm_90a < sm_100 < sm_100a < sm_100f; SASS before PTX of the same arch */
export function compareArchs(a: GpuArch, b: GpuArch): number {
  return compareCc(a, b) || a.suffix.localeCompare(b.suffix) || (a.kind === b.kind ? 0 : a.kind === 'sass' ? -1 : 1);
}

/** Parses, drops what is not a target, sorts and removes repeats. */
export function normaliseArchs(list: readonly string[], kind: GpuArch['kind']): string[] {
  const parsed = list.map((s) => parseArch(s, kind)).filter((a): a is GpuArch => a !== undefined && a.kind === kind);
  return [...new Set(parsed.sort(compareArchs).map(archName))];
}
