/**
 * Whole images read with the seek path (uncompressed layers read by offset) and with --no-seek (every layer streamed)
 * must give the same analysis — evidence, requirement, findings, layers, bytes — all but the time it took. The image
 * layouts of the engine tests (python/conda/pixi stacks, the CUDA fixture, whiteouts, nvcc fatbins, NVIDIA's own
 * libraries when this machine has them, layers that end oddly) are written with uncompressed layers as an OCI layout,
 * an oci-archive and a Docker >= 25 docker-archive, and as a gzip layout (streamed either way); a real `docker save`
 * (legacy layout) of images built and loaded in dockerd too. Spies check which reader each layer went through.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyseImage, type AnalysedImage } from '../../src/engine/check';
import * as analyseModule from '../../src/layers/analyse-layer';
import * as analyseAtModule from '../../src/layers/analyse-layer-at';
import type { SeekReadStats } from '../../src/layers/analyse-layer-at';
import { loadMatrix } from '../../src/matrix/load';
import {
  CONDA_FORGE_CUDA129,
  condaRecord,
  condaRecordName,
  metadata,
  PIXI_TOML_CUDA12,
  pixiEnvRecord,
  TF_2161_BUILD_INFO,
  TORCH_240_CU121_METADATA,
  TORCH_240_CU121_VERSION_PY,
  TORCH_280_CU128_VERSION_PY,
} from '../evidence/python-stack-fixtures';
import { tarDirectory, writeDocker25Archive } from '../helpers/archives';
import { CUDA_FIXTURE } from '../helpers/cuda-fixture';
import { loadArchive, removeImages, run, saveImage, uniqueTag } from '../helpers/docker-cli';
import { describeWithEngines } from '../helpers/engines';
import { packLayer, type LayerSpec } from '../helpers/layer-tar';
import { OCI_CONFIG, OCI_MANIFEST, OciLayoutWriter, writeOciImage, type ImageSpec } from '../helpers/oci-layout';
import { base256, END, rawEntry } from '../helpers/raw-tar';
import { partSkippedUnless, testIf } from '../helpers/skip';
import { tempDir } from '../helpers/tmp';

const matrix = loadMatrix();
const ELF = '\u007fELF\u0002\u0001\u0001';
const FIXTURES = join(__dirname, '../fixtures/fatbin');
const fixture = (name: string) => readFileSync(join(FIXTURES, name));
const FATBIN_LIBS = Object.keys(JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')) as Record<string, unknown>);

const CUDA = '/usr/local/cuda';
const REAL_LIBS = ['libcupti.so.13', 'libcudart.so.13'].filter((l) => existsSync(join(CUDA, 'lib64', l)));
const DIST_INFOS = existsSync(join(CUDA, 'dist-info'))
  ? readdirSync(join(CUDA, 'dist-info')).filter((d) => /^nvidia_cuda_(runtime|cupti)-/.test(d) && existsSync(join(CUDA, 'dist-info', d, 'METADATA')))
  : [];
const ABSENT_LIBS = ['libcupti.so.13', 'libcudart.so.13'].filter((l) => !REAL_LIBS.includes(l));
// the images hold what is there: without the toolkit they are read both ways all the same, without NVIDIA's libraries
partSkippedUnless(
  ABSENT_LIBS.length === 0,
  `NVIDIA's ${ABSENT_LIBS.join(' and ')} in the images read both ways`,
  `absent from ${CUDA}/lib64 (no CUDA toolkit)`,
);
const testIfNvidia = testIf(REAL_LIBS.length > 0, `no NVIDIA libraries in ${CUDA}/lib64 (no CUDA toolkit)`);

// ---- the images ------------------------------------------------------------------------------------------------------

const SP = 'usr/local/lib/python3.11/site-packages';
const DEBIAN: LayerSpec = {
  'etc/os-release': 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n',
  'usr/lib/x86_64-linux-gnu/libc.so.6': ELF,
  'usr/local/bin/python3.11': ELF,
  'var/lib/dpkg/status': 'Package: libc6\nStatus: install ok installed\nVersion: 2.36-9\n\n',
};

function wheel(sp: string, distInfo: string, meta: string, files: Record<string, string> = {}): LayerSpec {
  const out: LayerSpec = { [`${sp}/${distInfo}/METADATA`]: meta, [`${sp}/${distInfo}/INSTALLER`]: 'pip\n' };
  for (const [rel, content] of Object.entries(files)) out[`${sp}/${rel}`] = content;
  return out;
}
const nvidiaWheel = (sp: string, name: string, version: string, libs: string[] = []): LayerSpec =>
  wheel(sp, `${name.replace(/-/g, '_')}-${version}.dist-info`, metadata(name, version), Object.fromEntries(libs.map((l) => [l, ELF])));

function condaEnv(prefix: string, files: LayerSpec = {}): LayerSpec {
  const out: LayerSpec = { [`${prefix}/conda-meta/history`]: '==> 2026-11-20 10:00:00 <==\n' };
  for (const r of CONDA_FORGE_CUDA129) out[`${prefix}/conda-meta/${condaRecordName(r)}`] = condaRecord(r);
  return { ...out, ...files };
}
const cuda129Files = (prefix: string): LayerSpec => ({
  [`${prefix}/targets/x86_64-linux/lib/libcudart.so.12.9.79`]: ELF,
  [`${prefix}/targets/x86_64-linux/lib/libcudart.so.12`]: { symlink: 'libcudart.so.12.9.79' },
  [`${prefix}/lib/libcudart.so.12`]: { symlink: '../targets/x86_64-linux/lib/libcudart.so.12' },
  [`${prefix}/lib/libcudnn.so.9.10.1`]: ELF,
  [`${prefix}/lib/python3.13/site-packages/torch-2.7.1.dist-info/METADATA`]: metadata('torch', '2.7.1', ['filelock']),
  [`${prefix}/lib/python3.13/site-packages/torch/version.py`]: TORCH_280_CU128_VERSION_PY.replace("'2.8.0+cu128'", "'2.7.1'").replace("'12.8'", "'12.9'"),
});

const whiteoutBase: LayerSpec = {
  'opt/cuda-12.8/lib/libcudart.so.12.8.90': 'elf',
  'opt/cuda-12.8/lib/libcudart.so.12': { symlink: 'libcudart.so.12.8.90' },
  'usr/local/cuda-11.8/lib64/libcudart.so.11.8.89': 'elf',
  'usr/local/cuda-11.8/version.txt': 'CUDA Version 11.8.89\n',
};

function realLibsLayer(): LayerSpec {
  const layer: LayerSpec = {};
  for (const lib of REAL_LIBS) layer[`usr/local/cuda-13.0/targets/x86_64-linux/lib/${lib}`] = readFileSync(join(CUDA, 'lib64', lib));
  if (REAL_LIBS.includes('libcudart.so.13')) layer['usr/local/cuda-13.0/targets/x86_64-linux/lib/libcudart.so'] = { symlink: 'libcudart.so.13' };
  for (const d of DIST_INFOS) layer[`usr/local/cuda-13.0/dist-info/${d}/METADATA`] = readFileSync(join(CUDA, 'dist-info', d, 'METADATA'));
  return layer;
}

const IMAGES: Record<string, ImageSpec> = {
  'cuda-fixture': CUDA_FIXTURE,
  'pip-torch-cu121': {
    env: { PATH: '/usr/local/bin:/usr/bin', PYTHON_VERSION: '3.11.10' },
    layers: [
      DEBIAN,
      {
        ...wheel(SP, 'torch-2.4.0+cu121.dist-info', TORCH_240_CU121_METADATA, {
          'torch/version.py': TORCH_240_CU121_VERSION_PY,
          'torch/lib/libtorch_cuda.so': ELF,
        }),
        ...nvidiaWheel(SP, 'nvidia-cuda-runtime-cu12', '12.1.105', ['nvidia/cuda_runtime/lib/libcudart.so.12']),
        ...nvidiaWheel(SP, 'nvidia-cudnn-cu12', '9.1.0.70', ['nvidia/cudnn/lib/libcudnn.so.9']),
        ...nvidiaWheel(SP, 'nvidia-cublas-cu12', '12.1.3.1', ['nvidia/cublas/lib/libcublas.so.12', 'nvidia/cublas/lib/libcublasLt.so.12']),
        ...wheel(SP, 'tensorflow-2.16.1.dist-info', metadata('tensorflow', '2.16.1', ['absl-py>=1.0.0']), {
          'tensorflow/python/platform/build_info.py': TF_2161_BUILD_INFO,
        }),
      },
    ],
  },
  'conda-cuda129': {
    env: { MAMBA_ROOT_PREFIX: '/opt/conda', ENV_NAME: 'base' },
    layers: [{ 'etc/os-release': 'ID=debian\n', 'bin/micromamba': ELF }, condaEnv('opt/conda', cuda129Files('opt/conda'))],
  },
  pixi: {
    layers: [
      { 'etc/os-release': 'ID=ubuntu\nVERSION_ID="24.04"\n' },
      {
        ...condaEnv('app/.pixi/envs/prod', cuda129Files('app/.pixi/envs/prod')),
        'app/.pixi/envs/prod/conda-meta/pixi': pixiEnvRecord('prod', ['__glibc >=2.28', '__cuda >=12']),
      },
      { 'app/pixi.toml': PIXI_TOML_CUDA12.replace('cuda = "12"', 'cuda = "12.4"'), 'app/train.py': 'import torch\n' },
    ],
  },
  whiteouts: {
    layers: [
      whiteoutBase,
      { 'opt/.wh.cuda-12.8': '' },
      { 'usr/local/cuda-11.8/lib64/.wh..wh..opq': '', 'usr/local/cuda-11.8/lib64/libcudart.so.11.8.89': 'elf again' },
      { 'usr/local/cuda-11.8/.wh.version.txt': '', 'usr/lib/libgone.so': { charDevice: [0, 0] } },
    ],
  },
  'nvcc-fatbins': {
    layers: [
      { 'usr/local/cuda-12.9/targets/x86_64-linux/lib/libcudart.so.12.9.79': 'elf' },
      {
        ...Object.fromEntries(FATBIN_LIBS.map((lib) => [`opt/app/lib/${lib}`, fixture(lib)])),
        'opt/app/filler.bin': Buffer.alloc(4 * 1024 * 1024, 0x42),
        'srv/copy/libsm90a-link.so': { hardlink: 'opt/app/lib/libsm90a.so' },
        'usr/local/bin/ptxapp': fixture('libptx_compute75.so'),
      },
      { 'opt/app/lib/.wh.libsass_sm80.so': '' },
    ],
  },
  ...(REAL_LIBS.length > 0 && { 'nvidia-libs': { env: { LD_LIBRARY_PATH: '/usr/local/cuda-13.0/targets/x86_64-linux/lib' }, layers: [realLibsLayer()] } }),
};

// ---- reading both ways, watching which reader each layer took ---------------------------------------------------------

interface Run {
  analysed: AnalysedImage;
  /** analyseLayer calls (streaming, including the seek reader's fallbacks) */
  streamed: number;
  /** one per analyseLayerAt call */
  seeks: SeekReadStats[];
}

