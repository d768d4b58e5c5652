/**
 * A layer blob is whatever the pull request built. The tar reader, end to end (tar-stream, whiteouts, links, content
 * capture, the fatbin scan), must either return a LayerResult with clean paths or reject with a GateError that names
 * the layer — never another error type, never hang — on random archives, hand-made headers and corrupted bytes.
 */
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { pack } from 'tar-stream';
import { GateError } from '../../src/common/errors';
import { analyseLayer } from '../../src/layers/analyse-layer';
import type { InterestFn, LayerResult } from '../../src/layers/types';
import { FUZZ, settlesWithin } from './bounded';

const DIGEST = 'sha256:fuzzlayer';
/** A layer of a few KiB parses in well under a millisecond; a second means something is stuck. */
const LAYER_MS = 1000;
/** LIMIT_EXCEEDED: the layer bounds (entry caps, sizes) being added beside this suite may reject a layer too. */
const LAYER_ERRORS = ['CORRUPT_LAYER', 'LIMIT_EXCEEDED'];

// read every file (small content cap, so the content budget is exercised) and scan the .so ones for fatbins
const interest: InterestFn = (path) => ({ content: 64, ...(path.endsWith('.so') && { scan: 'fatbin' as const }) });

/** The chunks a source stream might deliver: the same bytes, cut anywhere. */
function chunked(bytes: Buffer, sizes: number[]): Readable {
  const chunks: Buffer[] = [];
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const n = Math.max(1, sizes.length ? sizes[i % sizes.length] : bytes.length);
    chunks.push(bytes.subarray(at, at + n));
    at += n;
  }
  return Readable.from(chunks);
}

type Outcome = { result: LayerResult } | { error: GateError };

/** The property every input must satisfy: a clean result, or a GateError naming the layer, within the time bound. */
async function analyse(bytes: Buffer, sizes: number[] = []): Promise<Outcome> {
  try {
    const result = await settlesWithin(() => analyseLayer(chunked(bytes, sizes), { digest: DIGEST }, interest), LAYER_MS);
    expectClean(result);
    return { result };
  } catch (e) {
    if (!(e instanceof GateError)) throw e;
    expect(LAYER_ERRORS).toContain(e.code);
    expect(e.message).toContain(DIGEST);
    expect(e.toLine()).not.toMatch(/\n\s+at /);
    return { error: e };
  }
}

const isNormalised = (p: string) => !p.startsWith('/') && !p.endsWith('/') && !p.split('/').some((c) => c === '' || c === '.' || c === '..');

function expectClean(r: LayerResult): void {
  expect(r.digest).toBe(DIGEST);
  expect(r.entries.length).toBeLessThanOrEqual(r.entryCount);
  for (const e of r.entries) {
    expect(e.path !== '' && isNormalised(e.path)).toBe(true);
    if (e.type === 'hardlink') expect(e.linkTarget !== '' && isNormalised(e.linkTarget!)).toBe(true);
    if (e.content !== undefined) expect(Buffer.byteLength(e.content)).toBeLessThanOrEqual(64 * 3);
  }
  for (const w of r.whiteouts) expect(w !== '' && isNormalised(w)).toBe(true);
  for (const d of r.opaqueDirs) expect(d === '' || isNormalised(d)).toBe(true);
  for (const f of r.findings) expect(f.layer).toBe(DIGEST);
}

// ---- archives written by tar-stream: valid tars with hostile names ----------------------------------------------

const component = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('usr', 'lib', 'a', 'libcudart.so.12', 'x.so', '.wh.a', '.wh..wh..opq', '.wh.', '.wh..wh.plnk', 'ünï', '\u202e', 'sp ace') },
  { weight: 2, arbitrary: fc.constantFrom('..', '.', '') },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }).map((s) => s.replace(/[/\0]/g, '_')) },
  { weight: 1, arbitrary: fc.nat(300).map((n) => 'n'.repeat(n + 1)) },
);
const entryName = fc
  .tuple(fc.constantFrom('', '/', './', '../', '//'), fc.array(component, { minLength: 1, maxLength: 6 }))
  .map(([lead, parts]) => lead + parts.join('/'))
  .filter((n) => n.length > 0);

