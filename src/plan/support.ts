/**
 * Which CUDA releases a target runs, and how: the questions `cuda-gate plan` asks of the matrix for every target.
 * Every fact comes from matrix/: a release's minimum driver (toolkits.yaml), minor-version compatibility floors
 * (majors.yaml), forward-compatibility branches (toolkits.yaml) and data-center GPUs (gpus.yaml), what a toolkit can
 * build GPU code for (archs.yaml).
 *
 * - full: the driver is at or above the release's minimum driver (Table 3).
 * - minorVersionCompat: the driver is at or above the release major's minor-version floor (Table 2), and the toolkit
 *   can build SASS for the GPU: minor-version compatibility cannot JIT PTX newer than the driver.
 * - forwardCompat: a data-center GPU on a driver branch the release's images accept with cuda-compat.
 */
import { compareDriver, driverBranch } from '../common/driver-version';
import { compareVersions, majorMinor, versionParts } from '../common/dotted-version';
import { majorCompat, smTargetsForToolkit } from '../matrix/queries';
import type { Matrix, ToolkitRelease } from '../matrix/types';
import type { Target } from '../model/target';

export type Mechanism = 'full' | 'minorVersionCompat' | 'forwardCompat';

/** How far each mechanism reaches: a release a target runs at a level runs at every higher level too. */
export const LEVELS: readonly Mechanism[] = ['full', 'minorVersionCompat', 'forwardCompat'];

export function rank(m: Mechanism): number {
  return LEVELS.indexOf(m);
}

/** "3.7" < "8.0" < "10.0", numerically */
export function compareCc(a: string, b: string): number {
  return compareVersions(a, b);
}

/** "sm_37" -> "3.7", "sm_100" -> "10.0"; undefined for sm_90a / sm_100f (not plain) */
function plainCc(sm: string): string | undefined {
  const digits = /^sm_(\d{2,3})$/.exec(sm)?.[1];
  return digits ? `${Number(digits.slice(0, -1))}.${digits.slice(-1)}` : undefined;
}

/**
 * The compute capabilities a toolkit ("11.4.4", "12.8") can build plain SASS and PTX for, ascending; an old target
 * name counts as the one it names (sm_101 of CUDA 12.8 is Thor's 11.0, archs.yaml aliases).
 */
export function toolkitCcs(m: Matrix, toolkit: string): string[] {
  const renamed = new Map((m.archAliases ?? []).map((a) => [a.from, a.to]));
  const ccs = new Set<string>();
  for (const sm of smTargetsForToolkit(m, majorMinor(toolkit) ?? toolkit)) {
    const cc = plainCc(renamed.get(sm) ?? sm);
    if (cc) ccs.add(cc);
  }
  return [...ccs].sort(compareCc);
}

/**
 * How code a toolkit builds reaches a GPU: SASS for its compute capability or a lower one of the same major (SASS
 * X.Y runs on X.Z, Z >= Y), else PTX of the newest lower one (JIT by the driver), else not at all (the toolkit's
 * lowest target is above it).
 */
export type Reach = { kind: 'sass'; cc: string } | { kind: 'ptx'; cc: string } | { kind: 'none'; lowest?: string };

export function reach(ccs: readonly string[], cc: string): Reach {
  const [major] = versionParts(cc);
  const below = ccs.filter((c) => compareCc(c, cc) <= 0);
  const sameMajor = below.filter((c) => versionParts(c)[0] === major);
  if (sameMajor.length) return { kind: 'sass', cc: sameMajor[sameMajor.length - 1] };
  if (below.length) return { kind: 'ptx', cc: below[below.length - 1] };
  return { kind: 'none', lowest: ccs[0] };
}

/** Why a target's driver cannot drive its GPU at all (matrix/gpus.yaml first / last branch), or undefined. */
export function gpuDriverProblem(target: Target): string | undefined {
  const gpu = target.gpu?.gpu;
  if (!gpu) return undefined;
  const branch = driverBranch(target.driver);
  if (gpu.firstDriverBranch !== undefined && branch < gpu.firstDriverBranch) {
    return `${gpu.name} needs driver branch R${gpu.firstDriverBranch} or newer; ${target.driver} is R${branch}`;
  }
  if (gpu.lastDriverBranch !== undefined && branch > gpu.lastDriverBranch) {
    return `${gpu.name}'s last driver branch is R${gpu.lastDriverBranch}; ${target.driver} is R${branch}`;
  }
  return undefined;
}

