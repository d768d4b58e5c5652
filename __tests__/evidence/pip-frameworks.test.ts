import { detectEvidence as detectEvidenceOf } from '../../src/evidence/detect';
import { evidenceInterest } from '../../src/evidence/interests';
import { pipFrameworkEvidence as pipFrameworkEvidenceOf } from '../../src/evidence/pip-frameworks';
import type { Evidence } from '../../src/evidence/types';
import { loadMatrix } from '../../src/matrix/load';
import { fakeConfig, fakeView, shown, showLayers, type FakeEntry } from './fake-view';
import {
  metadata,
  PADDLE_VERSION_PY,
  TF_2161_BUILD_INFO,
  TF_CPU_BUILD_INFO,
  TORCH_1121_VERSION_PY,
  TORCH_2140_CU130_METADATA,
  TORCH_240_CU121_METADATA,
  TORCH_240_CU121_VERSION_PY,
  TORCH_260_PYPI_METADATA,
  TORCH_280_CPU_VERSION_PY,
  TORCH_280_CU128_VERSION_PY,
  TORCH_280_PYPI_METADATA,
} from './python-stack-fixtures';

const pipFrameworkEvidence = shown(pipFrameworkEvidenceOf);
const detectEvidence: typeof detectEvidenceOf = (config, view, matrix) => showLayers(detectEvidenceOf(config, view, matrix), view);

const matrix = loadMatrix();
const SP = 'usr/local/lib/python3.11/site-packages';

function dist(dir: string, text: string, base = SP): FakeEntry {
  return { path: `${base}/${dir}/METADATA`, content: text, layer: 2 };
}
function file(rel: string, text: string, base = SP): FakeEntry {
  return { path: `${base}/${rel}`, content: text, layer: 2 };
}
function frameworks(entries: FakeEntry[]): Evidence[] {
  return pipFrameworkEvidence(fakeView(entries), matrix).evidence;
}
const brief = (e: Evidence) => [e.package, e.version, e.cuda, e.detail];

