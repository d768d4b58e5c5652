/**
 * The per-layer cache over the file sources, with images written by hand (no engine needed): oci layout dir,
 * oci-archive, docker-archive (Docker >= 25 layout). A warm rescan opens no layer and gives the same report; a
 * rebuild written to another file reads all of it (a local file's diffIDs are claims: entries are keyed by the file);
 * a corrupt entry is a miss; a version change invalidates.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LayerCache, openLayerCache, type CacheLog } from '../../src/cache/layer-cache';
import { layerCacheVersion } from '../../src/engine/cache-version';
import { analyseImage, checkImages } from '../../src/engine/check';
import { loadMatrix } from '../../src/matrix/load';
import type { Matrix } from '../../src/matrix/types';
import { adHocTarget } from '../../src/targets/load';
import { DEFAULT_POLICY } from '../../src/model/policy';
import { comparable, comparableReport, probeReads, type ReadProbe } from '../cache/probes';
import { tarDirectory, writeDocker25Archive } from '../helpers/archives';
import { CUDA_FIXTURE } from '../helpers/cuda-fixture';
import { writeOciImage, type ImageSpec, type WrittenImage } from '../helpers/oci-layout';
import { tempDir } from '../helpers/tmp';

const matrix = loadMatrix();
const KERNELS = readFileSync(join(__dirname, '../fixtures/fatbin/libsass_sm80.so'));

/** CUDA_FIXTURE plus a library with real device code in its lower layer, so gpu-code evidence goes through the cache. */
const V1: ImageSpec = {
  ...CUDA_FIXTURE,
  gzip: true,
  layers: [{ ...CUDA_FIXTURE.layers[0], 'usr/lib/': { dir: true }, 'usr/lib/libkernels.so': KERNELS }, ...CUDA_FIXTURE.layers.slice(1)],
};
/** The same lower layers, another top layer: a rebuild after a change to the last Dockerfile step. */
const V2: ImageSpec = { ...V1, layers: [...V1.layers.slice(0, 2), { 'etc/': { dir: true }, 'etc/new.conf': 'changed' }] };

interface Written {
  image: WrittenImage;
  sources: Record<'oci' | 'oci-archive' | 'docker-archive', string>;
  layoutDir: string;
}

async function writeAllFormats(spec: ImageSpec, name: string): Promise<Written> {
  const dir = tempDir('cg-cache-src-');
  const layoutDir = join(dir, 'layout');
  const image = await writeOciImage(layoutDir, spec, name);
  await tarDirectory(layoutDir, join(dir, 'oci.tar'));
  await writeDocker25Archive(layoutDir, join(dir, 'docker25.tar'), `cg/${name}:1`);
  return {
    image,
    layoutDir,
    sources: {
      oci: `oci:${layoutDir}:${name}`,
      'oci-archive': `oci-archive:${join(dir, 'oci.tar')}`,
      'docker-archive': `docker-archive:${join(dir, 'docker25.tar')}`,
    },
  };
}

function newCache(log?: CacheLog): LayerCache {
  return openLayerCache({ dir: tempDir('cg-cache-'), version: layerCacheVersion(), log })!;
}

let v1: Written;
let v2: Written;
let probe: ReadProbe;

beforeAll(async () => {
  v1 = await writeAllFormats(V1, 'v1');
  v2 = await writeAllFormats(V2, 'v2');
});
beforeEach(() => {
  probe = probeReads();
});
afterEach(() => probe.restore());

describe.each(['oci', 'oci-archive', 'docker-archive'] as const)('per-layer cache over %s', (kind) => {
  test('a cold scan reads every layer and fills the cache; a warm rescan opens no layer and gives the same report', async () => {
    const cache = newCache();
    const cold = await analyseImage(v1.sources[kind], { matrix, cache });
    expect(probe.opened).toBe(3);
    expect(cold.image.scan).toMatchObject({ mode: 'full', layersRead: 3, layersFromCache: 0 });
    expect(cold.image.scan.bytesRead).toBeGreaterThan(0);
    expect(cache.stats.writes).toBeGreaterThanOrEqual(3);
    expect(cold.image.evidence.map((e) => e.kind)).toEqual(expect.arrayContaining(['cudart', 'gpu-code']));

    probe.reset();
    const warm = await analyseImage(v1.sources[kind], { matrix, cache });
    expect({ opened: probe.opened, analysed: probe.analysed }).toEqual({ opened: 0, analysed: 0 });
    expect(warm.image.scan).toMatchObject({ mode: 'full', layersRead: 0, layersFromCache: 3, bytesRead: 0 });
    expect(comparable(warm.image)).toEqual(comparable(cold.image));
    expect(warm.requirement).toEqual(cold.requirement);
  });

  // issue 17: a local file's diffIDs are claims (its blobs are not hashed), so its entries are keyed by the file itself
  test('a rebuild written to another file reads every layer: shared lower layers are only claimed to be the same', async () => {
    const cache = newCache();
    await analyseImage(v1.sources[kind], { matrix, cache });
    probe.reset();
    const rebuilt = await analyseImage(v2.sources[kind], { matrix, cache });
    expect({ opened: probe.opened, analysed: probe.analysed }).toEqual({ opened: 3, analysed: 3 });
    expect(rebuilt.image.scan).toMatchObject({ layersRead: 3, layersFromCache: 0 });
    const uncached = await analyseImage(v2.sources[kind], { matrix });
    expect(comparable(rebuilt.image)).toEqual(comparable(uncached.image));
  });

  test('a corrupt cache file is a miss, not a crash: the layer is read again and the entry repaired', async () => {
    const debugs: string[] = [];
    const cache = newCache({ debug: (m) => debugs.push(m), warn: (m) => debugs.push(`WARN ${m}`) });
    const cold = await analyseImage(v1.sources[kind], { matrix, cache });
    const layerDir = join(cache.dir, 'layers', cache.version);
    const files = readdirSync(layerDir);
    expect(files).toHaveLength(3);
    writeFileSync(join(layerDir, files[0]), 'not json');
    writeFileSync(join(layerDir, files[1]), '');

    probe.reset();
    const again = await analyseImage(v1.sources[kind], { matrix, cache });
    expect(probe.opened).toBe(2);
    expect(again.image.scan).toMatchObject({ layersRead: 2, layersFromCache: 1 });
    expect(comparable(again.image)).toEqual(comparable(cold.image));
    expect(debugs.filter((m) => /treated as a miss/.test(m))).toHaveLength(2);
    expect(debugs.filter((m) => m.startsWith('WARN'))).toEqual([]);

    probe.reset();
    await analyseImage(v1.sources[kind], { matrix, cache });
    expect(probe.opened).toBe(0);
  });
});

