/**
 * The action's cache restore/save around the per-layer cache, with a stand-in for the Actions cache service: any
 * failure of the service is a line in the log, never a failed step; nothing is saved when nothing was added.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ActionLayerCache, cacheServiceMissing, defaultKeySuffix, layerCacheKeys, type ActionLog, type CacheService } from '../../src/action/layer-cache';
import { getInputs } from '../../src/action/inputs';
import { layerCacheVersion } from '../../src/engine/cache-version';
import { TOOL_VERSION } from '../../src/model/tool-version';
import type { LayerResult } from '../../src/layers/types';
import { tempDir } from '../helpers/tmp';

const SERVICE_ENV = { ACTIONS_CACHE_URL: 'https://cache.example/', ACTIONS_RUNTIME_TOKEN: 't', RUNNER_OS: 'Linux', GITHUB_RUN_ID: '4242' };
const LAYER: LayerResult = { digest: `sha256:${'a'.repeat(64)}`, entryCount: 0, tarBytes: 1024, entries: [], whiteouts: [], opaqueDirs: [], findings: [] };

function log(): ActionLog & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => lines.push(`info: ${m}`), warning: (m) => lines.push(`warning: ${m}`), debug: (m) => lines.push(`debug: ${m}`) };
}

function service(over: Partial<CacheService> = {}): CacheService & { saved: string[]; restored: string[][] } {
  const saved: string[] = [];
  const restored: string[][] = [];
  return {
    saved,
    restored,
    restoreCache: async (_paths, key, restoreKeys) => {
      restored.push([key, ...(restoreKeys ?? [])]);
      return undefined;
    },
    saveCache: async (_paths, key) => {
      saved.push(key);
      return 1;
    },
    ...over,
  };
}

test('keys: cuda-gate-layers-<os>-<tool version>-<analysis version>-<job>-<leg>-<run id>, restored by prefixes; no matrix in them', () => {
  const keys = layerCacheKeys({ RUNNER_OS: 'Linux', GITHUB_RUN_ID: '77', GITHUB_JOB: 'gate' }, '1.2.3', 'leg');
  const analysis = layerCacheVersion('1.2.3');
  expect(analysis).toMatch(/^v-[0-9a-f]{16}$/);
  const prefix = `cuda-gate-layers-linux-1.2.3-${analysis}-`;
  expect(keys).toEqual({ primaryKey: `${prefix}gate-leg-77`, restoreKeys: [`${prefix}gate-leg-`, `${prefix}gate-`, prefix] });
  // another tool version is another analysis: its own key
  expect(layerCacheKeys({ RUNNER_OS: 'Linux', GITHUB_RUN_ID: '77', GITHUB_JOB: 'gate' }, '1.2.4', 'leg').primaryKey).not.toBe(keys.primaryKey);
});

test('without ACTIONS_CACHE_URL or a runtime token there is no service: said as info, the cache still works for the job', async () => {
  expect(cacheServiceMissing({})).toMatch(/ACTIONS_CACHE_URL/);
  expect(cacheServiceMissing({ ACTIONS_RESULTS_URL: 'x' })).toMatch(/ACTIONS_RUNTIME_TOKEN/);
  const l = log();
  const fake = service();
  const c = await ActionLayerCache.restore({ log: l, env: {}, dir: tempDir(), service: async () => fake });
  expect(c.cache).toBeDefined();
  c.cache!.put(LAYER.digest, LAYER);
  await c.save();
  expect(fake.restored).toEqual([]);
  expect(fake.saved).toEqual([]);
  expect(l.lines.filter((x) => x.startsWith('warning'))).toEqual([]);
  expect(l.lines.join('\n')).toMatch(/cache service is not available/);
});

test("restores by key and prefix, then saves under this run's key when layers were added", async () => {
  const l = log();
  const fake = service();
  const c = await ActionLayerCache.restore({ log: l, env: SERVICE_ENV, dir: tempDir(), service: async () => fake });
  const prefix = `cuda-gate-layers-linux-${TOOL_VERSION}-${layerCacheVersion()}-`;
  const leg = `${prefix}local-${defaultKeySuffix(SERVICE_ENV)}-`;
  expect(fake.restored).toEqual([[`${leg}4242`, leg, `${prefix}local-`, prefix]]);
  c.cache!.put(LAYER.digest, LAYER);
  await c.save();
  expect(fake.saved).toEqual([`${leg}4242`]);
});

test("nothing is saved when every layer came from the cache, nor when this run's key was restored", async () => {
  const fake = service();
  const unchanged = await ActionLayerCache.restore({ log: log(), env: SERVICE_ENV, dir: tempDir(), service: async () => fake });
  await unchanged.save();
  const sameRun = service({ restoreCache: async (_p, key) => key });
  const rerun = await ActionLayerCache.restore({ log: log(), env: SERVICE_ENV, dir: tempDir(), service: async () => sameRun });
  rerun.cache!.put(LAYER.digest, LAYER);
  await rerun.save();
  expect([...fake.saved, ...sameRun.saved]).toEqual([]);
});

test('a failing service (restore, save, loading the module) is a warning, never a throw', async () => {
  const l = log();
  const broken = service({
    restoreCache: async () => {
      throw new Error('cache service 503');
    },
    saveCache: async () => {
      throw new Error('upload reset');
    },
  });
  const c = await ActionLayerCache.restore({ log: l, env: SERVICE_ENV, dir: tempDir(), service: async () => broken });
  c.cache!.put(LAYER.digest, LAYER);
  await expect(c.save()).resolves.toBeUndefined();
  expect(l.lines.filter((x) => x.startsWith('warning'))).toEqual([
    expect.stringMatching(/could not restore the layer cache: cache service 503/),
    expect.stringMatching(/could not save the layer cache: upload reset/),
  ]);

  const l2 = log();
  const unloadable = await ActionLayerCache.restore({ log: l2, env: SERVICE_ENV, dir: tempDir(), service: () => Promise.reject(new Error('no module')) });
  expect(unloadable.cache).toBeDefined();
  expect(l2.lines.join('\n')).toMatch(/warning: .*could not restore the layer cache: no module/);
});

test('another job of the run saving the same key first is only info', async () => {
  const l = log();
  const taken = service({
    saveCache: async () => {
      throw Object.assign(new Error('Unable to reserve cache with key'), { name: 'ReserveCacheError' });
    },
  });
  const c = await ActionLayerCache.restore({ log: l, env: SERVICE_ENV, dir: tempDir(), service: async () => taken });
  c.cache!.put(LAYER.digest, LAYER);
  await c.save();
  expect(l.lines.filter((x) => x.startsWith('warning'))).toEqual([]);
  expect(l.lines.join('\n')).toMatch(/info: cuda-gate: layer cache not saved: Unable to reserve/);
});

test('a cache directory that cannot be made: a warning, no cache, nothing saved', async () => {
  const l = log();
  const fake = service();
  const file = join(tempDir(), 'a-file');
  writeFileSync(file, '');
  const c = await ActionLayerCache.restore({ log: l, env: SERVICE_ENV, dir: join(file, 'cache'), service: async () => fake });
  expect(c.cache).toBeUndefined();
  await c.save();
  expect(fake.saved).toEqual([]);
  expect(l.lines.join('\n')).toMatch(/warning: cuda-gate: cache: cannot create or write the cache directory/);
});

describe('inputs scan and cache', () => {
  const env = (extra: Record<string, string>) => ({ INPUT_IMAGES: 'oci:x', ...extra });
  test('defaults: a full scan, the cache on', () => {
    expect(getInputs(env({}))).toMatchObject({ scan: 'full', cache: true });
  });
  test('scan: config and cache: false are read', () => {
    expect(getInputs(env({ INPUT_SCAN: 'config', INPUT_CACHE: 'false' }))).toMatchObject({ scan: 'config', cache: false });
  });
  test('anything else is bad input naming the input', () => {
    expect(() => getInputs(env({ INPUT_SCAN: 'fast' }))).toThrow(/input "scan": "fast" is not one of full, config/);
    expect(() => getInputs(env({ INPUT_CACHE: 'maybe' }))).toThrow(/input "cache": "maybe" is not a boolean/);
  });
});
