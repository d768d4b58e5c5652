/**
 * One layer tar -> LayerResult. Headers are walked with tar-stream; a body is read only when a detector asked for
 * its content, and then only up to a cap, so a multi-GB layer costs what its headers cost plus the small files kept.
 * Bodies a detector asked to scan for fatbins pass through the scanner as they drain, never held.
 */
import { finished, type Readable } from 'node:stream';
import { extract as tarExtract, type ExtractEvents, type Header } from 'tar-stream';

/** tar-stream's entry body (a streamx Readable) */
type EntryBody = ExtractEvents['entry'][1];
import { GateError, isGateError, messageOf } from '../common/errors';
import type { Finding } from '../common/findings';
import { FatbinScanner } from './fatbin-scan';
import {
  decompressedCap,
  formatBytes,
  LAYER_TRUNCATED,
  LIMIT_DECOMPRESSED_BYTES,
  LIMIT_ENTRIES,
  LIMIT_PATH_LENGTH,
  type DecompressionLimits,
} from './limits';
import { basenameOf, dirnameOf, displayPath, joinPath, normaliseEntryName } from './paths';
import type { InterestFn, LayerEntry, LayerResult } from './types';

/** Which layer is being read. Read again when the tar ends: a daemon export may name its layer only then. */
export interface LayerIdentity {
  digest: string;
  diffId?: string;
  /** the stored blob's declared size (LayerDescriptor.size): the decompression ratio is measured against it */
  size?: number;
}

