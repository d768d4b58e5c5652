/**
 * The action keeps the per-layer cache between workflow runs with the Actions cache service: restored before the
 * images are read, saved after. A run whose cache cannot be restored or saved (no cache service — a local run, a
 * test —, a read-only token, a network error) only says so: the gate never depends on it.
 * @actions/cache is ESM-only and is loaded on first use, so unit tests import this module without it.
 */
import { createHash } from 'node:crypto';
import { openLayerCache, type LayerCache } from '../cache/layer-cache';
import { defaultCacheDir } from '../cache/location';
import { messageOf } from '../common/errors';
import { layerCacheVersion } from '../engine/cache-version';
import { TOOL_VERSION } from '../model/tool-version';
import { readInput } from './inputs';

export interface ActionLog {
  info(message: string): void;
  warning(message: string): void;
  debug(message: string): void;
}

/** The two calls of @actions/cache used here; tests pass a stand-in. */
export interface CacheService {
  restoreCache(paths: string[], primaryKey: string, restoreKeys?: string[]): Promise<string | undefined>;
  saveCache(paths: string[], key: string): Promise<number>;
}

export interface LayerCacheKeys {
  primaryKey: string;
  /** prefix: the newest cache of an earlier run with the same tool and layer analysis */
  restoreKeys: string[];
}

/**
 * `cuda-gate-layers-<os>-<tool version>-<analysis version>-<job>-<leg>-<run id>`: one save per job and leg of a run,
 * so parallel jobs and matrix legs each keep what they read instead of racing for one key (the first save wins and
 * the others' new layers were lost). Restored by prefix, nearest first: the same job and leg, the same job, any job —
 * entries are keyed by verified layer identity, so another leg's cache is as good, only less likely to hold the
 * layers. The analysis version is layerCacheVersion (engine/cache-version.ts); the matrix is not in the key: no
 * cached layer analysis reads it, so a matrix data update restores the same cache.
 */
export function layerCacheKeys(env: NodeJS.ProcessEnv = process.env, toolVersion: string = TOOL_VERSION, keySuffix?: string): LayerCacheKeys {
  const os = (env.RUNNER_OS || process.platform).toLowerCase();
  const prefix = `cuda-gate-layers-${os}-${toolVersion}-${layerCacheVersion(toolVersion)}-`;
  const job = `${prefix}${keyPart(env.GITHUB_JOB || 'local', 64)}-`;
  const leg = `${job}${keyPart(keySuffix || defaultKeySuffix(env), 40)}-`;
  return { primaryKey: `${leg}${env.GITHUB_RUN_ID || 'local'}`, restoreKeys: [leg, job, prefix] };
}

/**
 * The inputs that tell the legs of a matrix apart (what they check, against what, how): no environment variable
 * names the leg, and two legs with all of these equal do the same work, so sharing a key costs them nothing.
 */
const LEG_INPUTS = [
  'images',
  'baseline-images',
  'platform',
  'targets',
  'driver',
  'gpu',
  'runtime',
  'forward-compat',
  'scan',
  'matrix-overrides',
  'dockerfile',
  'comment-key',
  'report-artifact',
  'report-path',
];

/** `cache-key-suffix` when unset: 12 hex digits of a hash of the leg's inputs (their text, as the runner passes it). */
export function defaultKeySuffix(env: NodeJS.ProcessEnv = process.env): string {
  const hash = createHash('sha256');
  for (const name of LEG_INPUTS) hash.update(`${name}=${readInput(name, env)}\n`);
  return `in${hash.digest('hex').slice(0, 12)}`;
}

/** A cache key holds no commas and at most 512 characters: anything else becomes '_', long text a hash. */
function keyPart(text: string, max: number): string {
  const safe = text.replace(/[^A-Za-z0-9._-]/g, '_');
  return safe.length <= max ? safe : `${safe.slice(0, max - 13)}-${createHash('sha256').update(text).digest('hex').slice(0, 12)}`;
}

