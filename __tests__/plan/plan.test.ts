/**
 * cuda-gate plan for the mixed fleet — K80 on R470 (470.256.02), V100 on R535 (535.230.02), A100 on R550
 * (550.163.01), H100 on R580 (580.95.05), B200 on R575 (575.57.08) — with every expected value worked out by hand
 * from the matrix rows named beside it (NVIDIA's Table 3 / Table 2 as matrix/toolkits.yaml and majors.yaml hold them).
 */
import { loadMatrix } from '../../src/matrix/load';
import { releaseByVersion } from '../../src/matrix/queries';
import { archPlan } from '../../src/plan/archs';
import { planFleet } from '../../src/plan/plan';
import { supportOf } from '../../src/plan/support';
import { k8sTargetsFromText } from '../../src/targets/k8s';
import { adHocTarget } from '../../src/targets/load';
import { gpuNode, mixedFleetNodes, nodesJson, V100, A100, H100, B200 } from '../helpers/k8s-nodes';

const m = loadMatrix();
const fleetOf = (items: object[]) => k8sTargetsFromText(nodesJson(items), { file: 'nodes.json', forwardCompat: false }, m).targets;
const plan = planFleet(m, fleetOf(mixedFleetNodes()));
const byName = new Map(plan.targets.map((t) => [t.name, t]));
const versions = (name: string) => {
  const t = byName.get(name)!;
  return [t.reportsCuda, t.full?.version, t.minorVersionCompat?.version, t.forwardCompat?.version];
};
const release = (v: string) => releaseByVersion(m, v)!;

describe('per target: the newest CUDA it runs fully, with minor-version compatibility, with forward compatibility', () => {
  test('K80 on 470.256.02', () => {
    // drivers.yaml R470 -> cuda "11.4". Full: toolkits.yaml 11.4.4 linuxDriver 470.82.01 <= 470.256.02, and 11.5.0
    // needs 495.29.05. MVC: majors.yaml 11 minorCompatFloor 450.80.02 <= 470.256.02 -> the newest 11.x, 11.8.0 (still
    // builds sm_37: archs.yaml removes sm_35/sm_37 only in 12.0); 12.x needs 525.60.13. FC: 11.5-12.8 list R470 in
    // forwardCompatBranches, but 12.x cannot build for 3.7 (removed in 12.0), so nothing beyond 11.8.0.
    expect(versions('tesla-k80')).toEqual(['11.4', '11.4.4', '11.8.0', '11.8.0']);
  });

  test('V100 on 535.230.02', () => {
    // R535 -> "12.2". Full: 12.2.2 needs 535.104.05 <= 535.230.02; 12.3.0 needs 545.23.06. MVC: majors 12 floor
    // 525.60.13 -> newest confirmed 12.x is 12.9.1 (12.9.2 is confirmed: false), and 12.9 still builds sm_70
    // (deprecated in 12.8, removed in 13.0); 13.x needs 580.65.06. FC: R535 is listed by 12.3-13.0, but 13.0 removed
    // sm_70: nothing beyond 12.9.1.
    expect(versions('tesla-v100-sxm2-16gb')).toEqual(['12.2', '12.2.2', '12.9.1', '12.9.1']);
    expect(byName.get('tesla-v100-sxm2-16gb')!.minorVersionCompat?.newerUnconfirmed).toBe('12.9.2');
    // drivers.yaml R535: LTSB, eol "2026-06", before meta.yaml's date
    expect(byName.get('tesla-v100-sxm2-16gb')!.notes).toContain('driver branch R535 is past its end of life (2026-06, matrix/drivers.yaml)');
  });

  test('A100 on 550.163.01', () => {
    // R550 -> "12.4". Full: 12.4.1 needs 550.54.15; 12.5.0 needs 555.42.02. MVC: 12.9.1 (floor 525.60.13). FC: 13.0.0-
    // 13.0.3 list R550 (forwardCompatBranches [535, 550, 565, 570, 575]) and the A100 is a data-center GPU: 13.0.2 is
    // the newest confirmed (13.0.3 is confirmed: false); 13.1+ list no branches.
    expect(versions('a100-sxm4-80gb')).toEqual(['12.4', '12.4.1', '12.9.1', '13.0.2']);
    expect(byName.get('a100-sxm4-80gb')!.notes).toContain(
      'forward compatibility reaches CUDA 13.0.2 on R550: the image needs cuda-compat and the target forward-compat: true',
    );
  });

  test('H100 on 580.95.05', () => {
    // R580 -> "13.0". Full: 13.0.2 needs 580.95.05 exactly; 13.0.3 needs 580.126.20. MVC: majors 13 floor 580.65.06 ->
    // newest confirmed 13.x is 13.3.1 (13.4.x, 13.5.0 are confirmed: false). FC: no 13.x row lists R580.
    expect(versions('h100-80gb-hbm3')).toEqual(['13.0', '13.0.2', '13.3.1', '13.3.1']);
    expect(byName.get('h100-80gb-hbm3')!.minorVersionCompat?.newerUnconfirmed).toBe('13.5.0');
  });

  test('B200 on 575.57.08', () => {
    // R575 -> "12.9". Full: 12.9.1 needs 575.57.08 exactly (12.9.2, same driver, is unconfirmed). MVC adds nothing
    // (12.9 is the last 12.x; 13.x needs 580.65.06). FC: 13.0.x list R575, B200 is data-center: 13.0.2.
    expect(versions('b200')).toEqual(['12.9', '12.9.1', '12.9.1', '13.0.2']);
  });
});

