/**
 * Real nvcc 13.0 libraries inside an OCI image, read end to end: the layer scan finds their fatbins, the evidence
 * names each binary, the requirement sums up the image's GPU code, the verdicts judge it per target GPU, and the
 * report carries it (JSON contract, text, markdown).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyseImage, checkImages } from '../../src/engine/check';
import { loadMatrix } from '../../src/matrix/load';
import { md } from '../../src/report/escape';
import { renderMarkdown } from '../../src/report/markdown';
import { renderText } from '../../src/report/text';
import { adHocTarget } from '../../src/targets/load';
import { DEFAULT_POLICY } from '../../src/model/policy';
import { judge } from '../../src/verdict/judge';
import type { LayerSpec } from '../helpers/layer-tar';
import { writeOciImage } from '../helpers/oci-layout';
import { tempDir } from '../helpers/tmp';

const matrix = loadMatrix();
const fixture = (name: string) => readFileSync(join(__dirname, '../fixtures/fatbin', name));

// a CUDA 13.0 runtime, where ld.so finds it as NVIDIA's images arrange it: the nvcc 13.0 libraries below link
// libcudart.so.13 (without it they could not load at all: CUDA_LIBRARY_MISSING)
const base: LayerSpec = {
  'usr/local/cuda-13.0/targets/x86_64-linux/lib/libcudart.so.13.0.48': 'elf',
  'usr/local/cuda-13.0/targets/x86_64-linux/lib/libcudart.so.13': { symlink: 'libcudart.so.13.0.48' },
  'etc/ld.so.conf.d/000_cuda.conf': '/usr/local/cuda-13.0/targets/x86_64-linux/lib\n',
};
const app: LayerSpec = {
  'opt/app/lib/libmulti.so': fixture('libmulti.so'),
  'opt/app/lib/libsm80.so': fixture('libsass_sm80.so'),
  'opt/app/lib/libsm90a.so': fixture('libsm90a.so'),
  'srv/copy/libsm90a-link.so': { hardlink: 'opt/app/lib/libsm90a.so' },
  'usr/local/bin/ptxapp': fixture('libptx_compute75.so'),
  'opt/app/README': 'not a binary',
};
const cleanup: LayerSpec = { 'opt/app/lib/.wh.libsm80.so': '' };

async function image(layers: LayerSpec[], name: string) {
  const dir = tempDir('cg-gpu-');
  await writeOciImage(dir, { layers }, name);
  return `oci:${dir}:${name}`;
}

describe('GPU code read from an image', () => {
  let source: string;
  beforeAll(async () => {
    source = await image([base, app, cleanup], 'gpu');
  });

  test('each binary with device code is evidence; the whited-out one is gone, the hardlinked copy counts', async () => {
    const { image: img } = await analyseImage(source, { matrix });
    const gpu = img.evidence.filter((e) => e.kind === 'gpu-code');
    expect(gpu.map((e) => [e.path, e.gpuArchs?.sass, e.gpuArchs?.ptx, e.ptxIsa])).toEqual([
      ['/opt/app/lib/libmulti.so', ['sm_75', 'sm_80', 'sm_86', 'sm_90', 'sm_100', 'sm_120'], ['compute_120'], ['9.0']],
      ['/opt/app/lib/libsm90a.so', ['sm_90a'], [], undefined],
      ['/srv/copy/libsm90a-link.so', ['sm_90a'], [], undefined],
      ['/usr/local/bin/ptxapp', [], ['compute_75'], ['9.0']],
    ]);
    expect(gpu[0]).toMatchObject({ layerIndex: 1, instruction: 'COPY layer1 /', layer: expect.stringMatching(/^sha256:/), confidence: 'exact' });
  });

  test('requirement.gpuCode in the JSON report: the union, per-binary detail, and the driver PTX JIT needs', async () => {
    const { image: img, requirement } = await analyseImage(source, { matrix });
    expect(img.requirement.gpuCode).toEqual({
      sass: ['sm_75', 'sm_80', 'sm_86', 'sm_90', 'sm_90a', 'sm_100', 'sm_120'],
      ptx: ['compute_75', 'compute_120'],
      binaries: [
        {
          path: '/opt/app/lib/libmulti.so',
          layerIndex: 1,
          instruction: 'COPY layer1 /',
          sass: ['sm_75', 'sm_80', 'sm_86', 'sm_90', 'sm_100', 'sm_120'],
          ptx: ['compute_120'],
          ptxIsa: ['9.0'],
          source: 'fatbin',
        },
        { path: '/opt/app/lib/libsm90a.so', layerIndex: 1, instruction: 'COPY layer1 /', sass: ['sm_90a'], ptx: [], source: 'fatbin' },
        { path: '/srv/copy/libsm90a-link.so', layerIndex: 1, instruction: 'COPY layer1 /', sass: ['sm_90a'], ptx: [], source: 'fatbin' },
        { path: '/usr/local/bin/ptxapp', layerIndex: 1, instruction: 'COPY layer1 /', sass: [], ptx: ['compute_75'], ptxIsa: ['9.0'], source: 'fatbin' },
      ],
      ptxJit: { isa: '9.0', cuda: '13.0', minDriver: '580.65.06' },
    });
    // the JSON form survives a round trip unchanged
    expect(JSON.parse(JSON.stringify(img.requirement.gpuCode))).toEqual(img.requirement.gpuCode);
    expect(requirement.runtime?.version).toBe('13.0.48');
  });

  test('verdicts per GPU: sm_90a only on Hopper, PTX JIT where only PTX covers, and the driver that JIT needs', async () => {
    const { requirement } = await analyseImage(source, { matrix });
    const on = (gpu: string, driver = '580.95.05') => {
      const r = judge({ image: source, requirement, target: adHocTarget({ driver, gpu }, matrix), policy: DEFAULT_POLICY }, matrix);
      return { verdict: r.verdict, codes: r.reasons.map((x) => x.code).filter((c) => c !== 'DRIVER_BRANCH_EOL') };
    };
    expect(on('H100')).toEqual({ verdict: 'caveat', codes: ['PTX_JIT'] }); // ptxapp has only compute_75
    expect(on('A100')).toEqual({ verdict: 'fail', codes: ['NO_KERNEL_FOR_GPU', 'PTX_JIT'] }); // libsm90a
    // R575 reports CUDA 12.9: the CUDA 13.0 runtime itself is refused, and its PTX could not be JIT-compiled either
    expect(on('T4', '575.57.08')).toEqual({ verdict: 'fail', codes: ['DRIVER_TOO_OLD', 'NO_KERNEL_FOR_GPU', 'PTX_JIT_NEEDS_NEWER_DRIVER'] });
    // CUDA 13 dropped Volta: the toolkit itself is the first reason
    expect(on('V100')).toEqual({ verdict: 'fail', codes: ['GPU_UNSUPPORTED_BY_TOOLKIT'] });
  });

  test('text and markdown show one GPU code line per image', async () => {
    const report = await checkImages({
      sources: [source],
      targets: [adHocTarget({ driver: '580.95.05', gpu: 'H100' }, matrix)],
      policy: DEFAULT_POLICY,
      matrix,
    });
    const line = 'SASS sm_75, sm_80, sm_86, sm_90, sm_90a, sm_100, sm_120 · PTX compute_75, compute_120 (4 binaries); JIT of its PTX needs driver >= 580.65.06';
    // text wraps long lines
    expect(renderText(report).replace(/\s+/g, ' ')).toContain(`GPU code: ${line}`);
    const markdown = renderMarkdown(report);
    expect(markdown).toContain(`**GPU code:** ${md(line)}`);
    // each binary's targets in the evidence table
    expect(markdown).toContain(`| gpu-code | ${md('sm_75, sm_80, sm_86, sm_90, sm_100, sm_120 · compute_120')} | <code>/opt/app/lib/libmulti.so</code>`);
  });
});

describe('each nvcc fixture in its own image, against the GPUs of the catalogue', () => {
  const GPUS = ['T4', 'A100', 'A10', 'L4', 'H100', 'B200', 'RTX 5090'];
  const NK = 'NO_KERNEL_FOR_GPU';
  test.each([
    // SASS runs within its major only: sm_80 on 8.0, 8.6, 8.9, never on 7.5, 9.0, 10.0, 12.0
    ['libsass_sm80.so', '580.95.05', [NK, '', '', '', NK, NK, NK]],
    ['libsm90a.so', '580.95.05', [NK, NK, NK, NK, '', NK, NK]],
    ['libmulti.so', '580.95.05', ['', '', '', '', '', '', '']],
    ['libptx_compute75.so', '580.95.05', ['PTX_JIT', 'PTX_JIT', 'PTX_JIT', 'PTX_JIT', 'PTX_JIT', 'PTX_JIT', 'PTX_JIT']],
    // CUDA 12.9's driver cannot JIT PTX ISA 9.0 (B200 and RTX 5090 need R570+, which 575 is)
    // and the CUDA 13 runtime they link refuses R575 at initialisation (DRIVER_TOO_OLD) before any kernel
    ['libptx_compute75.so', '575.57.08', Array(7).fill('DRIVER_TOO_OLD,PTX_JIT_NEEDS_NEWER_DRIVER')],
    [
      'libsass80_ptx90.so',
      '575.57.08',
      [
        `DRIVER_TOO_OLD,${NK}`,
        'DRIVER_TOO_OLD',
        'DRIVER_TOO_OLD',
        'DRIVER_TOO_OLD',
        'DRIVER_TOO_OLD,PTX_JIT_NEEDS_NEWER_DRIVER',
        'DRIVER_TOO_OLD,PTX_JIT_NEEDS_NEWER_DRIVER',
        'DRIVER_TOO_OLD,PTX_JIT_NEEDS_NEWER_DRIVER',
      ],
    ],
  ])('%s on driver %s', async (lib, driver, want) => {
    // the CUDA 13 runtime the nvcc 13.0 libraries link (DT_NEEDED libcudart.so.13), where ld.so finds it: without it
    // they cannot load at all (CUDA_LIBRARY_MISSING), which is not what this table is about
    const source = await image([{ [`usr/local/lib/${lib}`]: fixture(lib), 'usr/lib/libcudart.so.13': 'elf' }], lib.replace(/\W/g, '-'));
    const { requirement } = await analyseImage(source, { matrix });
    // R575 is past its end of life: the informational DRIVER_BRANCH_EOL is left out, these are GPU-code verdicts
    const got = GPUS.map((gpu) =>
      judge({ image: source, requirement, target: adHocTarget({ driver, gpu }, matrix), policy: DEFAULT_POLICY }, matrix)
        .reasons.map((r) => r.code)
        .filter((c) => c !== 'DRIVER_BRANCH_EOL')
        .join(','),
    );
    expect(Object.fromEntries(GPUS.map((g, i) => [g, got[i]]))).toEqual(Object.fromEntries(GPUS.map((g, i) => [g, want[i]])));
  });
});

describe('images without device code', () => {
  test('no gpuCode, no GPU reasons — nothing is known, so nothing is said', async () => {
    const source = await image([base, { 'opt/app/libplain.so': Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46]), Buffer.alloc(5000)]) }], 'plain');
    const { image: img, requirement } = await analyseImage(source, { matrix });
    expect(img.requirement.gpuCode).toBeUndefined();
    expect(img.evidence.some((e) => e.kind === 'gpu-code')).toBe(false);
    const r = judge({ image: source, requirement, target: adHocTarget({ driver: '580.95.05', gpu: 'B200' }, matrix), policy: DEFAULT_POLICY }, matrix);
    expect(r.verdict).toBe('pass');
  });

  test('a CUDA 13 runtime on a V100 fails on the toolkit alone', async () => {
    const source = await image([{ 'usr/local/cuda-13.0/targets/x86_64-linux/lib/libcudart.so.13.0.48': 'elf' }], 'cuda13');
    const { requirement } = await analyseImage(source, { matrix });
    const r = judge({ image: source, requirement, target: adHocTarget({ driver: '580.95.05', gpu: 'V100' }, matrix), policy: DEFAULT_POLICY }, matrix);
    expect(r.reasons.map((x) => [x.code, x.verdict])).toEqual([['GPU_UNSUPPORTED_BY_TOOLKIT', 'fail']]);
  });
});
