/**
 * ImageRequirement x Target -> Result. Each check adds at most one reason per code; the verdict is the worst.
 * Messages say what breaks, where it came from, what the target has and what is needed; remedies say what to do.
 */
import { compareDriver, driverBranch } from '../common/driver-version';
import { compareVersions, majorMinor } from '../common/dotted-version';
import { branchOnlyRelease, branchPastEol, cudaForDriver, majorCompat, newestSupportedBranch, releasesInFamily, type DriverCuda } from '../matrix/queries';
import { cudaNewerThanMatrix } from '../matrix/freshness';
import type { Matrix } from '../matrix/types';
import type { CudaNeed, ImageRequirement } from '../requirement/types';
import type { Policy } from '../model/policy';
import type { Target } from '../model/target';
import { worse, worstFirst, type Verdict } from '../model/verdict';
import { describeEvidence, listBranches, originOf, strongest } from './describe';
import { checkGpuCode } from './gpu-checks';
import { checkLoader } from './loader-checks';
import { checkScanComplete } from './scan-checks';
import { evaluateRequire, type HostProperties } from './nvidia-require-eval';
import type { Reason, Result } from './types';

export interface JudgeInput {
  image: string;
  requirement: ImageRequirement;
  target: Target;
  policy: Policy;
}

export function judge(input: JudgeInput, matrix: Matrix): Result {
  const { requirement: req, target, policy } = input;
  const host = cudaForDriver(matrix, target.driver);

  // what the container meets once it has started: the same under both runtimes
  const started: Reason[] = [];
  // step 2, the dynamic loader: missing CUDA libraries, an image libcuda.so.1 picked before the host's
  const loader = checkLoader(req, target, matrix);
  started.push(...loader.reasons);
  if (!req.hasCuda) {
    started.push(noCuda(policy));
  } else {
    started.push(...checkDriver(req, target, host.cuda, matrix));
    started.push(...checkMixedMajors(req));
    started.push(...checkDriverLibs(req, loader.decided));
    started.push(...checkDeclaredCuda(req, target, host.cuda, host.beyondKnown));
  }
  started.push(...checkGpuDriver(target));
  started.push(...checkGpuCode(req, target, matrix));
  started.push(...checkScanComplete(req.findings, req.scanLimits));
  started.push(...checkBranchEol(target, matrix));

  // step 1 of a start: the legacy hook's NVIDIA_REQUIRE_* check (a CDI runtime makes none)
  const atStart = target.runtime === 'cdi' ? [] : checkRequire(req, target, host, matrix, started);
  const reasons = [...atStart, ...started];
  const verdict = reasons.reduce<Verdict>((v, r) => worse(v, r.verdict), 'pass');
  const result: Result = { image: input.image, target: target.name, verdict, reasons: sortReasons(reasons) };
  if (target.runtime === undefined) {
    const cdi = started.reduce<Verdict>((v, r) => worse(v, r.verdict), 'pass');
    result.runtimes = { legacy: verdict, cdi, ...(verdict !== cdi && { decidedBy: 'legacy' as const }) };
  }
  return result;
}

function sortReasons(reasons: Reason[]): Reason[] {
  return [...reasons].sort((a, b) => worstFirst(a.verdict, b.verdict));
}

function noCuda(policy: Policy): Reason {
  const verdict: Verdict = policy.noCuda === 'fail' ? 'fail' : policy.noCuda === 'warn' ? 'caveat' : 'pass';
  return {
    code: 'NO_CUDA_FOUND',
    verdict,
    message: 'no CUDA runtime, library, package or NVIDIA_REQUIRE_* found in the image config or files',
    remedy: 'if the image should use the GPU, check that the CUDA libraries made it into the final stage; if it is CPU-only, set no-cuda: pass for it',
  };
}

// ---- NVIDIA_REQUIRE_* (the legacy runtime hook) -------------------------------------------------------------

/** What happens on a CDI runtime, which starts the container without looking at NVIDIA_REQUIRE_*. */
function cdiOutcome(started: Reason[]): { text: string; runs: boolean } {
  const has = (code: string) => started.some((r) => r.code === code && r.verdict !== 'pass');
  if (has('DRIVER_TOO_OLD')) return { text: 'it starts and then fails at CUDA initialisation (the driver is too old for its CUDA runtime)', runs: false };
  if (started.some((r) => r.verdict === 'fail')) return { text: 'it starts, and the other reasons below decide whether it runs', runs: false };
  if (has('FORWARD_COMPAT')) return { text: 'it starts and runs through forward compatibility', runs: true };
  if (has('MINOR_VERSION_COMPAT')) return { text: 'it starts and runs through minor-version compatibility', runs: true };
  return { text: 'it starts and runs', runs: true };
}

