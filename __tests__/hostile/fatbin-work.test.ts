/**
 * A binary made of fatbin signatures would cost a header parse per 8 bytes (and the seek reader, before, a read per
 * container: ~1 MB/s). The scan of one file stops after MAX_FATBIN_WORK signatures and entry headers, on both readers
 * at the same place; the file's device code is then not reported and the layer carries LIMIT_FATBIN_WORK, which fails
 * the image (SCAN_INCOMPLETE). Files are generated in memory; no timing is asserted — the tests must only finish.
 */
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { analyseLayer } from '../../src/layers/analyse-layer';
import { analyseLayerAt, type SeekReadStats } from '../../src/layers/analyse-layer-at';
import { BinaryScanner, FatbinScanner, type BinaryFacts } from '../../src/layers/fatbin-scan';
import { scanBinaryAt, type ReadAt } from '../../src/layers/fatbin-seek';
import { LIMIT_FATBIN_WORK, MAX_FATBIN_WORK } from '../../src/layers/limits';
import type { InterestFn, LayerResult } from '../../src/layers/types';
import type { SeekableTar } from '../../src/sources/types';
import { checkScanComplete } from '../../src/verdict/scan-checks';
import { packLayer } from '../helpers/layer-tar';

const MiB = 1024 * 1024;
const SIGNATURE = Buffer.from([0x50, 0xed, 0x55, 0xba, 0x01, 0x00, 0x10, 0x00]);
const ELF_HEAD = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(56)]);

/** the smallest valid container: header + one 64-byte SASS entry header (sm_80), `payload` bytes of payload */
function tiny(payload = 0): Buffer {
  const c = Buffer.alloc(16 + 64 + payload);
  SIGNATURE.copy(c);
  c.writeUInt32LE(64 + payload, 8);
  c.writeUInt16LE(2, 16);
  c.writeUInt16LE(0x0101, 18);
  c.writeUInt32LE(64, 20);
  c.writeUInt32LE(payload, 24);
  c.writeUInt32LE(80, 16 + 0x1c);
  c.writeUInt32LE(0x11, 16 + 0x28);
  return c;
}

const repeat = (unit: Buffer, count: number): Buffer => Buffer.alloc(unit.length * count, unit);

/** An ELF64 whose only section, `.rodata`, holds `data`; the section table at the end. */
function elfWithRodata(data: Buffer): Buffer {
  const names = Buffer.from('\0.rodata\0.shstrtab\0', 'latin1');
  const shoff = 64 + data.length + names.length + ((8 - ((64 + data.length + names.length) % 8)) % 8);
  const file = Buffer.alloc(shoff + 3 * 64);
  ELF_HEAD.copy(file);
  file.writeUInt16LE(3, 16);
  file.writeBigUInt64LE(BigInt(shoff), 0x28);
  file.writeUInt16LE(64, 0x34);
  file.writeUInt16LE(64, 0x3a);
  file.writeUInt16LE(3, 0x3c);
  file.writeUInt16LE(2, 0x3e);
  data.copy(file, 64);
  names.copy(file, 64 + data.length);
  const section = (i: number, name: number, type: number, flags: number, offset: number, size: number) => {
    const at = shoff + i * 64;
    file.writeUInt32LE(name, at);
    file.writeUInt32LE(type, at + 4);
    file.writeBigUInt64LE(BigInt(flags), at + 8);
    file.writeBigUInt64LE(BigInt(offset), at + 0x18);
    file.writeBigUInt64LE(BigInt(size), at + 0x20);
  };
  section(1, 1, 1, 2, 64, data.length);
  section(2, 9, 3, 0, 64 + data.length, names.length);
  return file;
}

function streamed(body: Buffer, chunk = 64 * 1024): BinaryFacts {
  const s = new BinaryScanner(body.length);
  for (let at = 0; at < body.length; at += chunk) s.push(body.subarray(at, at + chunk));
  return s.result();
}

async function byOffset(body: Buffer): Promise<{ facts: BinaryFacts; reads: number }> {
  let reads = 0;
  const readAt: ReadAt = async (buffer, position, length) => {
    reads++;
    return body.copy(buffer, 0, position, Math.min(body.length, position + length));
  };
  return { facts: await scanBinaryAt(readAt, body.length), reads };
}

const HOSTILE: Array<[string, () => Buffer]> = [
  // 32 MiB of minimal containers: two units each, the budget is spent within the first 11 MiB
  ['32 MiB of back-to-back minimal containers, no section table', () => Buffer.concat([ELF_HEAD, repeat(tiny(), (32 * MiB) / 80)])],
  ['32 MiB of minimal containers with 8-byte payloads, in .rodata', () => elfWithRodata(repeat(tiny(8), Math.floor((32 * MiB) / 88)))],
  // every 8 bytes a signature whose "header" is the next signature (garbage): one unit each
  ['24 MiB of bare signatures, no section table', () => Buffer.concat([ELF_HEAD, repeat(SIGNATURE, (24 * MiB) / 8)])],
  ['24 MiB of bare signatures in .rodata', () => elfWithRodata(repeat(SIGNATURE, (24 * MiB) / 8))],
];

