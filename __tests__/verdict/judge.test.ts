/** Requirement + verdict over hand-made evidence: each behaviour a user relies on, against the real matrix. */
import type { Evidence } from '../../src/evidence/types';
import { parseRequire } from '../../src/evidence/nvidia-require';
import { loadMatrix } from '../../src/matrix/load';
import { deriveRequirement } from '../../src/requirement/derive';
import { adHocTarget } from '../../src/targets/load';
import { DEFAULT_POLICY, type Policy } from '../../src/model/policy';
import { judge } from '../../src/verdict/judge';
import type { RequireExpression } from '../../src/evidence/nvidia-require-types';
import { REQUIRE_12_4_1, REQUIRE_13_0_0 } from '../fixtures/nvidia-require-strings';

const matrix = loadMatrix();
/** the image's layer list the evidence's layerIndex points into */
const LAYERS = [{ digest: 'sha256:l0', instruction: 'COPY rootfs/ /' }];

const cudart = (version: string, path = `/usr/local/cuda/lib64/libcudart.so.${version}`): Evidence => ({
  kind: 'cudart',
  version,
  cuda: version,
  from: 'file',
  path,
  layerIndex: 0,
  confidence: 'exact',
});
const compat = (driver: string, cuda: string): Evidence => ({
  kind: 'cuda-compat',
  version: driver,
  cuda,
  from: 'file',
  path: `/usr/local/cuda-${cuda}/compat/libcuda.so.${driver}`,
  layerIndex: 0,
  confidence: 'exact',
});
const cudnnFor = (cuda: string): Evidence => ({
  kind: 'cudnn',
  version: '8.9.6.50',
  cuda,
  from: 'package',
  package: 'libcudnn8',
  path: '/var/lib/dpkg/status',
  confidence: 'exact',
});

function verdictOf(
  evidence: Evidence[],
  t: { driver: string; gpu?: string; forwardCompat?: boolean },
  opts: { require?: RequireExpression[]; disabled?: boolean; policy?: Policy } = {},
) {
  const req = deriveRequirement({ evidence, require: { expressions: opts.require ?? [], disabled: !!opts.disabled }, layers: LAYERS }, matrix);
  return judge({ image: 'img', requirement: req, target: adHocTarget(t, matrix), policy: opts.policy ?? DEFAULT_POLICY }, matrix);
}
const codes = (r: ReturnType<typeof verdictOf>) => r.reasons.map((x) => x.code);

describe('CUDA runtime against the host driver', () => {
  test("a driver at the release's own minimum passes", () => {
    expect(verdictOf([cudart('12.4.127')], { driver: '550.54.15' }).verdict).toBe('pass');
  });
  test('a driver between the 12.x floor and the release minimum is a minor-version-compat caveat', () => {
    const r = verdictOf([cudart('12.4.127')], { driver: '535.104.05' });
    expect(r.verdict).toBe('caveat');
    // R535 is past its end of life as of the matrix date: informational, never the verdict
    expect(codes(r)).toEqual(['MINOR_VERSION_COMPAT', 'DRIVER_BRANCH_EOL']);
    expect(r.reasons[0].message).toContain('550.54.15');
    expect(r.reasons[0].message).toContain('535.104.05');
  });
  test('below the 12.x floor branch fails; inside R525 but below 525.60.13 is a caveat (Table 2 says >= 525); at the floor a caveat', () => {
    expect(verdictOf([cudart('12.0.146')], { driver: '520.61.05' }).verdict).toBe('fail');
    const early = verdictOf([cudart('12.0.146')], { driver: '525.60.11' });
    expect(early.verdict).toBe('caveat');
    expect(early.reasons.find((x) => x.code === 'MINOR_VERSION_COMPAT')!.message).toContain('525.60.13');
    expect(verdictOf([cudart('12.0.146')], { driver: '525.60.13' }).verdict).toBe('caveat');
  });
  test('CUDA 12 on R470 fails with a message naming the file, the layer and the needed driver, and a remedy', () => {
    const r = verdictOf([cudart('12.4.127')], { driver: '470.82.01' });
    expect(r.verdict).toBe('fail');
    const reason = r.reasons.find((x) => x.code === 'DRIVER_TOO_OLD')!;
    expect(reason.message).toContain('libcudart.so.12.4.127');
    expect(reason.message).toContain('layer 1');
    expect(reason.message).toContain('525.60.13');
    expect(reason.message).toContain('470.82.01');
    expect(reason.remedy).toMatch(/upgrade the host driver to >= 525\.60\.13/);
    expect(reason.remedy).toContain('CUDA <= 11.4');
  });
  test('CUDA 13 on R575 fails: the 13.x floor is R580', () => {
    const r = verdictOf([cudart('13.0.48')], { driver: '575.57.08' });
    expect(r.verdict).toBe('fail');
    expect(codes(r)).toContain('DRIVER_TOO_OLD');
  });
  test('CUDA 11.8 on 450.80.02 runs through minor-version compatibility', () => {
    expect(codes(verdictOf([cudart('11.8.89')], { driver: '450.80.02' }))).toEqual(['MINOR_VERSION_COMPAT', 'DRIVER_BRANCH_EOL']);
  });
  test('the newest runtime in the image decides', () => {
    const r = verdictOf([cudart('11.8.89'), cudart('12.8.90')], { driver: '560.35.03' });
    expect(r.reasons.find((x) => x.code === 'MINOR_VERSION_COMPAT')?.message).toContain('12.8');
  });
});

