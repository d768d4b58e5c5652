/**
 * Images laid out like the real Python / conda / pixi images users build (pip wheels in site-packages or
 * dist-packages, a micromamba /opt/conda, a pixi env under /app/.pixi/envs), written as OCI layouts, read by the
 * engine and judged against hosts from a T4 on R470 to a B200 on R580: the verdicts a user would expect.
 */
import { analyseImage } from '../../src/engine/check';
import { loadMatrix } from '../../src/matrix/load';
import { adHocTarget } from '../../src/targets/load';
import { DEFAULT_POLICY } from '../../src/model/policy';
import { judge } from '../../src/verdict/judge';
import type { Result } from '../../src/verdict/types';
import {
  CONDA_FORGE_CUDA129,
  condaRecord,
  condaRecordName,
  metadata,
  PIXI_TOML_CUDA12,
  pixiEnvRecord,
  PYTORCH_CHANNEL_CUDA118,
  TF_2161_BUILD_INFO,
  TORCH_2140_CU130_METADATA,
  TORCH_240_CU121_METADATA,
  TORCH_240_CU121_VERSION_PY,
  TORCH_280_CPU_VERSION_PY,
  TORCH_280_CU128_VERSION_PY,
  TORCH_280_PYPI_METADATA,
  type CondaRecordSpec,
} from '../evidence/python-stack-fixtures';
import type { LayerSpec } from '../helpers/layer-tar';
import { writeOciImage } from '../helpers/oci-layout';
import { tempDir } from '../helpers/tmp';

const matrix = loadMatrix();
const ELF = '\u007fELF\u0002\u0001\u0001';

const host = (name: string, driver: string, gpu: string) => adHocTarget({ name, driver, gpu }, matrix);
const HOSTS = {
  t4r470: host('t4-r470', '470.82.01', 'T4'),
  a100r525: host('a100-r525', '525.60.13', 'A100'),
  a100r535: host('a100-r535', '535.104.05', 'A100'),
  l4r535: host('l4-r535', '535.104.05', 'L4'),
  h100r535: host('h100-r535', '535.104.05', 'H100'),
  l4r550: host('l4-r550', '550.54.15', 'L4'),
  h100r550: host('h100-r550', '550.54.15', 'H100'),
  b200r550: host('b200-r550', '550.54.15', 'B200'),
  h100r570: host('h100-r570', '570.124.06', 'H100'),
  b200r570: host('b200-r570', '570.124.06', 'B200'),
  h100r580ga: host('h100-r580-ga', '580.65.06', 'H100'),
  b200r580: host('b200-r580', '580.95.05', 'B200'),
};
type HostName = keyof typeof HOSTS;

interface Judged {
  verdict: (h: HostName) => Result['verdict'];
  codes: (h: HostName) => string[];
  analysed: Awaited<ReturnType<typeof analyseImage>>;
}

async function judgeImage(name: string, layers: LayerSpec[], env: Record<string, string> = {}): Promise<Judged> {
  const dir = tempDir('cg-py-');
  await writeOciImage(dir, { layers, env, history: layers.map((_, i) => ({ created_by: INSTRUCTIONS[i] ?? `COPY layer${i} /` })) }, name);
  const analysed = await analyseImage(`oci:${dir}:${name}`, { matrix });
  const results = new Map<HostName, Result>();
  const get = (h: HostName) => {
    let r = results.get(h);
    if (!r) {
      r = judge({ image: name, requirement: analysed.requirement, target: HOSTS[h], policy: DEFAULT_POLICY }, matrix);
      results.set(h, r);
    }
    return r;
  };
  // DRIVER_BRANCH_EOL (an EOL host branch, informational) is left out: these tests are about the CUDA stack
  const codes = (h: HostName) =>
    get(h)
      .reasons.filter((r) => r.code !== 'DRIVER_BRANCH_EOL')
      .map((r) => r.code);
  return { analysed, verdict: (h) => get(h).verdict, codes };
}

const INSTRUCTIONS = ['ADD rootfs.tar.xz / # python:3.11-slim', 'RUN pip install --no-cache-dir -r requirements.txt', 'COPY . /app'];

