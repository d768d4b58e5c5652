/**
 * Registry authentication, driven by the registry's own 401 challenges (distribution token spec):
 * `Bearer realm=…,service=…,scope=…` -> a token from the realm (anonymous, Basic with a user/password, or an OAuth2
 * refresh-token POST for identity tokens), sent as `Bearer`; `Basic realm=…` -> Basic on every request.
 * A later 401 asking for a scope the token lacks (or after the token expired) fetches a new one.
 */
import { z } from 'zod';
import { GateError } from '../../common/errors';
import { parseWithSchema } from '../../common/schema-error';
import type { Credential } from './credentials';
import { networkError, registryErrorText, statusError } from './errors';
import { discard, readCapped, type SchemePolicy } from './http';
import { REQUEST_DEADLINE_MS, sendWithRetries, type RetryBudget, type Tuning } from './retry';

export interface Challenge {
  /** lower-case: `bearer`, `basic` */
  scheme: string;
  /** parameter names lower-case */
  params: Record<string, string>;
}

/**
 * A token endpoint's answer (distribution token spec): `token` or OAuth2's `access_token`, and `expires_in`. A field
 * of another type is as good as absent (the answer says nothing usable there); the answer itself must be an object.
 */
const TokenResponseSchema = z.object(
  {
    token: z.string().optional().catch(undefined),
    access_token: z.string().optional().catch(undefined),
    expires_in: z.number().optional().catch(undefined),
  },
  { error: (issue) => (issue.code === 'invalid_type' ? 'is not a JSON object' : undefined) },
);

