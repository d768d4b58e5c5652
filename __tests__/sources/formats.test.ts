/**
 * The same image read from every source kind gives the same per-layer results and the same merged filesystem:
 * hand-written OCI layout -> oci:, oci-archive (skopeo, gzip and zstd), docker-archive (skopeo = podman layout),
 * Docker >= 25 layout (hand-assembled), the daemon (docker load) and its legacy `docker save`.
 */
import { join } from 'node:path';
import { openImage } from '../../src/sources/open';
import { parseSourceRef } from '../../src/sources/ref';
import type { Image } from '../../src/sources/types';
import { tarDirectory, writeDocker25Archive } from '../helpers/archives';
import { CUDA_FIXTURE, contentOf, readBack, type ReadBack } from '../helpers/cuda-fixture';
import { loadArchive, removeImages, saveImage, skopeoCopy, uniqueTag } from '../helpers/docker-cli';
import { describeWithEngines } from '../helpers/engines';
import { writeOciImage, type WrittenImage } from '../helpers/oci-layout';
import { tempDir } from '../helpers/tmp';

async function open(raw: string): Promise<Image> {
  return openImage(parseSourceRef(raw));
}

describeWithEngines('one image, every source format', ['docker', 'skopeo'], () => {
  const tag = uniqueTag('formats');
  const dir = tempDir();
  const ociDir = join(dir, 'oci');
  const sources: Record<string, string> = {
    'oci dir': `oci:${ociDir}:cuda-fixture`,
    'oci-archive (hand-tarred, plain layers)': `oci-archive:${join(dir, 'plain-oci.tar')}`,
    'oci-archive (skopeo, gzip layers)': `oci-archive:${join(dir, 'gzip-oci.tar')}:cuda-fixture`,
    'oci-archive (skopeo, zstd layers)': `oci-archive:${join(dir, 'zstd-oci.tar')}`,
    'docker-archive (podman/skopeo layout)': `docker-archive:${join(dir, 'podman.tar')}`,
    'docker-archive (Docker >= 25 layout)': `docker-archive:${join(dir, 'docker25.tar')}:${tag}`,
    'docker-archive (legacy docker save)': `docker-archive:${join(dir, 'legacy.tar')}:${tag}`,
    'docker daemon': `docker-daemon:${tag}`,
  };
  let written: WrittenImage;
  let reference: ReadBack;

  beforeAll(async () => {
    written = await writeOciImage(ociDir, CUDA_FIXTURE, 'cuda-fixture');
    await tarDirectory(ociDir, join(dir, 'plain-oci.tar'));
    await skopeoCopy(`oci:${ociDir}:cuda-fixture`, `oci-archive:${join(dir, 'gzip-oci.tar')}:cuda-fixture`, ['--dest-compress']);
    await skopeoCopy(`oci:${ociDir}:cuda-fixture`, `oci-archive:${join(dir, 'zstd-oci.tar')}:cuda-fixture`, [
      '--dest-compress',
      '--dest-compress-format',
      'zstd',
    ]);
    await skopeoCopy(`oci:${ociDir}:cuda-fixture`, `docker-archive:${join(dir, 'podman.tar')}:${tag}`);
    await writeDocker25Archive(ociDir, join(dir, 'docker25.tar'), tag);
    await loadArchive(join(dir, 'podman.tar'));
    await saveImage(tag, join(dir, 'legacy.tar'));
    reference = await readBack(await open(sources['oci dir']));
  });
  afterAll(() => removeImages(tag));

  test('the reference read sees the final filesystem', () => {
    const { view } = reference;
    expect(view.entries().map((e) => `${e.path}${e.type === 'file' ? '' : ` (${e.type})`}`)).toEqual([
      'etc/new.conf',
      'opt/app/c.txt',
      'opt/conda/lib/libnvrtc.so.12.4.127 (hardlink)',
      'opt/conda/pkgs/libnvrtc.so.12.4.127',
      'usr/local/cuda (symlink)',
      'usr/local/cuda-12.4/lib64/libcudart.so (symlink)',
      'usr/local/cuda-12.4/lib64/libcudart.so.12 (symlink)',
      'usr/local/cuda-12.4/lib64/libcudart.so.12.4.127',
      'usr/local/cuda-12.4/version.json',
    ]);
    expect(view.resolve('/usr/local/cuda/lib64/libcudart.so')).toMatchObject({
      path: 'usr/local/cuda-12.4/lib64/libcudart.so.12.4.127',
      layerIndex: 0,
      instruction: 'COPY dir:aaaa in /',
    });
    expect(view.resolve('opt/conda/lib/libnvrtc.so.12.4.127')?.content).toBe('nvrtc');
    expect(view.get('usr/local/cuda')?.instruction).toBe('RUN ln -s cuda-12.4 /usr/local/cuda && rm /etc/old.conf');
    expect(reference.results.map((r) => r.diffId)).toEqual(written.diffIds);
  });

  test.each(Object.keys(sources))('%s gives the same layer results, merged view and config', async (name) => {
    const image = await open(sources[name]);
    const got = await readBack(image);
    expect(got.results.map(contentOf)).toEqual(reference.results.map(contentOf));
    expect(got.view.entries()).toEqual(reference.view.entries().map((e) => ({ ...e, layerDigest: got.results[e.layerIndex].digest })));
    expect(got.config).toEqual(reference.config);
    expect(image.config.env).toEqual(reference.config.env);
    expect(image.config.labels).toEqual(reference.config.labels);
    expect(image.config.diffIds).toEqual(written.diffIds);
    expect(image.platform).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(image.layers.map((l) => l.diffId)).toEqual(written.diffIds);
    expect(got.results.map((r) => r.digest)).toEqual(image.layers.map((l) => l.digest));
  });

  test.each(['docker-archive (podman/skopeo layout)', 'docker-archive (Docker >= 25 layout)', 'docker-archive (legacy docker save)', 'docker daemon'])(
    '%s names uncompressed layers by their diffID',
    async (name) => {
      const image = await open(sources[name]);
      const got = await readBack(image);
      expect(got.results.map((r) => r.digest)).toEqual(written.diffIds);
    },
  );

  test('compressed blobs keep their stored digest as the layer digest', async () => {
    const image = await open(sources['oci-archive (skopeo, gzip layers)']);
    const got = await readBack(image);
    expect(got.results.map((r) => r.digest)).not.toEqual(written.diffIds);
    expect(got.results.map((r) => r.diffId)).toEqual(written.diffIds);
    expect(image.layers.every((l) => l.mediaType?.endsWith('+gzip'))).toBe(true);
  });

  test('names the image by the reference given, else by what the archive records', async () => {
    expect((await open(sources['oci dir'])).ref).toBe('cuda-fixture');
    expect((await open(`docker-archive:${join(dir, 'legacy.tar')}`)).ref).toBe(tag);
    expect((await open(sources['docker daemon'])).ref).toBe(tag);
  });

  test('the image digest is the manifest digest for OCI layouts and the image ID for docker archives', async () => {
    expect((await open(sources['oci dir'])).digest).toBe(written.manifest.digest);
    expect((await open(sources['docker-archive (legacy docker save)'])).digest).toBe(written.configDigest);
    expect((await open(sources['docker daemon'])).digest).toBe(written.configDigest);
  });

  test('a docker-archive REF matches RepoTags however the tool spelled them', async () => {
    // skopeo records "docker.io/cuda-gate-test/…"; the user types what they built
    const image = await open(`docker-archive:${join(dir, 'podman.tar')}:${tag}`);
    expect(image.layers).toHaveLength(3);
  });
});