describe('one file: both readers stop at the budget and report it', () => {
  test.each(HOSTILE)('%s', async (_name, make) => {
    const body = make();
    const stream = streamed(body);
    expect(stream).toEqual({ fatbinWorkLimit: MAX_FATBIN_WORK });
    const seek = await byOffset(body);
    expect(seek.facts).toEqual(stream);
    // the seek reader no longer reads once per container
    expect(seek.reads).toBeLessThan(5000);
    // any chunking stops at the same signature
    expect(streamed(body, 7 * 1024 + 3)).toEqual(stream);
  });

  test('exactly the budget is read in full; one signature more is over it', async () => {
    // one container of one entry is two units
    const full = Buffer.concat([ELF_HEAD, repeat(tiny(), MAX_FATBIN_WORK / 2)]);
    const atBudget = streamed(full);
    expect(atBudget.fatbinWorkLimit).toBeUndefined();
    expect(atBudget.gpuCode?.size?.entries).toBe(MAX_FATBIN_WORK / 2);
    expect((await byOffset(full)).facts).toEqual(atBudget);
    const over = Buffer.concat([full, SIGNATURE]);
    expect(streamed(over)).toEqual({ fatbinWorkLimit: MAX_FATBIN_WORK });
    expect((await byOffset(over)).facts).toEqual({ fatbinWorkLimit: MAX_FATBIN_WORK });
  });
});

test('where the scan stops does not depend on how the body is chunked (small budgets, signatures and garbage)', () => {
  const pieces = [SIGNATURE, tiny(), tiny(24), Buffer.from([0x50, 0xed, 0x55]), Buffer.alloc(13, 0xff), Buffer.concat([SIGNATURE, Buffer.alloc(8, 0xff)])];
  fc.assert(
    fc.property(
      fc.array(fc.nat(pieces.length - 1), { minLength: 1, maxLength: 40 }),
      fc.integer({ min: 1, max: 30 }),
      fc.integer({ min: 1, max: 97 }),
      (picks, budget, chunk) => {
        const body = Buffer.concat([ELF_HEAD, ...picks.map((i) => pieces[i])]);
        const scan = (size: number) => {
          const s = new FatbinScanner(body.length, { budget });
          for (let at = 0; at < body.length; at += size) s.push(body.subarray(at, at + size));
          return { code: s.result(), limit: s.workLimitHit() };
        };
        expect(scan(chunk)).toEqual(scan(body.length));
      },
    ),
    { numRuns: 300, seed: 42 },
  );
});

describe('in a layer: LIMIT_FATBIN_WORK on the file, the same from both readers, and the image fails', () => {
  const scanAll: InterestFn = (path) => (path.endsWith('.so') ? { scan: 'fatbin' } : undefined);
  const LAYER = { digest: 'sha256:fatbin-work', diffId: 'sha256:fatbin-work' };

  function seekable(tar: Buffer): SeekableTar {
    return {
      size: tar.length,
      read: async (buffer, position, length) => (position >= tar.length ? 0 : tar.copy(buffer, 0, position, Math.min(tar.length, position + length))),
      stream: () => Readable.from([tar]),
    };
  }

  test('a 32 MiB signature library beside a real one', async () => {
    const tar = await packLayer({
      'usr/lib/libhostile.so': HOSTILE[0][1](),
      'usr/lib/libfine.so': elfWithRodata(tiny(16)),
    });
    const stats: SeekReadStats = { bytesRead: 0 };
    const seek: LayerResult = await analyseLayerAt(seekable(tar), LAYER, scanAll, undefined, stats);
    const stream: LayerResult = await analyseLayer(seekable(tar).stream(), LAYER, scanAll);
    expect(stats.streamedBecause).toBeUndefined();
    expect(stream).toEqual(seek);
    expect(seek.findings).toEqual([
      {
        code: LIMIT_FATBIN_WORK,
        severity: 'error',
        message: `/usr/lib/libhostile.so holds more than ${MAX_FATBIN_WORK} fatbin signatures and entry headers; its scan stopped there and none of its device code is counted`,
        path: '/usr/lib/libhostile.so',
        layer: LAYER.digest,
      },
    ]);
    expect(seek.entries.map((e) => [e.path, e.gpuCode?.sass])).toEqual([
      ['usr/lib/libhostile.so', undefined],
      ['usr/lib/libfine.so', ['sm_80']],
    ]);
    const [reason] = checkScanComplete(seek.findings);
    expect(reason).toMatchObject({ code: 'SCAN_INCOMPLETE', verdict: 'fail', origin: [{ layer: LAYER.digest, path: '/usr/lib/libhostile.so' }] });
    expect(reason.message).toContain(LIMIT_FATBIN_WORK);
  });
});