const TOKEN_CHAR = /[!#$%&'*+.^_`|~0-9A-Za-z-]/;
const TOKEN_RESPONSE_CAP = 1024 * 1024;
/** The token spec's default lifetime when a token response gives none (GHCR gives none). */
const DEFAULT_TOKEN_SECONDS = 60;
/** client_id is required by the OAuth2 refresh grant; registries only log it. */
const CLIENT_ID = 'cuda-gate';

/** Parses a WWW-Authenticate value, which may carry several challenges (`Basic realm="a", Bearer realm="b"`). */
export function parseChallenges(header: string): Challenge[] {
  const out: Challenge[] = [];
  let current: Challenge | undefined;
  let i = 0;
  const skip = (chars: string): void => {
    while (i < header.length && chars.includes(header[i])) i++;
  };
  const token = (): string => {
    const start = i;
    while (i < header.length && TOKEN_CHAR.test(header[i])) i++;
    return header.slice(start, i);
  };
  const quoted = (): string => {
    let value = '';
    for (i++; i < header.length && header[i] !== '"'; i++) {
      if (header[i] === '\\' && i + 1 < header.length) i++;
      value += header[i];
    }
    i++;
    return value;
  };
  // unquoted values should be tokens, but realms like https://x/token are sent bare: read to the next comma
  const bare = (): string => {
    const start = i;
    while (i < header.length && header[i] !== ',') i++;
    return header.slice(start, i).trim();
  };
  while (i < header.length) {
    skip(' \t,');
    const word = token();
    if (word === '') {
      i++;
      continue;
    }
    skip(' \t');
    if (header[i] === '=' && current) {
      i++;
      skip(' \t');
      current.params[word.toLowerCase()] = header[i] === '"' ? quoted() : bare();
    } else {
      current = { scheme: word.toLowerCase(), params: {} };
      out.push(current);
    }
  }
  return out;
}

export interface AuthContext {
  /** the registry as named, for messages and the credential lookup */
  registry: string;
  repository: string;
  /** the source as the user typed it */
  where: string;
  policy: SchemePolicy;
  tuning: Tuning;
  /** the image's retry budget: token requests draw on it like every other request */
  budget: RetryBudget;
  credential: () => Promise<Credential | undefined>;
}

/** The Authorization a registry wants, learned from its challenges. One per image being read. */
export class Authenticator {
  private header: string | undefined;
  private scheme: 'basic' | 'bearer' | undefined;
  private tokenScopes: string[] = [];
  private tokenExpiresAt = 0;
  private pending: Promise<boolean> | undefined;

  constructor(private readonly ctx: AuthContext) {}

  /** For requests to the registry's own origin. */
  authorization(): string | undefined {
    return this.header;
  }

  /**
   * Answers a 401's challenge to a request sent with `sentWith`. True when there is a new Authorization worth
   * retrying with; false when what we sent is all we have (the caller then reports the 401 through `refused`).
   */
  async answer(challengeHeader: string | undefined, sentWith: string | undefined): Promise<boolean> {
    // parallel layer downloads meet the same challenge: one of them fetches the token, the others wait for it
    while (this.pending) await this.pending.catch(() => undefined);
    if (this.header !== sentWith) return true;
    const challenges = parseChallenges(challengeHeader ?? '');
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    const basic = challenges.find((c) => c.scheme === 'basic');
    const answering = bearer ? this.answerBearer(bearer) : basic ? this.answerBasic() : Promise.resolve(false);
    this.pending = answering;
    try {
      return await answering;
    } finally {
      this.pending = undefined;
    }
  }

  /** The AUTH_FAILED for a request refused after `answer` had nothing more to offer. */
  async refused(status: 401 | 403, said: string | undefined): Promise<GateError> {
    const credential = await this.ctx.credential();
    const { registry, repository, where } = this.ctx;
    const detail = said ? ` (${said})` : '';
    if (status === 403) {
      return new GateError(
        'AUTH_FAILED',
        `${registry} denied access to ${repository} for ${where}${credential ? ` with the credentials from ${credential.from}` : ''}${detail}`,
        credential
          ? 'those credentials lack pull access to that repository; for ghcr.io with GITHUB_TOKEN grant the workflow `packages: read` and the repository access to the package'
          : `run docker login ${registry} with an account that may pull it`,
      );
    }
    if (!credential) return needsCredentials(registry, repository, where, detail);
    return new GateError(
      'AUTH_FAILED',
      `${registry} rejected the credentials from ${credential.from} for ${repository} (${where})${detail}`,
      `log in again (docker login ${registry}); the password or token may have expired or lack pull access`,
    );
  }

  private async answerBasic(): Promise<boolean> {
    const credential = await this.ctx.credential();
    if (!credential) throw needsCredentials(this.ctx.registry, this.ctx.repository, this.ctx.where, '');
    if (credential.kind !== 'basic') {
      throw new GateError(
        'AUTH_FAILED',
        `${this.ctx.registry} asks for a user name and password, but ${credential.from} holds a token`,
        `run docker login ${this.ctx.registry} with a user name and password`,
      );
    }
    if (this.scheme === 'basic') return false;
    this.scheme = 'basic';
    this.header = `Basic ${basicToken(credential.username, credential.password)}`;
    return true;
  }

  private async answerBearer(challenge: Challenge): Promise<boolean> {
    const credential = await this.ctx.credential();
    if (credential?.kind === 'registry-token') {
      if (this.scheme === 'bearer') return false;
      this.scheme = 'bearer';
      this.header = `Bearer ${credential.token}`;
      return true;
    }
    const asked = (challenge.params.scope ?? '').split(' ').filter((s) => s !== '');
    const wanted = asked.length > 0 ? asked : [`repository:${this.ctx.repository}:pull`];
    const covered = wanted.every((s) => this.tokenScopes.includes(s));
    if (this.scheme === 'bearer' && covered && Date.now() < this.tokenExpiresAt) return false;
    // new scopes first: some registries only read the first scope parameter
    const scopes = [...wanted, ...this.tokenScopes.filter((s) => !wanted.includes(s))];
    const { token, seconds } = await this.fetchToken(challenge, scopes, credential);
    this.scheme = 'bearer';
    this.header = `Bearer ${token}`;
    this.tokenScopes = scopes;
    // a 401 for covered scopes before this is a refusal; after it, the token (nearly) expired and is renewed
    this.tokenExpiresAt = Date.now() + Math.max(0, seconds - 5) * 1000;
    return true;
  }

  private async fetchToken(challenge: Challenge, scopes: string[], credential: Credential | undefined): Promise<{ token: string; seconds: number }> {
    const { registry, where, policy, tuning, budget } = this.ctx;
    const realm = challenge.params.realm;
    let url: URL;
    try {
      url = new URL(realm ?? '');
    } catch {
      throw new GateError('REGISTRY_ERROR', `${registry} asked for a bearer token without a usable realm ("${realm ?? ''}") for ${where}`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new GateError('REGISTRY_ERROR', `${registry} named a token realm that is not an http(s) URL for ${where}`);
    }
    const service = challenge.params.service;
    const refresh = credential?.kind === 'identity-token';
    let body: string | undefined;
    const headers: Record<string, string> = { accept: 'application/json' };
    let authorization: string | undefined;
    if (refresh) {
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: credential.token, client_id: CLIENT_ID });
      if (service) form.set('service', service);
      form.set('scope', scopes.join(' '));
      body = form.toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else {
      if (service) url.searchParams.set('service', service);
      for (const scope of scopes) url.searchParams.append('scope', scope);
      if (credential?.kind === 'basic') {
        if (credential.username) url.searchParams.set('account', credential.username);
        authorization = `Basic ${basicToken(credential.username, credential.password)}`;
      }
    }

    const doing = `getting a token from ${url.host}`;
    const res = await sendWithRetries(
      {
        method: refresh ? 'POST' : 'GET',
        url,
        headers,
        ...(body !== undefined && { body }),
        ...(authorization && { authorization }),
        idleMs: tuning.idleMs,
        deadlineMs: tuning.requestDeadlineMs ?? REQUEST_DEADLINE_MS,
      },
      policy,
      tuning,
      budget,
    ).catch((err: unknown) => {
      throw networkError(err, url.host, where, doing);
    });
    if (res.status === 401 || res.status === 403) {
      const said = await registryErrorText(res);
      if (!credential) throw needsCredentials(registry, this.ctx.repository, where, said ? ` (${said})` : '');
      throw new GateError(
        'AUTH_FAILED',
        `the token service ${url.host} rejected the credentials from ${credential.from} for ${registry} (${where})${said ? ` (${said})` : ''}`,
        `log in again (docker login ${registry}); the password or token may have expired`,
      );
    }
    if (res.status !== 200) throw statusError(res, await registryErrorText(res), where, doing);
    let answer: unknown;
    try {
      const bytes = await readCapped(res, TOKEN_RESPONSE_CAP, () => new Error('token response too large'));
      answer = JSON.parse(bytes.toString('utf8')) as unknown;
    } catch (err) {
      discard(res);
      throw new GateError('REGISTRY_ERROR', `the token service ${url.host} sent an unreadable answer for ${where}: ${(err as Error).message}`);
    }
    const doc = parseWithSchema(TokenResponseSchema, answer, {
      what: `the answer of the token service ${url.host} for ${where}`,
      code: 'REGISTRY_ERROR',
      fix: "the registry's token service is misbehaving; retry later, or check the registry",
    });
    // some registries set access_token instead of token
    const token = doc.token || doc.access_token;
    if (token === undefined || token === '') {
      throw new GateError('REGISTRY_ERROR', `the token service ${url.host} answered without a token for ${where}`);
    }
    const seconds = doc.expires_in !== undefined && doc.expires_in > 0 ? doc.expires_in : DEFAULT_TOKEN_SECONDS;
    return { token, seconds };
  }
}

function basicToken(username: string, password: string): string {
  return Buffer.from(`${username}:${password}`).toString('base64');
}

function needsCredentials(registry: string, repository: string, where: string, detail: string): GateError {
  return new GateError(
    'AUTH_FAILED',
    `${where} needs credentials: ${registry} refused anonymous access to ${repository} (or it does not exist)${detail}`,
    `run docker login ${registry} or set up ~/.docker/config.json (DOCKER_CONFIG); in GitHub Actions log in with docker/login-action before this step`,
  );
}
