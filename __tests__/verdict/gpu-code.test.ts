/**
 * GPU code against target GPUs, over hand-made evidence and the real matrix: SASS that runs, PTX that must be
 * JIT-compiled (and the driver that can), no kernel at all, and toolkits that cannot target the GPU.
 */
import type { Evidence } from '../../src/evidence/types';
import { loadMatrix } from '../../src/matrix/load';
import { ptxJitDriverForIsa } from '../../src/matrix/ptx';
import { deriveRequirement } from '../../src/requirement/derive';
import { adHocTarget } from '../../src/targets/load';
import { DEFAULT_POLICY } from '../../src/model/policy';
import { judge } from '../../src/verdict/judge';
import type { Reason } from '../../src/verdict/types';

const matrix = loadMatrix();
const DRIVER = '580.95.05';
const GPU_CODES = new Set(['NO_KERNEL_FOR_GPU', 'PTX_JIT', 'PTX_JIT_NEEDS_NEWER_DRIVER', 'GPU_UNSUPPORTED_BY_TOOLKIT']);

const layer = 0;
function binary(path: string, sass: string[], ptx: string[] = [], ptxIsa?: string[]): Evidence {
  return {
    kind: 'gpu-code',
    from: 'file',
    path,
    layerIndex: layer,
    confidence: 'exact',
    gpuArchs: { sass, ptx, source: 'fatbin' },
    ...(ptxIsa && { ptxIsa }),
  };
}
const cudart = (version: string): Evidence => ({
  kind: 'cudart',
  version,
  cuda: version,
  from: 'file',
  path: `/usr/local/cuda/lib64/libcudart.so.${version}`,
  layerIndex: 0,
  confidence: 'exact',
});

const SM80 = binary('/opt/app/libsass_sm80.so', ['sm_80']);
const PTX75 = binary('/opt/app/libptx_compute75.so', [], ['compute_75'], ['9.0']);
const SM90A = binary('/opt/app/libsm90a.so', ['sm_90a']);
const MULTI = binary('/opt/app/libmulti.so', ['sm_75', 'sm_80', 'sm_86', 'sm_90', 'sm_100', 'sm_120'], ['compute_120'], ['9.0']);

function judgeOn(evidence: Evidence[], gpu: string | undefined, driver = DRIVER) {
  const requirement = deriveRequirement(
    { evidence, require: { expressions: [], disabled: false }, layers: [{ digest: `sha256:l${layer}`, instruction: 'RUN pip install my-kernels' }] },
    matrix,
  );
  return judge({ image: 'img', requirement, target: adHocTarget({ driver, gpu }, matrix), policy: DEFAULT_POLICY }, matrix);
}
const gpuReasons = (evidence: Evidence[], gpu: string | undefined, driver = DRIVER): Reason[] =>
  judgeOn(evidence, gpu, driver).reasons.filter((r) => GPU_CODES.has(r.code));
const codes = (evidence: Evidence[], gpu: string | undefined, driver = DRIVER) => gpuReasons(evidence, gpu, driver).map((r) => r.code);

const GPUS = ['T4', 'A100', 'A10', 'L4', 'H100', 'B200', 'RTX 5090'];

