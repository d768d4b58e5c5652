/**
 * Files of real Python/conda/pixi installs, as the research notes quote them (shared/research/python-conda-evidence.md):
 * METADATA of torch wheels (download.pytorch.org and PyPI), torch/version.py, TensorFlow's build_info.py, conda-meta
 * records written by conda and by pixi (rattler). Shared by the detector tests and the end-to-end image tests.
 */

const LINUX_X86 = 'platform_system == "Linux" and platform_machine == "x86_64"';

/** METADATA of a wheel: headers, a blank line, then a long description that must not be read as headers. */
export function metadata(name: string, version: string, requires: string[] = []): string {
  return [
    'Metadata-Version: 2.1',
    `Name: ${name}`,
    `Version: ${version}`,
    'Summary: fixture of a real wheel',
    'Requires-Python: >=3.8.0',
    ...requires.map((r) => `Requires-Dist: ${r}`),
    '',
    `# ${name}`,
    '',
    'Requires-Dist: nvidia-cuda-runtime-cu11==11.8.89',
    '',
  ].join('\n');
}

/** torch 2.4.0 from https://download.pytorch.org/whl/cu121: the +cu121 tag and the exact NVIDIA pins. */
export const TORCH_240_CU121_METADATA = metadata('torch', '2.4.0+cu121', [
  'filelock',
  'typing-extensions>=4.8.0',
  'sympy',
  'networkx',
  'jinja2',
  'fsspec',
  `nvidia-cuda-nvrtc-cu12==12.1.105; ${LINUX_X86}`,
  `nvidia-cuda-runtime-cu12==12.1.105; ${LINUX_X86}`,
  `nvidia-cuda-cupti-cu12==12.1.105; ${LINUX_X86}`,
  `nvidia-cudnn-cu12==9.1.0.70; ${LINUX_X86}`,
  `nvidia-cublas-cu12==12.1.3.1; ${LINUX_X86}`,
  `nvidia-cufft-cu12==11.0.2.54; ${LINUX_X86}`,
  `nvidia-curand-cu12==10.3.2.106; ${LINUX_X86}`,
  `nvidia-cusolver-cu12==11.4.5.107; ${LINUX_X86}`,
  `nvidia-cusparse-cu12==12.1.0.106; ${LINUX_X86}`,
  `nvidia-nccl-cu12==2.20.5; ${LINUX_X86}`,
  `nvidia-nvtx-cu12==12.1.105; ${LINUX_X86}`,
  `triton==3.0.0; platform_system == "Linux" and platform_machine == "x86_64" and python_version < "3.13"`,
  'opt-einsum>=3.3; extra == "opt-einsum"',
  'optree>=0.11.0; extra == "optree"',
]);

export const TORCH_240_CU121_VERSION_PY = `from typing import Optional

__all__ = ['__version__', 'debug', 'cuda', 'git_version', 'hip']
__version__ = '2.4.0+cu121'
debug = False
cuda: Optional[str] = '12.1'
git_version = 'e4ee3be4063b7c430974252fdf7db42273388d86'
hip: Optional[str] = None
`;

/** torch 2.8.0 from PyPI: no local tag in METADATA (stripped for the upload), but version.py keeps it. */
export const TORCH_280_PYPI_METADATA = metadata('torch', '2.8.0', [
  'filelock',
  'typing-extensions>=4.10.0',
  'setuptools; python_version >= "3.12"',
  'sympy>=1.13.3',
  'networkx',
  'jinja2',
  'fsspec',
  `nvidia-cuda-nvrtc-cu12==12.8.93; ${LINUX_X86}`,
  `nvidia-cuda-runtime-cu12==12.8.90; ${LINUX_X86}`,
  `nvidia-cuda-cupti-cu12==12.8.90; ${LINUX_X86}`,
  `nvidia-cudnn-cu12==9.10.2.21; ${LINUX_X86}`,
  `nvidia-cublas-cu12==12.8.4.1; ${LINUX_X86}`,
  `nvidia-cufft-cu12==11.3.3.83; ${LINUX_X86}`,
  `nvidia-curand-cu12==10.3.9.90; ${LINUX_X86}`,
  `nvidia-cusolver-cu12==11.7.3.90; ${LINUX_X86}`,
  `nvidia-cusparse-cu12==12.5.8.93; ${LINUX_X86}`,
  `nvidia-nccl-cu12==2.27.3; ${LINUX_X86}`,
  `nvidia-nvjitlink-cu12==12.8.93; ${LINUX_X86}`,
  `triton==3.4.0; ${LINUX_X86}`,
]);

