/**
 * One HTTP exchange with a registry: redirects followed by hand so that Authorization never leaves the origin it
 * was meant for (blob GETs usually answer 307 to a CDN or a presigned object-store URL), plain HTTP only where
 * allowed, and an idle watchdog so a stalled connection ends in an error instead of a hang.
 */
import http from 'node:http';
import https from 'node:https';
import { isIPv4 } from 'node:net';
import { GateError } from '../../common/errors';
import { hostnameOf } from './reference';
import { countRequest } from './stats';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

export interface HttpRequest {
  method: 'GET' | 'POST';
  url: URL;
  headers?: Record<string, string>;
  /** sent to `url`'s origin only: dropped when a redirect leads elsewhere */
  authorization?: string;
  body?: string;
  /** the exchange fails when nothing arrives for this long (while the reader is not the one holding back) */
  idleMs: number;
  /**
   * the exchange fails when it has taken this long in all, body included, however steadily bytes trickle in (time
   * the reader holds back is not counted); none when undefined
   */
  deadlineMs?: number;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: http.IncomingMessage;
  /** where the answer came from, after redirects */
  url: URL;
  watchdog: Watchdog;
}

/** Raised (as the stream's error) when a request or a body sees no bytes for `idleMs`. */
export class IdleTimeoutError extends Error {
  readonly code = 'CG_IDLE_TIMEOUT';
  constructor(
    readonly url: URL,
    readonly idleMs: number,
  ) {
    super(`no data from ${url.host} for ${idleMs / 1000} s`);
  }
}

/** Raised (as the stream's error) when a request and its body have not finished within `deadlineMs`. */
export class DeadlineError extends Error {
  readonly code = 'CG_DEADLINE';
  constructor(
    readonly url: URL,
    readonly deadlineMs: number,
  ) {
    super(`${url.host} had not finished sending after ${deadlineMs / 1000} s (bytes trickling in too slowly)`);
  }
}

/**
 * Times out a request that receives nothing, and (with a deadline) one that takes too long in all. Readers kick it
 * per chunk, and pause it while they wait on their own consumer (backpressure is not a stalled registry): paused
 * time counts toward neither limit.
 */
export class Watchdog {
  private timer: NodeJS.Timeout | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private paused = false;
  private stopped = false;
  /** active (unpaused) time before the current stretch */
  private spentMs = 0;
  private activeSince = Date.now();

  constructor(
    private readonly idleMs: number,
    private readonly onIdle: () => void,
    private readonly deadline?: { ms: number; onDeadline: () => void },
  ) {
    this.arm();
    this.armDeadline();
  }

  kick(): void {
    if (!this.paused && !this.stopped) this.arm();
  }

  pause(): void {
    if (this.paused || this.stopped) return;
    this.paused = true;
    this.spentMs += Date.now() - this.activeSince;
    this.clear();
  }

  resume(): void {
    if (!this.paused || this.stopped) return;
    this.paused = false;
    this.activeSince = Date.now();
    this.kick();
    this.armDeadline();
  }

  stop(): void {
    if (!this.stopped && !this.paused) this.spentMs += Date.now() - this.activeSince;
    this.stopped = true;
    this.clear();
  }

  /** Time the exchange has been active (not paused), so far or until it stopped. */
  activeMs(): number {
    return this.spentMs + (this.stopped || this.paused ? 0 : Date.now() - this.activeSince);
  }

  private arm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.stop();
      this.onIdle();
    }, this.idleMs);
  }

  private armDeadline(): void {
    const deadline = this.deadline;
    if (!deadline) return;
    if (this.deadlineTimer !== undefined) clearTimeout(this.deadlineTimer);
    this.deadlineTimer = setTimeout(
      () => {
        this.stop();
        deadline.onDeadline();
      },
      Math.max(0, deadline.ms - this.spentMs),
    );
  }

  private clear(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.deadlineTimer !== undefined) clearTimeout(this.deadlineTimer);
    this.timer = undefined;
    this.deadlineTimer = undefined;
  }
}

/** Which hosts may be spoken to over plain HTTP: loopback ones, and those the user listed as insecure. */
export class SchemePolicy {
  private readonly insecure: Set<string>;

  constructor(insecure: readonly string[] = []) {
    this.insecure = new Set(insecure.map((h) => h.trim().toLowerCase()).filter((h) => h !== ''));
  }

  /** The scheme to reach a registry host[:port] with. */
  schemeFor(hostPort: string): 'http:' | 'https:' {
    return this.allowsHttp(hostPort) ? 'http:' : 'https:';
  }

  allows(url: URL): boolean {
    return url.protocol === 'https:' || (url.protocol === 'http:' && this.allowsHttp(url.host));
  }

