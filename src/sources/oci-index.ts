/**
 * `index.json` of an OCI layout (oci-archive, oci: dir, and the OCI half of a Docker >= 25 save) -> one image:
 * pick by ref name, descend nested indexes, skip attestations and artifacts, choose the platform.
 */
import { GateError } from '../common/errors';
import { configPlatform, isRecord, parseImageConfig } from './config';
import { blobPath, readJson, type ImageFiles } from './image-files';
import { archiveIndex, nameMatches } from './names';
import {
  DEFAULT_PLATFORM,
  descriptorPlatform,
  isAttestation,
  platformMatches,
  platformNotFound,
} from './platform';
import type { ResolvedImage, ResolvedLayer } from './resolved-image';
import type { ImageConfig, Platform } from './types';
import { INDEX_TYPES, MANIFEST_TYPES, MAX_INDEX_DEPTH, type Descriptor } from './media-types';

export const OCI_INDEX = 'index.json';

const REF_NAME = 'org.opencontainers.image.ref.name';
const CONTAINERD_NAME = 'io.containerd.image.name';

/** An image manifest found in the index, with what we learn about it on the way. */
interface Candidate {
  descriptor: Descriptor;
  platform?: Platform;
  name?: string;
}

interface LoadedManifest {
  config: ImageConfig;
  configBytes: Buffer;
  layers: Descriptor[];
}

export async function resolveOciImage(
  files: ImageFiles,
  reference: string | undefined,
  want: Platform | undefined,
): Promise<ResolvedImage> {
  const where = `${OCI_INDEX} in ${files.location}`;
  const index = await readJson(files, OCI_INDEX);
  if (!isRecord(index)) throw new GateError('CORRUPT_ARCHIVE', `${where} is not an OCI image index`);
  const named = pickByReference(descriptorsOf(index, where), reference, files.location);

  const candidates: Candidate[] = [];
  await collectManifests(files, named, 0, candidates);
  if (candidates.length === 0) {
    throw new GateError('NOT_AN_IMAGE', `${where} lists no image manifests`, 'this layout holds no container image');
  }

  const loaded = new Map<string, LoadedManifest>();
  const load = async (c: Candidate): Promise<LoadedManifest> => {
    let m = loaded.get(c.descriptor.digest);
    if (!m) {
      m = await loadManifest(files, c.descriptor);
      loaded.set(c.descriptor.digest, m);
    }
    return m;
  };
  const platformOf = async (c: Candidate): Promise<Platform> => c.platform ?? configPlatform((await load(c)).config);

  let chosen: Candidate | undefined;
  if (!want && candidates.length === 1) chosen = candidates[0];
  else {
    const target = want ?? DEFAULT_PLATFORM;
    for (const c of candidates) {
      if (platformMatches(target, await platformOf(c))) {
        chosen = c;
        break;
      }
    }
    if (!chosen) {
      const present = await Promise.all(candidates.map(platformOf));
      throw platformNotFound(files.location, target, present);
    }
  }

  const manifest = await load(chosen);
  const platform = configPlatform(manifest.config);
  if (want && !platformMatches(want, platform)) throw platformNotFound(files.location, want, [platform]);
  const diffIds = manifest.config.diffIds;
  const layers: ResolvedLayer[] = [];
  for (const [i, layer] of manifest.layers.entries()) {
    const path = blobPath(layer.digest, `manifest ${chosen.descriptor.digest}`);
    if ((await files.sizeOf(path)) === undefined) throw missingBlob(files, layer.digest, 'layer');
    layers.push({
      path,
      descriptor: {
        digest: layer.digest,
        ...(diffIds.length === manifest.layers.length && { diffId: diffIds[i] }),
        ...(layer.size !== undefined && { size: layer.size }),
        ...(layer.mediaType !== undefined && { mediaType: layer.mediaType }),
      },
    });
  }
  return {
    manifestDigest: chosen.descriptor.digest,
    configBytes: manifest.configBytes,
    config: manifest.config,
    platform,
    layers,
    ...(chosen.name !== undefined && { name: chosen.name }),
  };
}