const LEGACY = 'docker run --gpus (the legacy NVIDIA runtime hook)';
const CDI = 'on a CDI runtime (nvidia-container-toolkit >= 1.18 "nvidia" runtime, GPU Operator >= v25.10) nothing is checked at start and';

function checkRequire(req: ImageRequirement, target: Target, host: DriverCuda, matrix: Matrix, started: Reason[]): Reason[] {
  if (req.require.disabled) return [];
  const props: HostProperties = {
    cuda: host.cuda,
    driver: target.driver,
    arch: target.gpu?.computeCapability,
    brands: target.gpu?.brands ?? [],
  };
  const archs = [...new Set(matrix.gpus.map((g) => g.computeCapability))];
  const cdi = cdiOutcome(started);
  const cdiNote = target.runtime === undefined ? `; ${CDI} ${cdi.text}` : '';
  const reported = `driver ${target.driver} reports CUDA ${host.cuda}${host.beyondKnown ? ' or later' : ''}${host.confirmed ? '' : host.branch?.branch === driverBranch(target.driver) ? ' (an unconfirmed matrix row)' : ' (branch not in the matrix: taken from the branch below it)'}${target.gpu ? `, ${target.gpu.input}` : ''}`;
  const out: Reason[] = [];
  for (const expr of req.require.expressions) {
    const origin = [{ key: `env:${expr.name}` }];
    const source = expr.synthesized ? `${expr.name} (implied by CUDA_VERSION: the image sets no NVIDIA_REQUIRE_CUDA)` : expr.name;
    if (expr.synthesized && expr.errors.length) {
      out.push({
        code: 'REQUIRE_INVALID',
        verdict: 'fail',
        runtime: 'legacy',
        message: `${LEGACY} fails before starting the container: ${expr.errors[0]}${cdiNote}`,
        remedy:
          'set CUDA_VERSION to the toolkit version the image carries (e.g. 12.4.1), or set NVIDIA_REQUIRE_CUDA (the hook then does not read CUDA_VERSION)',
        origin: [{ key: 'env:CUDA_VERSION' }],
      });
      continue;
    }
    const outcome = evaluateRequire(expr, props, archs);
    if (outcome.truth === 'invalid') {
      out.push({
        code: 'REQUIRE_INVALID',
        verdict: 'fail',
        runtime: 'legacy',
        message: `${LEGACY} refuses to start the container: evaluating ${expr.name} on ${reported}, libnvidia-container reaches the term "${outcome.invalidTerm}" and rejects it (${outcome.invalidReason}) — "requirement error: invalid expression"${cdiNote}`,
        remedy: `fix ${expr.name} (terms look like cuda>=12.4 or brand=tesla,driver>=535,driver<536)${cdi.runs ? ', or set NVIDIA_DISABLE_REQUIRE=true in the image' : ''}`,
        origin,
      });
    } else if (outcome.truth === 'false' && !host.beyondKnown) {
      out.push({
        code: 'REQUIRE_UNSATISFIED',
        verdict: 'fail',
        runtime: 'legacy',
        message: `${LEGACY} refuses to start the container: ${source} is not satisfied — ${reported}: "${outcome.message}"${cdiNote}`,
        remedy: requireRemedy(expr.raw, matrix, cdi.runs, outcome.failedToken),
        origin,
        facts: { needs: { require: outcome.failedToken ?? expr.raw }, has: { driver: target.driver, cuda: host.cuda } },
      });
    } else if (outcome.truth !== 'true') {
      const brands = outcome.passingBrands ?? [];
      const why =
        outcome.truth === 'false'
          ? `driver ${target.driver} is newer than every branch the matrix knows, so the CUDA version it reports (at least ${host.cuda}) is not known exactly`
          : `the outcome depends on ${target.gpu ? `the NVML brand of ${target.gpu.input}, which the matrix does not pin down` : 'the GPU, and the target names none'}${brands.length ? ` (satisfied for brand ${brands.join(', ')})` : ''}`;
      out.push({
        code: 'REQUIRE_UNCERTAIN',
        verdict: 'caveat',
        runtime: 'legacy',
        message: `whether ${LEGACY} starts the container is open: ${source} on ${reported}: ${why}${cdiNote}`,
        remedy: target.gpu
          ? `upgrade the driver so that the first condition (${expr.raw.trim().split(/\s+/)[0]}) holds, or update cuda-gate`
          : 'add gpu: to the target so the check can be decided',
        origin,
      });
    }
  }
  return out;
}

