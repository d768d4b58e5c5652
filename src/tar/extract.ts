/**
 * A streaming tar reader over TarHeaderSequence: the entries Go's archive/tar gives (see headers.ts), each with its
 * body as a Readable, one at a time. It replaces tar-stream, whose header rules differ from Go's (pax over GNU long
 * names, global pax merged into names, bodies after symlink headers, STAR prefixes), so that the streaming reader
 * and the seek reader decode the very same headers.
 *
 * Events: 'entry' (header, body, next) — call next() once done with the body (unread body bytes are dropped);
 * 'finish' at the end of the input; 'error' on damage ("Unexpected end of data" for a tar cut inside a record, and
 * TarFormatError where Go's reader fails: see headers.ts).
 */
import { Readable, Writable } from 'node:stream';
import { TAR_BLOCK, TarHeaderSequence, type TarEntryHeader } from './headers';

type State = 'header' | 'meta' | 'body' | 'skip' | 'wait' | 'ended';

export class TarExtract extends Writable {
  private readonly headers = new TarHeaderSequence();
  private state: State = 'header';
  private gathered: Buffer = Buffer.alloc(TAR_BLOCK);
  private filled = 0;
  /** bytes left in 'body' / 'skip'; padding to skip after the body */
  private left = 0;
  private padAfter = 0;
  private body?: Readable;
  /** the consumer called next() before the body was read: drop the rest */
  private detached = false;
  /** a write waiting for the consumer (body backpressure or next()) */
  private pending?: { chunk: Buffer; callback: (err?: Error | null) => void };

  constructor() {
    super({ highWaterMark: 256 * 1024 });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.pending = { chunk, callback };
    this.pump();
  }

  /**
   * Whether the input ended where Go's reader sees a complete archive: after the two zero blocks, or right after one
   * (readHeader: "exactly 1 block of zeros read and EOF" is io.EOF). Meaningful once 'finish' has been emitted.
   */
  get complete(): boolean {
    return this.state === 'ended' || (this.state === 'header' && this.filled === 0 && this.headers.endsHere);
  }

  override _final(callback: (err?: Error | null) => void): void {
    if (this.state === 'ended' || (this.state === 'header' && this.filled === 0)) return callback();
    callback(new Error('Unexpected end of data'));
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    if (this.body && !this.body.destroyed) this.body.destroy(err ?? undefined);
    callback(err);
  }

  /** Works through the pending chunk until it is used up or the consumer must catch up. */
  private pumping = false;
  /** pump() was asked for while it ran (a write, a read or next() from inside it): run it again */
  private again = false;

  private pump(): void {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.again = false;
        this.pumpChunk();
      } while (this.again);
    } finally {
      this.pumping = false;
    }
  }

  private pumpChunk(): void {
    const work = this.pending;
    if (!work || this.state === 'wait' || this.destroyed) return;
    const { chunk } = work;
    let pos = 0;
    try {
      while (pos < chunk.length) {
        if ((this.state as State) === 'ended') {
          pos = chunk.length;
          break;
        }
        if ((this.state as State) === 'wait') break;
        if (this.state === 'skip') {
          const n = Math.min(this.left, chunk.length - pos);
          pos += n;
          this.left -= n;
          if (this.left === 0) this.state = 'header';
          continue;
        }
        if (this.state === 'body') {
          const n = Math.min(this.left, chunk.length - pos);
          const part = chunk.subarray(pos, pos + n);
          pos += n;
          this.left -= n;
          const more = this.detached ? true : this.body!.push(part);
          if (this.left === 0) this.endBody();
          if (!more && this.state === 'body') {
            // the body is full: resume when it is read
            work.chunk = chunk.subarray(pos);
            return;
          }
          continue;
        }
        const n = Math.min(this.gathered.length - this.filled, chunk.length - pos);
        chunk.copy(this.gathered, this.filled, pos, pos + n);
        this.filled += n;
        pos += n;
        if (this.filled === this.gathered.length) this.onGathered();
      }
    } catch (err) {
      this.pending = undefined;
      work.callback(err as Error);
      return;
    }
    work.chunk = chunk.subarray(pos);
    if (work.chunk.length === 0 || this.state === 'ended') {
      this.pending = undefined;
      work.callback();
    }
  }

  private onGathered(): void {
    if (this.state === 'meta') {
      this.headers.meta(this.gathered);
      this.startSkip(this.padAfter);
      return;
    }
    const step = this.headers.step(this.gathered);
    this.filled = 0;
    switch (step.kind) {
      case 'skip':
        return;
      case 'end':
        this.state = 'ended';
        return;
      case 'meta':
        if (step.size === 0) {
          this.headers.meta(Buffer.alloc(0));
          return;
        }
        this.state = 'meta';
        this.gathered = Buffer.alloc(step.size);
        this.padAfter = step.padding;
        return;
      case 'entry':
        this.startEntry(step.header, step.stored, step.skip);
    }
  }

  private startSkip(bytes: number): void {
    this.gathered = Buffer.alloc(TAR_BLOCK);
    this.filled = 0;
    this.left = bytes;
    this.state = bytes > 0 ? 'skip' : 'header';
  }

  /** `stored`: body bytes as the tar holds them (0 for header-only types); `skip`: the same with padding */
  private startEntry(header: TarEntryHeader, stored: number, skip: number): void {
    const bodyBytes = stored;
    this.detached = false;
    this.body = new Readable({ read: () => this.resumeBody() });
    this.left = bodyBytes;
    this.padAfter = skip - bodyBytes;
    this.state = 'body';
    if (bodyBytes === 0) this.endBody();
    this.emit('entry', header, this.body, (err?: Error | null) => this.next(err));
  }

  private endBody(): void {
    if (this.detached) return this.startSkip(this.padAfter);
    this.body!.push(null);
    this.state = 'wait';
  }

  private next(err?: Error | null): void {
    if (err) {
      this.destroy(err);
      return;
    }
    if (this.state === 'body') {
      // the consumer is done before the body: drop what is left of it
      this.detached = true;
      this.body?.destroy();
      this.pump();
      return;
    }
    if (this.state !== 'wait') return;
    this.startSkip(this.padAfter);
    this.pump();
  }

  private resumeBody(): void {
    if (this.state === 'body') this.pump();
  }
}
