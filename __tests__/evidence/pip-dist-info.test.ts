import { classifyWheel, parseDistInfoDirName, parseMetadata, pipDistInfoEvidence as pipDistInfoEvidenceOf } from '../../src/evidence/pip-dist-info';
import { fakeView, shown, type FakeEntry } from './fake-view';

const pipDistInfoEvidence = shown(pipDistInfoEvidenceOf);

const SP = 'usr/local/lib/python3.11/site-packages';

function metadata(name: string, version: string): string {
  return `Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\nSummary: CUDA native libraries\nRequires-Python: >=3\n\nlong description\nName: not-a-header\n`;
}

function wheel(dir: string, name: string, version: string, base = SP): FakeEntry {
  return { path: `${base}/${dir}/METADATA`, content: metadata(name, version), layer: 2 };
}

describe('pip dist-info directories', () => {
  test('CUDA 12 wheels: the -cu12 suffix gives the major, cudart/nvrtc/nvJitLink versions the minor', () => {
    const out = pipDistInfoEvidence(
      fakeView([
        wheel('nvidia_cuda_runtime_cu12-12.1.105.dist-info', 'nvidia-cuda-runtime-cu12', '12.1.105'),
        wheel('nvidia_cudnn_cu12-9.1.0.70.dist-info', 'nvidia-cudnn-cu12', '9.1.0.70'),
        wheel('nvidia_nccl_cu12-2.21.5.dist-info', 'nvidia-nccl-cu12', '2.21.5'),
        wheel('nvidia_cublas_cu12-12.4.5.8.dist-info', 'nvidia-cublas-cu12', '12.4.5.8'),
        wheel('nvidia_cuda_nvrtc_cu12-12.4.127.dist-info', 'nvidia-cuda-nvrtc-cu12', '12.4.127'),
        wheel('nvidia_nvjitlink_cu12-12.4.127.dist-info', 'nvidia-nvjitlink-cu12', '12.4.127'),
        wheel('nvidia_cusparselt_cu12-0.6.2.dist-info', 'nvidia-cusparselt-cu12', '0.6.2'),
        wheel('numpy-1.26.4.dist-info', 'numpy', '1.26.4'),
      ]),
    );
    expect(out.findings).toEqual([]);
    expect(out.evidence.map((e) => [e.package, e.kind, e.version, e.cuda])).toEqual([
      ['nvidia-cublas-cu12', 'cublas', '12.4.5.8', '12'],
      ['nvidia-cuda-nvrtc-cu12', 'nvrtc', '12.4.127', '12.4'],
      ['nvidia-cuda-runtime-cu12', 'cudart', '12.1.105', '12.1'],
      ['nvidia-cudnn-cu12', 'cudnn', '9.1.0.70', '12'],
      ['nvidia-cusparselt-cu12', 'pip-package', '0.6.2', '12'],
      ['nvidia-nccl-cu12', 'nccl', '2.21.5', '12'],
      ['nvidia-nvjitlink-cu12', 'nvjitlink', '12.4.127', '12.4'],
    ]);
    expect(out.evidence[2]).toEqual({
      kind: 'cudart',
      version: '12.1.105',
      cuda: '12.1',
      from: 'package',
      package: 'nvidia-cuda-runtime-cu12',
      path: `/${SP}/nvidia_cuda_runtime_cu12-12.1.105.dist-info`,
      layer: 'sha256:cccc',
      layerIndex: 2,
      instruction: 'RUN pip install torch',
      confidence: 'exact',
      component: 'cuda-runtime',
      value: 'nvidia_cuda_runtime_cu12-12.1.105.dist-info',
    });
  });

  test('the CUDA 13.0 toolkit on this kind of machine: unsuffixed wheels take the major from their version', () => {
    const base = 'usr/local/cuda-13.0/dist-info';
    const out = pipDistInfoEvidence(
      fakeView([
        wheel('nvidia_cuda_runtime-13.0.96.dist-info', 'nvidia-cuda-runtime', '13.0.96', base),
        wheel('nvidia_cuda_nvcc-13.0.88.dist-info', 'nvidia-cuda-nvcc', '13.0.88', base),
        wheel('nvidia_nvtx-13.0.85.dist-info', 'nvidia-nvtx', '13.0.85', base),
        wheel('nvidia_nvvm-13.0.88.dist-info', 'nvidia-nvvm', '13.0.88', base),
        { path: 'usr/local/cuda-13.0/lib/libcudart.so.13' },
      ]),
    );
    expect(out.evidence.map((e) => [e.package, e.kind, e.version, e.cuda])).toEqual([
      ['nvidia-cuda-nvcc', 'pip-package', '13.0.88', '13'],
      ['nvidia-cuda-runtime', 'cudart', '13.0.96', '13.0'],
      ['nvidia-nvtx', 'pip-package', '13.0.85', '13'],
      ['nvidia-nvvm', 'pip-package', '13.0.88', '13'],
    ]);
  });

  test('unsuffixed math-library wheels do not guess a CUDA major from their own version (cuFFT 12.x ships with CUDA 13)', () => {
    expect(classifyWheel('nvidia-cufft', '12.0.0.61')).toEqual({ kind: 'cufft', component: 'cufft' });
    expect(classifyWheel('nvidia-cublas', '13.1.0.3')).toEqual({ kind: 'cublas', component: 'cublas' });
  });

  test('nvidia-* wheels unrelated to a CUDA build (nvidia-ml-py) are not evidence', () => {
    expect(classifyWheel('nvidia-ml-py', '12.535.133')).toBeUndefined();
  });

  test('three-digit suffixes of the early wheels name major.minor', () => {
    expect(classifyWheel('nvidia-cuda-runtime-cu117', '11.7.99')).toEqual({ kind: 'cudart', component: 'cuda-runtime', cuda: '11.7' });
    expect(classifyWheel('nvidia-cudnn-cu11', '8.6.0.163')).toEqual({ kind: 'cudnn', component: 'cudnn', cuda: '11' });
  });

  test('without METADATA, the directory name alone is used and that is said', () => {
    const out = pipDistInfoEvidence(fakeView([{ path: `${SP}/nvidia_nccl_cu12-2.21.5.dist-info`, type: 'dir' }]));
    expect(out.evidence).toEqual([
      expect.objectContaining({ kind: 'nccl', version: '2.21.5', cuda: '12', detail: expect.stringContaining('METADATA not read') }),
    ]);
  });

  test('METADATA wins over a directory name that disagrees, with a finding', () => {
    const out = pipDistInfoEvidence(fakeView([wheel('nvidia_cudnn_cu12-9.1.0.70.dist-info', 'nvidia-cudnn-cu12', '9.1.0.77')]));
    expect(out.evidence[0]).toMatchObject({ kind: 'cudnn', version: '9.1.0.77' });
    expect(out.findings).toEqual([expect.objectContaining({ code: 'EVIDENCE_DIST_INFO_MISMATCH' })]);
  });

  test('METADATA files outside a dist-info directory are ignored', () => {
    const out = pipDistInfoEvidence(
      fakeView([{ path: `${SP}/nvidia_cudnn_cu12-9.1.0.70.egg-info/METADATA`, content: metadata('nvidia-cudnn-cu12', '9.1.0.70') }]),
    );
    expect(out.evidence).toEqual([]);
  });
});

describe('dist-info names and METADATA', () => {
  test.each([
    ['nvidia_cuda_runtime_cu12-12.1.105.dist-info', { name: 'nvidia-cuda-runtime-cu12', version: '12.1.105' }],
    ['torch-2.7.1+cu128.dist-info', { name: 'torch', version: '2.7.1+cu128' }],
    ['Nvidia.Cudnn_CU12-9.1.0.70.dist-info', { name: 'nvidia-cudnn-cu12', version: '9.1.0.70' }],
  ])('%s', (dir, expected) => {
    expect(parseDistInfoDirName(dir)).toEqual(expected);
  });

  test.each(['nodash.dist-info', '-1.0.dist-info', 'name-.dist-info', 'name-1.0.egg-info'])('%s is not a dist-info name', (dir) => {
    expect(parseDistInfoDirName(dir)).toBeUndefined();
  });

  test('only the header block of METADATA is read', () => {
    expect(parseMetadata(metadata('nvidia-nccl-cu12', '2.21.5'))).toEqual({ name: 'nvidia-nccl-cu12', version: '2.21.5' });
    expect(parseMetadata('\nName: late\n')).toEqual({});
  });
});