describe('torch', () => {
  test('a +cu121 wheel from download.pytorch.org: version.py says CUDA 12.1, and the item cites it', () => {
    const out = pipFrameworkEvidence(
      fakeView([dist('torch-2.4.0+cu121.dist-info', TORCH_240_CU121_METADATA), file('torch/version.py', TORCH_240_CU121_VERSION_PY)]),
      matrix,
    );
    expect(out.findings).toEqual([]);
    expect(out.evidence).toEqual([
      {
        kind: 'framework',
        from: 'package',
        package: 'torch',
        component: 'torch',
        version: '2.4.0+cu121',
        cuda: '12.1',
        path: `/${SP}/torch/version.py`,
        layer: 'sha256:cccc',
        layerIndex: 2,
        instruction: 'RUN pip install torch',
        confidence: 'exact',
        value: "cuda: Optional[str] = '12.1'",
      },
    ]);
  });

  test('the PyPI default wheel has no local tag: version.py decides (cuda 12.8)', () => {
    expect(frameworks([dist('torch-2.8.0.dist-info', TORCH_280_PYPI_METADATA), file('torch/version.py', TORCH_280_CU128_VERSION_PY)]).map(brief)).toEqual([
      ['torch', '2.8.0', '12.8', undefined],
    ]);
  });

  test('without version.py the local tag decides, then the pinned NVIDIA runtime wheel', () => {
    expect(frameworks([dist('torch-2.4.0+cu121.dist-info', TORCH_240_CU121_METADATA)]).map((e) => [e.cuda, e.value, e.path])).toEqual([
      ['12.1', '2.4.0+cu121', `/${SP}/torch-2.4.0+cu121.dist-info`],
    ]);
    const pypi = frameworks([dist('torch-2.8.0.dist-info', TORCH_280_PYPI_METADATA)]);
    expect(pypi.map((e) => [e.cuda, e.confidence, e.value])).toEqual([
      ['12.8', 'inferred', `Requires-Dist: nvidia-cuda-runtime-cu12==12.8.90; platform_system == "Linux" and platform_machine == "x86_64"`],
    ]);
  });

  test('older METADATA spells the pin in parentheses; CUDA 13 builds pin the cuda-toolkit meta-wheel', () => {
    expect(frameworks([dist('torch-2.6.0.dist-info', TORCH_260_PYPI_METADATA)]).map((e) => e.cuda)).toEqual(['12.4']);
    expect(frameworks([dist('torch-2.14.0+cu130.dist-info', TORCH_2140_CU130_METADATA)]).map((e) => e.cuda)).toEqual(['13.0']);
  });

  test('a CPU build (+cpu, cuda = None) is listed as CPU-only and carries no CUDA', () => {
    const items = frameworks([
      dist('torch-2.8.0+cpu.dist-info', metadata('torch', '2.8.0+cpu', ['filelock'])),
      file('torch/version.py', TORCH_280_CPU_VERSION_PY),
    ]);
    expect(items.map(brief)).toEqual([['torch', '2.8.0+cpu', undefined, 'CPU-only build']]);
    expect(items[0].value).toBe('cuda: Optional[str] = None');
  });

  test('a ROCm build is not a CUDA build either', () => {
    const vp = TORCH_280_CPU_VERSION_PY.replace("'2.8.0+cpu'", "'2.8.0+rocm6.4'").replace(
      'hip: Optional[str] = None',
      "hip: Optional[str] = '6.4.43483-a187df25c'",
    );
    expect(frameworks([dist('torch-2.8.0+rocm6.4.dist-info', metadata('torch', '2.8.0+rocm6.4')), file('torch/version.py', vp)]).map(brief)).toEqual([
      ['torch', '2.8.0+rocm6.4', undefined, 'ROCm build (no CUDA)'],
    ]);
  });

  test('torch 1.x version.py without the type annotation, and a source build with no dist-info', () => {
    expect(frameworks([file('torch/version.py', TORCH_1121_VERSION_PY)]).map(brief)).toEqual([['torch', '1.12.1+cu113', '11.3', undefined]]);
  });

  test('version.py and the tag disagreeing is reported; version.py is what torch.version.cuda returns', () => {
    const out = pipFrameworkEvidence(
      fakeView([dist('torch-2.4.0+cu124.dist-info', metadata('torch', '2.4.0+cu124')), file('torch/version.py', TORCH_240_CU121_VERSION_PY)]),
      matrix,
    );
    expect(out.evidence.map((e) => e.cuda)).toEqual(['12.1']);
    expect(out.findings.map((f) => f.code)).toEqual(['EVIDENCE_TORCH_CUDA_DISAGREES']);
  });

  test('a torch whose CUDA cannot be read is listed without one, saying why', () => {
    const items = frameworks([dist('torch-2.3.0.dist-info', metadata('torch', '2.3.0', ['filelock']))]);
    expect(items.map((e) => [e.cuda, e.detail])).toEqual([[undefined, expect.stringMatching(/not known/)]]);
  });

  test('each site-packages is judged on its own: a venv torch is not paired with the system version.py', () => {
    const venv = 'app/.venv/lib/python3.12/site-packages';
    const items = frameworks([
      dist('torch-2.8.0+cpu.dist-info', metadata('torch', '2.8.0+cpu'), venv),
      file('torch/version.py', TORCH_240_CU121_VERSION_PY, 'usr/lib/python3/dist-packages'),
    ]);
    expect(items.map((e) => [e.path, e.cuda ?? e.detail])).toEqual([
      [`/${venv}/torch-2.8.0+cpu.dist-info`, 'CPU-only build'],
      ['/usr/lib/python3/dist-packages/torch/version.py', '12.1'],
    ]);
  });
});