/** Why the cache service cannot be used here, or undefined when it can. */
export function cacheServiceMissing(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (!env.ACTIONS_CACHE_URL && !env.ACTIONS_RESULTS_URL) return 'ACTIONS_CACHE_URL and ACTIONS_RESULTS_URL are unset (not on a GitHub runner?)';
  if (!env.ACTIONS_RUNTIME_TOKEN) return 'ACTIONS_RUNTIME_TOKEN is unset';
  return undefined;
}

const loadService = async (): Promise<CacheService> => import('@actions/cache');

export interface RestoreOptions {
  log: ActionLog;
  env?: NodeJS.ProcessEnv;
  /** default: @actions/cache */
  service?: () => Promise<CacheService>;
  /** default: $XDG_CACHE_HOME/cuda-gate or ~/.cache/cuda-gate, as the CLI */
  dir?: string;
  /** the `cache-key-suffix` input: names the matrix leg in the key (default: a hash of the leg's inputs) */
  keySuffix?: string;
}

export class ActionLayerCache {
  private constructor(
    /** undefined when the directory could not be opened: the scan reads every layer */
    readonly cache: LayerCache | undefined,
    readonly dir: string,
    readonly keys: LayerCacheKeys,
    private readonly restoredKey: string | undefined,
    private readonly service: (() => Promise<CacheService>) | undefined,
    private readonly log: ActionLog,
  ) {}

  /** Restores the newest saved cache (best effort) and opens it. */
  static async restore(opts: RestoreOptions): Promise<ActionLayerCache> {
    const env = opts.env ?? process.env;
    const dir = opts.dir ?? defaultCacheDir(env);
    const keys = layerCacheKeys(env, TOOL_VERSION, opts.keySuffix);
    const missing = cacheServiceMissing(env);
    const service = missing === undefined ? (opts.service ?? loadService) : undefined;
    let restoredKey: string | undefined;
    if (service) {
      try {
        restoredKey = await (await service()).restoreCache([dir], keys.primaryKey, keys.restoreKeys);
        opts.log.info(restoredKey ? `cuda-gate: layer cache restored (${restoredKey})` : 'cuda-gate: no layer cache restored: every layer is read this time');
      } catch (err) {
        opts.log.warning(`cuda-gate: could not restore the layer cache: ${messageOf(err)}; every layer is read`);
      }
    } else {
      opts.log.info(`cuda-gate: the Actions cache service is not available (${missing}): layers are cached in ${dir} for this job only`);
    }
    const cache = openLayerCache({
      dir,
      version: layerCacheVersion(),
      env,
      log: { debug: opts.log.debug, warn: (m) => opts.log.warning(`cuda-gate: ${m}`) },
    });
    return new ActionLayerCache(cache, dir, keys, restoredKey, service, opts.log);
  }

  /** Saves the cache under this run's key when this run added to it. Never throws. */
  async save(): Promise<void> {
    if (!this.cache || !this.service) return;
    if (this.restoredKey === this.keys.primaryKey) {
      this.log.info('cuda-gate: layer cache already saved for this run');
      return;
    }
    if (this.cache.stats.writes === 0) {
      this.log.info('cuda-gate: every layer came from the cache: nothing new to save');
      return;
    }
    try {
      const id = await (await this.service()).saveCache([this.dir], this.keys.primaryKey);
      // @actions/cache reports most failures itself (warning) and returns -1
      if (id !== -1) this.log.info(`cuda-gate: layer cache saved (${this.keys.primaryKey})`);
    } catch (err) {
      const e = err as { name?: string };
      // another job of this run saved the same key first: theirs serves as well as ours
      if (e.name === 'ReserveCacheError') this.log.info(`cuda-gate: layer cache not saved: ${messageOf(err)}`);
      else this.log.warning(`cuda-gate: could not save the layer cache: ${messageOf(err)}`);
    }
  }
}
