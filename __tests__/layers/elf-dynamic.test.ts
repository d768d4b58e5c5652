/**
 * Issue 16: the ELF dynamic section (DT_NEEDED, DT_SONAME, DT_RPATH, DT_RUNPATH) of every scanned binary, on the seek
 * and the streaming path alike, equal to what GNU readelf read (fixtures/loader/expected.json); and only what the
 * CUDA runtime registers counts as launchable device code — relocatable code in __nv_relfatbin is kept apart.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { analyseLayer } from '../../src/layers/analyse-layer';
import { analyseLayerAt, type SeekReadStats } from '../../src/layers/analyse-layer-at';
import { ElfStream, dynamicAt } from '../../src/layers/elf';
import { BinaryScanner } from '../../src/layers/fatbin-scan';
import { scanBinaryAt, type ReadAt } from '../../src/layers/fatbin-seek';
import { mergeLayers } from '../../src/layers/merge';
import { LayerResultSchema } from '../../src/cache/shapes';
import type { DynamicInfo, InterestFn, LayerEntry, LayerResult } from '../../src/layers/types';
import type { SeekableTar } from '../../src/sources/types';
import { packLayer } from '../helpers/layer-tar';

const DIR = join(__dirname, '../fixtures/loader');
interface Expected {
  soname: string | null;
  needed: string[];
  rpath: string[];
  runpath: string[];
  registered?: { sass: string[]; ptx: string[] };
  relocatable?: { ptx: string[] };
}
const EXPECTED = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as Record<string, Expected>;
const NAMES = Object.keys(EXPECTED);
const fixture = (name: string) => readFileSync(join(DIR, name));
const LAYER = { digest: 'sha256:loader', diffId: 'sha256:loader' };
/** every file of the layer is a binary to scan, as the detectors ask of *.so and bin/ executables */
const scanAll: InterestFn = () => ({ scan: 'fatbin' });

function expectedDynamic(e: Expected): DynamicInfo {
  return { ...(e.soname !== null && { soname: e.soname }), needed: e.needed, rpath: e.rpath, runpath: e.runpath };
}

function seekable(bytes: Buffer, chunk?: number): SeekableTar {
  return {
    size: bytes.length,
    async read(buffer, position, length) {
      if (position >= bytes.length) return 0;
      return bytes.copy(buffer, 0, position, Math.min(bytes.length, position + length));
    },
    stream: () => (chunk ? Readable.from(chunks(bytes, chunk)) : Readable.from([bytes])),
  };
}

function* chunks(bytes: Buffer, size: number): Generator<Buffer> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

function bufferReader(body: Buffer): { readAt: ReadAt; read: () => number } {
  let read = 0;
  return {
    readAt: async (buffer, position, length) => {
      const n = Math.max(0, Math.min(length, body.length - position));
      if (n === 0) return 0;
      read += body.copy(buffer, 0, position, position + n);
      return n;
    },
    read: () => read,
  };
}

async function bothWays(tar: Buffer, chunk?: number): Promise<{ seek: LayerResult; stream: LayerResult; stats: SeekReadStats }> {
  const stats: SeekReadStats = { bytesRead: 0 };
  const seek = await analyseLayerAt(seekable(tar), LAYER, scanAll, undefined, stats);
  const stream = await analyseLayer(seekable(tar, chunk).stream(), LAYER, scanAll);
  return { seek, stream, stats };
}

const entry = (r: LayerResult, path: string): LayerEntry | undefined => r.entries.find((e) => e.path === path);

