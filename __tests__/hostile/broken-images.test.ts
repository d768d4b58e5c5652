/**
 * Broken and hostile images through the CLI, as a user meets them: each ends in exit 2 with one line naming the
 * image or layer, or in a verdict that carries a finding — never a crash, a hang or a silent pass. The cases
 * __tests__/cli/bad-input.test.ts already covers (missing or truncated archive, gzip error in a docker-archive,
 * a tar that is not an image, YAML, driver, GPU, platform, daemon) are not repeated. README: "What cuda-gate does
 * with bad input".
 */
import { unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pack } from 'tar-stream';
import { runCli, type CliOutcome } from '../cli/run-cli';
import { packLayer, type LayerSpec } from '../helpers/layer-tar';
import { OCI_CONFIG, OCI_MANIFEST, OciLayoutWriter, writeOciImage } from '../helpers/oci-layout';
import { tempDir } from '../helpers/tmp';

const DRIVER = ['--driver', '550.54.15'];
const CUDART = 'usr/local/cuda-12.4/lib64/libcudart.so.12.4.127';
const LAYER_TAR = 'application/vnd.oci.image.layer.v1.tar';

function expectOneLineError(r: CliOutcome, ...mentions: string[]): void {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^cuda-gate: error: /);
  // eslint-disable-next-line no-control-regex
  expect(lines[0]).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
  for (const m of mentions) expect(lines[0]).toContain(m);
}

/** An OCI layout whose single layer blob is `bytes`, stored under `mediaType`; returns the source and layer digest. */
function imageWithLayer(bytes: Buffer, mediaType = LAYER_TAR): { source: string; layer: string; dir: string } {
  const dir = tempDir('cg-broken-');
  const w = new OciLayoutWriter(dir);
  const layer = w.blob(bytes, mediaType);
  const config = w.json(
    {
      architecture: 'amd64',
      os: 'linux',
      config: { Env: ['CUDA_VERSION=12.4.1'] },
      rootfs: { type: 'layers', diff_ids: [layer.digest] },
      history: [{ created_by: 'COPY . /' }],
    },
    OCI_CONFIG,
  );
  const manifest = w.json({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [layer] }, OCI_MANIFEST);
  w.writeIndex([{ descriptor: { ...manifest, platform: { os: 'linux', architecture: 'amd64' } }, refName: 'x' }]);
  return { source: `oci:${dir}:x`, layer: layer.digest, dir };
}

async function image(layers: LayerSpec[], env: Record<string, string> = { CUDA_VERSION: '12.4.1' }) {
  const dir = tempDir('cg-broken-');
  const written = await writeOciImage(dir, { env, layers }, 'x');
  return { source: `oci:${dir}:x`, dir, written, blob: (digest: string) => join(dir, 'blobs', 'sha256', digest.slice('sha256:'.length)) };
}

/** A ustar header written by hand: fields tar-stream's packer would never produce. */
function header(name: string, type: string, size: number, sizeField?: Buffer): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 'latin1');
  h.write('0000644\0', 100, 'latin1');
  h.write('0000000\0', 108, 'latin1');
  h.write('0000000\0', 116, 'latin1');
  (sizeField ?? Buffer.from(`${size.toString(8).padStart(11, '0')}\0`, 'latin1')).copy(h, 124);
  h.write('00000000000\0', 136, 'latin1');
  h.write(type, 156, 'latin1');
  h.write('ustar\u000000', 257, 'latin1');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}
const block = (body: string) => Buffer.concat([Buffer.from(body), Buffer.alloc(512 - (body.length % 512 || 512))]);
const END = Buffer.alloc(1024);

describe('corrupt layers: exit 2 naming the layer', () => {
  test('a header with a bad checksum', async () => {
    const tar = await packLayer({ [CUDART]: 'elf' });
    tar[150] ^= 1;
    const { source, layer } = imageWithLayer(tar);
    expectOneLineError(await runCli('check', source, ...DRIVER), layer, 'not a readable tar');
  });

  test('a layer cut off inside an entry', async () => {
    const { source, layer } = imageWithLayer((await packLayer({ [CUDART]: 'x'.repeat(2000) })).subarray(0, 1200));
    expectOneLineError(await runCli('check', source, ...DRIVER), layer, 'Unexpected end of data');
  });

  test.each([
    ['text', Buffer.from('#!/bin/sh\necho this is not a tar\n')],
    ['random bytes', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251))],
  ])('a layer that is not a tar at all (%s)', async (_what, bytes) => {
    const { source, layer } = imageWithLayer(bytes);
    expectOneLineError(await runCli('check', source, ...DRIVER), layer, 'not a readable tar');
  });

  test('a zstd layer whose frame is garbage names the layer and the image', async () => {
    const { source, layer, dir } = imageWithLayer(Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), Buffer.alloc(200, 0x41)]), `${LAYER_TAR}+zstd`);
    expectOneLineError(await runCli('check', source, ...DRIVER), layer, dir, 'zstd');
  });

  test('a size field that is neither octal nor base-256 (tar-stream alone would wait forever)', async () => {
    const sizeField = Buffer.alloc(12);
    sizeField[0] = 0x81;
    const { source, layer } = imageWithLayer(Buffer.concat([header(CUDART, '0', 0, sizeField), block('elf'), END]));
    expectOneLineError(await runCli('check', source, ...DRIVER), layer, 'unreadable size field');
  });

  test('a hostile entry name quoted in the error is one inert line', async () => {
    const sizeField = Buffer.alloc(12);
    sizeField[0] = 0x81;
    const name = 'x\n::error::pwned\r\u001b[2J\u0007';
    const { source } = imageWithLayer(Buffer.concat([header(name, '0', 0, sizeField), END]));
    const r = await runCli('check', source, ...DRIVER);
    // the line breaks fold to spaces, ESC and BEL show as \xNN
    expectOneLineError(r, 'entry "x ::error::pwned \\x1b[2J\\x07"');
  });
});

