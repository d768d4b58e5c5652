/**
 * `docker://` against a real docker-registry on loopback: one image pushed by skopeo as Docker v2s2 and as OCI
 * (gzip and zstd layers) reads exactly as its OCI layout, oci-archive and docker-archive do; a multi-arch index
 * picks the requested platform; digests, missing names, dead ports, skipped layers and bounded parallel downloads
 * behave; a blob tampered with in the registry's storage fails the read with DIGEST_MISMATCH.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyseImage } from '../../src/engine/check';
import type { ReportEvidence } from '../../src/report/types';
import { loadMatrix } from '../../src/matrix/load';
import { openImage } from '../../src/sources/open';
import { parsePlatform } from '../../src/sources/platform';
import { parseSourceRef } from '../../src/sources/ref';
import { registryStats, resetRegistryStats } from '../../src/sources/registry/stats';
import { layerKey, type Image, type OpenOptions } from '../../src/sources/types';
import { CUDA_FIXTURE, contentOf, readBack, type ReadBack } from '../helpers/cuda-fixture';
import { skopeoCopy } from '../helpers/docker-cli';
import { OciLayoutWriter, writeOciImage, type WrittenImage } from '../helpers/oci-layout';
import { blobDataPath, describeWithRegistry, push, startRegistry, uniqueRepo, type LocalRegistry } from '../helpers/registry';
import { tempDir } from '../helpers/tmp';
import { gateErrorOf } from '../helpers/gate-error';
import { layersInFlight } from '../helpers/layer-concurrency';

function open(raw: string, opts: OpenOptions = {}): Promise<Image> {
  return openImage(parseSourceRef(raw), opts);
}

/** Evidence without the layer digest, which legitimately differs when a transport recompresses. */
const portable = (ev: ReportEvidence[]): unknown[] => ev.map(({ layer: _layer, ...rest }) => rest);

