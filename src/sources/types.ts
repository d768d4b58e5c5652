/**
 * Stage 1 — where image bytes come from. A source turns a reference the user typed into an Image: its config
 * (env, labels, history) and a way to stream its layers, base first, as plain (decompressed) tar streams.
 */
import type { Readable } from 'node:stream';

export type SourceKind = 'docker-daemon' | 'docker-archive' | 'oci-archive' | 'oci' | 'docker';

/** A parsed source reference (containers-transports convention, see design.md). */
export interface SourceRef {
  /** exactly as the user gave it; reports key results by this string */
  raw: string;
  kind: SourceKind;
  /** archive file or layout dir (archive/oci kinds) */
  path?: string;
  /** image name/tag/digest inside the archive, the daemon, or the registry */
  reference?: string;
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** One entry of the config's history; empty_layer entries have no layer of their own. */
export interface HistoryEntry {
  created_by?: string;
  empty_layer?: boolean;
  comment?: string;
  created?: string;
}

/** The parts of the image config the gate reads. Env is parsed from KEY=VALUE strings; later duplicates win. */
export interface ImageConfig {
  env: Record<string, string>;
  labels: Record<string, string>;
  history: HistoryEntry[];
  /** rootfs.diff_ids: sha256 of each uncompressed layer, base first */
  diffIds: string[];
  os?: string;
  architecture?: string;
  variant?: string;
}

export interface LayerDescriptor {
  /** digest of the layer as stored (compressed blob digest for registries/OCI; diffID for legacy docker-archive) */
  digest: string;
  /** sha256 of the uncompressed tar, when known */
  diffId?: string;
  size?: number;
  mediaType?: string;
}

/**
 * Which layer a LayerReader is given. File sources know it up front. A daemon export may name a layer only once
 * its bytes are hashed (the legacy `<id>/layer.tar` layout) or once manifest.json arrives after the blobs: then
 * `index` is -1 and `descriptor.digest` the entry name at first, and both are filled in on this same object before
 * the tar stream ends — so read the descriptor after consuming the stream (analyseLayer does).
 */
export interface LayerContext {
  index: number;
  descriptor: LayerDescriptor;
}

/** Streams one decompressed layer tar and produces a per-layer result (the layers stage decides what). */
export type LayerReader<T> = (layer: LayerContext, tar: Readable) => Promise<T>;

/**
 * An uncompressed layer tar lying in a file (a `docker save` archive, an OCI layout or archive whose layers are not
 * compressed): readable at any offset, so a reader can seek past the bodies it does not need.
 */
export interface SeekableTar {
  /** bytes of the tar */
  readonly size: number;
  /** reads up to `length` bytes at `position` (0 = the tar's first byte) into `buffer` from its start; resolves the count */
  read(buffer: Buffer, position: number, length: number): Promise<number>;
  /** the same tar as a stream, for the streaming reader */
  stream(): Readable;
}

/** Reads one layer by offset (see SeekableTar); produces the same result a LayerReader would. */
export type SeekableLayerReader<T> = (layer: LayerContext, tar: SeekableTar) => Promise<T>;

export interface ReadLayersOptions<T = unknown> {
  /**
   * Used instead of the LayerReader for a layer the source holds as an uncompressed tar in a file (archives and
   * layouts); the source opens the file once and closes it when this resolves. Sources without such layers ignore it.
   */
  seek?: SeekableLayerReader<T>;
  /** layers read at once by file sources (archives, layouts); default: the machine's CPU count, at most 8 */
  jobs?: number;
  /**
   * Layers the caller already has a result for (the per-layer cache): they are not opened or read, and their
   * slot in `results` is undefined. A daemon export cannot seek, so there skipping only saves the analysis —
   * unless every layer is skipped, when no export happens at all. A context `skip` said yes to is, like a read one,
   * complete (index, descriptor) when readLayers returns: the caller names the cached result after it.
   */
  skip?: (layer: LayerContext) => boolean;
}

export interface ReadLayersOutcome<T> {
  /** one result per layer, base first (manifest order); undefined for skipped layers */
  results: T[];
  /** the config as the layer read found it (the daemon's export carries the full history); else the same as Image.config */
  config: ImageConfig;
}

export interface Image {
  /** SourceRef.raw */
  source: string;
  kind: SourceKind;
  /** human name: tag or RepoTags[0] or the path */
  ref: string;
  /** manifest digest when known, else the config digest (image ID) */
  digest?: string;
  platform: Platform;
  config: ImageConfig;
  layers: LayerDescriptor[];
  /**
   * Streams every layer through `read` and returns the results in manifest (base-first) order. Implementations
   * may read layers in any order or in parallel; a layer's stream must be consumed or destroyed by `read`.
   * Errors name the image and the layer (GateError CORRUPT_LAYER / CORRUPT_ARCHIVE).
   */
  readLayers<T>(read: LayerReader<T>, opts?: ReadLayersOptions<T>): Promise<ReadLayersOutcome<T | undefined>>;
}

/** How a `docker://` source reaches its registry. The CLI and the action fill it from flags and inputs. */
export interface RegistryOptions {
  /** hosts (`host` or `host:port`) spoken to over plain HTTP; loopback hosts always are */
  insecure?: string[];
  /** used for ghcr.io when no credentials are configured for it (the action's GITHUB_TOKEN) */
  token?: string;
  /** a Docker config directory (as DOCKER_CONFIG) or a config.json file holding credentials */
  dockerConfig?: string;
  /** layer blobs downloaded at once (default 3) */
  concurrency?: number;
}

export interface OpenOptions {
  /** requested platform for multi-platform images; default linux/amd64 */
  platform?: Platform;
  registry?: RegistryOptions;
}
