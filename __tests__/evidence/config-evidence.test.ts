import { configEvidence, expandEnv } from '../../src/evidence/config-evidence';
import type { Evidence } from '../../src/evidence/types';
import { fakeConfig } from './fake-view';
import { REQUIRE_12_4_1 } from '../fixtures/nvidia-require-strings';

/** The env of nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04 as `docker inspect` shows it (ENV already expanded). */
const CUDA_12_4_1_CUDNN_RUNTIME_ENV: Record<string, string> = {
  PATH: '/usr/local/nvidia/bin:/usr/local/cuda/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  NVARCH: 'x86_64',
  NVIDIA_REQUIRE_CUDA: REQUIRE_12_4_1,
  NV_CUDA_CUDART_VERSION: '12.4.127-1',
  NV_CUDA_COMPAT_PACKAGE: 'cuda-compat-12-4',
  CUDA_VERSION: '12.4.1',
  LD_LIBRARY_PATH: '/usr/local/nvidia/lib:/usr/local/nvidia/lib64',
  NVIDIA_VISIBLE_DEVICES: 'all',
  NVIDIA_DRIVER_CAPABILITIES: 'compute,utility',
  NV_CUDA_LIB_VERSION: '12.4.1-1',
  NV_NVTX_VERSION: '12.4.127-1',
  NV_LIBNPP_VERSION: '12.2.5.30-1',
  NV_LIBNPP_PACKAGE: 'libnpp-12-4=12.2.5.30-1',
  NV_LIBCUSPARSE_VERSION: '12.3.1.170-1',
  NV_LIBCUBLAS_PACKAGE_NAME: 'libcublas-12-4',
  NV_LIBCUBLAS_VERSION: '12.4.5.8-1',
  NV_LIBCUBLAS_PACKAGE: 'libcublas-12-4=12.4.5.8-1',
  NV_LIBNCCL_PACKAGE_NAME: 'libnccl2',
  NV_LIBNCCL_PACKAGE_VERSION: '2.21.5-1',
  NCCL_VERSION: '2.21.5-1',
  NV_LIBNCCL_PACKAGE: 'libnccl2=2.21.5-1+cuda12.4',
  NVIDIA_PRODUCT_NAME: 'CUDA',
  NV_CUDNN_VERSION: '9.1.0.70-1',
  NV_CUDNN_PACKAGE_NAME: 'libcudnn9-cuda-12',
  NV_CUDNN_PACKAGE: 'libcudnn9-cuda-12=9.1.0.70-1',
};
const CUDA_12_4_1_CUDNN_RUNTIME_LABELS = {
  maintainer: 'NVIDIA CORPORATION <cudatools@nvidia.com>',
  'com.nvidia.cudnn.version': '9.1.0.70-1',
  'com.nvidia.volumes.needed': 'nvidia_driver',
  'org.opencontainers.image.ref.name': 'ubuntu',
  'org.opencontainers.image.version': '22.04',
};

function byKey(list: Evidence[]): Record<string, Evidence> {
  const out: Record<string, Evidence> = {};
  for (const e of list) {
    expect(out[e.key!]).toBeUndefined();
    out[e.key!] = e;
  }
  return out;
}

/** the fields that carry meaning, for compact expectations */
function facts(e: Evidence | undefined) {
  return e && { kind: e.kind, version: e.version, cuda: e.cuda };
}