function requireRemedy(raw: string, matrix: Matrix, runsWithoutCheck: boolean, failedToken?: string): string {
  const cuda = /^cuda>=(\d+(?:\.\d+)*)$/i.exec(failedToken ?? '');
  const branch = cuda ? matrix.driverBranches.find((b) => compareVersions(b.cuda, cuda[1]) >= 0) : undefined;
  const upgrade = cuda
    ? `upgrade the host driver to one whose branch reports CUDA >= ${cuda[1]}${branch ? ` (R${branch.branch} or later)` : ''}, or build on an older CUDA image`
    : `change the host so that ${failedToken ?? raw} holds, or rebuild the image`;
  // disabling the check only helps when the image would run without it (minor-version or forward compatibility)
  return runsWithoutCheck
    ? `${upgrade}; or, since the image runs on this driver once started, set NVIDIA_DISABLE_REQUIRE=true in the image or use a CDI runtime`
    : upgrade;
}

// ---- CUDA runtime vs driver ----------------------------------------------------------------------------------

type NeedState = 'ok' | 'minor-compat' | 'minor-compat-branch' | 'too-old' | 'unknown';

function needState(need: CudaNeed, driver: string, matrix: Matrix): NeedState {
  const floor = majorCompat(matrix, need.major);
  const aboveFloor = floor?.minorVersionCompat && floor.minorCompatFloor ? compareDriver(driver, floor.minorCompatFloor) >= 0 : undefined;
  // Table 2 names a branch (">= 525"); a driver of that branch below the cautious patch-level floor is a caveat
  const inFloorBranch = aboveFloor === false && floor?.minorCompatBranch !== undefined && driverBranch(driver) === floor.minorCompatBranch;
  const belowFloor: NeedState = inFloorBranch ? 'minor-compat-branch' : 'too-old';
  if (need.unknown) {
    if (need.lowerBoundDriver && compareDriver(driver, need.lowerBoundDriver) < 0 && aboveFloor !== true) return belowFloor;
    return 'unknown';
  }
  if (need.minDriver) {
    if (compareDriver(driver, need.minDriver) >= 0) return 'ok';
    return aboveFloor ? 'minor-compat' : belowFloor;
  }
  // major-only need: the major's compatibility floor, or the first release of the major where there is none
  if (aboveFloor !== undefined) return aboveFloor ? 'ok' : belowFloor;
  const first = matrix.releases.find((r) => Number(r.version.split('.')[0]) === need.major);
  return first && compareDriver(driver, first.linuxDriver) < 0 ? 'too-old' : 'ok';
}

