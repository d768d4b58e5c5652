// Writes examples/images/cuda12.4-app.tar: a small docker-archive (legacy `docker save` layout) laid out like an
// image built FROM nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04 — NVIDIA's env, dpkg database, library names and
// symlinks — with tiny placeholder bodies so it can be committed. `npm run demo` checks it.
// Re-run: node scripts/make-example.mjs   (deterministic: fixed mtimes, sorted entries)
import { createHash } from 'node:crypto';
import { writeFileSync, mkdirSync } from 'node:fs';
import tarStream from 'tar-stream';

const MTIME = new Date('2024-04-01T00:00:00Z');

function tarOf(entries) {
  return new Promise((resolve, reject) => {
    const pack = tarStream.pack();
    const chunks = [];
    pack.on('data', (c) => chunks.push(c));
    pack.on('end', () => resolve(Buffer.concat(chunks)));
    pack.on('error', reject);
    for (const e of entries) {
      if (e.dir) pack.entry({ name: e.name, type: 'directory', mode: 0o755, mtime: MTIME });
      else if (e.link) pack.entry({ name: e.name, type: 'symlink', linkname: e.link, mode: 0o777, mtime: MTIME });
      else pack.entry({ name: e.name, mode: 0o644, mtime: MTIME }, Buffer.from(e.body ?? ''));
    }
    pack.finalize();
  });
}

const sha = (b) => createHash('sha256').update(b).digest('hex');
const elfStub = (what) => `\x7fELF placeholder for ${what}\n`;

const REQUIRE_12_4 = [
  'cuda>=12.4',
  ...[470, 525, 535].flatMap((d) =>
    ['tesla', 'unknown', 'nvidia', 'nvidiartx', 'geforce', 'geforcertx', 'quadro', 'quadrortx', 'titan', 'titanrtx'].map(
      (b) => `brand=${b},driver>=${d},driver<${d + 1}`,
    ),
  ),
].join(' ');

const dpkgStanza = (pkg, version, extra = '') =>
  `Package: ${pkg}\nStatus: install ok installed\nPriority: optional\nSection: devel\nArchitecture: amd64\nVersion: ${version}\n${extra}Description: ${pkg}\n`;

const dpkgStatus = [
  dpkgStanza('libc6', '2.35-0ubuntu3.7'),
  dpkgStanza('cuda-cudart-12-4', '12.4.127-1'),
  dpkgStanza('cuda-compat-12-4', '550.54.15-1'),
  dpkgStanza('cuda-toolkit-config-common', '12.4.127-1'),
  dpkgStanza('libcublas-12-4', '12.4.5.8-1'),
  dpkgStanza('libnccl2', '2.21.5-1+cuda12.4'),
  dpkgStanza('libcudnn9-cuda-12', '9.1.0.70-1'),
].join('\n');

const lib = 'usr/local/cuda-12.4/targets/x86_64-linux/lib';
const layers = [
  {
    createdBy: '/bin/sh -c apt-get update && apt-get install -y --no-install-recommends cuda-cudart-12-4=${NV_CUDA_CUDART_VERSION} cuda-compat-12-4',
    entries: [
      { name: 'etc/', dir: true },
      { name: 'etc/alternatives/', dir: true },
      { name: 'etc/alternatives/cuda', link: '/usr/local/cuda-12.4' },
      { name: 'usr/', dir: true },
      { name: 'usr/local/', dir: true },
      { name: 'usr/local/cuda', link: '/etc/alternatives/cuda' },
      { name: 'usr/local/cuda-12.4/', dir: true },
      { name: 'usr/local/cuda-12.4/lib64', link: 'targets/x86_64-linux/lib' },
      { name: 'usr/local/cuda-12.4/compat/', dir: true },
      { name: 'usr/local/cuda-12.4/compat/libcuda.so.550.54.15', body: elfStub('libcuda 550.54.15 (forward compat)') },
      { name: 'usr/local/cuda-12.4/compat/libcuda.so.1', link: 'libcuda.so.550.54.15' },
      { name: `${lib}/`, dir: true },
      { name: `${lib}/libcudart.so.12.4.127`, body: elfStub('libcudart 12.4.127') },
      { name: `${lib}/libcudart.so.12`, link: 'libcudart.so.12.4.127' },
      { name: 'var/', dir: true },
      { name: 'var/lib/', dir: true },
      { name: 'var/lib/dpkg/', dir: true },
      { name: 'var/lib/dpkg/status', body: dpkgStatus },
    ],
  },
  {
    createdBy: '/bin/sh -c apt-get install -y --no-install-recommends libcublas-12-4=${NV_LIBCUBLAS_VERSION} ${NV_LIBNCCL_PACKAGE}',
    entries: [
      { name: `${lib}/libcublas.so.12.4.5.8`, body: elfStub('libcublas 12.4.5.8') },
      { name: `${lib}/libcublas.so.12`, link: 'libcublas.so.12.4.5.8' },
      { name: `${lib}/libcublasLt.so.12.4.5.8`, body: elfStub('libcublasLt 12.4.5.8') },
      { name: `${lib}/libcublasLt.so.12`, link: 'libcublasLt.so.12.4.5.8' },
      { name: 'usr/lib/x86_64-linux-gnu/libnccl.so.2.21.5', body: elfStub('libnccl 2.21.5') },
      { name: 'usr/lib/x86_64-linux-gnu/libnccl.so.2', link: 'libnccl.so.2.21.5' },
    ],
  },
  {
    createdBy: '/bin/sh -c apt-get install -y --no-install-recommends ${NV_CUDNN_PACKAGE}',
    entries: [
      { name: 'usr/lib/x86_64-linux-gnu/libcudnn.so.9.1.0', body: elfStub('libcudnn 9.1.0') },
      { name: 'usr/lib/x86_64-linux-gnu/libcudnn.so.9', link: 'libcudnn.so.9.1.0' },
    ],
  },
  {
    createdBy: '/bin/sh -c #(nop) COPY dir:4f1e0b2c in /app ',
    entries: [
      { name: 'app/', dir: true },
      { name: 'app/serve.py', body: 'import torch\nprint(torch.cuda.is_available())\n' },
    ],
  },
];

