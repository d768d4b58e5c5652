/**
 * `index.json` of an OCI layout (oci-archive, oci: dir, and the OCI half of a Docker >= 25 save) -> one image: pick
 * the entries by ref name, then the shared resolver (resolve-image.ts) over the layout's blobs does the rest.
 */
import { GateError } from '../common/errors';
import { isRecord } from './config';
import { blobPath, readJson, type ImageFiles } from './image-files';
import { archiveIndex, nameMatches } from './names';
import { indexEntries, namesOf, resolveImage, type BlobStore } from './resolve-image';
import type { ResolvedImage, ResolvedLayer } from './resolved-image';
import type { Descriptor } from './schemas';
import type { Platform } from './types';

export const OCI_INDEX = 'index.json';

const DAMAGED_FIX = 'the archive or layout is damaged; write it again';

export async function resolveOciImage(files: ImageFiles, reference: string | undefined, want: Platform | undefined): Promise<ResolvedImage> {
  const where = `${OCI_INDEX} in ${files.location}`;
  const store = layoutStore(files);
  const top = await readJson(files, OCI_INDEX);
  if (!isRecord(top)) throw new GateError('CORRUPT_ARCHIVE', `${where} is not an OCI image index`);
  const named = pickByReference(indexEntries(store, top, where), reference, files.location);
  const image = await resolveImage(store, { index: named, where, platformsWhere: files.location, emptyHint: 'this layout holds no container image' }, want);

  const layers: ResolvedLayer[] = [];
  for (const descriptor of image.layers) {
    const path = blobPath(descriptor.digest, `manifest ${image.manifestDigest}`);
    if ((await files.sizeOf(path)) === undefined) throw missingBlob(files, descriptor.digest, 'layer');
    layers.push({ path, descriptor });
  }
  return {
    manifestDigest: image.manifestDigest,
    configBytes: image.configBytes,
    config: image.config,
    platform: image.platform,
    layers,
    ...(image.name !== undefined && { name: image.name }),
  };
}

/** The blobs of a layout: `blobs/<alg>/<hex>`, read as they are (a layout on disk is not verified blob by blob). */
function layoutStore(files: ImageFiles): BlobStore {
  return {
    location: files.location,
    preposition: 'in',
    damaged: 'CORRUPT_ARCHIVE',
    damagedFix: DAMAGED_FIX,
    async getManifest(digest) {
      const doc = await readJson(files, blobPath(digest, `${OCI_INDEX} in ${files.location}`));
      if (doc === undefined) return undefined;
      const mediaType = isRecord(doc) && typeof doc.mediaType === 'string' ? doc.mediaType : undefined;
      return { digest, doc, ...(mediaType !== undefined && { mediaType }) };
    },
    getBlob: (digest, _size, what) => files.readSmall(blobPath(digest, what)),
    checkDigest(digest, where) {
      blobPath(digest, where);
      return digest;
    },
    missing: (what, digest) => missingBlob(files, digest, what),
  };
}

function pickByReference(all: Descriptor[], reference: string | undefined, location: string): Descriptor[] {
  if (reference === undefined) return all;
  const index = archiveIndex(reference);
  const found = index !== undefined ? all.slice(index, index + 1) : all.filter((d) => namesOf(d).some((n) => nameMatches(reference, n)));
  if (found.length > 0) return found;
  const present = [...new Set(all.flatMap(namesOf))];
  throw new GateError(
    'IMAGE_NOT_FOUND',
    `${location} has no image named "${reference}"; names present: ${present.length > 0 ? present.join(', ') : 'none'}`,
    'use one of those names after the path, or leave the name out',
  );
}

function missingBlob(files: ImageFiles, digest: string, what: string): GateError {
  return new GateError(
    'CORRUPT_ARCHIVE',
    `${files.location} lacks the ${what} blob ${digest}`,
    'the archive or layout is incomplete (a platform that was never pulled?); write it again',
  );
}