describe('SASS', () => {
  test.each([
    ['T4', ['NO_KERNEL_FOR_GPU']],
    ['A100', []],
    ['A10', []],
    ['L4', []],
    // SASS never crosses a major: sm_80 does not run on Hopper (9.0) either
    ['H100', ['NO_KERNEL_FOR_GPU']],
    ['B200', ['NO_KERNEL_FOR_GPU']],
    ['RTX 5090', ['NO_KERNEL_FOR_GPU']],
  ])('an sm_80-only library on %s: %j', (gpu, want) => {
    expect(codes([SM80], gpu)).toEqual(want);
  });

  test('sm_90a runs only on compute capability 9.0 exactly', () => {
    for (const gpu of GPUS) expect({ gpu, codes: codes([SM90A], gpu) }).toEqual({ gpu, codes: gpu === 'H100' ? [] : ['NO_KERNEL_FOR_GPU'] });
    expect(codes([SM90A], 'H200')).toEqual([]);
  });

  test('libmulti (sm_75 … sm_120 + compute_120) runs everywhere from Turing on, RTX 5090 included', () => {
    for (const gpu of GPUS) expect({ gpu, codes: codes([MULTI], gpu) }).toEqual({ gpu, codes: [] });
    expect(judgeOn([MULTI], 'RTX 5090').verdict).toBe('pass');
  });

  test('sm_120 runs on GB10 (12.1: same major, higher minor), sm_100f on B300 (10.3)', () => {
    expect(codes([binary('/a.so', ['sm_120'])], '12.1')).toEqual([]);
    expect(codes([binary('/a.so', ['sm_100f'])], '10.3')).toEqual([]);
    expect(codes([binary('/a.so', ['sm_86'])], '8.0')).toEqual(['NO_KERNEL_FOR_GPU']);
  });

  test('NO_KERNEL_FOR_GPU names the binary, its layer and instruction, what it carries, the CUDA error and the remedy', () => {
    const [reason] = gpuReasons([binary('/opt/app/libk.so', ['sm_80', 'sm_90'])], 'B200');
    expect(reason.verdict).toBe('fail');
    expect(reason.message).toContain('/opt/app/libk.so (layer 1, "RUN pip install my-kernels")');
    expect(reason.message).toContain('SASS sm_80, sm_90 and no PTX');
    expect(reason.message).toContain('B200 (Blackwell) is sm_100');
    expect(reason.message).toContain('"no kernel image is available for execution on the device"');
    expect(reason.remedy).toContain('-gencode arch=compute_100,code=sm_100');
    expect(reason.remedy).toContain('CUDA >= 12.8');
    expect(reason.remedy).toContain('+cu128');
    expect(reason.origin).toEqual([{ path: '/opt/app/libk.so', layer: 'sha256:l0', layerIndex: 0, instruction: 'RUN pip install my-kernels', key: undefined }]);
  });

  test('a GPU older than the binary gets the rebuild-for-it remedy', () => {
    const [reason] = gpuReasons([SM80], 'T4');
    expect(reason.remedy).toContain('-gencode arch=compute_75,code=sm_75');
    expect(reason.remedy).not.toContain('+cu');
  });

  test('one reason per code per target: the first binary named, the others counted', () => {
    const evidence = ['/a/liba.so', '/b/libb.so', '/c/libc.so', '/d/libd.so', '/e/libe.so'].map((p) => binary(p, ['sm_80']));
    const reasons = gpuReasons(evidence, 'B200');
    expect(reasons).toHaveLength(1);
    expect(reasons[0].message).toMatch(/^\/a\/liba\.so .*; 4 more binaries without a kernel for it: \/b\/libb\.so, \/c\/libc\.so, \/d\/libd\.so and 1 more$/);
    expect(reasons[0].origin).toHaveLength(5);
  });

  test('only the binaries without a kernel count: a covered one does not rescue another', () => {
    expect(codes([MULTI, SM80], 'T4')).toEqual(['NO_KERNEL_FOR_GPU']);
    expect(gpuReasons([MULTI, SM80], 'T4')[0].message).toContain('/opt/app/libsass_sm80.so');
  });
});