  private allowsHttp(hostPort: string): boolean {
    const host = hostPort.toLowerCase();
    return isLoopback(hostnameOf(host)) || this.insecure.has(host) || this.insecure.has(hostnameOf(host));
  }
}

export function isLoopback(hostname: string): boolean {
  const h = hostname.toLowerCase();
  return h === 'localhost' || h === '::1' || (isIPv4(h) && h.startsWith('127.'));
}

/** Sends `req`, following redirects for GETs; the caller owns (and must consume or destroy) the body. */
export async function send(req: HttpRequest, policy: SchemePolicy): Promise<HttpResponse> {
  let url = req.url;
  let authorization = req.authorization;
  for (let hop = 0; ; hop++) {
    if (!policy.allows(url)) {
      throw new GateError(
        'REGISTRY_ERROR',
        `refusing to fetch ${url.origin}${hop > 0 ? ` (a redirect from ${req.url.host})` : ''} over plain HTTP`,
        `only loopback hosts and hosts listed as insecure registries are read over HTTP; list ${url.host} as insecure if it is trusted`,
      );
    }
    let res: HttpResponse;
    try {
      const { authorization: _original, ...rest } = req;
      res = await exchange({ ...rest, url, ...(authorization !== undefined && { authorization }) });
    } catch (err) {
      // remember which host failed: after a redirect it is not the registry's
      if (typeof err === 'object' && err !== null) Object.assign(err, { requestUrl: url });
      throw err;
    }
    const location = res.headers.location;
    if (req.method !== 'GET' || !REDIRECTS.has(res.status) || location === undefined) return res;
    discard(res);
    if (hop >= MAX_REDIRECTS) {
      throw new GateError('REGISTRY_ERROR', `${req.url.host} redirected ${req.url.pathname} more than ${MAX_REDIRECTS} times`);
    }
    const next = new URL(location, url);
    if (next.origin !== url.origin) authorization = undefined;
    url = next;
  }
}

function exchange(req: HttpRequest): Promise<HttpResponse> {
  countRequest();
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'user-agent': 'cuda-gate', ...req.headers };
    if (req.authorization !== undefined) headers.authorization = req.authorization;
    if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
    const lib = req.url.protocol === 'https:' ? https : http;
    const request = lib.request(req.url, { method: req.method, headers });
    let response: http.IncomingMessage | undefined;
    const fail = (err: Error): void => {
      if (response) response.destroy(err);
      request.destroy(err);
    };
    const deadlineMs = req.deadlineMs;
    const watchdog = new Watchdog(
      req.idleMs,
      () => fail(new IdleTimeoutError(req.url, req.idleMs)),
      deadlineMs !== undefined ? { ms: deadlineMs, onDeadline: () => fail(new DeadlineError(req.url, deadlineMs)) } : undefined,
    );
    request.on('response', (res) => {
      response = res;
      res.on('close', () => watchdog.stop());
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res, url: req.url, watchdog });
    });
    request.on('error', (err) => {
      if (response) {
        // after the head arrived, a failure belongs to the body: its reader sees it
        if (!response.destroyed) response.destroy(err);
        return;
      }
      watchdog.stop();
      reject(err);
    });
    request.end(req.body);
  });
}

/** A discarded body is drained (so its socket can be reused) up to this many bytes and for this long, then dropped. */
const DISCARD_BYTES = 64 * 1024;
const DISCARD_MS = 2000;

/**
 * Frees a response whose body nobody wants. A short one is drained so its socket can be reused; one that goes on
 * (a hostile 429 or redirect whose body never ends) is destroyed: read with no watchdog, it would hold the socket
 * open and keep the process from exiting after the run.
 */
export function discard(res: HttpResponse): void {
  res.watchdog.stop();
  const body = res.body;
  body.on('error', () => undefined);
  if (body.destroyed || body.readableEnded) return;
  let left = DISCARD_BYTES;
  const timer = setTimeout(() => body.destroy(), DISCARD_MS);
  body.on('close', () => clearTimeout(timer));
  body.on('data', (chunk: Buffer) => {
    left -= chunk.length;
    if (left < 0) body.destroy();
  });
  body.resume();
}

/** Reads a small body whole, failing past `cap` bytes before buffering them. */
export async function readCapped(res: HttpResponse, cap: number, tooBig: (bytes: number) => Error): Promise<Buffer> {
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > cap) {
    res.body.destroy();
    throw tooBig(declared);
  }
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    res.watchdog.kick();
    length += chunk.length;
    if (length > cap) {
      res.body.destroy();
      throw tooBig(length);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, length);
}