const DEBIAN: LayerSpec = {
  'etc/os-release': 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n',
  'usr/lib/x86_64-linux-gnu/libc.so.6': ELF,
  'usr/local/bin/python3.11': ELF,
};

/** An installed wheel: its METADATA plus the files it puts in site-packages. */
function wheel(sp: string, distInfo: string, meta: string, files: Record<string, string> = {}): LayerSpec {
  const out: LayerSpec = { [`${sp}/${distInfo}/METADATA`]: meta, [`${sp}/${distInfo}/INSTALLER`]: 'pip\n' };
  for (const [rel, content] of Object.entries(files)) out[`${sp}/${rel}`] = content;
  return out;
}

function nvidiaWheel(sp: string, name: string, version: string, libs: string[] = []): LayerSpec {
  const distInfo = `${name.replace(/-/g, '_')}-${version}.dist-info`;
  return wheel(sp, distInfo, metadata(name, version), Object.fromEntries(libs.map((l) => [l, ELF])));
}

/** `pip install torch==2.4.0 --index-url https://download.pytorch.org/whl/cu121` */
function torchCu121(sp: string): LayerSpec {
  return {
    ...wheel(sp, 'torch-2.4.0+cu121.dist-info', TORCH_240_CU121_METADATA, {
      'torch/version.py': TORCH_240_CU121_VERSION_PY,
      'torch/lib/libtorch_cuda.so': ELF,
    }),
    ...nvidiaWheel(sp, 'nvidia-cuda-runtime-cu12', '12.1.105', ['nvidia/cuda_runtime/lib/libcudart.so.12']),
    ...nvidiaWheel(sp, 'nvidia-cuda-nvrtc-cu12', '12.1.105', ['nvidia/cuda_nvrtc/lib/libnvrtc.so.12']),
    ...nvidiaWheel(sp, 'nvidia-cudnn-cu12', '9.1.0.70', ['nvidia/cudnn/lib/libcudnn.so.9']),
    ...nvidiaWheel(sp, 'nvidia-cublas-cu12', '12.1.3.1', ['nvidia/cublas/lib/libcublas.so.12', 'nvidia/cublas/lib/libcublasLt.so.12']),
    ...nvidiaWheel(sp, 'nvidia-nccl-cu12', '2.20.5', ['nvidia/nccl/lib/libnccl.so.2']),
    ...nvidiaWheel(sp, 'nvidia-nvjitlink-cu12', '12.1.105', ['nvidia/nvjitlink/lib/libnvJitLink.so.12']),
  };
}

/** A conda prefix: one record per package, plus the splayed runtime library conda-forge installs. */
function condaEnv(prefix: string, records: CondaRecordSpec[], files: LayerSpec = {}): LayerSpec {
  const out: LayerSpec = { [`${prefix}/conda-meta/history`]: '==> 2026-11-20 10:00:00 <==\n# cmd: micromamba install -y -n base -f /tmp/env.yaml\n' };
  for (const r of records) out[`${prefix}/conda-meta/${condaRecordName(r)}`] = condaRecord(r);
  return { ...out, ...files };
}

const CUDA129_FILES = (prefix: string, py: string): LayerSpec => ({
  [`${prefix}/targets/x86_64-linux/lib/libcudart.so.12.9.79`]: ELF,
  [`${prefix}/targets/x86_64-linux/lib/libcudart.so.12`]: { symlink: 'libcudart.so.12.9.79' },
  [`${prefix}/lib/libcudart.so.12`]: { symlink: '../targets/x86_64-linux/lib/libcudart.so.12' },
  [`${prefix}/lib/libcudnn.so.9.10.1`]: ELF,
  [`${prefix}/lib/libnccl.so.2.27.3`]: ELF,
  [`${prefix}/lib/${py}/site-packages/torch-2.7.1.dist-info/METADATA`]: metadata('torch', '2.7.1', ['filelock', 'typing_extensions >=4.10.0']),
  [`${prefix}/lib/${py}/site-packages/torch-2.7.1.dist-info/INSTALLER`]: 'conda\n',
  [`${prefix}/lib/${py}/site-packages/torch/version.py`]: TORCH_280_CU128_VERSION_PY.replace("'2.8.0+cu128'", "'2.7.1'").replace("'12.8'", "'12.9'"),
});

