/**
 * The fatbin scan inside analyseLayer: bodies stream through the scanner as they drain, the kept entry gets its
 * gpuCode, hardlinks inherit it after the merge, and a 1.5 GB shared object with a fatbin in its middle is read as a
 * stream (never in memory) and still yields the fatbin.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { analyseLayer } from '../../src/layers/analyse-layer';
import { mergeLayers } from '../../src/layers/merge';
import type { InterestFn, LayerResult } from '../../src/layers/types';
import { packLayer, type LayerSpec } from '../helpers/layer-tar';

const DIR = join(__dirname, '../fixtures/fatbin');
const fixture = (name: string) => readFileSync(join(DIR, name));
const scanSo: InterestFn = (path) => (path.endsWith('.so') || path.includes('.so.') ? { scan: 'fatbin' } : undefined);

async function analyse(spec: LayerSpec, digest = 'sha256:layer0', interest: InterestFn = scanSo): Promise<LayerResult> {
  return analyseLayer(Readable.from([await packLayer(spec)]), { digest }, interest);
}

const MULTI = {
  sass: ['sm_75', 'sm_80', 'sm_86', 'sm_90', 'sm_100', 'sm_120'],
  ptx: [{ arch: 'compute_120', isa: '9.0' }],
};

describe('fatbin scan while analysing a layer', () => {
  test('a scanned library gets its gpuCode; one without device code is kept without', async () => {
    const r = await analyse({
      'usr/lib/libmulti.so': fixture('libmulti.so'),
      'usr/lib/libplain.so.1': Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46]), Buffer.alloc(4000)]),
      'usr/lib/notes.so.txt': 'not a binary',
    });
    expect(r.entries).toEqual([
      {
        path: 'usr/lib/libmulti.so',
        type: 'file',
        size: fixture('libmulti.so').length,
        gpuCode: expect.objectContaining(MULTI),
        // the ELF dynamic section is read in passing (issue 16)
        dynamic: { needed: ['libcudart.so.13', 'libstdc++.so.6', 'libgcc_s.so.1', 'libc.so.6'], rpath: [], runpath: [] },
      },
      { path: 'usr/lib/libplain.so.1', type: 'file', size: 4004 },
      { path: 'usr/lib/notes.so.txt', type: 'file', size: 12 },
    ]);
  });

  test('content and scan can be asked together', async () => {
    const r = await analyse({ 'opt/libptx.so': fixture('libptx_compute75.so') }, 'sha256:l', () => ({ scan: 'fatbin', content: 4 }));
    expect(r.entries[0]).toMatchObject({ content: '\x7fELF', contentTruncated: true, gpuCode: { sass: [], ptx: [{ arch: 'compute_75', isa: '9.0' }] } });
  });

  test('a hardlink carries its target’s gpuCode after the merge, also once the target path is deleted', async () => {
    const lower = await analyse({
      'usr/lib/libsm90a.so': fixture('libsm90a.so'),
      'opt/app/libk.so': { hardlink: 'usr/lib/libsm90a.so' },
    });
    const upper = await analyse({ 'usr/lib/.wh.libsm90a.so': '' }, 'sha256:layer1');
    const view = mergeLayers([lower, upper], []);
    expect(view.get('usr/lib/libsm90a.so')).toBeUndefined();
    expect(view.get('opt/app/libk.so')).toMatchObject({ type: 'hardlink', gpuCode: { sass: ['sm_90a'], ptx: [] } });
  });

  test('a library replaced in an upper layer by one without device code loses its gpuCode', async () => {
    const lower = await analyse({ 'usr/lib/libk.so': fixture('libsass_sm80.so') });
    const upper = await analyse({ 'usr/lib/libk.so': Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46]), Buffer.alloc(100)]) }, 'sha256:layer1');
    expect(mergeLayers([lower, upper], []).get('usr/lib/libk.so')?.gpuCode).toBeUndefined();
  });
});

// ---- a 1.5 GB shared object, generated as a stream ------------------------------------------------------------

const MiB = 1024 * 1024;

/** A ustar header for one regular file (sizes up to 8 GiB fit the 11 octal digits). */
function tarHeader(name: string, size: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  h.write('00000000000\0', 136);
  h.write('        ', 148);
  h.write('0', 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

/** ELF header, `fillerMiB` of filler with `fatbinLib` spliced into the middle, then a small second file. */
function* hugeLayer(fatbinLib: Buffer, fillerMiB: number): Generator<Buffer> {
  // one pseudo-random MiB, reused: the stream never holds more than a chunk
  const filler = randomBytes(MiB);
  const elfHead = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(56)]);
  const size = elfHead.length + fillerMiB * MiB + fatbinLib.length;
  yield tarHeader('usr/lib/libhuge.so', size);
  yield elfHead;
  for (let i = 0; i < fillerMiB; i++) {
    if (i === fillerMiB / 2) yield fatbinLib;
    yield filler;
  }
  yield Buffer.alloc((512 - (size % 512)) % 512);
  const small = fixture('libsass_sm80.so');
  yield tarHeader('usr/lib/libsmall.so', small.length);
  yield Buffer.concat([small, Buffer.alloc((512 - (small.length % 512)) % 512)]);
  yield Buffer.alloc(1024);
}

test('a 1.5 GB shared object streamed through analyseLayer: the fatbin in its middle is found', async () => {
  const lib = fixture('libmulti.so');
  const started = Date.now();
  const r = await analyseLayer(Readable.from(hugeLayer(lib, 1536), { objectMode: false }), { digest: 'sha256:huge' }, scanSo);
  const seconds = (Date.now() - started) / 1000;
  expect(r.entries.map((e) => [e.path, e.gpuCode?.sass])).toEqual([
    ['usr/lib/libhuge.so', MULTI.sass],
    ['usr/lib/libsmall.so', ['sm_80']],
  ]);
  expect(r.entries[0].gpuCode).toMatchObject(MULTI);
  expect(r.tarBytes).toBeGreaterThan(1536 * MiB);
  // reported, not asserted: the time depends on the machine
  process.stdout.write(`1.5 GB layer scanned in ${seconds.toFixed(1)} s\n`);
}, 60_000);
