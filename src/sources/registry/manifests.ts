/**
 * Tag or digest -> one image manifest and its config: the manifest asked for with every current media type (a
 * registry asked without them downgrades to schema 1), digests checked, indexes / manifest lists descended to the
 * requested platform (attestations and artifacts skipped), every document size-capped before parsing.
 */
import { createHash } from 'node:crypto';
import { GateError } from '../../common/errors';
import { MAX_JSON_BYTES, configPlatform, isRecord, parseImageConfig, parseJsonDocument } from '../config';
import { DEFAULT_PLATFORM, descriptorPlatform, isAttestation, platformMatches, platformNotFound } from '../platform';
import type { ImageConfig, LayerDescriptor, Platform } from '../types';
import {
  DOCKER_LIST_TYPE,
  DOCKER_MANIFEST_TYPE,
  INDEX_TYPES,
  MANIFEST_TYPES,
  MAX_INDEX_DEPTH,
  OCI_INDEX_TYPE,
  OCI_MANIFEST_TYPE,
  type Descriptor,
} from '../media-types';
import type { RegistryClient } from './client';
import { readCapped } from './http';
import { formatReference, isVerifiableDigest } from './reference';

const CONFIG_TYPES = new Set(['application/vnd.oci.image.config.v1+json', 'application/vnd.docker.container.image.v1+json']);
/** Indexes first: with a manifest type first, some registries would pick one platform's manifest for us. */
export const MANIFEST_ACCEPT = [OCI_INDEX_TYPE, DOCKER_LIST_TYPE, OCI_MANIFEST_TYPE, DOCKER_MANIFEST_TYPE].join(', ');

export interface FetchedManifest {
  digest: string;
  mediaType: string;
  doc: Record<string, unknown>;
}

export interface RegistryImageManifest {
  manifestDigest: string;
  configDigest: string;
  config: ImageConfig;
  platform: Platform;
  /** base first; diffId from the config when it lists one per layer */
  layers: LayerDescriptor[];
}

interface Candidate {
  descriptor: Descriptor;
  platform?: Platform;
}

export async function resolveRegistryImage(client: RegistryClient, want: Platform | undefined): Promise<RegistryImageManifest> {
  const { ref } = client;
  const top = await fetchManifest(client, ref.manifestRef, ref.digest);
  if (MANIFEST_TYPES.has(top.mediaType)) return loadImage(client, top, want);
  if (!INDEX_TYPES.has(top.mediaType)) throw notAnImage(client, top);

  const candidates: Candidate[] = [];
  await collectManifests(client, top, 0, candidates);
  const where = `${client.where} (index ${top.digest})`;
  if (candidates.length === 0) throw new GateError('NOT_AN_IMAGE', `${where} lists no image manifests`, 'the tag holds no container image');

  const loaded = new Map<string, Promise<RegistryImageManifest>>();
  const load = (c: Candidate): Promise<RegistryImageManifest> => {
    let m = loaded.get(c.descriptor.digest);
    if (!m) {
      m = fetchManifest(client, c.descriptor.digest, c.descriptor.digest).then((fetched) => loadImage(client, fetched, undefined));
      loaded.set(c.descriptor.digest, m);
    }
    return m;
  };
  // an entry without a platform is rare; its config says what it is
  const platformOf = async (c: Candidate): Promise<Platform> => c.platform ?? (await load(c)).platform;

  let chosen: Candidate | undefined;
  const target = want ?? DEFAULT_PLATFORM;
  if (!want && candidates.length === 1) chosen = candidates[0];
  else {
    for (const c of candidates) {
      if (platformMatches(target, await platformOf(c))) {
        chosen = c;
        break;
      }
    }
  }
  if (!chosen) throw platformNotFound(where, target, await Promise.all(candidates.map(platformOf)));
  const image = await load(chosen);
  if (want && !platformMatches(want, image.platform)) throw platformNotFound(client.where, want, [image.platform]);
  return image;
}

/** GET + cap + digest check + parse. `expected` is the digest the manifest must have (when asked by digest). */
export async function fetchManifest(client: RegistryClient, reference: string, expected: string | undefined): Promise<FetchedManifest> {
  const what = `manifest ${reference} of ${client.where}`;
  const res = await client.manifest(reference, MANIFEST_ACCEPT);
  const bytes = await readCapped(res, MAX_JSON_BYTES, (n) => tooBig(what, n));
  const headerDigest = res.headers['docker-content-digest'];
  const claimed = typeof headerDigest === 'string' && isVerifiableDigest(headerDigest.trim()) ? headerDigest.trim() : undefined;
  for (const digest of [expected, claimed]) {
    if (digest === undefined) continue;
    const actual = digestOf(bytes, digest);
    if (actual !== digest) {
      throw new GateError(
        'DIGEST_MISMATCH',
        `${what}: the registry sent a manifest whose digest is ${actual}, not ${digest}${digest === claimed && digest !== expected ? ' (its Docker-Content-Digest)' : ''}`,
        'the registry or something between it and this machine altered the manifest; do not trust this image',
      );
    }
  }
  const doc = parseJsonDocument(bytes, what);
  if (!isRecord(doc)) throw new GateError('REGISTRY_ERROR', `${what} is not a JSON object`);
  const contentType = String(res.headers['content-type'] ?? '').split(';')[0].trim();
  const mediaType = typeof doc.mediaType === 'string' && doc.mediaType !== '' ? doc.mediaType : contentType;
  if (doc.schemaVersion === 1 || mediaType.startsWith('application/vnd.docker.distribution.manifest.v1')) {
    throw new GateError(
      'NOT_AN_IMAGE',
      `${what} is a Docker schema 1 manifest, which cuda-gate does not read`,
      'push the image again with a current Docker, buildx or skopeo (they write schema 2 or OCI manifests)',
    );
  }
  return { digest: expected ?? claimed ?? digestOf(bytes, 'sha256:'), mediaType, doc };
}