describe('tensorflow', () => {
  test('TF 2.16 build_info.py: CUDA 12.3, cuDNN 8, and the GPU code it carries', () => {
    const items = frameworks([
      dist('tensorflow-2.16.1.dist-info', metadata('tensorflow', '2.16.1')),
      file('tensorflow/python/platform/build_info.py', TF_2161_BUILD_INFO),
    ]);
    expect(items).toEqual([
      expect.objectContaining({
        kind: 'framework',
        package: 'tensorflow',
        version: '2.16.1',
        cuda: '12.3',
        cudnn: '8',
        confidence: 'exact',
        path: `/${SP}/tensorflow/python/platform/build_info.py`,
        gpuArchs: { sass: ['sm_50', 'sm_60', 'sm_70', 'sm_80'], ptx: ['compute_90'], source: 'tensorflow build_info.py cuda_compute_capabilities' },
      }),
    ]);
  });

  test('a three-part cuda_version (12.5.1) is the 12.5 family; is_cuda_build False is CPU-only', () => {
    const tf218 = TF_2161_BUILD_INFO.replace("('cuda_version', '12.3')", "('cuda_version', '12.5.1')").replace(
      "('cudnn_version', '8')",
      "('cudnn_version', '9')",
    );
    expect(frameworks([file('tensorflow/python/platform/build_info.py', tf218)]).map((e) => [e.cuda, e.cudnn])).toEqual([['12.5', '9']]);
    expect(
      frameworks([
        dist('tensorflow_cpu-2.16.1.dist-info', metadata('tensorflow-cpu', '2.16.1')),
        file('tensorflow/python/platform/build_info.py', TF_CPU_BUILD_INFO),
      ]).map(brief),
    ).toEqual([['tensorflow-cpu', '2.16.1', undefined, 'CPU-only build']]);
  });

  test('a dict-style build_info (older generator) reads the same', () => {
    const text =
      "build_info = {'cuda_version': '11.2', 'cudnn_version': '8', 'cuda_compute_capabilities': ['sm_35', 'sm_86', 'compute_86'], 'is_cuda_build': True}\n";
    expect(frameworks([file('tensorflow/python/platform/build_info.py', text)]).map((e) => [e.cuda, e.gpuArchs?.ptx])).toEqual([['11.2', ['compute_86']]]);
  });

  test('without build_info.py, the tested configuration in matrix/frameworks.yaml is used, marked inferred', () => {
    const items = frameworks([dist('tensorflow-2.16.1.dist-info', metadata('tensorflow', '2.16.1'))]);
    expect(items.map((e) => [e.cuda, e.cudnn, e.confidence])).toEqual([['12.3', '8.9', 'inferred']]);
    expect(items[0].detail).toMatch(/build_info\.py was not read/);
  });
});

