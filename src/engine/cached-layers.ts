/**
 * Reads an image's layers through the per-layer cache, in three steps that pass data, nothing else:
 * 1. the cache is asked once which of the image's layer keys it holds and which it lacks;
 * 2. the source analyses only the lacking ones (never opened otherwise: archives and layouts do not read them, a
 *    registry does not fetch them, a daemon with all of them cached does not even export) and returns the final
 *    descriptor of every layer beside each fresh analysis;
 * 3. cached and fresh analyses are merged in manifest order, each named after its final descriptor, and what was
 *    read is stored for next time under the key its read verified.
 *
 * The key (cacheKeys) is never a digest the image merely claims: a hit skips reading the layer, so the key must name
 * bytes nobody inside the image can swap. A registry layer is keyed by its blob digest (every fetched blob is hashed
 * and checked against it, so the registry serves exactly those bytes under it, fetched or not); a daemon layer by the
 * diffID the engine computed itself when it loaded or built the layer. A local file (archive, layout) is not hashed —
 * the seek reader skips bodies — so its config's diffIDs and blob names are claims: its layers are keyed by the file's
 * own identity on this machine (device, inode, size, mtime, ctime: what no image content sets), which a rescan of the
 * same unchanged file hits and nothing else does.
 */
import { realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex } from '../cache/keys';
import type { LayerCache } from '../cache/layer-cache';
import { evidenceInterest } from '../evidence/interests';
import { analyseLayer, DEFAULT_LAYER_LIMITS, type LayerLimits } from '../layers/analyse-layer';
import { analyseLayerAt, type SeekReadStats } from '../layers/analyse-layer-at';
import { LIMIT_LAYER_TIME } from '../layers/limits';
import { namedLayer } from '../layers/named';
import type { InterestFn, LayerResult } from '../layers/types';
import { parseSourceRef } from '../sources/ref';
import {
  layerKey,
  type HistoryEntry,
  type Image,
  type ImageConfig,
  type LayerDescriptor,
  type LayerReader,
  type ReadLayersOptions,
  type ReadLayerDescriptor,
  type ReadLayersOutcome,
  type SeekableLayerReader,
} from '../sources/types';

export interface LayersRead {
  /** one per layer, base first */
  results: LayerResult[];
  /** the config as the read found it (a daemon export's carries the history), history filled from the cache if need be */
  config: ImageConfig;
  layersRead: number;
  layersFromCache: number;
  /** uncompressed tar bytes of the layers read */
  bytesRead: number;
  /** the layers read by offset, and the bytes actually read from their files */
  byOffset: { layers: number; bytesRead: number };
  /** the limits the layer reader applied (the cache key covers them: cached results were read under the same); absent when no layer was read */
  limits?: LayerLimits;
}

export interface ReadThroughCacheOptions {
  cache?: LayerCache;
  /**
   * After each layer analysed: how many so far, and their bytes; and as a streamed layer's bytes arrive (the bytes of
   * the layers being read included), so a long layer shows progress before it ends. `of`: the layers to be read.
   */
  onLayer?: (done: number, bytes: number, of: number) => void;
  /** read uncompressed layers held in files by offset (default); false streams every byte, as other sources do */
  seek?: boolean;
  /** layers read at once by file sources (default: CPU count, at most 8) */
  jobs?: number;
}

