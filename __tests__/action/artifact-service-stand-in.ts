/**
 * A local stand-in for the runner's artifact service, enough for @actions/artifact to upload and download: the
 * results service's Twirp JSON endpoints (CreateArtifact, FinalizeArtifact, ListArtifacts, GetSignedArtifactURL)
 * and the signed blob URLs behind them (Azure block-blob staging and commit on upload, a plain GET on download).
 * Artifacts belong to the run named in the runtime token, as on GitHub.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const TWIRP = '/twirp/github.actions.results.api.v1.ArtifactService/';

interface StoredArtifact {
  id: number;
  run: string;
  job: string;
  name: string;
  blocks: Map<string, Buffer>;
  bytes?: Buffer;
  finalized: boolean;
  createdAt: string;
}

export class ArtifactServiceStandIn {
  private readonly artifacts: StoredArtifact[] = [];
  private nextId = 1001;
  /** Twirp methods called, in order */
  readonly calls: string[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<ArtifactServiceStandIn> {
    let standIn: ArtifactServiceStandIn | undefined;
    const server = createServer((req, res) => void standIn!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    standIn = new ArtifactServiceStandIn(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return standIn;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The environment a job step of run `run`, job `job` gets: a runtime token naming them, and this service. */
  runnerEnv(run: string, job: string): Record<string, string> {
    const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const token = `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ scp: `Actions.GenericRead:${run} Actions.Results:${run}:${job}` })}.c2lnbmF0dXJl`;
    return { ACTIONS_RUNTIME_TOKEN: token, ACTIONS_RESULTS_URL: `${this.url}/` };
  }

  /** The zip a step of `run` uploaded as artifact `name` (what GitHub then serves from its REST API). */
  zipOf(run: string, name: string): Buffer {
    const artifact = this.artifacts.find((a) => a.run === run && a.name === name && a.finalized);
    if (!artifact?.bytes) throw new Error(`no artifact ${name} in run ${run}`);
    return artifact.bytes;
  }

  /** Names of the finalized artifacts of a run. */
  names(run: string): string[] {
    return this.artifacts.filter((a) => a.run === run && a.finalized).map((a) => a.name);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', this.url);
    try {
      if (req.method === 'POST' && url.pathname.startsWith(TWIRP)) return this.twirp(url.pathname.slice(TWIRP.length), JSON.parse(body.toString('utf8')), res);
      const blob = url.pathname.match(/^\/blob\/devstoreaccount1\/artifacts\/(\d+)$/);
      if (blob && req.method === 'PUT') return this.putBlob(this.byId(Number(blob[1])), url, body, res);
      const download = url.pathname.match(/^\/download\/(\d+)$/);
      if (download && req.method === 'GET') {
        const artifact = this.byId(Number(download[1]));
        res.writeHead(200, { 'content-type': 'application/zip', 'content-length': String(artifact.bytes!.length) });
        return void res.end(artifact.bytes);
      }
      res.writeHead(404).end();
    } catch (e) {
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'internal', msg: (e as Error).message }));
    }
  }

  private byId(id: number): StoredArtifact {
    const found = this.artifacts.find((a) => a.id === id);
    if (!found) throw new Error(`no artifact ${id}`);
    return found;
  }

  private twirp(method: string, req: Record<string, unknown>, res: ServerResponse): void {
    this.calls.push(method);
    const json = (payload: unknown, status = 200): void => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
    const run = String(req.workflow_run_backend_id);
    switch (method) {
      case 'CreateArtifact': {
        if (this.artifacts.some((a) => a.run === run && a.name === req.name && a.finalized)) {
          return json({ code: 'already_exists', msg: 'an artifact with this name already exists on the workflow run' }, 409);
        }
        const artifact: StoredArtifact = {
          id: this.nextId++,
          run,
          job: String(req.workflow_job_run_backend_id),
          name: String(req.name),
          blocks: new Map(),
          finalized: false,
          createdAt: new Date().toISOString(),
        };
        this.artifacts.push(artifact);
        return json({ ok: true, signed_upload_url: `${this.url}/blob/devstoreaccount1/artifacts/${artifact.id}?sv=2023-11-03&sig=c3RhbmQtaW4` });
      }
      case 'FinalizeArtifact': {
        const artifact = this.artifacts.find((a) => a.run === run && a.name === req.name && !a.finalized);
        if (!artifact?.bytes) return json({ code: 'not_found', msg: 'no uploaded content' }, 404);
        artifact.finalized = true;
        return json({ ok: true, artifact_id: String(artifact.id) });
      }
      case 'ListArtifacts': {
        const nameFilter = (req.name_filter as string | undefined) ?? undefined;
        const idFilter = req.id_filter as string | undefined;
        const artifacts = this.artifacts
          .filter((a) => a.run === run && a.finalized && (!nameFilter || a.name === nameFilter) && (!idFilter || String(a.id) === String(idFilter)))
          .map((a) => ({
            workflow_run_backend_id: a.run,
            workflow_job_run_backend_id: a.job,
            database_id: String(a.id),
            name: a.name,
            size: String(a.bytes?.length ?? 0),
            created_at: a.createdAt,
          }));
        return json({ artifacts });
      }
      case 'GetSignedArtifactURL': {
        const artifact = this.artifacts.find((a) => a.run === run && a.name === req.name && a.finalized);
        if (!artifact) return json({ code: 'not_found', msg: 'artifact not found' }, 404);
        return json({ signed_url: `${this.url}/download/${artifact.id}?sig=c3RhbmQtaW4` });
      }
      default:
        return json({ code: 'bad_route', msg: `no method ${method}` }, 404);
    }
  }

  /** Azure block blobs: Put Block stages, Put Block List commits in the listed order, a plain Put Blob does both. */
  private putBlob(artifact: StoredArtifact, url: URL, body: Buffer, res: ServerResponse): void {
    const comp = url.searchParams.get('comp');
    if (comp === 'block') artifact.blocks.set(url.searchParams.get('blockid') ?? '', body);
    else if (comp === 'blocklist') {
      const ids = [...body.toString('utf8').matchAll(/<(?:Latest|Uncommitted|Committed)>([^<]*)<\//g)].map((m) => m[1]);
      artifact.bytes = Buffer.concat(ids.map((id) => artifact.blocks.get(id) ?? Buffer.alloc(0)));
    } else artifact.bytes = body;
    res.writeHead(201, {
      etag: `"0x8DC${artifact.id}"`,
      'last-modified': new Date().toUTCString(),
      'x-ms-request-id': `req-${artifact.id}`,
      'x-ms-version': '2023-11-03',
      'x-ms-request-server-encrypted': 'true',
      'content-length': '0',
    });
    res.end();
  }
}
