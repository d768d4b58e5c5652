/**
 * The seek reader's own failure modes: a file that yields fewer bytes than it claims, or fails to read, is a
 * CORRUPT_LAYER naming the layer (never a bare exception), wherever the reader is (tar headers or a binary's fatbins).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { analyseLayerAt, type SeekReadStats } from '../../src/layers/analyse-layer-at';
import type { InterestFn } from '../../src/layers/types';
import type { SeekableTar } from '../../src/sources/types';
import { packLayer } from '../helpers/layer-tar';

/** a real nvcc-built library with device code (scripts/make-fatbin-fixtures.sh) */
const FIXTURES = join(__dirname, '../fixtures/fatbin');
const LIB = readFileSync(
  join(
    FIXTURES,
    readdirSync(FIXTURES).find((n) => n.endsWith('.so'))!,
  ),
);
const LAYER = { digest: 'sha256:seek', diffId: 'sha256:seek' };
const scanSo: InterestFn = (path) => (path.endsWith('.so') ? { scan: 'fatbin' } : { content: 64 });

/** A SeekableTar over `bytes` that claims `claimed` bytes and fails reads at or past `failAt`. */
function seekable(bytes: Buffer, opts: { claimed?: number; failAt?: number } = {}): SeekableTar {
  return {
    size: opts.claimed ?? bytes.length,
    async read(buffer, position, length) {
      if (opts.failAt !== undefined && position + length > opts.failAt) throw Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
      if (position >= bytes.length) return 0; // the end of the file, as a short pread reports it
      return bytes.copy(buffer, 0, position, Math.min(bytes.length, position + length));
    },
    stream: () => Readable.from([bytes]),
  };
}

describe('analyseLayerAt', () => {
  test('reads a well-formed layer by offset, without handing it to the streaming reader', async () => {
    const tar = await packLayer({ 'usr/lib/libk.so': LIB, 'etc/os-release': 'ID=debian' });
    const stats: SeekReadStats = { bytesRead: 0 };
    const r = await analyseLayerAt(seekable(tar), LAYER, scanSo, undefined, stats);
    expect(stats.streamedBecause).toBeUndefined();
    expect(r.entries.find((e) => e.path === 'usr/lib/libk.so')?.gpuCode?.sass.length).toBeGreaterThan(0);
    expect(r.findings).toEqual([]);
  });

  test('a read failing inside a binary is CORRUPT_LAYER naming the layer', async () => {
    const tar = await packLayer({ 'usr/lib/libk.so': LIB });
    await expect(analyseLayerAt(seekable(tar, { failAt: 512 + Math.floor(LIB.length / 2) }), LAYER, scanSo)).rejects.toMatchObject({
      code: 'CORRUPT_LAYER',
      message: expect.stringContaining('sha256:seek'),
    });
  });

  test('a file shorter than its claimed size (it shrank while read) is CORRUPT_LAYER, not a bare exception', async () => {
    const tar = await packLayer({ 'usr/lib/libk.so': LIB });
    // the tar claims to be longer than the bytes there are: the reader meets the end early
    const cut = tar.subarray(0, 512 + Math.floor(LIB.length / 2));
    await expect(analyseLayerAt(seekable(cut, { claimed: tar.length }), LAYER, scanSo)).rejects.toMatchObject({
      code: 'CORRUPT_LAYER',
      message: expect.stringMatching(/sha256:seek.*usr\/lib\/libk\.so/),
    });
  });
});
