/**
 * What a cache entry is filed under: a digest-shaped key (`sha256:…`, or `local:<hex>` for a local file's identity).
 * Which key a layer gets — only one the run verified, never a diffID the image config merely claims — is decided by
 * cacheKeys in src/engine/cached-layers.ts.
 */
import { createHash } from 'node:crypto';
import { stableJson } from '../common/stable-json';
export { layerKey } from '../sources/types';

const DIGEST = /^([a-z0-9]+):([a-f0-9]{32,128})$/;

/** `sha256:<hex>` -> `sha256-<hex>`; undefined for anything that is not a plain digest (never a path from outside). */
export function digestFileName(digest: string): string | undefined {
  const m = DIGEST.exec(digest);
  return m ? `${m[1]}-${m[2]}` : undefined;
}

/** A short, stable name for everything a cached analysis depends on; any change gives a fresh set of entries. */
export function versionKey(parts: Record<string, unknown>): string {
  return `v-${sha256Hex(stableJson(parts)).slice(0, 16)}`;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
