/**
 * One pass over an image export stream (the daemon's `docker save`), with nothing spooled to disk. Docker >= 25
 * puts the layer blobs BEFORE manifest.json, and the legacy layout names layers by v1 IDs nobody can map to a
 * diffID in advance, so every layer entry is read on its own as it passes, small JSON entries are kept in memory,
 * and the manifest orders the per-layer results at the end.
 */
import { createHash } from 'node:crypto';
import { PassThrough, Readable, Transform } from 'node:stream';
import { extract as tarExtract, type ExtractEvents, type Header } from 'tar-stream';
import { GateError, isGateError, messageOf } from '../common/errors';
import { MAX_JSON_BYTES } from './config';
import { decompressedTar } from './decompress';
import { resolveImageFiles } from './file-image';
import type { ImageFiles } from './image-files';
import { digestOfBlobPath } from './resolved-image';
import { memberLinkTarget, normaliseMemberName } from '../tar/file-index';
import type { ImageConfig, LayerContext, LayerDescriptor, LayerReader, Platform } from './types';

type EntryBody = ExtractEvents['entry'][1];

/** Entry names that hold layers: legacy `<id>/layer.tar`, Docker >= 25 `blobs/<alg>/<hex>`, podman `<diffid>.tar`. */
const LAYER_NAME = /(^|\/)layer\.tar$|^blobs\/[a-z0-9]+\/[a-f0-9]{32,}$|^[a-f0-9]{64}\.tar$/;
const PODMAN_LAYER = /^([a-f0-9]{64})\.tar$/;
const ENTRY_BUFFER = 1 << 20;
const MAX_LINK_HOPS = 8;

export interface ExportReadOptions<T> {
  /** names the export in messages, e.g. `image app:1 in the Docker engine` */
  what: string;
  /** the platform the engine reports; picks the manifest when an export carries an index of several */
  platform: Platform;
  /** diffIDs the engine reported, base first: a layer named by one is identified before the manifest arrives */
  diffIds: string[];
  read: LayerReader<T>;
  /**
   * Layers the caller already has. An export cannot seek, so a skipped layer's bytes still pass, unread. It is asked
   * with what is known when the layer starts: a legacy `<id>/layer.tar` is then only its name (index -1, no diffId).
   */
  skip?: (layer: LayerContext) => boolean;
}

export interface ExportReadResult<T> {
  /** one per layer, base first; undefined for skipped layers (the overloads below say when there can be any) */
  results: T[];
  config: ImageConfig;
  layers: LayerDescriptor[];
}

interface LayerInFlight<T> {
  context: LayerContext;
  size: number;
  /** undefined once drained unread (skipped) */
  result: Promise<T | undefined>;
}