describe('ELF dynamic section', () => {
  let tar: Buffer;
  beforeAll(async () => {
    tar = await packLayer(Object.fromEntries(NAMES.map((n) => [`opt/x/${n}`, fixture(n)])));
  });

  test.each(NAMES)('%s: seek and streaming both give what readelf read', async (name) => {
    for (const chunk of [undefined, 4096, 509, 7]) {
      const { seek, stream, stats } = await bothWays(tar, chunk);
      expect(stats.streamedBecause).toBeUndefined();
      const want = expectedDynamic(EXPECTED[name]);
      expect(entry(seek, `opt/x/${name}`)?.dynamic).toEqual(want);
      expect(entry(stream, `opt/x/${name}`)?.dynamic).toEqual(want);
      expect(stream).toEqual(seek);
    }
  });

  test('the seek path reads only the header, program headers, PT_DYNAMIC and the strings', async () => {
    for (const name of NAMES) {
      const body = fixture(name);
      const r = bufferReader(body);
      await dynamicAt(r.readAt, body.subarray(0, 64), body.length);
      // a few hundred bytes of program headers and dynamic entries, a short read per string
      expect(r.read()).toBeLessThan(2048);
    }
  });

  test('registered device code only: libkern.so sm_80 + compute_90, librelonly.so nothing launchable', async () => {
    const { seek, stream } = await bothWays(tar);
    for (const r of [seek, stream]) {
      for (const name of NAMES) {
        const e = entry(r, `opt/x/${name}`)!;
        const want = EXPECTED[name].registered ?? { sass: [], ptx: [] };
        expect({ sass: e.gpuCode?.sass ?? [], ptx: (e.gpuCode?.ptx ?? []).map((p) => p.arch) }).toEqual(want);
        expect((e.relocatableGpuCode?.ptx ?? []).map((p) => p.arch)).toEqual(EXPECTED[name].relocatable?.ptx ?? []);
      }
      expect(entry(r, 'opt/x/librelonly.so')?.gpuCode).toBeUndefined();
    }
  });

  test('by offset and streamed without a tar: the same facts', async () => {
    for (const name of NAMES) {
      const body = fixture(name);
      const seek = await scanBinaryAt(bufferReader(body).readAt, body.length);
      for (const size of [1, 3, 64, 1000, 65536]) {
        const s = new BinaryScanner(body.length);
        for (const c of chunks(body, size)) s.push(c);
        expect(s.result()).toEqual(seek);
      }
    }
  });

  test('the record survives the cache schema and the merge (hardlinks included)', async () => {
    const layer = await packLayer({ 'usr/lib/libkern.so': fixture('libkern.so') });
    const { seek } = await bothWays(layer);
    const cached = LayerResultSchema.parse(JSON.parse(JSON.stringify(seek))) as LayerResult;
    expect(cached).toEqual(seek);
    const top: LayerResult = {
      ...seek,
      digest: 'sha256:top',
      entries: [{ path: 'usr/lib/libkern.so.1', type: 'hardlink', size: 0, linkTarget: 'usr/lib/libkern.so' }],
    };
    const view = mergeLayers([cached, top], []);
    const want = expectedDynamic(EXPECTED['libkern.so']);
    expect(view.get('usr/lib/libkern.so')?.dynamic).toEqual(want);
    expect(view.get('usr/lib/libkern.so.1')?.dynamic).toEqual(want);
  });

  test('truncated or garbage ELF files: no dynamic, no throw, both paths agree', async () => {
    const kern = fixture('libkern.so');
    const bodies: Buffer[] = [
      kern.subarray(0, 40),
      kern.subarray(0, 64),
      kern.subarray(0, 700),
      kern.subarray(0, kern.length >> 1),
      Buffer.concat([kern.subarray(0, 64), Buffer.alloc(4000, 0xff)]),
    ];
    for (const body of bodies) {
      const layer = await packLayer({ 'lib/libbad.so': body });
      const { seek, stream, stats } = await bothWays(layer);
      expect(stats.streamedBecause).toBeUndefined();
      expect(entry(seek, 'lib/libbad.so')?.dynamic).toBeUndefined();
      expect(stream).toEqual(seek);
    }
  });

  test('random damage to a real ELF never throws; the paths agree on device code, streaming never contradicts seek', async () => {
    const kern = fixture('libkern.so');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(kern.length - 1), fc.nat(255)), { minLength: 1, maxLength: 12 }), fc.nat(kern.length), async (edits, cut) => {
        const body = Buffer.from(kern.subarray(0, Math.max(1, cut)));
        for (const [at, v] of edits) if (at < body.length) body[at] = v;
        const seek = await scanBinaryAt(bufferReader(body).readAt, body.length);
        const s = new BinaryScanner(body.length);
        for (const c of chunks(body, 777)) s.push(c);
        const { dynamic, ...rest } = s.result();
        const { dynamic: seekDynamic, ...seekRest } = seek;
        expect(rest).toEqual(seekRest);
        // streaming remembers only soname- and path-like strings: it may know less, never something else
        if (dynamic) expect(dynamic).toEqual(seekDynamic);
        const e = new ElfStream(body.length);
        e.push(body);
        e.result();
      }),
      { numRuns: 200 },
    );
  });
});
