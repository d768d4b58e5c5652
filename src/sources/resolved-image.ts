/** What resolving an archive's manifest.json or index.json yields: one image, its config and its layer files. */
import type { ImageConfig, LayerDescriptor, Platform } from './types';

export interface ResolvedLayer {
  /** file holding the layer blob inside the archive or layout */
  path: string;
  descriptor: LayerDescriptor;
}

export interface ResolvedImage {
  /** digest of the OCI/Docker manifest, when the image was reached through one */
  manifestDigest?: string;
  configBytes: Buffer;
  config: ImageConfig;
  platform: Platform;
  /** base first */
  layers: ResolvedLayer[];
  /** the name the archive records for the image (RepoTags[0], ref.name annotation) */
  name?: string;
}

/** `blobs/sha256/<hex>` -> `sha256:<hex>` (the blob's digest is its name), else undefined. */
export function digestOfBlobPath(path: string): string | undefined {
  const m = /^(?:\.\/)?blobs\/([a-z0-9]+)\/([a-f0-9]{32,})$/.exec(path);
  return m ? `${m[1]}:${m[2]}` : undefined;
}
