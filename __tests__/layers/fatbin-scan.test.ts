/**
 * The streaming fatbin scanner on shared libraries compiled by the real nvcc 13.0 (__tests__/fixtures/fatbin,
 * scripts/make-fatbin-fixtures.sh): it finds exactly the -gencode sets each was built with, whatever the chunking,
 * and never throws on garbage.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import type { GpuCode } from '../../src/model/gpu-code';
import { FatbinScanner } from '../../src/layers/fatbin-scan';

const DIR = join(__dirname, '../fixtures/fatbin');
const expected = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as Record<string, { sass: string[]; ptx: string[] }>;
const fixture = (name: string) => readFileSync(join(DIR, name));
const SIGNATURE = Buffer.from([0x50, 0xed, 0x55, 0xba, 0x01, 0x00, 0x10, 0x00]);

function scan(bytes: Buffer, chunk: number | number[] = 65536, size: number | undefined = bytes.length): GpuCode | undefined {
  const s = new FatbinScanner(size);
  const sizes = Array.isArray(chunk) ? chunk : [chunk];
  let i = 0;
  for (let at = 0; at < bytes.length; i++) {
    const n = Math.max(1, sizes[i % sizes.length]);
    s.push(bytes.subarray(at, at + n));
    at += n;
  }
  return s.result();
}

const summary = (code: GpuCode | undefined) => ({ sass: code?.sass ?? [], ptx: (code?.ptx ?? []).map((p) => p.arch) });

/** a minimal ELF-looking file: magic, zero padding, then `body` */
const elf = (...body: Buffer[]) => Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(56), ...body]);

/** one fatbin container with the given entry headers and zero payloads */
function container(entries: { kind: 1 | 2; arch: number; flags?: number; payload?: number; headerSize?: number; isa?: [number, number] }[]): Buffer {
  const parts = entries.map((e) => {
    const headerSize = e.headerSize ?? 64;
    const h = Buffer.alloc(headerSize);
    h.writeUInt16LE(e.kind, 0);
    h.writeUInt16LE(0x0101, 2);
    h.writeUInt32LE(headerSize, 4);
    h.writeUInt32LE(e.payload ?? 16, 8);
    h.writeUInt16LE(e.isa?.[1] ?? 8, 0x18);
    h.writeUInt16LE(e.isa?.[0] ?? 1, 0x1a);
    h.writeUInt32LE(e.arch, 0x1c);
    h.writeUInt32LE(e.flags ?? 0x11, 0x28);
    return Buffer.concat([h, Buffer.alloc(e.payload ?? 16, 0xab)]);
  });
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(16);
  SIGNATURE.copy(head);
  head.writeUInt32LE(body.length, 8);
  return Buffer.concat([head, body]);
}

describe('fatbin scanner on nvcc 13.0 libraries', () => {
  test.each(Object.keys(expected))('%s: exactly the targets it was compiled for', (name) => {
    expect(summary(scan(fixture(name)))).toEqual(expected[name]);
  });

  test('libmulti.so: SASS for six architectures and compute_120 PTX of ISA 9.0 (what nvcc 13.0 writes)', () => {
    expect(scan(fixture('libmulti.so'))).toMatchObject({
      sass: ['sm_75', 'sm_80', 'sm_86', 'sm_90', 'sm_100', 'sm_120'],
      ptx: [{ arch: 'compute_120', isa: '9.0' }],
    });
  });

  test('libsm90a.so: the arch-specific flag gives sm_90a', () => {
    expect(scan(fixture('libsm90a.so'))).toMatchObject({ sass: ['sm_90a'], ptx: [] });
  });

  test.each(Object.keys(expected))('%s: 1-byte, 7-byte and 64 KiB chunks give identical results', (name) => {
    const bytes = fixture(name);
    const big = scan(bytes, 65536);
    expect(scan(bytes, 7)).toEqual(big);
    expect(scan(bytes, 1)).toEqual(big);
    expect(scan(bytes, 65536, undefined)).toEqual(big);
  });

  test('any chunking gives the same result', () => {
    const bytes = fixture('libmulti.so');
    const want = scan(bytes);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 20 }), (sizes) => {
        expect(scan(bytes, sizes)).toEqual(want);
      }),
      { numRuns: 200 },
    );
  });
});

