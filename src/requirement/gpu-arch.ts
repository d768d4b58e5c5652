/**
 * GPU code targets ("sm_90a", "compute_120") and which GPUs they run on — CUDA's binary-compatibility rules, with the
 * families and old target names read from matrix/archs.yaml (an ArchRules):
 * - an old name means the target it was renamed to: sm_101 (CUDA 12.8/12.9) is Thor's sm_110, compute capability
 *   11.0, not a "10.1";
 * - SASS sm_XY runs on compute capability X.y with y >= Y (NVIDIA Blackwell Compatibility Guide §1.2: "same major
 *   revision and same or higher minor revision"); sm_XYa only on exactly X.Y;
 * - sm_XYf / compute_XYf run on the members of X.Y's family with an equal or higher minor (sm_100f on 10.0, 10.3,
 *   10.7; sm_103f not on 10.0); a target whose family the matrix does not list, only on X.Y (cautious);
 * - PTX compute_XY is JIT-compiled for any X'.y' >= X.Y; compute_XYa only for exactly X.Y.
 */
import type { Matrix } from '../matrix/types';
import { compareArchNames } from '../model/gpu-code';

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

/** The matrix's architecture families and old target names, as runsOn reads them. */
export interface ArchRules {
  /** each family's member compute capabilities, ascending */
  families: readonly (readonly ComputeCapability[])[];
  /** old target (suffix included) -> the target it names; applies to SASS and PTX alike */
  aliases: readonly { from: Omit<GpuArch, 'kind'>; to: Omit<GpuArch, 'kind'> }[];
}

/** No families, no aliases: family code runs only on its own compute capability. For matrices without archs rows. */
export const NO_ARCH_RULES: ArchRules = Object.freeze({ families: [], aliases: [] });

const rulesCache = new WeakMap<object, ArchRules>();

/** The ArchRules of a matrix (archs.yaml `families:` and `aliases:`), built once per matrix. */
export function archRules(matrix: Pick<Matrix, 'archFamilies' | 'archAliases'>): ArchRules {
  let rules = rulesCache.get(matrix);
  if (!rules) {
    const families = (matrix.archFamilies ?? []).map((f) =>
      f.members
        .map(parseComputeCapability)
        .filter((cc): cc is ComputeCapability => cc !== undefined)
        .sort(compareCc),
    );
    const aliases = (matrix.archAliases ?? []).flatMap((a) => {
      const from = parseArch(a.from, 'sass');
      const to = parseArch(a.to, 'sass');
      return from && to ? [{ from: ccAndSuffix(from), to: ccAndSuffix(to) }] : [];
    });
    rules = { families, aliases };
    rulesCache.set(matrix, rules);
  }
  return rules;
}

function ccAndSuffix(a: GpuArch): Omit<GpuArch, 'kind'> {
  return { major: a.major, minor: a.minor, suffix: a.suffix };
}

/** The target an arch names today: sm_101 -> sm_110, compute_101f -> compute_110f; others unchanged. */
export function canonicalArch(arch: GpuArch, rules: ArchRules): GpuArch {
  const alias = rules.aliases.find((x) => x.from.suffix === arch.suffix && compareCc(x.from, arch) === 0);
  return alias ? { kind: arch.kind, ...alias.to } : arch;
}

/** The family a compute capability belongs to, if the matrix lists one. */
export function familyOf(cc: ComputeCapability, rules: ArchRules): readonly ComputeCapability[] | undefined {
  return rules.families.find((f) => f.some((m) => compareCc(m, cc) === 0));
}

/** Whether code for `arch` runs on a GPU of capability `cc` (SASS directly, PTX after a JIT). */
export function runsOn(arch: GpuArch, cc: ComputeCapability, rules: ArchRules): boolean {
  const a = canonicalArch(arch, rules);
  if (a.suffix === 'a') return compareCc(a, cc) === 0;
  if (a.suffix === 'f') {
    const family = familyOf(a, rules);
    if (!family) return compareCc(a, cc) === 0;
    return compareCc(a, cc) <= 0 && family.some((m) => compareCc(m, cc) === 0);
  }
  if (a.kind === 'ptx') return compareCc(a, cc) <= 0;
  // SASS stays within its major
  return a.major === cc.major && a.minor <= cc.minor;
}

/** Parses, drops what is not a target, sorts and removes repeats. */
export function normaliseArchs(list: readonly string[], kind: GpuArch['kind']): string[] {
  const parsed = list.map((s) => parseArch(s, kind)).filter((a): a is GpuArch => a !== undefined && a.kind === kind);
  return [...new Set(parsed.map(archName))].sort(compareArchNames);
}
