import { spawnSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { decompressedTar, sniffCompression } from '../../src/sources/decompress';
import { packLayer } from '../helpers/layer-tar';
import { testIf } from '../helpers/skip';

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

const hasZstd = spawnSync('sh', ['-c', 'command -v zstd'], { stdio: 'ignore' }).status === 0;
const testIfZstd = testIf(hasZstd, 'no zstd program on PATH to make fixtures (apt-get install zstd)');

describe('decompressedTar', () => {
  let tar: Buffer;
  beforeAll(async () => {
    tar = await packLayer({ 'usr/lib/libcudart.so.12': 'x'.repeat(3000) });
  });

  test('sniffs gzip, zstd, xz and plain tar by magic bytes', () => {
    expect(sniffCompression(gzipSync(Buffer.from('a')))).toBe('gzip');
    expect(sniffCompression(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0]))).toBe('zstd');
    expect(sniffCompression(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))).toBe('xz');
    expect(sniffCompression(tar)).toBe('tar');
  });

  test('a zstd stream opening with a skippable frame (0x184D2A50-5F) is zstd, not a tar', () => {
    for (const low of [0x50, 0x5a, 0x5f]) {
      const skippable = Buffer.from([low, 0x2a, 0x4d, 0x18, 4, 0, 0, 0, 1, 2, 3, 4]);
      expect(sniffCompression(skippable)).toBe('zstd');
    }
    expect(sniffCompression(Buffer.from([0x60, 0x2a, 0x4d, 0x18, 0, 0]))).toBe('tar');
  });

  testIfZstd('decompresses a zstd layer behind a skippable frame', async () => {
    const z = spawnSync('zstd', ['-cq'], { input: tar }).stdout;
    const frame = Buffer.concat([Buffer.from([0x5a, 0x2a, 0x4d, 0x18, 3, 0, 0, 0]), Buffer.from('abc'), z]);
    expect((await collect(await decompressedTar(Readable.from([frame]), 'layer t'))).equals(tar)).toBe(true);
  });

  test('passes a plain tar through unchanged', async () => {
    expect((await collect(await decompressedTar(Readable.from([tar]), 'layer t'))).equals(tar)).toBe(true);
  });

  test('gunzips whatever the media type claims, even split into tiny chunks', async () => {
    const gz = gzipSync(tar);
    const chunks = Array.from({ length: gz.length }, (_, i) => gz.subarray(i, i + 1));
    expect((await collect(await decompressedTar(Readable.from(chunks), 'layer t'))).equals(tar)).toBe(true);
  });

  testIfZstd('decompresses zstd (native zlib or the zstd program)', async () => {
    const zst = spawnSync('zstd', ['-c', '-q'], { input: tar }).stdout;
    expect((await collect(await decompressedTar(Readable.from([zst]), 'layer t'))).equals(tar)).toBe(true);
  });

  test('a damaged gzip layer fails with CORRUPT_LAYER naming the layer', async () => {
    const gz = gzipSync(tar);
    gz.fill(0x55, 20, 60);
    const err = await collect(await decompressedTar(Readable.from([gz]), 'layer sha256:abc of app.tar')).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CORRUPT_LAYER', message: expect.stringContaining('layer sha256:abc of app.tar') });
  });

  testIfZstd('a damaged zstd layer fails with CORRUPT_LAYER naming the layer', async () => {
    const zst = spawnSync('zstd', ['-c', '-q'], { input: tar }).stdout;
    zst.fill(0x55, 12, zst.length - 4);
    const err = await collect(await decompressedTar(Readable.from([zst]), 'layer sha256:zz')).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CORRUPT_LAYER', message: expect.stringContaining('layer sha256:zz') });
  });

  test('an xz layer is refused with a clear CORRUPT_LAYER', async () => {
    const err = await decompressedTar(Readable.from([Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0, 1, 2])]), 'layer sha256:xz').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CORRUPT_LAYER', message: expect.stringContaining('xz') });
  });

  test('an empty blob gives an empty stream', async () => {
    expect((await collect(await decompressedTar(Readable.from([]), 'layer e'))).length).toBe(0);
  });
});
