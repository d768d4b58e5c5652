/**
 * A layer blob is whatever the pull request built. The tar reader, end to end (tar-stream, whiteouts, links, content
 * capture, the fatbin scan), must either return a LayerResult with clean paths or reject with a GateError that names
 * the layer — never another error type, never hang — on random archives, hand-made headers and corrupted bytes.
 */
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { GateError } from '../../src/common/errors';
import { analyseLayer } from '../../src/layers/analyse-layer';
import type { InterestFn, LayerResult } from '../../src/layers/types';
import { corrupted, damage, ELF_FATBIN, packed, pad, rawArchive, rawHeader, spec } from '../helpers/tar-arbitraries';
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

/** Chunk sizes a source stream might deliver in (empty: the whole tar at once). */
const chunkSizes = fc.array(fc.integer({ min: 1, max: 700 }), { maxLength: 4 });

// ---------------------------------------------------------------------------------------------------------------

describe('analyseLayer on hostile and broken layer tars', () => {
  test('random valid tars (hostile names, links, whiteouts, duplicates) give clean, normalised results', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(spec, { maxLength: 8 }), chunkSizes, async (specs, sizes) => {
        const out = await analyse(await packed(specs), sizes);
        // tar-stream wrote it, so it reads back: a valid tar is never rejected
        expect('result' in out).toBe(true);
        if (!('result' in out)) return;
        const climbs = specs.some(
          (s) => s.name.split('/').reduce((depth, c) => (depth < 0 ? depth : c === '..' ? depth - 1 : c === '' || c === '.' ? depth : depth + 1), 0) < 0,
        );
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
      fc.asyncProperty(
        fc.array(spec, { minLength: 1, maxLength: 6 }),
        fc.array(damage, { minLength: 1, maxLength: 3 }),
        chunkSizes,
        async (specs, damages, sizes) => {
          await analyse(await corrupted({ specs, damages }), sizes);
        },
      ),
      FUZZ,
    );
  });

  test('random bytes, and gzip or zstd frames handed over undecompressed, are rejected as a corrupt layer', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 512, maxLength: 4096 }),
        fc.constantFrom([], [0x1f, 0x8b, 0x08], [0x28, 0xb5, 0x2f, 0xfd]),
        async (data, magic) => {
          const bytes = Buffer.from(data);
          Buffer.from(magic).copy(bytes);
          const out = await analyse(bytes);
          // one block of random bytes has a valid header checksum with odds far below 1 in 300
          expect('error' in out).toBe(true);
        },
      ),
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