function checkDriver(req: ImageRequirement, target: Target, hostCuda: string, matrix: Matrix): Reason[] {
  const out: Reason[] = [];
  const states = req.needs.map((n) => ({ need: n, state: needState(n, target.driver, matrix) }));
  const pick = (s: NeedState) =>
    states
      .filter((x) => x.state === s)
      .map((x) => x.need)
      .sort((a, b) => compareDriver(b.minDriver ?? b.lowerBoundDriver ?? '0', a.minDriver ?? a.lowerBoundDriver ?? '0') || compareVersions(b.cuda, a.cuda))[0];

  const tooOld = pick('too-old');
  if (tooOld) {
    out.push(tooOldOrForwardCompat(tooOld, req, target, hostCuda, matrix));
  } else {
    const mvc = pick('minor-compat');
    const branchOnly = pick('minor-compat-branch');
    if (branchOnly) out.push(minorCompatBranchReason(branchOnly, req, target, matrix));
    else if (mvc) out.push(minorCompatReason(mvc, req, target, matrix));
  }
  const unknown = pick('unknown');
  if (unknown) {
    // newer than every release the matrix knows: a stale matrix, said as such (still a caveat)
    const newer = cudaNewerThanMatrix(matrix, unknown.cuda);
    const bound = unknown.lowerBoundDriver;
    const meets = bound !== undefined && compareDriver(target.driver, bound) >= 0;
    out.push({
      code: 'UNKNOWN_CUDA_RELEASE',
      verdict: 'caveat',
      message: `${newer ? `${newer}. ` : ''}CUDA ${unknown.cuda} (${describeEvidence(strongest(unknown.evidence)!, req.layers)}) is not in the compatibility matrix, so its driver requirement is unknown${bound ? `; it needs at least ${bound}, ${meets ? `which ${target.driver} meets` : `above ${target.driver} (at best minor-version compatibility)`}` : ''}`,
      remedy: newer
        ? 'upgrade cuda-gate (a newer matrix), or add the release with its minimum driver from its release notes in a matrix override (--matrix-overrides FILE, or matrix-overrides: in the targets file)'
        : 'update cuda-gate (newer matrix), or check the release notes of this CUDA version for its minimum driver',
      origin: originOf(unknown.evidence, req.layers),
    });
  }
  if (!tooOld && !out.some((r) => r.verdict !== 'pass')) {
    const shaky = states.find((x) => x.state === 'ok' && x.need.unconfirmed && x.need.minDriver);
    if (shaky) {
      const familyMax = releasesInFamily(matrix, majorMinor(shaky.need.cuda) ?? shaky.need.cuda)
        .map((r) => r.linuxDriver)
        .reduce<string | undefined>((a, b) => (!a || compareDriver(b, a) > 0 ? b : a), undefined);
      if (familyMax && compareDriver(target.driver, familyMax) < 0) {
        out.push({
          code: 'UNCONFIRMED_MATRIX_ROW',
          verdict: 'caveat',
          message: `CUDA ${shaky.need.cuda} maps to release ${shaky.need.releases.join('/')} through a matrix row that is not confirmed; another ${majorMinor(shaky.need.cuda)} update needs driver ${floorText(
            familyMax,
            releasesInFamily(matrix, majorMinor(shaky.need.cuda) ?? shaky.need.cuda).map((r) => r.version),
            matrix,
          )}, above ${target.driver}`,
          remedy: `use a driver >= ${familyMax} to be safe`,
          origin: originOf(shaky.need.evidence, req.layers),
        });
      }
    }
  }
  return out;
}

/** The CUDA a need is about, as short as it is exact: the release when one is known ("12.4.1"), else "12.x". */
function needCuda(need: CudaNeed): string {
  return need.releases.length === 1 ? need.releases[0] : `${need.cuda}${need.level === 'major' ? '.x' : ''}`;
}

function needLabel(need: CudaNeed): string {
  const release = need.releases.length === 1 ? ` (release ${need.releases[0]})` : '';
  return `CUDA ${need.cuda}${need.level === 'major' ? '.x' : ''}${release}`;
}

/**
 * A release's minimum driver as messages print it. From CUDA 13.4 NVIDIA names only a driver branch; the matrix's
 * driver is then the branch's first public driver found, and the text says so.
 */
function floorText(driver: string, releases: readonly string[], matrix: Matrix): string {
  const row = branchOnlyRelease(matrix, releases, driver);
  return row ? `R${row.linuxDriverBranch} (NVIDIA names only the branch; ${driver} is its first public driver found)` : driver;
}

function minorCompatReason(need: CudaNeed, req: ImageRequirement, target: Target, matrix: Matrix): Reason {
  const ev = strongest(need.evidence)!;
  const wanted = floorText(need.minDriver!, need.releases, matrix);
  return {
    code: 'MINOR_VERSION_COMPAT',
    verdict: 'caveat',
    message: `${needLabel(need)} from ${describeEvidence(ev, req.layers)} wants driver >= ${wanted}; ${target.name} has ${target.driver}, which runs it only through minor-version compatibility (>= ${req.minorCompatDriver ?? '?'}): no PTX JIT of newer PTX, and APIs that need a newer driver return cudaErrorCallRequiresNewerDriver`,
    remedy: `upgrade the host driver to >= ${wanted} for full CUDA ${majorMinor(need.cuda) ?? need.cuda} support, or make sure the image ships SASS for the target GPU (no PTX JIT)`,
    origin: originOf(need.evidence, req.layers),
    facts: { needs: { driver: need.minDriver, cuda: needCuda(need) }, has: { driver: target.driver } },
  };
}

