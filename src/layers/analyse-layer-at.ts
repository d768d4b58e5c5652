/**
 * One uncompressed layer tar in a file -> LayerResult, reading by offset instead of streaming: 512-byte headers
 * (a read-ahead window serves runs of small files in one read), the heads of the few files detectors want, and for
 * binaries only the ELF section table and the fatbin headers in the sections that can hold them. The entries, rules
 * and limits are the streaming reader's own (LayerCollector, TarHeaderSequence), so the result is the same; a tar
 * this reader cannot follow exactly (damage, a limit hit midway) is handed to the streaming reader whole.
 */
import { GateError, isGateError, messageOf } from '../common/errors';
import type { SeekableTar } from '../sources/types';
import { analyseLayer, DEFAULT_LAYER_LIMITS, type LayerLimits } from './analyse-layer';
import { scanBinaryAt } from './fatbin-seek';
import { LayerCollector, type BodyPlan, type LayerIdentity } from './layer-collector';
import { decompressedCap } from './limits';
import { TAR_BLOCK, TarFormatError, TarHeaderSequence } from '../tar/headers';
import type { InterestFn, LayerResult } from './types';

/** Read-ahead for headers: a layer of small files yields dozens of headers per read. */
const WINDOW_BYTES = 64 * 1024;
const END_MARKER_BYTES = 2 * TAR_BLOCK;

/** Why the seek path gave a layer to the streaming reader (for tests and debugging). */
export class NotSeekable extends Error {}

export interface SeekReadStats {
  /** bytes read from the file, headers and bodies together */
  bytesRead: number;
  /** set when the layer went to the streaming reader, with why */
  streamedBecause?: string;
}

export async function analyseLayerAt(
  tar: SeekableTar,
  layer: LayerIdentity,
  interest: InterestFn,
  limits: LayerLimits = DEFAULT_LAYER_LIMITS,
  stats: SeekReadStats = { bytesRead: 0 },
): Promise<LayerResult> {
  try {
    return await walk(tar, layer, interest, limits, stats);
  } catch (err) {
    if (!(err instanceof NotSeekable || err instanceof TarFormatError)) throw err;
    stats.streamedBecause = err.message;
    return analyseLayer(tar.stream(), layer, interest, limits);
  }
}

async function walk(tar: SeekableTar, layer: LayerIdentity, interest: InterestFn, limits: LayerLimits, stats: SeekReadStats): Promise<LayerResult> {
  if (tar.size > decompressedCap(limits)) throw new NotSeekable('the tar is larger than the decompressed-bytes limit');
  const reader = new WindowReader(tar, layer, stats);
  const collector = new LayerCollector(interest, limits);
  const headers = new TarHeaderSequence();
  let pos = 0;
  let ended = false;

  while (pos < tar.size) {
    if (pos + TAR_BLOCK > tar.size) throw new NotSeekable(`the tar ends inside a header at byte ${pos}`);
    const step = headers.step(await reader.at(pos, TAR_BLOCK));
    pos += TAR_BLOCK;
    if (step.kind === 'end') {
      ended = true;
      break;
    }
    if (step.kind === 'skip') continue;
    if (step.kind === 'meta') {
      if (step.size === 0) throw new NotSeekable(`an empty metadata record at byte ${pos - TAR_BLOCK}`);
      if (pos + step.size + step.padding > tar.size) throw new NotSeekable(`a metadata record at byte ${pos} runs past the end`);
      headers.meta(Buffer.from(await reader.at(pos, step.size)));
      pos += step.size + step.padding;
      continue;
    }
    const { header, skip } = step;
    if (!(header.size >= 0)) throw new NotSeekable(`entry "${header.name}" has an unreadable size`);
    if (collector.entryCount >= limits.maxEntries) throw new NotSeekable('the layer has more entries than the limit');
    if (pos + skip > tar.size) throw new NotSeekable(`entry "${header.name}" runs past the end of the tar`);
    const plan = collector.admit(header);
    if (plan) await readBody(reader, collector, plan, pos, header.size);
    pos += skip;
  }
  // a tar without the marker: the streaming reader looks at its last bytes, and so does this one; the data ending
  // right after one zero block is a complete archive (Go's readHeader: io.EOF)
  const endMarker = ended || headers.endsHere || (await reader.isZeroTail());
  const tarBytes = ended ? pos : tar.size;
  return collector.result(layer, tarBytes, { stopped: false, endMarker });
}

async function readBody(reader: WindowReader, collector: LayerCollector, plan: BodyPlan, start: number, size: number): Promise<void> {
  if (plan.scan) {
    const readAt = (buffer: Buffer, position: number, length: number): Promise<number> =>
      reader.readInto(buffer, start + position, Math.max(0, Math.min(length, size - position)));
    let found;
    try {
      found = await scanBinaryAt(readAt, size);
    } catch (err) {
      // the body ended before its size: the file shrank under us
      throw isGateError(err) ? err : reader.damaged(`${plan.entry.path}: ${messageOf(err)}`);
    }
    collector.keepBinary(plan, found);
  }
  if (plan.contentCap !== undefined) {
    const kept = Math.min(plan.contentCap, size);
    collector.keepContent(plan, Buffer.from(await reader.at(start, kept)), size > kept);
  }
}

/** Positional reads with a read-ahead window; short reads (the file changed under us) are a corrupt layer. */
class WindowReader {
  private window = Buffer.alloc(0);
  private windowStart = 0;

  constructor(
    private readonly tar: SeekableTar,
    private readonly layer: LayerIdentity,
    private readonly stats: SeekReadStats,
  ) {}

  /** `length` bytes at `position`; the buffer is valid until the next call. */
  async at(position: number, length: number): Promise<Buffer> {
    const from = position - this.windowStart;
    if (from >= 0 && from + length <= this.window.length) return this.window.subarray(from, from + length);
    const want = Math.min(Math.max(length, WINDOW_BYTES), this.tar.size - position);
    const buffer = Buffer.allocUnsafe(want);
    const got = await this.readInto(buffer, position, want);
    if (got < length) throw this.short(position + got);
    this.window = buffer.subarray(0, got);
    this.windowStart = position;
    return this.window.subarray(0, length);
  }

  /** Reads up to `length` bytes (fewer only at the end of the tar). */
  async readInto(buffer: Buffer, position: number, length: number): Promise<number> {
    let got = 0;
    while (got < length) {
      let n: number;
      try {
        n = await this.tar.read(got === 0 ? buffer : buffer.subarray(got), position + got, length - got);
      } catch (err) {
        throw new GateError('CORRUPT_LAYER', `layer ${this.layer.digest} cannot be read: ${messageOf(err)}`, 'check the file is readable and write it again');
      }
      if (n <= 0) break;
      got += n;
    }
    this.stats.bytesRead += got;
    return got;
  }

  async isZeroTail(): Promise<boolean> {
    if (this.tar.size < END_MARKER_BYTES) return false;
    const tail = await this.at(this.tar.size - END_MARKER_BYTES, END_MARKER_BYTES);
    return tail.every((b) => b === 0);
  }

  damaged(why: string): GateError {
    return new GateError('CORRUPT_LAYER', `layer ${this.layer.digest} cannot be read: ${why}`, 'write the archive again');
  }

  private short(at: number): GateError {
    return new GateError(
      'CORRUPT_LAYER',
      `layer ${this.layer.digest} ends at byte ${at}, before its declared ${this.tar.size} bytes (the file changed while it was read?)`,
      'write the archive again',
    );
  }
}
