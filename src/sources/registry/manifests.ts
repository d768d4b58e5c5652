/**
 * Tag or digest -> one image manifest and its config, through the shared resolver (resolve-image.ts) over the
 * registry's blobs: the manifest asked for with every current media type (a registry asked without them downgrades
 * to schema 1), every manifest and config checked against its digest and size-capped before parsing, digests
 * refused unless cuda-gate can verify them.
 */
import { createHash } from 'node:crypto';
import { GateError } from '../../common/errors';
import { MAX_JSON_BYTES, isRecord, parseJsonDocument } from '../config';
import { DOCKER_LIST_TYPE, DOCKER_MANIFEST_TYPE, INDEX_TYPES, MANIFEST_TYPES, OCI_INDEX_TYPE, OCI_MANIFEST_TYPE } from '../media-types';
import { indexEntries, resolveImage, type BlobStore, type ResolvedManifest } from '../resolve-image';
import type { RegistryClient } from './client';
import { readWhole } from './body';
import { formatReference, isVerifiableDigest } from './reference';
import type { Platform } from '../types';

/** Indexes first: with a manifest type first, some registries would pick one platform's manifest for us. */
export const MANIFEST_ACCEPT = [OCI_INDEX_TYPE, DOCKER_LIST_TYPE, OCI_MANIFEST_TYPE, DOCKER_MANIFEST_TYPE].join(', ');

const DAMAGED_FIX = 'the registry sent a document that is not what the OCI distribution spec says; check the image and the registry';

export interface FetchedManifest {
  digest: string;
  mediaType: string;
  doc: Record<string, unknown>;
}

export type RegistryImageManifest = ResolvedManifest;

export async function resolveRegistryImage(client: RegistryClient, want: Platform | undefined): Promise<RegistryImageManifest> {
  const store = registryStore(client);
  const top = await fetchManifest(client, client.ref.manifestRef, client.ref.digest);
  if (MANIFEST_TYPES.has(top.mediaType)) return resolveImage(store, { manifest: top }, want);
  if (!INDEX_TYPES.has(top.mediaType)) throw notAnImage(client, top);
  const where = `${client.where} (index ${top.digest})`;
  return resolveImage(store, { index: indexEntries(store, top.doc, where), where, platformsWhere: where, emptyHint: 'the tag holds no container image' }, want);
}

/** A repository of the registry as the resolver's blob store: everything fetched is verified against its digest. */
function registryStore(client: RegistryClient): BlobStore {
  return {
    location: client.where,
    preposition: 'of',
    damaged: 'REGISTRY_ERROR',
    damagedFix: DAMAGED_FIX,
    getManifest: (digest) => fetchManifest(client, digest, digest),
    getBlob: (digest, size, what) => fetchSmallBlob(client, digest, size, what),
    checkDigest: (digest, where) => checkDigest(client, digest, where),
    // the client reports a blob or manifest the registry lacks itself (IMAGE_NOT_FOUND, REGISTRY_ERROR)
    missing: (what, digest) => new GateError('REGISTRY_ERROR', `${client.where} lacks the ${what} ${digest}`),
  };
}

/** GET + cap + digest check + parse. `expected` is the digest the manifest must have (when asked by digest). */
export async function fetchManifest(client: RegistryClient, reference: string, expected: string | undefined): Promise<FetchedManifest> {
  const what = `manifest ${reference} of ${client.where}`;
  const { res, bytes } = await readWhole(
    client,
    what,
    MAX_JSON_BYTES,
    (n) => tooBig(what, n),
    () => client.manifest(reference, MANIFEST_ACCEPT),
  );
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
  const contentType = String(res.headers['content-type'] ?? '')
    .split(';')[0]
    .trim();
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

/** A config-sized blob, whole: capped, then verified against its digest. */
async function fetchSmallBlob(client: RegistryClient, digest: string, size: number | undefined, what: string): Promise<Buffer> {
  if (size !== undefined && size > MAX_JSON_BYTES) throw tooBig(what, size);
  const { bytes } = await readWhole(
    client,
    what,
    MAX_JSON_BYTES,
    (n) => tooBig(what, n),
    () => client.blob(digest, what, { layer: false }),
  );
  const actual = digestOf(bytes, digest);
  if (actual !== digest) {
    throw new GateError(
      'DIGEST_MISMATCH',
      `${what}: the registry sent bytes whose digest is ${actual}`,
      "the registry's copy is corrupt or was tampered with; push the image again",
    );
  }
  return bytes;
}

/** Digests go into URL paths and are verified: only the shapes we can hash pass. */
function checkDigest(client: RegistryClient, digest: string, where: string): string {
  if (!isVerifiableDigest(digest)) {
    throw new GateError(
      'REGISTRY_ERROR',
      `${where}${where.includes(client.where) ? '' : ` (${client.where})`} refers to "${digest.slice(0, 100)}", which is not a sha256 or sha512 digest cuda-gate can verify`,
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
