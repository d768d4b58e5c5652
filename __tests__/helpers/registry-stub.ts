/**
 * A small registry on 127.0.0.1 that serves an OCI layout written by the helpers, for what a real docker-registry
 * will not do on demand: fail (500, 429, reset mid-blob, stall), ask for Bearer tokens (anonymous, Basic, OAuth2
 * refresh), redirect blob GETs to another origin (a "CDN"), ignore Range. Every request is logged.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';

export interface StubRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** how many times this path was requested, this one included */
  n: number;
  body: string;
}

/** Answers the request itself and returns true, or returns false to let the stub answer normally. */
export type Fault = (req: StubRequest, res: ServerResponse) => boolean;

export interface TokenAuth {
  token: string;
  /** Basic USER:PASSWORD the token endpoint demands; anonymous tokens when absent */
  basic?: string;
  /** the OAuth2 refresh token a POST must carry */
  refreshToken?: string;
  /** answer with `access_token` only, as some registries do */
  accessTokenOnly?: boolean;
  /** the challenge's scope; default repository:<repo>:pull */
  scope?: string;
  /** further tokens the registry accepts (handed out by a test's fault for other scopes) */
  extraTokens?: string[];
}

const MANIFEST_TYPES = ['application/vnd.oci.image.index.v1+json', 'application/vnd.oci.image.manifest.v1+json'];

export class RegistryStub {
  readonly log: StubRequest[] = [];
  fault: Fault | undefined;
  tokenAuth: TokenAuth | undefined;
  /** origin (http://127.0.0.1:PORT) blob GETs are 307-redirected to, under /cdn/<digest> */
  blobRedirect: string | undefined;
  ignoreRange = false;
  private readonly tags = new Map<string, string>();
  private readonly blobs = new Map<string, Buffer>();
  private readonly sockets = new Set<Socket>();
  private readonly counts = new Map<string, number>();

  private constructor(
    private readonly server: Server,
    readonly host: string,
  ) {
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  static async start(): Promise<RegistryStub> {
    let stub: RegistryStub | undefined;
    const server = createServer((req, res) => void stub?.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    stub = new RegistryStub(server, `127.0.0.1:${(server.address() as AddressInfo).port}`);
    return stub;
  }

  get origin(): string {
    return `http://${this.host}`;
  }

  /** Back to a healthy registry with an empty log (between tests). */
  reset(): void {
    this.fault = undefined;
    this.tokenAuth = undefined;
    this.blobRedirect = undefined;
    this.ignoreRange = false;
    this.log.length = 0;
    this.counts.clear();
  }

  /** Serves every blob of an OCI layout; index.json ref names become tags. */
  serveLayout(dir: string): void {
    for (const hex of readdirSync(join(dir, 'blobs/sha256'))) this.blobs.set(`sha256:${hex}`, readFileSync(join(dir, 'blobs/sha256', hex)));
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as {
      manifests: { digest: string; annotations?: Record<string, string> }[];
    };
    for (const m of index.manifests) {
      const name = m.annotations?.['org.opencontainers.image.ref.name'];
      if (name) this.tags.set(name, m.digest);
    }
  }

  blob(digest: string): Buffer {
    const bytes = this.blobs.get(digest);
    if (!bytes) throw new Error(`the stub has no blob ${digest}`);
    return bytes;
  }

  /** Replaces a blob's bytes (a tampered registry) without changing its name. */
  replaceBlob(digest: string, bytes: Buffer): void {
    this.blobs.set(digest, bytes);
  }

  requests(pathPart: string): StubRequest[] {
    return this.log.filter((r) => r.path.includes(pathPart));
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const path = (req.url ?? '/').split('?')[0];
    const n = (this.counts.get(path) ?? 0) + 1;
    this.counts.set(path, n);
    const entry: StubRequest = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, n, body: Buffer.concat(chunks).toString() };
    this.log.push(entry);
    if (this.fault?.(entry, res)) return;

    if (path === '/token') return this.token(entry, res);
    if (path.startsWith('/cdn/')) return this.sendBlob(entry, res, path.slice('/cdn/'.length));
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(path);
    if (!m) return json(res, 404, { errors: [{ code: 'NOT_FOUND', message: 'no route' }] });
    const [, repo, kind, ref] = m;
    if (!this.authorised(entry, res, repo)) return;
    if (kind === 'blobs') {
      if (this.blobRedirect) {
        res.writeHead(307, { location: `${this.blobRedirect}/cdn/${ref}` });
        return void res.end();
      }
      return this.sendBlob(entry, res, ref);
    }
    const digest = ref.startsWith('sha256:') ? ref : this.tags.get(ref);
    const body = digest === undefined ? undefined : this.blobs.get(digest);
    if (digest === undefined || body === undefined) return json(res, 404, { errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] });
    const mediaType = (JSON.parse(body.toString()) as { mediaType?: string }).mediaType ?? MANIFEST_TYPES[1];
    res.writeHead(200, { 'content-type': mediaType, 'docker-content-digest': digest, 'content-length': body.length });
    res.end(body);
  }

  private authorised(req: StubRequest, res: ServerResponse, repo: string): boolean {
    const auth = this.tokenAuth;
    const accepted = [auth?.token, ...(auth?.extraTokens ?? [])].map((t) => `Bearer ${t}`);
    if (!auth || accepted.includes(String(req.headers.authorization))) return true;
    const scope = auth.scope ?? `repository:${repo}:pull`;
    res.writeHead(401, { 'www-authenticate': `Bearer realm="${this.origin}/token",service="stub-registry",scope="${scope}"` });
    res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
    return false;
  }

  private token(req: StubRequest, res: ServerResponse): void {
    const auth = this.tokenAuth;
    if (!auth) return json(res, 404, {});
    if (req.method === 'POST') {
      const form = new URLSearchParams(req.body);
      if (form.get('grant_type') !== 'refresh_token' || form.get('refresh_token') !== auth.refreshToken) {
        return json(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'bad refresh token' }] });
      }
      return json(res, 200, { access_token: auth.token, expires_in: 300 });
    }
    if (auth.basic !== undefined && req.headers.authorization !== `Basic ${Buffer.from(auth.basic).toString('base64')}`) {
      return json(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'bad credentials' }] });
    }
    return json(res, 200, auth.accessTokenOnly ? { access_token: auth.token } : { token: auth.token });
  }

  private sendBlob(req: StubRequest, res: ServerResponse, digest: string): void {
    const bytes = this.blobs.get(digest);
    if (!bytes) return json(res, 404, { errors: [{ code: 'BLOB_UNKNOWN', message: 'blob unknown' }] });
    const range = /^bytes=(\d+)-$/.exec(String(req.headers.range ?? ''));
    if (range && !this.ignoreRange) {
      const start = Number(range[1]);
      res.writeHead(206, { 'content-length': bytes.length - start, 'content-range': `bytes ${start}-${bytes.length - 1}/${bytes.length}` });
      return void res.end(bytes.subarray(start));
    }
    res.writeHead(200, { 'content-length': bytes.length, 'docker-content-digest': digest });
    res.end(bytes);
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': bytes.length });
  res.end(bytes);
}

/** Sends the head and the first `bytes` of `body`, then drops the connection (a reset mid-blob). */
export function breakAfter(res: ServerResponse, body: Buffer, bytes: number): void {
  res.writeHead(200, { 'content-length': body.length });
  res.write(body.subarray(0, bytes), () => setTimeout(() => res.socket?.destroy(), 20));
}