describe('pip: torch 2.4.0+cu121 with its NVIDIA wheels (python:3.11 image)', () => {
  const SP = 'usr/local/lib/python3.11/site-packages';
  let img: Judged;
  beforeAll(async () => {
    img = await judgeImage('torch-cu121', [DEBIAN, torchCu121(SP)], { PATH: '/usr/local/bin:/usr/bin', PYTHON_VERSION: '3.11.10' });
  });

  test('the framework item says CUDA 12.1 and cites version.py and the pip layer', () => {
    const torch = img.analysed.image.evidence.find((e) => e.kind === 'framework');
    expect(torch).toMatchObject({ package: 'torch', version: '2.4.0+cu121', cuda: '12.1', path: `/${SP}/torch/version.py`, instruction: INSTRUCTIONS[1] });
    expect(img.analysed.requirement.majors).toEqual([12]);
    expect(img.analysed.requirement.minDriver).toBe('530.30.02');
  });

  test('R550 and R535 run it; R525 only through minor-version compatibility; R470 is too old', () => {
    expect(img.verdict('l4r550')).toBe('pass');
    expect(img.verdict('a100r535')).toBe('pass');
    expect(img.verdict('a100r525')).toBe('caveat');
    expect(img.codes('a100r525')).toEqual(['MINOR_VERSION_COMPAT']);
    expect(img.verdict('t4r470')).toBe('fail');
    expect(img.codes('t4r470')).toContain('DRIVER_TOO_OLD');
  });

  test('a B200 needs a newer driver than R550 whatever the image', () => {
    expect(img.codes('b200r550')).toContain('GPU_UNSUPPORTED_BY_DRIVER');
  });
});

describe("pip: the PyPI default torch 2.8.0 (CUDA 12.8) in Ubuntu's dist-packages", () => {
  const SP = 'usr/local/lib/python3.12/dist-packages';
  let img: Judged;
  beforeAll(async () => {
    img = await judgeImage('torch-pypi', [
      { 'etc/os-release': 'ID=ubuntu\nVERSION_ID="24.04"\n', 'usr/bin/python3.12': ELF },
      {
        ...wheel(SP, 'torch-2.8.0.dist-info', TORCH_280_PYPI_METADATA, { 'torch/version.py': TORCH_280_CU128_VERSION_PY }),
        ...nvidiaWheel(SP, 'nvidia-cuda-runtime-cu12', '12.8.90', ['nvidia/cuda_runtime/lib/libcudart.so.12']),
        ...nvidiaWheel(SP, 'nvidia-cudnn-cu12', '9.10.2.21', ['nvidia/cudnn/lib/libcudnn.so.9']),
        ...nvidiaWheel(SP, 'nvidia-cublas-cu12', '12.8.4.1', ['nvidia/cublas/lib/libcublas.so.12']),
      },
    ]);
  });

  test('no local tag: version.py gives CUDA 12.8, so R570 U1 is needed for full support', () => {
    expect(img.analysed.image.evidence.find((e) => e.kind === 'framework')).toMatchObject({ version: '2.8.0', cuda: '12.8' });
    expect(img.analysed.requirement.minDriver).toBe('570.124.06');
  });

  test('R570 passes, R535 and R525 run it through minor-version compatibility, R470 fails', () => {
    expect(img.verdict('h100r570')).toBe('pass');
    expect(img.codes('a100r535')).toEqual(['MINOR_VERSION_COMPAT']);
    expect(img.codes('a100r525')).toEqual(['MINOR_VERSION_COMPAT']);
    expect(img.codes('t4r470')).toContain('DRIVER_TOO_OLD');
  });
});

