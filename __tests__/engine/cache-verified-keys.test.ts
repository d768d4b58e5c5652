/**
 * The per-layer cache is keyed only by what this run can vouch for (issue 17, "Claims are trusted"): a layer whose
 * image config CLAIMS another layer's diffID is neither skipped as that layer (a hit under the claim) nor able to
 * poison the claimed key for the genuine image. Each test fails when file sources are keyed by the config's diffIDs.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openLayerCache, type LayerCache } from '../../src/cache/layer-cache';
import { layerCacheVersion } from '../../src/engine/cache-version';
import { analyseImage } from '../../src/engine/check';
import { loadMatrix } from '../../src/matrix/load';
import { comparable, probeReads, type ReadProbe } from '../cache/probes';
import { tarDirectory } from '../helpers/archives';
import { CUDA_FIXTURE } from '../helpers/cuda-fixture';
import { sha256, writeOciImage, type ImageSpec, type WrittenImage } from '../helpers/oci-layout';
import { tempDir } from '../helpers/tmp';

const matrix = loadMatrix();
const BENIGN: ImageSpec = {
  layers: [
    { 'etc/': { dir: true }, 'etc/motd': 'nothing to see' },
    { 'srv/': { dir: true }, 'srv/readme': 'hi' },
  ],
};

function newCache(): LayerCache {
  return openLayerCache({ dir: tempDir('cg-cache-'), version: layerCacheVersion() })!;
}

/** Rewrites the layout's image config so that rootfs.diff_ids says `diffIds` (manifest and index.json follow). */
function claimDiffIds(dir: string, diffIds: string[]): void {
  const blob = (digest: string) => join(dir, 'blobs', 'sha256', digest.slice('sha256:'.length));
  const put = (bytes: Buffer) => {
    const digest = sha256(bytes);
    writeFileSync(blob(digest), bytes);
    return { digest, size: bytes.length };
  };
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'));
  const manifest = JSON.parse(readFileSync(blob(index.manifests[0].digest), 'utf8'));
  const config = JSON.parse(readFileSync(blob(manifest.config.digest), 'utf8'));
  config.rootfs.diff_ids = diffIds;
  manifest.config = { ...manifest.config, ...put(Buffer.from(JSON.stringify(config))) };
  index.manifests[0] = { ...index.manifests[0], ...put(Buffer.from(JSON.stringify(manifest))) };
  writeFileSync(join(dir, 'index.json'), JSON.stringify(index));
}

let genuine: WrittenImage;
let genuineDir: string;
let hostileDir: string;
let probe: ReadProbe;

beforeAll(async () => {
  genuineDir = join(tempDir('cg-genuine-'), 'layout');
  genuine = await writeOciImage(genuineDir, CUDA_FIXTURE, 'img');
  // benign layers whose config claims the genuine image's first two diffIDs
  hostileDir = join(tempDir('cg-hostile-'), 'layout');
  await writeOciImage(hostileDir, BENIGN, 'img');
  claimDiffIds(hostileDir, genuine.diffIds.slice(0, 2));
});
beforeEach(() => {
  probe = probeReads();
});
afterEach(() => probe.restore());

describe('cache keys are verified, never claimed', () => {
  test('a layer claiming a cached layer diffID is read, not skipped as that layer', async () => {
    const uncached = await analyseImage(`oci:${hostileDir}`, { matrix });
    const cache = newCache();
    await analyseImage(`oci:${genuineDir}`, { matrix, cache });
    probe.reset();
    const hostile = await analyseImage(`oci:${hostileDir}`, { matrix, cache });
    expect(hostile.image.scan).toMatchObject({ layersRead: 2, layersFromCache: 0 });
    expect(comparable(hostile.image)).toEqual(comparable(uncached.image));
  });

  test('a benign layer claiming a CUDA layer diffID does not poison the cache for the genuine image', async () => {
    const uncached = await analyseImage(`oci:${genuineDir}`, { matrix });
    const cache = newCache();
    await analyseImage(`oci:${hostileDir}`, { matrix, cache });
    const after = await analyseImage(`oci:${genuineDir}`, { matrix, cache });
    expect(comparable(after.image)).toEqual(comparable(uncached.image));
  });

  test('the same holds when the hostile image is an archive next to the genuine layout', async () => {
    const archive = join(tempDir('cg-hostile-tar-'), 'hostile.tar');
    await tarDirectory(hostileDir, archive);
    const uncached = await analyseImage(`oci:${genuineDir}`, { matrix });
    const cache = newCache();
    await analyseImage(`oci-archive:${archive}`, { matrix, cache });
    const after = await analyseImage(`oci:${genuineDir}`, { matrix, cache });
    expect(comparable(after.image)).toEqual(comparable(uncached.image));
  });

  test('an unchanged file rescanned is still served from the cache', async () => {
    const cache = newCache();
    await analyseImage(`oci:${genuineDir}`, { matrix, cache });
    probe.reset();
    const warm = await analyseImage(`oci:${genuineDir}`, { matrix, cache });
    expect(warm.image.scan).toMatchObject({ layersRead: 0, layersFromCache: genuine.diffIds.length });
    expect(probe.opened).toBe(0);
  });
});
