/**
 * A local stand-in for the GitHub REST API, enough for the sticky comment: issue comments listed (paginated with
 * Link headers), created and edited, with GitHub's response shapes, status codes, rate-limit headers and error
 * bodies. It records every request and lets a test script failures ahead of time. For mode: comment (workflow_run)
 * it also serves pull requests (get, list by head, by commit) and a run's artifacts (listed, downloaded through a
 * 302 to a signed storage URL that wants no token, 410 once expired).
 */
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RepositoryFiles } from './repository-files';

export interface GitHubUser {
  login: string;
  id: number;
  node_id: string;
  avatar_url: string;
  gravatar_id: string;
  url: string;
  html_url: string;
  type: 'Bot' | 'User' | 'Organization';
  user_view_type: 'public';
  site_admin: false;
}

export interface IssueComment {
  url: string;
  html_url: string;
  issue_url: string;
  id: number;
  node_id: string;
  user: GitHubUser;
  created_at: string;
  updated_at: string;
  body: string;
  author_association: 'NONE' | 'CONTRIBUTOR' | 'MEMBER' | 'OWNER';
  performed_via_github_app: { id: number; slug: string; name: string } | null;
  reactions: Record<string, number | string>;
}

/** A pull request of the served repository, as the stand-in keeps it. */
export interface PullRequestSpec {
  number: number;
  headSha: string;
  /** owner/name the head branch lives in (a fork's for a fork PR); default the served repository */
  headRepository?: string;
  headRef?: string;
  state?: 'open' | 'closed';
  /** earlier heads, found by commits/{sha}/pulls too */
  earlierShas?: string[];
  /** false: commits/{sha}/pulls does not list it (as GitHub does for some fork commits) */
  listedByCommit?: boolean;
}

/** A workflow run's artifact: the zip bytes and its state. */
export interface ArtifactSpec {
  name: string;
  zip: Buffer;
  /** listed with expired: true, and 410 on download */
  expired?: boolean;
  /** listed as live, but 410 on download (it expired in between) */
  goneOnDownload?: boolean;
}

export interface StoredArtifact extends ArtifactSpec {
  id: number;
  runId: number;
}

export interface RecordedRequest {
  method: string;
  /** path without the query string */
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** what the stand-in answered */
  status: number;
}

export interface ScriptedFailure {
  /** e.g. 'POST'; any method when absent */
  method?: string;
  /** matched against the path; any path when absent */
  path?: RegExp;
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** how many matching requests get it (default 1) */
  times?: number;
  /** carry the request out, then answer with the failure: a gateway error after the write landed */
  afterApplying?: boolean;
  /** no answer at all: the connection is reset (status and body are ignored) */
  reset?: boolean;
}

const DOCS = 'https://docs.github.com/rest';
const READ_ONLY_BODY = {
  message: 'Resource not accessible by integration',
  documentation_url: `${DOCS}/issues/comments#create-an-issue-comment`,
  status: '403',
};

/** The bot that GITHUB_TOKEN acts as. */
export const ACTIONS_BOT: GitHubUser = user('github-actions[bot]', 41898282, 'Bot');
export const HUMAN: GitHubUser = user('octocat', 583231, 'User');

function user(login: string, id: number, type: GitHubUser['type']): GitHubUser {
  const bot = type === 'Bot';
  const slug = login.replace('[bot]', '');
  return {
    login,
    id,
    node_id: bot ? 'MDM6Qm90NDE4OTgyODI=' : 'MDQ6VXNlcjU4MzIzMQ==',
    avatar_url: bot ? 'https://avatars.githubusercontent.com/in/15368?v=4' : `https://avatars.githubusercontent.com/u/${id}?v=4`,
    gravatar_id: '',
    url: `https://api.github.com/users/${encodeURIComponent(login)}`,
    html_url: bot ? `https://github.com/apps/${slug}` : `https://github.com/${login}`,
    type,
    user_view_type: 'public',
    site_admin: false,
  };
}

