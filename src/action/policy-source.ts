/**
 * A gate the pull request cannot switch off: on `pull_request` and `pull_request_target` events the targets file —
 * targets, policy, waivers — and its matrix overrides are read **as of the pull request's base commit**, and the
 * images are gated with that policy. What the pull request changes in it is worked out (targets/policy-diff.ts) and
 * shown at the top of the summary and the comment; it applies once merged.
 *
 * A file of the base commit is read with `git` when the commit is in the local clone (actions/checkout with
 * fetch-depth: 0, or 2 for the merge commit's parents), else through the REST contents API with the job's token
 * (`contents: read`). A base commit without the targets file (the pull request adds it) gates with the pull
 * request's, with a note. Anything else that keeps the base's file from being read — a 403 without `contents: read`,
 * a commit the token cannot see, the network — fails closed: the gate does not run on a policy the pull request
 * could have written. `policy-from: head` is the old behaviour; push and other events have no base: head.
 *
 * No @actions/* import (the REST client is passed in), so jest can run it.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, posix, relative, resolve, sep } from 'node:path';
import { GateError, isGateError, messageOf } from '../common/errors';
import { loadMatrix } from '../matrix/load';
import { loadMatrixWithOverrides } from '../matrix/overrides';
import type { Matrix } from '../matrix/types';
import type { Policy, PolicyDiff, PolicyFrom, PolicySource } from '../model/policy';
import type { Target } from '../model/target';
import { diffPolicies, type PolicySide } from '../targets/policy-diff';
import { loadTargetsFile, matrixOverridesKey, parseTargets, type TargetsFile } from '../targets/load';

/** What policy-source needs of an Octokit: `request`, which throws an error with `status` on a non-2xx answer. */
export interface RestClient {
  request(route: string, params?: Record<string, unknown>): Promise<{ status: number; data: unknown }>;
}

export interface PolicyOptions {
  policyFrom: PolicyFrom;
  /** the targets input: a path relative to the working directory */
  targets: string;
  /** the matrix-overrides input's files, applied after the targets file's own */
  matrixOverrides: readonly string[];
  /** the job's token as a REST client; undefined: no token, git only */
  client?: RestClient;
  env?: NodeJS.ProcessEnv;
  /** where the base commit's files are put to be read (default RUNNER_TEMP, else the OS temp dir) */
  tempDir?: string;
  /** the git executable (tests) */
  git?: string;
}

export interface ResolvedPolicy {
  targets: Target[];
  policy: Partial<Policy>;
  matrix: Matrix;
  /** whose policy gated; undefined outside pull requests */
  source?: PolicySource;
  /** what the pull request changes in the policy (base gated) */
  changes?: PolicyDiff;
  /** for the report's notes: a targets file new in this PR, overrides files the base lacks */
  notes: string[];
  /** log lines */
  info: string[];
}

/** The base commit and repository of a pull_request / pull_request_target event; undefined for any other event. */
export function pullRequestBase(env: NodeJS.ProcessEnv = process.env): { sha: string; owner: string; repo: string } | undefined {
  const event = env.GITHUB_EVENT_NAME;
  if (event !== 'pull_request' && event !== 'pull_request_target') return undefined;
  let payload: { pull_request?: { base?: { sha?: unknown; repo?: { full_name?: unknown } | null } } } | undefined;
  try {
    payload = env.GITHUB_EVENT_PATH ? JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8')) : undefined;
  } catch (e) {
    throw unavailable(`the ${event} event file cannot be read (${messageOf(e)}), so the base commit is unknown`);
  }
  const base = payload?.pull_request?.base;
  const sha = typeof base?.sha === 'string' ? base.sha : '';
  if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(sha)) throw unavailable(`the ${event} event names no base commit (pull_request.base.sha)`);
  const fullName = typeof base?.repo?.full_name === 'string' ? base.repo.full_name : (env.GITHUB_REPOSITORY ?? '');
  const [owner, repo, ...rest] = fullName.split('/');
  if (!owner || !repo || rest.length) throw unavailable(`the ${event} event names no base repository (pull_request.base.repo.full_name)`);
  return { sha, owner, repo };
}

const FAIL_CLOSED_HINT =
  "the gate does not run on a policy the pull request could have written: give the job `permissions: contents: read` (and the github-token input its token), or fetch the base commit (actions/checkout with fetch-depth: 0); policy-from: head gates with the pull request's own targets file instead";

function unavailable(message: string, hint = FAIL_CLOSED_HINT): GateError {
  return new GateError('POLICY_UNAVAILABLE', `cannot read the base branch's policy: ${message}`, hint);
}

/** The matrix for a list of overrides files (none: the shipped one). */
function matrixOf(files: readonly string[]): Matrix {
  return files.length ? loadMatrixWithOverrides(files) : loadMatrix();
}

