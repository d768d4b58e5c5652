/**
 * One layer tar -> LayerResult. Headers are walked with tar/extract.ts (Go's archive/tar rules, tar/headers.ts); a body is read only when a detector asked for
 * its content, and then only up to a cap, so a multi-GB layer costs what its headers cost plus the small files kept.
 * Bodies a detector asked to scan for fatbins pass through the scanner as they drain, never held.
 */
import { finished, type Readable } from 'node:stream';
import { GateError, isGateError, messageOf } from '../common/errors';
import { BinaryScanner } from './fatbin-scan';
import { decompressedCap, formatBytes, LIMIT_DECOMPRESSED_BYTES, LIMIT_ENTRIES, LIMIT_LAYER_TIME, type DecompressionLimits } from './limits';
import { LayerCollector, type EntryLimits, type LayerIdentity } from './layer-collector';
import { TarEndWatch } from '../tar/end-watch';
import { TarExtract } from '../tar/extract';
import type { TarEntryHeader } from '../tar/headers';

type EntryBody = Readable;
import type { InterestFn, LayerResult } from './types';

export type { LayerIdentity } from './layer-collector';

export interface LayerLimits extends DecompressionLimits, EntryLimits {
  /** most bytes of one file body kept, whatever an Interest asks for */
  maxFileContentBytes: number;
  /** most content bytes kept for one layer in total */
  maxLayerContentBytes: number;
  /** tar entries read from one layer; the rest of the layer is not read */
  maxEntries: number;
  /** longest entry name or link target, in UTF-8 bytes (Linux PATH_MAX); longer entries are skipped */
  maxPathBytes: number;
}

/**
 * Bump when the walker (whiteouts, links, paths, the fatbin scanner) or the LayerResult it returns changes what is
 * kept: per-layer caches key on it, and a stale entry would hide the change.
 * 2: the fatbin scanner bounds a container by the bytes that follow it exactly (was: rounded to the chunk).
 * 3: limits on decompressed bytes, entries and path length; NUL names skipped.
 * 4: a tar without its end-of-archive marker is LAYER_TRUNCATED.
 * 5: a tar ends at its end-of-archive marker (entries after it are not the layer's; tarBytes stops there).
 * 6: GpuCode carries the size of the device code found.
 * 7: scanned ELF files carry their dynamic section (`dynamic`); device code in __nv_relfatbin (relocatable, never
 *    registered by the CUDA runtime) is `relocatableGpuCode`, no longer `gpuCode`.
 * 8: headers decoded as Go's archive/tar does (GNU long names over pax, no global pax, STAR, header-only types,
 *    pax sparse names); a whiteout deletes what its own layer wrote before it; aufs names skipped at the root only.
 * 9: a directory over a lower file replaces it (`dirs`).
 * 10: (and limits: no decompression ratio, a time bound per layer instead) malformed pax records and numeric fields fail the layer as Go's reader does; one zero block then EOF is a
 *     complete tar; fatbins credited only where they can be registered (.nv_fatbin when present); LIMIT_FATBIN_WORK.
 */
export const LAYER_ANALYSIS_VERSION = 10;

export const DEFAULT_LAYER_LIMITS: LayerLimits = {
  maxFileContentBytes: 16 * 1024 * 1024,
  maxLayerContentBytes: 64 * 1024 * 1024,
  maxEntries: 2_000_000,
  maxPathBytes: 4096,
  maxDecompressedBytes: 64 * 1024 * 1024 * 1024,
  maxLayerMs: 15 * 60 * 1000,
};

