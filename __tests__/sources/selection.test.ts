/** Picking one image out of an archive or layout: by platform in a multi-platform index, by name, by position. */
import { join } from 'node:path';
import { openImage } from '../../src/sources/open';
import { parsePlatform } from '../../src/sources/platform';
import { parseSourceRef } from '../../src/sources/ref';
import type { Image, OpenOptions } from '../../src/sources/types';
import { tarDirectory, writeDocker25Archive } from '../helpers/archives';
import { readBack } from '../helpers/cuda-fixture';
import { OciLayoutWriter } from '../helpers/oci-layout';
import { tempDir } from '../helpers/tmp';

const open = (raw: string, opts: OpenOptions = {}): Promise<Image> => openImage(parseSourceRef(raw), opts);

async function fileNames(image: Image): Promise<string[]> {
  return (await readBack(image)).view.entries().map((e) => e.path);
}

describe('multi-platform OCI index (amd64 + arm64 + attestation)', () => {
  const dir = tempDir();
  const layout = join(dir, 'multi');
  const archive = join(dir, 'multi.tar');

  beforeAll(async () => {
    const w = new OciLayoutWriter(layout);
    const amd64 = await w.image({ layers: [{ 'usr/lib/x86_64-linux-gnu/libcudart.so.12': 'x86' }] });
    const arm64 = await w.image({
      layers: [{ 'usr/lib/aarch64-linux-gnu/libcudart.so.12': 'arm' }],
      platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
      gzip: true,
    });
    w.writeIndex([{ descriptor: w.platformIndex([amd64, arm64], { attestation: true }), refName: 'multi' }]);
    await tarDirectory(layout, archive);
  });

  test.each([
    ['oci dir', `oci:${layout}`],
    ['oci-archive', `oci-archive:${archive}:multi`],
  ])('%s: linux/amd64 by default', async (_, raw) => {
    const image = await open(raw);
    expect(image.platform).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(await fileNames(image)).toEqual(['usr/lib/x86_64-linux-gnu/libcudart.so.12']);
  });

  test.each(['linux/arm64', 'linux/arm64/v8', 'linux/aarch64'])('--platform %s picks the arm64 image', async (p) => {
    const image = await open(`oci-archive:${archive}`, { platform: parsePlatform(p) });
    expect(image.platform).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8' });
    expect(await fileNames(image)).toEqual(['usr/lib/aarch64-linux-gnu/libcudart.so.12']);
  });

  test('an absent platform is PLATFORM_NOT_FOUND listing the platforms present, attestations left out', async () => {
    const err = await open(`oci:${layout}`, { platform: parsePlatform('linux/s390x') }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'PLATFORM_NOT_FOUND',
      message: `${layout} has no image for linux/s390x; platforms present: linux/amd64, linux/arm64/v8`,
    });
  });

  test('without --platform, an index lacking linux/amd64 is PLATFORM_NOT_FOUND, not a guess', async () => {
    const d = join(tempDir(), 'arm-only');
    const w = new OciLayoutWriter(d);
    const arm64 = await w.image({ layers: [{ a: 'a' }], platform: { os: 'linux', architecture: 'arm64' } });
    const armv7 = await w.image({ layers: [{ b: 'b' }], platform: { os: 'linux', architecture: 'arm', variant: 'v7' } });
    w.writeIndex([{ descriptor: w.platformIndex([arm64, armv7]) }]);
    await expect(open(`oci:${d}`)).rejects.toMatchObject({
      code: 'PLATFORM_NOT_FOUND',
      message: expect.stringContaining('linux/arm64, linux/arm/v7'),
    });
  });

  test('a single-platform image that does not match an explicit --platform is PLATFORM_NOT_FOUND', async () => {
    const d = join(tempDir(), 'single');
    const w = new OciLayoutWriter(d);
    w.writeIndex([{ descriptor: (await w.image({ layers: [{ a: 'a' }] })).manifest }]);
    await expect(open(`oci:${d}`, { platform: parsePlatform('linux/arm64') })).rejects.toMatchObject({
      code: 'PLATFORM_NOT_FOUND',
      message: expect.stringContaining('linux/amd64'),
    });
  });
});

describe('several images in one archive or layout', () => {
  const dir = tempDir();
  const layout = join(dir, 'two');
  const archive = join(dir, 'two-docker.tar');

  beforeAll(async () => {
    const w = new OciLayoutWriter(layout);
    const a = await w.image({ layers: [{ 'from-a': 'a' }] });
    const b = await w.image({ layers: [{ 'from-b': 'b' }] });
    w.writeIndex([
      { descriptor: a.manifest, refName: 'team/app:a' },
      { descriptor: b.manifest, refName: 'team/app:b' },
    ]);
    await writeDocker25Archive(layout, archive, ['team/app:a', 'team/app:b']);
  });

  test('oci: picks by org.opencontainers.image.ref.name', async () => {
    expect(await fileNames(await open(`oci:${layout}:team/app:b`))).toEqual(['from-b']);
  });

  test('docker-archive: picks by RepoTags, normalising docker.io/library spellings', async () => {
    expect(await fileNames(await open(`docker-archive:${archive}:team/app:b`))).toEqual(['from-b']);
    expect(await fileNames(await open(`docker-archive:${archive}:docker.io/team/app:b`))).toEqual(['from-b']);
  });

  test('docker-archive: takes the first image without a name, the N-th with @N', async () => {
    expect(await fileNames(await open(`docker-archive:${archive}`))).toEqual(['from-a']);
    expect(await fileNames(await open(`docker-archive:${archive}:@1`))).toEqual(['from-b']);
  });

  test('docker-archive: a tag two manifest entries carry picks the LAST, as `docker load` leaves the tag there', async () => {
    const twice = join(dir, 'same-tag.tar');
    await writeDocker25Archive(layout, twice, ['team/app:a', 'team/app:a']);
    expect(await fileNames(await open(`docker-archive:${twice}:team/app:a`))).toEqual(['from-b']);
    expect(await fileNames(await open(`docker-archive:${twice}:@0`))).toEqual(['from-a']);
  });

  test('an unknown name is IMAGE_NOT_FOUND listing the names present', async () => {
    await expect(open(`docker-archive:${archive}:team/app:c`)).rejects.toMatchObject({
      code: 'IMAGE_NOT_FOUND',
      message: `${archive} has no image "team/app:c"; it holds: team/app:a, team/app:b`,
    });
    await expect(open(`oci:${layout}:nope`)).rejects.toMatchObject({
      code: 'IMAGE_NOT_FOUND',
      message: expect.stringContaining('team/app:a, team/app:b'),
    });
  });
});
