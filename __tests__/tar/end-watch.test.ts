/**
 * A layer tar ends at its end-of-archive marker, as Docker's extractor (Go archive/tar) reads it: what follows is
 * neither parsed nor read from the source, so a gzip layer stops decompressing there.
 */
import { randomBytes } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { createGzip, gzipSync } from 'node:zlib';
import { analyseLayer } from '../../src/layers/analyse-layer';
import { TarEndWatch } from '../../src/tar/end-watch';
import type { InterestFn } from '../../src/layers/types';
import { decompressedTar } from '../../src/sources/decompress';
import { packLayer } from '../helpers/layer-tar';

const KNOWN = { digest: 'sha256:known', diffId: 'sha256:known' };
const everything: InterestFn = () => ({ content: 64 });

/** `bytes` handed out in `chunk`-sized pieces, counting what the reader pulled. */
function counted(bytes: Buffer, chunk = 64 * 1024): { stream: Readable; pulled: () => number } {
  let at = 0;
  const stream = new Readable({
    read() {
      if (at >= bytes.length) return this.push(null);
      const piece = bytes.subarray(at, at + chunk);
      at += piece.length;
      this.push(piece);
    },
  });
  return { stream, pulled: () => at };
}

describe('a layer tar ends at its end-of-archive marker', () => {
  test('a second tar appended after the marker is not part of the layer (Docker does not extract it)', async () => {
    const first = await packLayer({ 'usr/local/cuda/version.json': '{"cuda":{"version":"12.4.1"}}' });
    const second = await packLayer({ 'usr/lib/libcudart.so.11.0': 'hidden' });
    const r = await analyseLayer(Readable.from([Buffer.concat([first, second])]), KNOWN, everything);
    expect(r.entries.map((e) => e.path)).toEqual(['usr/local/cuda/version.json']);
    expect(r.tarBytes).toBe(first.length);
    expect(r.findings).toEqual([]);
  });

  test('junk after the marker is not read from the source, and is no error', async () => {
    const tar = await packLayer({ 'etc/os-release': 'ID=debian' });
    const junk = randomBytes(8 * 1024 * 1024);
    const source = counted(Buffer.concat([tar, junk]));
    const r = await analyseLayer(source.stream, KNOWN, everything);
    expect(r.entries.map((e) => e.path)).toEqual(['etc/os-release']);
    expect(r.findings).toEqual([]);
    expect(source.pulled()).toBeLessThan(1024 * 1024);
  });

  test('a gzip layer stops decompressing at the marker', async () => {
    const tar = await packLayer({ 'usr/local/cuda/version.json': '{"cuda":{"version":"13.0.0"}}' });
    // an incompressible tail after the tar: inflating it all would pull the whole 8 MB blob
    const blob = gzipSync(Buffer.concat([tar, randomBytes(8 * 1024 * 1024)]), { level: 1 });
    const source = counted(blob, 16 * 1024);
    const r = await analyseLayer(await decompressedTar(source.stream, 'layer x'), KNOWN, everything);
    expect(r.entries[0].content).toContain('13.0.0');
    expect(source.pulled()).toBeLessThan(blob.length / 4);
  });

  test('a lone zero block followed by a header is damage, as Go reads it (readHeader: ErrHeader; Docker fails the layer)', async () => {
    const a = await packLayer({ 'a.txt': 'a' });
    const b = await packLayer({ 'b.txt': 'b' });
    // `a` without its two closing zero blocks, one zero block, then `b`
    const body = Buffer.concat([a.subarray(0, a.length - 1024), Buffer.alloc(512), b]);
    await expect(analyseLayer(Readable.from([body]), KNOWN, everything)).rejects.toMatchObject({
      code: 'CORRUPT_LAYER',
      message: expect.stringContaining('a zero block followed by a header'),
    });
  });

  test('a lone zero block at the end of the data is a complete archive (Go: io.EOF), not a truncated one', async () => {
    const a = await packLayer({ 'a.txt': 'a' });
    const r = await analyseLayer(Readable.from([a.subarray(0, a.length - 512)]), KNOWN, everything);
    expect(r.entries.map((e) => e.path)).toEqual(['a.txt']);
    expect(r.findings).toEqual([]);
  });

  test('the marker is found whatever the chunking (1-byte chunks, and chunks cutting every header)', async () => {
    const tar = await packLayer({
      'usr/local/cuda/version.json': '{"cuda":{"version":"12.4.1"}}',
      [`opt/${'long/'.repeat(40)}name.txt`]: 'pax or GNU long name',
    });
    const withTail = Buffer.concat([tar, await packLayer({ 'after.txt': 'x' })]);
    for (const size of [1, 7, 511, 513, 1536]) {
      const r = await analyseLayer(counted(withTail, size).stream, KNOWN, everything);
      expect({ size, paths: r.entries.map((e) => e.path), bytes: r.tarBytes }).toEqual({
        size,
        paths: ['usr/local/cuda/version.json', `opt/${'long/'.repeat(40)}name.txt`],
        bytes: tar.length,
      });
    }
  });

  test('a layer named by its own bytes (daemon export, diffID unknown) is still read to its end for the hash', async () => {
    const tar = await packLayer({ 'etc/os-release': 'ID=debian' });
    const source = counted(Buffer.concat([tar, Buffer.alloc(4 * 1024 * 1024)]));
    const r = await analyseLayer(source.stream, { digest: 'blobs/sha256/abc' }, everything);
    expect(r.entries.map((e) => e.path)).toEqual(['etc/os-release']);
    expect(source.pulled()).toBe(tar.length + 4 * 1024 * 1024);
  });

  test('a damaged header stops the framing: everything is passed on and the tar parser reports the damage', async () => {
    const tar = Buffer.from(await packLayer({ 'a.txt': 'a', 'b.txt': 'b' }));
    tar[1024 + 148] ^= 0x01; // checksum of the second header
    const watch = new TarEndWatch();
    const out: Buffer[] = [];
    const input = new PassThrough();
    input.pipe(watch).on('data', (c: Buffer) => out.push(c));
    input.end(tar);
    await new Promise((r) => watch.on('end', r));
    expect(Buffer.concat(out).length).toBe(tar.length);
    await expect(analyseLayer(Readable.from([tar]), KNOWN, everything)).rejects.toMatchObject({ code: 'CORRUPT_LAYER' });
  });

  test('gzip streams from a writer still end where the tar ends', async () => {
    const tar = await packLayer({ 'x/y.txt': 'y' });
    const gz = createGzip();
    const chunks: Buffer[] = [];
    gz.on('data', (c: Buffer) => chunks.push(c));
    gz.end(Buffer.concat([tar, Buffer.alloc(10240 - (tar.length % 10240))])); // GNU tar pads to a 10 KiB record
    await new Promise((r) => gz.on('end', r));
    const r = await analyseLayer(await decompressedTar(Readable.from([Buffer.concat(chunks)]), 'layer y'), KNOWN, everything);
    expect(r.tarBytes).toBe(tar.length);
    expect(r.findings).toEqual([]);
  });
});