describe('forward compatibility', () => {
  const image = [cudart('12.4.127'), compat('550.54.15', '12.4')];
  test('compat libs + forward-compat target + data-center GPU on a supported branch is a caveat', () => {
    const r = verdictOf(image, { driver: '470.82.01', gpu: 'T4', forwardCompat: true });
    expect(r.verdict).toBe('caveat');
    expect(codes(r)).toContain('FORWARD_COMPAT');
  });
  test('the same host without forward-compat: true fails and says how to enable it', () => {
    const r = verdictOf(image, { driver: '470.82.01', gpu: 'T4' });
    expect(r.verdict).toBe('fail');
    expect(r.reasons[0].message).toContain('forward-compat: true');
  });
  test('a GeForce GPU cannot use forward compatibility', () => {
    const r = verdictOf(image, { driver: '470.82.01', gpu: 'RTX 3090', forwardCompat: true });
    expect(r.verdict).toBe('fail');
    expect(r.reasons[0].message).toContain('not a data-center GPU');
  });
  test('a branch NVIDIA does not support for that CUDA version fails', () => {
    const r = verdictOf(image, { driver: '510.47.03', gpu: 'A100', forwardCompat: true });
    expect(r.verdict).toBe('fail');
    expect(r.reasons[0].message).toMatch(/R470/);
  });
  test('CUDA 13.0 compat libs on R535 data-center hosts', () => {
    const r = verdictOf([cudart('13.0.48'), compat('580.65.06', '13.0')], { driver: '535.104.05', gpu: 'H100', forwardCompat: true });
    expect(r.verdict).toBe('caveat');
    expect(codes(r)).toEqual(['FORWARD_COMPAT', 'DRIVER_BRANCH_EOL']);
  });
});

describe('NVIDIA_REQUIRE_CUDA decides whether docker run starts the container', () => {
  const req124 = [parseRequire('NVIDIA_REQUIRE_CUDA', REQUIRE_12_4_1)];
  test('a driver outside every group is refused: REQUIRE_UNSATISFIED fail', () => {
    const r = verdictOf([cudart('12.4.127')], { driver: '545.23.08', gpu: 'A100' }, { require: req124 });
    expect(r.verdict).toBe('fail');
    expect(codes(r)).toContain('REQUIRE_UNSATISFIED');
    expect(r.reasons.find((x) => x.code === 'REQUIRE_UNSATISFIED')!.message).toContain('cuda>=12.4');
  });
  test('NVIDIA_DISABLE_REQUIRE turns the check off', () => {
    const r = verdictOf([cudart('12.4.127')], { driver: '545.23.08', gpu: 'A100' }, { require: req124, disabled: true });
    expect(codes(r)).not.toContain('REQUIRE_UNSATISFIED');
    expect(r.verdict).toBe('caveat');
  });
  test('without a GPU the brand groups leave the answer open: REQUIRE_UNCERTAIN caveat', () => {
    const r = verdictOf([cudart('12.4.127')], { driver: '535.104.05' }, { require: req124 });
    expect(codes(r)).toContain('REQUIRE_UNCERTAIN');
  });
  test('13.0 image on R560 data-center: refused even though the brand list looks generous', () => {
    const r = verdictOf([cudart('13.0.48')], { driver: '560.35.03', gpu: 'H100' }, { require: [parseRequire('NVIDIA_REQUIRE_CUDA', REQUIRE_13_0_0)] });
    expect(codes(r)).toContain('REQUIRE_UNSATISFIED');
  });
  test('an invalid term fails only when dsl.c reaches it: after a satisfied alternative it is never read', () => {
    const req = { require: [parseRequire('NVIDIA_REQUIRE_CUDA', 'cuda>=12.4 driver>=r535')] };
    expect(codes(verdictOf([cudart('12.4.127')], { driver: '550.54.15' }, req))).not.toContain('REQUIRE_INVALID');
    const r = verdictOf([cudart('12.3.101')], { driver: '545.23.08' }, req);
    expect(codes(r)).toContain('REQUIRE_INVALID');
    expect(r.verdict).toBe('fail');
  });
});