export interface LayerLimits extends DecompressionLimits {
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
 */
export const LAYER_ANALYSIS_VERSION = 4;

export const DEFAULT_LAYER_LIMITS: LayerLimits = {
  maxFileContentBytes: 16 * 1024 * 1024,
  maxLayerContentBytes: 64 * 1024 * 1024,
  maxEntries: 2_000_000,
  maxPathBytes: 4096,
  maxDecompressionRatio: 200,
  decompressedFloorBytes: 256 * 1024 * 1024,
  maxDecompressedBytes: 64 * 1024 * 1024 * 1024,
};

const OPAQUE_MARKER = '.wh..wh..opq';
const WHITEOUT_PREFIX = '.wh.';
/** aufs keeps its own bookkeeping under `.wh..wh.plnk` and friends; none of it is image content. */
const AUFS_META_PREFIX = '.wh..wh.';

export async function analyseLayer(
  tar: Readable,
  layer: LayerIdentity,
  interest: InterestFn,
  limits: LayerLimits = DEFAULT_LAYER_LIMITS,
): Promise<LayerResult> {
  const entries: LayerEntry[] = [];
  const whiteouts: string[] = [];
  const opaqueDirs: string[] = [];
  const findings: Finding[] = [];
  let entryCount = 0;
  let tarBytes = 0;
  let contentBudget = limits.maxLayerContentBytes;
  // An exception from the interest callback is a bug in a detector, not a corrupt layer: keep it apart.
  let callerError: unknown;
  // set once a limit stops the read: the parser is torn down on purpose, and what was read so far is the result
  let stopped = false;
  let finishRead: () => void = ignore;
  let longPaths = 0;
  let nulPaths = 0;
  // the last bytes of the tar: every writer ends a tar with two zero blocks; a tar cut at an entry boundary does not
  let tail: Buffer = Buffer.alloc(0);

  // allowUnknownFormat: old (pre-POSIX) tars have no "ustar" magic; tar-stream's typings omit the option
  const extract = tarExtract({ allowUnknownFormat: true } as Parameters<typeof tarExtract>[0]);

  // the layer is stamped on findings at the end, when its digest is final
  const note = (code: string, message: string, path?: string): void => {
    findings.push({ code, severity: 'warning', message, ...(path !== undefined && { path: displayPath(path) }) });
  };

  /** Stops reading the layer (the source is released) and keeps what was analysed so far. */
  const stop = (code: string, message: string): void => {
    if (stopped) return;
    stopped = true;
    findings.push({ code, severity: 'error', message });
    tar.unpipe(extract);
    tar.destroy();
    extract.destroy();
    finishRead();
  };

  extract.on('entry', (header: Header, body: EntryBody, next: (err?: Error | null) => void) => {
    if (entryCount >= limits.maxEntries) {
      body.on('error', ignore);
      stop(LIMIT_ENTRIES, `layer has more than ${limits.maxEntries} entries; the rest of it was not read`);
      return;
    }
    entryCount++;
    // when the parser fails it destroys the current body with the same error, reported once via `extract`
    body.on('error', ignore);
    // tar-stream decodes a size field that is neither octal nor base-256 (first byte 0x81-0xfe) as null, takes null
    // for a valid size and then waits for the end of a body that never comes: a hostile header must not hang the gate
    if (typeof header.size !== 'number' || !(header.size >= 0)) {
      extract.destroy(new Error(`entry "${header.name}" has an unreadable size field`));
      return;
    }
    const done = (): void => next();
    const drain = (): void => {
      // tar-stream never ends a directory's body when its header claims a size (a hostile tar can): do not wait
      if (header.type === 'directory') return done();
      body.on('end', done);
      body.resume();
    };

    // a NUL cannot be in a real file name (a PAX or GNU long name can carry one): no filesystem would extract it
    if (header.name.includes('\0') || (header.linkname ?? '').includes('\0')) {
      nulPaths++;
      return drain();
    }
    if (Buffer.byteLength(header.name) > limits.maxPathBytes || Buffer.byteLength(header.linkname ?? '') > limits.maxPathBytes) {
      longPaths++;
      return drain();
    }
    const { path, escapes } = normaliseEntryName(header.name);
    if (escapes) {
      note('PATH_OUTSIDE_ROOT', `entry "${header.name}" climbs above the image root and was ignored`);
      return drain();
    }
    const base = basenameOf(path);
    if (base.startsWith(WHITEOUT_PREFIX)) {
      const dir = dirnameOf(path);
      if (base === OPAQUE_MARKER) opaqueDirs.push(dir);
      else if (base === WHITEOUT_PREFIX) note('INVALID_WHITEOUT', `bare whiteout "${header.name}" ignored`, path);
      else if (!base.startsWith(AUFS_META_PREFIX)) whiteouts.push(joinPath(dir, base.slice(WHITEOUT_PREFIX.length)));
      return drain();
    }
    if (path === '' || path.includes(`/${AUFS_META_PREFIX}`) || path.startsWith(AUFS_META_PREFIX)) return drain();

    switch (header.type) {
      case 'symlink':
        entries.push({ path, type: 'symlink', size: 0, linkTarget: header.linkname ?? '' });
        return drain();
      case 'link': {
        const target = normaliseEntryName(header.linkname ?? '');
        if (target.escapes || target.path === '') {
          note('PATH_OUTSIDE_ROOT', `hardlink "${header.name}" -> "${header.linkname}" leaves the image root; ignored`);
        } else {
          entries.push({ path, type: 'hardlink', size: header.size ?? 0, linkTarget: target.path });
        }
        return drain();
      }
      case 'character-device':
        // overlayfs represents a deletion as a 0/0 char device; some exporters leak it into layers
        if (header.devmajor === 0 && header.devminor === 0) whiteouts.push(path);
        return drain();
      case 'file':
      case 'contiguous-file':
        break;
      default:
        return drain();
    }

    const size = header.size ?? 0;
    let wanted;
    try {
      wanted = interest(path, size);
    } catch (err) {
      callerError = err;
      extract.destroy(err as Error);
      return;
    }
    if (!wanted) return drain();
    const entry: LayerEntry = { path, type: 'file', size };
    entries.push(entry);
    // the scan rides on the chunks that pass anyway: no copy, no buffering
    const scanner = wanted.scan === 'fatbin' && size > 0 ? new FatbinScanner(size) : undefined;
    const keepGpuCode = (): void => {
      const found = scanner?.result();
      if (found) entry.gpuCode = found;
    };
    if (scanner) body.on('data', (chunk) => scanner.push(chunk as Buffer));
    if (wanted.content === undefined || wanted.content <= 0) {
      if (!scanner) return drain();
      body.on('end', () => {
        keepGpuCode();
        done();
      });
      body.resume();
      return;
    }

    const cap = Math.min(wanted.content, limits.maxFileContentBytes, contentBudget);
    readHead(body, cap, (head, truncated) => {
      keepGpuCode();
      contentBudget -= head.length;
      entry.content = new TextDecoder('utf-8').decode(head, { stream: truncated });
      if (truncated) {
        entry.contentTruncated = true;
        note('CONTENT_TRUNCATED', `${displayPath(path)} is ${size} bytes; only the first ${cap} were read`, path);
      }
      done();
    });
  });

  await new Promise<void>((resolve, reject) => {
    finishRead = resolve;
    const byteCap = decompressedCap(limits, layer.size);
    const fail = (err: unknown): void => {
      if (stopped) return resolve();
      if (callerError !== undefined) return reject(callerError);
      reject(isGateError(err) ? err : corruptLayer(layer, err));
    };
    extract.on('finish', resolve);
    extract.on('error', fail);
    tar.on('data', (chunk: Buffer) => {
      tarBytes += chunk.length;
      tail = chunk.length >= END_MARKER_BYTES ? chunk.subarray(chunk.length - END_MARKER_BYTES) : Buffer.concat([tail, chunk]).subarray(-END_MARKER_BYTES);
      if (tarBytes > byteCap) {
        const declared = layer.size !== undefined ? ` from a ${formatBytes(layer.size)} blob` : '';
        stop(
          LIMIT_DECOMPRESSED_BYTES,
          `layer decompresses to more than ${formatBytes(byteCap)}${declared} (limit: ${limits.maxDecompressionRatio}x the blob, at least ${formatBytes(limits.decompressedFloorBytes)}, at most ${formatBytes(limits.maxDecompressedBytes)}); the rest of it was not read`,
        );
      }
    });
    // A source that ends early or fails must not leave the parser waiting for bytes that never come.
    finished(tar, (err) => {
      if (err && !stopped) extract.destroy(err);
    });
    tar.pipe(extract);
  });

  if (!stopped && !isEndMarker(tail)) {
    findings.push({
      code: LAYER_TRUNCATED,
      severity: 'error',
      message: `the layer tar ends after ${tarBytes} bytes without the end-of-archive marker: it was cut short (or is not a tar), so files may be missing`,
    });
  }
  if (longPaths > 0) {
    findings.push({
      code: LIMIT_PATH_LENGTH,
      severity: 'error',
      message: `${longPaths} entr${longPaths === 1 ? 'y has a name or link target' : 'ies have names or link targets'} longer than ${limits.maxPathBytes} bytes; skipped`,
    });
  }
  if (nulPaths > 0) note('PATH_NUL_BYTE', `${nulPaths} entr${nulPaths === 1 ? 'y has' : 'ies have'} a NUL byte in the name or link target; skipped`);

  return {
    digest: layer.digest,
    ...(layer.diffId !== undefined && { diffId: layer.diffId }),
    entryCount,
    tarBytes,
    entries,
    whiteouts,
    opaqueDirs,
    findings: findings.map((f) => ({ ...f, layer: layer.digest })),
  };
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

function corruptLayer(layer: LayerIdentity, err: unknown): GateError {
  return new GateError(
    'CORRUPT_LAYER',
    `layer ${layer.digest} is not a readable tar: ${messageOf(err)}`,
    'the image is damaged or was cut short; rebuild or re-pull it',
  );
}
