/**
 * The per-layer cache: what analysing a layer kept (a LayerResult, plain JSON), filed under the layer's diffID and
 * a version key, so a rescan of an image (or of a rebuild that shares its lower layers) opens only new layers.
 * Beside it, two small facts a daemon cannot give without exporting the image: an image's config history, and which
 * layer an export entry name (`<v1 id>/layer.tar`) turned out to be.
 *
 * A cache must never be why a check fails: unreadable, corrupt or foreign entries are misses, failed writes are
 * noted and skipped.
 */
import { accessSync, constants, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { messageOf } from '../common/errors';
import { makeDirs } from '../common/make-dirs';
import { schemaError } from '../common/schema-error';
import type { LayerResult } from '../layers/types';
import type { HistoryEntry } from '../sources/types';
import { readEntryFile, writeEntryFile } from './entry-file';
import { digestFileName, sha256Hex } from './keys';
import { defaultCacheDir } from './location';
import { pruneCache, type PruneOutcome } from './prune';
import { AliasSchema, HistorySchema, LayerResultSchema } from './shapes';

/** Bump when the layout of entry files changes. */
const ENTRY_FORMAT = 1;
export const DEFAULT_MAX_CACHE_BYTES = 500 * 1024 * 1024;

export interface CacheLog {
  debug(message: string): void;
  warn(message: string): void;
}

export interface CacheStats {
  hits: number;
  misses: number;
  /** entries present but corrupt, foreign or unreadable (each counted as a miss too) */
  unreadable: number;
  writes: number;
}

export interface LayerCacheOptions {
  dir: string;
  /** everything the cached analysis depends on (see versionKey); entries of another version are never returned */
  version: string;
  maxBytes?: number;
  log?: CacheLog;
}

/** What the cache holds of an image's layers (LayerCache.lookup). */
export interface CacheLookup {
  found: ReadonlyMap<string, LayerResult>;
  missing: string[];
}

type EntryKind = 'layer' | 'history' | 'alias';

/** The envelope of every entry file: which cache format, kind and key it belongs to, and the value. */
const EntryDocSchema = z.object({
  format: z.number(),
  kind: z.string(),
  key: z.string(),
  version: z.string().optional(),
  value: z.unknown(),
});

interface EntryDoc extends z.input<typeof EntryDocSchema> {
  kind: EntryKind;
}

const SILENT: CacheLog = { debug: () => undefined, warn: () => undefined };

export class LayerCache {
  readonly dir: string;
  readonly version: string;
  readonly maxBytes: number;
  readonly stats: CacheStats = { hits: 0, misses: 0, unreadable: 0, writes: 0 };
  /** where the cache (and the engine, about the cache) says what it did */
  readonly log: CacheLog;
  private writeFailed = false;

  constructor(opts: LayerCacheOptions) {
    this.dir = opts.dir;
    this.version = opts.version;
    this.maxBytes = opts.maxBytes ?? DEFAULT_MAX_CACHE_BYTES;
    this.log = opts.log ?? SILENT;
  }

  /**
   * Asked once per image: the cached analyses of the layers with these keys (diffID, else blob digest), and the keys
   * it has none for — in the order given, without repeats — which are the layers to read.
   */
  lookup(keys: readonly string[]): CacheLookup {
    const found = new Map<string, LayerResult>();
    const missing: string[] = [];
    for (const key of new Set(keys)) {
      const hit = this.get(key);
      if (hit) found.set(key, hit);
      else missing.push(key);
    }
    return { found, missing };
  }

  /** The analysis of the layer with this key (diffID, else blob digest), if cached for this version. */
  get(key: string): LayerResult | undefined {
    const name = digestFileName(key);
    if (name === undefined) return undefined;
    return this.read(join(this.dir, 'layers', this.version, name), 'layer', key, LayerResultSchema);
  }

  put(key: string, result: LayerResult): void {
    const name = digestFileName(key);
    if (name === undefined) return;
    this.write(join(this.dir, 'layers', this.version, name), { format: ENTRY_FORMAT, kind: 'layer', key, version: this.version, value: result });
  }

  /** The config history of the image with this digest (manifest or config digest: either fixes the config). */
  getHistory(imageDigest: string): HistoryEntry[] | undefined {
    const name = digestFileName(imageDigest);
    if (name === undefined) return undefined;
    return this.read(join(this.dir, 'images', name), 'history', imageDigest, HistorySchema);
  }

  putHistory(imageDigest: string, history: HistoryEntry[]): void {
    const name = digestFileName(imageDigest);
    if (name === undefined) return;
    this.write(join(this.dir, 'images', name), { format: ENTRY_FORMAT, kind: 'history', key: imageDigest, value: history });
  }

  /**
   * The diffID a layer known by `name` before reading it turned out to have. A legacy `docker save` names a layer
   * `<v1 id>/layer.tar`, and the v1 id is a hash over the layer chain: the same name is the same layer next time.
   */
  getAlias(name: string): string | undefined {
    return this.read(join(this.dir, 'aliases', sha256Hex(name)), 'alias', name, AliasSchema);
  }

  putAlias(name: string, diffId: string): void {
    if (digestFileName(diffId) === undefined) return;
    this.write(join(this.dir, 'aliases', sha256Hex(name)), { format: ENTRY_FORMAT, kind: 'alias', key: name, value: diffId });
  }

  /** Drops least recently used entries beyond maxBytes. */
  prune(): PruneOutcome {
    const outcome = pruneCache(this.dir, this.maxBytes);
    if (outcome.removed > 0) this.log.debug(`cache: pruned ${outcome.removed} entries; ${(outcome.totalBytes / 1e6).toFixed(1)} MB left in ${this.dir}`);
    return outcome;
  }

  /** The value of the entry at `base` if it is one of this cache's, filed under `key`, of the shape `schema` checks. */
  private read<S extends z.ZodType>(base: string, kind: EntryKind, key: string, schema: S): z.output<S> | undefined {
    const got = readEntryFile(base);
    if (got.state === 'missing') {
      this.stats.misses++;
      return undefined;
    }
    let problem: string;
    if (got.state === 'unreadable') problem = got.why;
    else {
      const doc = EntryDocSchema.safeParse(got.doc);
      if (!doc.success || doc.data.format !== ENTRY_FORMAT || doc.data.kind !== kind) problem = 'not an entry of this cache format';
      else if (doc.data.key !== key || (kind === 'layer' && doc.data.version !== this.version)) problem = 'filed under another key or version';
      else {
        const value = schema.safeParse(doc.data.value);
        if (value.success) {
          this.stats.hits++;
          touch(got.path);
          return value.data;
        }
        problem = `malformed contents: ${schemaError(value.error, doc.data.value, { what: 'the entry', code: 'CORRUPT_ARCHIVE' }).message}`;
      }
    }
    this.stats.misses++;
    this.stats.unreadable++;
    this.log.debug(`cache: ignoring ${got.path} (${problem}); treated as a miss`);
    return undefined;
  }

  private write(base: string, doc: EntryDoc): void {
    try {
      writeEntryFile(base, doc);
      this.stats.writes++;
    } catch (err) {
      const message = `cache: could not write ${base}: ${messageOf(err)}; going on without storing it`;
      if (this.writeFailed) this.log.debug(message);
      else this.log.warn(message);
      this.writeFailed = true;
    }
  }
}

export interface OpenCacheOptions {
  /** --cache-dir; default $XDG_CACHE_HOME/cuda-gate or ~/.cache/cuda-gate */
  dir?: string;
  version: string;
  maxBytes?: number;
  log?: CacheLog;
  env?: NodeJS.ProcessEnv;
}

/**
 * The cache at `dir`, created if need be; undefined (with one warning) when it cannot be: the scan goes on without.
 * Never hangs: a directory under /proc, a file or a device in the way is an error of one mkdir (common/make-dirs).
 */
export function openLayerCache(opts: OpenCacheOptions): LayerCache | undefined {
  const dir = opts.dir ?? defaultCacheDir(opts.env);
  try {
    makeDirs(dir);
    accessSync(dir, constants.W_OK);
  } catch (err) {
    opts.log?.warn(`cache: cannot create or write the cache directory ${dir} (${messageOf(err)}); scanning without a cache`);
    return undefined;
  }
  return new LayerCache({ dir, version: opts.version, maxBytes: opts.maxBytes, log: opts.log });
}

/** LRU: a hit makes an entry young again, so pruning takes what no recent scan used. */
function touch(path: string): void {
  try {
    const now = new Date();
    utimesSync(path, now, now);
  } catch {
    // read-only cache (restored into a read-only place): harmless
  }
}
