/**
 * The single-pass export reader (what the daemon path uses) over export streams of every layout, including the
 * Docker >= 25 one whose blobs come before manifest.json and the containerd-store one with compressed blobs.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { analyseLayer } from '../../src/layers/analyse-layer';
import { namedLayer } from '../../src/layers/named';
import type { LayerResult } from '../../src/layers/types';
import { readImageExport } from '../../src/sources/image-export';
import { openImage } from '../../src/sources/open';
import type { LayerContext } from '../../src/sources/types';
import { writeDocker25Archive, writeTar } from '../helpers/archives';
import { packLayer } from '../helpers/layer-tar';
import { CUDA_FIXTURE, EVERYTHING, contentOf, readBack } from '../helpers/cuda-fixture';
import { skopeoCopy } from '../helpers/docker-cli';
import { describeWithEngines } from '../helpers/engines';
import { writeOciImage, type WrittenImage } from '../helpers/oci-layout';
import { tempDir } from '../helpers/tmp';

const PLATFORM = { os: 'linux', architecture: 'amd64' };

async function readExport(path: string, diffIds: string[]) {
  const seen: { index: number; digest: string }[] = [];
  const out = await readImageExport<LayerResult>(createReadStream(path), {
    what: path,
    platform: PLATFORM,
    diffIds,
    read: async (layer: LayerContext, tar: Readable) => {
      const result = await analyseLayer(tar, layer.descriptor, EVERYTHING);
      seen.push({ index: layer.index, digest: layer.descriptor.digest });
      return result;
    },
  });
  // each result named after its layer's final descriptor (the manifest comes last), as the engine does
  return { ...out, results: out.results.map((r, i) => namedLayer(r, out.layers[i])), seen };
}

/** A legacy `docker save` of one layer, named `0123abcd/layer.tar`, whose config lists `diffId` for it. */
function legacyExport(tar: Buffer, diffId: string) {
  const config = { architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [diffId] }, history: [{ created_by: 'COPY . /' }] };
  return [
    { name: '0123abcd/layer.tar', body: tar },
    { name: 'cfg.json', body: JSON.stringify(config) },
    { name: 'manifest.json', body: JSON.stringify([{ Config: 'cfg.json', RepoTags: ['legacy:1'], Layers: ['0123abcd/layer.tar'] }]) },
  ];
}