/** GitHub's answers to the failures the action must survive. */
export const failures = {
  /** what a fork PR's read-only GITHUB_TOKEN gets on any write */
  readOnlyToken: (method?: string, times = 1): ScriptedFailure => ({ method, status: 403, times, body: READ_ONLY_BODY }),
  secondaryRateLimit: (method = 'POST', times = 1): ScriptedFailure => ({
    method,
    status: 403,
    times,
    headers: { 'retry-after': '1' },
    body: {
      message:
        'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID E2C4:3B1F:1A2B3C:4D5E6F:65F0A1B2.',
      documentation_url: 'https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
      status: '403',
    },
  }),
  connectionReset: (method?: string, times = 1): ScriptedFailure => ({ method, status: 0, times, body: '', reset: true }),
  badGateway: (method?: string, times = 1): ScriptedFailure => ({
    method,
    status: 502,
    times,
    headers: { 'content-type': 'text/html' },
    body: '<html><body><h1>502 Bad Gateway</h1>\n</body></html>\n',
  }),
};

export class GitHubStandIn {
  readonly requests: RecordedRequest[] = [];
  /** tokens that may read but not write, like a fork PR's GITHUB_TOKEN */
  readonly readOnlyTokens = new Set<string>();
  /** tokens that act as a person (a PAT) rather than the Actions bot */
  readonly humanTokens = new Set<string>();
  private readonly comments = new Map<number, IssueComment[]>();
  private readonly pulls = new Set<number>();
  private readonly pullRequests = new Map<number, PullRequestSpec>();
  private readonly artifacts: StoredArtifact[] = [];
  private nextArtifactId = 2_480_000_001;
  /** true: the zip download answers 200 with the bytes instead of a 302 to storage */
  directDownloads = false;
  private scripted: ScriptedFailure[] = [];
  /** the repository's files per commit, for the contents API (a policy read at a pull request's base commit) */
  readonly files: RepositoryFiles;
  private nextId = 2_100_000_001;
  private rateRemaining = 5000;
  private clock = Date.parse('2026-11-23T20:00:00Z');
  private readonly repositoryId = 712_345_678;

  private constructor(
    private readonly server: Server,
    readonly url: string,
    /** owner/name of the one repository it serves */
    readonly repository: string,
  ) {
    this.files = new RepositoryFiles(repository);
  }