describe("pip: torch 2.14.0+cu130 with NVIDIA's CUDA 13 wheels (nvidia/cu13/lib, no -cu13 suffix)", () => {
  test('CUDA 13 needs R580: R570 is too old even with minor-version compatibility, R580 GA runs it through it', async () => {
    const SP = 'usr/local/lib/python3.12/site-packages';
    const record = (files: string[]) => files.map((f) => `${f},sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU,1000`).join('\n') + '\n';
    const cu13 = (name: string, version: string, libs: string[]): LayerSpec => {
      const di = `${name.replace(/-/g, '_')}-${version}.dist-info`;
      return { ...nvidiaWheel(SP, name, version, libs), [`${SP}/${di}/RECORD`]: record([...libs, `${di}/METADATA`, `${di}/RECORD,,`]) };
    };
    const img = await judgeImage('torch-cu130', [
      { 'etc/os-release': 'ID=debian\n', 'usr/local/bin/python3.12': ELF },
      {
        ...wheel(SP, 'torch-2.14.0+cu130.dist-info', TORCH_2140_CU130_METADATA, {
          'torch/version.py': TORCH_280_CU128_VERSION_PY.replace("'2.8.0+cu128'", "'2.14.0+cu130'").replace("'12.8'", "'13.0'"),
        }),
        ...wheel(SP, 'cuda_toolkit-13.0.2.dist-info', metadata('cuda-toolkit', '13.0.2')),
        ...cu13('nvidia-cuda-runtime', '13.0.96', ['nvidia/cu13/lib/libcudart.so.13']),
        ...cu13('nvidia-cublas', '13.1.0.3', ['nvidia/cu13/lib/libcublas.so.13', 'nvidia/cu13/lib/libcublasLt.so.13']),
        ...cu13('nvidia-cufft', '12.0.0.61', ['nvidia/cu13/lib/libcufft.so.12']),
        ...nvidiaWheel(SP, 'nvidia-cudnn-cu13', '9.24.0.43', ['nvidia/cudnn/lib/libcudnn.so.9']),
        ...nvidiaWheel(SP, 'nvidia-nccl-cu13', '2.30.7', ['nvidia/nccl/lib/libnccl.so.2']),
      },
    ]);
    const ev = img.analysed.image.evidence;
    expect(ev.find((e) => e.package === 'nvidia-cufft')?.cuda).toBe('13');
    expect(ev.find((e) => e.package === 'cuda-toolkit')?.cuda).toBe('13.0');
    expect(img.analysed.requirement.majors).toEqual([13]);
    expect(img.codes('h100r570')).toContain('DRIVER_TOO_OLD');
    expect(img.codes('h100r580ga')).toEqual(['MINOR_VERSION_COMPAT']);
    // torch's "13.0" names only the family, whose highest minimum is 13.0 Update 3's (580.126.20, unconfirmed):
    // 580.95.05 runs it through minor-version compatibility
    expect(img.codes('b200r580')).toEqual(['MINOR_VERSION_COMPAT']);
  });
});

describe('pip: a CPU-only torch', () => {
  test('is no CUDA image: NO_CUDA_FOUND (warn), never a driver verdict', async () => {
    const SP = 'usr/local/lib/python3.11/site-packages';
    const img = await judgeImage('torch-cpu', [
      DEBIAN,
      wheel(SP, 'torch-2.8.0+cpu.dist-info', metadata('torch', '2.8.0+cpu', ['filelock']), { 'torch/version.py': TORCH_280_CPU_VERSION_PY }),
    ]);
    expect(img.analysed.image.evidence.filter((e) => e.kind === 'framework').map((e) => [e.cuda, e.detail])).toEqual([[undefined, 'CPU-only build']]);
    expect(img.analysed.requirement.hasCuda).toBe(false);
    for (const h of ['t4r470', 'b200r580'] as const) expect(img.codes(h)).toEqual(['NO_CUDA_FOUND']);
  });
});

