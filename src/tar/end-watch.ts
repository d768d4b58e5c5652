/**
 * Passes a layer tar through up to its end-of-archive marker and ends there, as Go's archive/tar (Docker, containerd)
 * does: what follows the two zero blocks is not part of the layer, so it is not decompressed, parsed or read. A gzip
 * layer is released as soon as its tar ends. Where the framing cannot be followed (a damaged header), everything is
 * passed on and the tar parser reports the damage.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { TAR_BLOCK, TarHeaderSequence, TarFormatError } from './headers';

type State = 'header' | 'meta' | 'skip' | 'blind' | 'ended';

export class TarEndWatch extends Transform {
  /** set once the marker has passed: the source may be released */
  ended = false;
  private readonly headers = new TarHeaderSequence();
  private state: State = 'header';
  /** header or metadata bytes being gathered */
  private gathered: Buffer = Buffer.alloc(TAR_BLOCK);
  private filled = 0;
  /** bytes left in the current 'skip' or 'meta' state */
  private left = 0;
  private metaPadding = 0;

  constructor() {
    super({ highWaterMark: 256 * 1024 });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.state === 'ended') return callback();
    if (this.state === 'blind') return callback(null, chunk);
    let endAt: number;
    try {
      endAt = this.follow(chunk);
    } catch (err) {
      return callback(err as Error);
    }
    if (endAt < 0) return callback(null, chunk);
    this.push(chunk.subarray(0, endAt));
    this.state = 'ended';
    this.ended = true;
    this.push(null);
    callback();
  }

  /** Walks the framing through `chunk`; returns where the archive ends in it, or -1. */
  private follow(chunk: Buffer): number {
    let pos = 0;
    while (pos < chunk.length) {
      if (this.state === 'skip') {
        const n = Math.min(this.left, chunk.length - pos);
        pos += n;
        this.left -= n;
        if (this.left === 0) this.expectHeader();
        continue;
      }
      const n = Math.min(this.gathered.length - this.filled, chunk.length - pos);
      chunk.copy(this.gathered, this.filled, pos, pos + n);
      this.filled += n;
      pos += n;
      if (this.filled < this.gathered.length) continue;
      // damage (TarFormatError): everything is passed on, and the tar parser fails the layer on the same block
      let step;
      try {
        if (this.state === 'meta') {
          this.headers.meta(this.gathered);
          this.skipThen(this.metaPadding);
          continue;
        }
        step = this.headers.step(this.gathered);
      } catch (err) {
        if (!(err instanceof TarFormatError)) throw err;
        this.state = 'blind';
        return -1;
      }
      switch (step.kind) {
        case 'end':
          return pos;
        case 'skip':
          this.filled = 0;
          break;
        case 'meta':
          if (step.size === 0) {
            this.headers.meta(Buffer.alloc(0));
            this.filled = 0;
            break;
          }
          this.state = 'meta';
          this.gathered = Buffer.alloc(step.size);
          this.filled = 0;
          this.metaPadding = step.padding;
          break;
        case 'entry':
          this.skipThen(step.skip);
          break;
      }
    }
    return -1;
  }

  private skipThen(bytes: number): void {
    if (bytes > 0) {
      this.state = 'skip';
      this.left = bytes;
    } else {
      this.expectHeader();
    }
  }

  private expectHeader(): void {
    this.state = 'header';
    if (this.gathered.length !== TAR_BLOCK) this.gathered = Buffer.alloc(TAR_BLOCK);
    this.filled = 0;
  }
}