describe('readImageExport', () => {
  const dir = tempDir();
  let written: WrittenImage;

  beforeAll(async () => {
    written = await writeOciImage(join(dir, 'oci'), CUDA_FIXTURE, 'cuda-fixture');
    await writeDocker25Archive(join(dir, 'oci'), join(dir, 'docker25.tar'), 'fixture:1');
    await writeOciImage(join(dir, 'oci-gz'), { ...CUDA_FIXTURE, gzip: true }, 'cuda-fixture');
    await writeDocker25Archive(join(dir, 'oci-gz'), join(dir, 'containerd.tar'), 'fixture:1');
  });

  test('Docker >= 25 layout: blobs stream before manifest.json, results still come back in manifest order', async () => {
    const expected = await readBack(await openImage({ raw: 'x', kind: 'oci', path: join(dir, 'oci') }));
    const got = await readExport(join(dir, 'docker25.tar'), written.diffIds);
    expect(got.results).toEqual(expected.results);
    expect(got.config).toEqual(expected.config);
    // every blob was read once, whatever order the stream (digest order) and the readers finished in
    expect(got.seen.map((s) => s.digest).sort()).toEqual([...written.diffIds].sort());
  });

  test('compressed blobs (containerd image store) are decompressed and get their diffID by hashing', async () => {
    const got = await readExport(join(dir, 'containerd.tar'), written.diffIds);
    expect(got.results.map((r) => r.diffId)).toEqual(written.diffIds);
    expect(got.layers.map((l) => l.digest)).not.toEqual(written.diffIds);
    expect(got.results.map((r) => r.digest)).toEqual(got.layers.map((l) => l.digest));
  });

  test('a tiny layer whose bytes start like JSON is kept in memory and read at the end', async () => {
    const oci = join(dir, 'json-like');
    const image = await writeOciImage(oci, { layers: [{ '{odd}': 'x', 'etc/v': 'y' }] });
    const archive = join(dir, 'json-like.tar');
    await writeDocker25Archive(oci, archive, 'odd:1');
    const got = await readExport(archive, image.diffIds);
    expect(got.results[0].entries.map((e) => e.path)).toEqual(['{odd}', 'etc/v']);
    expect(got.results[0].digest).toBe(image.diffIds[0]);
  });

  test('a reader that stops early does not stall the export', async () => {
    const out = await readImageExport(createReadStream(join(dir, 'docker25.tar')), {
      what: 'x',
      platform: PLATFORM,
      diffIds: written.diffIds,
      read: async (_layer, tar) => {
        tar.destroy();
        return 'skipped';
      },
    });
    expect(out.results).toEqual(['skipped', 'skipped', 'skipped']);
  });

  test('a legacy layer named by its v1 id comes back with the diffID its bytes hash to, and that name as data', async () => {
    const tar = await packLayer({ 'etc/v': 'legacy' });
    const diffId = `sha256:${createHash('sha256').update(tar).digest('hex')}`;
    const archive = join(dir, 'legacy.tar');
    await writeTar(archive, legacyExport(tar, diffId));
    const got = await readExport(archive, [diffId]);
    expect(got.layers).toEqual([{ digest: diffId, diffId, size: tar.length, index: 0, exportName: '0123abcd/layer.tar' }]);
    expect(got.results[0]).toMatchObject({ digest: diffId, diffId });
    // a reader meets the layer before the manifest says what it is: by its entry name, with no diffID yet
    expect(got.seen).toEqual([{ index: -1, digest: '0123abcd/layer.tar' }]);
  });

  test('a layer whose bytes hash to another diffID than the image config lists is CORRUPT_ARCHIVE, never cached under the wrong key', async () => {
    const tar = await packLayer({ 'etc/v': 'lying' });
    const listed = `sha256:${'a'.repeat(64)}`;
    const archive = join(dir, 'lying.tar');
    await writeTar(archive, legacyExport(tar, listed));
    await expect(readExport(archive, [listed])).rejects.toMatchObject({
      code: 'CORRUPT_ARCHIVE',
      message: expect.stringContaining(`but its image config lists ${listed}`),
    });
  });

  test('a layer left out (only) whose name is its diffID passes unread; its final descriptor still comes back', async () => {
    const out = await readImageExport(createReadStream(join(dir, 'docker25.tar')), {
      what: 'x',
      platform: PLATFORM,
      diffIds: written.diffIds,
      only: [written.diffIds[1]],
      read: async (layer, tar) => {
        tar.resume();
        await new Promise((r) => tar.on('end', r));
        return layer.index;
      },
    });
    expect(out.results).toEqual([undefined, 1, undefined]);
    expect(out.layers.map((l) => l.diffId)).toEqual(written.diffIds);
  });

  test('an export without manifest.json or index.json is NOT_AN_IMAGE', async () => {
    const archive = join(dir, 'nothing.tar');
    await writeTar(archive, [{ name: 'hello.txt', body: 'hi' }]);
    await expect(readExport(archive, [])).rejects.toMatchObject({ code: 'NOT_AN_IMAGE' });
  });

  test('an export cut short is CORRUPT_ARCHIVE naming the export', async () => {
    const stream = Readable.from([Buffer.alloc(512, 0x41)]);
    await expect(
      readImageExport(stream, { what: 'image app:1 in the Docker engine', platform: PLATFORM, diffIds: [], read: async () => 1 }),
    ).rejects.toMatchObject({ code: 'CORRUPT_ARCHIVE', message: expect.stringContaining('image app:1') });
  });
});

describeWithEngines('readImageExport over the podman layout', ['skopeo'], () => {
  test('<diffid>.tar layers behind <id>/layer.tar symlinks are read once, in manifest order', async () => {
    const dir = tempDir();
    const written = await writeOciImage(join(dir, 'oci'), CUDA_FIXTURE, 'cuda-fixture');
    await skopeoCopy(`oci:${join(dir, 'oci')}:cuda-fixture`, `docker-archive:${join(dir, 'podman.tar')}:fixture:1`);
    const expected = await readBack(await openImage({ raw: 'x', kind: 'oci', path: join(dir, 'oci') }));
    const got = await readExport(join(dir, 'podman.tar'), written.diffIds);
    expect(got.results.map(contentOf)).toEqual(expected.results.map(contentOf));
    expect(got.seen).toHaveLength(3);
  });
});