export async function readLayersThroughCache(image: Image, opts: ReadThroughCacheOptions): Promise<LayersRead> {
  const { cache } = opts;
  const limits = DEFAULT_LAYER_LIMITS;
  const keys = cache ? cacheKeys(image) : [];
  const { found } = cache ? cache.lookup(keys.filter((k): k is string => k !== undefined)) : { found: new Map<string, LayerResult>() };
  // the layers to read, by the key a source selects them by (which may be a claim: it only chooses what to read)
  const missing = cache ? [...new Set(image.layers.filter((_, i) => !found.has(keys[i] ?? '')).map(layerKey))] : undefined;

  // undefined: every layer
  let only: readonly string[] | undefined = missing;
  let cachedHistory: HistoryEntry[] | undefined;
  if (cache && image.layers.length > 0 && missing?.length === 0 && image.config.history.length === 0) {
    // Nothing left to read, but this config has no history (a daemon's inspect lacks it): take it from the cache,
    // else read the top layer, whose export brings the config with its history.
    cachedHistory = image.digest !== undefined ? cache.getHistory(image.digest) : undefined;
    if (cachedHistory === undefined) only = [layerKey(image.layers[image.layers.length - 1])];
  }

  let reader = layerReader(opts, limits, evidenceInterest, only?.length ?? image.layers.length);
  let outcome = await image.readLayers(
    reader.read,
    reader.request({ ...(only && { only }), ...(cache && { aliases: { get: (name: string) => cache.getAlias(name) } }) }),
  );
  const keyOf = finalKeys(image, keys);
  let merged = merge(outcome, found, keyOf);
  if (merged.unanswered > 0) {
    // The one case that needs a second read. Only an export stream gets here, and only through `aliases`: it let a
    // layer pass unread because an earlier export's entry of the same name was a layer the cache holds, and the
    // export's manifest, which arrives after the layers, says the name now stands for a layer the cache lacks. A
    // stream cannot be rewound and those bytes are gone: read the image again, trusting no name this time.
    cache?.log.debug(`cache: ${merged.unanswered} layer(s) of ${image.source} passed unread under a stale export name; reading every layer`);
    reader = layerReader(opts, limits, evidenceInterest, image.layers.length);
    outcome = await image.readLayers(reader.read, reader.request({}));
    merged = merge(outcome, new Map(), keyOf);
  }
  if (cache) remember(cache, image, outcome, found, keyOf);

  const config = outcome.config.history.length === 0 && cachedHistory !== undefined ? { ...outcome.config, history: cachedHistory } : outcome.config;
  return {
    results: merged.results,
    config,
    layersRead: merged.results.length - merged.fromCache,
    layersFromCache: merged.fromCache,
    bytesRead: reader.bytes,
    byOffset: reader.byOffset,
    limits,
  };
}

/**
 * Every layer read again, fresh and uncached, keeping what `interest` asks for (the link targets' second read,
 * engine/link-targets.ts): results in manifest order, with the bytes read.
 */
export async function readLayersFor(
  image: Image,
  interest: InterestFn,
  opts: Pick<ReadThroughCacheOptions, 'seek' | 'jobs'>,
): Promise<{ results: (LayerResult | undefined)[]; bytesRead: number }> {
  const reader = layerReader(opts, DEFAULT_LAYER_LIMITS, interest, image.layers.length);
  const outcome = await image.readLayers(reader.read, reader.request({}));
  const results = outcome.layers.map((layer, i) => {
    const result = outcome.results[i];
    return result && namedLayer(result, layer);
  });
  return { results, bytesRead: reader.bytes };
}

/** The readers a source is handed: the analysis itself, counting layers and bytes as it goes. */
function layerReader(opts: Pick<ReadThroughCacheOptions, 'seek' | 'jobs' | 'onLayer'>, limits: LayerLimits, interest: InterestFn, of: number) {
  // streaming: bytes of layers still being read (several at once with jobs > 1)
  const counts = { layers: 0, bytes: 0, streaming: 0, byOffset: { layers: 0, bytesRead: 0 } };
  const done = (result: LayerResult): LayerResult => {
    counts.layers++;
    counts.bytes += result.tarBytes;
    opts.onLayer?.(counts.layers, counts.bytes, of);
    return result;
  };
  const read: LayerReader<LayerResult> = async (layer, tar) => {
    if (!opts.onLayer) return done(await analyseLayer(tar, layer.descriptor, interest, limits));
    // the bytes of a streamed layer as the analysis takes them, so a long layer shows progress before it ends
    let seen = 0;
    const onBytes = (n: number): void => {
      seen += n;
      counts.streaming += n;
      opts.onLayer?.(counts.layers, counts.bytes + counts.streaming, of);
    };
    let result: LayerResult;
    try {
      result = await analyseLayer(tar, layer.descriptor, interest, limits, onBytes);
    } finally {
      counts.streaming -= seen;
    }
    return done(result);
  };
  const seek: SeekableLayerReader<LayerResult> = async (layer, tar) => {
    const stats: SeekReadStats = { bytesRead: 0 };
    const result = await analyseLayerAt(tar, layer.descriptor, interest, limits, stats);
    // a layer handed to the streaming reader was read whole
    if (stats.streamedBecause === undefined) {
      counts.byOffset.layers++;
      counts.byOffset.bytesRead += stats.bytesRead;
    }
    return done(result);
  };
  return {
    read,
    get bytes() {
      return counts.bytes;
    },
    byOffset: counts.byOffset,
    request: (what: Pick<ReadLayersOptions, 'only' | 'aliases'>): ReadLayersOptions<LayerResult> => ({
      ...what,
      ...(opts.seek !== false && { seek }),
      ...(opts.jobs !== undefined && { jobs: opts.jobs }),
    }),
  };
}