describe('PTX', () => {
  test('PTX-only code JIT-compiles on a driver new enough for its PTX ISA: a caveat', () => {
    const [reason] = gpuReasons([PTX75], 'T4', '580.95.05');
    expect(reason.code).toBe('PTX_JIT');
    expect(reason.verdict).toBe('caveat');
    expect(reason.message).toContain('compute_75');
    expect(reason.message).toContain('PTX ISA 9.0, written by CUDA 13.0');
    expect(reason.message).toMatch(/first launch/);
    expect(reason.remedy).toContain('code=sm_75');
    expect(judgeOn([PTX75], 'T4', '580.95.05').verdict).toBe('caveat');
  });

  test('PTX ISA 9.0 (CUDA 13.0) on a 575 driver (CUDA 12.9) cannot be JIT-compiled', () => {
    const [reason] = gpuReasons([PTX75], 'T4', '575.57.08');
    expect(reason.code).toBe('PTX_JIT_NEEDS_NEWER_DRIVER');
    expect(reason.verdict).toBe('fail');
    expect(reason.message).toContain('"the provided PTX was compiled with an unsupported toolchain"');
    expect(reason.message).toContain('575.57.08 (CUDA 12.9)');
    expect(reason.remedy).toContain('>= 580.65.06');
  });

  test('PTX covers every GPU at or above its arch, never one below', () => {
    expect(codes([PTX75], 'A100')).toEqual(['PTX_JIT']);
    expect(codes([PTX75], 'RTX 5090')).toEqual(['PTX_JIT']);
    expect(codes([PTX75], 'V100')).toEqual(['NO_KERNEL_FOR_GPU']);
  });

  test('SASS for the GPU wins over PTX: no JIT caveat', () => {
    expect(codes([binary('/a.so', ['sm_80'], ['compute_90'], ['9.0'])], 'A100', '575.57.08')).toEqual([]);
    expect(codes([binary('/a.so', ['sm_80'], ['compute_90'], ['9.0'])], 'H100', '575.57.08')).toEqual(['PTX_JIT_NEEDS_NEWER_DRIVER']);
  });

  test('the image runtime can be fine while its PTX is too new for the driver', () => {
    const r = judgeOn([cudart('12.9.79'), PTX75], 'T4', '575.57.08');
    // R575 is past its end of life: an informational pass reason beside the failure
    expect(r.reasons.map((x) => x.code)).toEqual(['PTX_JIT_NEEDS_NEWER_DRIVER', 'DRIVER_BRANCH_EOL']);
  });

  test('a PTX ISA the toolkit table lacks (8.6 = CUDA 12.7) falls back to the driver branch the PTX history names', () => {
    const ev = binary('/a.so', [], ['compute_80'], ['8.6']);
    expect(codes([ev], 'A100', '560.35.03')).toEqual(['PTX_JIT_NEEDS_NEWER_DRIVER']);
    expect(codes([ev], 'A100', '565.57.01')).toEqual(['PTX_JIT']);
  });

  test('a PTX ISA newer than the matrix: fail below the newest known toolkit driver, else a caveat saying so', () => {
    const ev = binary('/a.so', [], ['compute_80'], ['9.9']);
    const [failed] = gpuReasons([ev], 'A100', '580.95.05');
    expect(failed.code).toBe('PTX_JIT_NEEDS_NEWER_DRIVER');
    const fresh = `PTX ISA 9.9 is newer than this matrix (${matrix.meta.date}): upgrade cuda-gate or add a matrix override (--matrix-overrides)`;
    expect(failed.message).toContain(fresh);
    const [caveat] = gpuReasons([ev], 'A100', '620.70.06');
    expect(caveat.code).toBe('PTX_JIT');
    expect(caveat.verdict).toBe('caveat');
    expect(caveat.message).toContain(fresh);
  });

  test('one binary whose PTX needs a newer driver, another the driver can JIT: both reasons', () => {
    const old = binary('/old.so', [], ['compute_80'], ['8.4']);
    const fresh = binary('/fresh.so', [], ['compute_80'], ['9.0']);
    expect(codes([old, fresh], 'A100', '575.57.08')).toEqual(['PTX_JIT_NEEDS_NEWER_DRIVER', 'PTX_JIT']);
  });
});