export async function resolvePolicy(opts: PolicyOptions): Promise<ResolvedPolicy> {
  const env = opts.env ?? process.env;
  const headMatrixFor = (fromFile: string[]) => matrixOf([...fromFile, ...opts.matrixOverrides]);
  const onPullRequest = env.GITHUB_EVENT_NAME === 'pull_request' || env.GITHUB_EVENT_NAME === 'pull_request_target';
  if (!onPullRequest || opts.policyFrom === 'head') {
    const head = loadTargetsFile(opts.targets, headMatrixFor);
    if (!onPullRequest) return { ...head, notes: [], info: [] };
    const source: PolicySource = { from: 'head', file: opts.targets, reason: 'policy-from: head' };
    return { ...head, source, notes: [], info: ['cuda-gate: policy-from: head: gating with the targets file of the pull request'] };
  }
  const pr = pullRequestBase(env)!;

  const git = opts.git ?? 'git';
  const where = locate(opts.targets, env, git);
  if (!where) {
    // not a file of the repository (written by an earlier step): there is no base version of it
    const head = loadTargetsFile(opts.targets, headMatrixFor);
    const reason = 'not a file of the repository (outside the checkout): used as it is';
    return { ...head, source: { from: 'head', file: opts.targets, reason }, notes: [], info: [`cuda-gate: targets file ${opts.targets}: ${reason}`] };
  }

  // the pull request's own file first: a broken one fails as it always has, before anything is fetched
  let head: TargetsFile | undefined;
  let headError: GateError | undefined;
  try {
    head = loadTargetsFile(opts.targets, headMatrixFor);
  } catch (e) {
    if (!isGateError(e) || e.code !== 'FILE_NOT_FOUND') throw e;
    headError = e;
  }

  const reader = new BaseReader(pr, opts.client, where.git ? where.root : undefined, git);
  const short = pr.sha.slice(0, 7);
  const base = await reader.read(where.path);
  if (base.absent) {
    if (headError) throw headError;
    const note = `${where.path} is not in the base commit ${short} (this pull request adds it): gated with the pull request's version`;
    return {
      ...head!,
      source: { from: 'head', file: where.path, commit: pr.sha, via: base.via, reason: 'new in this pull request' },
      notes: [note],
      info: [`cuda-gate: ${note}`],
    };
  }

  // the base commit's files, laid out as in the repository, so that relative paths resolve as they did there
  const root = join(opts.tempDir ?? env.RUNNER_TEMP ?? tmpdir(), `cuda-gate-base-${pr.sha.slice(0, 12)}`);
  const place = (repoPath: string, text: string): string => {
    const path = join(root, ...repoPath.split('/'));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    return path;
  };
  const notes: string[] = [];
  const baseOverrides: { name: string; text: string }[] = [];
  const targetsCopy = place(where.path, base.text);
  const key = matrixOverridesKey(base.text);
  if (key !== undefined && !isAbsolute(key)) {
    const repoPath = posix.normalize(posix.join(posix.dirname(where.path), key.split(sep).join('/')));
    if (!repoPath.startsWith('../')) {
      const o = await reader.read(repoPath);
      // absent: parseTargets says the file is not found, naming the base's copy
      if (!o.absent) {
        place(repoPath, o.text);
        baseOverrides.push({ name: repoPath, text: o.text });
      }
    }
  }
  const inputOverrides: string[] = [];
  for (const file of opts.matrixOverrides) {
    const at = locate(file, env, git);
    if (!at) {
      inputOverrides.push(file);
      continue;
    }
    const o = await reader.read(at.path);
    if (o.absent) {
      notes.push(`the matrix overrides file ${at.path} is not in the base commit ${short}: not applied until this pull request is merged`);
      continue;
    }
    inputOverrides.push(place(at.path, o.text));
    baseOverrides.push({ name: at.path, text: o.text });
  }

  let gated: TargetsFile;
  try {
    gated = parseTargets(base.text, `${short}:${where.path}`, (fromFile) => matrixOf([...fromFile, ...inputOverrides]), { dir: dirname(targetsCopy) });
  } catch (e) {
    if (!isGateError(e)) throw e;
    throw new GateError(
      e.code,
      `the base branch's targets file: ${e.message}`,
      `${e.hint ? `${e.hint}; ` : ''}a pull request is gated with its base branch's policy: fix the file there (policy-from: head gates with the pull request's own)`,
    );
  }
  // the report names the base's overrides by commit and path, not by where they were put
  const matrix: Matrix = gated.matrix.overrides?.length
    ? { ...gated.matrix, overrides: gated.matrix.overrides.map((o) => ({ ...o, file: showBasePath(o.file, root, short) })) }
    : gated.matrix;

  const headSide: PolicySide | undefined = head && {
    targets: head.targets,
    policy: head.policy,
    overrides: headOverrides(head, opts.matrixOverrides, env, git),
  };
  const changes = diffPolicies({ targets: gated.targets, policy: gated.policy, overrides: baseOverrides }, headSide, where.path);
  return {
    targets: gated.targets,
    policy: gated.policy,
    matrix,
    source: { from: 'base', file: where.path, commit: pr.sha, via: base.via },
    changes,
    notes,
    info: [`cuda-gate: policy from the base commit ${short} (${where.path}, read with ${base.via === 'git' ? 'git' : 'the contents API'})`],
  };
}

