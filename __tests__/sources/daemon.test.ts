/** An image built by the real `docker build`, read back from the daemon and from its `docker save`. */
import { join } from 'node:path';
import { openImage } from '../../src/sources/open';
import { parseSourceRef } from '../../src/sources/ref';
import { contentOf, readBack } from '../helpers/cuda-fixture';
import { buildImage, removeImages, saveImage, uniqueTag } from '../helpers/docker-cli';
import { describeWithEngines } from '../helpers/engines';
import { tempDir } from '../helpers/tmp';

describeWithEngines('docker-daemon source', ['docker'], () => {
  const tag = uniqueTag('daemon');
  const archive = join(tempDir(), 'saved.tar');

  beforeAll(async () => {
    await buildImage(
      tag,
      {
        'usr/local/cuda-12.4/lib64/libcudart.so.12.4.127': 'cudart',
        'usr/local/cuda-12.4/lib64/libcudart.so.12': { symlink: 'libcudart.so.12.4.127' },
        'usr/local/cuda': { symlink: 'cuda-12.4' },
      },
      'ENV CUDA_VERSION=12.4.127 NVIDIA_REQUIRE_CUDA="cuda>=12.4 brand=tesla,driver>=470,driver<471"\nLABEL maintainer=me\nCOPY Dockerfile /etc/Dockerfile',
    );
    await saveImage(tag, archive);
  });
  afterAll(() => removeImages(tag));

  test('inspect gives env, labels, platform and diffIDs without exporting anything', async () => {
    const image = await openImage(parseSourceRef(tag));
    expect(image.kind).toBe('docker-daemon');
    expect(image.ref).toBe(tag);
    expect(image.config.env).toMatchObject({
      CUDA_VERSION: '12.4.127',
      NVIDIA_REQUIRE_CUDA: 'cuda>=12.4 brand=tesla,driver>=470,driver<471',
    });
    expect(image.config.labels).toEqual({ maintainer: 'me' });
    expect(image.platform).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(image.layers).toHaveLength(2);
    expect(image.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  test('readLayers streams the export and maps layers to their Dockerfile instructions, skipping ENV/LABEL', async () => {
    const { view, config } = await readBack(await openImage(parseSourceRef(`docker-daemon:${tag}`)));
    expect(config.history.filter((h) => h.empty_layer)).toHaveLength(2);
    expect(view.layers.map((l) => l.instruction)).toEqual([
      expect.stringMatching(/^COPY dir:[0-9a-f]+ in \/$/),
      expect.stringMatching(/^COPY file:[0-9a-f]+ in \/etc\/Dockerfile$/),
    ]);
    expect(view.resolve('/usr/local/cuda/lib64/libcudart.so.12')).toMatchObject({
      path: 'usr/local/cuda-12.4/lib64/libcudart.so.12.4.127',
      content: 'cudart',
      layerIndex: 0,
    });
    expect(view.get('etc/Dockerfile')?.instruction).toMatch(/^COPY file:/);
  });

  test('the daemon and its docker save give identical layer results', async () => {
    const fromDaemon = await readBack(await openImage(parseSourceRef(tag)));
    const fromArchive = await readBack(await openImage(parseSourceRef(`docker-archive:${archive}`)));
    expect(fromDaemon.results).toEqual(fromArchive.results);
    expect(fromDaemon.results.map(contentOf)).toEqual(fromArchive.results.map(contentOf));
    expect(fromDaemon.config).toEqual(fromArchive.config);
  });
});