export async function readImageExport<T>(stream: Readable, opts: ExportReadOptions<T> & { skip?: undefined }): Promise<ExportReadResult<T>>;
export async function readImageExport<T>(stream: Readable, opts: ExportReadOptions<T>): Promise<ExportReadResult<T | undefined>>;
export async function readImageExport<T>(stream: Readable, opts: ExportReadOptions<T>): Promise<ExportReadResult<T | undefined>> {
  const jsons = new Map<string, Buffer>();
  const links = new Map<string, string>();
  const layers = new Map<string, LayerInFlight<T>>();
  const layerStreams: PassThrough[] = [];
  const extract = tarExtract();

  const startLayer = (name: string, size: number): PassThrough => {
    const raw = new PassThrough({ highWaterMark: ENTRY_BUFFER });
    const context = provisionalContext(name, opts.diffIds);
    if (opts.skip?.(context)) {
      // not decompressed, hashed or parsed: the bytes flow straight through
      raw.resume();
      layers.set(name, { context, size, result: Promise.resolve(undefined) });
      layerStreams.push(raw);
      return raw;
    }
    const result = (async () => {
      const tar = await decompressedTar(raw, `layer ${name} of ${opts.what}`);
      const identified = context.descriptor.diffId === undefined ? identifyByHash(tar, context, opts.diffIds) : tar;
      return opts.read(context, identified);
    })();
    // Fail fast: a bad layer stops the export instead of reading the rest of it first.
    result.catch((err: unknown) => extract.destroy(err as Error));
    layers.set(name, { context, size, result });
    layerStreams.push(raw);
    return raw;
  };

  extract.on('entry', (header: Header, body: EntryBody, next: () => void) => {
    // when the parser fails it destroys the current body with the same error, reported once via `extract`
    body.on('error', () => undefined);
    const name = normaliseMemberName(header.name);
    if (header.type === 'symlink' || header.type === 'link') {
      const target = memberLinkTarget({
        name,
        type: header.type === 'symlink' ? 'symlink' : 'hardlink',
        offset: 0,
        size: 0,
        linkTarget: header.linkname,
      });
      if (target !== undefined) links.set(name, target);
    }
    const isFile = header.type === 'file' || header.type === 'contiguous-file';
    const mayBeLayer = isFile && LAYER_NAME.test(name);
    const mayBeJson = isFile && header.size <= MAX_JSON_BYTES;
    if (!mayBeLayer && !mayBeJson) {
      body.on('end', next);
      body.resume();
      return;
    }
    pumpEntry(body, name, header.size, mayBeLayer, mayBeJson, jsons, startLayer, next);
  });

  await new Promise<void>((resolve, reject) => {
    extract.on('finish', resolve);
    extract.on('error', (err: unknown) => {
      stream.destroy();
      // readers still waiting for bytes that will never come must end too
      for (const raw of layerStreams) if (!raw.writableEnded) raw.destroy();
      reject(isGateError(err) ? err : corruptExport(opts.what, err));
    });
    stream.on('error', (err) => extract.destroy(err));
    stream.pipe(extract);
  });

  const files = exportFiles(opts.what, jsons, links, layers);
  const resolved = await resolveImageFiles(files, 'docker', undefined, { platform: opts.platform });
  const results: (T | undefined)[] = [];
  for (const [index, layer] of resolved.layers.entries()) {
    const inFlight = layers.get(files.canonical(layer.path));
    let result: T | undefined;
    let context: LayerContext;
    if (inFlight) {
      result = await inFlight.result;
      context = inFlight.context;
    } else {
      // A tiny layer whose first byte looked like JSON was kept in memory: read it now.
      context = { index, descriptor: { ...layer.descriptor } };
      if (opts.skip?.(context)) result = undefined;
      else {
        const tar = await decompressedTar(await files.open(layer.path), `layer ${layer.path} of ${opts.what}`);
        result = await opts.read(context, tar);
      }
    }
    context.index = index;
    Object.assign(context.descriptor, layer.descriptor);
    results.push(result);
  }
  return { results, config: resolved.config, layers: resolved.layers.map((l) => l.descriptor) };
}

/**
 * Feeds one entry body either into memory (small, starts like JSON) or into a layer reader, deciding on the first
 * chunk. tar-stream's body must never be destroyed (that kills the whole export), so a reader that stops early is
 * detached and the rest of the body drained here.
 */
