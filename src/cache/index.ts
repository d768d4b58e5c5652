/** The per-layer cache, shared by the CLI and the action (stage-neutral: it stores what the layers stage produces). */
export {
  DEFAULT_MAX_CACHE_BYTES,
  LayerCache,
  openLayerCache,
  type CacheLog,
  type CacheStats,
  type LayerCacheOptions,
  type OpenCacheOptions,
} from './layer-cache';
export { digestFileName, layerKey, versionKey } from './keys';
export { defaultCacheDir } from './location';
