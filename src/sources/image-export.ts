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
import {
  layerKey,
  type LayerContext,
  type LayerReader,
  type Platform,
  type ReadLayerDescriptor,
  type ReadLayersOptions,
  type ReadLayersOutcome,
} from './types';

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
   * As ReadLayersOptions.only. An export cannot seek, so a layer left out still passes, its bytes unread — when the
   * export tells which layer it is before its bytes: by an entry name that is its diffID, or one `aliases` knows.
   */
  only?: readonly string[];
  aliases?: ReadLayersOptions['aliases'];
}

/** The final descriptor of every layer with its result (ReadLayersOutcome), and the export's own image config. */
export type ExportReadResult<T> = ReadLayersOutcome<T>;

/** A layer entry of the stream, as it passed: what its name said, and its analysis unless it passed unread. */
interface LayerEntry<T> {
  size: number;
  /** what the entry name told when the layer started (index -1 and no diffId when it told nothing) */
  named: LayerContext;
  /** the reader's result, and the diffID the bytes hashed to when the name did not give it; absent: passed unread */
  analysed?: Promise<{ result: T; hashed?: string }>;
}

/** Without `only`, every layer is analysed: every slot of `results` holds a result. */
export async function readImageExport<T>(
  stream: Readable,
  opts: ExportReadOptions<T> & { only?: undefined },
): Promise<Omit<ExportReadResult<T>, 'results'> & { results: T[] }>;
export async function readImageExport<T>(stream: Readable, opts: ExportReadOptions<T>): Promise<ExportReadResult<T>>;
export async function readImageExport<T>(stream: Readable, opts: ExportReadOptions<T>): Promise<ExportReadResult<T>> {
  const jsons = new Map<string, Buffer>();
  const links = new Map<string, string>();
  const layers = new Map<string, LayerEntry<T>>();
  const layerStreams: PassThrough[] = [];
  const only = opts.only !== undefined ? new Set(opts.only) : undefined;
  const extract = tarExtract();

  const startLayer = (name: string, size: number): PassThrough => {
    const raw = new PassThrough({ highWaterMark: ENTRY_BUFFER });
    layerStreams.push(raw);
    const named = provisionalContext(name, opts.diffIds);
    const key = named.descriptor.diffId ?? opts.aliases?.get(named.descriptor.digest);
    if (only !== undefined && key !== undefined && !only.has(key)) {
      // not decompressed, hashed or parsed: the bytes flow straight through
      raw.resume();
      layers.set(name, { size, named });
      return raw;
    }
    const analysed = (async () => {
      const tar = await decompressedTar(raw, `layer ${name} of ${opts.what}`);
      if (named.descriptor.diffId !== undefined) return { result: await opts.read(named, tar) };
      const hashing = hashedOnTheWay(tar);
      const result = await opts.read(named, hashing.stream);
      return { result, hashed: await hashing.done() };
    })();
    // Fail fast: a bad layer stops the export instead of reading the rest of it first.
    analysed.catch((err: unknown) => extract.destroy(err as Error));
    layers.set(name, { size, named, analysed });
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

  // The manifest came last (Docker >= 25 writes it after the blobs): only now is each layer's place known.
  const files = exportFiles(opts.what, jsons, links, layers);
  const resolved = await resolveImageFiles(files, 'docker', undefined, { platform: opts.platform });
  const final: ReadLayerDescriptor[] = [];
  const results: (T | undefined)[] = [];
  for (const [index, layer] of resolved.layers.entries()) {
    const entry = layers.get(files.canonical(layer.path));
    let result: T | undefined;
    let hashed: string | undefined;
    if (entry?.analysed) ({ result, hashed } = await entry.analysed);
    else if (!entry && (only === undefined || only.has(layerKey(layer.descriptor)))) {
      // A tiny layer whose first byte looked like JSON was kept in memory: read it now.
      const tar = await decompressedTar(await files.open(layer.path), `layer ${layer.path} of ${opts.what}`);
      result = await opts.read({ index, descriptor: { ...layer.descriptor } }, tar);
    }
    const declared = layer.descriptor.diffId;
    if (hashed !== undefined && declared !== undefined && hashed !== declared) {
      throw new GateError(
        'CORRUPT_ARCHIVE',
        `the export of ${opts.what} is inconsistent: layer ${layer.path} hashes to ${hashed}, but its image config lists ${declared}`,
        'retry; if it persists, check the engine (docker save IMAGE | tar t)',
      );
    }
    // a name that did not carry the diffID (legacy `<v1 id>/layer.tar`, a compressed blob) is worth remembering
    const exportName = entry?.analysed && entry.named.descriptor.diffId === undefined ? entry.named.descriptor.digest : undefined;
    final.push({ ...layer.descriptor, ...(hashed !== undefined && { diffId: hashed }), index, ...(exportName !== undefined && { exportName }) });
    results.push(result);
  }
  return { layers: final, results, config: resolved.config };
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
 * Hashes the uncompressed tar on its way to the reader (≈400 MB/s, faster than the engine streams): `done` gives the
 * layer's diffID once the reader has consumed it all, or undefined when the reader stopped early (a limit hit).
 */
function hashedOnTheWay(tar: Readable): { stream: Readable; done(): Promise<string | undefined> } {
  const hash = createHash('sha256');
  let diffId: ((value: string | undefined) => void) | undefined;
  const hashed = new Promise<string | undefined>((resolve) => (diffId = resolve));
  const hasher = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      cb(null, chunk);
    },
    flush(cb) {
      diffId?.(`sha256:${hash.digest('hex')}`);
      cb();
    },
  });
  tar.on('error', (err) => hasher.destroy(err));
  hasher.on('close', () => {
    if (!hasher.writableFinished) tar.destroy();
    diffId?.(undefined);
  });
  return {
    stream: tar.pipe(hasher),
    done() {
      // a reader that returned without reading to the end is done with the stream: its hash is not the layer's
      if (!hasher.writableFinished && !hasher.destroyed) hasher.destroy();
      return hashed;
    },
  };
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