export const TORCH_280_CU128_VERSION_PY = `from typing import Optional

__all__ = ['__version__', 'debug', 'cuda', 'git_version', 'hip', 'xpu']
__version__ = '2.8.0+cu128'
debug = False
cuda: Optional[str] = '12.8'
git_version = 'a1cb3cc05d46d198467bebbb6e8fba50a325d4e7'
hip: Optional[str] = None
xpu: Optional[str] = None
`;

/** torch 2.6.0 from PyPI, older parenthesised Requires-Dist spelling. */
export const TORCH_260_PYPI_METADATA = metadata('torch', '2.6.0', [
  'filelock',
  'nvidia-cuda-nvrtc-cu12 (==12.4.127) ; platform_system == "Linux" and platform_machine == "x86_64"',
  'nvidia-cuda-runtime-cu12 (==12.4.127) ; platform_system == "Linux" and platform_machine == "x86_64"',
  'nvidia-cudnn-cu12 (==9.1.0.70) ; platform_system == "Linux" and platform_machine == "x86_64"',
]);

/** torch 2.14.0+cu130: CUDA 13 builds pin NVIDIA's cuda-toolkit meta-wheel instead of per-library wheels. */
export const TORCH_2140_CU130_METADATA = metadata('torch', '2.14.0+cu130', [
  `cuda-toolkit[cublas,cudart,cufft,cufile,cupti,curand,cusolver,cusparse,nvjitlink,nvrtc,nvtx]==13.0.2; ${LINUX_X86}`,
  `cuda-bindings<14,>=13.0.3; ${LINUX_X86}`,
  `nvidia-cudnn-cu13==9.24.0.43; ${LINUX_X86}`,
  `nvidia-cusparselt-cu13==0.8.1; ${LINUX_X86}`,
  `nvidia-nccl-cu13==2.30.7; ${LINUX_X86}`,
  `nvidia-nvshmem-cu13==3.4.5; ${LINUX_X86}`,
  'triton~=3.8.0',
]);

export const TORCH_280_CPU_VERSION_PY = `from typing import Optional

__all__ = ['__version__', 'debug', 'cuda', 'git_version', 'hip', 'xpu']
__version__ = '2.8.0+cpu'
debug = False
cuda: Optional[str] = None
git_version = 'a1cb3cc05d46d198467bebbb6e8fba50a325d4e7'
hip: Optional[str] = None
xpu: Optional[str] = None
`;

/** torch 1.x wrote the field without a type annotation. */
export const TORCH_1121_VERSION_PY = `__version__ = '1.12.1+cu113'
debug = False
cuda = '11.3'
git_version = '664058fa83f1d8eede5d66418abff6e20bd76ca8'
hip = None
`;

/** TensorFlow 2.16.1's generated build_info.py (CUDA 12.3, cuDNN 8, SASS up to sm_80 plus compute_90 PTX). */
export const TF_2161_BUILD_INFO = `# Copyright 2020 The TensorFlow Authors. All Rights Reserved.
#
# Licensed under the Apache License, Version 2.0 (the "License");
# ==============================================================================
"""Auto-generated module providing information about the build."""
import collections

build_info = collections.OrderedDict([('cpu_compiler', '/usr/lib/llvm-17/bin/clang'), ('cuda_compute_capabilities', ['sm_50', 'sm_60', 'sm_70', 'sm_80', 'compute_90']), ('cuda_version', '12.3'), ('cudnn_version', '8'), ('is_cuda_build', True), ('is_rocm_build', False), ('is_tensorrt_build', True)])
`;

export const TF_CPU_BUILD_INFO = `"""Auto-generated module providing information about the build."""
import collections

build_info = collections.OrderedDict([('cpu_compiler', '/usr/lib/llvm-17/bin/clang'), ('is_cuda_build', False), ('is_rocm_build', False), ('is_tensorrt_build', False)])
`;

export const PADDLE_VERSION_PY = `# THIS FILE IS GENERATED FROM PADDLEPADDLE SETUP.PY
#
full_version    = '2.6.1'
major           = '2'
minor           = '6'
patch           = '1'
rc              = '0'
cuda_version    = '12.0'
cudnn_version   = '8.9.1'
xpu_version     = 'False'
istaged         = True
commit          = 'fbf852dd832bc0e63ae31cd4aa37defd829e4c03'
with_mkl        = 'ON'
`;

// ---- conda-meta records -----------------------------------------------------------------------------------

export interface CondaRecordSpec {
  name: string;
  version: string;
  build: string;
  buildNumber?: number;
  depends?: string[];
  constrains?: string[];
  subdir?: string;
  channel?: string;
  /** how many installed files to list (a big record is not read whole) */
  files?: number;
  /** rattler (pixi) writes paths_data and `files: []`; conda writes `files` and `requested_spec` */
  writer?: 'conda' | 'rattler';
}