export interface Support {
  mechanism: Mechanism;
  /** how the release's code reaches the target's GPU; absent when the target names no GPU */
  reach?: Reach;
}

/** Per matrix: the compute capabilities each toolkit minor builds for (asked once per release and target). */
const ccCache = new WeakMap<Matrix, Map<string, string[]>>();

export function ccsOf(m: Matrix, toolkit: string): string[] {
  let byToolkit = ccCache.get(m);
  if (!byToolkit) ccCache.set(m, (byToolkit = new Map()));
  const key = majorMinor(toolkit) ?? toolkit;
  let ccs = byToolkit.get(key);
  if (!ccs) byToolkit.set(key, (ccs = toolkitCcs(m, key)));
  return ccs;
}

/** How a target runs a release, or undefined when it does not. */
export function supportOf(m: Matrix, target: Target, release: ToolkitRelease): Support | undefined {
  if (gpuDriverProblem(target)) return undefined;
  const cc = target.gpu?.computeCapability;
  const r = cc !== undefined ? reach(ccsOf(m, release.version), cc) : undefined;
  if (r?.kind === 'none') return undefined;
  const withReach = (mechanism: Mechanism): Support => ({ mechanism, ...(r && { reach: r }) });
  if (compareDriver(target.driver, release.linuxDriver) >= 0) return withReach('full');
  const major = versionParts(release.version)[0];
  const floor = majorCompat(m, major);
  // minor-version compatibility runs no PTX JIT of a newer minor: the GPU needs SASS
  if (floor?.minorVersionCompat && floor.minorCompatFloor && compareDriver(target.driver, floor.minorCompatFloor) >= 0 && r?.kind !== 'ptx') {
    return withReach('minorVersionCompat');
  }
  if (forwardCompatEligible(target) && (release.forwardCompatBranches ?? []).includes(driverBranch(target.driver))) return withReach('forwardCompat');
  return undefined;
}

/** Forward compatibility needs a data-center GPU the catalogue knows (cudaErrorCompatNotSupportedOnDevice elsewhere). */
export function forwardCompatEligible(target: Target): boolean {
  return target.gpu?.gpu !== undefined && target.gpu.datacenter === true;
}

/** A release as the plan names it. */
export interface ReleaseRef {
  version: string;
  label: string;
  /** the minimum Linux driver of toolkits.yaml (a stand-in where NVIDIA names only a branch) */
  linuxDriver: string;
  confirmed: boolean;
}

export function releaseRef(r: ToolkitRelease): ReleaseRef {
  return { version: r.version, label: r.label, linuxDriver: r.linuxDriver, confirmed: r.confirmed };
}

/**
 * The newest release every one of `targets` runs at `level` or below, resting on confirmed rows (cautious; the newest
 * newer one on unconfirmed rows beside it), with how each target runs it.
 */
export function newestAt(
  m: Matrix,
  targets: readonly Target[],
  level: Mechanism,
): { release: ToolkitRelease; support: Support[]; newerUnconfirmed?: ToolkitRelease } | undefined {
  let unconfirmed: ToolkitRelease | undefined;
  for (let i = m.releases.length - 1; i >= 0; i--) {
    const release = m.releases[i];
    const support = targets.map((t) => supportOf(m, t, release));
    if (!support.every((s) => s !== undefined && rank(s.mechanism) <= rank(level))) continue;
    if (!release.confirmed) {
      unconfirmed ??= release;
      continue;
    }
    return { release, support: support as Support[], ...(unconfirmed && { newerUnconfirmed: unconfirmed }) };
  }
  return undefined;
}

/** The first confirmed release after `version`, or undefined when it is the newest. */
export function nextRelease(m: Matrix, version: string | undefined): ToolkitRelease | undefined {
  return m.releases.find((r) => r.confirmed && (version === undefined || compareVersions(r.version, version) > 0));
}

/** The first toolkit minor (archs.yaml) that removed sm_XY for a compute capability, e.g. 3.7 -> "12.0". */
export function removedIn(m: Matrix, cc: string): string | undefined {
  const [major, minor] = versionParts(cc);
  const sm = `sm_${major}${minor}`;
  return (m.toolkitArchs ?? []).find((c) => c.removed.includes(sm))?.toolkit;
}
