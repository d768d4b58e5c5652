/**
 * The per-layer cache over every source kind the real tools produce: the daemon (dockerd at DOCKER_HOST), its
 * `docker save` (docker-archive), and skopeo's oci-archive and oci layout. Two images share their lower layers
 * (built FROM one base) and differ in the top one. For each kind: a cold scan fills the cache, a warm rescan reads
 * no layer (a daemon does not even export) and gives the same report, and the other image reads only its top layer.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { openLayerCache, type LayerCache } from '../../src/cache/layer-cache';
import { layerCacheVersion } from '../../src/engine/cache-version';
import { analyseImage } from '../../src/engine/check';
import { loadMatrix } from '../../src/matrix/load';
import { adHocTarget } from '../../src/targets/load';
import { DEFAULT_POLICY } from '../../src/model/policy';
import { judge } from '../../src/verdict/judge';
import { comparable, probeReads, type ReadProbe } from '../cache/probes';
import { removeImages, run, saveImage, skopeoCopy, uniqueTag } from '../helpers/docker-cli';
import { describeWithEngines } from '../helpers/engines';
import { tempDir } from '../helpers/tmp';

const matrix = loadMatrix();
const targets = [
  adHocTarget({ driver: '550.54.15', gpu: 'A100', name: 'r550' }, matrix),
  adHocTarget({ driver: '470.82.01', gpu: 'T4', name: 'r470' }, matrix),
];
const KERNELS = readFileSync(join(__dirname, '../fixtures/fatbin/libsass_sm80.so'));

/** `docker build` of a context holding `files` (text or bytes) and this Dockerfile. */
async function build(tag: string, dockerfile: string, files: Record<string, string | Buffer>): Promise<void> {
  const ctx = tempDir('cg-cache-ctx-');
  for (const [path, body] of Object.entries(files)) {
    mkdirSync(dirname(join(ctx, path)), { recursive: true });
    writeFileSync(join(ctx, path), body);
  }
  writeFileSync(join(ctx, 'Dockerfile'), dockerfile);
  await run('docker', ['build', '-q', '-t', tag, ctx], { DOCKER_BUILDKIT: '0' });
}

type Kind = 'daemon' | 'docker-archive' | 'oci-archive' | 'oci';
const KINDS: Kind[] = ['daemon', 'docker-archive', 'oci-archive', 'oci'];

