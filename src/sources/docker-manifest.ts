/**
 * `manifest.json` of a docker-archive: `[{Config, RepoTags, Layers}]`. One reader for all three layouts it points
 * into: legacy (`<id>/layer.tar`), Docker >= 25 (`blobs/sha256/<hex>`) and podman/skopeo (`<diffid>.tar`, with
 * `<id>/layer.tar` symlinks beside them).
 */
import { GateError } from '../common/errors';
import { parseWithSchema } from '../common/schema-error';
import { configPlatform, parseImageConfig } from './config';
import { readJson, type ImageFiles } from './image-files';
import { archiveIndex, nameMatches } from './names';
import { platformMatches, platformNotFound } from './platform';
import { digestOfBlobPath, type ResolvedImage, type ResolvedLayer } from './resolved-image';
import { DockerArchiveManifestSchema, type DockerArchiveItem } from './schemas';
import type { Platform } from './types';

type ManifestItem = DockerArchiveItem;

export const DOCKER_MANIFEST = 'manifest.json';

export async function resolveDockerManifest(files: ImageFiles, reference: string | undefined, want: Platform | undefined): Promise<ResolvedImage> {
  const where = `${DOCKER_MANIFEST} in ${files.location}`;
  const items = parseManifestItems(await readJson(files, DOCKER_MANIFEST), where);
  const item = pickItem(items, reference, files.location);

  const configBytes = await files.readSmall(item.Config);
  if (configBytes === undefined) throw incomplete(files, item.Config);
  const config = parseImageConfig(configBytes, `image config ${item.Config} in ${files.location}`);
  const platform = configPlatform(config);
  if (want && !platformMatches(want, platform)) throw platformNotFound(files.location, want, [platform]);
  if (config.diffIds.length !== item.Layers.length) {
    throw new GateError(
      'CORRUPT_ARCHIVE',
      `${where} lists ${item.Layers.length} layers but the image config has ${config.diffIds.length} diff_ids`,
      'the archive is inconsistent; write it again',
    );
  }

  const layers: ResolvedLayer[] = [];
  for (const [i, path] of item.Layers.entries()) {
    const size = await files.sizeOf(path);
    if (size === undefined) throw incomplete(files, path);
    const diffId = config.diffIds[i];
    // Docker >= 25 names blobs by their digest; the legacy and podman layouts hold uncompressed tars: digest = diffID
    layers.push({ path, descriptor: { digest: digestOfBlobPath(path) ?? diffId, diffId, size } });
  }
  return { configBytes, config, platform, layers, ...(item.RepoTags[0] !== undefined && { name: item.RepoTags[0] }) };
}

export function parseManifestItems(doc: unknown, where: string): ManifestItem[] {
  return parseWithSchema(DockerArchiveManifestSchema, doc, { what: where, code: 'CORRUPT_ARCHIVE', fix: 'the archive is damaged; write it again' });
}

function pickItem(items: ManifestItem[], reference: string | undefined, location: string): ManifestItem {
  if (reference === undefined) return items[0];
  const index = archiveIndex(reference);
  // `docker load` applies the entries in order, each tagging its image, so a tag two entries carry ends on the LAST
  // one: that is the image the name stands for after a load, and the one judged here (an earlier entry with the same
  // tag is a decoy a load leaves untagged).
  const found = index !== undefined ? items[index] : [...items].reverse().find((it) => it.RepoTags.some((tag) => nameMatches(reference, tag)));
  if (found) return found;
  const present = items.flatMap((it, i) => (it.RepoTags.length > 0 ? it.RepoTags : [`@${i}`]));
  throw new GateError(
    'IMAGE_NOT_FOUND',
    `${location} has no image "${reference}"; it holds: ${present.join(', ')}`,
    'name one of those after the path (docker-archive:PATH:NAME), or leave the name out to take the first',
  );
}

function incomplete(files: ImageFiles, path: string): GateError {
  return new GateError('CORRUPT_ARCHIVE', `${files.location} lacks ${path}, which ${DOCKER_MANIFEST} lists`, 'the archive is incomplete; write it again');
}