describe('wheels named for their CUDA', () => {
  test('jax[cuda12]: the plugin and PJRT wheels carry the CUDA major; plain jaxlib is the CPU part and says nothing', () => {
    const items = frameworks([
      dist('jax-0.4.35.dist-info', metadata('jax', '0.4.35')),
      dist('jaxlib-0.4.35.dist-info', metadata('jaxlib', '0.4.35')),
      dist('jax_cuda12_plugin-0.4.35.dist-info', metadata('jax-cuda12-plugin', '0.4.35', ['jax-cuda12-pjrt==0.4.35'])),
      dist('jax_cuda12_pjrt-0.4.35.dist-info', metadata('jax-cuda12-pjrt', '0.4.35')),
    ]);
    expect(items.map((e) => [e.package, e.cuda, e.kind])).toEqual([
      ['jax-cuda12-pjrt', '12', 'framework'],
      ['jax-cuda12-plugin', '12', 'framework'],
    ]);
  });

  test('the old monolithic jaxlib wheel: +cuda12.cudnn89', () => {
    expect(frameworks([dist('jaxlib-0.4.23+cuda12.cudnn89.dist-info', metadata('jaxlib', '0.4.23+cuda12.cudnn89'))]).map((e) => [e.cuda, e.cudnn])).toEqual([
      ['12', '8.9'],
    ]);
  });

  test('cupy-cuda12x / cupy-cuda11x / per-minor cupy-cuda102', () => {
    const items = frameworks([
      dist('cupy_cuda12x-13.3.0.dist-info', metadata('cupy-cuda12x', '13.3.0')),
      dist('cupy_cuda11x-12.3.0.dist-info', metadata('cupy-cuda11x', '12.3.0'), 'opt/py311/lib/python3.11/site-packages'),
      dist('cupy_cuda102-9.6.0.dist-info', metadata('cupy-cuda102', '9.6.0'), 'opt/py38/lib/python3.8/site-packages'),
    ]);
    // one group per site-packages, in path order
    expect(items.map((e) => [e.package, e.cuda])).toEqual([
      ['cupy-cuda11x', '11'],
      ['cupy-cuda102', '10.2'],
      ['cupy-cuda12x', '12'],
    ]);
  });

  test('onnxruntime-gpu: the matrix says which CUDA major a release of the PyPI wheel is for', () => {
    const ort = (v: string) => frameworks([dist(`onnxruntime_gpu-${v}.dist-info`, metadata('onnxruntime-gpu', v))])[0];
    expect([ort('1.20.1').cuda, ort('1.20.1').cudnn]).toEqual(['12', '9']);
    expect([ort('1.18.0').cuda, ort('1.18.0').cudnn]).toEqual(['11', '8']);
    expect(ort('1.20.1').detail).toMatch(/matrix\/frameworks\.yaml, unconfirmed/);
    // the CPU package installs the same `onnxruntime` module and is no CUDA evidence
    expect(frameworks([dist('onnxruntime-1.20.1.dist-info', metadata('onnxruntime', '1.20.1'))])).toEqual([]);
  });

  test('onnxruntime-gpu with a matrix that does not know it: listed without a CUDA', () => {
    const out = pipFrameworkEvidence(fakeView([dist('onnxruntime_gpu-1.20.1.dist-info', metadata('onnxruntime-gpu', '1.20.1'))]), {
      ...matrix,
      frameworks: [],
    });
    expect(out.evidence.map((e) => [e.cuda, e.detail])).toEqual([[undefined, 'the CUDA of onnxruntime-gpu 1.20.1 is not in matrix/frameworks.yaml']]);
  });

  test('tensorrt-cu12 (and its -libs / -bindings), the tensorrt meta-wheel through its pin', () => {
    const items = frameworks([
      dist('tensorrt-10.9.0.34.dist-info', metadata('tensorrt', '10.9.0.34', ['tensorrt_cu12==10.9.0.34'])),
      dist('tensorrt_cu12-10.9.0.34.dist-info', metadata('tensorrt_cu12', '10.9.0.34')),
      dist('tensorrt_cu12_libs-10.9.0.34.dist-info', metadata('tensorrt_cu12_libs', '10.9.0.34')),
    ]);
    expect(items.map((e) => [e.package, e.cuda])).toEqual([
      ['tensorrt', '12'],
      ['tensorrt-cu12', '12'],
      ['tensorrt-cu12-libs', '12'],
    ]);
  });

  test('vllm: a +cu118 wheel from the GitHub release, the untagged PyPI wheel from the matrix', () => {
    expect(frameworks([dist('vllm-0.7.3+cu118.dist-info', metadata('vllm', '0.7.3+cu118'))]).map((e) => e.cuda)).toEqual(['11.8']);
    expect(frameworks([dist('vllm-0.5.3.post1.dist-info', metadata('vllm', '0.5.3.post1'))]).map((e) => [e.cuda, e.confidence])).toEqual([
      ['12.1', 'inferred'],
    ]);
  });

  test('paddlepaddle-gpu: paddle/version/__init__.py decides, else the .postNNN suffix', () => {
    expect(
      frameworks([dist('paddlepaddle_gpu-2.6.1.dist-info', metadata('paddlepaddle-gpu', '2.6.1')), file('paddle/version/__init__.py', PADDLE_VERSION_PY)]).map(
        (e) => [e.cuda, e.cudnn],
      ),
    ).toEqual([['12.0', '8.9.1']]);
    expect(
      frameworks([dist('paddlepaddle_gpu-2.6.1.post117.dist-info', metadata('paddlepaddle-gpu', '2.6.1.post117'))]).map((e) => [e.cuda, e.confidence]),
    ).toEqual([['11.7', 'inferred']]);
    const cpu = PADDLE_VERSION_PY.replace("cuda_version    = '12.0'", "cuda_version    = 'False'");
    expect(frameworks([dist('paddlepaddle-2.6.1.dist-info', metadata('paddlepaddle', '2.6.1')), file('paddle/version/__init__.py', cpu)]).map(brief)).toEqual([
      ['paddlepaddle', '2.6.1', undefined, 'CPU-only build'],
    ]);
  });

  test("any other wheel with a +cuXYZ tag (xformers, torchvision) and NVIDIA's cuda-toolkit / cuda-bindings wheels", () => {
    const items = frameworks([
      dist('xformers-0.0.28.post1+cu121.dist-info', metadata('xformers', '0.0.28.post1+cu121')),
      dist('cuda_toolkit-13.0.2.dist-info', metadata('cuda-toolkit', '13.0.2')),
      dist('cuda_bindings-13.0.3.dist-info', metadata('cuda-bindings', '13.0.3')),
      dist('requests-2.32.3.dist-info', metadata('requests', '2.32.3')),
    ]);
    expect(items.map((e) => [e.kind, e.package, e.cuda])).toEqual([
      ['pip-package', 'cuda-bindings', '13'],
      ['pip-package', 'cuda-toolkit', '13.0'],
      ['pip-package', 'xformers', '12.1'],
    ]);
  });
});

