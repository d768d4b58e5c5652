/**
 * action/policy-source.ts without the bundle: the base commit's matrix overrides, files the base lacks, a broken
 * base file, a file over 1 MB (the raw media type), the event payload, and where a file is in the repository. The
 * REST client is a small fetch over the GitHub stand-in that answers as Octokit does (throws with status and data).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GateError } from '../../src/common/errors';
import { locate, pullRequestBase, resolvePolicy, type RestClient } from '../../src/action/policy-source';
import { tempDir } from '../helpers/tmp';
import { GitHubStandIn } from './github-stand-in';
import { REPOSITORY, TOKEN } from './run-action';

const BASE_SHA = '9049f1265b7d61be4a8904a9a27120d2064dab3b';
const GPU = (name: string) => `  - name: ${name}
    aliases: [GeForce ${name}]
    computeCapability: "12.0"
    architecture: Blackwell
    segment: consumer
    datacenter: false
    brands: [geforce]
    source: nvidia-smi -q on our build machine
`;
const TARGETS = 'targets:\n  lab: { driver: 580.65.06, gpu: RTX 6090 }\nmatrix-overrides: overrides.yml\n';

let github: GitHubStandIn;
beforeAll(async () => {
  github = await GitHubStandIn.start(REPOSITORY, []);
});
afterAll(() => github.close());
beforeEach(() => {
  github.reset();
  github.files.workingTreeForOtherCommits = false;
});

/** Octokit's request as far as policy-source uses it. */
function client(): RestClient {
  return {
    async request(route, params = {}) {
      const [method, template] = route.split(' ');
      const rest = { ...params } as Record<string, unknown>;
      const path = template.replace(/\{(\w+)\}/g, (_, k: string) => {
        const v = String(rest[k]);
        delete rest[k];
        return encodeURIComponent(v);
      });
      const raw = (rest.mediaType as { format?: string } | undefined)?.format === 'raw';
      delete rest.mediaType;
      const query = new URLSearchParams(Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, String(v)]))).toString();
      const res = await fetch(`${github.url}${path}${query ? `?${query}` : ''}`, {
        method,
        headers: { authorization: `token ${TOKEN}`, accept: raw ? 'application/vnd.github.raw' : 'application/vnd.github+json' },
      });
      const text = await res.text();
      const data: unknown = /json/.test(res.headers.get('content-type') ?? '') ? JSON.parse(text) : text;
      if (!res.ok) throw Object.assign(new Error(`HTTP ${res.status}`), { status: res.status, response: { data } });
      return { status: res.status, data };
    },
  };
}

