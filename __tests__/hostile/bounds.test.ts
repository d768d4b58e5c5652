/**
 * Layers from a pull request may be built to hurt the reader: a gzip bomb, millions of entries, huge or NUL-bearing
 * names, names that are not UTF-8, symlink loops. Each is read within its limit; a limit hit is an error finding that
 * fails the image (SCAN_INCOMPLETE), never a crash and never a pass.
 */
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { pack } from 'tar-stream';
import { analyseImage } from '../../src/engine/check';
import { analyseLayer, DEFAULT_LAYER_LIMITS, type LayerLimits } from '../../src/layers/analyse-layer';
import { mergeLayers } from '../../src/layers/merge';
import type { InterestFn, LayerResult } from '../../src/layers/types';
import { loadMatrix } from '../../src/matrix/load';
import { decompressedTar } from '../../src/sources/decompress';
import { adHocTarget } from '../../src/targets/load';
import { DEFAULT_POLICY } from '../../src/model/policy';
import { judge } from '../../src/verdict/judge';
import { packLayer, type LayerSpec } from '../helpers/layer-tar';
import { writeOciImage } from '../helpers/oci-layout';
import { tempDir } from '../helpers/tmp';

const MiB = 1024 * 1024;
const DIGEST = 'sha256:hostile';
const everything: InterestFn = () => ({ content: 64 });
const limits = (over: Partial<LayerLimits>): LayerLimits => ({ ...DEFAULT_LAYER_LIMITS, ...over });
const errors = (r: LayerResult) => r.findings.filter((f) => f.severity === 'error');