describe('the whole fleet', () => {
  test('newest CUDA every target runs: 11.4.4 fully, 11.8.0 with the K80 on minor-version compatibility', () => {
    // the K80 is the floor of every level (11.4.4 / 11.8.0 / 11.8.0); the others run 11.4.4 and 11.8.0 fully
    expect(plan.fleet.full).toEqual({ release: { version: '11.4.4', label: 'CUDA 11.4 Update 4', linuxDriver: '470.82.01', confirmed: true }, via: [] });
    expect(plan.fleet.minorVersionCompat?.release.version).toBe('11.8.0');
    expect(plan.fleet.minorVersionCompat?.via).toEqual([{ target: 'tesla-k80', mechanism: 'minorVersionCompat' }]);
    expect(plan.fleet.forwardCompat?.release.version).toBe('11.8.0');
  });

  test('pixi / conda declare the CUDA the oldest driver reports: 11.4 (R470)', () => {
    expect(plan.fleet.systemRequirements).toEqual({
      cuda: '11.4',
      pixi: '[system-requirements]\ncuda = "11.4"',
      conda: '__cuda>=11.4',
      target: 'tesla-k80',
      driver: '470.256.02',
    });
  });

  test('base images: nvidia/cuda tags of the fleet releases, as patterns', () => {
    expect(plan.fleet.baseImages).toEqual([
      { image: 'nvidia/cuda:11.4.4-runtime-<os>', release: '11.4.4', level: 'full' },
      { image: 'nvidia/cuda:11.8.0-runtime-<os>', release: '11.8.0', level: 'minorVersionCompat' },
    ]);
  });

  test('GPU code: SASS per compute capability the release can build, +PTX on the newest, JIT for the rest', () => {
    // CUDA 11.4 builds sm_37, sm_70, sm_80 (archs.yaml 9.0 baseline, 11.0 adds sm_80) but not sm_90 (11.8) or
    // sm_100 (12.8): H100 and B200 JIT the compute_80 PTX (their drivers support 11.4 fully).
    const [at114, at118] = plan.fleet.architectures;
    expect([at114.cuda, at114.torchCudaArchList, at114.cmakeCudaArchitectures]).toEqual(['11.4.4', '3.7;7.0;8.0+PTX', '37-real;70-real;80']);
    expect(at114.jit).toEqual([
      { cc: '9.0', ptx: '8.0', targets: ['h100-80gb-hbm3'] },
      { cc: '10.0', ptx: '8.0', targets: ['b200'] },
    ]);
    // CUDA 11.8 adds sm_89 and sm_90 (archs.yaml 11.8): the B200 JITs compute_90
    expect([at118.cuda, at118.torchCudaArchList, at118.cmakeCudaArchitectures]).toEqual(['11.8.0', '3.7;7.0;8.0;9.0+PTX', '37-real;70-real;80-real;90']);
    expect(at118.jit).toEqual([{ cc: '10.0', ptx: '9.0', targets: ['b200'] }]);
    expect([at114.uncovered, at118.uncovered]).toEqual([[], []]);
  });

  test('PyTorch wheel indexes: none runs on every target; the K80 blocks them all', () => {
    expect(plan.fleet.wheels.filter((w) => w.blocked.length === 0)).toEqual([]);
    const w = (index: string, from: string) => plan.fleet.wheels.find((x) => x.index === index && x.from === from)!;
    // frameworks.yaml torch 2.14 cu126: CUDA 12.6, SASS 5.0-9.0, no PTX. K80: 470 < 525.60.13 (CUDA 12 floor). B200:
    // no SASS for 10.x and no PTX. V100 and A100: 12.6 needs 560.35.05 (12.6.3, the highest of the 12.6 family) >
    // their drivers, so minor-version compatibility (they have SASS 7.0 / 8.0).
    expect(w('cu126', '2.14').runs).toEqual([
      { target: 'tesla-v100-sxm2-16gb', mechanism: 'minorVersionCompat' },
      { target: 'a100-sxm4-80gb', mechanism: 'minorVersionCompat' },
      { target: 'h100-80gb-hbm3', mechanism: 'full' },
    ]);
    expect(w('cu126', '2.14').blocked).toEqual([
      { target: 'tesla-k80', why: 'driver 470.256.02 < 525.60.13 (CUDA 12.6 with minor-version compatibility)', short: 'driver < 525.60.13' },
      { target: 'b200', why: 'no SASS or PTX for 10.0 (SASS 5.0, 6.0, 7.0, 7.5, 8.0, 8.6, 9.0)', short: 'no GPU code for 10.0' },
    ]);
    // torch 2.9/2.10 cu128 (SASS 7.0 ... 12.0) runs everywhere but on the K80; 2.11 dropped 7.0 from cu128
    expect(w('cu128', '2.9').blocked.map((b) => b.target)).toEqual(['tesla-k80']);
    expect(w('cu128', '2.11').blocked.map((b) => b.target)).toEqual(['tesla-k80', 'tesla-v100-sxm2-16gb']);
    // cu130: CUDA 13 needs 580.65.06 even with minor-version compatibility: only the H100 (R580)
    expect(w('cu130', '2.14').runs.map((r) => r.target)).toEqual(['h100-80gb-hbm3']);
  });

  test('the next release (11.5.0) is held back by the K80, which no driver can unblock', () => {
    // 11.5.0 needs 495.29.05 (R495); gpus.yaml Tesla K80 lastDriverBranch 470
    expect(plan.fleet.next).toEqual({
      release: { version: '11.5.0', label: 'CUDA 11.5 GA', linuxDriver: '495.29.05', confirmed: true },
      blockers: [
        {
          target: 'tesla-k80',
          driver: '470.256.02',
          meanwhile: 'minorVersionCompat',
          why: "no driver: Tesla K80's last driver branch is R470 (matrix/gpus.yaml), CUDA 11.5.0 needs R495",
        },
      ],
    });
  });
});

