/**
 * `cuda-gate plan`: what a fleet of targets can run, for the fleet as a whole and per target — the newest CUDA each
 * runs fully, through minor-version compatibility and through forward compatibility; the newest the whole fleet runs;
 * the nvidia/cuda base images, the GPU code list, the PyTorch wheel indexes and the pixi / conda CUDA requirement that
 * fit; which targets block the next CUDA release and what driver would unblock them. Every fact is the matrix's.
 */
import { compareVersions, majorMinor } from '../common/dotted-version';
import { compareDriver, driverBranch } from '../common/driver-version';
import { branchPastEol, cudaForDriver } from '../matrix/queries';
import type { DriverBranch, Matrix, ToolkitRelease } from '../matrix/types';
import type { Target } from '../model/target';
import { TOOL_VERSION } from '../model/tool-version';
import { archPlan, type ArchPlan } from './archs';
import {
  forwardCompatEligible,
  gpuDriverProblem,
  LEVELS,
  newestAt,
  nextRelease,
  reach,
  ccsOf,
  releaseRef,
  removedIn,
  supportOf,
  type Mechanism,
  type ReleaseRef,
} from './support';
import { wheelPlans, type WheelPlan } from './wheels';

export interface PlanRelease extends ReleaseRef {
  /** a newer release the same mechanism reaches, on a row the research could not confirm */
  newerUnconfirmed?: string;
}

export interface TargetPlan {
  name: string;
  driver: string;
  /** the CUDA version the driver reports (nvidia-smi "CUDA Version"; matrix/drivers.yaml) */
  reportsCuda: string;
  gpu?: { name?: string; computeCapability: string; datacenter?: boolean };
  /** from a cluster (k8s:FILE): the nodes the target stands for */
  nodeCount?: number;
  nodes?: string[];
  /** the target declares forward-compat: true (the host mounts an image's cuda-compat libraries) */
  forwardCompatDeclared: boolean;
  /** the newest release the driver supports fully (driver >= the release's minimum) */
  full?: PlanRelease;
  /** the newest release it runs with full support or minor-version compatibility */
  minorVersionCompat?: PlanRelease;
  /** the newest release it runs with forward compatibility too: data-center GPUs on a listed branch only */
  forwardCompat?: PlanRelease;
  notes: string[];
}

export interface FleetLevel {
  release: PlanRelease;
  /** the targets that run it only through this mechanism (the others run it fully) */
  via: { target: string; mechanism: Mechanism }[];
}

export interface Blocker {
  target: string;
  driver: string;
  /** how the target runs the release meanwhile, if it does */
  meanwhile?: Mechanism;
  /** the driver that unblocks it, when one does */
  unblock?: { driver: string; branch: number; suggested?: { branch: number; kind?: string; eol?: string } };
  /** why no driver unblocks it */
  why?: string;
}

export interface FleetPlan {
  schemaVersion: 1;
  kind: 'cuda-gate-plan';
  tool: { name: 'cuda-gate'; version: string };
  matrix: { version: string; date: string };
  targets: TargetPlan[];
  fleet: {
    /** the newest release every target runs fully */
    full?: FleetLevel;
    /** … with minor-version compatibility where needed */
    minorVersionCompat?: FleetLevel;
    /** … and forward compatibility where a target is eligible */
    forwardCompat?: FleetLevel;
    /** declare what the oldest driver reports: pixi [system-requirements] and conda's __cuda virtual package */
    systemRequirements?: { cuda: string; pixi: string; conda: string; target: string; driver: string };
    /** nvidia/cuda tags for the releases above (patterns: the OS part is the user's choice) */
    baseImages: { image: string; release: string; level: Mechanism }[];
    /** GPU code lists for the releases above */
    architectures: (ArchPlan & { level: Mechanism })[];
    /** every wheel index row of the matrix, with the targets it runs on and those it does not */
    wheels: WheelPlan[];
    /** the next release after the fleet's fully supported one, and the targets that keep it from being fully supported */
    next?: { release: ReleaseRef; blockers: Blocker[] };
  };
  notes: string[];
}

export interface PlanTarget extends Target {
  nodeCount?: number;
  nodes?: string[];
}

