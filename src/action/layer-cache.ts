/**
 * The action keeps the per-layer cache between workflow runs with the Actions cache service: restored before the
 * images are read, saved after. A run whose cache cannot be restored or saved (no cache service — a local run, a
 * test —, a read-only token, a network error) only says so: the gate never depends on it.
 * @actions/cache is ESM-only and is loaded on first use, so unit tests import this module without it.
 */
import { openLayerCache, type LayerCache } from '../cache/layer-cache';
import { defaultCacheDir } from '../cache/location';
import { messageOf } from '../common/errors';
import { layerCacheVersion } from '../engine/cache-version';
import { TOOL_VERSION } from '../model/tool-version';

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
 * `cuda-gate-layers-<os>-<tool version>-<analysis version>-<run id>`: one save per run, restored by prefix. The
 * analysis version is layerCacheVersion (engine/cache-version.ts); the matrix is not in the key: no cached layer
 * analysis reads it, so a matrix data update restores the same cache.
 */
export function layerCacheKeys(env: NodeJS.ProcessEnv = process.env, toolVersion: string = TOOL_VERSION): LayerCacheKeys {
  const os = (env.RUNNER_OS || process.platform).toLowerCase();
  const prefix = `cuda-gate-layers-${os}-${toolVersion}-${layerCacheVersion(toolVersion)}-`;
  return { primaryKey: `${prefix}${env.GITHUB_RUN_ID || 'local'}`, restoreKeys: [prefix] };
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
    const keys = layerCacheKeys(env);
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