describe('in the full detector run', () => {
  test('torch cu121 with its NVIDIA wheels: one framework item beside the wheel items, all CUDA 12', () => {
    const nvidia = (dir: string, name: string, v: string): FakeEntry => dist(dir, metadata(name, v));
    const { evidence } = detectEvidence(
      fakeConfig(),
      fakeView([
        dist('torch-2.4.0+cu121.dist-info', TORCH_240_CU121_METADATA),
        file('torch/version.py', TORCH_240_CU121_VERSION_PY),
        nvidia('nvidia_cuda_runtime_cu12-12.1.105.dist-info', 'nvidia-cuda-runtime-cu12', '12.1.105'),
        nvidia('nvidia_cudnn_cu12-9.1.0.70.dist-info', 'nvidia-cudnn-cu12', '9.1.0.70'),
        { path: `${SP}/nvidia/cuda_runtime/lib/libcudart.so.12`, layer: 2 },
      ]),
      matrix,
    );
    expect(evidence.map((e) => [e.kind, e.cuda])).toEqual(
      expect.arrayContaining([
        ['framework', '12.1'],
        ['cudart', '12.1'],
        ['cudnn', '12'],
      ]),
    );
  });

  test('the walker is asked for the generated module files, bounded, and nothing else near them', () => {
    expect(evidenceInterest(`${SP}/torch/version.py`, 300)).toEqual({ content: 16 * 1024 });
    expect(evidenceInterest('usr/lib/python3/dist-packages/tensorflow/python/platform/build_info.py', 900)).toEqual({ content: 16 * 1024 });
    expect(evidenceInterest('.pixi/envs/default/lib/python3.12/site-packages/paddle/version/__init__.py', 500)).toEqual({ content: 16 * 1024 });
    expect(evidenceInterest(`${SP}/torch/nn/version.py`, 300)).toBeUndefined();
    expect(evidenceInterest('opt/src/torch/version.py', 300)).toBeUndefined();
    expect(evidenceInterest(`${SP}/torch/__init__.py`, 300)).toBeUndefined();
    expect(evidenceInterest(`${SP}/torch-2.4.0+cu121.dist-info/METADATA`, 40_000)).toEqual({ content: 64 * 1024 });
  });
});
