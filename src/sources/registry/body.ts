/**
 * A response body that does not match its Content-Length — the connection closes before the bytes it announced
 * (Node: "aborted"), or more bytes follow them (Node: a parse error, HPE_…) — is a broken transfer: said in those
 * terms, retried like a reset, and in the end a REGISTRY_ERROR naming what was being fetched.
 */
import { GateError, isGateError, messageOf } from '../../common/errors';
import type { RegistryClient } from './client';
import { readCapped, type HttpResponse } from './http';
import { backoffMs, isTransient, RetryBudgetSpent } from './retry';

export class BodyMismatchError extends Error {
  readonly code = 'CG_BODY_MISMATCH';
}

/** `err`, a failure while reading `res`'s body, as a BodyMismatchError where the body broke its Content-Length. */
export function asBodyMismatch(res: HttpResponse, err: unknown, received?: number): unknown {
  if (isGateError(err) || err instanceof BodyMismatchError) return err;
  const declared = Number(res.headers['content-length']);
  if (!Number.isFinite(declared)) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('HPE_')) {
    return new BodyMismatchError(`${res.url.host} sent more bytes than the ${declared} its Content-Length announced (${messageOf(err)})`);
  }
  if (messageOf(err) === 'aborted' || code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE') {
    const got = received !== undefined ? `after ${received} of the ${declared} bytes` : `before the ${declared} bytes`;
    return new BodyMismatchError(`${res.url.host} closed the connection ${got} its Content-Length announced`);
  }
  return err;
}

/** A failure worth asking again for: a network one, or a body that broke its Content-Length. */
export function isRetryable(err: unknown): boolean {
  return err instanceof BodyMismatchError || isTransient(err);
}

/**
 * A small document (manifest, config) read whole, the request sent again when the body breaks off or breaks its
 * Content-Length (within the client's `tries` and the image's retry budget); past that a REGISTRY_ERROR naming
 * `what` (the blob and the image).
 */
export async function readWhole(
  client: RegistryClient,
  what: string,
  cap: number,
  tooBig: (bytes: number) => Error,
  request: () => Promise<HttpResponse>,
): Promise<{ res: HttpResponse; bytes: Buffer }> {
  for (let attempt = 1; ; attempt++) {
    const res = await request();
    let failure: unknown;
    try {
      const bytes = await readCapped(res, cap, tooBig);
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared !== bytes.length) {
        throw new BodyMismatchError(`${res.url.host} sent ${bytes.length} bytes where its Content-Length announced ${declared}`);
      }
      return { res, bytes };
    } catch (e) {
      res.body.destroy();
      failure = asBodyMismatch(res, e);
    }
    if (isGateError(failure)) throw failure;
    try {
      if (!isRetryable(failure) || attempt >= client.tuning.tries) throw failure;
      await client.retryBudget.retry(backoffMs(client.tuning, attempt), messageOf(failure));
    } catch (err) {
      // RetryBudgetSpent says the last failure itself, and that the budget is why it stands
      const said = err instanceof RetryBudgetSpent ? err : failure;
      throw new GateError(
        'REGISTRY_ERROR',
        `reading ${what} failed after ${attempt} attempt${attempt === 1 ? '' : 's'}: ${messageOf(said)}`,
        'retry later; if it persists the registry (or a proxy in front of it) sends broken answers',
      );
    }
  }
}