describe("the image's toolkit against the GPU", () => {
  test('a CUDA 13 runtime on a V100: sm_70 was removed in 13.0', () => {
    const reasons = gpuReasons([cudart('13.0.48')], 'V100');
    expect(reasons.map((r) => [r.code, r.verdict])).toEqual([['GPU_UNSUPPORTED_BY_TOOLKIT', 'fail']]);
    expect(reasons[0].message).toContain('sm_70 was removed in CUDA 13.0');
    expect(reasons[0].message).toContain('libcudart.so.13.0.48');
    expect(reasons[0].remedy).toContain('CUDA <= 12.9');
    expect(reasons[0].remedy).toContain('>= 7.5');
  });

  test('…with binaries lacking sm_70 too: still one reason, which counts them', () => {
    const reasons = gpuReasons([cudart('13.0.48'), MULTI], 'V100');
    expect(reasons.map((r) => r.code)).toEqual(['GPU_UNSUPPORTED_BY_TOOLKIT']);
    expect(reasons[0].message).toContain("the image's one binary with device code has none either");
  });

  test('a CUDA 12.4 runtime on a B200 with no device code found: the toolkit predates the GPU', () => {
    const [reason] = gpuReasons([cudart('12.4.127')], 'B200');
    expect(reason.code).toBe('GPU_UNSUPPORTED_BY_TOOLKIT');
    expect(reason.verdict).toBe('fail');
    expect(reason.message).toContain('predates B200');
  });

  test('…but with binaries found, they decide: PTX that can JIT is a caveat, not a toolkit failure', () => {
    const ptx90 = binary('/usr/lib/libcublasLt.so.12', ['sm_80', 'sm_90'], ['compute_90'], ['8.4']);
    expect(codes([cudart('12.4.127'), ptx90], 'B200')).toEqual(['PTX_JIT']);
    expect(codes([cudart('12.4.127'), SM80], 'B200')).toEqual(['NO_KERNEL_FOR_GPU']);
  });

  test('a runtime that targets the GPU, and images without device code, get no GPU reason', () => {
    expect(codes([cudart('12.4.127')], 'A100')).toEqual([]);
    expect(codes([cudart('12.8.90')], 'B200')).toEqual([]);
    expect(codes([cudart('12.9.79')], 'V100')).toEqual([]);
  });

  test('no GPU on the target: nothing to judge', () => {
    expect(codes([SM80, cudart('13.0.48')], undefined)).toEqual([]);
  });

  test('a bare compute capability works as a target GPU', () => {
    expect(codes([SM80], '8.6')).toEqual([]);
    expect(gpuReasons([SM80], '7.5')[0].message).toContain('a GPU of compute capability 7.5 is sm_75');
  });
});

describe('framework build info (gpuArchs on other evidence)', () => {
  const tf: Evidence = {
    kind: 'framework',
    from: 'file',
    path: '/usr/local/lib/python3.11/site-packages/tensorflow/python/platform/build_info.py',
    cuda: '12.3',
    confidence: 'exact',
    component: 'tensorflow',
    gpuArchs: { sass: ['sm_60', 'sm_70', 'sm_80'], ptx: ['compute_90'], source: 'build_info.py' },
  };

  test('is judged like a binary; its PTX needs the driver of the toolkit it was built with', () => {
    expect(codes([tf], 'L4')).toEqual([]);
    const [reason] = gpuReasons([tf], 'B200');
    expect(reason.code).toBe('PTX_JIT');
    expect(reason.message).toContain('written by CUDA 12.3');
    expect(reason.message).toContain('build info: build_info.py');
    expect(codes([tf], 'B200', '535.104.05')).toContain('PTX_JIT_NEEDS_NEWER_DRIVER');
  });

  test('the requirement lists it among the binaries, sorted and merged with fatbin binaries', () => {
    const req = deriveRequirement({ evidence: [tf, SM90A], require: { expressions: [], disabled: false } }, matrix);
    expect(req.gpuCode?.sass).toEqual(['sm_60', 'sm_70', 'sm_80', 'sm_90a']);
    expect(req.gpuCode?.ptx).toEqual(['compute_90']);
    expect(req.gpuCode?.binaries.map((b) => b.path)).toEqual(['/opt/app/libsm90a.so', tf.path]);
    expect(req.gpuCode?.ptxJit).toMatchObject({ cuda: '12.3', minDriver: '545.23.06' });
    expect(req.hasCuda).toBe(true);
  });
});