function descriptorsOf(doc: Record<string, unknown>, where: string): Descriptor[] {
  // moby#47210: `docker save img@digest` on v25 wrote "manifests": null
  const list = doc.manifests ?? [];
  if (!Array.isArray(list)) throw new GateError('CORRUPT_ARCHIVE', `${where}: "manifests" is not a list`);
  return list.filter(
    (d): d is Descriptor => isRecord(d) && typeof d.digest === 'string',
  );
}

function namesOf(d: Descriptor): string[] {
  const names = [d.annotations?.[REF_NAME], d.annotations?.[CONTAINERD_NAME]];
  return names.filter((n): n is string => typeof n === 'string' && n !== '');
}

function pickByReference(all: Descriptor[], reference: string | undefined, location: string): Descriptor[] {
  if (reference === undefined) return all;
  const index = archiveIndex(reference);
  const found =
    index !== undefined
      ? all.slice(index, index + 1)
      : all.filter((d) => namesOf(d).some((n) => nameMatches(reference, n)));
  if (found.length > 0) return found;
  const present = [...new Set(all.flatMap(namesOf))];
  throw new GateError(
    'IMAGE_NOT_FOUND',
    `${location} has no image named "${reference}"; names present: ${present.length > 0 ? present.join(', ') : 'none'}`,
    'use one of those names after the path, or leave the name out',
  );
}

async function collectManifests(
  files: ImageFiles,
  descriptors: Descriptor[],
  depth: number,
  out: Candidate[],
  name?: string,
): Promise<void> {
  for (const d of descriptors) {
    if (isAttestation(d)) continue;
    const ownName = namesOf(d)[0] ?? name;
    if (d.mediaType !== undefined && INDEX_TYPES.has(d.mediaType)) {
      if (depth >= MAX_INDEX_DEPTH) {
        throw new GateError('CORRUPT_ARCHIVE', `${files.location}: image indexes nested deeper than ${MAX_INDEX_DEPTH}`);
      }
      const path = blobPath(d.digest, `${OCI_INDEX} in ${files.location}`);
      const nested = await readJson(files, path);
      // The containerd store exports indexes whose blobs were never pulled (moby#49473): nothing to read there.
      if (nested === undefined) continue;
      if (!isRecord(nested)) throw new GateError('CORRUPT_ARCHIVE', `index ${d.digest} in ${files.location} is not an index`);
      await collectManifests(files, descriptorsOf(nested, `index ${d.digest}`), depth + 1, out, ownName);
      continue;
    }
    // Unknown media types (artifacts, signatures) must not be an error (image-index.md); a missing one is a manifest.
    if (d.mediaType !== undefined && !MANIFEST_TYPES.has(d.mediaType)) continue;
    const platform = descriptorPlatform(d);
    out.push({ descriptor: d, ...(platform && { platform }), ...(ownName !== undefined && { name: ownName }) });
  }
}

async function loadManifest(files: ImageFiles, d: Descriptor): Promise<LoadedManifest> {
  const manifest = await readJson(files, blobPath(d.digest, `${OCI_INDEX} in ${files.location}`));
  if (manifest === undefined) throw missingBlob(files, d.digest, 'manifest');
  if (!isRecord(manifest) || !isRecord(manifest.config) || typeof manifest.config.digest !== 'string') {
    throw new GateError('CORRUPT_ARCHIVE', `manifest ${d.digest} in ${files.location} has no config`);
  }
  const configDigest = manifest.config.digest;
  const configBytes = await files.readSmall(blobPath(configDigest, `manifest ${d.digest}`));
  if (configBytes === undefined) throw missingBlob(files, configDigest, 'config');
  const config = parseImageConfig(configBytes, `image config ${configDigest} in ${files.location}`);
  const layers = Array.isArray(manifest.layers)
    ? manifest.layers.filter((l): l is Descriptor => isRecord(l) && typeof l.digest === 'string')
    : [];
  return { config, configBytes, layers };
}

function missingBlob(files: ImageFiles, digest: string, what: string): GateError {
  return new GateError(
    'CORRUPT_ARCHIVE',
    `${files.location} lacks the ${what} blob ${digest}`,
    'the archive or layout is incomplete (a platform that was never pulled?); write it again',
  );
}