describe('broken layouts: exit 2 naming the image and the blob', () => {
  test('a manifest pointing at a missing layer blob', async () => {
    const { source, dir, written, blob } = await image([{ [CUDART]: 'elf' }]);
    unlinkSync(blob(written.layerDigests[0]));
    expectOneLineError(await runCli('check', source, ...DRIVER), dir, written.layerDigests[0], 'lacks the layer blob');
  });

  test('a manifest pointing at a missing config blob', async () => {
    const { source, dir, written, blob } = await image([{ [CUDART]: 'elf' }]);
    unlinkSync(blob(written.configDigest));
    expectOneLineError(await runCli('check', source, ...DRIVER), dir, written.configDigest);
  });

  test('a config that is not JSON', async () => {
    const { source, dir, written, blob } = await image([{ [CUDART]: 'elf' }]);
    writeFileSync(blob(written.configDigest), '{"architecture": "amd64", ');
    expectOneLineError(await runCli('check', source, ...DRIVER), dir, written.configDigest, 'not valid JSON');
  });

  test('a manifest that is not JSON', async () => {
    const { source, dir, written, blob } = await image([{ [CUDART]: 'elf' }]);
    writeFileSync(blob(written.manifest.digest), 'garbage');
    expectOneLineError(await runCli('check', source, ...DRIVER), dir, 'not valid JSON');
  });

  test('an index.json that is not an index', async () => {
    const { dir } = await image([{ [CUDART]: 'elf' }]);
    writeFileSync(join(dir, 'index.json'), '[]');
    expectOneLineError(await runCli('check', `oci:${dir}`, ...DRIVER), dir, 'not an OCI image index');
  });
});

describe('odd but readable images: a verdict, with a finding where something was ignored', () => {
  test('an image with zero layers is judged from its config alone', async () => {
    const { source } = await image([]);
    const r = await runCli('check', source, ...DRIVER, '--format', 'json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.images[0].layers).toEqual([]);
    expect(report.images[0].evidence.map((e: { from: string }) => e.from)).toEqual(['config', 'config']);
    // not a silent pass: the report says nothing but the config was there to read
    expect(report.images[0].findings.map((f: { code: string }) => f.code)).toContain('NO_LAYERS');
  });

  test('duplicate entries: the last one wins, as when the layer is unpacked', async () => {
    const p = pack();
    const chunks: Buffer[] = [];
    p.on('data', (c) => {
      chunks.push(c as Buffer);
    });
    const ended = new Promise<void>((resolve) => p.on('end', () => resolve()));
    p.entry({ name: CUDART }, Buffer.from('one'));
    p.entry({ name: 'usr/local/cuda-12.4/lib64/libcudart.so.12' }, Buffer.from('a file first'));
    p.entry({ name: 'usr/local/cuda-12.4/lib64/libcudart.so.12', type: 'symlink', linkname: 'libcudart.so.12.4.127' });
    p.entry({ name: CUDART }, Buffer.from('two'));
    p.finalize();
    await ended;
    const { source } = imageWithLayer(Buffer.concat(chunks));
    const r = await runCli('check', source, ...DRIVER, '--format', 'json');
    expect(r.code).toBe(0);
    const evidence = JSON.parse(r.stdout).images[0].evidence as { path?: string }[];
    expect(evidence.filter((e) => e.path === `/${CUDART}`)).toHaveLength(1);
  });

  test('symlink loops, ".." names and hardlinks out of the root are ignored with a finding each', async () => {
    const { source } = await image([
      {
        'usr/local/cuda/lib64/libcudart.so.12': { symlink: 'libcudart.so.12.x' },
        'usr/local/cuda/lib64/libcudart.so.12.x': { symlink: '../lib64/libcudart.so.12' },
        '../../etc/evil.so': 'x',
        'usr/lib/libnccl.so.2': { hardlink: '../../../etc/passwd' },
        [CUDART]: 'elf',
      },
    ]);
    const r = await runCli('check', source, ...DRIVER, '--format', 'json');
    expect(r.code).toBe(0);
    const codes = (JSON.parse(r.stdout).images[0].findings as { code: string }[]).map((f) => f.code);
    expect(codes).toEqual(expect.arrayContaining(['SYMLINK_LOOP', 'PATH_OUTSIDE_ROOT']));
    expect(codes.filter((c) => c === 'PATH_OUTSIDE_ROOT')).toHaveLength(2);
  });

  test('a directory whose header claims a size does not stall the reader', async () => {
    const tar = Buffer.concat([header('usr/local/cuda-12.4/', '5', 1), block('x'), header(CUDART, '0', 3), block('elf'), END]);
    const r = await runCli('check', imageWithLayer(tar).source, ...DRIVER);
    expect([0, 2]).toContain(r.code);
  });
});