const env = [
  'PATH=/usr/local/nvidia/bin:/usr/local/cuda/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  'NVARCH=x86_64',
  `NVIDIA_REQUIRE_CUDA=${REQUIRE_12_4}`,
  'NV_CUDA_CUDART_VERSION=12.4.127-1',
  'NV_CUDA_COMPAT_PACKAGE=cuda-compat-12-4',
  'CUDA_VERSION=12.4.1',
  'LD_LIBRARY_PATH=/usr/local/nvidia/lib:/usr/local/nvidia/lib64',
  'NVIDIA_VISIBLE_DEVICES=all',
  'NVIDIA_DRIVER_CAPABILITIES=compute,utility',
  'NV_CUDA_LIB_VERSION=12.4.1-1',
  'NV_LIBCUBLAS_PACKAGE_NAME=libcublas-12-4',
  'NV_LIBCUBLAS_VERSION=12.4.5.8-1',
  'NV_LIBNCCL_PACKAGE_NAME=libnccl2',
  'NV_LIBNCCL_PACKAGE_VERSION=2.21.5-1',
  'NCCL_VERSION=2.21.5-1',
  'NV_LIBNCCL_PACKAGE=libnccl2=2.21.5-1+cuda12.4',
  'NV_CUDNN_VERSION=9.1.0.70-1',
  'NV_CUDNN_PACKAGE_NAME=libcudnn9-cuda-12',
  'NV_CUDNN_PACKAGE=libcudnn9-cuda-12=9.1.0.70-1',
];

const nop = (s) => ({ created: MTIME.toISOString(), created_by: `/bin/sh -c #(nop) ${s}`, empty_layer: true });
const layerTars = await Promise.all(layers.map((l) => tarOf(l.entries)));
const diffIds = layerTars.map((t) => `sha256:${sha(t)}`);
const config = {
  architecture: 'amd64',
  os: 'linux',
  config: {
    Env: env,
    Cmd: ['python3', '/app/serve.py'],
    Labels: { maintainer: 'NVIDIA CORPORATION <cudatools@nvidia.com>', 'com.nvidia.cudnn.version': '9.1.0.70-1' },
  },
  rootfs: { type: 'layers', diff_ids: diffIds },
  history: [
    nop('ENV NVARCH=x86_64'),
    nop(`ENV NVIDIA_REQUIRE_CUDA=${REQUIRE_12_4.slice(0, 40)}…`),
    nop('ENV CUDA_VERSION=12.4.1'),
    { created: MTIME.toISOString(), created_by: layers[0].createdBy },
    { created: MTIME.toISOString(), created_by: layers[1].createdBy },
    nop('LABEL com.nvidia.cudnn.version=9.1.0.70-1'),
    { created: MTIME.toISOString(), created_by: layers[2].createdBy },
    nop('WORKDIR /app'),
    { created: MTIME.toISOString(), created_by: layers[3].createdBy },
    nop('CMD ["python3" "/app/serve.py"]'),
  ],
};
const configJson = Buffer.from(JSON.stringify(config));
const configName = `${sha(configJson)}.json`;
const layerDirs = diffIds.map((d) => d.slice(7, 71));
const manifest = [{ Config: configName, RepoTags: ['example/cuda-app:12.4'], Layers: layerDirs.map((d) => `${d}/layer.tar`) }];

const outer = [
  ...layerDirs.flatMap((d, i) => [
    { name: `${d}/`, dir: true },
    { name: `${d}/VERSION`, body: '1.0' },
    { name: `${d}/json`, body: JSON.stringify({ id: d }) },
    { name: `${d}/layer.tar`, body: layerTars[i] },
  ]),
  { name: configName, body: configJson },
  { name: 'manifest.json', body: JSON.stringify(manifest) },
  { name: 'repositories', body: JSON.stringify({ 'example/cuda-app': { 12.4: layerDirs[layerDirs.length - 1] } }) },
];
mkdirSync('examples/images', { recursive: true });
writeFileSync('examples/images/cuda12.4-app.tar', await tarOf(outer));
console.log('wrote examples/images/cuda12.4-app.tar');