describe('config evidence from an NVIDIA 12.4.1 cuDNN runtime image', () => {
  const list = configEvidence(fakeConfig(CUDA_12_4_1_CUDNN_RUNTIME_ENV, CUDA_12_4_1_CUDNN_RUNTIME_LABELS));
  const ev = byKey(list);

  test('every item is a declared config fact with its env or label key and raw value', () => {
    for (const e of list) {
      expect(e.from).toBe('config');
      expect(e.confidence).toBe('declared');
      expect(e.key).toMatch(/^(env|label):/);
      const [where, name] = [e.key!.slice(0, e.key!.indexOf(':')), e.key!.slice(e.key!.indexOf(':') + 1)];
      expect(e.value).toBe(where === 'env' ? CUDA_12_4_1_CUDNN_RUNTIME_ENV[name] : (CUDA_12_4_1_CUDNN_RUNTIME_LABELS as Record<string, string>)[name]);
    }
  });

  test('exactly the version-bearing vars and labels become evidence', () => {
    expect(Object.keys(ev).sort()).toEqual(
      [
        'env:CUDA_VERSION',
        'env:NCCL_VERSION',
        'env:NVIDIA_REQUIRE_CUDA',
        'env:NV_CUDA_COMPAT_PACKAGE',
        'env:NV_CUDA_CUDART_VERSION',
        'env:NV_CUDA_LIB_VERSION',
        'env:NV_CUDNN_PACKAGE',
        'env:NV_CUDNN_VERSION',
        'env:NV_LIBCUBLAS_PACKAGE',
        'env:NV_LIBCUBLAS_VERSION',
        'env:NV_LIBCUSPARSE_VERSION',
        'env:NV_LIBNCCL_PACKAGE',
        'env:NV_LIBNCCL_PACKAGE_VERSION',
        'env:NV_LIBNPP_PACKAGE',
        'env:NV_LIBNPP_VERSION',
        'env:NV_NVTX_VERSION',
        'label:com.nvidia.cudnn.version',
      ].sort(),
    );
  });

  test('CUDA_VERSION is the declared toolkit release', () => {
    expect(facts(ev['env:CUDA_VERSION'])).toEqual({ kind: 'cuda-version', version: '12.4.1', cuda: '12.4.1' });
  });

  test('NV_CUDA_CUDART_VERSION 12.4.127-1 is cudart 12.4.127 of CUDA 12.4', () => {
    expect(facts(ev['env:NV_CUDA_CUDART_VERSION'])).toEqual({ kind: 'cudart', version: '12.4.127', cuda: '12.4' });
  });

  test('NV_CUDA_LIB_VERSION names the release of cuda-libraries', () => {
    expect(facts(ev['env:NV_CUDA_LIB_VERSION'])).toEqual({ kind: 'cuda-package', version: '12.4.1', cuda: '12.4.1' });
  });

  test('cuBLAS takes its CUDA version from NV_LIBCUBLAS_PACKAGE_NAME (libcublas-12-4)', () => {
    expect(facts(ev['env:NV_LIBCUBLAS_VERSION'])).toEqual({ kind: 'cublas', version: '12.4.5.8', cuda: '12.4' });
    expect(facts(ev['env:NV_LIBCUBLAS_PACKAGE'])).toEqual({ kind: 'cublas', version: '12.4.5.8', cuda: '12.4' });
  });

  test('cuSPARSE alone does not say which CUDA it belongs to', () => {
    expect(facts(ev['env:NV_LIBCUSPARSE_VERSION'])).toEqual({ kind: 'cusparse', version: '12.3.1.170', cuda: undefined });
  });

  test('NPP and NVTX are CUDA packages of 12.4', () => {
    expect(facts(ev['env:NV_LIBNPP_VERSION'])).toEqual({ kind: 'cuda-package', version: '12.2.5.30', cuda: '12.4' });
    expect(ev['env:NV_LIBNPP_VERSION'].component).toBe('npp');
    expect(facts(ev['env:NV_NVTX_VERSION'])).toEqual({ kind: 'cuda-package', version: '12.4.127', cuda: '12.4' });
  });

  test('cuDNN 9 for CUDA 12 (libcudnn9-cuda-12)', () => {
    expect(facts(ev['env:NV_CUDNN_VERSION'])).toEqual({ kind: 'cudnn', version: '9.1.0.70', cuda: '12' });
    expect(facts(ev['env:NV_CUDNN_PACKAGE'])).toEqual({ kind: 'cudnn', version: '9.1.0.70', cuda: '12' });
    expect(facts(ev['label:com.nvidia.cudnn.version'])).toEqual({ kind: 'cudnn', version: '9.1.0.70', cuda: undefined });
  });

  test('NCCL 2.21.5 built for CUDA 12.4, from every var that names it', () => {
    for (const key of ['env:NV_LIBNCCL_PACKAGE', 'env:NV_LIBNCCL_PACKAGE_VERSION', 'env:NCCL_VERSION']) {
      expect(facts(ev[key])).toEqual({ kind: 'nccl', version: '2.21.5', cuda: '12.4' });
    }
  });

  test('NV_CUDA_COMPAT_PACKAGE cuda-compat-12-4 is forward-compat evidence for CUDA 12.4', () => {
    expect(facts(ev['env:NV_CUDA_COMPAT_PACKAGE'])).toEqual({ kind: 'cuda-compat', version: undefined, cuda: '12.4' });
  });

  test('NVIDIA_REQUIRE_CUDA is carried with its raw value', () => {
    expect(ev['env:NVIDIA_REQUIRE_CUDA']).toMatchObject({ kind: 'nvidia-require', value: REQUIRE_12_4_1 });
  });
});

