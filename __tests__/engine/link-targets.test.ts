/**
 * Names are not content: a CUDA library whose only real file has a name no detector asks for is still read under
 * every name the final filesystem gives it (engine/link-targets.ts). A CUDA 12.4 image passes on a 550 driver; the
 * same image with a CUDA 13 runtime behind an innocent-looking file must fail, wherever the link and file sit.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyseImage, checkImages } from '../../src/engine/check';
import { MAX_LINK_TARGETS } from '../../src/engine/link-targets';
import { loadMatrix } from '../../src/matrix/load';
import { DEFAULT_POLICY } from '../../src/model/policy';
import { adHocTarget } from '../../src/targets/load';
import type { LayerSpec } from '../helpers/layer-tar';
import { writeOciImage } from '../helpers/oci-layout';
import { tempDir } from '../helpers/tmp';

const matrix = loadMatrix();
const fixture = (name: string) => readFileSync(join(__dirname, '../fixtures/fatbin', name));
const LIB = 'usr/lib/x86_64-linux-gnu';
const cuda124: LayerSpec = {
  'usr/local/cuda-12.4/lib64/libcudart.so.12.4.127': 'elf',
  'usr/local/cuda-12.4/lib64/libcudart.so.12': { symlink: 'libcudart.so.12.4.127' },
};

async function verdictOf(layers: LayerSpec[]) {
  const dir = tempDir('cg-links-');
  await writeOciImage(dir, { layers, env: { CUDA_VERSION: '12.4.1' } }, 'x');
  const source = `oci:${dir}:x`;
  const report = await checkImages({
    sources: [source],
    targets: [adHocTarget({ driver: '550.54.15' }, matrix)],
    policy: DEFAULT_POLICY,
    matrix,
  });
  const runtimes = report.images[0].evidence.filter((e) => e.kind === 'cudart').map((e) => [e.path, e.version]);
  return { verdict: report.results[0].verdict, runtimes, scan: report.images[0].scan, layers: report.images[0].layers };
}

describe('a CUDA library reached only through a link to a file with another name', () => {
  test('the control: the CUDA 12.4 image passes on driver 550', async () => {
    expect((await verdictOf([cuda124])).verdict).toBe('pass');
  });

  test.each<[string, LayerSpec[]]>([
    ['a symlink in the same layer', [cuda124, { 'usr/share/misc/blob.dat': 'elf', [`${LIB}/libcudart.so.13`]: { symlink: '/usr/share/misc/blob.dat' } }]],
    [
      'a symlink in a layer above the file',
      [cuda124, { 'usr/share/misc/blob.dat': 'elf' }, { [`${LIB}/libcudart.so.13`]: { symlink: '../../share/misc/blob.dat' } }],
    ],
    ['a hardlink', [cuda124, { 'usr/share/misc/blob.dat': 'elf', [`${LIB}/libcudart.so.13`]: { hardlink: 'usr/share/misc/blob.dat' } }]],
    [
      'a chain through an uninteresting link and a linked directory',
      [
        cuda124,
        {
          'srv/data/blob.dat': 'elf',
          'srv/d': { symlink: '/srv/data' },
          'srv/x': { symlink: 'd/blob.dat' },
          [`${LIB}/libcudart.so.13`]: { symlink: '/srv/x' },
        },
      ],
    ],
    [
      'a symlink to a hardlink of the file',
      [cuda124, { 'srv/a.bin': 'elf', 'srv/b.bin': { hardlink: 'srv/a.bin' }, [`${LIB}/libcudart.so.13`]: { symlink: '/srv/b.bin' } }],
    ],
  ])('%s: the CUDA 13 runtime is found and the image fails', async (_, layers) => {
    const { verdict, runtimes } = await verdictOf(layers);
    // the evidence names the file that holds the bytes; its version comes from the link's name
    expect(runtimes.map(([, v]) => v).sort()).toEqual(['12.4.127', '13']);
    expect(verdict).toBe('fail');
  });

  test('device code behind such a link is read under the link name too', async () => {
    const dir = tempDir('cg-links-');
    await writeOciImage(dir, { layers: [{ 'srv/k.bin': fixture('libsass_sm80.so'), 'opt/app/lib/libk.so': { symlink: '/srv/k.bin' } }] }, 'x');
    const { image } = await analyseImage(`oci:${dir}:x`, { matrix });
    const gpu = image.evidence.filter((e) => e.kind === 'gpu-code').map((e) => [e.path, e.gpuArchs?.sass]);
    expect(gpu).toEqual([['/srv/k.bin', ['sm_80']]]);
  });

  test('an image whose links lead to interesting names is read once', async () => {
    const { scan, layers } = await verdictOf([cuda124, { [`${LIB}/libcudart.so.12`]: { symlink: '/usr/local/cuda-12.4/lib64/libcudart.so.12' } }]);
    expect(scan.bytesRead).toBe(layers.reduce((n, l) => n + l.bytes, 0));
  });

  test('a link to a missing file with an innocent name costs one more read and finds nothing', async () => {
    const { verdict, runtimes, scan, layers } = await verdictOf([cuda124, { [`${LIB}/libcudart.so.13`]: { symlink: '/nowhere/blob.dat' } }]);
    expect(runtimes.map(([, v]) => v)).toEqual(['12.4.127']);
    expect(verdict).toBe('pass');
    expect(scan.bytesRead).toBe(2 * layers.reduce((n, l) => n + l.bytes, 0));
  });
});

describe('links in bulk: bounded work, bounded findings', () => {
  test('30,000 links in one chain: each lookup stops after 40 hops, a few findings and one count, and the end of the chain is still read', async () => {
    const chain: LayerSpec = { 'srv/blob.dat': 'elf' };
    const n = 30_000;
    for (let i = 0; i < n; i++) chain[`${LIB}/libcudart.so.13.${i}`] = { symlink: i === n - 1 ? '/srv/blob.dat' : `libcudart.so.13.${i + 1}` };
    const dir = tempDir('cg-links-');
    await writeOciImage(dir, { layers: [chain] }, 'x');
    const { image } = await analyseImage(`oci:${dir}:x`, { matrix });
    const loops = image.findings.filter((f) => f.code === 'SYMLINK_LOOP');
    expect(loops.length).toBe(11);
    expect(loops[10].message).toMatch(/^29950 more paths do not resolve/);
    // the last 40 links reach the blob within 40 hops: it is read under their names
    expect(image.evidence.filter((e) => e.kind === 'cudart').map((e) => [e.path, e.version])).toEqual([['/srv/blob.dat', '13']]);
  });

  test('more link targets than the limit: the rest is a LIMIT finding, so the verdict is SCAN_INCOMPLETE, not a pass', async () => {
    const spec: LayerSpec = {};
    for (let i = 0; i <= MAX_LINK_TARGETS; i++) spec[`${LIB}/libcudart.so.12.${i}`] = { symlink: `/data/f${i}` };
    const { verdict, findings } = await (async () => {
      const dir = tempDir('cg-links-');
      await writeOciImage(dir, { layers: [cuda124, spec], env: { CUDA_VERSION: '12.4.1' } }, 'x');
      const report = await checkImages({ sources: [`oci:${dir}:x`], targets: [adHocTarget({ driver: '550.54.15' }, matrix)], policy: DEFAULT_POLICY, matrix });
      return { verdict: report.results[0].verdict, findings: report.images[0].findings };
    })();
    expect(findings.find((f) => f.code === 'LIMIT_LINK_TARGETS')?.message).toMatch(/^1 more links lead to files/);
    expect(verdict).toBe('fail');
  });
});

test('a target kept by its own name with less than the link asks (name only) is read again with the link’s interest', async () => {
  // /srv/release is kept by name only (an app root's extensionless file, too small to scan); the link's name asks for
  // its text
  const json = JSON.stringify({ cuda: { name: 'CUDA SDK', version: '13.0.1' }, cuda_cudart: { name: 'CUDA Runtime (cudart)', version: '13.0.96' } });
  const { verdict } = await verdictOf([cuda124, { 'srv/release': json, 'usr/local/cuda/version.json': { symlink: '/srv/release' } }]);
  expect(verdict).toBe('fail');
});