describeWithRegistry('docker:// from a real registry', () => {
  const host = process.env.TEST_REGISTRY as string;
  const dir = tempDir('cg-registry-test-');
  const ociDir = join(dir, 'oci');
  const pushed = {
    'docker v2s2 (gzip)': `${host}/${uniqueRepo('v2s2')}:1`,
    'oci (gzip)': `${host}/${uniqueRepo('oci-gzip')}:1`,
    'oci (zstd)': `${host}/${uniqueRepo('oci-zstd')}:1`,
  };
  const multi = `${host}/${uniqueRepo('multi')}:1`;
  const fiveLayers = `${host}/${uniqueRepo('five')}:1`;
  let amd64: WrittenImage;
  let arm64: WrittenImage;
  let reference: ReadBack;
  /** per pushed variant: the same image read from the OCI layout it was pushed from */
  const references: Record<string, ReadBack> = {};

  /**
   * The fixture with one extra file per layer, new every run and per variant: skopeo's blob-info cache would
   * otherwise push (or mount) blobs it pushed before for the same content, zstd ones into a "gzip" image included.
   */
  async function variantLayout(variant: string): Promise<string> {
    const nonce = `.nonce-${variant}-${process.pid}-${Date.now()}`;
    const layout = join(dir, variant);
    await writeOciImage(layout, { ...CUDA_FIXTURE, layers: CUDA_FIXTURE.layers.map((l) => ({ ...l, [nonce]: nonce })) }, 'v');
    references[variant] = await readBack(await open(`oci:${layout}:v`));
    return `oci:${layout}:v`;
  }

  beforeAll(async () => {
    await writeOciImage(ociDir, CUDA_FIXTURE, 'cuda-fixture');
    const src = `oci:${ociDir}:cuda-fixture`;
    await Promise.all([
      push(await variantLayout('v2s2'), pushed['docker v2s2 (gzip)'], { format: 'v2s2' }),
      push(await variantLayout('oci-gzip'), pushed['oci (gzip)'], { format: 'oci' }),
      push(await variantLayout('oci-zstd'), pushed['oci (zstd)'], { format: 'oci', zstd: true }),
      skopeoCopy(src, `oci-archive:${join(dir, 'oci.tar')}:cuda-fixture`),
      skopeoCopy(src, `docker-archive:${join(dir, 'docker.tar')}:cuda-gate-test/registry:1`),
    ]);

    const multiDir = join(dir, 'multi');
    const w = new OciLayoutWriter(multiDir);
    const nonce = { [`.nonce-multi-${process.pid}-${Date.now()}`]: '' };
    amd64 = await w.image({ ...CUDA_FIXTURE, layers: CUDA_FIXTURE.layers.map((l) => ({ ...l, ...nonce })), gzip: true });
    arm64 = await w.image({ layers: [{ 'etc/': { dir: true }, 'etc/arch': 'arm64', ...nonce }], platform: { os: 'linux', architecture: 'arm64' }, gzip: true });
    w.writeIndex([{ descriptor: w.platformIndex([amd64, arm64], { attestation: true }), refName: 'multi' }]);
    await push(`oci:${multiDir}:multi`, multi, { all: true });

    const fiveDir = join(dir, 'five');
    await writeOciImage(fiveDir, { layers: [0, 1, 2, 3, 4].map((i) => ({ [`f${i}`]: `layer ${i} ${Date.now()}` })), gzip: true }, 'five');
    await push(`oci:${fiveDir}:five`, fiveLayers);

    reference = await readBack(await open(`oci:${ociDir}:cuda-fixture`));
  }, 60_000);

  beforeEach(() => resetRegistryStats());

  test.each(Object.keys(pushed))('%s reads with the same layer results, merged view and config as the oci layout', async (name) => {
    const image = await open(`docker://${pushed[name as keyof typeof pushed]}`);
    const got = await readBack(image);
    const want = references[{ 'docker v2s2 (gzip)': 'v2s2', 'oci (gzip)': 'oci-gzip', 'oci (zstd)': 'oci-zstd' }[name] as string];
    expect(got.results.map(contentOf)).toEqual(want.results.map(contentOf));
    expect(got.view.entries()).toEqual(want.view.entries().map((e) => ({ ...e, layerDigest: got.results[e.layerIndex].digest })));
    expect(got.config).toEqual(want.config);
    expect(image.kind).toBe('docker');
    expect(image.platform).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(image.layers.map((l) => l.diffId)).toEqual(want.results.map((r) => r.diffId));
    expect(got.results.map((r) => r.digest)).toEqual(image.layers.map((l) => l.digest));
    const suffix = name === 'docker v2s2 (gzip)' ? 'diff.tar.gzip' : name === 'oci (zstd)' ? 'tar+zstd' : 'tar+gzip';
    expect(image.layers.every((l) => l.mediaType?.endsWith(suffix))).toBe(true);
  });

  test('evidence and requirement equal those of the same image read from its docker-archive and oci-archive', async () => {
    const matrix = loadMatrix();
    const fromArchive = await analyseImage(`docker-archive:${join(dir, 'docker.tar')}`, { matrix });
    const fromOciArchive = await analyseImage(`oci-archive:${join(dir, 'oci.tar')}`, { matrix });
    expect(fromArchive.image.evidence.length).toBeGreaterThan(0);
    for (const source of Object.values(pushed)) {
      const got = await analyseImage(`docker://${source}`, { matrix });
      expect(portable(got.image.evidence)).toEqual(portable(fromArchive.image.evidence));
      expect(portable(got.image.evidence)).toEqual(portable(fromOciArchive.image.evidence));
      expect(got.image.requirement).toEqual(fromArchive.image.requirement);
      expect(got.image.cuda).toEqual(fromArchive.image.cuda);
    }
  });

  test('the image digest is the manifest digest, and pulling by it gives the same image', async () => {
    const byTag = await open(`docker://${pushed['oci (gzip)']}`);
    expect(byTag.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    const repo = pushed['oci (gzip)'].replace(/:1$/, '');
    const byDigest = await open(`docker://${repo}@${byTag.digest}`);
    expect(byDigest.digest).toBe(byTag.digest);
    expect(byDigest.layers).toEqual(byTag.layers);
    expect(byDigest.ref).toBe(`${repo}@${byTag.digest}`);
  });

  test('a multi-arch index gives linux/amd64 by default and the platform asked for otherwise', async () => {
    const image = await open(`docker://${multi}`);
    expect(image.platform).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(image.digest).toBe(amd64.manifest.digest);
    expect(image.layers.map((l) => l.diffId)).toEqual(amd64.diffIds);
    const got = await readBack(image);
    const paths = got.view.entries().map((e) => e.path);
    expect(paths.filter((p) => !p.startsWith('.nonce'))).toEqual(reference.view.entries().map((e) => e.path));

    const arm = await open(`docker://${multi}`, { platform: parsePlatform('linux/arm64') });
    expect(arm.platform).toEqual({ os: 'linux', architecture: 'arm64' });
    expect(arm.digest).toBe(arm64.manifest.digest);
    expect((await readBack(arm)).view.get('etc/arch')?.content).toBe('arm64');
  });

  test('a platform the index lacks is PLATFORM_NOT_FOUND listing those present, attestations left out', async () => {
    const err = await gateErrorOf(() => open(`docker://${multi}`, { platform: parsePlatform('linux/s390x') }));
    expect(err.code).toBe('PLATFORM_NOT_FOUND');
    expect(err.message).toContain('platforms present: linux/amd64, linux/arm64');
    expect(err.message).not.toContain('unknown');
  });

  test('a single-platform image asked for another platform is PLATFORM_NOT_FOUND', async () => {
    const err = await gateErrorOf(() => open(`docker://${pushed['oci (gzip)']}`, { platform: parsePlatform('linux/arm64') }));
    expect(err.code).toBe('PLATFORM_NOT_FOUND');
    expect(err.message).toContain('linux/amd64');
  });

  test('a tag that is not there is IMAGE_NOT_FOUND naming it', async () => {
    const raw = `docker://${pushed['oci (gzip)'].replace(/:1$/, ':no-such-tag')}`;
    const err = await gateErrorOf(() => open(raw));
    expect(err.code).toBe('IMAGE_NOT_FOUND');
    expect(err.message).toContain(raw);
    expect(err.message).toContain('no-such-tag');
  });

  test('a repository that is not there is IMAGE_NOT_FOUND too', async () => {
    const err = await gateErrorOf(() => open(`docker://${host}/${uniqueRepo('never-pushed')}:1`));
    expect(err.code).toBe('IMAGE_NOT_FOUND');
  });

  test('a port nothing listens on is REGISTRY_ERROR naming host:port, at once', async () => {
    const started = Date.now();
    const err = await gateErrorOf(() => open('docker://127.0.0.1:1/org/app:1'));
    expect(err.code).toBe('REGISTRY_ERROR');
    expect(err.message).toContain('127.0.0.1:1');
    expect(err.message).toContain('connection refused');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  test('skipped layers are never fetched', async () => {
    const image = await open(`docker://${pushed['oci (gzip)']}`);
    resetRegistryStats();
    const read = await image.readLayers(
      async (layer, tar) => {
        tar.resume();
        await new Promise((r) => tar.on('end', r));
        return layer.index;
      },
      { only: [layerKey(image.layers[1])] },
    );
    expect(read.results).toEqual([undefined, 1, undefined]);
    const stats = registryStats();
    expect(stats.layerGets).toBe(1);
    expect(Object.keys(stats.blobGetsByDigest)).toEqual([image.layers[1].digest]);

    resetRegistryStats();
    const none = await image.readLayers(async () => 'read', { only: [] });
    expect(none.results).toEqual([undefined, undefined, undefined]);
    expect(registryStats().blobGets).toBe(0);
  });

  test('layers download in parallel, bounded by the concurrency option, and results come back in order', async () => {
    const measure = async (opts: OpenOptions) => layersInFlight(await open(`docker://${fiveLayers}`, opts), { base: 60, others: 10 });
    expect(await measure({})).toEqual({ most: 3, results: [0, 1, 2, 3, 4] });
    expect(await measure({ registry: { concurrency: 1 } })).toEqual({ most: 1, results: [0, 1, 2, 3, 4] });
  });
});

describeWithRegistry(
  'a blob tampered with in the registry storage',
  () => {
    let registry: LocalRegistry;
    let name: string;
    let layers: string[];
    const originals = new Map<string, Buffer>();

    beforeAll(async () => {
      registry = await startRegistry();
      const ociDir = join(tempDir(), 'oci');
      await writeOciImage(ociDir, CUDA_FIXTURE, 'v1');
      name = `${registry.host}/${uniqueRepo('tampered')}:1`;
      await push(`oci:${ociDir}:v1`, name, { format: 'oci' });
      layers = (await open(`docker://${name}`)).layers.map((l) => l.digest);
      for (const d of layers) originals.set(d, readFileSync(blobDataPath(registry, d)));
    });
    afterAll(() => registry?.stop());
    afterEach(() => {
      for (const [d, bytes] of originals) writeFileSync(blobDataPath(registry, d), bytes);
    });

    test('a changed gzip header (same size, same content) is DIGEST_MISMATCH naming the layer', async () => {
      const bytes = Buffer.from(originals.get(layers[2]) as Buffer);
      bytes[4] ^= 0xff; // gzip MTIME: gunzip ignores it, the digest does not
      writeFileSync(blobDataPath(registry, layers[2]), bytes);
      const err = await gateErrorOf(async () => readBack(await open(`docker://${name}`)));
      expect(err.code).toBe('DIGEST_MISMATCH');
      expect(err.message).toContain(`layer ${layers[2]} of docker://${name}`);
    });

    test('a corrupted byte mid-blob is DIGEST_MISMATCH naming the layer, not a decompression error', async () => {
      const bytes = Buffer.from(originals.get(layers[0]) as Buffer);
      bytes[Math.floor(bytes.length / 2)] ^= 0xff;
      writeFileSync(blobDataPath(registry, layers[0]), bytes);
      const err = await gateErrorOf(async () => readBack(await open(`docker://${name}`)));
      expect(err.code).toBe('DIGEST_MISMATCH');
      expect(err.message).toContain(`layer ${layers[0]}`);
    });
  },
  { own: true },
);