describe('config values as other tools may write them', () => {
  test('unexpanded ${NAME} references are expanded from the same env before parsing, the raw value is kept', () => {
    const env = {
      NV_LIBNCCL_PACKAGE_NAME: 'libnccl2',
      NV_LIBNCCL_PACKAGE_VERSION: '2.21.5-1',
      NV_LIBNCCL_PACKAGE: '${NV_LIBNCCL_PACKAGE_NAME}=${NV_LIBNCCL_PACKAGE_VERSION}+cuda12.4',
    };
    const ev = byKey(configEvidence(fakeConfig(env)));
    expect(facts(ev['env:NV_LIBNCCL_PACKAGE'])).toEqual({ kind: 'nccl', version: '2.21.5', cuda: '12.4' });
    expect(ev['env:NV_LIBNCCL_PACKAGE'].value).toBe(env.NV_LIBNCCL_PACKAGE);
    expect(facts(ev['env:NV_LIBNCCL_PACKAGE_VERSION'])).toEqual({ kind: 'nccl', version: '2.21.5', cuda: '12.4' });
  });

  test('the 11.8 cuDNN 8 image: "libcudnn8=$NV_CUDNN_VERSION-1+cuda11.8" is cuDNN 8.9.6.50 for CUDA 11.8', () => {
    const env = { NV_CUDNN_VERSION: '8.9.6.50', NV_CUDNN_PACKAGE_NAME: 'libcudnn8', NV_CUDNN_PACKAGE: 'libcudnn8=$NV_CUDNN_VERSION-1+cuda11.8' };
    const ev = byKey(configEvidence(fakeConfig(env)));
    expect(facts(ev['env:NV_CUDNN_PACKAGE'])).toEqual({ kind: 'cudnn', version: '8.9.6.50', cuda: '11.8' });
    expect(facts(ev['env:NV_CUDNN_VERSION'])).toEqual({ kind: 'cudnn', version: '8.9.6.50', cuda: '11.8' });
  });

  test('UBI images name packages the yum way (name-version)', () => {
    const env = {
      NV_LIBNCCL_PACKAGE: 'libnccl-2.21.5-1+cuda12.4',
      NV_CUDNN_PACKAGE: 'libcudnn9-cuda-12-9.1.0.70-1',
      NV_CUDNN_PACKAGE_DEV: 'libcudnn8-devel-8.9.6.50-1.cuda11.8',
      NV_LIBCUBLAS_PACKAGE: 'libcublas-12-4-12.4.5.8-1',
    };
    const ev = byKey(configEvidence(fakeConfig(env)));
    expect(facts(ev['env:NV_LIBNCCL_PACKAGE'])).toEqual({ kind: 'nccl', version: '2.21.5', cuda: '12.4' });
    expect(facts(ev['env:NV_CUDNN_PACKAGE'])).toEqual({ kind: 'cudnn', version: '9.1.0.70', cuda: '12' });
    expect(facts(ev['env:NV_CUDNN_PACKAGE_DEV'])).toEqual({ kind: 'cuda-package', version: '8.9.6.50', cuda: '11.8' });
    expect(facts(ev['env:NV_LIBCUBLAS_PACKAGE'])).toEqual({ kind: 'cublas', version: '12.4.5.8', cuda: '12.4' });
  });

  test('an unknown ${NAME} stays as written rather than becoming an empty version', () => {
    expect(expandEnv('${NOPE}=1+cuda12.4 $ALSO', { ALSO: 'x' })).toBe('${NOPE}=1+cuda12.4 x');
    const ev = byKey(configEvidence(fakeConfig({ NV_LIBNCCL_PACKAGE_VERSION: '${NOPE}' })));
    expect(ev['env:NV_LIBNCCL_PACKAGE_VERSION']).toBeUndefined();
  });

  test('a non-numeric CUDA_VERSION is still reported, without a version', () => {
    const ev = byKey(configEvidence(fakeConfig({ CUDA_VERSION: 'latest' })));
    expect(ev['env:CUDA_VERSION']).toMatchObject({ kind: 'cuda-version', value: 'latest', detail: 'not a version number' });
    expect(ev['env:CUDA_VERSION'].version).toBeUndefined();
  });

  test('NVIDIA_DISABLE_REQUIRE is reported with what the toolkit makes of it', () => {
    const on = byKey(configEvidence(fakeConfig({ NVIDIA_DISABLE_REQUIRE: 'true' })))['env:NVIDIA_DISABLE_REQUIRE'];
    expect(on).toMatchObject({ kind: 'nvidia-disable-require', value: 'true' });
    expect(on.detail).toContain('skips');
    const odd = byKey(configEvidence(fakeConfig({ NVIDIA_DISABLE_REQUIRE: 'yes' })))['env:NVIDIA_DISABLE_REQUIRE'];
    expect(odd.detail).toContain('treated as false');
  });

  test('an old image label com.nvidia.cuda.version declares the toolkit', () => {
    const ev = byKey(configEvidence(fakeConfig({}, { 'com.nvidia.cuda.version': '10.2.89' })));
    expect(facts(ev['label:com.nvidia.cuda.version'])).toEqual({ kind: 'cuda-version', version: '10.2.89', cuda: '10.2.89' });
  });

  test('env vars that pin nothing are ignored', () => {
    expect(
      configEvidence(
        fakeConfig({ NV_LIBNCCL_PACKAGE_NAME: 'libnccl2', NV_CUDNN_PACKAGE_NAME: 'libcudnn9-cuda-12', NVARCH: 'sbsa', NV_SOMETHING_PACKAGE: 'curl' }),
      ),
    ).toEqual([]);
  });

  test('devel image vars pin the CUDA version of their packages', () => {
    const ev = byKey(
      configEvidence(
        fakeConfig({
          NV_CUDA_CUDART_DEV_VERSION: '13.0.48-1',
          NV_NVML_DEV_VERSION: '13.0.39-1',
          NV_LIBCUBLAS_DEV_PACKAGE: 'libcublas-dev-13-0=13.0.0.19-1',
          NV_LIBNCCL_DEV_PACKAGE: 'libnccl-dev=2.27.7-1+cuda13.0',
          NV_CUDA_NSIGHT_COMPUTE_DEV_PACKAGE: 'cuda-nsight-compute-13-0=13.0.0-1',
        }),
      ),
    );
    expect(facts(ev['env:NV_CUDA_CUDART_DEV_VERSION'])).toEqual({ kind: 'cuda-package', version: '13.0.48', cuda: '13.0' });
    expect(facts(ev['env:NV_NVML_DEV_VERSION'])).toEqual({ kind: 'cuda-package', version: '13.0.39', cuda: '13.0' });
    expect(facts(ev['env:NV_LIBCUBLAS_DEV_PACKAGE'])).toEqual({ kind: 'cuda-package', version: '13.0.0.19', cuda: '13.0' });
    expect(facts(ev['env:NV_LIBNCCL_DEV_PACKAGE'])).toEqual({ kind: 'cuda-package', version: '2.27.7', cuda: '13.0' });
    expect(facts(ev['env:NV_CUDA_NSIGHT_COMPUTE_DEV_PACKAGE'])).toEqual({ kind: 'cuda-package', version: '13.0.0', cuda: '13.0' });
  });
});
