/** The naming conventions the Python detectors parse, and CUDA 13's unsuffixed nvidia-* wheels. */
import { cudaFromDigits, flavourFromCondaBuild, flavourFromLocalTag } from '../../src/evidence/cuda-tags';
import { evidenceInterest } from '../../src/evidence/interests';
import { pipDistInfoEvidence } from '../../src/evidence/pip-dist-info';
import { cudaFromRequirements, requiresDist } from '../../src/evidence/requires-dist';
import { sitePackagesOf } from '../../src/evidence/site-packages';
import { parseTfBuildInfo } from '../../src/evidence/tensorflow';
import { parseTorchVersionPy } from '../../src/evidence/torch';
import { fakeView } from './fake-view';
import { metadata, TF_2161_BUILD_INFO, TORCH_240_CU121_METADATA, TORCH_280_CPU_VERSION_PY } from './python-stack-fixtures';

describe('CUDA tags', () => {
  test.each([
    ['121', '12.1'],
    ['118', '11.8'],
    ['130', '13.0'],
    ['92', '9.2'],
    ['102', '10.2'],
    ['12', '12'],
    ['11', '11'],
  ])('cu%s -> CUDA %s', (digits, cuda) => {
    expect(cudaFromDigits(digits)).toBe(cuda);
  });

  test.each([
    ['2.4.0+cu121', { cuda: '12.1' }],
    ['2.14.0+cu130', { cuda: '13.0' }],
    ['2.8.0+cpu', { cpu: true }],
    ['2.8.0+cpu.cxx11.abi', { cpu: true }],
    ['2.8.0+rocm6.4', { other: 'ROCm' }],
    ['2.8.0+xpu', { other: 'XPU' }],
    ['0.4.23+cuda12.cudnn89', { cuda: '12' }],
    ['2.8.0', undefined],
    ['1.0+local', undefined],
  ])('local tag of %s', (version, flavour) => {
    expect(flavourFromLocalTag(version)).toEqual(flavour);
  });

  test.each([
    ['cuda129_mkl_py313_h1e53aa0_304', { cuda: '12.9' }],
    ['cuda118_py39hbf661d7_301', { cuda: '11.8' }],
    ['cuda130_generic_py312_h0123456_200', { cuda: '13.0' }],
    ['py3.11_cuda12.1_cudnn8.9.2_0', { cuda: '12.1' }],
    ['gpu_cuda124py39h05d824c_0', { cuda: '12.4' }],
    ['cuda12_0', { cuda: '12' }],
    ['cpu_mkl_py311_h123abc_103', { cpu: true }],
    ['py3.9_cpu_0', { cpu: true }],
    ['h4f385c5_3', undefined],
    ['cuda', undefined],
  ])('conda build %s', (build, flavour) => {
    expect(flavourFromCondaBuild(build)).toEqual(flavour);
  });
});

describe('Requires-Dist', () => {
  test('only unconditional requirements, with their pins; the description below the headers is not read', () => {
    const reqs = requiresDist(TORCH_240_CU121_METADATA);
    expect(reqs.find((r) => r.name === 'nvidia-cuda-runtime-cu12')?.pinned).toBe('12.1.105');
    expect(reqs.some((r) => r.name === 'opt-einsum')).toBe(false);
    expect(reqs.some((r) => r.name === 'nvidia-cuda-runtime-cu11')).toBe(false);
  });

  test("tensorflow[and-cuda]'s NVIDIA wheels are an extra: not a claim about the installed build", () => {
    const tf = metadata('tensorflow', '2.17.0', ['nvidia-cuda-runtime-cu12==12.3.101; extra == "and-cuda"']);
    expect(cudaFromRequirements(requiresDist(tf))).toBeUndefined();
  });

  test('a -cuNN wheel without a pinned runtime gives the major only', () => {
    const m = metadata('x', '1', ['nvidia-cudnn-cu12>=9']);
    expect(cudaFromRequirements(requiresDist(m))?.cuda).toBe('12');
  });
});