const originalAt = analyseAtModule.analyseLayerAt;
const streamSpy = jest.spyOn(analyseModule, 'analyseLayer');
const seekSpy = jest.spyOn(analyseAtModule, 'analyseLayerAt');
let seeks: SeekReadStats[] = [];
seekSpy.mockImplementation((tar, layer, interest, limits, stats) => {
  const s = stats ?? { bytesRead: 0 };
  seeks.push(s);
  return originalAt(tar, layer, interest, limits, s);
});
afterAll(() => jest.restoreAllMocks());

async function read(source: string, seek: boolean, jobs?: number): Promise<Run> {
  streamSpy.mockClear();
  seeks = [];
  const analysed = await analyseImage(source, { matrix, seek, ...(jobs !== undefined && { jobs }) });
  return { analysed, streamed: streamSpy.mock.calls.length, seeks };
}

/** An analysis without its timing and how its bytes were read, the things two reads of the same image differ in. */
function timeless(a: AnalysedImage): AnalysedImage {
  const { byOffset: _byOffset, ...scan } = a.image.scan;
  return { ...a, image: { ...a.image, scan: { ...scan, seconds: 0 } } };
}

/** Reads `source` both ways; returns both runs after checking the analyses are the same. */
async function bothWays(source: string, jobs?: number): Promise<{ seek: Run; stream: Run }> {
  const seek = await read(source, true, jobs);
  const stream = await read(source, false, jobs);
  expect(timeless(seek.analysed)).toEqual(timeless(stream.analysed));
  expect(stream.seeks).toEqual([]);
  expect(stream.streamed).toBe(stream.analysed.image.layers.length);
  expect(stream.analysed.image.scan.byOffset).toBeUndefined();
  return { seek, stream };
}

