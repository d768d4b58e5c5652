/**
 * A daemon export in the Docker >= 25 layout (what GitHub's runners produce; the dockerd of the integration tests
 * writes the legacy one): layers the cache holds pass through the stream unread — named by their diffID when
 * stored uncompressed, or, when a containerd store keeps them compressed, recognised by the blob name a previous
 * export gave them.
 */
import { createReadStream, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { openLayerCache, type LayerCache } from '../../src/cache/layer-cache';
import { layerCacheVersion } from '../../src/engine/cache-version';
import { readLayersThroughCache } from '../../src/engine/cached-layers';
import { mergeLayers } from '../../src/layers/merge';
import { readImageExport } from '../../src/sources/image-export';
import type { Image } from '../../src/sources/types';
import { probeReads, type ReadProbe } from '../cache/probes';
import { writeDocker25Archive } from '../helpers/archives';
import { CUDA_FIXTURE } from '../helpers/cuda-fixture';
import { writeOciImage, type ImageSpec } from '../helpers/oci-layout';
import { tempDir } from '../helpers/tmp';

const platform = { os: 'linux', architecture: 'amd64' };

/** What the daemon source gives: inspect's config (no history) and an export streamed from `archive`. */
async function exportedImage(spec: ImageSpec, name: string): Promise<Image & { blobs: string[] }> {
  const dir = tempDir('cg-export-');
  const written = await writeOciImage(join(dir, 'layout'), spec, name);
  const archive = join(dir, 'export.tar');
  await writeDocker25Archive(join(dir, 'layout'), archive, `cg/${name}:1`);
  const diffIds = written.diffIds;
  return {
    source: `docker-daemon:cg/${name}:1`,
    kind: 'docker-daemon',
    ref: `cg/${name}:1`,
    digest: written.configDigest,
    platform,
    config: { env: spec.env ?? {}, labels: spec.labels ?? {}, history: [], diffIds },
    layers: diffIds.map((d) => ({ digest: d, diffId: d })),
    readLayers: (read, opts) => readImageExport(createReadStream(archive), { what: name, platform, diffIds, read, only: opts?.only, aliases: opts?.aliases }),
    blobs: written.layerDigests,
  };
}

const top = (text: string): ImageSpec['layers'][number] => ({ 'etc/': { dir: true }, 'etc/new.conf': text });

let probe: ReadProbe;
beforeEach(() => {
  probe = probeReads();
});
afterEach(() => probe.restore());

const newCache = (): LayerCache => openLayerCache({ dir: tempDir('cg-cache-'), version: layerCacheVersion() })!;

describe.each([
  ['uncompressed blobs (named by their diffID)', false],
  ['compressed blobs (containerd store)', true],
])('Docker >= 25 export with %s', (_what, gzip) => {
  test('cached layers pass unread; only the new top layer of a rebuild is analysed; results match a cold read', async () => {
    const v1 = await exportedImage({ ...CUDA_FIXTURE, gzip }, 'v1');
    const v2 = await exportedImage({ ...CUDA_FIXTURE, gzip, layers: [...CUDA_FIXTURE.layers.slice(0, 2), top('changed')] }, 'v2');
    const cache = newCache();

    const cold = await readLayersThroughCache(v1, { cache });
    expect(probe.analysed).toBe(3);
    expect(cold.config.history).toHaveLength(CUDA_FIXTURE.history!.length);

    probe.reset();
    const warm = await readLayersThroughCache(v1, { cache });
    expect({ analysed: probe.analysed, opened: probe.opened }).toEqual({ analysed: 0, opened: 0 });
    expect(warm).toMatchObject({ layersRead: 0, layersFromCache: 3 });
    expect(warm.results).toEqual(cold.results);
    expect(warm.config.history).toEqual(cold.config.history);

    probe.reset();
    const rebuilt = await readLayersThroughCache(v2, { cache });
    expect({ analysed: probe.analysed, opened: probe.opened }).toEqual({ analysed: 1, opened: 1 });
    const uncached = await readLayersThroughCache(v2, {});
    expect(mergeLayers(rebuilt.results, rebuilt.config.history).entries()).toEqual(mergeLayers(uncached.results, uncached.config.history).entries());
  });
});

test('an export name remembered for the wrong layer costs a second read, never a wrong result', async () => {
  const image = await exportedImage({ ...CUDA_FIXTURE, gzip: true }, 'stale');
  const cache = newCache();
  const cold = await readLayersThroughCache(image, { cache });
  // the base layer's entry is lost, and its blob name now points at the second layer (which is cached)
  const layerDir = join(cache.dir, 'layers', cache.version);
  rmSync(
    join(
      layerDir,
      readdirSync(layerDir).find((f) => f.startsWith(image.layers[0].diffId!.replace(':', '-')))!,
    ),
  );
  cache.putAlias(image.blobs[0], image.layers[1].diffId!);

  probe.reset();
  const again = await readLayersThroughCache(image, { cache });
  expect(again.results).toEqual(cold.results);
  expect(again).toMatchObject({ layersRead: 3, layersFromCache: 0 });
  expect(probe.analysed).toBe(3);
});