describe('the fleet without the K80', () => {
  const rest = planFleet(m, fleetOf(mixedFleetNodes().filter((n) => !(n as { metadata: { name: string } }).metadata.name.startsWith('gpu-k80'))));

  test('fully 12.2.2 (the V100), with minor-version compatibility 12.9.1; 12.2 to declare', () => {
    expect(rest.fleet.full?.release.version).toBe('12.2.2');
    expect(rest.fleet.minorVersionCompat?.release.version).toBe('12.9.1');
    // 12.9.1 (575.57.08): V100 and A100 by minor-version compatibility, H100 and B200 fully
    expect(rest.fleet.minorVersionCompat?.via).toEqual([
      { target: 'tesla-v100-sxm2-16gb', mechanism: 'minorVersionCompat' },
      { target: 'a100-sxm4-80gb', mechanism: 'minorVersionCompat' },
    ]);
    expect(rest.fleet.systemRequirements?.conda).toBe('__cuda>=12.2');
  });

  test('the next release 12.3.0 waits for the V100: a driver >= 545.23.06, e.g. R580 (LTSB), the newest supported branch the V100 gets', () => {
    // toolkits.yaml 12.3.0 linuxDriver 545.23.06; drivers.yaml: R580 LTSB eol 2028-06 is the newest LTSB/PB not past
    // its end of life at or below the V100's lastDriverBranch 580 (R595 PB and R620 LTSB are above it)
    expect(rest.fleet.next?.release.version).toBe('12.3.0');
    expect(rest.fleet.next?.blockers).toEqual([
      {
        target: 'tesla-v100-sxm2-16gb',
        driver: '535.230.02',
        meanwhile: 'minorVersionCompat',
        unblock: { driver: '545.23.06', branch: 545, suggested: { branch: 580, kind: 'LTSB', eol: '2028-06' } },
      },
    ]);
  });

  test('GPU code for 12.2.2: SASS 7.0, 8.0, 9.0 +PTX; the B200 JITs compute_90', () => {
    const a = rest.fleet.architectures[0];
    expect([a.cuda, a.torchCudaArchList, a.cmakeCudaArchitectures]).toEqual(['12.2.2', '7.0;8.0;9.0+PTX', '70-real;80-real;90']);
    expect(a.jit).toEqual([{ cc: '10.0', ptx: '9.0', targets: ['b200'] }]);
  });

  test('torch 2.9/2.10 cu128 runs on every target (V100 and A100 through minor-version compatibility)', () => {
    const everywhere = rest.fleet.wheels.filter((w) => w.blocked.length === 0).map((w) => `${w.index} ${w.releases}`);
    expect(everywhere).toEqual(['cu128 >=2.9 <2.11']);
  });
});