const ELF_FATBIN = Buffer.concat([
  Buffer.from([0x7f, 0x45, 0x4c, 0x46]),
  Buffer.alloc(60),
  Buffer.from([0x50, 0xed, 0x55, 0xba, 0x01, 0x00, 0x10, 0x00]),
  Buffer.alloc(200, 0xab),
]);
const body = fc.oneof(fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)), fc.constant(ELF_FATBIN), fc.constant(Buffer.alloc(0)));

interface Spec {
  name: string;
  kind: 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'fifo';
  body: Buffer;
  link: string;
  dev: [number, number];
}
const spec: fc.Arbitrary<Spec> = fc.record({
  // a small pool of names so the same path appears twice in one layer
  name: fc.oneof(entryName, fc.constantFrom('usr/lib/x.so', 'usr/lib/x.so', 'etc/a')),
  kind: fc.constantFrom('file', 'file', 'directory', 'symlink', 'link', 'character-device', 'fifo'),
  body,
  link: fc.oneof(entryName, fc.constantFrom('', '/', '..', '../../etc/passwd', 'usr/lib/x.so')),
  dev: fc.constantFrom<[number, number]>([0, 0], [1, 3]),
});

async function packed(specs: Spec[]): Promise<Buffer> {
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

const chunkSizes = fc.array(fc.integer({ min: 1, max: 700 }), { maxLength: 4 });

// ---- archives written byte by byte: what tar-stream's packer would never produce ---------------------------------

const octal = (n: number, width: number) => n.toString(8).padStart(width - 1, '0') + '\0';

/** One ustar header; `name` may be any bytes (non-UTF-8 included); the checksum is right unless `badSum`. */
function rawHeader(o: { name: Buffer; type: string; size?: number; link?: Buffer; sizeField?: Buffer; badSum?: boolean }): Buffer {
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

const pad = (b: Buffer) => Buffer.concat([b, Buffer.alloc((512 - (b.length % 512)) % 512)]);

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
        fc.constantFrom('77777777777\0', '99999999999\0', '-1\0', '           \0', 'abc', '\u0080\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u00ff\u00ff\u00ff\u00ff').map((s) => Buffer.from(s, 'latin1')),
        fc.uint8Array({ minLength: 12, maxLength: 12 }).map((b) => Buffer.from(b)),
      ),
      { nil: undefined },
    ),
    badSum: fc.boolean(),
  })
  .map((e) => Buffer.concat([rawHeader({ ...e, size: e.payload.length }), pad(e.payload)]));

/** Long-name and pax records that claim things: paths with "..", sizes that are negative, huge or not numbers. */
const paxRecord = fc
  .tuple(fc.constantFrom('path', 'linkpath', 'size', 'mtime', 'x'), fc.constantFrom('../../etc', '/abs/x.so', '-5', '1e999', '99999999999999999999', 'NaN', '', 'a'.repeat(300)))
  .map(([k, v]) => {
    const line = ` ${k}=${v}\n`;
    let len = line.length + 1;
    while (String(len).length + line.length !== len) len++;
    return Buffer.from(`${len}${line}`);
  });
const paxEntry = fc
  .tuple(fc.constantFrom('x', 'g', 'L'), paxRecord, rawEntry)
  .map(([type, rec, next]) => Buffer.concat([rawHeader({ name: Buffer.from('PaxHeader'), type, size: rec.length }), pad(rec), next]));

const rawArchive = fc
  .tuple(fc.array(fc.oneof(rawEntry, paxEntry), { minLength: 1, maxLength: 5 }), fc.constantFrom(0, 512, 1024))
  .map(([entries, end]) => Buffer.concat([...entries, Buffer.alloc(end)]));

// ---- corruption of valid archives ---------------------------------------------------------------------------------

