import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { GateError } from '../../src/common/errors';
import { analyseLayer } from '../../src/layers/analyse-layer';
import type { InterestFn, LayerResult } from '../../src/layers/types';
import { packLayer, type LayerSpec } from '../helpers/layer-tar';

const LAYER = { digest: 'sha256:layer0' };
const wantLibs: InterestFn = (path) => (path.includes('libcudart') || path.endsWith('version.json') ? { content: 64 } : undefined);

async function analyse(spec: LayerSpec, interest: InterestFn = wantLibs): Promise<LayerResult> {
  return analyseLayer(Readable.from([await packLayer(spec)]), LAYER, interest);
}

describe('analyseLayer', () => {
  test('keeps interesting files with their content and drops the rest', async () => {
    const r = await analyse({
      './usr/local/cuda-12.4/version.json': '{"cuda":{"version":"12.4.1"}}',
      'usr/bin/bash': 'ELF...',
      'usr/local/cuda-12.4/lib64/': { dir: true },
    });
    expect(r.entries).toEqual([{ path: 'usr/local/cuda-12.4/version.json', type: 'file', size: 29, content: '{"cuda":{"version":"12.4.1"}}' }]);
    expect(r.entryCount).toBe(3);
    expect(r.digest).toBe('sha256:layer0');
  });

  test('keeps every symlink and hardlink, interesting or not', async () => {
    const r = await analyse({
      'usr/lib/libz.so.1.2': 'z',
      'usr/lib/libz.so.1': { symlink: 'libz.so.1.2' },
      'usr/local/cuda': { symlink: '/usr/local/cuda-12.4' },
      'usr/lib/libz-copy.so': { hardlink: './usr/lib/libz.so.1.2' },
    });
    expect(r.entries).toEqual([
      { path: 'usr/lib/libz.so.1', type: 'symlink', size: 0, linkTarget: 'libz.so.1.2' },
      { path: 'usr/local/cuda', type: 'symlink', size: 0, linkTarget: '/usr/local/cuda-12.4' },
      { path: 'usr/lib/libz-copy.so', type: 'hardlink', size: 0, linkTarget: 'usr/lib/libz.so.1.2' },
    ]);
  });

  test('records whiteouts and opaque directories instead of entries', async () => {
    const r = await analyse({
      'etc/.wh.old.conf': '',
      'opt/app/.wh..wh..opq': '',
      '.wh.tmp': '',
    });
    expect(r.whiteouts).toEqual(['etc/old.conf', 'tmp']);
    expect(r.opaqueDirs).toEqual(['opt/app']);
    expect(r.entries).toEqual([]);
  });

  test('treats an overlayfs 0/0 character device as a whiteout', async () => {
    const r = await analyse({ 'usr/lib/libgone.so': { charDevice: [0, 0] }, 'dev/null': { charDevice: [1, 3] } });
    expect(r.whiteouts).toEqual(['usr/lib/libgone.so']);
  });

  test('ignores aufs bookkeeping under .wh..wh.plnk', async () => {
    const r = await analyse({ '.wh..wh.plnk/1234.libcudart.so': 'x', '.wh..wh.aufs': '' });
    expect(r.entries).toEqual([]);
    expect(r.whiteouts).toEqual([]);
  });

  test('drops entries that climb above the root and reports them', async () => {
    const r = await analyse({ '../../etc/libcudart.so': 'evil', 'a/../../libcudart.so': 'evil' });
    expect(r.entries).toEqual([]);
    expect(r.findings.map((f) => f.code)).toEqual(['PATH_OUTSIDE_ROOT', 'PATH_OUTSIDE_ROOT']);
    expect(r.findings[0].layer).toBe('sha256:layer0');
  });

  test('reads content only up to the cap, drains the rest and says so', async () => {
    const big = 'x'.repeat(200_000);
    const r = await analyse({ 'usr/lib/libcudart.so.12': big, 'usr/lib/libcudart.so.13': 'after' });
    expect(r.entries[0]).toMatchObject({ size: 200_000, content: 'x'.repeat(64), contentTruncated: true });
    expect(r.entries[1]).toMatchObject({ content: 'after' });
    expect(r.findings).toEqual([expect.objectContaining({ code: 'CONTENT_TRUNCATED', path: '/usr/lib/libcudart.so.12', layer: 'sha256:layer0' })]);
  });

  test('does not cut a UTF-8 character in half at the cap', async () => {
    const r = await analyseLayer(Readable.from([await packLayer({ 'v.txt': 'aé€' })]), LAYER, () => ({ content: 4 }));
    expect(r.entries[0].content).toBe('aé'); // "€" needs bytes 4..6
  });

  test('an interest without content keeps the entry but reads no body', async () => {
    const r = await analyseLayer(Readable.from([await packLayer({ 'lib/libcudart.so.12': 'abc' })]), LAYER, () => ({}));
    expect(r.entries).toEqual([{ path: 'lib/libcudart.so.12', type: 'file', size: 3 }]);
  });

  test('counts the bytes of the tar it read', async () => {
    const tar = await packLayer({ a: 'hello' });
    const r = await analyseLayer(Readable.from([tar]), LAYER, () => undefined);
    expect(r.tarBytes).toBe(tar.length);
  });

  test('reads the digest when the tar ends, so a source may name the layer late', async () => {
    const identity = { digest: 'provisional' };
    const stream = Readable.from([await packLayer({ a: 'x' })]);
    stream.on('end', () => (identity.digest = 'sha256:late'));
    const r = await analyseLayer(stream, identity, () => undefined);
    expect(r.digest).toBe('sha256:late');
  });

  test('a truncated layer tar is CORRUPT_LAYER naming the layer', async () => {
    const tar = await packLayer({ 'usr/lib/libcudart.so.12': 'y'.repeat(5000) });
    const err = await analyseLayer(Readable.from([tar.subarray(0, 2000)]), LAYER, wantLibs).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GateError);
    expect(err).toMatchObject({ code: 'CORRUPT_LAYER', message: expect.stringContaining('sha256:layer0') });
  });

  test('a layer that is not a tar at all is CORRUPT_LAYER', async () => {
    const err = await analyseLayer(Readable.from([gzipSync(Buffer.alloc(2048))]), LAYER, wantLibs).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CORRUPT_LAYER', message: expect.stringContaining('sha256:layer0') });
  });

  test('an error from the interest callback is passed through, not blamed on the layer', async () => {
    const boom = new Error('detector bug');
    const err = await analyseLayer(Readable.from([await packLayer({ a: 'x' })]), LAYER, () => {
      throw boom;
    }).catch((e: unknown) => e);
    expect(err).toBe(boom);
  });

  test('a source stream that fails mid-way rejects instead of hanging', async () => {
    const tar = await packLayer({ a: 'x'.repeat(10_000) });
    const failing = new Readable({
      read() {
        this.push(tar.subarray(0, 1024));
        this.destroy(new Error('socket reset'));
      },
    });
    const err = await analyseLayer(failing, LAYER, () => undefined).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CORRUPT_LAYER', message: expect.stringContaining('socket reset') });
  });
});
