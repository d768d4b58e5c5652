/**
 * The layer cache key names the job and the matrix leg, so parallel legs of one run each save their own cache
 * instead of racing for one key (the first save won and the others' new layers were lost); a restore falls back
 * from the same leg to the same job to any job, because entries are keyed by verified layer identity.
 */
import { ActionLayerCache, defaultKeySuffix, layerCacheKeys, type CacheService } from '../../src/action/layer-cache';
import { getInputs } from '../../src/action/inputs';
import { layerCacheVersion } from '../../src/engine/cache-version';
import { TOOL_VERSION } from '../../src/model/tool-version';
import type { LayerResult } from '../../src/layers/types';
import { tempDir } from '../helpers/tmp';

const RUN = { RUNNER_OS: 'Linux', GITHUB_RUN_ID: '4242', GITHUB_JOB: 'gate' };
const PREFIX = `cuda-gate-layers-linux-${TOOL_VERSION}-${layerCacheVersion()}-`;
/** what the runner passes a matrix leg: INPUT_* for the leg's own with: values */
const leg = (image: string, extra: Record<string, string> = {}) => ({ ...RUN, INPUT_IMAGES: image, INPUT_TARGETS: '.github/cuda-targets.yml', ...extra });

test('the key is <prefix><job>-<leg>-<run id>, restored from the same leg, then the same job, then any job', () => {
  const keys = layerCacheKeys(RUN, TOOL_VERSION, 'trainer');
  expect(keys).toEqual({
    primaryKey: `${PREFIX}gate-trainer-4242`,
    restoreKeys: [`${PREFIX}gate-trainer-`, `${PREFIX}gate-`, PREFIX],
  });
});

test('two legs of one matrix job get two keys; the same leg in the next run restores its own', () => {
  const a = layerCacheKeys(leg('docker-daemon:app-trainer:pr'));
  const b = layerCacheKeys(leg('docker-daemon:app-inference:pr'));
  expect(a.primaryKey).not.toBe(b.primaryKey);
  expect(a.primaryKey.startsWith(`${PREFIX}gate-`)).toBe(true);
  const next = layerCacheKeys({ ...leg('docker-daemon:app-trainer:pr'), GITHUB_RUN_ID: '4243' });
  expect(next.restoreKeys[0]).toBe(a.restoreKeys[0]);
  expect(a.primaryKey.startsWith(next.restoreKeys[0])).toBe(true);
});

test('legs that differ only in platform, targets or driver differ too; the token and the comment mode do not count', () => {
  const base = defaultKeySuffix(leg('ghcr.io/org/inference:latest'));
  expect(defaultKeySuffix(leg('ghcr.io/org/inference:latest', { INPUT_PLATFORM: 'linux/arm64' }))).not.toBe(base);
  expect(defaultKeySuffix(leg('ghcr.io/org/inference:latest', { 'INPUT_BASELINE-IMAGES': 'ghcr.io/org/inference:main' }))).not.toBe(base);
  expect(defaultKeySuffix(leg('ghcr.io/org/inference:latest', { INPUT_TARGETS: 'fleet-b.yml' }))).not.toBe(base);
  expect(defaultKeySuffix(leg('ghcr.io/org/inference:latest', { INPUT_DRIVER: '550.54.15' }))).not.toBe(base);
  expect(defaultKeySuffix(leg('ghcr.io/org/inference:latest', { 'INPUT_GITHUB-TOKEN': 'ghs_x', INPUT_COMMENT: 'never' }))).toBe(base);
  expect(base).toMatch(/^in[0-9a-f]{12}$/);
});

test('two jobs of one run with the same inputs get two keys', () => {
  expect(layerCacheKeys({ ...RUN, GITHUB_JOB: 'gate-amd64' }).primaryKey).not.toBe(layerCacheKeys({ ...RUN, GITHUB_JOB: 'gate-arm64' }).primaryKey);
});

test('cache-key-suffix names the leg; what a key cannot hold becomes _ and a long one a hash, within the 512-character limit', () => {
  expect(layerCacheKeys(RUN, TOOL_VERSION, 'inference arm64, cu12').primaryKey).toBe(`${PREFIX}gate-inference_arm64__cu12-4242`);
  const long = layerCacheKeys(RUN, TOOL_VERSION, 'x'.repeat(600)).primaryKey;
  expect(long.length).toBeLessThan(512);
  expect(long).not.toMatch(/,/);
  expect(layerCacheKeys(RUN, TOOL_VERSION, 'x'.repeat(600)).primaryKey).not.toBe(layerCacheKeys(RUN, TOOL_VERSION, `${'x'.repeat(599)}y`).primaryKey);
});

test('the cache-key-suffix input is read, and reaches the key the action restores and saves', async () => {
  const env = { ...RUN, INPUT_IMAGES: 'oci:x', 'INPUT_CACHE-KEY-SUFFIX': ' trainer ', ACTIONS_CACHE_URL: 'https://cache.example/', ACTIONS_RUNTIME_TOKEN: 't' };
  const inputs = getInputs(env);
  expect(inputs.cacheKeySuffix).toBe('trainer');
  expect(getInputs({ INPUT_IMAGES: 'oci:x' }).cacheKeySuffix).toBeUndefined();

  const restored: string[][] = [];
  const saved: string[] = [];
  const service: CacheService = {
    restoreCache: async (_p, key, restoreKeys) => (restored.push([key, ...(restoreKeys ?? [])]), undefined),
    saveCache: async (_p, key) => (saved.push(key), 1),
  };
  const log = { info: () => {}, warning: () => {}, debug: () => {} };
  const c = await ActionLayerCache.restore({ log, env, dir: tempDir(), service: async () => service, keySuffix: inputs.cacheKeySuffix });
  const layer: LayerResult = { digest: `sha256:${'b'.repeat(64)}`, entryCount: 0, tarBytes: 1, entries: [], whiteouts: [], opaqueDirs: [], findings: [] };
  c.cache!.put(layer.digest, layer);
  await c.save();
  expect(restored).toEqual([[`${PREFIX}gate-trainer-4242`, `${PREFIX}gate-trainer-`, `${PREFIX}gate-`, PREFIX]]);
  expect(saved).toEqual([`${PREFIX}gate-trainer-4242`]);
});