  /** Serves `repository` with the given open pull requests, on a random loopback port. */
  static async start(repository: string, pullRequests: number[]): Promise<GitHubStandIn> {
    let standIn: GitHubStandIn | undefined;
    const server = createServer((req, res) => void standIn!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    standIn = new GitHubStandIn(server, `http://127.0.0.1:${port}`, repository);
    for (const n of pullRequests) standIn.pulls.add(n);
    return standIn;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Forget comments, requests, tokens, scripted failures, pull request details and artifacts. */
  reset(): void {
    this.requests.length = 0;
    this.comments.clear();
    this.pullRequests.clear();
    this.artifacts.length = 0;
    this.directDownloads = false;
    this.scripted = [];
    this.readOnlyTokens.clear();
    this.humanTokens.clear();
    this.files.reset();
  }

  script(failure: ScriptedFailure): void {
    this.scripted.push({ times: 1, ...failure });
  }

  /** A comment already on the PR, e.g. someone else's, or an older one of ours. */
  seedComment(number: number, body: string, author: GitHubUser = HUMAN): IssueComment {
    return this.store(number, body, author);
  }

  /** A pull request with a head commit (its comments are served too); a later call with the same number moves it. */
  setPullRequest(spec: PullRequestSpec): void {
    this.pulls.add(spec.number);
    this.pullRequests.set(spec.number, spec);
  }

  /** An artifact of workflow run `runId`. */
  addArtifact(runId: number, spec: ArtifactSpec): StoredArtifact {
    const stored = { ...spec, id: this.nextArtifactId++, runId };
    this.artifacts.push(stored);
    return stored;
  }

  commentsOn(number: number): IssueComment[] {
    return this.comments.get(number) ?? [];
  }

  /** Requests that change something (POST, PATCH, DELETE). */
  writes(): RecordedRequest[] {
    return this.requests.filter((r) => r.method !== 'GET' && r.method !== 'HEAD');
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', this.url);
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body,
      status: 0,
    };
    this.requests.push(record);
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      this.clock += 1000;
      this.rateRemaining -= 1;
      const text = typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload);
      res.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'x-github-api-version-selected': '2022-11-28',
        'x-github-media-type': 'github.v3; format=json',
        'x-github-request-id': randomUUID().toUpperCase().slice(0, 23),
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': String(this.rateRemaining),
        'x-ratelimit-reset': String(Math.floor(this.clock / 1000) + 3600),
        'x-ratelimit-used': String(5000 - this.rateRemaining),
        'x-ratelimit-resource': 'core',
        ...headers,
      });
      res.end(text);
    };
    try {
      this.route(record, url, res, send);
    } catch (e) {
      send(500, { message: `stand-in bug: ${(e as Error).message}` });
    }
  }

  private route(req: RecordedRequest, url: URL, res: ServerResponse, send: (status: number, payload: unknown, headers?: Record<string, string>) => void): void {
    // the signed storage URL of an artifact's zip: its signature is the credential, as on GitHub's blob storage
    const blob = req.path.match(/^\/_blobs\/artifacts\/(\d+)\.zip$/);
    if (blob) return this.serveBlob(Number(blob[1]), url, send, res);
    const auth = String(req.headers.authorization ?? '');
    const token = auth.replace(/^(token|bearer)\s+/i, '');
    if (!token) return send(401, { message: 'Requires authentication', documentation_url: DOCS, status: '401' });

    const failure = this.scripted.find((f) => (!f.method || f.method === req.method) && (!f.path || f.path.test(req.path)));
    if (failure) {
      failure.times = (failure.times ?? 1) - 1;
      if (failure.times <= 0) this.scripted.splice(this.scripted.indexOf(failure), 1);
      if (failure.afterApplying) this.serve(req, url, token, () => undefined);
      if (failure.reset) return void res.socket?.destroy();
      return send(failure.status, failure.body, failure.headers);
    }
    this.serve(req, url, token, send);
  }

  private serve(req: RecordedRequest, url: URL, token: string, send: (status: number, payload: unknown, headers?: Record<string, string>) => void): void {
    const notFound = () => send(404, { message: 'Not Found', documentation_url: DOCS, status: '404' });
    // GitHub's pagination links address the repository by numeric id
    const path = req.path.replace(new RegExp(`^/repositories/${this.repositoryId}/`), `/repos/${this.repository}/`);
    const repoPrefix = `/repos/${this.repository}/`;
    if (req.method === 'GET' && path.toLowerCase().startsWith(repoPrefix.toLowerCase())) {
      if (this.serveRunData(path.slice(repoPrefix.length), url, send)) return;
      if (this.files.serve(path.slice(repoPrefix.length), req.query, req.headers, send)) return;
    }
    const prefix = `/repos/${this.repository}/issues/`;
    if (!path.toLowerCase().startsWith(prefix.toLowerCase())) return notFound();
    const rest = path.slice(prefix.length);
    if (req.method !== 'GET' && this.readOnlyTokens.has(token)) return send(403, READ_ONLY_BODY);
    const author = this.humanTokens.has(token) ? HUMAN : ACTIONS_BOT;

    const onIssue = rest.match(/^(\d+)\/comments$/);
    if (onIssue) {
      const number = Number(onIssue[1]);
      if (!this.pulls.has(number)) return notFound();
      if (req.method === 'GET') return this.listPage(number, url, send);
      if (req.method === 'POST') {
        const text = bodyOf(req);
        if (text === undefined) return send(422, { message: 'Invalid request.\n\n"body" wasn\'t supplied.', documentation_url: DOCS, status: '422' });
        if (tooLong(text)) return send(422, TOO_LONG_BODY);
        const created = this.store(number, text, author);
        return send(201, created, { location: created.url });
      }
    }
    const byId = rest.match(/^comments\/(\d+)$/);
    if (byId) {
      const comment = [...this.comments.values()].flat().find((c) => c.id === Number(byId[1]));
      if (!comment) return notFound();
      if (req.method === 'GET') return send(200, comment);
      if (req.method === 'PATCH') {
        const text = bodyOf(req);
        if (text === undefined) return send(422, { message: 'Invalid request.', documentation_url: DOCS, status: '422' });
        if (tooLong(text)) return send(422, TOO_LONG_BODY);
        comment.body = text;
        comment.updated_at = this.timestamp();
        return send(200, comment);
      }
    }
    return notFound();
  }

  /** Pull requests and artifacts (GET only); false when the path is none of theirs. */
  private serveRunData(rest: string, url: URL, send: (status: number, payload: unknown, headers?: Record<string, string>) => void): boolean {
    const notFound = () => send(404, { message: 'Not Found', documentation_url: DOCS, status: '404' });
    const pull = rest.match(/^pulls\/(\d+)$/);
    if (pull) {
      const spec = this.pullRequests.get(Number(pull[1]));
      if (spec) send(200, this.pullJson(spec));
      else notFound();
      return true;
    }
    if (rest === 'pulls') {
      const state = url.searchParams.get('state') ?? 'open';
      const head = url.searchParams.get('head');
      const listed = [...this.pullRequests.values()]
        .filter((p) => state === 'all' || (p.state ?? 'open') === state)
        .filter((p) => !head || head.toLowerCase() === this.headLabel(p).toLowerCase());
      send(
        200,
        listed.map((p) => this.pullJson(p, true)),
      );
      return true;
    }
    const byCommit = rest.match(/^commits\/([0-9a-f]{40})\/pulls$/);
    if (byCommit) {
      const sha = byCommit[1];
      const all = [...this.pullRequests.values()];
      if (!all.some((p) => p.headSha === sha || p.earlierShas?.includes(sha))) {
        send(422, {
          message: `No commit found for SHA: ${sha}`,
          documentation_url: `${DOCS}/commits/commits#list-pull-requests-associated-with-a-commit`,
          status: '422',
        });
        return true;
      }
      const listed = all.filter((p) => p.listedByCommit !== false && (p.headSha === sha || p.earlierShas?.includes(sha)));
      send(
        200,
        listed.map((p) => this.pullJson(p, true)),
      );
      return true;
    }
    const runArtifacts = rest.match(/^actions\/runs\/(\d+)\/artifacts$/);
    if (runArtifacts) {
      const runId = Number(runArtifacts[1]);
      const name = url.searchParams.get('name');
      const all = this.artifacts.filter((a) => a.runId === runId && (!name || a.name === name));
      const perPage = Math.min(Number(url.searchParams.get('per_page') ?? 30) || 30, 100);
      const page = Math.max(Number(url.searchParams.get('page') ?? 1) || 1, 1);
      const last = Math.max(Math.ceil(all.length / perPage), 1);
      const pageUrl = (p: number) => `${this.url}/repositories/${this.repositoryId}/actions/runs/${runId}/artifacts?per_page=${perPage}&page=${p}`;
      const links = page < last ? { link: `<${pageUrl(page + 1)}>; rel="next", <${pageUrl(last)}>; rel="last"` } : undefined;
      send(200, { total_count: all.length, artifacts: all.slice((page - 1) * perPage, page * perPage).map((a) => this.artifactJson(a)) }, links);
      return true;
    }
    const zip = rest.match(/^actions\/artifacts\/(\d+)\/zip$/);
    if (zip) {
      const artifact = this.artifacts.find((a) => a.id === Number(zip[1]));
      if (!artifact) notFound();
      else if (artifact.expired || artifact.goneOnDownload) {
        send(410, { message: 'Artifact has expired', documentation_url: `${DOCS}/actions/artifacts#download-an-artifact`, status: '410' });
      } else if (this.directDownloads) {
        send(200, artifact.zip, { 'content-type': 'application/zip', 'content-length': String(artifact.zip.length) });
      } else {
        const expiry = new Date(this.clock + 60_000).toISOString();
        const location = `${this.url}/_blobs/artifacts/${artifact.id}.zip?sv=2025-01-05&spr=https&se=${encodeURIComponent(expiry)}&sr=b&sp=r&sig=c3RhbmQtaW4tc2ln`;
        send(302, '', { location, 'content-type': 'text/html;charset=utf-8', 'content-length': '0' });
      }
      return true;
    }
    return false;
  }

  private serveBlob(id: number, url: URL, send: (status: number, payload: unknown, headers?: Record<string, string>) => void, res: ServerResponse): void {
    const artifact = this.artifacts.find((a) => a.id === id);
    if (!artifact || !url.searchParams.get('sig')) {
      res.writeHead(403, { 'content-type': 'application/xml' });
      res.end('<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthenticationFailed</Code></Error>');
      return;
    }
    send(200, artifact.zip, { 'content-type': 'application/zip', 'content-length': String(artifact.zip.length) });
  }

  private headLabel(spec: PullRequestSpec): string {
    const owner = (spec.headRepository ?? this.repository).split('/')[0];
    return `${owner}:${spec.headRef ?? 'cuda-12.4'}`;
  }

  /** GitHub's pull request object (the list endpoints leave out the counts and merge state). */
  private pullJson(spec: PullRequestSpec, simple = false): Record<string, unknown> {
    const template = JSON.parse(readFileSync(join(__dirname, 'fixtures/pull_request.synchronize.json'), 'utf8')) as {
      pull_request: Record<string, unknown> & { head: Record<string, unknown> & { repo: Record<string, unknown> } };
    };
    const pr = template.pull_request;
    const [owner, repo] = this.repository.split('/');
    const headRepository = spec.headRepository ?? this.repository;
    const [headOwner, headName] = headRepository.split('/');
    const base = `https://api.github.com/repos/${owner}/${repo}`;
    const out: Record<string, unknown> = {
      ...pr,
      url: `${base}/pulls/${spec.number}`,
      id: 1_900_000_000 + spec.number,
      html_url: `https://github.com/${owner}/${repo}/pull/${spec.number}`,
      diff_url: `https://github.com/${owner}/${repo}/pull/${spec.number}.diff`,
      issue_url: `${base}/issues/${spec.number}`,
      commits_url: `${base}/pulls/${spec.number}/commits`,
      comments_url: `${base}/issues/${spec.number}/comments`,
      number: spec.number,
      state: spec.state ?? 'open',
      closed_at: spec.state === 'closed' ? this.timestamp() : null,
      head: {
        ...pr.head,
        label: this.headLabel(spec),
        ref: spec.headRef ?? 'cuda-12.4',
        sha: spec.headSha,
        user: { ...(pr.head.user as object), login: headOwner, url: `https://api.github.com/users/${headOwner}`, html_url: `https://github.com/${headOwner}` },
        repo: {
          ...pr.head.repo,
          id: headRepository === this.repository ? this.repositoryId : 812_345_679,
          full_name: headRepository,
          name: headName,
          fork: headRepository !== this.repository,
          url: `https://api.github.com/repos/${headRepository}`,
          html_url: `https://github.com/${headRepository}`,
        },
      },
    };
    if (simple)
      for (const k of [
        'merged',
        'mergeable',
        'rebaseable',
        'mergeable_state',
        'merged_by',
        'comments',
        'review_comments',
        'maintainer_can_modify',
        'commits',
        'additions',
        'deletions',
        'changed_files',
      ])
        delete out[k];
    return out;
  }

  private artifactJson(a: StoredArtifact): Record<string, unknown> {
    const [owner, repo] = this.repository.split('/');
    const created = '2026-11-23T19:46:58Z';
    return {
      id: a.id,
      node_id: `MDg6QXJ0aWZhY3Q${Buffer.from(String(a.id)).toString('base64url')}`,
      name: a.name,
      size_in_bytes: a.zip.length,
      url: `https://api.github.com/repos/${owner}/${repo}/actions/artifacts/${a.id}`,
      archive_download_url: `https://api.github.com/repos/${owner}/${repo}/actions/artifacts/${a.id}/zip`,
      expired: a.expired ?? false,
      created_at: created,
      expires_at: a.expired ? '2026-11-24T19:46:58Z' : '2027-02-21T19:46:58Z',
      updated_at: created,
      digest: `sha256:${createHash('sha256').update(a.zip).digest('hex')}`,
      workflow_run: {
        id: a.runId,
        repository_id: this.repositoryId,
        head_repository_id: 812_345_679,
        head_branch: 'cuda-12.4',
        head_sha: '6dcb09b5b57875f334f61aebed695e2e4193db5e',
      },
    };
  }

  private timestamp(): string {
    return new Date(this.clock).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  private listPage(number: number, url: URL, send: (s: number, p: unknown, h?: Record<string, string>) => void): void {
    const perPage = Math.min(Number(url.searchParams.get('per_page') ?? 30) || 30, 100);
    const page = Math.max(Number(url.searchParams.get('page') ?? 1) || 1, 1);
    const all = this.commentsOn(number);
    const last = Math.max(Math.ceil(all.length / perPage), 1);
    // GitHub links later pages through the numeric repository id, not owner/name
    const pageUrl = (p: number) => `${this.url}/repositories/${this.repositoryId}/issues/${number}/comments?per_page=${perPage}&page=${p}`;
    const links: string[] = [];
    if (page > 1) links.push(`<${pageUrl(page - 1)}>; rel="prev"`);
    if (page < last) links.push(`<${pageUrl(page + 1)}>; rel="next"`, `<${pageUrl(last)}>; rel="last"`);
    if (page > 1) links.push(`<${pageUrl(1)}>; rel="first"`);
    send(200, all.slice((page - 1) * perPage, page * perPage), links.length ? { link: links.join(', ') } : {});
  }

  private store(number: number, body: string, author: GitHubUser): IssueComment {
    const id = this.nextId++;
    const at = this.timestamp();
    const [owner, repo] = this.repository.split('/');
    const comment: IssueComment = {
      url: `https://api.github.com/repos/${owner}/${repo}/issues/comments/${id}`,
      html_url: `https://github.com/${owner}/${repo}/pull/${number}#issuecomment-${id}`,
      issue_url: `https://api.github.com/repos/${owner}/${repo}/issues/${number}`,
      id,
      node_id: `IC_kwDOKnQ${Buffer.from(String(id)).toString('base64url')}`,
      user: author,
      created_at: at,
      updated_at: at,
      body,
      author_association: author.type === 'Bot' ? 'NONE' : 'CONTRIBUTOR',
      performed_via_github_app: author.type === 'Bot' ? { id: 15368, slug: 'github-actions', name: 'GitHub Actions' } : null,
      reactions: {
        url: `https://api.github.com/repos/${owner}/${repo}/issues/comments/${id}/reactions`,
        total_count: 0,
        '+1': 0,
        '-1': 0,
        laugh: 0,
        hooray: 0,
        confused: 0,
        heart: 0,
        rocket: 0,
        eyes: 0,
      },
    };
    this.comments.set(number, [...this.commentsOn(number), comment]);
    return comment;
  }
}

/** Over the limit counted either way: the stand-in is at least as strict as GitHub. */
function tooLong(text: string): boolean {
  return text.length > 65_536 || Buffer.byteLength(text, 'utf8') > 65_536;
}

function bodyOf(req: RecordedRequest): string | undefined {
  try {
    const parsed = JSON.parse(req.body) as { body?: unknown };
    return typeof parsed.body === 'string' ? parsed.body : undefined;
  } catch {
    return undefined;
  }
}

const TOO_LONG_BODY = {
  message: 'Validation Failed',
  errors: [{ resource: 'IssueComment', code: 'custom', field: 'body', message: 'body is too long (maximum is 65536 characters)' }],
  documentation_url: `${DOCS}/issues/comments#create-an-issue-comment`,
  status: '422',
};