describe('pip: a CUDA 11 cuDNN wheel beside a CUDA 12 torch', () => {
  test('onnxruntime-gpu 1.18 pulled nvidia-cudnn-cu11 next to torch cu121: MIXED_CUDA_MAJORS', async () => {
    const SP = 'usr/local/lib/python3.11/site-packages';
    const img = await judgeImage('mixed', [
      DEBIAN,
      {
        ...torchCu121(SP),
        ...wheel(SP, 'onnxruntime_gpu-1.18.0.dist-info', metadata('onnxruntime-gpu', '1.18.0', ['numpy>=1.21.6', 'protobuf']), {
          'onnxruntime/capi/libonnxruntime_providers_cuda.so': ELF,
        }),
        ...nvidiaWheel(SP, 'nvidia-cudnn-cu11', '8.9.4.25', ['nvidia/cudnn/lib/libcudnn.so.8']),
      },
    ]);
    expect(img.analysed.requirement.majors).toEqual([11, 12]);
    expect(img.codes('l4r550')).toContain('MIXED_CUDA_MAJORS');
    expect(img.verdict('l4r550')).toBe('caveat');
    const reason = judge({ image: 'x', requirement: img.analysed.requirement, target: HOSTS.l4r550, policy: DEFAULT_POLICY }, matrix).reasons.find(
      (r) => r.code === 'MIXED_CUDA_MAJORS',
    )!;
    expect(reason.message).toMatch(/CUDA 11: package (nvidia-cudnn-cu11|onnxruntime-gpu)/);
  });
});

describe('pip: tensorflow[and-cuda] 2.16.1', () => {
  const SP = 'usr/local/lib/python3.11/site-packages';
  let img: Judged;
  beforeAll(async () => {
    img = await judgeImage('tf216', [
      DEBIAN,
      {
        ...wheel(
          SP,
          'tensorflow-2.16.1.dist-info',
          metadata('tensorflow', '2.16.1', ['absl-py>=1.0.0', 'nvidia-cuda-runtime-cu12==12.3.101; extra == "and-cuda"']),
          {
            'tensorflow/python/platform/build_info.py': TF_2161_BUILD_INFO,
          },
        ),
        ...nvidiaWheel(SP, 'nvidia-cuda-runtime-cu12', '12.3.101', ['nvidia/cuda_runtime/lib/libcudart.so.12']),
        ...nvidiaWheel(SP, 'nvidia-cudnn-cu12', '8.9.7.29', ['nvidia/cudnn/lib/libcudnn.so.8']),
        ...nvidiaWheel(SP, 'nvidia-cublas-cu12', '12.3.4.1', ['nvidia/cublas/lib/libcublas.so.12']),
      },
    ]);
  });

  test('build_info.py gives CUDA 12.3, cuDNN 8 and the GPU code, which the GPU checks use', () => {
    const tf = img.analysed.image.evidence.find((e) => e.kind === 'framework')!;
    expect(tf).toMatchObject({
      package: 'tensorflow',
      cuda: '12.3',
      cudnn: '8',
      gpuArchs: { sass: ['sm_50', 'sm_60', 'sm_70', 'sm_80'], ptx: ['compute_90'] },
    });
    expect(img.analysed.requirement.gpuCode?.ptx).toEqual(['compute_90']);
    expect(img.analysed.requirement.minDriver).toBe('545.23.08');
  });

  test('an L4 on R550 runs its sm_80 SASS; R535 runs CUDA 12.3 only through minor-version compatibility; R470 fails', () => {
    expect(img.verdict('l4r550')).toBe('pass');
    expect(img.codes('l4r535')).toContain('MINOR_VERSION_COMPAT');
    expect(img.codes('t4r470')).toContain('DRIVER_TOO_OLD');
  });

  test('Hopper and Blackwell have only the compute_90 PTX: JIT on R550+, and R535 cannot JIT PTX from CUDA 12.3', () => {
    expect(img.codes('h100r550')).toContain('PTX_JIT');
    expect(img.codes('b200r570')).toContain('PTX_JIT');
    expect(img.verdict('h100r535')).toBe('fail');
    expect(img.codes('h100r535')).toContain('PTX_JIT_NEEDS_NEWER_DRIVER');
  });
});

