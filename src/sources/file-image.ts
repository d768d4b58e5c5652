/**
 * Images held in files: docker-archive and oci-archive tars, oci: layout dirs. Manifest and config are read up
 * front by offset; each layer body is streamed only when readLayers runs, at most two at a time.
 */
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { GateError, messageOf } from '../common/errors';
import { sha256Digest } from './config';
import { decompressedTar, sniffCompression, SNIFF_BYTES } from './decompress';
import { DOCKER_MANIFEST, resolveDockerManifest } from './docker-manifest';
import { directoryImageFiles, tarFileImageFiles, type ImageFiles, type RandomAccessFile } from './image-files';
import { mapInOrder } from './in-order';
import { OCI_INDEX, resolveOciImage } from './oci-index';
import type { ResolvedImage } from './resolved-image';
import { layerKey, type Image, type OpenOptions, type SourceRef } from './types';

/** Layers read at once: gzip inflates on one core per layer, so one layer per core, and no more than this. */
const MAX_LAYER_JOBS = 8;

export function defaultLayerJobs(): number {
  return Math.max(1, Math.min(availableParallelism(), MAX_LAYER_JOBS));
}

type Layout = 'docker' | 'oci';

/**
 * Resolves the image in `files`, trying the layout the source kind names first: a Docker >= 25 save carries both
 * manifest.json and index.json, and people pass an OCI tar as docker-archive (or the reverse) often enough.
 */
export async function resolveImageFiles(files: ImageFiles, prefer: Layout, reference: string | undefined, opts: OpenOptions): Promise<ResolvedImage> {
  const order: Layout[] = prefer === 'docker' ? ['docker', 'oci'] : ['oci', 'docker'];
  for (const layout of order) {
    const marker = layout === 'docker' ? DOCKER_MANIFEST : OCI_INDEX;
    if ((await files.sizeOf(marker)) === undefined) continue;
    return layout === 'docker' ? resolveDockerManifest(files, reference, opts.platform) : resolveOciImage(files, reference, opts.platform);
  }
  throw new GateError(
    'NOT_AN_IMAGE',
    `${files.location} is not an image archive: it has neither ${DOCKER_MANIFEST} nor ${OCI_INDEX}`,
    'give a file written by `docker save`, `podman save` or `skopeo copy`, or an OCI layout',
  );
}

export function imageFromResolved(source: SourceRef, files: ImageFiles, resolved: ResolvedImage): Image {
  const { config, platform } = resolved;
  return {
    source: source.raw,
    kind: source.kind,
    ref: source.reference ?? resolved.name ?? source.path ?? source.raw,
    digest: resolved.manifestDigest ?? sha256Digest(resolved.configBytes),
    platform,
    config,
    layers: resolved.layers.map((l) => ({ ...l.descriptor })),
    async readLayers(read, opts) {
      const jobs = opts?.jobs ?? defaultLayerJobs();
      const only = opts?.only !== undefined ? new Set(opts.only) : undefined;
      const results = await mapInOrder(resolved.layers, jobs, async (layer, index) => {
        // a layer the caller does not ask for is never opened: its blob is not read at all
        if (only !== undefined && !only.has(layerKey(layer.descriptor))) return undefined;
        const context = { index, descriptor: { ...layer.descriptor } };
        const what = `layer ${layer.descriptor.digest} of ${files.location}`;
        if (opts?.seek && files.openAt) {
          const blob = await files.openAt(layer.path);
          try {
            // an uncompressed blob is read by offset; a compressed one can only be streamed
            if (await isPlainTar(blob)) return await opts.seek(context, blob);
            return await read(context, await decompressedTar(blob.stream(), what));
          } finally {
            await blob.close();
          }
        }
        return read(context, await decompressedTar(await files.open(layer.path), what));
      });
      // a file source knows every layer up front: the descriptors it started with are final
      return { layers: resolved.layers.map((l, index) => ({ ...l.descriptor, index })), results, config };
    },
  };
}

async function isPlainTar(blob: RandomAccessFile): Promise<boolean> {
  const head = Buffer.alloc(SNIFF_BYTES);
  const n = await blob.read(head, 0, SNIFF_BYTES);
  return sniffCompression(head.subarray(0, n)) === 'tar';
}

/** How a file-backed source kind is held and which manifest it speaks first. */
export interface FileSourceShape {
  holder: 'tar' | 'dir';
  prefer: Layout;
}

/** Opens a docker-archive, oci-archive or oci: source: check the path, index it, resolve the image. */
export async function openFileSource(source: SourceRef & { path: string }, opts: OpenOptions, shape: FileSourceShape): Promise<Image> {
  await checkInputPath(source.path, shape.holder === 'tar' ? 'file' : 'dir', source);
  const files = shape.holder === 'tar' ? await tarFileImageFiles(source.path) : directoryImageFiles(source.path);
  return imageFromResolved(source, files, await resolveImageFiles(files, shape.prefer, source.reference, opts));
}

/** A friendly FILE_NOT_FOUND / NOT_AN_IMAGE before any parsing: the path must exist and be of the right kind. */
export async function checkInputPath(path: string, expect: 'file' | 'dir', source: SourceRef): Promise<void> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new GateError(
        'FILE_NOT_FOUND',
        `${path} does not exist (source ${source.raw})`,
        expect === 'file' ? 'check the path; write the archive with `docker save -o PATH IMAGE`' : 'check the path of the OCI layout directory',
      );
    }
    throw new GateError('FILE_NOT_FOUND', `cannot read ${path} (source ${source.raw}): ${messageOf(err)}`);
  }
  if (expect === 'file' && isDir) {
    throw new GateError('NOT_AN_IMAGE', `${path} is a directory, not an image archive`, `for an OCI layout directory use oci:${path}`);
  }
  if (expect === 'dir' && !isDir) {
    throw new GateError('NOT_AN_IMAGE', `${path} is a file, not an OCI layout directory`, `for a tar use oci-archive:${path} or docker-archive:${path}`);
  }
}
