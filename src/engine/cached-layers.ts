/**
 * Reads an image's layers through the per-layer cache: every layer is looked up first, the source is told to skip
 * the ones the cache holds (never opened: archives and layouts do not read them, a daemon with all of them cached
 * does not even export), and what had to be read is stored for next time.
 */
import type { LayerCache } from '../cache/layer-cache';
import { layerKey } from '../cache/keys';
import { evidenceInterest } from '../evidence/interests';
import { analyseLayer } from '../layers/analyse-layer';
import { analyseLayerAt, type SeekReadStats } from '../layers/analyse-layer-at';
import type { LayerResult } from '../layers/types';
import type {
  HistoryEntry,
  Image,
  ImageConfig,
  LayerContext,
  LayerDescriptor,
  LayerReader,
  ReadLayersOptions,
  SeekableLayerReader,
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
}

export interface ReadThroughCacheOptions {
  cache?: LayerCache;
  /** after each layer analysed: how many so far, and their bytes */
  onLayer?: (done: number, bytes: number) => void;
  /** read uncompressed layers held in files by offset (default); false streams every byte, as other sources do */
  seek?: boolean;
  /** layers read at once by file sources (default: CPU count, at most 8) */
  jobs?: number;
}

interface FreshLayer {
  result: LayerResult;
  /** what the source called the layer before reading told its diffID (legacy `<v1 id>/layer.tar`) */
  nameBefore?: string;
}

export async function readLayersThroughCache(image: Image, opts: ReadThroughCacheOptions): Promise<LayersRead> {
  const { cache } = opts;
  const keys = image.layers.map(layerKey);
  const cached = new Map<string, LayerResult>();
  if (cache) {
    for (const key of keys) {
      if (cached.has(key)) continue;
      const hit = cache.get(key);
      if (hit) cached.set(key, hit);
    }
  }

  let cachedHistory: HistoryEntry[] | undefined;
  if (cache && keys.length > 0 && keys.every((k) => cached.has(k)) && image.config.history.length === 0) {
    // Nothing left to read, but this config has no history (a daemon's inspect lacks it): take it from the cache,
    // else read the top layer, whose export brings the config with its history.
    cachedHistory = image.digest !== undefined ? cache.getHistory(image.digest) : undefined;
    if (cachedHistory === undefined) cached.delete(keys[keys.length - 1]);
  }

  const fresh: FreshLayer[] = [];
  let bytes = 0;
  const analysed = (nameBefore: string | undefined, result: LayerResult): LayerResult => {
    fresh.push({ result, nameBefore });
    bytes += result.tarBytes;
    opts.onLayer?.(fresh.length, bytes);
    return result;
  };
  const read: LayerReader<LayerResult> = async (layer, tar) => {
    const nameBefore = layer.descriptor.diffId === undefined ? layer.descriptor.digest : undefined;
    // the descriptor itself: a daemon export may only learn the layer digest at the end of its stream
    return analysed(nameBefore, await analyseLayer(tar, layer.descriptor, evidenceInterest));
  };
  // file sources know their layers up front: no name to learn on the way
  const byOffset = { layers: 0, bytesRead: 0 };
  const seek: SeekableLayerReader<LayerResult> = async (layer, tar) => {
    const stats: SeekReadStats = { bytesRead: 0 };
    const result = await analyseLayerAt(tar, layer.descriptor, evidenceInterest, undefined, stats);
    // a layer handed to the streaming reader was read whole
    if (stats.streamedBecause === undefined) {
      byOffset.layers++;
      byOffset.bytesRead += stats.bytesRead;
    }
    return analysed(undefined, result);
  };
  const how: ReadLayersOptions<LayerResult> = { ...(opts.seek !== false && { seek }), ...(opts.jobs !== undefined && { jobs: opts.jobs }) };
  const keyOf = (d: LayerDescriptor): string => d.diffId ?? cache?.getAlias(d.digest) ?? d.digest;
  // kept: by the end of the read the source has completed them (index, the digest it knows the layer by)
  const skipped: LayerContext[] = [];
  const skip = (layer: LayerContext): boolean => {
    const hit = cached.has(keyOf(layer.descriptor));
    if (hit) skipped.push(layer);
    return hit;
  };

  let outcome = await image.readLayers(read, cached.size > 0 ? { ...how, skip } : how);
  let filled = fillFromCache(outcome.results, namesOf(image.layers, skipped), keys, cached);
  if (filled.missing > 0) {
    // A source skipped a layer the cache cannot answer for (an export name that pointed elsewhere): read it all.
    cache?.log.debug(`cache: ${filled.missing} skipped layer(s) of ${image.source} are not in the cache; reading every layer`);
    fresh.length = 0;
    bytes = 0;
    byOffset.layers = byOffset.bytesRead = 0;
    outcome = await image.readLayers(read, how);
    filled = fillFromCache(outcome.results, image.layers, keys, new Map());
  }

  if (cache) {
    for (const { result, nameBefore } of fresh) {
      const key = layerKey(result);
      if (!cached.has(key)) cache.put(key, result);
      if (nameBefore !== undefined && result.diffId !== undefined && nameBefore !== result.diffId) cache.putAlias(nameBefore, result.diffId);
    }
    if (fresh.length > 0 && image.digest !== undefined) cache.putHistory(image.digest, outcome.config.history);
  }

  return {
    results: filled.results,
    config: outcome.config.history.length === 0 && cachedHistory !== undefined ? { ...outcome.config, history: cachedHistory } : outcome.config,
    layersRead: filled.results.length - filled.fromCache,
    layersFromCache: filled.fromCache,
    bytesRead: bytes,
    byOffset,
  };
}

/** Each layer as the source named it: what a skipped context ended up with, else the image's descriptor. */
function namesOf(layers: LayerDescriptor[], skipped: LayerContext[]): LayerDescriptor[] {
  const named = [...layers];
  for (const ctx of skipped) if (ctx.index >= 0 && ctx.index < named.length) named[ctx.index] = ctx.descriptor;
  return named;
}

function fillFromCache(
  slots: (LayerResult | undefined)[],
  layers: LayerDescriptor[],
  keys: string[],
  cached: Map<string, LayerResult>,
): { results: LayerResult[]; fromCache: number; missing: number } {
  const results: LayerResult[] = [];
  let fromCache = 0;
  let missing = 0;
  slots.forEach((slot, i) => {
    if (slot !== undefined) {
      results.push(slot);
      return;
    }
    const hit = keys[i] !== undefined ? cached.get(keys[i]) : undefined;
    if (hit === undefined) {
      missing++;
      return;
    }
    results.push(asLayer(hit, layers[i]));
    fromCache++;
  });
  return { results, fromCache, missing };
}

/** A cached result as this source names the layer (the entry may come from another source, or other compression). */
function asLayer(result: LayerResult, layer: LayerDescriptor): LayerResult {
  return {
    ...result,
    digest: layer.digest,
    ...(layer.diffId !== undefined && { diffId: layer.diffId }),
    findings: result.findings.map((f) => (f.layer !== undefined ? { ...f, layer: layer.digest } : f)),
  };
}
