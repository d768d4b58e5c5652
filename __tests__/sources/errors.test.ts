/** Every way reading an image can fail reaches the user as a GateError with the right code, naming the input. */
import { readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GateError } from '../../src/common/errors';
import { openImage } from '../../src/sources/open';
import { parsePlatform } from '../../src/sources/platform';
import { parseSourceRef } from '../../src/sources/ref';
import type { OpenOptions } from '../../src/sources/types';
import { tarDirectory, writeDocker25Archive, writeTar } from '../helpers/archives';
import { CUDA_FIXTURE, readBack } from '../helpers/cuda-fixture';
import { buildImage, removeImages, uniqueTag } from '../helpers/docker-cli';
import { describeWithEngines } from '../helpers/engines';
import { OciLayoutWriter, writeOciImage } from '../helpers/oci-layout';
import { tempDir } from '../helpers/tmp';
import { gateErrorOf } from '../helpers/gate-error';

async function failure(raw: string, opts: OpenOptions = {}, read = false): Promise<GateError> {
  return gateErrorOf(async () => {
    const image = await openImage(parseSourceRef(raw), opts);
    if (read) await readBack(image);
  });
}

describe('errors from files', () => {
  const dir = tempDir();
  const ociDir = join(dir, 'oci');
  const archive = join(dir, 'docker25.tar');

  beforeAll(async () => {
    await writeOciImage(ociDir, CUDA_FIXTURE);
    await writeDocker25Archive(ociDir, archive, 'app:1');
  });

  test('a missing archive is FILE_NOT_FOUND naming the path', async () => {
    const missing = join(dir, 'nope.tar');
    expect(await failure(`docker-archive:${missing}`)).toMatchObject({
      code: 'FILE_NOT_FOUND',
      message: expect.stringContaining(missing),
    });
    expect(await failure(`oci:${join(dir, 'no-dir')}`)).toMatchObject({ code: 'FILE_NOT_FOUND' });
  });

  test('a truncated archive is CORRUPT_ARCHIVE naming the path', async () => {
    const cut = join(dir, 'cut.tar');
    const bytes = readFileSync(archive);
    writeFileSync(cut, bytes.subarray(0, 3000));
    expect(await failure(`docker-archive:${cut}`)).toMatchObject({
      code: 'CORRUPT_ARCHIVE',
      message: expect.stringContaining(cut),
    });
    truncateSync(cut, 1000);
    expect((await failure(`docker-archive:${cut}`)).code).toBe('CORRUPT_ARCHIVE');
  });

  test('a gzip error inside a layer is CORRUPT_LAYER naming the layer digest and the archive', async () => {
    const gzDir = join(dir, 'oci-gz');
    const image = await writeOciImage(gzDir, { ...CUDA_FIXTURE, gzip: true });
    const victim = image.layerDigests[1];
    const blob = join(gzDir, 'blobs', 'sha256', victim.slice(7));
    const bytes = readFileSync(blob);
    bytes.fill(0x42, 15, bytes.length - 10);
    writeFileSync(blob, bytes);
    const err = await failure(`oci:${gzDir}`, {}, true);
    expect(err.code).toBe('CORRUPT_LAYER');
    expect(err.message).toContain(victim);
    expect(err.message).toContain(gzDir);
  });

  test('a tar holding neither manifest.json nor index.json is NOT_AN_IMAGE', async () => {
    const plain = join(dir, 'plain.tar');
    await writeTar(plain, [{ name: 'usr/lib/libcudart.so.12', body: 'x' }]);
    expect(await failure(`docker-archive:${plain}`)).toMatchObject({
      code: 'NOT_AN_IMAGE',
      message: expect.stringContaining(`${plain} is not an image archive`),
    });
  });

  test('a random file is NOT_AN_IMAGE', async () => {
    const random = join(dir, 'random.bin');
    writeFileSync(random, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251)));
    expect(await failure(`oci-archive:${random}`)).toMatchObject({ code: 'NOT_AN_IMAGE', message: expect.stringContaining(random) });
  });

  test('a directory given as an archive, or a file given as oci:, is NOT_AN_IMAGE with the right form', async () => {
    expect(await failure(`docker-archive:${ociDir}`)).toMatchObject({ code: 'NOT_AN_IMAGE', hint: `for an OCI layout directory use oci:${ociDir}` });
    expect(await failure(`oci:${archive}`)).toMatchObject({ code: 'NOT_AN_IMAGE', hint: expect.stringContaining(`oci-archive:${archive}`) });
  });

  test('an unknown platform is PLATFORM_NOT_FOUND listing what is there', async () => {
    expect(await failure(`docker-archive:${archive}`, { platform: parsePlatform('linux/arm64') })).toMatchObject({
      code: 'PLATFORM_NOT_FOUND',
      message: `${archive} has no image for linux/arm64; platforms present: linux/amd64`,
    });
  });

  test('an image config that is not JSON is CORRUPT_ARCHIVE naming the file', async () => {
    const bad = join(dir, 'bad-config');
    const w = new OciLayoutWriter(bad);
    const config = w.blob(Buffer.from('not json{'), 'application/vnd.oci.image.config.v1+json');
    const manifest = w.json({ schemaVersion: 2, config, layers: [] }, 'application/vnd.oci.image.manifest.v1+json');
    w.writeIndex([{ descriptor: manifest }]);
    expect(await failure(`oci:${bad}`)).toMatchObject({
      code: 'CORRUPT_ARCHIVE',
      message: expect.stringContaining(`image config ${config.digest} in ${bad} is not valid JSON`),
    });
  });

  test('a layer the manifest lists but the archive lacks is CORRUPT_ARCHIVE', async () => {
    const holey = join(dir, 'holey');
    const image = await writeOciImage(holey, CUDA_FIXTURE);
    rmSync(join(holey, 'blobs', 'sha256', image.layerDigests[2].slice(7)));
    expect(await failure(`oci:${holey}`)).toMatchObject({
      code: 'CORRUPT_ARCHIVE',
      message: expect.stringContaining(image.layerDigests[2]),
    });
  });

  test('an OCI archive given as docker-archive (and the reverse) is still read', async () => {
    const ociTar = join(dir, 'oci.tar');
    await tarDirectory(ociDir, ociTar);
    await expect(openImage(parseSourceRef(`docker-archive:${ociTar}`))).resolves.toMatchObject({ kind: 'docker-archive' });
    await expect(openImage(parseSourceRef(`oci-archive:${archive}`))).resolves.toMatchObject({ kind: 'oci-archive' });
  });
});

