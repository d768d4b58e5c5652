/**
 * Bounded retries with exponential backoff for what a registry (or the network in between) gets wrong for a moment:
 * 429 (honouring Retry-After), 500/502/503/504, connection resets and stalls. Refused connections, unknown hosts
 * and TLS failures are not retried: they do not heal in seconds, and the user should hear about them at once.
 */
import { GateError, messageOf } from '../../common/errors';
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
  /**
   * the most one request for a small document (a manifest, a config, a token) may take, body included: a registry
   * sending a byte every few seconds keeps the idle timer happy forever (default REQUEST_DEADLINE_MS)
   */
  requestDeadlineMs?: number;
  /**
   * the most network time one layer blob may take over all its attempts (time spent waiting for the reader is not
   * counted) (default BLOB_DEADLINE_MS, or CUDA_GATE_BLOB_DEADLINE_S)
   */
  blobDeadlineMs?: number;
  /** retries one image may make in all, over every request and blob (default RETRY_BUDGET.retries) */
  retryBudget?: number;
  /** time one image may spend waiting between retries in all (backoff and Retry-After) (default RETRY_BUDGET.waitMs) */
  retryWaitBudgetMs?: number;
}

export const DEFAULT_TUNING: Tuning = { tries: 4, baseDelayMs: 500, maxRetryAfterMs: 60_000, idleMs: 30_000 };

export const REQUEST_DEADLINE_MS = 120_000;
export const BLOB_DEADLINE_MS = 60 * 60_000;
export const RETRY_BUDGET = { retries: 30, waitMs: 5 * 60_000 };

/** DEFAULT_TUNING, with the blob deadline from CUDA_GATE_BLOB_DEADLINE_S (whole seconds) when set. */
export function tuningFromEnv(env: NodeJS.ProcessEnv = process.env): Tuning {
  const raw = env.CUDA_GATE_BLOB_DEADLINE_S?.trim();
  if (raw === undefined || raw === '') return DEFAULT_TUNING;
  if (!/^\d{1,7}$/.test(raw) || Number(raw) === 0) {
    throw new GateError(
      'BAD_ARGUMENT',
      `CUDA_GATE_BLOB_DEADLINE_S is "${raw.slice(0, 40)}", not a whole number of seconds`,
      'set it to e.g. 3600, or unset it',
    );
  }
  return { ...DEFAULT_TUNING, blobDeadlineMs: Number(raw) * 1000 };
}

/** Raised when a retry would go past the image's retry budget: the last failure stands, said as such. */
export class RetryBudgetSpent extends Error {
  readonly code = 'CG_RETRY_BUDGET';
}

/**
 * The retries one image may make, over every request and blob: `tries` bounds one request, this bounds them all, so
 * a registry answering 429 to everything (with a Retry-After under the cap) cannot keep a run waiting for hours.
 */
export class RetryBudget {
  private retries = 0;
  private waitedMs = 0;
  private readonly maxRetries: number;
  private readonly maxWaitMs: number;

  constructor(tuning: Tuning) {
    this.maxRetries = tuning.retryBudget ?? RETRY_BUDGET.retries;
    this.maxWaitMs = tuning.retryWaitBudgetMs ?? RETRY_BUDGET.waitMs;
  }

  /** Takes one retry after waiting `ms`, or throws RetryBudgetSpent saying why not (`failure`: what went wrong last). */
  spend(ms: number, failure: string): void {
    if (this.retries + 1 > this.maxRetries || this.waitedMs + ms > this.maxWaitMs) {
      throw new RetryBudgetSpent(
        `${failure}, and the retry budget for this image is spent (${this.retries} retries, ${Math.round(this.waitedMs / 1000)} s of waiting; at most ${this.maxRetries} and ${Math.round(this.maxWaitMs / 1000)} s)`,
      );
    }
    this.retries++;
    this.waitedMs += ms;
  }

  /**
   * The one way anything here retries: spends a retry of `ms` (throwing RetryBudgetSpent past the budget), counts it,
   * then waits it out. A loop that waits without this would let a hostile registry multiply `tries` by the requests.
   */
  async retry(ms: number, failure: string): Promise<void> {
    this.spend(ms, failure);
    countRetry();
    await sleep(ms);
  }
}

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
 * Sends `req` up to `tuning.tries` times, each retry drawn from the image's `budget`. Returns the last response
 * (retryable statuses included, when tries run out or Retry-After asks for too long) and throws the last network
 * error or RetryBudgetSpent; mapping either to a GateError is the caller's, who knows what was being fetched.
 */
export async function sendWithRetries(req: HttpRequest, policy: SchemePolicy, tuning: Tuning, budget: RetryBudget): Promise<HttpResponse> {
  for (let attempt = 1; ; attempt++) {
    const last = attempt >= tuning.tries;
    let res: HttpResponse;
    try {
      res = await send(req, policy);
    } catch (err) {
      if (err instanceof GateError || last || !isTransient(err)) throw err;
      await budget.retry(backoffMs(tuning, attempt), `the connection to ${req.url.host} failed (${messageOf(err)})`);
      continue;
    }
    if (last || !RETRIED_STATUS.has(res.status)) return res;
    const asked = retryAfterMs(res);
    if (asked !== undefined && asked > tuning.maxRetryAfterMs) return res;
    discard(res);
    await budget.retry(
      Math.max(asked ?? 0, backoffMs(tuning, attempt)),
      `${res.url.host} answered HTTP ${res.status}${res.status === 429 ? ' (rate limited)' : ''}`,
    );
  }
}