/** A tar whose one file holds `bytes` zeros, gzipped as it is written: a few KiB of blob, never held whole. */
async function gzipBomb(bytes: number): Promise<Buffer> {
  const p = pack();
  const gz = createGzip({ level: 9 });
  const chunks: Buffer[] = [];
  gz.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    gz.on('end', resolve);
    gz.on('error', reject);
  });
  p.pipe(gz);
  const entry = p.entry({ name: 'usr/share/zeros', size: bytes, mode: 0o644 });
  const zeros = Buffer.alloc(MiB);
  for (let left = bytes; left > 0; left -= zeros.length) {
    if (!entry.write(left >= zeros.length ? zeros : zeros.subarray(0, left))) await new Promise<void>((r) => entry.once('drain', () => r()));
  }
  entry.end(Buffer.alloc(0));
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** One ustar entry with a raw name (any bytes), then the end-of-archive blocks: what tar-stream's packer will not write. */
function rawTar(name: Buffer, body: Buffer): Buffer {
  const header = Buffer.alloc(512);
  name.copy(header, 0, 0, 100);
  header.write('0000644\0', 100, 'latin1');
  header.write('0000000\0', 108, 'latin1');
  header.write('0000000\0', 116, 'latin1');
  header.write(`${body.length.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  header.write('00000000000\0', 136, 'latin1');
  header.write('        ', 148, 'latin1');
  header.write('0', 156, 'latin1');
  header.write('ustar\0' + '00', 257, 'latin1');
  const sum = header.reduce((a, b) => a + b, 0);
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  const padded = Buffer.alloc(Math.ceil(body.length / 512) * 512);
  body.copy(padded);
  return Buffer.concat([header, padded, Buffer.alloc(1024)]);
}

async function layerOf(spec: LayerSpec, over: Partial<LayerLimits> = {}): Promise<LayerResult> {
  return analyseLayer(Readable.from([await packLayer(spec)]), { digest: DIGEST }, everything, limits(over));
}

describe('decompressed bytes per layer', () => {
  it('stops a gzip bomb at the absolute cap with an error finding, keeping what was read before it', async () => {
    const blob = await gzipBomb(64 * MiB);
    expect(blob.length).toBeLessThan(MiB);
    const tar = await decompressedTar(Readable.from([blob]), 'layer under test');
    const result = await analyseLayer(tar, { digest: DIGEST, size: blob.length }, everything, limits({ maxDecompressedBytes: 16 * MiB }));
    const [hit] = errors(result);
    expect(hit).toMatchObject({ code: 'LIMIT_DECOMPRESSED_BYTES', layer: DIGEST });
    expect(hit.message).toContain('more than 16 MiB');
    expect(result.tarBytes).toBeLessThan(64 * MiB);
    expect(result.tarBytes).toBeGreaterThan(16 * MiB);
  });

  it('stops a layer that takes longer than its time bound (LIMIT_LAYER_TIME), whatever its ratio', async () => {
    const blob = await gzipBomb(64 * MiB);
    const tar = await decompressedTar(Readable.from([blob]), 'layer under test');
    const result = await analyseLayer(tar, { digest: DIGEST, size: blob.length }, everything, limits({ maxLayerMs: 0 }));
    expect(errors(result).map((f) => f.code)).toEqual(['LIMIT_LAYER_TIME']);
    expect(result.tarBytes).toBeLessThan(64 * MiB);
  });

  it('reads a layer that compresses 1000:1 whole: no ratio cap, with or without a declared size', async () => {
    const blob = await gzipBomb(8 * MiB);
    expect(8 * MiB > 500 * blob.length).toBe(true);
    for (const size of [undefined, blob.length]) {
      const read = await analyseLayer(await decompressedTar(Readable.from([blob]), 'l'), { digest: DIGEST, size }, everything, limits({}));
      expect(errors(read)).toEqual([]);
      expect(read.entries.map((e) => e.path)).toEqual(['usr/share/zeros']);
    }
  });

  it('a legitimate image that compresses well passes end to end (OCI layout, gzip layers, default limits): no SCAN_INCOMPLETE', async () => {
    const dir = tempDir();
    // 300 MiB of zeros, ~1000x its gzip blob: a sparse lastlog or a zero-filled model file, not a bomb
    await writeOciImage(dir, {
      gzip: true,
      env: { CUDA_VERSION: '12.2.0' },
      layers: [{ 'etc/hostname': 'ok\n' }, { 'var/log/lastlog': Buffer.alloc(300 * MiB) }],
    });
    const matrix = loadMatrix();
    const analysed = await analyseImage(`oci:${dir}`, { matrix });
    expect(analysed.requirement.findings.filter((f) => f.code.startsWith('LIMIT_'))).toEqual([]);
    const target = adHocTarget({ driver: '560.35.03', name: 'r560' }, matrix);
    const result = judge({ image: dir, requirement: analysed.requirement, target, policy: DEFAULT_POLICY }, matrix);
    expect(result.reasons.map((r) => r.code)).not.toContain('SCAN_INCOMPLETE');
    expect(result.verdict).not.toBe('fail');
  });

  it('skips names longer than the path cap, with one finding per layer that counts them', async () => {
    const long = `a/${'x'.repeat(5000)}`;
    const result = await layerOf({
      [long]: 'x',
      [`${long}y`]: 'y',
      [`b/${'z'.repeat(4000)}`]: 'kept',
      [`c/${'w'.repeat(200)}`]: { symlink: 'q'.repeat(5000) },
    });
    expect(result.entries.map((e) => e.path)).toEqual([`b/${'z'.repeat(4000)}`]);
    const hits = errors(result);
    expect(hits.map((f) => f.code)).toEqual(['LIMIT_PATH_LENGTH']);
    expect(hits[0].message).toMatch(/^3 entries .* longer than 4096 bytes/);
  });

  it('fails a layer whose PAX path carries a NUL byte, as Go does (validPAXRecord: Docker cannot apply it)', async () => {
    // too long for a ustar name + prefix, so the packer writes a PAX path, which keeps the NUL
    const withNul = `${'d'.repeat(200)}/evil\0.json`;
    await expect(layerOf({ [withNul]: '{}', 'ok.json': '{}' })).rejects.toMatchObject({
      code: 'CORRUPT_LAYER',
      message: expect.stringContaining('a NUL in the path value'),
    });
  });

  it('keeps a name that is not UTF-8, decoded with replacement characters, without throwing', async () => {
    const name = Buffer.from([0x65, 0x74, 0x63, 0x2f, 0xff, 0xfe, 0x2e, 0x6a, 0x73, 0x6f, 0x6e]); // etc/\xff\xfe.json
    const result = await analyseLayer(Readable.from([rawTar(name, Buffer.from('{"a":1}'))]), { digest: DIGEST }, everything);
    expect(result.entries).toEqual([expect.objectContaining({ path: 'etc/\uFFFD\uFFFD.json', content: '{"a":1}' })]);
    expect(errors(result)).toEqual([]);
  });

  it('drops entries that climb above the root; absolute symlink targets resolve inside the image', async () => {
    const result = await layerOf({ '../../etc/passwd': 'root', 'usr/lib/real.json': '{}', lib: { symlink: '/usr/lib' }, h: { hardlink: '../../x' } });
    expect(result.entries.map((e) => e.path).sort()).toEqual(['lib', 'usr/lib/real.json']);
    expect(result.findings.map((f) => f.code)).toEqual(['PATH_OUTSIDE_ROOT', 'PATH_OUTSIDE_ROOT']);
    expect(mergeLayers([result], []).resolve('lib/real.json')?.path).toBe('usr/lib/real.json');
  });

  it('reports a symlink loop as a finding when it is followed, and does not hang', async () => {
    const view = mergeLayers([await layerOf({ a: { symlink: 'b' }, b: { symlink: '/a' }, c: { symlink: 'c/x' } })], []);
    expect(view.resolve('a')).toBeUndefined();
    expect(view.resolve('c/y')).toBeUndefined();
    expect(view.findings.filter((f) => f.code === 'SYMLINK_LOOP').map((f) => f.path)).toEqual(['/a', '/c/y']);
  });
});

describe('a big legitimate layer', () => {
  it('reads 100,000 files completely with the default limits', async () => {
    const p = pack();
    const layer = analyseLayer(p as unknown as Readable, { digest: DIGEST }, (path) => (path.endsWith('99999.json') ? { content: 16 } : undefined));
    for (let i = 0; i < 100_000; i++) {
      const body = Buffer.from(`${i}`);
      p.entry({ name: `data/${Math.floor(i / 1000)}/${i}.json`, size: body.length, mode: 0o644 }, body);
      if (i % 1000 === 999) await new Promise((r) => setImmediate(r));
    }
    p.finalize();
    const result = await layer;
    expect(result.entryCount).toBe(100_000);
    expect(errors(result)).toEqual([]);
    expect(result.entries.map((e) => e.content)).toEqual(['99999']);
  }, 20_000);
});
