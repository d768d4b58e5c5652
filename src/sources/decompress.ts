/**
 * Layer blob -> plain tar stream. Compression is sniffed from the first bytes, not trusted from media types:
 * `docker save` from Docker >= 25 labels uncompressed blobs, the containerd image store exports the original gzip
 * or zstd blobs, and some manifests simply lie.
 */
import { spawn } from 'node:child_process';
import { PassThrough, Readable, type Duplex } from 'node:stream';
import * as zlib from 'node:zlib';
import { GateError, isGateError, messageOf } from '../common/errors';

export type Compression = 'gzip' | 'zstd' | 'xz' | 'bzip2' | 'tar';

/**
 * Inflate output chunk: zlib's default 16 KiB halves throughput (research §6.1), and 1 MiB beat 256 KiB by ~15 % on
 * the bench's gzip archive (fewer callbacks and allocations on the main thread, which two inflating layers share).
 */
const INFLATE_CHUNK = 1024 * 1024;
export const SNIFF_BYTES = 6;

export function sniffCompression(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  // a zstd stream may open with skippable frames (magic 0x184D2A50-0x184D2A5F): decoders skip them, so it is zstd
  if (head.length >= 4 && (head.readUInt32LE(0) & 0xfffffff0) === 0x184d2a50) return 'zstd';
  if (head.length >= 6 && head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
  if (head.length >= 3 && head.subarray(0, 3).toString('latin1') === 'BZh') return 'bzip2';
  // Anything else goes to the tar parser, which accepts ustar, GNU and old-style headers and rejects the rest.
  return 'tar';
}

/**
 * A plain tar stream of the layer in `blob`. `what` names the layer in errors ("layer sha256:… of app.tar").
 * Decompression failures surface on the returned stream as GateError CORRUPT_LAYER.
 */
export async function decompressedTar(blob: Readable, what: string): Promise<Readable> {
  const { head, stream } = await peek(blob, SNIFF_BYTES);
  const compression = sniffCompression(head);
  switch (compression) {
    case 'tar':
      return stream;
    case 'gzip':
      return through(stream, zlib.createGunzip({ chunkSize: INFLATE_CHUNK }), what, 'gzip');
    case 'zstd':
      return zstdDecompress(stream, what);
    default:
      stream.destroy();
      throw new GateError(
        'CORRUPT_LAYER',
        `${what} is ${compression}-compressed, which image layers do not use and cuda-gate cannot read`,
        'rebuild or re-push the image with gzip or zstd layers',
      );
  }
}

/** Reads at least `n` bytes (or all, if fewer) and hands back a stream that still starts at byte 0. */
async function peek(src: Readable, n: number): Promise<{ head: Buffer; stream: Readable }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const cleanup = (): void => {
      src.off('readable', onReadable);
      src.off('end', onEnd);
      src.off('error', onError);
    };
    const onReadable = (): void => {
      let chunk: Buffer | null;
      while ((chunk = src.read() as Buffer | null) !== null) {
        chunks.push(chunk);
        length += chunk.length;
        if (length >= n) {
          cleanup();
          const head = Buffer.concat(chunks, length);
          src.unshift(head);
          resolve({ head, stream: src });
          return;
        }
      }
    };
    // A stream shorter than the sniff window has ended; unshift() is not allowed then, so start a new one.
    const onEnd = (): void => {
      cleanup();
      const head = Buffer.concat(chunks, length);
      resolve({ head, stream: Readable.from(length > 0 ? [head] : [], { objectMode: false }) });
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    src.on('readable', onReadable);
    src.on('end', onEnd);
    src.on('error', onError);
  });
}

/**
 * src -> decoder -> returned stream, wired by hand so that a decoder failure reaches the reader as CORRUPT_LAYER
 * naming the layer, and a reader that stops early releases the source.
 */
function through(src: Readable, decoder: Duplex, what: string, format: string): Readable {
  const out = new PassThrough({ highWaterMark: INFLATE_CHUNK });
  src.on('error', (err) => out.destroy(err));
  decoder.on('error', (err) => out.destroy(corruptLayer(what, format, err)));
  out.on('close', () => {
    if (!out.readableEnded) {
      src.destroy();
      decoder.destroy();
    }
  });
  src.pipe(decoder).pipe(out);
  return out;
}

type ZstdFactory = (options?: { chunkSize?: number }) => Duplex;

function zstdDecompress(src: Readable, what: string): Readable {
  // Node >= 22.15 / 23.8 has native zstd; Node 20 (and its @types) do not, hence the dynamic lookup.
  const createZstdDecompress = (zlib as unknown as { createZstdDecompress?: ZstdFactory }).createZstdDecompress;
  if (typeof createZstdDecompress === 'function') {
    return through(src, createZstdDecompress({ chunkSize: INFLATE_CHUNK }), what, 'zstd');
  }
  return zstdProcess(src, what);
}

/** Fallback for Node without zstd: the `zstd` program, if the machine has it. */
function zstdProcess(src: Readable, what: string): Readable {
  const out = new PassThrough({ highWaterMark: INFLATE_CHUNK });
  const child = spawn('zstd', ['-dcq'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    if (stderr.length < 4096) stderr += d.toString();
  });
  child.on('error', (err: NodeJS.ErrnoException) => {
    src.destroy();
    out.destroy(
      err.code === 'ENOENT'
        ? new GateError(
            'CORRUPT_LAYER',
            `${what} is zstd-compressed, and this Node.js (${process.version}) cannot decompress zstd`,
            'run on Node.js >= 22.15 (the action uses node24) or install the zstd program (apt-get install zstd)',
          )
        : corruptLayer(what, 'zstd', err),
    );
  });
  // zstd exiting early closes its stdin; the exit code below reports why, so this EPIPE adds nothing.
  child.stdin.on('error', () => undefined);
  src.on('error', (err) => {
    child.kill();
    out.destroy(err);
  });
  child.on('close', (code) => {
    if (code === 0) out.end();
    else if (!out.destroyed) out.destroy(corruptLayer(what, 'zstd', new Error(stderr.trim() || `zstd exited ${code}`)));
  });
  out.on('close', () => {
    if (!out.readableEnded) {
      child.kill();
      src.destroy();
    }
  });
  src.pipe(child.stdin);
  child.stdout.pipe(out, { end: false });
  return out;
}

function corruptLayer(what: string, format: string, err: unknown): GateError {
  if (isGateError(err)) return err;
  return new GateError(
    'CORRUPT_LAYER',
    `${what} cannot be decompressed (${format}): ${messageOf(err)}`,
    'the blob is damaged or truncated; rebuild, re-save or re-pull the image',
  );
}
