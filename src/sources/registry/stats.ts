/**
 * Counters of what the registry source asked for. Tests (and the per-layer cache's tests) read them to prove
 * that a skipped or cached layer was never downloaded and that a retry really happened.
 */
export interface RegistryStats {
  /** every HTTP request sent, redirects and token requests included */
  requests: number;
  manifestGets: number;
  /** blob fetches, configs and layers: each resumed download counts again; HTTP retries of one are in `retries` */
  blobGets: number;
  /** the blob fetches that were for layers */
  layerGets: number;
  /** blob fetches per digest */
  blobGetsByDigest: Record<string, number>;
  /** requests sent again after a failure (429, 5xx, reset, timeout), resumed downloads included */
  retries: number;
}

let stats: RegistryStats = emptyStats();

function emptyStats(): RegistryStats {
  return { requests: 0, manifestGets: 0, blobGets: 0, layerGets: 0, blobGetsByDigest: {}, retries: 0 };
}

/** A snapshot of the counters since the process started or the last reset. */
export function registryStats(): RegistryStats {
  return { ...stats, blobGetsByDigest: { ...stats.blobGetsByDigest } };
}

export function resetRegistryStats(): void {
  stats = emptyStats();
}

export function countRequest(): void {
  stats.requests++;
}

export function countManifestGet(): void {
  stats.manifestGets++;
}

export function countBlobGet(digest: string, layer: boolean): void {
  stats.blobGets++;
  if (layer) stats.layerGets++;
  stats.blobGetsByDigest[digest] = (stats.blobGetsByDigest[digest] ?? 0) + 1;
}

export function countRetry(): void {
  stats.retries++;
}