function checkout(files: Record<string, string>): string {
  const dir = tempDir('cuda-gate-ws-');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

function env(workspace: string, payload: unknown = { pull_request: { base: { sha: BASE_SHA, repo: { full_name: REPOSITORY } } } }): NodeJS.ProcessEnv {
  const eventPath = join(tempDir('cuda-gate-event-'), 'event.json');
  writeFileSync(eventPath, JSON.stringify(payload));
  return {
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_WORKSPACE: workspace,
    GITHUB_REPOSITORY: REPOSITORY,
    PATH: process.env.PATH,
  };
}

test("the targets file's matrix overrides are the base commit's too, named by commit and path", async () => {
  github.files.commit(BASE_SHA, { '.github/cuda-targets.yml': TARGETS, '.github/overrides.yml': `gpus:\n${GPU('RTX 6090')}` });
  const ws = checkout({ '.github/cuda-targets.yml': TARGETS, '.github/overrides.yml': `gpus:\n${GPU('RTX 6090')}${GPU('RTX 6095')}` });
  const resolved = await resolvePolicy({
    policyFrom: 'base',
    targets: join(ws, '.github/cuda-targets.yml'),
    matrixOverrides: [],
    client: client(),
    env: env(ws),
    tempDir: tempDir(),
  });
  expect(resolved.matrix.overrides?.map((o) => [o.id, o.file])).toEqual([['RTX 6090', '9049f12:.github/overrides.yml']]);
  expect(resolved.targets[0].gpu?.gpu?.name).toBe('RTX 6090');
  expect(resolved.changes?.changed).toEqual([expect.objectContaining({ subject: 'matrix-overrides', name: '.github/overrides.yml' })]);
  expect(resolved.source).toEqual({ from: 'base', file: '.github/cuda-targets.yml', commit: BASE_SHA, via: 'api' });
});

test('a matrix-overrides input file the base lacks is not applied until merged, with a note', async () => {
  const plain = 'targets:\n  a: { driver: 550.54.15 }\n';
  github.files.commit(BASE_SHA, { '.github/cuda-targets.yml': plain });
  const ws = checkout({ '.github/cuda-targets.yml': plain, 'extra.yml': `gpus:\n${GPU('RTX 6090')}` });
  const resolved = await resolvePolicy({
    policyFrom: 'base',
    targets: join(ws, '.github/cuda-targets.yml'),
    matrixOverrides: [join(ws, 'extra.yml')],
    client: client(),
    env: env(ws),
    tempDir: tempDir(),
  });
  expect(resolved.matrix.overrides ?? []).toEqual([]);
  expect(resolved.notes).toEqual(['the matrix overrides file extra.yml is not in the base commit 9049f12: not applied until this pull request is merged']);
  expect(resolved.changes?.changed.map((c) => c.text)).toEqual(['matrix overrides extra.yml added: its rows can change verdicts']);
});

test("a broken targets file at the base fails, naming the base's copy and where to fix it", async () => {
  github.files.commit(BASE_SHA, { '.github/cuda-targets.yml': 'targets:\n  a: { driver: r535 }\n' });
  const ws = checkout({ '.github/cuda-targets.yml': 'targets:\n  a: { driver: 535.104.05 }\n' });
  const failure = resolvePolicy({
    policyFrom: 'base',
    targets: join(ws, '.github/cuda-targets.yml'),
    matrixOverrides: [],
    client: client(),
    env: env(ws),
    tempDir: tempDir(),
  });
  await expect(failure).rejects.toThrow(GateError);
  await expect(failure).rejects.toMatchObject({
    message: expect.stringContaining(
      `the base branch's targets file: 9049f12:.github/cuda-targets.yml:2: target "a": driver "r535" is not an NVIDIA driver version`,
    ),
    hint: expect.stringContaining("a pull request is gated with its base branch's policy: fix the file there"),
  });
});

test('a file over 1 MB comes through the raw media type', async () => {
  const big = `# ${'x'.repeat(1_010_000)}\ntargets:\n  a: { driver: 550.54.15 }\npolicy: { fail-on: caveat }\n`;
  github.files.commit(BASE_SHA, { '.github/cuda-targets.yml': big });
  const ws = checkout({ '.github/cuda-targets.yml': 'targets:\n  a: { driver: 550.54.15 }\n' });
  const resolved = await resolvePolicy({
    policyFrom: 'base',
    targets: join(ws, '.github/cuda-targets.yml'),
    matrixOverrides: [],
    client: client(),
    env: env(ws),
    tempDir: tempDir(),
  });
  expect(resolved.policy.failOn).toBe('caveat');
  expect(github.requests.filter((r) => /\/contents\//.test(r.path)).map((r) => r.headers.accept)).toEqual([
    'application/vnd.github+json',
    'application/vnd.github.raw',
  ]);
});

test('a targets file outside the checkout has no base: used as it is, and said', async () => {
  const outside = checkout({ 'generated.yml': 'targets:\n  a: { driver: 550.54.15 }\n' });
  const resolved = await resolvePolicy({
    policyFrom: 'base',
    targets: join(outside, 'generated.yml'),
    matrixOverrides: [],
    client: client(),
    env: env(checkout({})),
    tempDir: tempDir(),
  });
  expect(resolved.source).toMatchObject({ from: 'head', reason: 'not a file of the repository (outside the checkout): used as it is' });
  expect(github.requests).toEqual([]);
});

test('the event: the base commit and repository, or an error that names the missing field', () => {
  const ws = checkout({});
  expect(pullRequestBase(env(ws))).toEqual({ sha: BASE_SHA, owner: 'octo-org', repo: 'gpu-service' });
  expect(() => pullRequestBase(env(ws, { pull_request: { base: {} } }))).toThrow('names no base commit (pull_request.base.sha)');
  expect(() => pullRequestBase(env(ws, { pull_request: { base: { sha: '--upload-pack=x' } } }))).toThrow('names no base commit');
  expect(pullRequestBase({ GITHUB_EVENT_NAME: 'push' })).toBeUndefined();
});

test('where a file is in the repository: the git work tree, else the workspace, else nowhere', () => {
  const ws = checkout({ '.github/cuda-targets.yml': '' });
  expect(locate(join(ws, '.github/cuda-targets.yml'), { GITHUB_WORKSPACE: ws })).toEqual({ root: ws, path: '.github/cuda-targets.yml', git: false });
  // a file the pull request deleted is still placed
  expect(locate(join(ws, 'gone/x.yml'), { GITHUB_WORKSPACE: ws })?.path).toBe('gone/x.yml');
  expect(locate(join(ws, '.github/cuda-targets.yml'), {})).toBeUndefined();
  // inside a git work tree (a clone made here), the path is the work tree's
  const clone = checkout({ 'deploy/cuda-targets.yml': '' });
  execFileSync('git', ['-C', clone, 'init', '-q']);
  expect(locate(join(clone, 'deploy/cuda-targets.yml'), { GITHUB_WORKSPACE: join(clone, 'deploy') })).toEqual({
    root: realpathSync(clone),
    path: 'deploy/cuda-targets.yml',
    git: true,
  });
});