/** The pull request's matrix overrides files with their text, named as the base's are (repository paths). */
function headOverrides(head: TargetsFile, inputs: readonly string[], env: NodeJS.ProcessEnv, git: string): { name: string; text: string }[] {
  const out: { name: string; text: string }[] = [];
  for (const file of [...(head.matrixOverrides ? [head.matrixOverrides] : []), ...inputs]) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    out.push({ name: locate(file, env, git)?.path ?? file, text });
  }
  return out;
}

function showBasePath(file: string, root: string, short: string): string {
  const rel = relative(root, resolve(file));
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? `${short}:${rel.split(sep).join('/')}` : file;
}

// ---- where a file is in the repository ------------------------------------------------------------------------

interface RepoLocation {
  /** the repository's top directory on disk */
  root: string;
  /** the file's path in the repository, `/`-separated */
  path: string;
  /** root is a git work tree (the base commit may be in it) */
  git: boolean;
}

/**
 * A file's path in the repository: inside the git work tree its directory belongs to, else inside GITHUB_WORKSPACE;
 * undefined outside both (a file an earlier step wrote elsewhere). The file itself need not exist (deleted by the PR).
 */
export function locate(file: string, env: NodeJS.ProcessEnv = process.env, git = 'git'): RepoLocation | undefined {
  const abs = resolve(file);
  let dir = dirname(abs);
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  const real = join(realpathOr(dir), relative(dir, abs));
  const inside = (root: string): string | undefined => {
    const rel = relative(realpathOr(root), real);
    return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel.split(sep).join('/') : undefined;
  };
  const top = gitTopLevel(dir, git);
  const inGit = top !== undefined ? inside(top) : undefined;
  if (top !== undefined && inGit !== undefined) return { root: top, path: inGit, git: true };
  const workspace = env.GITHUB_WORKSPACE;
  const inWorkspace = workspace ? inside(workspace) : undefined;
  return workspace && inWorkspace !== undefined ? { root: workspace, path: inWorkspace, git: false } : undefined;
}