function minorCompatBranchReason(need: CudaNeed, req: ImageRequirement, target: Target, matrix: Matrix): Reason {
  const floor = majorCompat(matrix, need.major)!;
  return {
    code: 'MINOR_VERSION_COMPAT',
    verdict: 'caveat',
    message: `${needLabel(need)} from ${describeEvidence(strongest(need.evidence)!, req.layers)} runs on ${target.name}'s ${target.driver} only through minor-version compatibility, and that driver is below ${floor.minorCompatFloor}, the floor older release notes and NVIDIA's cuDNN matrix give for CUDA ${need.major}.x; NVIDIA's current Table 2 says only ">= ${floor.minorCompatBranch}", which it meets — unconfirmed either way`,
    remedy: `upgrade the host driver to >= ${floor.minorCompatFloor} to be inside every NVIDIA statement${need.minDriver ? ` (>= ${floorText(need.minDriver, need.releases, matrix)} for full CUDA ${majorMinor(need.cuda) ?? need.cuda} support)` : ''}`,
    origin: originOf(need.evidence, req.layers),
    facts: { needs: { driver: floor.minorCompatFloor, cuda: needCuda(need) }, has: { driver: target.driver } },
  };
}

function tooOldOrForwardCompat(need: CudaNeed, req: ImageRequirement, target: Target, hostCuda: string, matrix: Matrix): Reason {
  const ev = strongest(need.evidence)!;
  const floor = majorCompat(matrix, need.major);
  const mvcFloor = floor?.minorVersionCompat ? floor.minorCompatFloor : undefined;
  const needed = need.minDriver ?? need.lowerBoundDriver ?? mvcFloor;
  const neededText = needed === undefined ? needed : floorText(needed, need.releases, matrix);
  const fullText = need.minDriver === undefined ? undefined : floorText(need.minDriver, need.releases, matrix);
  const fc = forwardCompatFor(need, req, target);
  const branch = driverBranch(target.driver);

  if (fc.ok) {
    return {
      code: 'FORWARD_COMPAT',
      verdict: 'caveat',
      message: `${needLabel(need)} needs driver >= ${mvcFloor ?? neededText}, above ${target.name}'s ${target.driver}; it runs only through the image's forward-compatibility libraries (libcuda ${req.forwardCompat?.compatDriver ?? '?'}) on driver branch R${branch}${fc.note ? `; ${fc.note}` : ''}`,
      remedy: `forward compatibility works on data-center GPUs only, needs the NVIDIA Container Toolkit to mount the compat libs (cuda-compat mode / enable-cuda-compat hook), and some features (e.g. IPC, graphics interop) need the newer kernel driver; upgrading the host to >= ${neededText} removes the dependency`,
      origin: originOf([...need.evidence, ...(req.forwardCompat?.evidence ?? [])], req.layers),
      facts: { needs: { driver: mvcFloor ?? needed, cuda: needCuda(need) }, has: { driver: target.driver, cuda: hostCuda } },
    };
  }
  const parts = [`upgrade the host driver to >= ${neededText}`];
  if (mvcFloor && need.minDriver && compareDriver(mvcFloor, need.minDriver) < 0) {
    parts[0] = `upgrade the host driver to >= ${mvcFloor} (minor-version compatibility; >= ${fullText} for full CUDA ${majorMinor(need.cuda) ?? need.cuda})`;
  }
  parts.push(`or rebuild the image on CUDA <= ${hostCuda} (what driver ${target.driver} supports)`);
  if (fc.hint) parts.push(fc.hint);
  const releasesFc = releasesInFamily(matrix, majorMinor(need.cuda) ?? need.cuda)[0]?.forwardCompatBranches ?? [];
  if (!req.forwardCompat && releasesFc.includes(branch)) {
    parts.push(
      `or install cuda-compat-${need.cuda.split('.').slice(0, 2).join('-')} in the image and set forward-compat: true (data-center GPUs on ${listBranches(releasesFc)})`,
    );
  }
  return {
    code: 'DRIVER_TOO_OLD',
    verdict: 'fail',
    message: `${needLabel(need)} from ${describeEvidence(ev, req.layers)} needs driver >= ${neededText} — below it the CUDA runtime refuses the driver at initialisation ("CUDA driver version is insufficient for CUDA runtime version")${mvcFloor && need.minDriver && compareDriver(mvcFloor, need.minDriver) < 0 ? ` (>= ${mvcFloor} with minor-version compatibility)` : ''}; ${target.name} has ${target.driver} (CUDA ${hostCuda})${need.unknown ? `; CUDA ${need.cuda} itself is not in the matrix` : ''}${fc.why ? `; forward compatibility does not apply: ${fc.why}` : ''}`,
    remedy: parts.join(', '),
    origin: originOf(need.evidence, req.layers),
    facts: {
      needs: { driver: mvcFloor && need.minDriver && compareDriver(mvcFloor, need.minDriver) < 0 ? mvcFloor : needed, cuda: needCuda(need) },
      has: { driver: target.driver, cuda: hostCuda },
    },
  };
}