describe('per-layer cache: keys and versions', () => {
  test('local files do not share entries: an uncompressed copy of a cached gzip layout is read (its diffIDs are claims)', async () => {
    const plain = await writeAllFormats({ ...V1, gzip: false }, 'plain');
    expect(plain.image.layerDigests).not.toEqual(v1.image.layerDigests);
    expect(plain.image.diffIds).toEqual(v1.image.diffIds);
    const cache = newCache();
    await analyseImage(v1.sources.oci, { matrix, cache });
    probe.reset();
    const fromCache = await analyseImage(plain.sources['docker-archive'], { matrix, cache });
    expect(probe.opened).toBe(3);
    const uncached = await analyseImage(plain.sources['docker-archive'], { matrix });
    expect(comparable(fromCache.image)).toEqual(comparable(uncached.image));
    expect(fromCache.image.layers.map((l) => l.digest)).toEqual(plain.image.layerDigests);
  });

  test('an oci layout whose layer blobs were rewritten is read again: an entry serves only the unchanged file', async () => {
    const copy = await writeAllFormats(V1, 'garbage');
    const cache = newCache();
    await analyseImage(copy.sources.oci, { matrix, cache });
    for (const d of copy.image.layerDigests) writeFileSync(join(copy.layoutDir, 'blobs', 'sha256', d.slice('sha256:'.length)), 'not a layer');
    await expect(analyseImage(copy.sources.oci, { matrix, cache })).rejects.toMatchObject({ code: 'CORRUPT_LAYER' });
  });

  test('a tool version bump invalidates every entry; new matrix data does not (layer analysis never reads it)', async () => {
    const dir = tempDir('cg-cache-');
    const cache = (tool?: string) => openLayerCache({ dir, version: layerCacheVersion(tool) })!;
    await analyseImage(v1.sources.oci, { matrix, cache: cache() });
    probe.reset();
    await analyseImage(v1.sources.oci, { matrix, cache: cache() });
    expect(probe.opened).toBe(0);

    // a data-only matrix update: another version, other rows — every layer still comes from the cache
    const newerData: Matrix = { ...matrix, meta: { ...matrix.meta, version: `${matrix.meta.version}.1` }, releases: matrix.releases.slice(1) };
    const warm = await analyseImage(v1.sources.oci, { matrix: newerData, cache: cache() });
    expect(probe.opened).toBe(0);
    expect(warm.image.scan.layersFromCache).toBe(warm.image.layers.length);

    await analyseImage(v1.sources.oci, { matrix, cache: cache('99.0.0') });
    expect(probe.opened).toBe(3);
  });

  test('the version key moves with the tool and what the analysis keeps, never with the matrix', () => {
    const base = layerCacheVersion();
    expect(layerCacheVersion()).toBe(base);
    expect(layerCacheVersion('0.0.1-other')).not.toBe(base);
    expect(layerCacheVersion.length).toBe(0); // no matrix parameter: nothing of the matrix can reach the key
  });

  test('several images in one run: each local file is read once, the warm run opens nothing; verdicts unchanged', async () => {
    const cache = newCache();
    const targets = [adHocTarget({ driver: '550.54.15', gpu: 'A100' }, matrix), adHocTarget({ driver: '470.82.01', gpu: 'T4', name: 'old' }, matrix)];
    const run = (c?: LayerCache) =>
      checkImages({ sources: [v1.sources['oci-archive'], v2.sources['oci-archive']], targets, policy: DEFAULT_POLICY, matrix, cache: c });
    const cold = await run(cache);
    expect(cold.images.map((i) => [i.scan.layersRead, i.scan.layersFromCache])).toEqual([
      [3, 0],
      [3, 0],
    ]);
    probe.reset();
    const warm = await run(cache);
    expect(probe.opened).toBe(0);
    expect(comparableReport(warm)).toEqual(comparableReport(cold));
    expect(comparableReport(await run())).toEqual(comparableReport(cold));
  });
});