describe('what is and is not scanned', () => {
  test('a body that is not an ELF file or an archive is ignored, even holding a fatbin', () => {
    const lib = fixture('libmulti.so');
    expect(scan(Buffer.concat([Buffer.from('#!/bin/sh\n'), lib]))).toBeUndefined();
    expect(scan(lib.subarray(4))).toBeUndefined();
  });

  test('a static archive (!<arch>) is scanned', () => {
    const ar = Buffer.concat([Buffer.from('!<arch>\n'), Buffer.alloc(60, 0x20), container([{ kind: 2, arch: 80 }])]);
    expect(scan(ar, 3)).toMatchObject({ sass: ['sm_80'], ptx: [] });
  });

  test('several containers, entries repeated across them, suffixes from the flags', () => {
    const bytes = elf(
      container([
        { kind: 2, arch: 90, flags: 0x100011 },
        { kind: 1, arch: 90, flags: 0x100011, headerSize: 80, isa: [9, 0] },
      ]),
      Buffer.alloc(40),
      container([
        { kind: 2, arch: 100, flags: 0x1200011, headerSize: 112 },
        { kind: 2, arch: 90, flags: 0x100011 },
      ]),
    );
    expect(scan(bytes, 5)).toMatchObject({ sass: ['sm_90a', 'sm_100f'], ptx: [{ arch: 'compute_90a', isa: '9.0' }] });
  });

  test('payloads are skipped unread: a signature inside a payload is not a container', () => {
    const inner = container([{ kind: 2, arch: 61 }]);
    const outer = container([{ kind: 2, arch: 80, payload: inner.length + 8 }]);
    inner.copy(outer, 16 + 64 + 4);
    expect(scan(elf(outer))).toMatchObject({ sass: ['sm_80'], ptx: [] });
  });
});

describe('garbage never throws and never hides a real fatbin', () => {
  test('a fake signature right before a real container: the real one is still found', () => {
    const real = container([{ kind: 2, arch: 86 }]);
    for (const fakeLen of [8, 12, 16, 40]) {
      const fake = Buffer.concat([SIGNATURE, Buffer.alloc(fakeLen - 8, 0xff)]);
      for (const chunk of [1, 7, 65536]) expect(scan(elf(fake, real), chunk)).toMatchObject({ sass: ['sm_86'], ptx: [] });
    }
  });

  test('a container whose first entry header is garbage falls back to scanning its bytes', () => {
    const real = container([{ kind: 2, arch: 89 }]);
    const bogus = container([{ kind: 2, arch: 89 }]);
    bogus.writeUInt16LE(7, 16); // kind 7: not PTX, not ELF
    // the real container starts inside the bogus one's entry header
    const bytes = elf(Buffer.concat([bogus.subarray(0, 20), real]));
    expect(scan(bytes, 3)).toMatchObject({ sass: ['sm_89'], ptx: [] });
  });

  test.each([
    ['entry kind 3', (b: Buffer) => b.writeUInt16LE(3, 16)],
    ['header size not a multiple of 8', (b: Buffer) => b.writeUInt32LE(65, 20)],
    ['header size above 4096', (b: Buffer) => b.writeUInt32LE(8192, 20)],
    ['arch 5', (b: Buffer) => b.writeUInt32LE(5, 16 + 0x1c)],
    ['arch 500', (b: Buffer) => b.writeUInt32LE(500, 16 + 0x1c)],
    ['payload beyond the container', (b: Buffer) => b.writeUInt32LE(1 << 20, 24)],
    ['fatSize beyond the file', (b: Buffer) => b.writeUInt32LE(1 << 30, 8)],
    ['fatSize too small for an entry', (b: Buffer) => b.writeUInt32LE(10, 8)],
    ['fatSize of 2^63', (b: Buffer) => b.writeUInt32LE(0x80000000, 12)],
  ])('rejects a container with %s', (_what, spoil) => {
    const c = container([{ kind: 2, arch: 80 }]);
    spoil(c);
    expect(scan(elf(c))).toBeUndefined();
  });

  test('truncated fixtures give a subset and never throw', () => {
    const bytes = fixture('libmulti.so');
    const full = summary(scan(bytes));
    for (let cut = 0; cut < bytes.length; cut += 997) {
      const part = summary(scan(bytes.subarray(0, cut), 7, cut));
      for (const a of part.sass) expect(full.sass).toContain(a);
      for (const a of part.ptx) expect(full.ptx).toContain(a);
    }
  });

  test('random bytes and random signature splices never throw', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 600 }),
        fc.array(fc.nat(600), { maxLength: 6 }),
        fc.integer({ min: 1, max: 64 }),
        (data, spots, chunk) => {
          const bytes = elf(Buffer.from(data));
          for (const at of spots) SIGNATURE.copy(bytes, Math.min(64 + at, Math.max(0, bytes.length - 8)));
          expect(() => scan(bytes, chunk)).not.toThrow();
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('how much device code a file holds', () => {
  test('every entry counts (repeats across containers too), with its payload bytes and whether it is compressed', () => {
    const bytes = elf(
      container([{ kind: 2, arch: 75, payload: 1448 }]),
      container([
        { kind: 2, arch: 75, payload: 4000, flags: 0x8000 },
        { kind: 1, arch: 90, payload: 800, isa: [9, 0], flags: 0x2000 },
      ]),
    );
    for (const chunk of [1, 7, 65536]) {
      expect(scan(bytes, chunk)?.size).toEqual({ entries: 3, bytes: 1448 + 4000 + 800, compressed: 2 });
    }
  });

  test("nvcc's own output: the cudart_static helper module sits beside the library's kernels", () => {
    const code = scan(fixture('libmulti.so'))!;
    // more entries than archs: the helper's sm_75 cubin repeats an arch the kernels also carry
    expect(code.size!.entries).toBeGreaterThan(code.sass.length + code.ptx.length);
    expect(code.size!.bytes).toBeGreaterThan(0);
  });
});
