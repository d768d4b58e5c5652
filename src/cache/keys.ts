/**
 * What a cache entry is filed under. A layer is known by its diffID (sha256 of the uncompressed tar) when the source
 * knows it, else by its blob digest: the diffID is the same whether the layer comes from a daemon, an archive or a
 * registry, and whatever compression it was stored with, so all of them share one entry.
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