describe('generated files', () => {
  test('torch/version.py fields', () => {
    expect(parseTorchVersionPy(TORCH_280_CPU_VERSION_PY)).toEqual({ version: '2.8.0+cpu', cuda: null, cudaLine: 'cuda: Optional[str] = None', hip: null });
  });

  test('build_info.py fields', () => {
    expect(parseTfBuildInfo(TF_2161_BUILD_INFO)).toEqual({
      isCudaBuild: true,
      isRocmBuild: false,
      cudaVersion: '12.3',
      cudnnVersion: '8',
      computeCapabilities: ['sm_50', 'sm_60', 'sm_70', 'sm_80', 'compute_90'],
    });
  });

  test('malformed content yields no fields rather than an error', () => {
    expect(parseTorchVersionPy('\u0000\u0001 cuda = ')).toEqual({});
    expect(parseTfBuildInfo("build_info = collections.OrderedDict([('cuda_compute_capabilities', ['sm_")).toEqual({});
  });
});

describe('site-packages directories', () => {
  test.each([
    ['usr/local/lib/python3.11/site-packages/torch/version.py', 'usr/local/lib/python3.11/site-packages'],
    ['usr/lib/python3/dist-packages/torch/version.py', 'usr/lib/python3/dist-packages'],
    ['app/.pixi/envs/default/lib/python3.13/site-packages/x.py', 'app/.pixi/envs/default/lib/python3.13/site-packages'],
    ['opt/app/torch/version.py', undefined],
  ])('%s is in %s', (path, sp) => {
    expect(sitePackagesOf(path)).toBe(sp);
  });
});

describe('CUDA 13 nvidia-* wheels without a -cuNN suffix', () => {
  const SP = 'usr/local/lib/python3.12/site-packages';
  test('a math-library wheel takes its CUDA major from the nvidia/cu13/ directory its RECORD lists', () => {
    const out = pipDistInfoEvidence(
      fakeView([
        { path: `${SP}/nvidia_cublas-13.1.0.3.dist-info/METADATA`, content: metadata('nvidia-cublas', '13.1.0.3') },
        {
          path: `${SP}/nvidia_cublas-13.1.0.3.dist-info/RECORD`,
          content:
            'nvidia/cu13/lib/libcublas.so.13,sha256=abc,123\nnvidia/cu13/lib/libcublasLt.so.13,sha256=def,456\nnvidia_cublas-13.1.0.3.dist-info/METADATA,,\n',
        },
        { path: `${SP}/nvidia_cufft-12.0.0.61.dist-info/METADATA`, content: metadata('nvidia-cufft', '12.0.0.61') },
        { path: `${SP}/nvidia_cufft-12.0.0.61.dist-info/RECORD`, content: 'nvidia/cu13/lib/libcufft.so.12,sha256=abc,123\n' },
        { path: `${SP}/nvidia_cuda_runtime-13.0.96.dist-info/METADATA`, content: metadata('nvidia-cuda-runtime', '13.0.96') },
      ]),
    );
    expect(out.evidence.map((e) => [e.package, e.kind, e.cuda])).toEqual([
      ['nvidia-cublas', 'cublas', '13'],
      ['nvidia-cuda-runtime', 'cudart', '13.0'],
      ['nvidia-cufft', 'cufft', '13'],
    ]);
  });

  test('only the RECORD of unsuffixed nvidia wheels is read, and only its head', () => {
    expect(evidenceInterest(`${SP}/nvidia_cublas-13.1.0.3.dist-info/RECORD`, 2000)).toEqual({ content: 16 * 1024 });
    expect(evidenceInterest(`${SP}/nvidia_cublas_cu12-12.4.5.8.dist-info/RECORD`, 2000)).toBeUndefined();
    expect(evidenceInterest(`${SP}/torch-2.4.0+cu121.dist-info/RECORD`, 2_000_000)).toBeUndefined();
  });
});