function realpathOr(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function gitTopLevel(dir: string, git: string): string | undefined {
  const r = runSync(git, ['-C', dir, 'rev-parse', '--show-toplevel']);
  return r.ok ? r.stdout.trim() || undefined : undefined;
}

// ---- reading a file of the base commit ------------------------------------------------------------------------

type BaseFile = { absent: false; text: string; via: 'git' | 'api' } | { absent: true; via: 'git' | 'api' };

/** Bytes read of a base commit's file at most (a targets file's limit is 1 MiB; overrides files are as small). */
const MAX_FILE_BYTES = 4 * 1024 * 1024;

class BaseReader {
  private hasCommit?: Promise<boolean>;
  constructor(
    private readonly pr: { sha: string; owner: string; repo: string },
    private readonly client: RestClient | undefined,
    private readonly gitRoot: string | undefined,
    private readonly git: string,
  ) {}

  /** git when the base commit is in the local clone, else the API; a failure of both throws (fail closed). */
  async read(path: string): Promise<BaseFile> {
    if (this.gitRoot && (await this.commitInClone())) return this.readGit(path);
    return this.readApi(path);
  }

  private commitInClone(): Promise<boolean> {
    this.hasCommit ??= run(this.git, ['-C', this.gitRoot!, 'cat-file', '-e', `${this.pr.sha}^{commit}`]).then((r) => r.ok);
    return this.hasCommit;
  }

  private async readGit(path: string): Promise<BaseFile> {
    const listed = await run(this.git, ['-C', this.gitRoot!, 'ls-tree', '-z', '--full-tree', this.pr.sha, '--', path]);
    if (!listed.ok) throw unavailable(`git ls-tree ${this.pr.sha.slice(0, 7)} -- ${path} failed: ${listed.stderr.trim() || 'no output'}`);
    const entry = listed.stdout.split('\0').find((l) => l.endsWith(`\t${path}`));
    if (!entry) return { absent: true, via: 'git' };
    const [mode, type, oid] = entry.slice(0, entry.indexOf('\t')).split(' ');
    if (type !== 'blob' || mode === '120000') {
      throw unavailable(
        `${path} is ${type === 'tree' ? 'a directory' : mode === '120000' ? 'a symbolic link' : `a ${type}`} at the base commit ${this.pr.sha.slice(0, 7)}`,
      );
    }
    const blob = await run(this.git, ['-C', this.gitRoot!, 'cat-file', 'blob', oid]);
    if (!blob.ok) throw unavailable(`git cat-file blob ${oid} (${path}) failed: ${blob.stderr.trim()}`);
    return { absent: false, text: blob.stdout, via: 'git' };
  }

  private async readApi(path: string): Promise<BaseFile> {
    const { owner, repo, sha } = this.pr;
    const where = `${path} at ${sha.slice(0, 7)} of ${owner}/${repo}`;
    if (!this.client) {
      throw unavailable(`${where}: the base commit is not in the local clone, and there is no github-token to ask the contents API`);
    }
    const route = `GET /repos/{owner}/{repo}/contents/${path.split('/').map(encodeURIComponent).join('/')}`;
    let data: unknown;
    try {
      ({ data } = await this.client.request(route, { owner, repo, ref: sha }));
    } catch (e) {
      const status = statusOf(e);
      if (status === 404) {
        // GitHub says 404 for a file the commit lacks and for a commit or repository the token cannot see: ask which
        if (await this.commitVisible()) return { absent: true, via: 'api' };
        throw unavailable(`${where}: GitHub answered 404 for the file and for the commit (the token cannot see ${owner}/${repo} at ${sha.slice(0, 7)})`);
      }
      throw unavailable(`${where}: ${refusal(e)}`);
    }
    if (Array.isArray(data)) throw unavailable(`${where} is a directory`);
    const file = (data ?? {}) as { type?: unknown; encoding?: unknown; content?: unknown; size?: unknown };
    if (file.type !== 'file') throw unavailable(`${where} is ${typeof file.type === 'string' ? `a ${file.type}` : 'not a file'}`);
    if (typeof file.size === 'number' && file.size > MAX_FILE_BYTES) throw unavailable(`${where} is ${file.size} bytes, more than a policy file can be`);
    if (file.encoding === 'base64' && typeof file.content === 'string') {
      return { absent: false, text: Buffer.from(file.content, 'base64').toString('utf8'), via: 'api' };
    }
    // over 1 MB the JSON answer carries no content (encoding "none"): the raw media type has the bytes
    try {
      const raw = await this.client.request(route, { owner, repo, ref: sha, mediaType: { format: 'raw' } });
      if (typeof raw.data === 'string') return { absent: false, text: raw.data, via: 'api' };
      if (raw.data instanceof ArrayBuffer) return { absent: false, text: Buffer.from(raw.data).toString('utf8'), via: 'api' };
    } catch (e) {
      throw unavailable(`${where}: ${refusal(e)}`);
    }
    throw unavailable(`${where}: the contents API answered without the file's content`);
  }

  /** Whether the token can see the base commit: a 404 for a file is then a file the commit does not have. */
  private async commitVisible(): Promise<boolean> {
    const { owner, repo, sha } = this.pr;
    try {
      await this.client!.request('GET /repos/{owner}/{repo}/git/commits/{sha}', { owner, repo, sha });
      return true;
    } catch (e) {
      if (statusOf(e) === 404) return false;
      throw unavailable(`the base commit ${sha.slice(0, 7)} of ${owner}/${repo}: ${refusal(e)}`);
    }
  }
}

function statusOf(e: unknown): number | undefined {
  const status = (e as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' ? status : undefined;
}

/** An API failure in words: the status and GitHub's message, and what a 401/403 needs. */
function refusal(e: unknown): string {
  const status = statusOf(e);
  const data = (e as { response?: { data?: { message?: unknown } } })?.response?.data;
  const said = typeof data?.message === 'string' ? data.message : messageOf(e);
  if (status === 403 || status === 401) return `GitHub answered ${status} (${said}): the token needs \`contents: read\``;
  // Octokit reports a connection that failed or was reset as status 500 without a response
  return status !== undefined && (e as { response?: unknown }).response !== undefined
    ? `GitHub answered ${status} (${said})`
    : `the contents API could not be reached (${said})`;
}

// ---- processes ---------------------------------------------------------------------------------------------------

interface RunResult {
  ok: boolean;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[]): Promise<RunResult> {
  return new Promise((done) => {
    execFile(cmd, args, { encoding: 'utf8', maxBuffer: MAX_FILE_BYTES + 65536, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } }, (err, stdout, stderr) =>
      done({ ok: !err, stdout: stdout ?? '', stderr: stderr ?? '' }),
    );
  });
}

/** A synchronous twin for locate(): a git rev-parse takes milliseconds. */
function runSync(cmd: string, args: string[]): RunResult {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
  return { ok: r.status === 0, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}