describe('pip: jax[cuda12], cupy-cuda12x and onnxruntime-gpu', () => {
  const SP = 'app/.venv/lib/python3.12/site-packages';
  test('the CUDA 12.6 runtime wheel jax pulled in decides; the named wheels add CUDA 12 needs', async () => {
    const img = await judgeImage('jax-cupy-ort', [
      { 'etc/os-release': 'ID=debian\n', 'usr/local/bin/python3.12': ELF },
      {
        ...wheel(SP, 'jax-0.4.35.dist-info', metadata('jax', '0.4.35')),
        ...wheel(SP, 'jaxlib-0.4.35.dist-info', metadata('jaxlib', '0.4.35')),
        ...wheel(SP, 'jax_cuda12_plugin-0.4.35.dist-info', metadata('jax-cuda12-plugin', '0.4.35', ['jax-cuda12-pjrt==0.4.35']), {
          'jax_cuda12_plugin/_cuda_plugin_extension.so': ELF,
        }),
        ...wheel(SP, 'jax_cuda12_pjrt-0.4.35.dist-info', metadata('jax-cuda12-pjrt', '0.4.35'), { 'jax_plugins/xla_cuda12/xla_cuda_plugin.so': ELF }),
        ...wheel(SP, 'cupy_cuda12x-13.3.0.dist-info', metadata('cupy-cuda12x', '13.3.0', ['numpy<2.3,>=1.22', 'fastrlock>=0.5'])),
        ...wheel(SP, 'onnxruntime_gpu-1.20.1.dist-info', metadata('onnxruntime-gpu', '1.20.1', ['coloredlogs', 'numpy>=1.21.6'])),
        ...nvidiaWheel(SP, 'nvidia-cuda-runtime-cu12', '12.6.77', ['nvidia/cuda_runtime/lib/libcudart.so.12']),
        ...nvidiaWheel(SP, 'nvidia-cuda-nvcc-cu12', '12.6.85', ['nvidia/cuda_nvcc/bin/ptxas']),
        ...nvidiaWheel(SP, 'nvidia-cudnn-cu12', '9.5.1.17', ['nvidia/cudnn/lib/libcudnn.so.9']),
      },
    ]);
    const fw = img.analysed.image.evidence.filter((e) => e.kind === 'framework').map((e) => [e.package, e.cuda]);
    expect(fw).toEqual([
      ['cupy-cuda12x', '12'],
      ['jax-cuda12-pjrt', '12'],
      ['jax-cuda12-plugin', '12'],
      ['onnxruntime-gpu', '12'],
    ]);
    expect(img.analysed.requirement.majors).toEqual([12]);
    expect(img.codes('h100r570')).toEqual([]);
    expect(img.codes('l4r550')).toEqual(['MINOR_VERSION_COMPAT']);
    expect(img.codes('t4r470')).toContain('DRIVER_TOO_OLD');
  });
});

describe('conda: micromamba /opt/conda with conda-forge pytorch for CUDA 12.9', () => {
  let img: Judged;
  beforeAll(async () => {
    img = await judgeImage(
      'conda-cuda129',
      [{ 'etc/os-release': 'ID=debian\n', 'bin/micromamba': ELF }, condaEnv('opt/conda', CONDA_FORGE_CUDA129, CUDA129_FILES('opt/conda', 'python3.13'))],
      { MAMBA_ROOT_PREFIX: '/opt/conda', MAMBA_EXE: '/bin/micromamba', ENV_NAME: 'base' },
    );
  });

  test('the env is CUDA 12.9: cuda-version, cuda-cudart, the pytorch build string, torch/version.py agree', () => {
    const ev = img.analysed.image.evidence;
    expect(ev.find((e) => e.kind === 'cuda-version' && e.package === 'cuda-version')).toMatchObject({ version: '12.9', cuda: '12.9' });
    expect(ev.filter((e) => e.kind === 'framework').map((e) => [e.package, e.cuda])).toEqual([
      ['libtorch', '12.9'],
      ['pytorch', '12.9'],
      ['pytorch-gpu', '12.9'],
      ['torch', '12.9'],
    ]);
    expect(img.analysed.image.cuda?.major).toBe(12);
    expect(img.analysed.requirement.minDriver).toBe('575.57.08');
  });

  test('the big pytorch records were named, not read: nothing is reported as truncated', () => {
    expect(img.analysed.image.findings.filter((f) => f.code === 'CONTENT_TRUNCATED')).toEqual([]);
  });

  test('cuda-version constrains __cuda >=12: the image declares a driver reporting CUDA 12 at least', () => {
    expect(img.analysed.requirement.declaredCuda?.cuda).toBe('12');
    expect(img.analysed.requirement.declaredCuda?.evidence.map((e) => e.package)).toEqual(['cuda-version']);
    expect(img.analysed.requirement.needs.every((n) => n.evidence.every((e) => e.kind !== 'cuda-system-requirement'))).toBe(true);
  });

  test('R535 and R570 run CUDA 12.9 only through minor-version compatibility; R580 passes; R470 fails', () => {
    expect(img.codes('a100r535')).toEqual(['MINOR_VERSION_COMPAT']);
    expect(img.codes('h100r570')).toEqual(['MINOR_VERSION_COMPAT']);
    expect(img.verdict('b200r580')).toBe('pass');
    expect(img.codes('t4r470')).toContain('DRIVER_TOO_OLD');
  });
});