/** Every layer's analysis in manifest order — fresh, else cached under its final key — named after its final descriptor. */
function merge(
  outcome: ReadLayersOutcome<LayerResult>,
  cached: ReadonlyMap<string, LayerResult>,
  keyOf: KeyOf,
): { results: LayerResult[]; fromCache: number; unanswered: number } {
  const results: LayerResult[] = [];
  let fromCache = 0;
  let unanswered = 0;
  outcome.layers.forEach((layer, i) => {
    const fresh = outcome.results[i];
    const key = keyOf(layer, i);
    const analysis = fresh ?? (key !== undefined ? cached.get(key) : undefined);
    if (analysis === undefined) unanswered++;
    else {
      if (fresh === undefined) fromCache++;
      results.push(namedLayer(analysis, layer));
    }
  });
  return { results, fromCache, unanswered };
}

/** Stores what was read, keyed by what the read verified; export names and the config history beside. */
function remember(cache: LayerCache, image: Image, outcome: ReadLayersOutcome<LayerResult>, cached: ReadonlyMap<string, LayerResult>, keyOf: KeyOf): void {
  let fresh = 0;
  outcome.layers.forEach((layer, i) => {
    const analysis = outcome.results[i];
    if (analysis === undefined) return;
    fresh++;
    const key = keyOf(layer, i);
    // a layer stopped by its time bound says how busy this machine was, not what the layer holds: never cached
    const timedOut = analysis.findings.some((f) => f.code === LIMIT_LAYER_TIME);
    if (key !== undefined && !cached.has(key) && !timedOut) cache.put(key, namedLayer(analysis, layer));
    if (layer.exportName !== undefined && layer.diffId !== undefined && layer.exportName !== layer.diffId) cache.putAlias(layer.exportName, layer.diffId);
  });
  if (fresh > 0 && image.digest !== undefined) cache.putHistory(image.digest, outcome.config.history);
}

/** The verified cache key of a final layer (its position in the manifest beside it); undefined: never cached. */
type KeyOf = (layer: ReadLayerDescriptor, index: number) => string | undefined;

/**
 * The cache key of each of the image's layers, or undefined where none can be verified (see the head comment):
 * registry blob digest, daemon diffID, else the local file's identity.
 */
export function cacheKeys(image: Image): (string | undefined)[] {
  switch (image.kind) {
    case 'docker':
      return image.layers.map((l) => l.digest);
    case 'docker-daemon':
      return image.layers.map(layerKey);
    default:
      return localKeys(image);
  }
}

/**
 * The keys of the final layers: a daemon export's descriptors are only final after the read (their diffIDs hashed
 * from the bytes where the export carried them); every other source knew its layers up front, in manifest order.
 */
function finalKeys(image: Image, keys: readonly (string | undefined)[]): KeyOf {
  if (image.kind === 'docker-daemon') return (layer) => layerKey(layer);
  return (_, index) => keys[index];
}

/**
 * A layer of a local archive or layout, keyed by where it lies on this machine and that file's state: the archive
 * tar itself, or in a layout directory the layer's blob file together with index.json and manifest.json (which
 * decide which blob the image's layer is). Any rewrite changes the inode, size, mtime or ctime, and none of these
 * can be chosen from inside the image. Files that cannot be stat'ed give no key: the layer is read, never cached.
 */
function localKeys(image: Image): (string | undefined)[] {
  let path: string | undefined;
  try {
    path = parseSourceRef(image.source).path;
  } catch {
    path = undefined;
  }
  if (path === undefined) return image.layers.map(() => undefined);
  const root = identity(path);
  if (root === undefined) return image.layers.map(() => undefined);
  if (!root.dir) return image.layers.map((layer, index) => localKey(image, [root.id], layer, index));
  const resolution = ['index.json', 'manifest.json'].map((name) => identity(join(path, name))?.id ?? `${name}: absent`);
  return image.layers.map((layer, index) => {
    const m = /^([a-z0-9]+):([a-f0-9]+)$/.exec(layer.digest);
    const blob = m ? identity(join(path, 'blobs', m[1], m[2])) : undefined;
    return blob && !blob.dir ? localKey(image, [...resolution, blob.id], layer, index) : undefined;
  });
}

function localKey(image: Image, files: string[], layer: LayerDescriptor, index: number): string {
  const text = JSON.stringify({ files, reference: image.ref, digest: layer.digest, diffId: layer.diffId ?? null, index });
  return `local:${sha256Hex(text)}`;
}

function identity(path: string): { id: string; dir: boolean } | undefined {
  try {
    const st = statSync(path, { bigint: true });
    return { id: [realpathSync(path), st.dev, st.ino, st.size, st.mtimeNs, st.ctimeNs].join(' '), dir: st.isDirectory() };
  } catch {
    return undefined;
  }
}
