/**
 * OCI image layouts written by hand: blobs, manifests, config, index.json — single images, several images, or a
 * multi-platform nested index (with a BuildKit-style attestation entry to skip). From such a directory skopeo makes
 * every other format (docker-archive, oci-archive) and `docker load` puts it in the daemon.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { HistoryEntry, Platform } from '../../src/sources/types';
import { packLayer, type LayerSpec } from './layer-tar';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const LAYER_TAR = 'application/vnd.oci.image.layer.v1.tar';
const LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';

export interface ImageSpec {
  layers: LayerSpec[];
  platform?: Platform;
  env?: Record<string, string>;
  labels?: Record<string, string>;
  /** default: one `COPY layerN /` entry per layer */
  history?: HistoryEntry[];
  /** gzip the layer blobs (default: plain tar, as Docker >= 25 saves them) */
  gzip?: boolean;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os: string; architecture: string; variant?: string };
  annotations?: Record<string, string>;
}

export interface WrittenImage {
  manifest: Descriptor;
  configDigest: string;
  /** per layer: digest of the blob as stored, and of the uncompressed tar */
  layerDigests: string[];
  diffIds: string[];
}

export function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export class OciLayoutWriter {
  constructor(readonly dir: string) {
    mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
    writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  }

  blob(bytes: Buffer, mediaType: string): Descriptor {
    const digest = sha256(bytes);
    writeFileSync(join(this.dir, 'blobs', 'sha256', digest.slice('sha256:'.length)), bytes);
    return { mediaType, digest, size: bytes.length };
  }

  json(doc: unknown, mediaType: string): Descriptor {
    return this.blob(Buffer.from(JSON.stringify(doc)), mediaType);
  }

  async image(spec: ImageSpec): Promise<WrittenImage> {
    const platform = spec.platform ?? { os: 'linux', architecture: 'amd64' };
    const tars = await Promise.all(spec.layers.map((l) => packLayer(l)));
    const layers = tars.map((tar) => (spec.gzip ? this.blob(gzipSync(tar), LAYER_GZIP) : this.blob(tar, LAYER_TAR)));
    const diffIds = tars.map(sha256);
    const history = spec.history ?? spec.layers.map((_, i) => ({ created_by: `COPY layer${i} / # buildkit` }));
    const config = this.json(
      {
        architecture: platform.architecture,
        os: platform.os,
        ...(platform.variant && { variant: platform.variant }),
        config: {
          Env: Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`),
          Labels: spec.labels ?? {},
        },
        rootfs: { type: 'layers', diff_ids: diffIds },
        history,
      },
      OCI_CONFIG,
    );
    const manifest = this.json({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers }, OCI_MANIFEST);
    return {
      manifest: { ...manifest, platform },
      configDigest: config.digest,
      layerDigests: layers.map((l) => l.digest),
      diffIds,
    };
  }

  /** A nested index of several platform manifests, like a `docker buildx --platform a,b` push, plus attestations. */
  platformIndex(images: WrittenImage[], opts: { attestation?: boolean } = {}): Descriptor {
    const manifests: Descriptor[] = images.map((i) => i.manifest);
    if (opts.attestation) {
      const empty = this.json({}, 'application/vnd.oci.empty.v1+json');
      const attestation = this.json({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: empty, layers: [] }, OCI_MANIFEST);
      manifests.push({
        ...attestation,
        platform: { os: 'unknown', architecture: 'unknown' },
        annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': images[0].manifest.digest },
      });
    }
    return this.json({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }, OCI_INDEX);
  }

  /** Writes index.json; `refName` becomes the org.opencontainers.image.ref.name annotation. */
  writeIndex(entries: { descriptor: Descriptor; refName?: string }[]): void {
    const manifests = entries.map(({ descriptor, refName }) => ({
      ...descriptor,
      ...(refName !== undefined && { annotations: { ...descriptor.annotations, 'org.opencontainers.image.ref.name': refName } }),
    }));
    writeFileSync(join(this.dir, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }));
  }
}

/** One image, one ref name: the common case. */
export async function writeOciImage(dir: string, spec: ImageSpec, refName = 'latest'): Promise<WrittenImage> {
  const w = new OciLayoutWriter(dir);
  const image = await w.image(spec);
  w.writeIndex([{ descriptor: image.manifest, refName }]);
  return image;
}