describe("conda: the pytorch channel's CUDA 11.8 build with cudatoolkit 11.8 (conda-era pytorch image)", () => {
  test('CUDA 11.8: R525 passes, R470 runs it through minor-version compatibility', async () => {
    const img = await judgeImage(
      'conda-cuda118',
      [
        { 'etc/os-release': 'ID=ubuntu\nVERSION_ID="20.04"\n' },
        condaEnv('opt/conda', PYTORCH_CHANNEL_CUDA118, {
          'opt/conda/lib/libcudart.so.11.8.89': ELF,
          'opt/conda/lib/libcudart.so.11.0': { symlink: 'libcudart.so.11.8.89' },
        }),
      ],
      { PATH: '/opt/conda/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', PYTORCH_VERSION: 'v2.0.1' },
    );
    expect(img.analysed.image.evidence.filter((e) => e.from === 'package').map((e) => [e.kind, e.package, e.cuda])).toEqual([
      ['cudart', 'cudatoolkit', '11.8'],
      ['framework', 'pytorch', '11.8'],
    ]);
    expect(img.analysed.requirement.majors).toEqual([11]);
    expect(img.verdict('a100r525')).toBe('pass');
    expect(img.codes('t4r470')).toEqual(['MINOR_VERSION_COMPAT']);
  });
});

describe('pixi: /app/.pixi/envs/prod from `pixi install --locked -e prod`, with the project copied in', () => {
  let img: Judged;
  beforeAll(async () => {
    const prefix = 'app/.pixi/envs/prod';
    img = await judgeImage('pixi', [
      { 'etc/os-release': 'ID=ubuntu\nVERSION_ID="24.04"\n' },
      {
        ...condaEnv(prefix, CONDA_FORGE_CUDA129, CUDA129_FILES(prefix, 'python3.13')),
        [`${prefix}/conda-meta/pixi`]: pixiEnvRecord('prod', ['__glibc >=2.28', '__cuda >=12']),
        'app/entrypoint.sh': '#!/bin/bash\nexport CONDA_PREFIX=/app/.pixi/envs/prod\nexport PIXI_ENVIRONMENT_NAME=prod\nexec "$@"\n',
      },
      { 'app/pixi.toml': PIXI_TOML_CUDA12.replace('cuda = "12"', 'cuda = "12.4"'), 'app/train.py': 'import torch\n' },
    ]);
  });

  test('the manifest declares cuda = "12.4": the highest declared minimum, above the env\'s __cuda >=12', () => {
    const declared = img.analysed.requirement.declaredCuda!;
    expect(declared.cuda).toBe('12.4');
    expect(declared.evidence.map((e) => e.path)).toEqual(['/app/pixi.toml']);
    const all = img.analysed.image.evidence.filter((e) => e.kind === 'cuda-system-requirement').map((e) => [e.path, e.cuda]);
    expect(all).toEqual([
      ['/app/.pixi/envs/prod/conda-meta/cuda-version-12.9-h4f385c5_3.json', '12'],
      ['/app/.pixi/envs/prod/conda-meta/pixi', '12'],
      ['/app/pixi.toml', '12.4'],
    ]);
  });

  test('the env itself is CUDA 12.9: the same verdicts as the conda image', () => {
    expect(img.analysed.requirement.minDriver).toBe('575.57.08');
    expect(img.codes('a100r535')).toContain('MINOR_VERSION_COMPAT');
    expect(img.verdict('b200r580')).toBe('pass');
    expect(img.codes('t4r470')).toContain('DRIVER_TOO_OLD');
  });
});