/** The record file name conda and pixi give a package: `<name>-<version>-<build>.json`. */
export function condaRecordName(r: CondaRecordSpec): string {
  return `${r.name}-${r.version}-${r.build}.json`;
}

/** A conda-meta record with the fields conda / rattler write, keys in the order they write them. */
export function condaRecord(r: CondaRecordSpec): string {
  const channel = r.channel ?? 'https://conda.anaconda.org/conda-forge/';
  const subdir = r.subdir ?? 'linux-64';
  const fn = `${r.name}-${r.version}-${r.build}.conda`;
  const paths = Array.from({ length: r.files ?? 2 }, (_, i) => `lib/python3.13/site-packages/${r.name}/module_${i}/__init__.py`);
  const common = {
    build: r.build,
    build_number: r.buildNumber ?? Number(/_(\d+)$/.exec(r.build)?.[1] ?? 0),
    constrains: r.constrains ?? [],
    depends: r.depends ?? [],
    license: 'BSD-3-Clause',
    md5: '1c8b99e65a4423b1e4ac2e4c76fb0978',
    name: r.name,
    sha256: 'fd9104d73199040285b6a6ad56322b38af04828fabbac1f5a268a83509358425',
    size: 123456,
    subdir,
    timestamp: 1746000000000,
    version: r.version,
  };
  if (r.writer === 'conda') {
    return JSON.stringify(
      {
        ...common,
        channel,
        extracted_package_dir: `/opt/conda/pkgs/${r.name}-${r.version}-${r.build}`,
        files: paths,
        fn,
        link: { source: `/opt/conda/pkgs/${r.name}-${r.version}-${r.build}`, type: 1 },
        requested_spec: r.name,
        url: `${channel}${subdir}/${fn}`,
      },
      null,
      2,
    );
  }
  return JSON.stringify(
    {
      ...common,
      fn,
      url: `${channel}${subdir}/${fn}`,
      channel,
      files: [],
      paths_data: {
        paths_version: 1,
        paths: paths.map((p) => ({
          _path: p,
          path_type: 'hardlink',
          sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
          size_in_bytes: 100,
        })),
      },
      link: { source: `/home/user/.cache/rattler/cache/pkgs/${r.name}-${r.version}-${r.build}`, type: 1 },
    },
    null,
    2,
  );
}

/** conda-forge CUDA 12.9 env with pytorch 2.7.1 built for CUDA 12.9 (the Carpentries lesson's pixi env). */
export const CONDA_FORGE_CUDA129: CondaRecordSpec[] = [
  { name: 'cuda-version', version: '12.9', build: 'h4f385c5_3', subdir: 'noarch', constrains: ['cudatoolkit 12.9|12.9.*', '__cuda >=12'] },
  {
    name: 'cuda-cudart',
    version: '12.9.79',
    build: 'h5888daf_0',
    depends: ['__glibc >=2.17,<3.0.a0', 'cuda-cudart_linux-64 12.9.79 h3f2d84a_0', 'cuda-version >=12.9,<12.10.0a0', 'libgcc >=13', 'libstdcxx >=13'],
  },
  {
    name: 'cuda-nvrtc',
    version: '12.9.86',
    build: 'h5888daf_0',
    depends: ['__glibc >=2.17,<3.0.a0', 'cuda-version >=12.9,<12.10.0a0', 'libgcc >=13', 'libstdcxx >=13'],
  },
  {
    name: 'libcublas',
    version: '12.9.1.4',
    build: 'h9ab20c4_0',
    depends: ['__glibc >=2.17,<3.0.a0', 'cuda-nvrtc', 'cuda-version >=12.9,<12.10.0a0', 'libgcc >=13', 'libstdcxx >=13'],
  },
  {
    name: 'cudnn',
    version: '9.10.1.4',
    build: 'hbcb9cd8_1',
    depends: ['__glibc >=2.28,<3.0.a0', 'cuda-nvrtc', 'cuda-version >=12,<13.0a0', 'libcublas', 'libgcc >=13', 'libstdcxx >=13', 'libzlib >=1.3.1,<2.0a0'],
  },
  {
    name: 'nccl',
    version: '2.27.3.1',
    build: 'h03a54cd_0',
    depends: ['__glibc >=2.17,<3.0.a0', 'cuda-version >=12.0,<13.0a0', 'libgcc >=13', 'libstdcxx >=13'],
  },
  {
    name: 'libtorch',
    version: '2.7.1',
    build: 'cuda129_mkl_h9562ed8_304',
    depends: [
      '__cuda',
      '__glibc >=2.28,<3.0.a0',
      'cuda-cudart >=12.9.79,<13.0a0',
      'cuda-version >=12.9,<13',
      'cudnn >=9.10.1.4,<10.0a0',
      'libcublas >=12.9.1.4,<13.0a0',
      'nccl >=2.27.3.1,<3.0a0',
    ],
    files: 900,
  },
  {
    name: 'pytorch',
    version: '2.7.1',
    build: 'cuda129_mkl_py313_h1e53aa0_304',
    depends: ['__cuda', 'cuda-version >=12.9,<13', 'cudnn >=9.10.1.4,<10.0a0', 'libtorch 2.7.1 cuda129_mkl_h9562ed8_304', 'python >=3.13,<3.14.0a0'],
    files: 900,
  },
  { name: 'pytorch-gpu', version: '2.7.1', build: 'cuda129_mkl_h43a4b0b_304', depends: ['pytorch 2.7.1 cuda*_mkl*304'] },
  { name: 'python', version: '3.13.5', build: 'hec9711d_102_cp313', depends: ['__glibc >=2.17,<3.0.a0', 'libgcc >=13'] },
  { name: 'numpy', version: '2.3.1', build: 'py313h17eae1a_0', depends: ['__glibc >=2.17,<3.0.a0', 'libblas >=3.9.0,<4.0a0', 'python >=3.13,<3.14.0a0'] },
];