export function planFleet(m: Matrix, targets: readonly PlanTarget[]): FleetPlan {
  const notes: string[] = [];
  const targetPlans = targets.map((t) => targetPlan(m, t));

  const levels: Partial<Record<Mechanism, FleetLevel>> = {};
  for (const level of LEVELS) {
    const found = newestAt(m, targets, level);
    if (!found) continue;
    const via = found.support.flatMap((s, i) => (s.mechanism !== 'full' ? [{ target: targets[i].name, mechanism: s.mechanism }] : []));
    levels[level] = { release: planRelease(found.release, found.newerUnconfirmed), via };
  }

  const baseImages: FleetPlan['fleet']['baseImages'] = [];
  const architectures: FleetPlan['fleet']['architectures'] = [];
  const seen = new Set<string>();
  for (const level of LEVELS) {
    const at = levels[level];
    if (!at || seen.has(at.release.version)) continue;
    seen.add(at.release.version);
    baseImages.push({ image: `nvidia/cuda:${at.release.version}-runtime-<os>`, release: at.release.version, level });
    architectures.push({ ...archPlan(m, releaseRow(m, at.release.version), targets), level });
  }

  const next = nextFor(m, targets, levels.full?.release.version);
  const beyond = targets.filter((t) => cudaForDriver(m, t.driver).beyondKnown).map((t) => t.name);
  if (beyond.length)
    notes.push(`${beyond.join(', ')}: a driver newer than every branch of matrix/drivers.yaml, judged as the newest branch it lists (cautious)`);
  return {
    schemaVersion: 1,
    kind: 'cuda-gate-plan',
    tool: { name: 'cuda-gate', version: TOOL_VERSION },
    matrix: { version: m.meta.version, date: m.meta.date },
    targets: targetPlans,
    fleet: {
      ...levels,
      ...systemRequirements(m, targets),
      baseImages,
      architectures,
      wheels: wheelPlans(m, targets),
      ...(next && { next }),
    },
    notes,
  };
}

function releaseRow(m: Matrix, version: string): ToolkitRelease {
  return m.releases.find((r) => r.version === version)!;
}

function planRelease(r: ToolkitRelease, newerUnconfirmed?: ToolkitRelease): PlanRelease {
  return { ...releaseRef(r), ...(newerUnconfirmed && { newerUnconfirmed: newerUnconfirmed.version }) };
}

function targetPlan(m: Matrix, t: PlanTarget): TargetPlan {
  const notes: string[] = [];
  const problem = gpuDriverProblem(t);
  if (problem) notes.push(`runs no CUDA release: ${problem}`);
  const at = (level: Mechanism) => {
    const found = newestAt(m, [t], level);
    return found && planRelease(found.release, found.newerUnconfirmed);
  };
  const full = at('full');
  const mvc = at('minorVersionCompat');
  const eligible = forwardCompatEligible(t);
  const fc = eligible ? at('forwardCompat') : undefined;
  if (!eligible && t.gpu) {
    notes.push(
      t.gpu.gpu
        ? `no forward compatibility: ${t.gpu.gpu.name} is not a data-center GPU (matrix/gpus.yaml)`
        : `no forward compatibility: a GPU known only by compute capability ${t.gpu.computeCapability} is not known to be a data-center GPU`,
    );
  }
  if (fc && mvc && compareVersions(fc.version, mvc.version) > 0 && !t.forwardCompat) {
    notes.push(
      `forward compatibility reaches CUDA ${fc.version} on R${driverBranch(t.driver)}: the image needs cuda-compat and the target forward-compat: true`,
    );
  }
  const branch = branchOf(m, t.driver);
  if (branch && branchPastEol(branch, m.meta.date)) {
    notes.push(`driver branch R${branch.branch} is past its end of life (${branch.eol === 'reached' ? 'reached' : branch.eol}, matrix/drivers.yaml)`);
  }
  const cuda = cudaForDriver(m, t.driver);
  return {
    name: t.name,
    driver: t.driver,
    reportsCuda: cuda.cuda,
    ...(t.gpu && {
      gpu: {
        ...(t.gpu.gpu && { name: t.gpu.gpu.name }),
        computeCapability: t.gpu.computeCapability,
        ...(t.gpu.datacenter !== undefined && { datacenter: t.gpu.datacenter }),
      },
    }),
    ...(t.nodeCount !== undefined && { nodeCount: t.nodeCount }),
    ...(t.nodes && { nodes: [...t.nodes] }),
    forwardCompatDeclared: t.forwardCompat,
    ...(full && { full }),
    ...(mvc && { minorVersionCompat: mvc }),
    ...(fc && { forwardCompat: fc }),
    notes,
  };
}

