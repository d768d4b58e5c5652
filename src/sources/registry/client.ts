/**
 * The distribution API of one repository: GET a manifest or a blob, with authentication answered as challenged,
 * transient failures retried, and every final failure a GateError naming the image.
 */
import { GateError } from '../../common/errors';
import { Authenticator } from './auth';
import type { Credential } from './credentials';
import { networkError, registryErrorText, statusError } from './errors';
import { DeadlineError, discard, type HttpResponse, type SchemePolicy, type Watchdog } from './http';
import { formatReference, isVerifiableDigest, type RegistryReference } from './reference';
import { BLOB_DEADLINE_MS, REQUEST_DEADLINE_MS, RetryBudget, sendWithRetries, type Tuning } from './retry';
import { countBlobGet, countManifestGet } from './stats';

/** Rounds of 401 -> new Authorization per request: the first challenge, then one re-challenge (new scope, expiry). */
const AUTH_ROUNDS = 2;

export interface ClientOptions {
  policy: SchemePolicy;
  tuning: Tuning;
  credential: () => Promise<Credential | undefined>;
}

export class RegistryClient {
  private readonly auth: Authenticator;
  private readonly base: URL;
  /** the retries this image may still make, over every request and blob */
  readonly retryBudget: RetryBudget;
  /** the watchdogs of each layer's exchanges so far: their active time is what the layer's deadline has used */
  private readonly layerTime = new Map<string, Watchdog[]>();

  constructor(
    readonly ref: RegistryReference,
    /** the source as the user typed it: every message names it */
    readonly where: string,
    private readonly opts: ClientOptions,
  ) {
    this.retryBudget = new RetryBudget(opts.tuning);
    this.base = new URL(`${opts.policy.schemeFor(ref.apiHost)}//${ref.apiHost}/v2/${ref.repository}/`);
    this.auth = new Authenticator({
      registry: ref.registry,
      repository: ref.repository,
      where,
      policy: opts.policy,
      tuning: opts.tuning,
      budget: this.retryBudget,
      credential: opts.credential,
    });
  }

  get tuning(): Tuning {
    return this.opts.tuning;
  }

  /** GET a manifest (tag or digest) with the media types we read in `accept`; a 2xx response. */
  async manifest(reference: string, accept: string): Promise<HttpResponse> {
    countManifestGet();
    // tags and digests were checked against the reference grammar: nothing in them needs escaping
    const res = await this.get(`manifests/${reference}`, { accept }, `fetching manifest ${reference}`);
    if (res.status === 404) {
      const said = await registryErrorText(res);
      const missingRepo = said?.startsWith('NAME_UNKNOWN') === true;
      throw new GateError(
        'IMAGE_NOT_FOUND',
        missingRepo
          ? `${this.where}: ${this.ref.registry} has no repository ${this.ref.repository}`
          : `${this.where}: ${this.ref.registry}/${this.ref.repository} has no ${isVerifiableDigest(reference) ? 'manifest' : 'tag'} ${reference}`,
        `check the name (${formatReference(this.ref)}); \`skopeo list-tags docker://${this.ref.registry}/${this.ref.repository}\` lists the tags`,
      );
    }
    return this.ok(res, `fetching manifest ${reference}`);
  }

  /**
   * GET a blob by digest, optionally a byte range of it (a resumed download); a 2xx response. A layer's exchanges
   * share its deadline (tuning.blobDeadlineMs, the time its reader held back not counted); a small blob has the
   * request deadline.
   */
  async blob(digest: string, what: string, opts: { layer: boolean; range?: string }): Promise<HttpResponse> {
    countBlobGet(digest, opts.layer);
    const doing = `downloading ${what}`;
    let deadlineMs: number | undefined;
    if (opts.layer) {
      // one deadline for the whole layer: a resumed download gets what its earlier attempts left
      const limit = this.opts.tuning.blobDeadlineMs ?? BLOB_DEADLINE_MS;
      const spent = (this.layerTime.get(digest) ?? []).reduce((sum, w) => sum + w.activeMs(), 0);
      if (spent >= limit) throw networkError(new DeadlineError(new URL(`blobs/${digest}`, this.base), limit), this.ref.apiHost, this.where, doing);
      deadlineMs = limit - spent;
    }
    const res = await this.get(`blobs/${digest}`, opts.range !== undefined ? { range: opts.range } : {}, doing, deadlineMs);
    if (opts.layer) this.layerTime.set(digest, [...(this.layerTime.get(digest) ?? []), res.watchdog]);
    if (res.status === 404) {
      const said = await registryErrorText(res);
      throw new GateError(
        'REGISTRY_ERROR',
        `${this.ref.registry}/${this.ref.repository} lacks ${what}, which its manifest lists (${this.where})${said ? `: ${said}` : ''}`,
        'the image in the registry is incomplete; push it again',
      );
    }
    return this.ok(res, doing);
  }

  /** GET under /v2/<repo>/, answering auth challenges; returns 2xx and 404 responses, throws for the rest. */
  private async get(path: string, headers: Record<string, string>, doing: string, deadlineMs?: number): Promise<HttpResponse> {
    const url = new URL(path, this.base);
    const { tuning } = this.opts;
    for (let round = 0; ; round++) {
      const authorization = this.auth.authorization();
      const res = await sendWithRetries(
        {
          method: 'GET',
          url,
          headers,
          ...(authorization !== undefined && { authorization }),
          idleMs: tuning.idleMs,
          deadlineMs: deadlineMs ?? tuning.requestDeadlineMs ?? REQUEST_DEADLINE_MS,
        },
        this.opts.policy,
        tuning,
        this.retryBudget,
      ).catch((err: unknown) => {
        throw networkError(err, this.ref.apiHost, this.where, doing);
      });
      if (res.status === 401 && round < AUTH_ROUNDS) {
        const challenge = res.headers['www-authenticate'];
        discard(res);
        if (await this.auth.answer(typeof challenge === 'string' ? challenge : undefined, authorization)) continue;
        throw await this.auth.refused(401, undefined);
      }
      return res;
    }
  }

  private async ok(res: HttpResponse, doing: string): Promise<HttpResponse> {
    if (res.status >= 200 && res.status < 300) return res;
    const said = await registryErrorText(res);
    if (res.status === 401 || res.status === 403) throw await this.auth.refused(res.status, said);
    throw statusError(res, said, this.where, doing);
  }
}
