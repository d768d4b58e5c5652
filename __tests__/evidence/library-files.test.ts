import { libraryEvidence as libraryEvidenceOf } from '../../src/evidence/library-files';
import type { Evidence } from '../../src/evidence/types';
import { fakeView, shown, type FakeEntry } from './fake-view';

const libraryEvidence = shown(libraryEvidenceOf);

const T = 'usr/local/cuda-12.4/targets/x86_64-linux/lib';

function scan(entries: FakeEntry[]): Evidence[] {
  const out = libraryEvidence(fakeView(entries));
  expect(out.findings).toEqual([]);
  return out.evidence;
}

describe('CUDA libraries found as files', () => {
  test('a symlink chain libcudart.so -> .so.12 -> .so.12.4.127 is one cudart 12.4.127 at the real file', () => {
    const ev = scan([
      { path: 'usr/local/cuda', link: '/etc/alternatives/cuda' },
      { path: 'etc/alternatives/cuda', link: '/usr/local/cuda-12.4' },
      { path: 'usr/local/cuda-12.4/lib64', link: 'targets/x86_64-linux/lib' },
      { path: `${T}/libcudart.so`, link: 'libcudart.so.12' },
      { path: `${T}/libcudart.so.12`, link: 'libcudart.so.12.4.127' },
      { path: `${T}/libcudart.so.12.4.127`, layer: 1 },
    ]);
    expect(ev).toEqual([
      {
        kind: 'cudart',
        version: '12.4.127',
        cuda: '12.4',
        sonameMajor: 12,
        from: 'file',
        path: `/${T}/libcudart.so.12.4.127`,
        layer: 'sha256:bbbb',
        layerIndex: 1,
        instruction: 'RUN apt-get install cuda-cudart-12-4',
        confidence: 'exact',
        component: 'libcudart',
      },
    ]);
  });

  test('a dangling symlink yields nothing', () => {
    expect(scan([{ path: 'usr/lib/x86_64-linux-gnu/libcudnn.so.9', link: 'libcudnn.so.9.1.0' }])).toEqual([]);
  });

  test('a symlink loop yields nothing', () => {
    expect(
      scan([
        { path: 'lib/libcudart.so.12', link: 'libcudart.so.13' },
        { path: 'lib/libcudart.so.13', link: 'libcudart.so.12' },
      ]),
    ).toEqual([]);
  });

  test('link-time stubs and static archives are not runtime libraries', () => {
    expect(
      scan([
        { path: `${T}/stubs/libcuda.so` },
        { path: `${T}/stubs/libcublas.so` },
        { path: `${T}/libcudart_static.a` },
        { path: `${T}/libcudnn_static_v9.a` },
        { path: 'opt/conda/lib/stubs/libcuda.so' },
      ]),
    ).toEqual([]);
  });

  test('the whole runtime library family is recognised, with kinds and components', () => {
    const ev = scan([
      { path: `${T}/libcublas.so.12.4.5.8` },
      { path: `${T}/libcublasLt.so.12.4.5.8` },
      { path: `${T}/libcufft.so.11.2.1.3` },
      { path: `${T}/libcufftw.so.11.2.1.3` },
      { path: `${T}/libcurand.so.10.3.5.147` },
      { path: `${T}/libcusparse.so.12.3.1.170` },
      { path: `${T}/libcusolver.so.11.6.1.9` },
      { path: `${T}/libcusolverMg.so.11.6.1.9` },
      { path: `${T}/libnvrtc.so.12.4.127` },
      { path: `${T}/libnvrtc-builtins.so.12.4.127` },
      { path: `${T}/libnvJitLink.so.12.4.127` },
      { path: 'usr/lib/x86_64-linux-gnu/libnccl.so.2.21.5' },
      { path: 'usr/lib/x86_64-linux-gnu/libcudnn.so.9.1.0' },
      { path: 'usr/lib/x86_64-linux-gnu/libcudnn_ops.so.9.1.0' },
      { path: 'usr/lib/x86_64-linux-gnu/libcudnn_engines_precompiled.so.9.1.0' },
    ]);
    const rows = ev.map((e) => [e.component, e.kind, e.version, e.cuda ?? null, e.sonameMajor, e.confidence]);
    expect(rows).toEqual(
      expect.arrayContaining([
        ['libcublas', 'cublas', '12.4.5.8', null, 12, 'exact'],
        ['libcublasLt', 'cublasLt', '12.4.5.8', null, 12, 'exact'],
        ['libcufft', 'cufft', '11.2.1.3', null, 11, 'exact'],
        ['libcufftw', 'cufft', '11.2.1.3', null, 11, 'exact'],
        ['libcurand', 'curand', '10.3.5.147', null, 10, 'exact'],
        ['libcusparse', 'cusparse', '12.3.1.170', null, 12, 'exact'],
        ['libcusolver', 'cusolver', '11.6.1.9', null, 11, 'exact'],
        ['libcusolverMg', 'cusolver', '11.6.1.9', null, 11, 'exact'],
        ['libnvrtc', 'nvrtc', '12.4.127', '12.4', 12, 'exact'],
        ['libnvrtc-builtins', 'nvrtc', '12.4.127', '12.4', 12, 'exact'],
        ['libnvJitLink', 'nvjitlink', '12.4.127', '12.4', 12, 'exact'],
        ['libnccl', 'nccl', '2.21.5', null, 2, 'exact'],
        ['libcudnn', 'cudnn', '9.1.0', null, 9, 'exact'],
        ['libcudnn_ops', 'cudnn', '9.1.0', null, 9, 'exact'],
        ['libcudnn_engines_precompiled', 'cudnn', '9.1.0', null, 9, 'exact'],
      ]),
    );
    expect(rows).toHaveLength(15);
  });

  test('a wheel library named only by its soname gives the major, inferred', () => {
    const ev = scan([
      { path: 'usr/local/lib/python3.11/site-packages/nvidia/cuda_runtime/lib/libcudart.so.12', layer: 2 },
      { path: 'usr/local/lib/python3.12/site-packages/nvidia/cu13/lib/libcudart.so.13', layer: 2 },
    ]);
    expect(ev.map((e) => [e.path, e.version, e.sonameMajor, e.confidence, e.cuda])).toEqual([
      ['/usr/local/lib/python3.11/site-packages/nvidia/cuda_runtime/lib/libcudart.so.12', '12', 12, 'inferred', undefined],
      ['/usr/local/lib/python3.12/site-packages/nvidia/cu13/lib/libcudart.so.13', '13', 13, 'inferred', undefined],
    ]);
  });

  test('an 11.x soname-style name (libcudart.so.11.0) does not pretend to be CUDA 11.0', () => {
    const [ev] = scan([{ path: 'site-packages/nvidia/cuda_runtime/lib/libcudart.so.11.0' }]);
    expect(ev).toMatchObject({ kind: 'cudart', version: '11', sonameMajor: 11, confidence: 'inferred' });
    expect(ev.cuda).toBeUndefined();
    expect(ev.detail).toContain('soname');
  });

  test("torch's auditwheel-renamed copies (libcudart-<hash>.so.11.0) count", () => {
    const ev = scan([
      { path: 'site-packages/torch/lib/libcudart-d0da41ae.so.11.0' },
      { path: 'site-packages/torch/lib/libnvrtc-b51b459d.so.11.2' },
      { path: 'site-packages/torch/lib/libtorch_cuda.so' },
    ]);
    expect(ev.map((e) => [e.kind, e.sonameMajor])).toEqual([
      ['cudart', 11],
      ['nvrtc', 11],
    ]);
  });

  test('the real CUDA 13.0 toolkit layout: lib64 -> lib, libcudart.so -> libcudart.so.13 (a real file)', () => {
    const ev = scan([
      { path: 'usr/local/cuda', link: '/usr/local/cuda-13.0' },
      { path: 'usr/local/cuda-13.0/lib64', link: 'lib' },
      { path: 'usr/local/cuda-13.0/lib/libcudart.so', link: 'libcudart.so.13' },
      { path: 'usr/local/cuda-13.0/lib/libcudart.so.13', size: 704288 },
      { path: 'usr/local/cuda-13.0/lib/libcudart_static.a' },
    ]);
    expect(ev).toHaveLength(1);
    expect(ev[0]).toMatchObject({ path: '/usr/local/cuda-13.0/lib/libcudart.so.13', version: '13', confidence: 'inferred' });
  });

  test('conda: a link into targets/ across directories, and a hardlink into pkgs/, each give one item', () => {
    const ev = scan([
      { path: 'opt/conda/lib/libcudart.so.12', link: '../targets/x86_64-linux/lib/libcudart.so.12.9.79' },
      { path: 'opt/conda/targets/x86_64-linux/lib/libcudart.so.12.9.79' },
      { path: 'opt/conda/pkgs/libcublas-12.9.1.4-0/lib/libcublas.so.12.9.1.4' },
      { path: 'opt/conda/lib/libcublas.so.12.9.1.4', type: 'hardlink', link: 'opt/conda/pkgs/libcublas-12.9.1.4-0/lib/libcublas.so.12.9.1.4' },
    ]);
    expect(ev.map((e) => [e.path, e.version])).toEqual([
      ['/opt/conda/pkgs/libcublas-12.9.1.4-0/lib/libcublas.so.12.9.1.4', '12.9.1.4'],
      ['/opt/conda/targets/x86_64-linux/lib/libcudart.so.12.9.79', '12.9.79'],
    ]);
  });

  test('a link to a file with an unrelated name takes the link name, inferred', () => {
    const [ev] = scan([{ path: 'app/lib/libcudart.so.12.4.127', link: '../blobs/3f9a' }, { path: 'app/blobs/3f9a' }]);
    expect(ev).toMatchObject({ kind: 'cudart', version: '12.4.127', confidence: 'inferred', path: '/app/blobs/3f9a' });
    expect(ev.detail).toContain('link name');
  });
});