/** Uncompressed layers: every one read by offset, none streamed, none handed back to the streaming reader. */
function expectAllSeeked(run: Run, layers: number): void {
  expect(run.streamed).toBe(0);
  expect(run.seeks).toHaveLength(layers);
  expect(run.seeks.map((s) => s.streamedBecause)).toEqual(Array(layers).fill(undefined));
  // and the report says so: every layer read by offset, with the bytes those reads took
  expect(run.analysed.image.scan.byOffset).toEqual({ layers, bytesRead: run.seeks.reduce((n, s) => n + s.bytesRead, 0) });
}

interface Written {
  sources: Record<string, string>;
  gzip: string;
  layers: number;
}

async function writeAll(name: string, spec: ImageSpec): Promise<Written> {
  const dir = tempDir(`cg-seek-${name}-`);
  const layout = join(dir, 'layout');
  await writeOciImage(layout, { ...spec, gzip: false }, name);
  await tarDirectory(layout, join(dir, 'oci.tar'));
  await writeDocker25Archive(layout, join(dir, 'docker25.tar'), `cg/${name}:1`);
  await writeOciImage(join(dir, 'gz'), { ...spec, gzip: true }, name);
  return {
    sources: {
      oci: `oci:${layout}:${name}`,
      'oci-archive': `oci-archive:${join(dir, 'oci.tar')}`,
      'docker-archive (Docker >= 25)': `docker-archive:${join(dir, 'docker25.tar')}`,
    },
    gzip: `oci:${join(dir, 'gz')}:${name}`,
    layers: spec.layers.length,
  };
}

