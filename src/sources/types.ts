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
  /** a bare path whose form was read from its content (sources/sniff.ts), not given as a prefix */
  sniffed?: boolean;
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
  /** config.Entrypoint then config.Cmd (strings only): what the container runs, a root of the loader's graph */
  entrypoint?: string[];
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
 * What a layer is filed under, in the per-layer cache and in ReadLayersOptions.only: its diffID when known (the same
 * whatever the transport or compression), else the digest it is stored under.
 */
export type LayerKey = string;

export function layerKey(layer: Pick<LayerDescriptor, 'digest' | 'diffId'>): LayerKey {
  return layer.diffId ?? layer.digest;
}

/**
 * A layer as the read found it: its final, complete descriptor. Returned by readLayers (never changed afterwards);
 * the diffID is the one its bytes hashed to where the source hashed them, else the one the image config declares.
 */
export interface ReadLayerDescriptor extends LayerDescriptor {
  /** position in the manifest, base = 0 */
  index: number;
  /**
   * Only on a layer analysed from an export stream whose entry name did not carry its diffID (a legacy
   * `<v1 id>/layer.tar`, a compressed Docker >= 25 blob): that name. The same name is the same layer next time, so a
   * caller may remember it (ReadLayersOptions.aliases) and let a later read pass the layer by unread.
   */
  exportName?: string;
}

/**
 * What a reader is told about the layer it is given, when reading starts. File and registry sources know the layer
 * up front, so this is final. An export stream may not: `index` is -1 and `descriptor.digest` the entry name until
 * its manifest arrives (after the layer blobs, in Docker >= 25), and `diffId` is absent until the bytes are hashed.
 * It is never updated: the final descriptor comes back in ReadLayersOutcome.layers.
 */
export interface LayerContext {
  readonly index: number;
  readonly descriptor: Readonly<LayerDescriptor>;
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
   * The keys (layerKey) of the layers to analyse; absent: every layer. The others are not opened: archives and
   * layouts do not read them, a registry does not fetch them, a daemon export (which cannot seek) lets their bytes
   * pass unread — and exports nothing at all when this is empty.
   */
  only?: readonly LayerKey[];
  /**
   * Export entry names an earlier read met layers under -> the diffID each turned out to have (ReadLayerDescriptor
   * .exportName). Lets an export stream tell a layer named `<v1 id>/layer.tar` is one `only` leaves out before its
   * bytes arrive. Only export streams use it; nothing trusts it beyond that: the final descriptors come from the
   * export's manifest, so a layer passed by under a stale name is reported as not analysed.
   */
  aliases?: { get(exportName: string): string | undefined };
}

export interface ReadLayersOutcome<T> {
  /** the final descriptor of every layer, base first (manifest order) */
  layers: ReadLayerDescriptor[];
  /** results[i] is the analysis of layers[i]; undefined where `only` left the layer out */
  results: (T | undefined)[];
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
  /** as the source knows them before reading: from the manifest (files, registries) or inspect (daemon) */
  layers: LayerDescriptor[];
  /**
   * Streams the layers `only` names (all by default) through `read` and returns every layer's final descriptor with
   * its result, in manifest (base-first) order. Implementations may read layers in any order or in parallel; a
   * layer's stream must be consumed or destroyed by `read`. Errors name the image and the layer (GateError
   * CORRUPT_LAYER / CORRUPT_ARCHIVE).
   */
  readLayers<T>(read: LayerReader<T>, opts?: ReadLayersOptions<T>): Promise<ReadLayersOutcome<T>>;
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
