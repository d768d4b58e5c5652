/**
 * fast-check generators of layer tars: valid ones written by tar-stream (hostile names, links, whiteouts,
 * duplicates), hand-written headers (non-UTF-8 names, bad checksums, absurd sizes, pax and GNU long names), and
 * corruptions of valid ones (truncated, flipped, zeroed, spliced), shared by __tests__/fuzz/analyse-layer.test.ts and
 * __tests__/layers/seek-equals-stream.test.ts; plus headers whose fields are random bytes under a correct checksum,
 * which reach the decoders instead of the checksum test.
 */
import fc from 'fast-check';
import { pack } from 'tar-stream';
import { withChecksum } from './raw-tar';

// ---- archives written by tar-stream: valid tars with hostile names ----------------------------------------------

const component = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom('usr', 'lib', 'a', 'libcudart.so.12', 'x.so', '.wh.a', '.wh..wh..opq', '.wh.', '.wh..wh.plnk', 'ünï', '\u202e', 'sp ace'),
  },
  { weight: 2, arbitrary: fc.constantFrom('..', '.', '') },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }).map((s) => s.replace(/[/\0]/g, '_')) },
  { weight: 1, arbitrary: fc.nat(300).map((n) => 'n'.repeat(n + 1)) },
);
export const entryName = fc
  .tuple(fc.constantFrom('', '/', './', '../', '//'), fc.array(component, { minLength: 1, maxLength: 6 }))
  .map(([lead, parts]) => lead + parts.join('/'))
  .filter((n) => n.length > 0);

/** An ELF header with a fatbin container signature right after it (no section table: scanned whole). */
export const ELF_FATBIN = Buffer.concat([
  Buffer.from([0x7f, 0x45, 0x4c, 0x46]),
  Buffer.alloc(60),
  Buffer.from([0x50, 0xed, 0x55, 0xba, 0x01, 0x00, 0x10, 0x00]),
  Buffer.alloc(200, 0xab),
]);
const body = fc.oneof(
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
  fc.constant(ELF_FATBIN),
  fc.constant(Buffer.alloc(0)),
);

export interface Spec {
  name: string;
  kind: 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'fifo';
  body: Buffer;
  link: string;
  dev: [number, number];
}
export const spec: fc.Arbitrary<Spec> = fc.record({
  // a small pool of names so the same path appears twice in one layer
  name: fc.oneof(entryName, fc.constantFrom('usr/lib/x.so', 'usr/lib/x.so', 'etc/a')),
  kind: fc.constantFrom('file', 'file', 'directory', 'symlink', 'link', 'character-device', 'fifo'),
  body,
  link: fc.oneof(entryName, fc.constantFrom('', '/', '..', '../../etc/passwd', 'usr/lib/x.so')),
  dev: fc.constantFrom<[number, number]>([0, 0], [1, 3]),
});

/** The tar tar-stream's packer writes for `specs` (pax records for long names). */
export async function packed(specs: Spec[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c) => {
    chunks.push(c as Buffer);
  });
  const ended = new Promise<void>((resolve, reject) => {
    p.on('end', resolve);
    p.on('error', reject);
  });
  for (const s of specs) {
    const header: Parameters<ReturnType<typeof pack>['entry']>[0] = { name: s.name, type: s.kind, mode: 0o644, mtime: new Date(0) };
    await new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null) => (err ? reject(err) : resolve());
      if (s.kind === 'file') p.entry({ ...header, size: s.body.length }, s.body, cb);
      else if (s.kind === 'symlink' || s.kind === 'link') p.entry({ ...header, linkname: s.link }, cb);
      else if (s.kind === 'character-device') p.entry({ ...header, devmajor: s.dev[0], devminor: s.dev[1] }, cb);
      else p.entry(header, cb);
    });
  }
  p.finalize();
  await ended;
  return Buffer.concat(chunks);
}

// ---- archives written byte by byte: what tar-stream's packer would never produce ---------------------------------

const octal = (n: number, width: number) => n.toString(8).padStart(width - 1, '0') + '\0';