// ---------------------------------------------------------------------------------------------------------------------

describe.each(Object.keys(IMAGES))('%s: seek and --no-seek give the same analysis', (name) => {
  let written: Written;
  beforeAll(async () => {
    written = await writeAll(name, IMAGES[name]);
  });

  test.each(['oci', 'oci-archive', 'docker-archive (Docker >= 25)'])('%s, uncompressed layers: every layer read by offset', async (kind) => {
    const { seek } = await bothWays(written.sources[kind]);
    expectAllSeeked(seek, written.layers);
    expect(seek.analysed.image.layers).toHaveLength(written.layers);
    expect(seek.analysed.image.evidence.length).toBeGreaterThan(0);
  });

  test('oci layout with gzip layers: streamed either way, the same analysis as the uncompressed one', async () => {
    const { seek, stream } = await bothWays(written.gzip);
    expect(seek.seeks).toEqual([]);
    expect(seek.streamed).toBe(written.layers);
    // and the uncompressed copy of the image says the same but for the blob digests the findings and evidence cite
    const plain = await read(written.sources.oci, true);
    const blobless = (a: AnalysedImage) => {
      const t = timeless(a);
      return JSON.parse(JSON.stringify({ ...t, image: { ...t.image, source: '' } }).replace(/sha256:[0-9a-f]{64}/g, 'sha256:…')) as unknown;
    };
    expect(blobless(plain.analysed)).toEqual(blobless(stream.analysed));
  });
});