export async function analyseLayer(
  tar: Readable,
  layer: LayerIdentity,
  interest: InterestFn,
  limits: LayerLimits = DEFAULT_LAYER_LIMITS,
  /** the layer's tar bytes as they pass (progress); the count, not the bytes */
  onBytes?: (bytes: number) => void,
): Promise<LayerResult> {
  const collector = new LayerCollector(interest, limits);
  let tarBytes = 0;
  // An exception from the interest callback is a bug in a detector, not a corrupt layer: keep it apart.
  let callerError: unknown;
  // set once a limit stops the read: the parser is torn down on purpose, and what was read so far is the result
  let stopped = false;
  let finishRead: () => void = ignore;
  // the last bytes of the tar: every writer ends a tar with two zero blocks; a tar cut at an entry boundary does not
  let tail: Buffer = Buffer.alloc(0);

  // the tar ends at its end-of-archive marker (as Docker reads it): the rest of the source is never read
  const framed = new TarEndWatch();
  const extract = new TarExtract();

  // A layer handed over without a diffID is one its source identifies by hashing its bytes (an export's legacy or
  // compressed layer): the hash needs them all, so after the marker the rest is drained through the watcher (it drops it).
  const identifiedByBytes = layer.diffId === undefined;
  const release = (): void => {
    // streams of other libraries (used by tests) may have no unpipe
    (tar as Partial<Readable>).unpipe?.(framed);
    tar.destroy();
  };

  /** Stops reading the layer (the source is released) and keeps what was analysed so far. */
  const stop = (code: string, message: string): void => {
    if (stopped) return;
    stopped = true;
    collector.stopped(code, message);
    release();
    framed.unpipe(extract);
    framed.destroy();
    extract.destroy();
    finishRead();
  };

  extract.on('entry', (header: TarEntryHeader, body: EntryBody, next: (err?: Error | null) => void) => {
    if (collector.entryCount >= limits.maxEntries) {
      body.on('error', ignore);
      stop(LIMIT_ENTRIES, `layer has more than ${limits.maxEntries} entries; the rest of it was not read`);
      return;
    }
    // when the parser fails it destroys the current body with the same error, reported once via `extract`
    body.on('error', ignore);
    // a size field that is neither octal nor base-256 is damage (Go: ErrHeader)
    if (!(header.size >= 0)) {
      collector.entryCount++;
      extract.destroy(new Error(`entry "${header.name}" has an unreadable size field`));
      return;
    }
    const done = (): void => next();
    const drain = (): void => {
      body.on('end', done);
      body.resume();
    };

    let plan;
    try {
      plan = collector.admit(header);
    } catch (err) {
      callerError = err;
      extract.destroy(err as Error);
      return;
    }
    if (!plan) return drain();
    const wanted = plan;
    // the scan rides on the chunks that pass anyway: no copy, no buffering
    const scanner = wanted.scan ? new BinaryScanner(header.size) : undefined;
    if (scanner) body.on('data', (chunk) => scanner.push(chunk as Buffer));
    if (wanted.contentCap === undefined) {
      if (!scanner) return drain();
      body.on('end', () => {
        collector.keepBinary(wanted, scanner.result());
        done();
      });
      body.resume();
      return;
    }
    readHead(body, wanted.contentCap, (head, truncated) => {
      if (scanner) collector.keepBinary(wanted, scanner.result());
      collector.keepContent(wanted, head, truncated);
      done();
    });
  });

  await new Promise<void>((resolve, reject) => {
    finishRead = resolve;
    const byteCap = decompressedCap(limits);
    const deadline = Date.now() + limits.maxLayerMs;
    const fail = (err: unknown): void => {
      if (stopped) return resolve();
      if (callerError !== undefined) return reject(callerError);
      reject(isGateError(err) ? err : corruptLayer(layer, err));
    };
    extract.on('finish', resolve);
    extract.on('error', fail);
    framed.on('data', (chunk: Buffer) => {
      tarBytes += chunk.length;
      onBytes?.(chunk.length);
      tail = chunk.length >= END_MARKER_BYTES ? chunk.subarray(chunk.length - END_MARKER_BYTES) : Buffer.concat([tail, chunk]).subarray(-END_MARKER_BYTES);
      if (tarBytes > byteCap) {
        const declared = layer.size !== undefined ? ` from a ${formatBytes(layer.size)} blob` : '';
        stop(LIMIT_DECOMPRESSED_BYTES, `layer decompresses to more than ${formatBytes(byteCap)}${declared} (the limit per layer); the rest of it was not read`);
      } else if (Date.now() > deadline) {
        stop(
          LIMIT_LAYER_TIME,
          `reading the layer took longer than ${Math.round(limits.maxLayerMs / 1000)} s (the limit per layer) after ${formatBytes(tarBytes)} decompressed; the rest of it was not read`,
        );
      }
    });
    framed.on('end', () => {
      if (framed.ended && !identifiedByBytes) release();
    });
    // A source that ends early or fails must not leave the parser waiting for bytes that never come.
    finished(tar, (err) => {
      if (err && !stopped && !framed.ended) extract.destroy(err);
    });
    framed.on('error', (err) => extract.destroy(err));
    tar.pipe(framed).pipe(extract);
  });

  if (framed.ended && identifiedByBytes && !stopped) await drained(tar);
  // Go's reader: EOF right after one zero block is a complete archive too (extract.complete)
  return collector.result(layer, tarBytes, { stopped, endMarker: isEndMarker(tail) || extract.complete });
}

/** Two 512-byte zero blocks close every tar (POSIX); GNU tar pads further with zeros. */
const END_MARKER_BYTES = 1024;

function isEndMarker(tail: Buffer): boolean {
  return tail.length === END_MARKER_BYTES && tail.every((b) => b === 0);
}

/** Keeps the first `cap` bytes of a body and drains the rest, so a huge file never sits in memory. */
function readHead(body: EntryBody, cap: number, onEnd: (head: Buffer, truncated: boolean) => void): void {
  const chunks: Buffer[] = [];
  let kept = 0;
  let seen = 0;
  body.on('data', (data) => {
    const chunk = data as Buffer;
    seen += chunk.length;
    if (kept >= cap) return;
    const part = chunk.length <= cap - kept ? chunk : chunk.subarray(0, cap - kept);
    chunks.push(part);
    kept += part.length;
  });
  body.on('end', () => onEnd(Buffer.concat(chunks, kept), seen > kept));
}

function ignore(): void {}

/** Resolves once the source has been read to its end (or failed: its own reader reports why). */
function drained(tar: Readable): Promise<void> {
  if (tar.readableEnded || tar.destroyed) return Promise.resolve();
  return new Promise((resolve) => finished(tar, () => resolve()));
}

function corruptLayer(layer: LayerIdentity, err: unknown): GateError {
  return new GateError(
    'CORRUPT_LAYER',
    `layer ${layer.digest} is not a readable tar: ${messageOf(err)}`,
    'the image is damaged or was cut short; rebuild or re-pull it',
  );
}