function pumpEntry(
  body: EntryBody,
  name: string,
  size: number,
  mayBeLayer: boolean,
  mayBeJson: boolean,
  jsons: Map<string, Buffer>,
  startLayer: (name: string, size: number) => PassThrough,
  next: () => void,
): void {
  let mode: 'undecided' | 'json' | 'layer' | 'skip' = 'undecided';
  const jsonChunks: Buffer[] = [];
  let raw: PassThrough | undefined;
  let detached = false;

  body.on('data', (data) => {
    const chunk = data as Buffer;
    if (mode === 'undecided') {
      const looksJson = chunk[0] === 0x7b || chunk[0] === 0x5b; // '{' or '['
      if (mayBeJson && looksJson) mode = 'json';
      else if (mayBeLayer) {
        mode = 'layer';
        raw = startLayer(name, size);
        raw.on('drain', () => body.resume());
        raw.on('close', () => {
          if (!raw!.writableFinished) {
            detached = true;
            body.resume();
          }
        });
      } else mode = 'skip';
    }
    if (mode === 'json') jsonChunks.push(chunk);
    else if (mode === 'layer' && !detached && !raw!.write(chunk)) body.pause();
  });
  body.on('end', () => {
    if (mode === 'json') jsons.set(name, Buffer.concat(jsonChunks));
    else if (mode === 'layer' && !detached) raw!.end();
    else if (mode === 'undecided' && mayBeJson) jsons.set(name, Buffer.alloc(0));
    next();
  });
}

/** Until the manifest is read, a layer is known by its entry name, and by its diffID when the name carries it. */
function provisionalContext(name: string, diffIds: string[]): LayerContext {
  const blobDigest = digestOfBlobPath(name);
  const podman = PODMAN_LAYER.exec(name);
  const named = podman ? `sha256:${podman[1]}` : blobDigest;
  // An uncompressed Docker >= 25 blob and a podman layer are named by their diffID; a compressed blob is not.
  const diffId = named !== undefined && diffIds.includes(named) ? named : undefined;
  return {
    index: diffId !== undefined ? diffIds.indexOf(diffId) : -1,
    descriptor: { digest: named ?? name, ...(diffId !== undefined && { diffId }) },
  };
}

/**
 * Hashes the uncompressed tar on its way to the reader (≈400 MB/s, faster than the engine streams). When it ends,
 * the layer's diffID is known, and with it the digest (legacy layouts) and the index: all set on the context
 * before the reader sees the end of its stream.
 */
function identifyByHash(tar: Readable, context: LayerContext, diffIds: string[]): Readable {
  const hash = createHash('sha256');
  const digestKnown = context.descriptor.digest.startsWith('sha256:');
  const hasher = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      cb(null, chunk);
    },
    flush(cb) {
      const diffId = `sha256:${hash.digest('hex')}`;
      context.descriptor.diffId = diffId;
      if (!digestKnown) context.descriptor.digest = diffId;
      if (diffIds.includes(diffId)) context.index = diffIds.indexOf(diffId);
      cb();
    },
  });
  tar.on('error', (err) => hasher.destroy(err));
  hasher.on('close', () => {
    if (!hasher.writableFinished) tar.destroy();
  });
  return tar.pipe(hasher);
}

/** What the export held, as ImageFiles, so manifest.json / index.json resolve exactly as they do for archives. */
function exportFiles(
  what: string,
  jsons: Map<string, Buffer>,
  links: Map<string, string>,
  layers: Map<string, { size: number }>,
): ImageFiles & { canonical(path: string): string } {
  const canonical = (path: string): string => {
    let p = normaliseMemberName(path);
    for (let hops = 0; links.has(p) && hops < MAX_LINK_HOPS; hops++) p = links.get(p)!;
    return p;
  };
  return {
    location: `the export of ${what}`,
    canonical,
    sizeOf: async (path) => {
      const p = canonical(path);
      return jsons.get(p)?.length ?? layers.get(p)?.size;
    },
    readSmall: async (path) => jsons.get(canonical(path)),
    open: async (path) => {
      const bytes = jsons.get(canonical(path));
      if (!bytes) throw corruptExport(what, new Error(`${path} was streamed once and cannot be read again`));
      return Readable.from([bytes], { objectMode: false });
    },
  };
}

function corruptExport(what: string, err: unknown): GateError {
  return new GateError(
    'CORRUPT_ARCHIVE',
    `the export of ${what} is damaged or was cut short: ${messageOf(err)}`,
    'retry; if it persists, check the engine (docker save IMAGE | tar t)',
  );
}