describeWithEngines('errors from the Docker engine', ['docker'], () => {
  test('an image the daemon does not have is IMAGE_NOT_FOUND naming it and DOCKER_HOST', async () => {
    const name = uniqueTag('never-built');
    const err = await failure(`docker-daemon:${name}`);
    expect(err.code).toBe('IMAGE_NOT_FOUND');
    expect(err.message).toContain(name);
    expect(err.message).toContain(`DOCKER_HOST=${process.env.DOCKER_HOST}`);
  });

  test('an unreachable daemon is DAEMON_UNREACHABLE naming DOCKER_HOST', async () => {
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = 'unix:///nonexistent/docker.sock';
    try {
      const err = await failure('docker-daemon:app:1');
      expect(err.code).toBe('DAEMON_UNREACHABLE');
      expect(err.message).toContain('DOCKER_HOST=unix:///nonexistent/docker.sock');
      expect(err.message).toContain('docker-daemon:app:1');
    } finally {
      process.env.DOCKER_HOST = saved;
    }
  });

  test('a platform other than the daemon image’s is PLATFORM_NOT_FOUND', async () => {
    const tag = uniqueTag('platform');
    await buildImage(tag, { 'etc/a': 'a' });
    try {
      const err = await failure(tag, { platform: parsePlatform('linux/arm64') });
      expect(err).toMatchObject({ code: 'PLATFORM_NOT_FOUND', message: expect.stringContaining('platforms present: linux/amd64') });
    } finally {
      await removeImages(tag);
    }
  });
});