interface FcCheck {
  ok: boolean;
  /** why forward compatibility does not rescue the target (when the image has compat libs) */
  why?: string;
  hint?: string;
  note?: string;
}

function forwardCompatFor(need: CudaNeed, req: ImageRequirement, target: Target): FcCheck {
  const fc = req.forwardCompat;
  if (!fc) return { ok: false };
  const branch = driverBranch(target.driver);
  if (fc.cuda && (Number(fc.cuda.split('.')[0]) !== need.major || compareVersions(fc.cuda, majorMinor(need.cuda) ?? need.cuda) < 0) && need.level !== 'major') {
    return { ok: false, why: `the image's compat libraries are for CUDA ${fc.cuda}, older than ${need.cuda}` };
  }
  if (fc.compatDriver && driverBranch(fc.compatDriver) <= branch) {
    return { ok: false, why: `the compat libcuda ${fc.compatDriver} is not newer than the host's branch R${branch}` };
  }
  if (!fc.branches.includes(branch)) {
    return {
      ok: false,
      why: fc.branches.length
        ? `NVIDIA supports CUDA ${fc.cuda ?? need.cuda} forward compatibility on ${listBranches(fc.branches)}, not R${branch}`
        : `the matrix lists no driver branch that runs CUDA ${fc.cuda ?? need.cuda} through forward compatibility`,
    };
  }
  if (target.gpu?.datacenter === false) {
    return { ok: false, why: `${target.gpu.input} is not a data-center GPU (forward compatibility fails with cudaErrorCompatNotSupportedOnDevice)` };
  }
  if (!target.forwardCompat) {
    return {
      ok: false,
      why: `the target does not declare forward-compat: true`,
      hint: `or set forward-compat: true on ${target.name} if the host's container toolkit mounts the image's compat libs (data-center GPU)`,
    };
  }
  return { ok: true, note: target.gpu ? undefined : 'the target names no GPU: forward compatibility needs a data-center GPU' };
}

// ---- consistency ---------------------------------------------------------------------------------------------

function checkMixedMajors(req: ImageRequirement): Reason[] {
  if (req.majors.length < 2) return [];
  const byMajor = req.majors.map((m) => {
    const ev = req.needs.filter((n) => n.major === m).flatMap((n) => n.evidence);
    return `CUDA ${m}: ${describeEvidence(strongest(ev)!, req.layers)}`;
  });
  return [
    {
      code: 'MIXED_CUDA_MAJORS',
      verdict: 'caveat',
      message: `the image carries components of ${req.majors.length} CUDA majors — ${byMajor.join('; ')}; a library built for one major does not load the other major's runtime`,
      remedy: `keep one CUDA major: use the CUDA ${req.majors[req.majors.length - 1]} builds of every component (e.g. libcudnn9-cuda-${req.majors[req.majors.length - 1]}, nvidia-*-cu${req.majors[req.majors.length - 1]} wheels), or remove the unused toolkit`,
      origin: originOf(
        req.needs.filter((n) => n.major !== req.majors[req.majors.length - 1]).flatMap((n) => n.evidence),
        req.layers,
      ),
    },
  ];
}

/** conda `__cuda >=X` / pixi system-requirements: the environment was solved for a driver reporting CUDA >= X. */
function checkDeclaredCuda(req: ImageRequirement, target: Target, hostCuda: string, beyondKnown: boolean): Reason[] {
  const declared = req.declaredCuda;
  if (!declared || beyondKnown || compareVersions(hostCuda, declared.cuda) >= 0) return [];
  const ev = strongest(declared.evidence)!;
  return [
    {
      code: 'DECLARED_CUDA_UNSATISFIED',
      verdict: 'fail',
      message: `the image's environment declares that the driver must support CUDA >= ${declared.cuda} (${ev.value ?? ''}${ev.detail ? `, ${ev.detail}` : ''}; ${describeEvidence(ev, req.layers)}); ${target.name}'s driver ${target.driver} supports CUDA ${hostCuda}`,
      remedy: `upgrade the host driver to one that supports CUDA ${declared.cuda}, or re-solve the environment for CUDA ${hostCuda} (e.g. pin cuda-version=${hostCuda} / set system-requirements cuda = "${hostCuda}")`,
      origin: originOf(declared.evidence, req.layers),
    },
  ];
}

