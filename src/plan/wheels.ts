/**
 * Which framework wheel indexes (PyTorch's download.pytorch.org/whl/cuXYZ) a fleet can install: the wheels' CUDA must
 * run on each target's driver (fully, or through minor-version compatibility: the wheels bundle the CUDA runtime
 * as pip packages) and their GPU code must reach each target's GPU (SASS of its compute capability or a lower one of
 * the same major; PTX of a lower one where the driver supports that CUDA fully, for the JIT). The indexes, their
 * CUDA and GPU code are matrix/frameworks.yaml `wheelIndexes:`.
 */
import { compareDriver, maxDriver } from '../common/driver-version';
import { versionParts } from '../common/dotted-version';
import { majorCompat, resolveRelease } from '../matrix/queries';
import type { Matrix, WheelIndex } from '../matrix/types';
import type { Target } from '../model/target';
import { compareCc, gpuDriverProblem, type Mechanism } from './support';

export interface WheelPlan {
  package: string;
  index: string;
  /** the framework releases the row covers: ">=2.14 <2.15" */
  releases: string;
  from: string;
  below?: string;
  /** the index URL pip takes: --index-url https://download.pytorch.org/whl/cu126 */
  url: string;
  cuda: string;
  /** the driver the wheels' CUDA needs for full support (cautious: the highest of the releases it may be) */
  fullDriver?: string;
  /** the targets it runs on, and how */
  runs: { target: string; mechanism: Exclude<Mechanism, 'forwardCompat'> }[];
  /** the targets it does not run on, why, and the why in a few words (what targets share is grouped by it) */
  blocked: { target: string; why: string; short: string }[];
  confirmed: boolean;
}

const INDEX_URLS: Record<string, string> = { torch: 'https://download.pytorch.org/whl/' };

export function wheelPlans(m: Matrix, targets: readonly Target[]): WheelPlan[] {
  return (m.wheelIndexes ?? []).map((row) => wheelPlan(m, row, targets));
}

function wheelPlan(m: Matrix, row: WheelIndex, targets: readonly Target[]): WheelPlan {
  const resolved = resolveRelease(m, row.cuda).releases;
  // only the minor known ("12.6"): the highest driver any of its releases needs (cautious)
  const fullDriver = maxDriver(resolved.map((r) => r.linuxDriver));
  const major = versionParts(row.cuda)[0];
  const floor = majorCompat(m, major);
  const mvcFloor = floor?.minorVersionCompat ? floor.minorCompatFloor : undefined;
  const runs: WheelPlan['runs'] = [];
  const blocked: WheelPlan['blocked'] = [];
  for (const t of targets) {
    const driverProblem = gpuDriverProblem(t);
    if (driverProblem) {
      blocked.push({ target: t.name, why: driverProblem, short: driverProblem });
      continue;
    }
    let mechanism: 'full' | 'minorVersionCompat' | undefined;
    if (fullDriver !== undefined && compareDriver(t.driver, fullDriver) >= 0) mechanism = 'full';
    else if (mvcFloor !== undefined && compareDriver(t.driver, mvcFloor) >= 0) mechanism = 'minorVersionCompat';
    if (!mechanism) {
      blocked.push({
        target: t.name,
        why: `driver ${t.driver} < ${mvcFloor ?? fullDriver ?? '?'} (CUDA ${row.cuda}${mvcFloor ? ' with minor-version compatibility' : ''})`,
        short: `driver < ${mvcFloor ?? fullDriver ?? '?'}`,
      });
      continue;
    }
    const cc = t.gpu?.computeCapability;
    if (cc !== undefined) {
      const [ccMajor] = versionParts(cc);
      const sass = row.sass.some((s) => versionParts(s)[0] === ccMajor && compareCc(s, cc) <= 0);
      const ptx = row.ptx.some((p) => compareCc(p, cc) <= 0);
      if (!sass && !(ptx && mechanism === 'full')) {
        blocked.push({
          target: t.name,
          why:
            ptx && !sass
              ? `no SASS for ${cc}; its PTX ${row.ptx.join(', ')} needs driver >= ${fullDriver} to JIT`
              : `no SASS or PTX for ${cc} (SASS ${row.sass.join(', ')}${row.ptx.length ? `, PTX ${row.ptx.join(', ')}` : ''})`,
          short: ptx && !sass ? `PTX only for ${cc}, JIT needs driver >= ${fullDriver}` : `no GPU code for ${cc}`,
        });
        continue;
      }
    }
    runs.push({ target: t.name, mechanism });
  }
  return {
    package: row.package,
    index: row.index,
    releases: `>=${row.from}${row.below !== undefined ? ` <${row.below}` : ''}`,
    from: row.from,
    ...(row.below !== undefined && { below: row.below }),
    url: `${INDEX_URLS[row.package] ?? ''}${row.index}`,
    cuda: row.cuda,
    ...(fullDriver !== undefined && { fullDriver }),
    runs,
    blocked,
    confirmed: row.confirmed,
  };
}