describeWithEngines('per-layer cache over every source kind', ['docker', 'skopeo'], () => {
  const base = uniqueTag('cache-base');
  const first = uniqueTag('cache-app');
  const second = uniqueTag('cache-app');
  const dir = tempDir('cg-cache-every-');
  const sources: Record<'first' | 'second', Record<Kind, string>> = { first: {} as Record<Kind, string>, second: {} as Record<Kind, string> };
  let probe: ReadProbe;

  beforeAll(async () => {
    // two lower layers (the CUDA runtime, a library with device code), then an ENV: shared by both apps
    await build(base, 'FROM scratch\nCOPY cuda/ /usr/local/cuda-12.4/\nCOPY lib/ /usr/lib/\nENV CUDA_VERSION=12.4.127 NVIDIA_REQUIRE_CUDA="cuda>=12.4"\n', {
      'cuda/version.json': '{"cuda":{"name":"CUDA SDK","version":"12.4.1"}}',
      'cuda/lib64/libcudart.so.12.4.127': 'not really an ELF: cudart 12.4.127',
      'lib/libkernels.so': KERNELS,
    });
    for (const [tag, text] of [
      [first, 'first'],
      [second, 'second'],
    ]) {
      await build(tag, `FROM ${base}\nCOPY app.txt /opt/app/app.txt\n`, { 'app.txt': text });
    }
    for (const [name, tag] of [
      ['first', first],
      ['second', second],
    ] as const) {
      const archive = join(dir, `${name}.tar`);
      await saveImage(tag, archive);
      await skopeoCopy(`docker-archive:${archive}`, `oci-archive:${join(dir, `${name}-oci.tar`)}:${name}`);
      await skopeoCopy(`docker-archive:${archive}`, `oci:${join(dir, `${name}-layout`)}:${name}`);
      sources[name] = {
        daemon: `docker-daemon:${tag}`,
        'docker-archive': `docker-archive:${archive}`,
        'oci-archive': `oci-archive:${join(dir, `${name}-oci.tar`)}`,
        oci: `oci:${join(dir, `${name}-layout`)}:${name}`,
      };
    }
  }, 180_000);
  afterAll(() => removeImages(first, second, base));

  beforeEach(() => {
    probe = probeReads();
  });
  afterEach(() => probe.restore());

  const newCache = (): LayerCache => openLayerCache({ dir: tempDir('cg-cache-'), version: layerCacheVersion() })!;
  const verdicts = (requirement: Parameters<typeof judge>[0]['requirement']) =>
    targets.map((t) => {
      const r = judge({ image: 'x', requirement, target: t, policy: DEFAULT_POLICY }, matrix);
      return [t.name, r.verdict, r.reasons.map((x) => x.code)];
    });

  test.each(KINDS)('%s: a cold scan fills the cache; a warm rescan reads no layer and gives the identical report', async (kind) => {
    const cache = newCache();
    const cold = await analyseImage(sources.first[kind], { matrix, cache });
    expect(cold.image.scan).toMatchObject({ layersRead: 3, layersFromCache: 0 });
    expect(probe.analysed).toBe(3);
    expect(readdirSync(join(cache.dir, 'layers', cache.version))).toHaveLength(3);
    expect(cold.image.evidence.map((e) => e.kind)).toEqual(expect.arrayContaining(['cudart', 'gpu-code', 'nvidia-require']));

    probe.reset();
    const warm = await analyseImage(sources.first[kind], { matrix, cache });
    expect({ analysed: probe.analysed, opened: probe.opened, exports: probe.exports }).toEqual({ analysed: 0, opened: 0, exports: 0 });
    expect(warm.image.scan).toMatchObject({ layersRead: 0, layersFromCache: 3, bytesRead: 0 });
    expect(comparable(warm.image)).toEqual(comparable(cold.image));
    expect(verdicts(warm.requirement)).toEqual(verdicts(cold.requirement));
    // the instructions come back too (a daemon's inspect has no history: it is cached by image digest)
    expect(warm.image.layers.map((l) => l.instruction)).toEqual([
      expect.stringMatching(/^COPY dir:/),
      expect.stringMatching(/^COPY dir:/),
      expect.stringMatching(/^COPY file:/),
    ]);
  });

  test.each(KINDS)('%s: an image sharing its lower layers with a cached one reads only its new top layer (a local file: all)', async (kind) => {
    const cache = newCache();
    await analyseImage(sources.first[kind], { matrix, cache });
    probe.reset();
    const rebuilt = await analyseImage(sources.second[kind], { matrix, cache });
    // issue 17: another local file's diffIDs are claims, so its layers are read (entries are keyed by the file)
    const read = kind === 'daemon' ? 1 : 3;
    expect({ analysed: probe.analysed, opened: probe.opened }).toEqual({ analysed: read, opened: read });
    expect(rebuilt.image.scan).toMatchObject({ layersRead: read, layersFromCache: 3 - read });
    // a daemon cannot seek: one export, whose cached layers pass unread
    expect(probe.exports).toBe(kind === 'daemon' ? 1 : 0);
    const uncached = await analyseImage(sources.second[kind], { matrix });
    expect(comparable(rebuilt.image)).toEqual(comparable(uncached.image));
  });

  test('what the daemon fills serves no local file: an archive or layout only claims the daemon-verified diffIDs', async () => {
    const cache = newCache();
    await analyseImage(sources.first.daemon, { matrix, cache });
    for (const kind of KINDS.filter((k) => k !== 'daemon')) {
      probe.reset();
      const warm = await analyseImage(sources.first[kind], { matrix, cache });
      expect({ kind, analysed: probe.analysed, opened: probe.opened }).toEqual({ kind, analysed: 3, opened: 3 });
      const uncached = await analyseImage(sources.first[kind], { matrix });
      expect(comparable(warm.image)).toEqual(comparable(uncached.image));
    }
  });

  test('daemon: a lost or corrupt cached history costs one export reading the top layer, never a wrong report', async () => {
    const cache = newCache();
    const cold = await analyseImage(sources.first.daemon, { matrix, cache });
    const images = join(cache.dir, 'images');
    for (const f of readdirSync(images)) writeFileSync(join(images, f), '{"format":1,"kind":"hist');
    probe.reset();
    const again = await analyseImage(sources.first.daemon, { matrix, cache });
    expect({ exports: probe.exports, analysed: probe.analysed }).toEqual({ exports: 1, analysed: 1 });
    expect(comparable(again.image)).toEqual(comparable(cold.image));
    probe.reset();
    await analyseImage(sources.first.daemon, { matrix, cache });
    expect({ exports: probe.exports, analysed: probe.analysed }).toEqual({ exports: 0, analysed: 0 });
  });
});
