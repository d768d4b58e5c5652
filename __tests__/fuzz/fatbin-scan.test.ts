/**
 * Every shared object in an image streams through the fatbin scanner, in whatever chunks the source delivers. On
 * random bytes and on the committed nvcc fixtures spliced and corrupted, it must never throw and must find the same
 * thing however the bytes are cut (a registry stream and a local archive deliver different chunks of one layer).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import type { GpuCode } from '../../src/model/gpu-code';
import { FatbinScanner } from '../../src/layers/fatbin-scan';
import { FUZZ, timed } from './bounded';

const DIR = join(__dirname, '../fixtures/fatbin');
const FIXTURES = Object.keys(JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as Record<string, unknown>).map((name) =>
  readFileSync(join(DIR, name)),
);
const SIGNATURE = Buffer.from([0x50, 0xed, 0x55, 0xba, 0x01, 0x00, 0x10, 0x00]);
const ELF = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

function scan(bytes: Buffer, sizes: number[], declared: number | undefined = bytes.length): GpuCode | undefined {
  const s = new FatbinScanner(declared);
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const n = Math.max(1, sizes.length ? sizes[i % sizes.length] : bytes.length);
    s.push(bytes.subarray(at, at + n));
    at += n;
  }
  return s.result();
}

// uniform in [0, 1): fc.double crowds its values near 0, which would put every cut at the start
const fraction = fc.nat(0xffff).map((n) => n / 0x10000);
const at = (f: number, n: number) => Math.floor(f * n);

/** A fixture cut into pieces and rejoined with pieces of another, bytes flipped and signatures planted. */
const mangled = fc
  .record({
    a: fc.nat(FIXTURES.length - 1),
    b: fc.nat(FIXTURES.length - 1),
    cuts: fc.array(fc.tuple(fraction, fraction, fraction), { minLength: 1, maxLength: 4 }),
    flips: fc.array(fc.tuple(fraction, fc.integer({ min: 1, max: 255 })), { maxLength: 12 }),
    signatures: fc.array(fraction, { maxLength: 4 }),
    truncate: fc.option(fraction, { nil: undefined }),
  })
  .map(({ a, b, cuts, flips, signatures, truncate }) => {
    const left = FIXTURES[a];
    const right = FIXTURES[b];
    const pieces: Buffer[] = [];
    let from = 0;
    for (const [x, y, z] of [...cuts].sort((p, q) => p[0] - q[0])) {
      const to = Math.max(from, at(x, left.length));
      pieces.push(left.subarray(from, to));
      const start = at(y, right.length);
      pieces.push(right.subarray(start, start + at(z, 4096)));
      from = to;
    }
    pieces.push(left.subarray(from));
    const bytes = Buffer.concat(pieces);
    for (const [f, x] of flips) bytes[at(f, bytes.length)] ^= x;
    for (const f of signatures) SIGNATURE.copy(bytes, Math.min(at(f, bytes.length), Math.max(0, bytes.length - SIGNATURE.length)));
    return truncate === undefined ? bytes : bytes.subarray(0, Math.max(ELF.length, at(truncate, bytes.length)));
  });

/** Random bytes behind an ELF magic (anything else is not scanned at all), sometimes seeded with signatures. */
const randomBinary = fc.tuple(fc.uint8Array({ maxLength: 3000 }), fc.array(fraction, { maxLength: 6 })).map(([data, spots]) => {
  const bytes = Buffer.concat([ELF, Buffer.from(data)]);
  for (const f of spots) SIGNATURE.copy(bytes, Math.min(ELF.length + at(f, data.length), Math.max(0, bytes.length - SIGNATURE.length)));
  return bytes;
});

const chunking = fc.array(fc.integer({ min: 1, max: 9000 }), { minLength: 1, maxLength: 8 });

describe('the fatbin scanner on damaged binaries', () => {
  test('random bytes never throw and give the same result in any chunking', () => {
    fc.assert(
      fc.property(randomBinary, chunking, (bytes, sizes) => {
        const whole = timed(() => scan(bytes, []));
        expect(timed(() => scan(bytes, sizes))).toEqual(whole);
        expect(scan(bytes, [1])).toEqual(whole);
      }),
      FUZZ,
    );
  });

  test('spliced, flipped and truncated nvcc fixtures never throw and give the same result in any chunking', () => {
    fc.assert(
      fc.property(mangled, chunking, fraction, (bytes, sizes, split) => {
        const whole = timed(() => scan(bytes, []));
        expect(timed(() => scan(bytes, sizes))).toEqual(whole);
        // two chunks, cut anywhere: a container header late in the second one sees most of the file behind it
        expect(scan(bytes, [1 + at(split, bytes.length), bytes.length])).toEqual(whole);
        expect(scan(bytes, [7])).toEqual(whole);
      }),
      FUZZ,
    );
  });

  test('a body shorter than its declared size (a cut-off layer) scans the same in any chunking', () => {
    fc.assert(
      fc.property(mangled, chunking, fc.nat(1 << 20), (bytes, sizes, missing) => {
        const declared = bytes.length + missing;
        expect(timed(() => scan(bytes, sizes, declared))).toEqual(scan(bytes, [], declared));
      }),
      { ...FUZZ, numRuns: 100 },
    );
  });

  test('whatever it reports is well formed: sorted, no repeats, sm_/compute_ names', () => {
    fc.assert(
      fc.property(fc.oneof(mangled, randomBinary), (bytes) => {
        const found = scan(bytes, []);
        if (!found) return;
        expect(found.sass.length + found.ptx.length).toBeGreaterThan(0);
        expect(new Set(found.sass).size).toBe(found.sass.length);
        for (const s of found.sass) expect(s).toMatch(/^sm_\d+[af]?$/);
        for (const p of found.ptx) expect(p.arch).toMatch(/^compute_\d+[af]?$/);
      }),
      FUZZ,
    );
  });
});