/** The pytorch channel's CUDA 11.8 build with anaconda's cudatoolkit 11.8 (conda-era pytorch images). */
export const PYTORCH_CHANNEL_CUDA118: CondaRecordSpec[] = [
  {
    name: 'pytorch',
    version: '2.0.1',
    build: 'py3.10_cuda11.8_cudnn8.7.0_0',
    channel: 'https://conda.anaconda.org/pytorch/',
    depends: [
      'blas * mkl',
      'filelock',
      'jinja2',
      'mkl >=2018',
      'networkx',
      'python >=3.10,<3.11.0a0',
      'pytorch-cuda >=11.8,<11.9',
      'pytorch-mutex 1.0 cuda',
      'sympy',
      'torchtriton 2.0.0',
      'typing_extensions',
    ],
    writer: 'conda',
    files: 900,
  },
  { name: 'pytorch-mutex', version: '1.0', build: 'cuda', subdir: 'noarch', channel: 'https://conda.anaconda.org/pytorch/', writer: 'conda' },
  { name: 'cudatoolkit', version: '11.8.0', build: 'h6a678d5_0', channel: 'https://repo.anaconda.com/pkgs/main/', writer: 'conda', files: 40 },
  { name: 'python', version: '3.10.12', build: 'h955ad1f_0', channel: 'https://repo.anaconda.com/pkgs/main/', writer: 'conda' },
];

/** pixi's environment record (`<env>/conda-meta/pixi`), newer pixi with the declared minimum platform. */
export function pixiEnvRecord(env: string, requirements: string[] = []): string {
  return JSON.stringify({
    manifest_path: '/app/pixi.toml',
    environment_name: env,
    pixi_version: '0.48.2',
    environment_lock_file_hash: '4f36ee620f10329d',
    resolved_platform: { subdir: 'linux-64', virtual_packages: ['__unix=0=0', '__linux=6.8.0=0', '__glibc=2.39=0', '__cuda=12.9=0'] },
    ...(requirements.length && { minimum_supported_platform: { subdir: 'linux-64', requirements } }),
  });
}

export const PIXI_TOML_CUDA12 = `[workspace]
name = "train"
channels = ["conda-forge"]
platforms = ["linux-64"]

[system-requirements]
cuda = "12"  # the driver must report CUDA 12 or newer

[dependencies]
python = "3.13.*"
cuda-version = "12.9.*"
pytorch-gpu = ">=2.7.1,<3"

[feature.prod.dependencies]
gunicorn = "*"

[environments]
prod = ["prod"]
`;

export const PYPROJECT_PIXI_FEATURE = `[project]
name = "serve"
version = "0.1.0"
description = """
A service. The next line is not TOML:
cuda = "99"
"""
dependencies = ["fastapi"]

[tool.pixi.workspace]
channels = ["conda-forge"]
platforms = ["linux-64"]

[tool.pixi.feature.gpu.system-requirements]
cuda = "12.4"

[tool.pixi.feature.cpu.dependencies]
pytorch-cpu = "*"

[tool.pixi.environments]
gpu = ["gpu"]
`;
