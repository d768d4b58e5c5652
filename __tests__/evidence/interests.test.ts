import { evidenceInterest } from '../../src/evidence/interests';

describe('evidenceInterest', () => {
  test.each([
    'usr/local/cuda-12.4/targets/x86_64-linux/lib/libcudart.so.12.4.127',
    'usr/local/cuda-12.4/targets/x86_64-linux/lib/libcudart.so.12',
    'usr/local/cuda-12.4/targets/x86_64-linux/lib/libcublasLt.so.12',
    'usr/lib/x86_64-linux-gnu/libcudnn_ops.so.9.1.0',
    'usr/lib/x86_64-linux-gnu/libnccl.so.2',
    'usr/local/lib/python3.11/site-packages/nvidia/cu13/lib/libnvJitLink.so.13',
    'usr/local/lib/python3.11/site-packages/torch/lib/libcudart-d0da41ae.so.11.0',
    'usr/local/cuda-12.4/compat/libcuda.so.550.54.15',
    'usr/lib/x86_64-linux-gnu/libcuda.so.1',
    'libcudart.so.12',
  ])('records %s without reading it (the fatbin scan looks at it in passing)', (path) => {
    expect(evidenceInterest(path, 1 << 20)).toEqual({ scan: 'fatbin' });
    expect(evidenceInterest(path, 100)).toEqual({});
  });

  test.each([
    ['usr/local/cuda-12.4/version.json', 256 * 1024],
    ['usr/local/cuda/version.txt', 256 * 1024],
    ['var/lib/dpkg/status', 32 * 1024 * 1024],
    ['var/lib/dpkg/status.d/libcudnn9-cuda-12', 32 * 1024 * 1024],
    ['var/lib/dpkg/status.d/libc6', 32 * 1024 * 1024],
    ['usr/local/lib/python3.11/site-packages/nvidia_cudnn_cu12-9.1.0.70.dist-info/METADATA', 64 * 1024],
    ['usr/local/cuda-13.0/dist-info/nvidia_cuda_runtime-13.0.96.dist-info/METADATA', 64 * 1024],
  ])('reads %s up to %d bytes', (path, bytes) => {
    expect(evidenceInterest(path, 1000)).toEqual({ content: bytes });
  });

  test('keeps dist-info directories themselves', () => {
    expect(evidenceInterest('usr/lib/python3/dist-packages/nvidia_nccl_cu12-2.21.5.dist-info', 0)).toEqual({});
    expect(evidenceInterest('usr/lib/python3/dist-packages/lxml-5.2.1.dist-info', 0)).toEqual({});
  });

  test.each([
    'usr/local/cuda-12.4/targets/x86_64-linux/lib/stubs/libcuda.so',
    'usr/local/cuda-12.4/targets/x86_64-linux/lib/stubs/libcublas.so',
    'usr/local/cuda-12.4/targets/x86_64-linux/lib/libcudart_static.a',
    'usr/lib/x86_64-linux-gnu/libcudart.so.12.txt',
    'var/lib/dpkg/status-old',
    'var/lib/dpkg/status.d/libc6.md5sums',
    'var/lib/dpkg/info/libc6.list',
    'opt/app/version.json',
    'usr/local/cuda-12.4/doc/version.txt',
    'usr/share/doc/METADATA',
    'usr/local/lib/python3.11/site-packages/nvidia_cudnn_cu12-9.1.0.70.dist-info/RECORD',
    'etc/passwd',
    '',
  ])('ignores %p', (path) => {
    expect(evidenceInterest(path, 100)).toBeUndefined();
  });

  test.each([
    'usr/local/cuda-12.4/targets/x86_64-linux/lib/libcublasLt.so.12.4.5.8',
    'usr/lib/x86_64-linux-gnu/libc.so.6',
    'usr/local/lib/python3.11/site-packages/torch/lib/libtorch_cuda.so',
    'usr/local/lib/python3.11/site-packages/vllm/_C.abi3.so',
    'usr/local/bin/llama-server',
    'opt/app/server',
  ])('scans %s for fatbins when it is big enough, and keeps it either way', (path) => {
    expect(evidenceInterest(path, 1 << 20)).toEqual({ scan: 'fatbin' });
    expect(evidenceInterest(path, 100)).toEqual({});
  });

  // speed is measured by `npm run bench`, not asserted here
  test('keeps only the shared objects out of a large image listing', () => {
    const paths: string[] = [];
    for (let i = 0; i < 300_000; i++) {
      paths.push(
        i % 3 === 0
          ? `usr/lib/python3/dist-packages/pkg${i}/module_${i}.py`
          : i % 3 === 1
            ? `usr/share/locale/x${i}/LC_MESSAGES/libc.mo`
            : `usr/lib/x86_64-linux-gnu/lib${i}.so.1`,
      );
    }
    let kept = 0;
    for (const p of paths) if (evidenceInterest(p, 100)) kept++;
    // only the shared objects: kept for the fatbin scan
    expect(kept).toBe(100_000);
  });
});