/** One ustar header; `name` may be any bytes (non-UTF-8 included); the checksum is right unless `badSum`. */
export function rawHeader(o: { name: Buffer; type: string; size?: number; link?: Buffer; sizeField?: Buffer; badSum?: boolean }): Buffer {
  const h = Buffer.alloc(512);
  o.name.copy(h, 0, 0, 100);
  h.write(octal(0o644, 8), 100, 'latin1');
  h.write(octal(0, 8), 108, 'latin1');
  h.write(octal(0, 8), 116, 'latin1');
  (o.sizeField ?? Buffer.from(octal(o.size ?? 0, 12), 'latin1')).copy(h, 124, 0, 12);
  h.write(octal(0, 12), 136, 'latin1');
  h.write(o.type, 156, 'latin1');
  o.link?.copy(h, 157, 0, 100);
  h.write('ustar\u000000', 257, 'latin1');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(o.badSum ? sum + 1 : sum, 7) + ' ', 148, 'latin1');
  return h;
}

export const pad = (b: Buffer) => Buffer.concat([b, Buffer.alloc((512 - (b.length % 512)) % 512)]);

/** NUL-free bytes, mostly invalid UTF-8 (0x80-0xff), with slashes and dots for structure. */
const rawName = fc
  .array(fc.oneof(fc.integer({ min: 0x80, max: 0xff }), fc.constantFrom(0x2f, 0x2e, 0x61)), { minLength: 1, maxLength: 100 })
  .map((b) => Buffer.from(b));

const rawEntry = fc
  .record({
    name: rawName,
    type: fc.constantFrom('0', '1', '2', '3', '5', '6', '7', 'g', 'x', 'L', 'K', 'Z', '\0'),
    payload: fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b)),
    link: rawName,
    sizeField: fc.option(
      fc.oneof(
        fc
          .constantFrom(
            '77777777777\0',
            '99999999999\0',
            '-1\0',
            '           \0',
            'abc',
            '\u0080\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u00ff\u00ff\u00ff\u00ff',
          )
          .map((s) => Buffer.from(s, 'latin1')),
        fc.uint8Array({ minLength: 12, maxLength: 12 }).map((b) => Buffer.from(b)),
      ),
      { nil: undefined },
    ),
    badSum: fc.boolean(),
  })
  .map((e) => Buffer.concat([rawHeader({ ...e, size: e.payload.length }), pad(e.payload)]));

/** Long-name and pax records that claim things: paths with "..", sizes that are negative, huge or not numbers. */
const paxRecord = fc
  .tuple(
    fc.constantFrom('path', 'linkpath', 'size', 'mtime', 'x'),
    fc.constantFrom('../../etc', '/abs/x.so', '-5', '1e999', '99999999999999999999', 'NaN', '', 'a'.repeat(300)),
  )
  .map(([k, v]) => {
    const line = ` ${k}=${v}\n`;
    let len = line.length + 1;
    while (String(len).length + line.length !== len) len++;
    return Buffer.from(`${len}${line}`);
  });
const paxEntry = fc
  .tuple(fc.constantFrom('x', 'g', 'L'), paxRecord, rawEntry)
  .map(([type, rec, next]) => Buffer.concat([rawHeader({ name: Buffer.from('PaxHeader'), type, size: rec.length }), pad(rec), next]));

export const rawArchive = fc
  .tuple(fc.array(fc.oneof(rawEntry, paxEntry), { minLength: 1, maxLength: 5 }), fc.constantFrom(0, 512, 1024))
  .map(([entries, end]) => Buffer.concat([...entries, Buffer.alloc(end)]));

// ---- corruption of valid archives ---------------------------------------------------------------------------------

type Damage = (b: Buffer, r: number[]) => Buffer;
// uniform in [0, 1): fc.double crowds its values near 0, which would put every cut at the start
const fraction = fc.nat(0xffff).map((n) => n / 0x10000);
const pick = (r: number, n: number) => (n === 0 ? 0 : Math.floor(r * n) % n);
export const DAMAGE: Record<string, Damage> = {
  truncate: (b, [r]) => b.subarray(0, pick(r, b.length)),
  'flip bytes': (b, r) => {
    const c = Buffer.from(b);
    for (const x of r) if (c.length) c[pick(x, c.length)] ^= 1 + pick(x * 7, 255);
    return c;
  },
  'break a header checksum': (b, [r]) => {
    const c = Buffer.from(b);
    const block = pick(r, Math.max(1, c.length / 512)) * 512;
    if (block + 150 < c.length) c[block + 150] ^= 0x0f;
    return c;
  },
  'insert garbage': (b, [r, s]) => {
    const at = pick(r, b.length + 1);
    return Buffer.concat([b.subarray(0, at), Buffer.alloc(1 + pick(s, 700), 0x41), b.subarray(at)]);
  },
  'zero a range': (b, [r, s]) => {
    const c = Buffer.from(b);
    const at = pick(r, c.length + 1);
    c.fill(0, at, Math.min(c.length, at + 1 + pick(s, 1024)));
    return c;
  },
  'append trailing garbage': (b, [r]) => Buffer.concat([b, Buffer.alloc(1 + pick(r, 1500), 0x7a)]),
};
export const damage = fc.tuple(fc.constantFrom(...Object.keys(DAMAGE)), fc.array(fraction, { minLength: 2, maxLength: 6 }));