describe('libcuda in the image', () => {
  test('under compat/ it is the forward-compat driver library: version = driver version, CUDA from the dir', () => {
    const C = 'usr/local/cuda-12.4/compat';
    const ev = scan([
      { path: `${C}/libcuda.so`, link: 'libcuda.so.1' },
      { path: `${C}/libcuda.so.1`, link: 'libcuda.so.550.54.15' },
      { path: `${C}/libcuda.so.550.54.15`, layer: 1 },
      { path: `${C}/libnvidia-ptxjitcompiler.so.550.54.15`, layer: 1 },
    ]);
    expect(ev).toEqual([
      {
        kind: 'cuda-compat',
        version: '550.54.15',
        cuda: '12.4',
        from: 'file',
        path: `/${C}/libcuda.so.550.54.15`,
        layer: 'sha256:bbbb',
        layerIndex: 1,
        instruction: 'RUN apt-get install cuda-cudart-12-4',
        confidence: 'exact',
        component: 'libcuda',
      },
    ]);
  });

  test('anywhere else it is a baked-in driver library that shadows the host driver', () => {
    const ev = scan([
      { path: 'usr/lib/x86_64-linux-gnu/libcuda.so.1', link: 'libcuda.so.535.104.05' },
      { path: 'usr/lib/x86_64-linux-gnu/libcuda.so.535.104.05', layer: 3 },
    ]);
    expect(ev).toHaveLength(1);
    expect(ev[0]).toMatchObject({ kind: 'driver-lib', version: '535.104.05', confidence: 'exact', layerIndex: 3 });
    expect(ev[0].detail).toContain('host');
  });

  test('an empty libcuda left by building with the NVIDIA runtime is flagged as a placeholder', () => {
    const [ev] = scan([{ path: 'usr/lib/x86_64-linux-gnu/libcuda.so.550.54.15', size: 0 }]);
    expect(ev.detail).toContain('empty');
  });

  test('a lone libcuda.so.1 has no driver version', () => {
    const [ev] = scan([{ path: 'usr/lib64/libcuda.so.1' }]);
    expect(ev).toMatchObject({ kind: 'driver-lib', confidence: 'inferred' });
    expect(ev.version).toBeUndefined();
  });
});