describe('what the seek path actually read', () => {
  test('the nvcc fatbin image: GPU code found by offset, the 4 MiB filler body never read', async () => {
    const { sources } = await writeAll('nvcc-bytes', IMAGES['nvcc-fatbins']);
    const { seek } = await bothWays(sources.oci, 1);
    const gpu = seek.analysed.image.evidence.filter((e) => e.kind === 'gpu-code').map((e) => e.path);
    expect(gpu).toEqual(expect.arrayContaining(['/opt/app/lib/libmulti.so', '/srv/copy/libsm90a-link.so', '/usr/local/bin/ptxapp']));
    expect(gpu).not.toContain('/opt/app/lib/libsass_sm80.so');
    const read = seek.seeks.reduce((n, s) => n + s.bytesRead, 0);
    expect(read).toBeLessThan(seek.analysed.image.scan.bytesRead / 10);
  });

  testIfNvidia('NVIDIA libraries from /usr/local/cuda: the same GPU code and versions both ways', async () => {
    const { seek } = await bothWays((await writeAll('nvidia-bytes', IMAGES['nvidia-libs'])).sources['oci-archive'], 2);
    if (REAL_LIBS.includes('libcupti.so.13')) {
      expect(seek.analysed.image.evidence.some((e) => e.kind === 'gpu-code' && e.path?.endsWith('libcupti.so.13'))).toBe(true);
    }
    expect(seek.analysed.requirement.majors).toEqual([13]);
  });
});

// ---- layers that end oddly: the same answer, whichever reader takes them --------------------------------------------

/** An OCI layout whose layer blobs are exactly `blobs` (uncompressed tars or not), as an oci: source. */
function layoutOfBlobs(name: string, blobs: Buffer[]): string {
  const dir = tempDir(`cg-seek-blobs-${name}-`);
  const w = new OciLayoutWriter(dir);
  const layers = blobs.map((b) => w.blob(b, 'application/vnd.oci.image.layer.v1.tar'));
  const config = w.json(
    {
      architecture: 'amd64',
      os: 'linux',
      config: { Env: ['CUDA_VERSION=12.4.1'] },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
      history: blobs.map((_, i) => ({ created_by: `COPY layer${i} /` })),
    },
    OCI_CONFIG,
  );
  const manifest = w.json({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers }, OCI_MANIFEST);
  w.writeIndex([{ descriptor: { ...manifest, platform: { os: 'linux', architecture: 'amd64' } }, refName: name }]);
  return `oci:${dir}:${name}`;
}

describe('layers that end oddly (an oci layout of hand-made blobs)', () => {
  const CUDART = 'usr/local/cuda-12.4/lib64/libcudart.so.12.4.127';

  test('garbage or a second tar after the end marker, no marker at all, an empty blob: same analysis, all read by offset', async () => {
    const a = await packLayer({ [CUDART]: 'elf', 'usr/local/cuda-12.4/version.json': '{"cuda":{"version":"12.4.1"}}' });
    const b = await packLayer({ 'usr/local/cuda-12.8/lib64/libcudart.so.12.8.90': 'elf' });
    const noMarker = (await packLayer({ 'opt/x/libcudart.so.11.8.89': 'y'.repeat(700) })).subarray(0, -END.length);
    const blobs = [Buffer.concat([a, Buffer.from('trailing junk')]), Buffer.concat([b, a]), noMarker, Buffer.alloc(0)];
    const { seek } = await bothWays(layoutOfBlobs('odd', blobs));
    expectAllSeeked(seek, blobs.length);
    expect(seek.analysed.image.findings.map((f) => f.code)).toEqual(expect.arrayContaining(['LAYER_TRUNCATED']));
  });

  test('a layer cut mid-body: the same CORRUPT_LAYER error both ways (the seek path hands it to the streaming reader)', async () => {
    const whole = await packLayer({ [CUDART]: 'x'.repeat(3000) });
    const source = layoutOfBlobs('cut', [await packLayer({ 'etc/os-release': 'ID=debian\n' }), whole.subarray(0, 1500)]);
    const errorOf = (seek: boolean) =>
      analyseImage(source, { matrix, seek, jobs: 1 }).then(
        () => undefined,
        (e: Error & { code?: string }) => ({ code: e.code, message: e.message }),
      );
    streamSpy.mockClear();
    seeks = [];
    const withSeek = await errorOf(true);
    expect(seeks.some((s) => s.streamedBecause !== undefined)).toBe(true);
    expect(withSeek).toEqual(await errorOf(false));
    expect(withSeek).toMatchObject({ code: 'CORRUPT_LAYER' });
  });
});