async function collectManifests(client: RegistryClient, index: FetchedManifest, depth: number, out: Candidate[]): Promise<void> {
  const list = Array.isArray(index.doc.manifests) ? index.doc.manifests : [];
  for (const raw of list) {
    if (!isRecord(raw) || typeof raw.digest !== 'string') continue;
    const d = raw as unknown as Descriptor;
    if (isAttestation(d)) continue;
    if (d.mediaType !== undefined && INDEX_TYPES.has(d.mediaType)) {
      if (depth >= MAX_INDEX_DEPTH) {
        throw new GateError('REGISTRY_ERROR', `${client.where}: image indexes nested deeper than ${MAX_INDEX_DEPTH}`);
      }
      checkDigest(client, d.digest, `index ${index.digest}`);
      await collectManifests(client, await fetchManifest(client, d.digest, d.digest), depth + 1, out);
      continue;
    }
    // unknown media types (signatures, artifacts) must not be an error (image-index.md); a missing one is a manifest
    if (d.mediaType !== undefined && !MANIFEST_TYPES.has(d.mediaType)) continue;
    checkDigest(client, d.digest, `index ${index.digest}`);
    const platform = descriptorPlatform(d);
    out.push({ descriptor: d, ...(platform && { platform }) });
  }
}

async function loadImage(client: RegistryClient, manifest: FetchedManifest, want: Platform | undefined): Promise<RegistryImageManifest> {
  const what = `manifest ${manifest.digest} of ${client.where}`;
  if (!MANIFEST_TYPES.has(manifest.mediaType)) throw notAnImage(client, manifest);
  const configDescriptor = manifest.doc.config;
  if (!isRecord(configDescriptor) || typeof configDescriptor.digest !== 'string') {
    throw new GateError('REGISTRY_ERROR', `${what} has no config`);
  }
  const configType = configDescriptor.mediaType;
  if (typeof configType === 'string' && !CONFIG_TYPES.has(configType)) {
    throw new GateError(
      'NOT_AN_IMAGE',
      `${what} is an artifact (config ${configType}), not a container image`,
      'point cuda-gate at a container image',
    );
  }
  const configDigest = checkDigest(client, configDescriptor.digest, what);
  const configWhat = `image config ${configDigest} of ${client.where}`;
  const configBytes = await fetchSmallBlob(client, configDigest, typeof configDescriptor.size === 'number' ? configDescriptor.size : undefined, configWhat);
  const config = parseImageConfig(configBytes, configWhat);
  const platform = configPlatform(config);
  if (want && !platformMatches(want, platform)) throw platformNotFound(client.where, want, [platform]);

  const rawLayers = Array.isArray(manifest.doc.layers) ? manifest.doc.layers : [];
  const layers: LayerDescriptor[] = rawLayers.map((l, i) => {
    if (!isRecord(l) || typeof l.digest !== 'string') throw new GateError('REGISTRY_ERROR', `${what}: layer ${i} has no digest`);
    return {
      digest: checkDigest(client, l.digest, what),
      ...(config.diffIds.length === rawLayers.length && { diffId: config.diffIds[i] }),
      ...(typeof l.size === 'number' && { size: l.size }),
      ...(typeof l.mediaType === 'string' && { mediaType: l.mediaType }),
    };
  });
  return { manifestDigest: manifest.digest, configDigest, config, platform, layers };
}

/** A config-sized blob, whole: capped, then verified against its digest. */
async function fetchSmallBlob(client: RegistryClient, digest: string, size: number | undefined, what: string): Promise<Buffer> {
  if (size !== undefined && size > MAX_JSON_BYTES) throw tooBig(what, size);
  const res = await client.blob(digest, what, { layer: false });
  const bytes = await readCapped(res, MAX_JSON_BYTES, (n) => tooBig(what, n));
  const actual = digestOf(bytes, digest);
  if (actual !== digest) {
    throw new GateError(
      'DIGEST_MISMATCH',
      `${what}: the registry sent bytes whose digest is ${actual}`,
      'the registry\'s copy is corrupt or was tampered with; push the image again',
    );
  }
  return bytes;
}

/** Digests go into URL paths and are verified: only the shapes we can hash pass. */
function checkDigest(client: RegistryClient, digest: string, where: string): string {
  if (!isVerifiableDigest(digest)) {
    throw new GateError(
      'REGISTRY_ERROR',
      `${where} (${client.where}) refers to "${digest.slice(0, 100)}", which is not a sha256 or sha512 digest cuda-gate can verify`,
    );
  }
  return digest;
}

/** The digest of `bytes` with the algorithm of `like` (`sha256:…`, `sha512:…`). */
export function digestOf(bytes: Buffer, like: string): string {
  const algorithm = like.slice(0, like.indexOf(':'));
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

function notAnImage(client: RegistryClient, m: FetchedManifest): GateError {
  return new GateError(
    'NOT_AN_IMAGE',
    `${formatReference(client.ref)} (${client.where}) is ${m.mediaType ? `a ${m.mediaType}` : 'a document without a media type'}, not an image manifest or index`,
    'point cuda-gate at a container image',
  );
}

function tooBig(what: string, bytes: number): GateError {
  return new GateError(
    'LIMIT_EXCEEDED',
    `${what} is ${bytes} bytes, more than the ${MAX_JSON_BYTES}-byte limit for image metadata`,
    'this is not a normal image config or manifest; check the reference',
  );
}
