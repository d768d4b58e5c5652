/**
 * Bounded retries with exponential backoff for what a registry (or the network in between) gets wrong for a moment:
 * 429 (honouring Retry-After), 500/502/503/504, connection resets and stalls. Refused connections, unknown hosts
 * and TLS failures are not retried: they do not heal in seconds, and the user should hear about them at once.
 */
import { GateError } from '../../common/errors';
import { discard, send, type HttpRequest, type HttpResponse, type SchemePolicy } from './http';
import { countRetry } from './stats';

export interface Tuning {
  /** attempts per request (and per blob download, resumes included) */
  tries: number;
  /** first backoff; doubled on each retry */
  baseDelayMs: number;
  /** a Retry-After longer than this is not waited for: the request fails and says when to come back */
  maxRetryAfterMs: number;
  /** a request or body that receives nothing for this long fails */
  idleMs: number;
}

export const DEFAULT_TUNING: Tuning = { tries: 4, baseDelayMs: 500, maxRetryAfterMs: 60_000, idleMs: 30_000 };

const RETRIED_STATUS = new Set([429, 500, 502, 503, 504]);
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNABORTED',
  'EAI_AGAIN',
  'CG_IDLE_TIMEOUT',
  'CG_PREMATURE_END',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

/** A failure worth sending the request again for. */
export function isTransient(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && TRANSIENT_CODES.has(code);
}

export function backoffMs(tuning: Tuning, retry: number): number {
  return tuning.baseDelayMs * 2 ** (retry - 1);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Retry-After as milliseconds (delta-seconds or an HTTP date), or undefined. */
export function retryAfterMs(res: HttpResponse, now = Date.now()): number | undefined {
  const value = res.headers['retry-after'];
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Sends `req` up to `tuning.tries` times. Returns the last response (retryable statuses included, when tries run
 * out or Retry-After asks for too long) and throws the last network error; mapping either to a GateError is the
 * caller's, who knows what was being fetched.
 */
export async function sendWithRetries(req: HttpRequest, policy: SchemePolicy, tuning: Tuning): Promise<HttpResponse> {
  for (let attempt = 1; ; attempt++) {
    const last = attempt >= tuning.tries;
    let res: HttpResponse;
    try {
      res = await send(req, policy);
    } catch (err) {
      if (err instanceof GateError || last || !isTransient(err)) throw err;
      countRetry();
      await sleep(backoffMs(tuning, attempt));
      continue;
    }
    if (last || !RETRIED_STATUS.has(res.status)) return res;
    const asked = retryAfterMs(res);
    if (asked !== undefined && asked > tuning.maxRetryAfterMs) return res;
    discard(res);
    countRetry();
    await sleep(Math.max(asked ?? 0, backoffMs(tuning, attempt)));
  }
}
