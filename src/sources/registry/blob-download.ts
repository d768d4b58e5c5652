/**
 * One layer blob as a stream of its stored (compressed) bytes, hashed as they pass: the reader never sees the end
 * of a blob whose digest does not match, and `settle()` drains whatever the reader left so the check always runs.
 * A connection that breaks or stalls mid-blob is resumed with a Range request at the byte it stopped at (or, where
 * the registry ignores Range, by skipping what was already passed on), so the reader sees one unbroken stream.
 */
import { createHash } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import { GateError, isGateError, messageOf } from '../../common/errors';
import type { RegistryClient } from './client';
import { networkError } from './errors';
import type { HttpResponse } from './http';
import { asBodyMismatch, isRetryable } from './body';
import { backoffMs, RetryBudgetSpent } from './retry';

/** A fast network outruns the decompressor; a small buffer keeps memory flat and lets backpressure work. */
const STREAM_BUFFER = 1024 * 1024;

export interface BlobDownload {
  /** the blob's bytes, in order, once; errors (transfer failures, DIGEST_MISMATCH) are GateErrors */
  stream: Readable;
  /**
   * Waits for the whole blob, reading what the reader left unread, and returns the transfer's failure (a digest
   * mismatch, a network error) or undefined when every byte arrived and matched.
   */
  settle(): Promise<GateError | undefined>;
}

class PrematureEnd extends Error {
  readonly code = 'CG_PREMATURE_END';
}

export function downloadBlob(client: RegistryClient, blob: { digest: string; size?: number }, what: string): BlobDownload {
  const out = new PassThrough({ highWaterMark: STREAM_BUFFER });
  // a failure after the reader has gone must not become an unhandled 'error' event
  out.on('error', () => undefined);
  let readerDone = false;
  let wake: (() => void) | undefined;
  let failure: GateError | undefined;

  /** Resolves when `out` can take more, or nobody reads it any more. */
  const drained = (): Promise<void> =>
    new Promise((resolve) => {
      const done = (): void => {
        out.off('drain', done);
        out.off('close', done);
        wake = undefined;
        resolve();
      };
      wake = done;
      out.on('drain', done);
      out.on('close', done);
    });

  const transfer = async (): Promise<void> => {
    const algorithm = blob.digest.slice(0, blob.digest.indexOf(':'));
    const hash = createHash(algorithm);
    let received = 0;
    for (let attempt = 1; ; attempt++) {
      const res = await client.blob(blob.digest, what, { layer: true, ...(received > 0 && { range: `bytes=${received}-` }) });
      let skip = received > 0 ? alreadyReceived(res, received, what) : 0;
      /** bytes of this response, for a Content-Length it breaks */
      let got = 0;
      try {
        for await (const chunk of res.body as AsyncIterable<Buffer>) {
          res.watchdog.kick();
          got += chunk.length;
          let bytes = chunk;
          if (skip > 0) {
            const dropped = Math.min(skip, bytes.length);
            skip -= dropped;
            bytes = bytes.subarray(dropped);
            if (bytes.length === 0) continue;
          }
          received += bytes.length;
          if (blob.size !== undefined && received > blob.size) throw sizeMismatch(what, blob, `more than ${blob.size} bytes`);
          hash.update(bytes);
          if (!readerDone && !out.destroyed && !out.write(bytes)) {
            res.watchdog.pause();
            await drained();
            res.watchdog.resume();
          }
        }
        // a connection closed cleanly short of the blob's size is a broken transfer, not the blob's end
        if (skip > 0 || (blob.size !== undefined && received < blob.size)) throw new PrematureEnd(`the connection ended after ${received} bytes`);
        break;
      } catch (caught) {
        res.body.destroy();
        if (isGateError(caught)) throw caught;
        const err = asBodyMismatch(res, caught, got);
        if (!isRetryable(err) || attempt >= client.tuning.tries) throw brokenTransfer(client, err, what, received, attempt);
        // a resume is a retry like any other: drawn from the image's budget, so a blob that breaks on every try
        // cannot multiply `tries` by the requests each resume makes
        try {
          await client.retryBudget.retry(backoffMs(client.tuning, attempt), messageOf(err));
        } catch (spent) {
          if (spent instanceof RetryBudgetSpent) throw brokenTransfer(client, err, what, received, attempt, spent);
          throw spent;
        }
      }
    }
    const actual = `${algorithm}:${hash.digest('hex')}`;
    if (actual !== blob.digest) {
      throw new GateError(
        'DIGEST_MISMATCH',
        `${what}: the registry sent ${received} bytes whose digest is ${actual}`,
        "the registry's copy is corrupt or was tampered with; do not trust this image, push it again",
      );
    }
    if (blob.size !== undefined && received !== blob.size) throw sizeMismatch(what, blob, `${received} bytes`);
  };

  const done = transfer().then(
    () => {
      if (!out.destroyed) out.end();
    },
    (err: unknown) => {
      failure = isGateError(err) ? err : networkError(err, client.ref.apiHost, client.where, `downloading ${what}`);
      out.destroy(failure);
    },
  );

  return {
    stream: out,
    async settle() {
      readerDone = true;
      wake?.();
      await done;
      if (!out.destroyed) out.destroy();
      return failure;
    },
  };
}

/** After a Range request: how many leading bytes of `res` the reader already has (0 for a proper 206). */
function alreadyReceived(res: HttpResponse, received: number, what: string): number {
  if (res.status !== 206) return received; // Range ignored: the whole blob again
  const range = /^bytes (\d+)-/.exec(String(res.headers['content-range'] ?? ''));
  if (range && Number(range[1]) === received) return 0;
  res.body.destroy();
  throw new GateError(
    'REGISTRY_ERROR',
    `resuming ${what} at byte ${received}, the registry answered with range "${res.headers['content-range'] ?? ''}"`,
    'retry; if it persists the registry mishandles Range requests',
  );
}

/** `said`: what to quote when it is not `err` itself (the spent budget, which quotes `err`); the hint is `err`'s. */
function brokenTransfer(client: RegistryClient, err: unknown, what: string, received: number, attempts: number, said: unknown = err): GateError {
  const base = networkError(err, client.ref.apiHost, client.where, `downloading ${what}`);
  return new GateError(
    'REGISTRY_ERROR',
    `the download of ${what} broke after ${received} bytes and ${attempts} attempt${attempts === 1 ? '' : 's'}: ${messageOf(said)}`,
    base.hint,
  );
}

function sizeMismatch(what: string, blob: { digest: string; size?: number }, got: string): GateError {
  return new GateError(
    'DIGEST_MISMATCH',
    `${what}: the registry sent ${got}, but the manifest gives its size as ${blob.size}`,
    "the registry's copy is corrupt or was tampered with; do not trust this image, push it again",
  );
}