/** `decided`: libraries the loader check judged (pass or fail); the caveat stays for those it could not decide. */
function checkDriverLibs(req: ImageRequirement, decided: ReadonlySet<string> = new Set()): Reason[] {
  const libs = req.driverLibs.filter((e) => e.path === undefined || !(decided.has(e.path) || decided.has(`${e.path.slice(0, e.path.lastIndexOf('/'))}/`)));
  if (!libs.length) return [];
  const first = libs[0];
  return [
    {
      code: 'DRIVER_LIBS_IN_IMAGE',
      verdict: 'caveat',
      message: `the image carries the driver's own library ${describeEvidence(first, req.layers)}${libs.length > 1 ? ` and ${libs.length - 1} more` : ''}: on a host whose kernel driver differs it can shadow the library the NVIDIA container toolkit mounts and fail with "CUDA driver version is insufficient" or a version mismatch`,
      remedy: 'remove libcuda.so* from the image (install cuda-compat for forward compatibility instead) and let the container toolkit mount the host driver',
      origin: originOf(libs, req.layers),
    },
  ];
}

/** Informational: the target's driver branch is past its end of life as of the matrix date (not the wall clock). */
function checkBranchEol(target: Target, matrix: Matrix): Reason[] {
  const branch = matrix.driverBranches.find((b) => b.branch === driverBranch(target.driver));
  if (!branch || !branchPastEol(branch, matrix.meta.date)) return [];
  const next = newestSupportedBranch(matrix, matrix.meta.date);
  return [
    {
      code: 'DRIVER_BRANCH_EOL',
      verdict: 'pass',
      message: `R${branch.branch} reached end of life${branch.eol === 'reached' ? '' : ` (${branch.eol})`}: NVIDIA no longer ships fixes for it`,
      remedy: next
        ? `upgrade the host driver to a branch NVIDIA still supports: R${next.branch} (${next.kind}${next.eol ? `, end of life ${next.eol}` : ''})`
        : 'upgrade the host driver to a branch NVIDIA still supports',
    },
  ];
}

function checkGpuDriver(target: Target): Reason[] {
  const gpu = target.gpu?.gpu;
  if (!gpu) return [];
  const branch = driverBranch(target.driver);
  if (gpu.firstDriverBranch !== undefined && branch < gpu.firstDriverBranch) {
    return [
      {
        code: 'GPU_UNSUPPORTED_BY_DRIVER',
        verdict: 'fail',
        message: `${gpu.name} (${gpu.architecture}, compute capability ${gpu.computeCapability}) needs driver branch R${gpu.firstDriverBranch} or later; ${target.name} has ${target.driver}`,
        remedy: `upgrade the host driver to branch R${gpu.firstDriverBranch} or later`,
      },
    ];
  }
  // a per-GPU (SKU) floor above the architecture's first branch, e.g. a cloud SKU's published minimum driver
  if (gpu.minDriver !== undefined && compareDriver(target.driver, gpu.minDriver) < 0) {
    const floor = gpu.minDriver.includes('.') ? `driver ${gpu.minDriver}` : `driver branch R${gpu.minDriver}`;
    return [
      {
        code: 'GPU_UNSUPPORTED_BY_DRIVER',
        verdict: 'fail',
        message: `${gpu.name} needs ${floor} or later (${gpu.minDriverSource ?? 'matrix/gpus.yaml'}); ${target.name} has ${target.driver}`,
        remedy: `upgrade the host driver to ${floor} or later`,
      },
    ];
  }
  if (gpu.lastDriverBranch !== undefined && branch > gpu.lastDriverBranch) {
    return [
      {
        code: 'GPU_UNSUPPORTED_BY_DRIVER',
        verdict: 'fail',
        message: `driver ${target.driver} no longer supports ${gpu.name} (${gpu.architecture}): its last driver branch is R${gpu.lastDriverBranch}`,
        remedy: `stay on a driver of branch R${gpu.lastDriverBranch} for ${gpu.name} hosts`,
      },
    ];
  }
  return [];
}