/** A valid tar damaged one to three times. */
export const corruptedArchive = fc
  .tuple(fc.array(spec, { minLength: 1, maxLength: 6 }), fc.array(damage, { minLength: 1, maxLength: 3 }))
  .map(([specs, damages]) => ({ specs, damages }));

export async function corrupted(c: { specs: Spec[]; damages: [string, number[]][] }): Promise<Buffer> {
  let bytes = await packed(c.specs);
  for (const [kind, r] of c.damages) bytes = DAMAGE[kind](bytes, r);
  return bytes;
}

// ---- headers whose fields are random bytes under a right checksum ----------------------------------------------------

/** Field offsets and widths of a ustar header. */
const FIELDS: Record<string, [number, number]> = {
  name: [0, 100],
  size: [124, 12],
  typeflag: [156, 1],
  linkname: [157, 100],
  magic: [257, 8],
  devmajor: [329, 8],
  devminor: [337, 8],
  prefix: [345, 155],
};

/** Bytes a field may hold: digits, spaces, NULs, base-256 leads, slashes, junk. */
const fieldByte = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(0x30, 0x31, 0x37, 0x20, 0x00, 0x2f, 0x2e, 0x61) },
  { weight: 1, arbitrary: fc.constantFrom(0x80, 0xff, 0x81, 0xfe) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) },
);

/** A header written by tar-stream's rules, then one field overwritten with random bytes and the checksum fixed. */
const mutatedHeader = fc
  .record({
    field: fc.constantFrom(...Object.keys(FIELDS)),
    fill: fc.array(fieldByte, { minLength: 1, maxLength: 12 }),
    type: fc.constantFrom('0', '1', '2', '3', '5', 'x', 'g', 'L', 'K', '\0', 'S'),
    payload: fc.oneof(
      fc.constant(Buffer.alloc(0)),
      fc.uint8Array({ minLength: 1, maxLength: 700 }).map((b) => Buffer.from(b)),
    ),
  })
  .map(({ field, fill, type, payload }) => {
    const h = Buffer.alloc(512);
    h.write('usr/lib/libcudart.so.12', 0, 'latin1');
    h.write(octal(0o644, 8), 100, 'latin1');
    h.write(octal(0, 8), 108, 'latin1');
    h.write(octal(0, 8), 116, 'latin1');
    h.write(octal(payload.length, 12), 124, 'latin1');
    h.write(octal(0, 12), 136, 'latin1');
    h.write(type, 156, 'latin1');
    h.write('ustar\u000000', 257, 'latin1');
    h.write(octal(0, 8), 329, 'latin1');
    h.write(octal(0, 8), 337, 'latin1');
    const [at, width] = FIELDS[field];
    for (let i = 0; i < Math.min(width, fill.length); i++) h[at + i] = fill[i];
    return Buffer.concat([withChecksum(h), pad(payload)]);
  });

/** A valid entry: a wanted name, a small body. */
const validEntry = fc
  .tuple(fc.constantFrom('usr/local/cuda/version.json', 'usr/lib/libcudart.so.12', 'opt/a', 'etc/.wh.b'), fc.uint8Array({ maxLength: 600 }))
  .map(([name, payload]) => Buffer.concat([rawHeader({ name: Buffer.from(name), type: '0', size: payload.length }), pad(Buffer.from(payload))]));

/** Mutated headers among valid entries, with or without the end marker. */
export const mutatedArchive = fc
  .tuple(fc.array(fc.oneof(mutatedHeader, validEntry), { minLength: 1, maxLength: 5 }), fc.constantFrom(0, 512, 1024))
  .map(([entries, end]) => Buffer.concat([...entries, Buffer.alloc(end)]));