describe('matrix/ptx.yaml: PTX ISA -> the toolkit that wrote it -> the driver that can JIT it', () => {
  test.each([
    ['9.0', '13.0', '580.65.06'],
    ['8.8', '12.9', '575.51.03'],
    ['8.7', '12.8', '570.26'],
    ['8.5', '12.5', '555.42.02'],
    ['8.4', '12.4', '550.54.14'],
    ['7.8', '11.8', '520.61.05'],
    ['9.4', '13.4', '615.71.09'],
    ['9.5', '13.5', '620.70.06'],
  ])('PTX ISA %s: CUDA %s, driver >= %s', (isa, cuda, driver) => {
    expect(ptxJitDriverForIsa(matrix, isa)).toMatchObject({ isa, cuda, minDriver: driver, beyondKnown: false });
  });

  test('rows the research could not confirm are flagged', () => {
    expect(ptxJitDriverForIsa(matrix, '9.5')).toMatchObject({ cuda: '13.5', unconfirmed: true });
    expect(ptxJitDriverForIsa(matrix, '9.0').unconfirmed).toBe(false);
  });

  test('PTX older than the history needs no particular driver; one newer than it needs at least the newest known', () => {
    expect(ptxJitDriverForIsa(matrix, '1.4')).toEqual({ isa: '1.4', beyondKnown: false, unconfirmed: false });
    expect(ptxJitDriverForIsa(matrix, '10.0')).toMatchObject({ minDriver: '620.70.06', beyondKnown: true, unconfirmed: true });
  });
});

describe("the CUDA runtime's own helper module is not a library's kernels", () => {
  // libcufftw.so.12 in NVIDIA's cuFFT wheel: one uncompressed 1,904-byte sm_75 cubin, no PTX (cudart_static's module)
  const sized = (path: string, sass: string[], size: { entries: number; bytes: number; compressed: number }): Evidence => {
    const ev = binary(path, sass);
    return { ...ev, gpuArchs: { ...ev.gpuArchs!, size } };
  };
  const CUFFTW = sized('/usr/local/lib/python3.11/site-packages/nvidia/cu13/lib/libcufftw.so.12', ['sm_75'], { entries: 1, bytes: 1904, compressed: 0 });
  const all = (evidence: Evidence[], gpu: string) => judgeOn(evidence, gpu).reasons;

  test('a binary holding only that module is a caveat on a GPU it cannot run on, not NO_KERNEL_FOR_GPU', () => {
    const reasons = all([cudart('13.0.88'), CUFFTW], 'B200');
    expect(reasons.map((r) => r.code)).not.toContain('NO_KERNEL_FOR_GPU');
    const helper = reasons.find((r) => r.code === 'RUNTIME_HELPER_ONLY');
    expect(helper).toMatchObject({ verdict: 'caveat', message: expect.stringContaining('1904 bytes') });
    expect(helper?.message).toContain('libcufftw.so.12');
    // and on a GPU it does run on, nothing is said
    expect(all([cudart('13.0.88'), CUFFTW], 'T4').map((r) => r.code)).not.toContain('RUNTIME_HELPER_ONLY');
  });

  test.each([
    ['the smallest real kernel (2,856-byte sm_75 cubin)', { entries: 1, bytes: 2856, compressed: 0 }],
    ['a compressed cubin (real kernels shrink below the helper size)', { entries: 1, bytes: 900, compressed: 1 }],
    ['two small entries', { entries: 2, bytes: 1800, compressed: 0 }],
  ])('%s still fails with NO_KERNEL_FOR_GPU', (_what, size) => {
    const codesOn = all([cudart('13.0.88'), sized('/opt/app/libmine.so', ['sm_75'], size)], 'B200').map((r) => r.code);
    expect(codesOn).toContain('NO_KERNEL_FOR_GPU');
    expect(codesOn).not.toContain('RUNTIME_HELPER_ONLY');
  });

  test('a binary of unknown size (framework build info, old cache entries) is judged as kernels', () => {
    expect(codes([cudart('13.0.88'), binary('/opt/app/libold.so', ['sm_75'])], 'B200')).toContain('NO_KERNEL_FOR_GPU');
  });

  test('a real kernel beside the helper still fails, and names the real binary', () => {
    const reasons = all([cudart('13.0.88'), CUFFTW, binary('/opt/app/libsass_sm80_only.so', ['sm_80'])], 'B200');
    const fail = reasons.find((r) => r.code === 'NO_KERNEL_FOR_GPU');
    expect(fail?.message).toContain('libsass_sm80_only.so');
    expect(fail?.message).not.toContain('libcufftw');
    expect(reasons.map((r) => r.code)).toContain('RUNTIME_HELPER_ONLY');
  });
});