describe('consistency and unknowns', () => {
  test('cuDNN for CUDA 11 beside a CUDA 12 runtime is MIXED_CUDA_MAJORS', () => {
    const r = verdictOf([cudart('12.4.127'), cudnnFor('11.8')], { driver: '550.54.15' });
    expect(codes(r)).toContain('MIXED_CUDA_MAJORS');
    expect(r.verdict).toBe('caveat');
  });
  test('no CUDA at all follows the no-cuda policy', () => {
    expect(verdictOf([], { driver: '550.54.15' }).verdict).toBe('caveat');
    expect(verdictOf([], { driver: '550.54.15' }, { policy: { ...DEFAULT_POLICY, noCuda: 'fail' } }).verdict).toBe('fail');
    expect(verdictOf([], { driver: '550.54.15' }, { policy: { ...DEFAULT_POLICY, noCuda: 'pass' } }).verdict).toBe('pass');
    expect(codes(verdictOf([], { driver: '550.54.15' }))).toEqual(['NO_CUDA_FOUND', 'DRIVER_BRANCH_EOL']);
  });
  test('a CUDA version the matrix does not know is a caveat, never a pass', () => {
    const r = verdictOf([cudart('12.7.33')], { driver: '580.95.05' });
    expect(r.verdict).toBe('caveat');
    expect(codes(r)).toContain('UNKNOWN_CUDA_RELEASE');
  });
  test('an unknown future major on an old driver fails', () => {
    const r = verdictOf([cudart('19.0.10')], { driver: '470.82.01' });
    expect(r.verdict).toBe('fail');
  });
});

describe('GPU against driver branch', () => {
  test('B200 on R550 fails: Blackwell needs a newer branch', () => {
    const r = verdictOf([cudart('12.4.127')], { driver: '550.54.15', gpu: 'B200' });
    expect(codes(r)).toContain('GPU_UNSUPPORTED_BY_DRIVER');
  });
  test('a Kepler K80 on R535 fails: its last branch is R470', () => {
    const r = verdictOf([cudart('11.4.148')], { driver: '535.104.05', gpu: 'K80' });
    expect(codes(r)).toContain('GPU_UNSUPPORTED_BY_DRIVER');
  });
});

describe('driver libraries baked into the image', () => {
  const libcuda = (size0: boolean): Evidence => ({
    kind: 'driver-lib',
    version: '535.104.05',
    from: 'file',
    path: '/usr/lib/x86_64-linux-gnu/libcuda.so.535.104.05',
    confidence: 'exact',
    emptyFile: size0 || undefined,
  });
  test('a real libcuda outside a compat dir is a caveat', () => {
    const r = verdictOf([cudart('12.2.140'), libcuda(false)], { driver: '550.54.15' });
    expect(codes(r)).toEqual(['DRIVER_LIBS_IN_IMAGE', 'DRIVER_BRANCH_EOL']);
  });
  test('an empty placeholder left by the NVIDIA runtime is not', () => {
    expect(verdictOf([cudart('12.2.140'), libcuda(true)], { driver: '550.54.15' }).verdict).toBe('pass');
  });
});

describe('a CUDA floor declared by the environment (conda __cuda, pixi system-requirements)', () => {
  const declared = (cuda: string): Evidence => ({
    kind: 'cuda-system-requirement',
    cuda,
    value: `__cuda >=${cuda}`,
    from: 'file',
    path: '/opt/conda/conda-meta/pytorch-2.5.1-cuda126_py312.json',
    confidence: 'declared',
    detail: 'conda dependency of pytorch',
  });
  test('a driver reporting a lower CUDA fails, naming the declaration', () => {
    const r = verdictOf([cudart('12.6.77'), declared('12.6')], { driver: '550.54.15' });
    const reason = r.reasons.find((x) => x.code === 'DECLARED_CUDA_UNSATISFIED');
    expect(reason?.verdict).toBe('fail');
    expect(reason?.message).toContain('__cuda >=12.6');
    expect(reason?.message).toContain('12.4');
  });
  test('a driver reporting that CUDA or newer is fine', () => {
    expect(codes(verdictOf([cudart('12.6.77'), declared('12.6')], { driver: '560.35.03' }))).not.toContain('DECLARED_CUDA_UNSATISFIED');
  });
  test('a declaration alone makes the image a CUDA image', () => {
    expect(codes(verdictOf([declared('12')], { driver: '470.82.01' }))).toEqual(['DECLARED_CUDA_UNSATISFIED']);
  });
});
