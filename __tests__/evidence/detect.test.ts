import { detectEvidence as detectEvidenceOf } from '../../src/evidence/detect';
import { loadMatrix } from '../../src/matrix/load';
import { fakeConfig, fakeView, showLayers } from './fake-view';
import { REQUIRE_12_4_1 } from '../fixtures/nvidia-require-strings';

const detectEvidence: typeof detectEvidenceOf = (config, view, matrix) => showLayers(detectEvidenceOf(config, view, matrix), view);

const matrix = loadMatrix();

const T = 'usr/local/cuda-12.4/targets/x86_64-linux/lib';
const NCCL_STANZA = 'Package: libnccl2\nStatus: hold ok installed\nVersion: 2.21.5-1+cuda12.4\n';

function image() {
  const config = fakeConfig(
    {
      NVIDIA_REQUIRE_CUDA: REQUIRE_12_4_1,
      NV_CUDA_CUDART_VERSION: '12.4.127-1',
      CUDA_VERSION: '12.4.1',
      NV_CUDA_COMPAT_PACKAGE: 'cuda-compat-12-4',
    },
    { 'com.nvidia.cudnn.version': '9.1.0.70-1' },
  );
  const view = fakeView([
    { path: 'usr/local/cuda', link: 'cuda-12.4' },
    { path: `${T}/libcudart.so.12`, link: 'libcudart.so.12.4.127', layer: 1 },
    { path: `${T}/libcudart.so.12.4.127`, layer: 1 },
    { path: 'usr/local/cuda-12.4/compat/libcuda.so.1', link: 'libcuda.so.550.54.15', layer: 1 },
    { path: 'usr/local/cuda-12.4/compat/libcuda.so.550.54.15', layer: 1 },
    // the same stanza twice: identical evidence is reported once
    { path: 'var/lib/dpkg/status', content: `${NCCL_STANZA}\n${NCCL_STANZA}`, layer: 1 },
    {
      path: 'app/venv/lib/python3.12/site-packages/nvidia_cudnn_cu12-9.1.0.70.dist-info/METADATA',
      content: 'Name: nvidia-cudnn-cu12\nVersion: 9.1.0.70\n',
      layer: 3,
    },
  ]);
  return { config, view };
}

describe('detectEvidence', () => {
  test('config evidence comes first, then file and package evidence by path', () => {
    const { config, view } = image();
    const { evidence } = detectEvidence(config, view, matrix);
    expect(evidence.map((e) => e.key ?? e.path)).toEqual([
      'env:CUDA_VERSION',
      'env:NVIDIA_REQUIRE_CUDA',
      'env:NV_CUDA_COMPAT_PACKAGE',
      'env:NV_CUDA_CUDART_VERSION',
      'label:com.nvidia.cudnn.version',
      '/app/venv/lib/python3.12/site-packages/nvidia_cudnn_cu12-9.1.0.70.dist-info',
      '/usr/local/cuda-12.4/compat/libcuda.so.550.54.15',
      `/${T}/libcudart.so.12.4.127`,
      '/var/lib/dpkg/status',
    ]);
  });

  test('file evidence carries the layer digest, index and instruction of the entry that holds it', () => {
    const { config, view } = image();
    const cudnn = detectEvidence(config, view, matrix).evidence.find((e) => e.from === 'package' && e.kind === 'cudnn');
    expect(cudnn).toMatchObject({ layer: 'sha256:dddd', layerIndex: 3, instruction: 'COPY . /app' });
  });

  test('identical items are reported once', () => {
    const { config, view } = image();
    expect(detectEvidence(config, view, matrix).evidence.filter((e) => e.package === 'libnccl2')).toHaveLength(1);
  });

  test('the same inputs give the same output', () => {
    const a = image();
    const b = image();
    expect(detectEvidence(a.config, a.view, matrix)).toEqual(detectEvidence(b.config, b.view, matrix));
  });

  test('requirements are collected with the evidence', () => {
    const { config, view } = image();
    const { requirements } = detectEvidence(config, view, matrix);
    expect(requirements.disabled).toBe(false);
    expect(requirements.expressions.map((e) => [e.name, e.alternatives.length, e.errors.length])).toEqual([['NVIDIA_REQUIRE_CUDA', 31, 0]]);
  });

  test('a legacy image gets the synthesised cuda>=X.Y as inferred evidence too', () => {
    const { evidence, requirements } = detectEvidence(fakeConfig({ CUDA_VERSION: '11.8.0' }), fakeView([]), matrix);
    expect(requirements.expressions).toEqual([expect.objectContaining({ raw: 'cuda>=11.8', synthesized: true })]);
    expect(evidence).toContainEqual(expect.objectContaining({ kind: 'nvidia-require', key: 'env:CUDA_VERSION', value: 'cuda>=11.8', confidence: 'inferred' }));
  });

  test('an unreadable CUDA_VERSION in a legacy image is an error finding', () => {
    const { findings } = detectEvidence(fakeConfig({ CUDA_VERSION: 'foo' }), fakeView([]), matrix);
    expect(findings).toEqual([expect.objectContaining({ code: 'CUDA_VERSION_UNREADABLE', severity: 'error' })]);
  });

  test('an NVIDIA_DISABLE_REQUIRE Go cannot read is a warning finding', () => {
    const { findings, requirements } = detectEvidence(fakeConfig({ NVIDIA_DISABLE_REQUIRE: 'yes' }), fakeView([]), matrix);
    expect(requirements).toMatchObject({ disabled: false, disableRaw: 'yes', disableInvalid: true });
    expect(findings).toEqual([expect.objectContaining({ code: 'NVIDIA_DISABLE_REQUIRE_INVALID', severity: 'warning' })]);
  });

  test('an image without CUDA has no evidence and no findings', () => {
    const out = detectEvidence(
      fakeConfig({ PATH: '/usr/bin' }),
      fakeView([{ path: 'var/lib/dpkg/status', content: 'Package: libc6\nStatus: install ok installed\nVersion: 2.35\n' }]),
      matrix,
    );
    expect(out).toEqual({ evidence: [], findings: [], requirements: { expressions: [], disabled: false } });
  });
});