/*
 * A divergence once found at the layer level, seen from the verdict: a char device whose devmajor field is base-256
 * with a bad lead byte was a whiteout to the streaming reader only (tar-stream decodes the field as null, once taken
 * for 0). Now neither reader deletes the file: an unreadable device number is no 0/0 whiteout.
 */
test('a junk-devmajor char device deletes nothing, with or without seeking', async () => {
  const whiteout = rawEntry({ name: 'opt/cuda-12.8/lib/libcudart.so.12.8.90', type: '3', devmajorField: base256(0, 8, 0x81), devminor: 0 });
  const source = layoutOfBlobs('devjunk', [await packLayer(whiteoutBase), Buffer.concat([whiteout, END])]);
  const seek = await analyseImage(source, { matrix, seek: true });
  const stream = await analyseImage(source, { matrix, seek: false });
  expect(seek.image.cuda).toEqual(stream.image.cuda);
  expect(seek.image.cuda?.runtime).toMatch(/^12\.8/);
});

// ---- docker save (legacy layout) from the real dockerd ----------------------------------------------------------------

describeWithEngines('a real `docker save` (legacy layout): seek and --no-seek agree', ['docker'], () => {
  const built = uniqueTag('seek-built');
  const loaded = uniqueTag('seek-loaded');
  const dir = tempDir('cg-seek-docker-');

  beforeAll(async () => {
    // an image built in dockerd: fatbin fixtures, NVIDIA libraries when present, symlinks, a version file, 3 layers
    const ctx = tempDir('cg-seek-ctx-');
    const put = (path: string, body: Buffer | string) => {
      mkdirSync(join(ctx, path, '..'), { recursive: true });
      writeFileSync(join(ctx, path), body);
    };
    for (const lib of FATBIN_LIBS) put(`l1/opt/app/lib/${lib}`, fixture(lib));
    put('l1/usr/local/cuda-12.9/version.json', '{"cuda":{"name":"CUDA SDK","version":"12.9.1"}}');
    put('l1/usr/local/cuda-12.9/targets/x86_64-linux/lib/libcudart.so.12.9.79', 'elf');
    put('l2/opt/filler.bin', Buffer.alloc(2 * 1024 * 1024, 0x33));
    for (const lib of REAL_LIBS) {
      mkdirSync(join(ctx, 'l3/usr/local/cuda-13.0/targets/x86_64-linux/lib'), { recursive: true });
      copyFileSync(join(CUDA, 'lib64', lib), join(ctx, 'l3/usr/local/cuda-13.0/targets/x86_64-linux/lib', lib));
    }
    put('l3/etc/hostname', 'seek\n');
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY l1/ /\nCOPY l2/ /\nENV CUDA_VERSION=12.9.1\nCOPY l3/ /\n');
    await run('docker', ['build', '-q', '-t', built, ctx], { DOCKER_BUILDKIT: '0' });
    await saveImage(built, join(dir, 'built.tar'));

    // the CUDA fixture (whiteouts, an opaque dir, hardlinks) loaded into dockerd and saved back: layers as dockerd writes them
    const layout = join(dir, 'fixture-layout');
    await writeOciImage(layout, CUDA_FIXTURE, 'fixture');
    await writeDocker25Archive(layout, join(dir, 'fixture-docker25.tar'), loaded);
    await loadArchive(join(dir, 'fixture-docker25.tar'));
    await saveImage(loaded, join(dir, 'loaded.tar'));
  }, 120_000);

  afterAll(() => removeImages(built, loaded));

  test.each([
    ['built in dockerd', 'built.tar', 3],
    ['the CUDA fixture, loaded and saved', 'loaded.tar', CUDA_FIXTURE.layers.length],
  ])('%s: the same analysis, every layer read by offset', async (_what, file, layers) => {
    const { seek } = await bothWays(`docker-archive:${join(dir, file)}`);
    expectAllSeeked(seek, layers as number);
  });
});