type Damage = (b: Buffer, r: number[]) => Buffer;
// uniform in [0, 1): fc.double crowds its values near 0, which would put every cut at the start
const fraction = fc.nat(0xffff).map((n) => n / 0x10000);
const pick = (r: number, n: number) => (n === 0 ? 0 : Math.floor(r * n) % n);
const DAMAGE: Record<string, Damage> = {
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
const damage = fc.tuple(fc.constantFrom(...Object.keys(DAMAGE)), fc.array(fraction, { minLength: 2, maxLength: 6 }));

// ---------------------------------------------------------------------------------------------------------------

describe('analyseLayer on hostile and broken layer tars', () => {
  test('random valid tars (hostile names, links, whiteouts, duplicates) give clean, normalised results', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(spec, { maxLength: 8 }), chunkSizes, async (specs, sizes) => {
        const out = await analyse(await packed(specs), sizes);
        // tar-stream wrote it, so it reads back: a valid tar is never rejected
        expect('result' in out).toBe(true);
        if (!('result' in out)) return;
        const climbs = specs.some((s) => s.name.split('/').reduce((depth, c) => (depth < 0 ? depth : c === '..' ? depth - 1 : c === '' || c === '.' ? depth : depth + 1), 0) < 0);
        if (climbs) expect(out.result.findings.map((f) => f.code)).toContain('PATH_OUTSIDE_ROOT');
      }),
      FUZZ,
    );
  });

  test('the same tar read in different chunk sizes gives the same result', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(spec, { maxLength: 8 }), chunkSizes, async (specs, sizes) => {
        const bytes = await packed(specs);
        expect(await analyse(bytes, sizes)).toEqual(await analyse(bytes));
      }),
      { ...FUZZ, numRuns: 100 },
    );
  });

  test('hand-written headers (non-UTF-8 names, bad checksums, absurd sizes, pax and GNU long names) never crash or hang', async () => {
    await fc.assert(
      fc.asyncProperty(rawArchive, chunkSizes, async (bytes, sizes) => {
        await analyse(bytes, sizes);
      }),
      FUZZ,
    );
  });

  test('corrupted valid tars (truncated, flipped, zeroed, spliced) never crash or hang', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(spec, { minLength: 1, maxLength: 6 }), fc.array(damage, { minLength: 1, maxLength: 3 }), chunkSizes, async (specs, damages, sizes) => {
        let bytes = await packed(specs);
        for (const [kind, r] of damages) bytes = DAMAGE[kind](bytes, r);
        await analyse(bytes, sizes);
      }),
      FUZZ,
    );
  });

  test('random bytes, and gzip or zstd frames handed over undecompressed, are rejected as a corrupt layer', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 512, maxLength: 4096 }), fc.constantFrom([], [0x1f, 0x8b, 0x08], [0x28, 0xb5, 0x2f, 0xfd]), async (data, magic) => {
        const bytes = Buffer.from(data);
        Buffer.from(magic).copy(bytes);
        const out = await analyse(bytes);
        // one block of random bytes has a valid header checksum with odds far below 1 in 300
        expect('error' in out).toBe(true);
      }),
      FUZZ,
    );
  });

  test('a header whose size runs past the end of the stream is a corrupt layer, not a wait for bytes that never come', async () => {
    const out = await analyse(Buffer.concat([rawHeader({ name: Buffer.from('usr/lib/x.so'), type: '0', size: 1 << 30 }), Buffer.alloc(512, 1)]));
    expect('error' in out && out.error.code).toBe('CORRUPT_LAYER');
  });

  test('a size field that is neither octal nor base-256 is a corrupt layer (tar-stream alone would wait forever)', async () => {
    const sizeField = Buffer.alloc(12);
    sizeField[0] = 0x81;
    const out = await analyse(Buffer.concat([rawHeader({ name: Buffer.from('usr/lib/x.so'), type: '0', sizeField }), Buffer.alloc(1024)]));
    expect('error' in out && out.error.message).toMatch(/unreadable size field/);
  });

  test('a directory whose header claims a size does not stall the reader', async () => {
    const dir = rawHeader({ name: Buffer.from('usr/lib/'), type: '5', size: 1 });
    const file = rawHeader({ name: Buffer.from('usr/lib/libcudart.so.12.4.127'), type: '0', size: 3 });
    const out = await analyse(Buffer.concat([dir, pad(Buffer.from('x')), file, pad(Buffer.from('elf')), Buffer.alloc(1024)]));
    expect('result' in out || 'error' in out).toBe(true);
  });

  test('a source stream that fails midway rejects with a GateError instead of leaving the parser waiting', async () => {
    const bytes = await packed([{ name: 'usr/lib/x.so', kind: 'file', body: ELF_FATBIN, link: '', dev: [0, 0] }]);
    const failing = new Readable({
      read() {
        this.push(bytes.subarray(0, 700));
        this.destroy(new Error('ECONNRESET'));
      },
    });
    const e = await settlesWithin(() => analyseLayer(failing, { digest: DIGEST }, interest), LAYER_MS).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(GateError);
    expect((e as GateError).message).toContain(DIGEST);
  });
});