describe('the rules, each on its own', () => {
  const target = (driver: string, gpu: string, forwardCompat = false) => adHocTarget({ name: 't', driver, gpu, forwardCompat }, m);

  test('minor-version compatibility needs SASS: PTX newer than the driver is not JIT-compiled', () => {
    // a 10.0 GPU known only by compute capability on 560.35.03: 12.8.0 (570.26) builds sm_100 -> minor-version
    // compatibility; 12.6.3 (560.35.05) only reaches 10.0 by compute_90 PTX -> not at all
    const t = target('560.35.03', '10.0');
    expect(supportOf(m, t, release('12.8.0'))?.mechanism).toBe('minorVersionCompat');
    expect(supportOf(m, t, release('12.6.3'))).toBeUndefined();
    // a driver that supports the release fully JITs the PTX
    expect(supportOf(m, target('560.35.05', '10.0'), release('12.6.3'))).toEqual({ mechanism: 'full', reach: { kind: 'ptx', cc: '9.0' } });
  });

  test('forward compatibility needs a data-center GPU and a branch the release lists', () => {
    // RTX 4090 (consumer) on R550: no forward compatibility to 13.0
    const consumer = planFleet(m, [target('550.163.01', 'GeForce RTX 4090')]).targets[0];
    expect(consumer.forwardCompat).toBeUndefined();
    expect(consumer.notes).toContain('no forward compatibility: GeForce RTX 4090 is not a data-center GPU (matrix/gpus.yaml)');
    // L4 (data-center) on R550: 13.0.2 through forward compatibility
    expect(supportOf(m, target('550.163.01', 'L4'), release('13.0.2'))?.mechanism).toBe('forwardCompat');
    // R560 is in 12.8's list but not in 13.0's ([535, 550, 565, 570, 575])
    expect(supportOf(m, target('560.35.03', 'L4'), release('13.0.2'))).toBeUndefined();
  });

  test('a GPU the driver branch does not drive runs nothing', () => {
    // gpus.yaml B200 firstDriverBranch 570
    const p = planFleet(m, [target('550.163.01', 'B200')]);
    expect(p.targets[0].full).toBeUndefined();
    expect(p.targets[0].notes).toContain('runs no CUDA release: B200 needs driver branch R570 or newer; 550.163.01 is R550');
    expect(p.fleet.full).toBeUndefined();
  });

  test('a GPU the release cannot build for: not covered, with the toolkit that removed it', () => {
    const a = archPlan(m, release('12.4.1'), [target('550.163.01', 'Tesla K80')]);
    expect(a.uncovered).toEqual([
      {
        cc: '3.7',
        targets: ['t'],
        why: 'CUDA 12.4.1 cannot build for compute capability 3.7 (sm_37 removed in CUDA 12.0, matrix/archs.yaml); its lowest target is 5.0',
      },
    ]);
    expect(a.torchCudaArchList).toBe('');
  });

  test('a GPU whose major the release lacks gets SASS of a lower minor of the same major (8.0 SASS runs on 8.6)', () => {
    // CUDA 11.0 builds sm_80 but not sm_86 (added 11.1): the A10 (8.6) runs the 8.0 SASS
    const a = archPlan(m, release('11.0.2'), [target('450.80.02', 'A10'), adHocTarget({ name: 'a100', driver: '450.80.02', gpu: 'A100' }, m)]);
    expect(a.torchCudaArchList).toBe('8.0+PTX');
    expect(a.jit).toEqual([]);
  });
});

test('every target of a k8s fleet keeps its nodes in the plan', () => {
  const p = planFleet(
    m,
    fleetOf([gpuNode({ name: 'v', ...V100 }, 0), gpuNode({ name: 'a', ...A100 }, 1), gpuNode({ name: 'h', ...H100 }, 2), gpuNode({ name: 'b', ...B200 }, 3)]),
  );
  expect(p.targets.map((t) => [t.name, t.nodeCount, t.nodes])).toEqual([
    ['tesla-v100-sxm2-16gb', 1, ['v']],
    ['a100-sxm4-80gb', 1, ['a']],
    ['h100-80gb-hbm3', 1, ['h']],
    ['b200', 1, ['b']],
  ]);
});