function branchOf(m: Matrix, driver: string): DriverBranch | undefined {
  return m.driverBranches.find((b) => b.branch === driverBranch(driver));
}

/** What to declare so package managers pick builds every target's driver runs: the CUDA the oldest driver reports. */
function systemRequirements(m: Matrix, targets: readonly Target[]): { systemRequirements?: FleetPlan['fleet']['systemRequirements'] } {
  let lowest: { cuda: string; target: Target } | undefined;
  for (const t of targets) {
    const cuda = cudaForDriver(m, t.driver);
    if (cuda.belowKnown) return {};
    if (
      !lowest ||
      compareVersions(cuda.cuda, lowest.cuda) < 0 ||
      (compareVersions(cuda.cuda, lowest.cuda) === 0 && compareDriver(t.driver, lowest.target.driver) < 0)
    ) {
      lowest = { cuda: cuda.cuda, target: t };
    }
  }
  if (!lowest) return {};
  const cuda = majorMinor(lowest.cuda) ?? lowest.cuda;
  return {
    systemRequirements: {
      cuda,
      pixi: `[system-requirements]\ncuda = "${cuda}"`,
      conda: `__cuda>=${cuda}`,
      target: lowest.target.name,
      driver: lowest.target.driver,
    },
  };
}

/** The first confirmed release after the fleet's fully supported one, and who keeps it from being fully supported. */
function nextFor(m: Matrix, targets: readonly Target[], fullVersion: string | undefined): FleetPlan['fleet']['next'] {
  const next = nextRelease(m, fullVersion);
  if (!next) return undefined;
  const needBranch = driverBranch(next.linuxDriver);
  const blockers: Blocker[] = [];
  for (const t of targets) {
    const support = supportOf(m, t, next);
    if (support?.mechanism === 'full') continue;
    const blocker: Blocker = { target: t.name, driver: t.driver, ...(support && { meanwhile: support.mechanism }) };
    const gpu = t.gpu?.gpu;
    const cc = t.gpu?.computeCapability;
    const r = cc !== undefined ? reach(ccsOf(m, next.version), cc) : undefined;
    if (r?.kind === 'none') {
      const removed = removedIn(m, cc!);
      blocker.why = `CUDA ${next.version} cannot build for compute capability ${cc}${removed ? ` (removed in CUDA ${removed}, matrix/archs.yaml)` : ''}: no driver helps`;
    } else if (gpu?.lastDriverBranch !== undefined && gpu.lastDriverBranch < needBranch) {
      blocker.why = `no driver: ${gpu.name}'s last driver branch is R${gpu.lastDriverBranch} (matrix/gpus.yaml), CUDA ${next.version} needs R${needBranch}`;
    } else {
      const suggested = suggestBranch(m, needBranch, gpu?.lastDriverBranch);
      blocker.unblock = {
        driver: next.linuxDriver,
        branch: needBranch,
        ...(suggested && {
          suggested: { branch: suggested.branch, ...(suggested.kind && { kind: suggested.kind }), ...(suggested.eol && { eol: suggested.eol }) },
        }),
      };
    }
    blockers.push(blocker);
  }
  return { release: releaseRef(next), blockers };
}

/** The newest long-term support or production branch, not past its end of life, at or above `from` (and within the GPU's last branch). */
function suggestBranch(m: Matrix, from: number, last: number | undefined): DriverBranch | undefined {
  return [...m.driverBranches]
    .reverse()
    .find((b) => b.branch >= from && (last === undefined || b.branch <= last) && (b.kind === 'LTSB' || b.kind === 'PB') && !branchPastEol(b, m.meta.date));
}
