/**
 * A gate the pull request cannot switch off, end to end through the bundled action: on a pull request the targets
 * file is read as of the base commit — from the contents API stand-in, or with git from a local clone that has the
 * base commit — and the image is gated with it, whatever the pull request's own file says (fail-on: never, a target
 * dropped, a waiver added). The summary and the comment say that the pull request changes the policy. policy-from:
 * head is the old behaviour; an unreadable base fails closed; a base without the file gates with the pull request's.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Report } from '../../src/report/types';
import { tempDir } from '../helpers/tmp';
import { GitHubStandIn } from './github-stand-in';
import {
  commands,
  EXAMPLE_ARCHIVE,
  PR_NUMBER,
  REPOSITORY,
  ROOT,
  TOKEN,
  pullRequestEvent,
  pushEvent,
  runBundledAction,
  type ActionEvent,
  type ActionRun,
} from './run-action';

/** pull_request.base.sha of the event fixture */
const BASE_SHA = '9049f1265b7d61be4a8904a9a27120d2064dab3b';
const FILE = '.github/cuda-targets.yml';

/** examples/cuda-targets.yml: prod-a100 caveat, inference-l4 pass, edge-t4 fail (DRIVER_TOO_OLD), dev-rtx4090 pass */
const BASE = readFileSync(join(ROOT, 'examples/cuda-targets.yml'), 'utf8');
const LOOSE_FAIL_ON = BASE.replace('fail-on: fail', 'fail-on: never');
const DROPPED = BASE.replace(/^ {2}edge-t4:.*\n/m, '');
const WAIVER = `waivers:
  - image: "example/cuda-app:*"
    target: edge-t4
    code: DRIVER_TOO_OLD
    reason: the edge fleet moves to R550 this quarter (INFRA-1234)
    expires: 2099-12-31
`;
const WAIVED = `${BASE}${WAIVER}`;

let github: GitHubStandIn;
beforeAll(async () => {
  github = await GitHubStandIn.start(REPOSITORY, [PR_NUMBER]);
});
afterAll(() => github.close());
beforeEach(() => {
  github.reset();
  // only what a test seeds exists: a read that reaches the API for anything else fails
  github.files.workingTreeForOtherCommits = false;
});

/** A checkout (not a git clone) whose targets file is `head`; GITHUB_WORKSPACE points at it. */
function workspace(head: string | undefined): { dir: string; targets: string } {
  const dir = tempDir('cuda-gate-ws-');
  mkdirSync(join(dir, '.github'));
  if (head !== undefined) writeFileSync(join(dir, FILE), head);
  return { dir, targets: join(dir, FILE) };
}

function gate(
  ws: { dir: string; targets: string },
  inputs: Record<string, string> = {},
  event: ActionEvent = pullRequestEvent(),
  env: Record<string, string> = {},
): Promise<ActionRun> {
  return runBundledAction({
    inputs: { images: EXAMPLE_ARCHIVE, targets: ws.targets, 'github-token': TOKEN, cache: 'false', ...inputs },
    event,
    env: { GITHUB_API_URL: github.url, GITHUB_WORKSPACE: ws.dir, ...env },
  });
}

const reportOf = (run: ActionRun) => JSON.parse(readFileSync(run.outputs.report, 'utf8')) as Report;
/** The summary as a reader sees it: markdown's character references decoded. */
const plain = (markdown: string) => markdown.replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n))).replace(/&amp;/g, '&');
const contentReads = () =>
  github.requests.filter((r) => /\/contents\//.test(r.path)).map((r) => `${decodeURIComponent(r.path.replace(/^.*?\/contents\//, ''))}@${r.query.ref}`);

describe('the pull request cannot loosen its own gate (base commit read through the contents API)', () => {
  beforeEach(() => github.files.commit(BASE_SHA, { [FILE]: BASE }));

  test('fail-on: never in the pull request: the step still fails, and the summary and comment say the PR changes the policy', async () => {
    const run = await gate(workspace(LOOSE_FAIL_ON));
    expect(run.code).toBe(1);
    expect(contentReads()).toEqual([`${FILE}@${BASE_SHA}`]);
    const report = reportOf(run);
    expect(report.policy).toMatchObject({ failOn: 'fail', source: { from: 'base', file: FILE, commit: BASE_SHA, via: 'api' } });
    expect(report.policy.changes?.loosened).toEqual([expect.objectContaining({ subject: 'fail-on', from: 'fail', to: 'never', effect: 'looser' })]);
    const summary = plain(run.summary);
    // at the top: right under the headline, above the failures
    const note = summary.indexOf("**This PR changes the gate's policy**");
    expect(note).toBeGreaterThan(0);
    expect(note).toBeLessThan(summary.indexOf('**Fails**'));
    expect(summary).toContain("it is judged with the base branch's policy (<code>9049f12</code>); the PR's applies once merged.");
    expect(summary).toContain('> - **loosens:** fail-on loosened: fail → never');
    expect(plain(github.commentsOn(PR_NUMBER)[0].body)).toContain("**This PR changes the gate's policy**");
    expect(commands(run, 'error')).toContainEqual(expect.stringContaining('cuda-gate: 1 failing'));
  });

  test('a target dropped in the pull request is still judged, and the note names it', async () => {
    const run = await gate(workspace(DROPPED));
    expect(run.code).toBe(1);
    const report = reportOf(run);
    expect(report.targets.map((t) => t.name)).toContain('edge-t4');
    expect(report.results.find((r) => r.target === 'edge-t4')?.verdict).toBe('fail');
    expect(plain(run.summary)).toMatch(/> - \*\*loosens:\*\* target edge-t4 removed \(driver 470\.82\.01, .*T4\): its results no longer gate/);
  });

  test('a waiver added in the pull request does not waive its own failure', async () => {
    const run = await gate(workspace(WAIVED));
    expect(run.code).toBe(1);
    const report = reportOf(run);
    expect(report.results.find((r) => r.target === 'edge-t4')).not.toHaveProperty('waived');
    expect(report.summary).toMatchObject({ gatePassed: false, fail: 1 });
    expect(report.policy.changes?.added).toEqual([expect.objectContaining({ subject: 'waiver', effect: 'looser' })]);
    expect(plain(run.summary)).toContain('> - **loosens:** waiver added (image example/cuda-app:*, target edge-t4, code DRIVER_TOO_OLD, until 2099-12-31)');
  });

  test("policy-from: head is the old behaviour: the pull request's fail-on: never passes, and the base is not read", async () => {
    const run = await gate(workspace(LOOSE_FAIL_ON), { 'policy-from': 'head' });
    expect(run.code).toBe(0);
    expect(contentReads()).toEqual([]);
    expect(reportOf(run).policy).toMatchObject({ failOn: 'never', source: { from: 'head', reason: 'policy-from: head' } });
    expect(run.summary).not.toContain("changes the gate's policy");
  });

  test('the same file on both sides: no note', async () => {
    const run = await gate(workspace(BASE));
    expect(run.code).toBe(1);
    expect(reportOf(run).policy.changes).toBeUndefined();
    expect(run.summary).not.toContain("changes the gate's policy");
  });

  test('the pull request deletes the targets file: gated with the base, and the note says so', async () => {
    const run = await gate(workspace(undefined));
    expect(run.code).toBe(1);
    expect(reportOf(run).policy.changes?.removed).toEqual([expect.objectContaining({ subject: 'targets-file', effect: 'looser' })]);
    expect(plain(run.summary)).toContain(`> - **loosens:** deletes ${FILE}`);
  });

  test('a push has no base: the checked-out file gates, nothing is fetched', async () => {
    const run = await gate(workspace(LOOSE_FAIL_ON), {}, pushEvent());
    expect(run.code).toBe(0);
    expect(contentReads()).toEqual([]);
    expect(reportOf(run).policy.source).toBeUndefined();
  });

  test('a bad policy-from names the input and the values', async () => {
    const run = await gate(workspace(BASE), { 'policy-from': 'pr' });
    expect(run.code).toBe(1);
    expect(commands(run, 'error')).toEqual([expect.stringContaining('input "policy-from": "pr" is not one of base, head')]);
  });
});

describe('the base commit in the local clone: read with git, no API call', () => {
  /** A git clone whose base commit has `base` and whose working tree has `head`; returns it and the base commit. */
  function clone(base: string, head: string): { ws: { dir: string; targets: string }; sha: string } {
    const dir = tempDir('cuda-gate-clone-');
    const git = (...args: string[]) =>
      execFileSync('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'commit.gpgsign=false', ...args], {
        encoding: 'utf8',
      }).trim();
    git('init', '-q');
    mkdirSync(join(dir, '.github'));
    writeFileSync(join(dir, FILE), base);
    git('add', FILE);
    git('commit', '-q', '-m', 'base');
    const sha = git('rev-parse', 'HEAD');
    writeFileSync(join(dir, FILE), head);
    git('commit', '-q', '-am', 'the pull request');
    return { ws: { dir, targets: join(dir, FILE) }, sha };
  }

  function eventFor(sha: string): ActionEvent {
    const event = pullRequestEvent();
    (event.payload as { pull_request: { base: { sha: string } } }).pull_request.base.sha = sha;
    return event;
  }

  test('fail-on: never in the pull request: the step still fails, the policy read with git', async () => {
    const { ws, sha } = clone(BASE, LOOSE_FAIL_ON);
    const run = await gate(ws, {}, eventFor(sha));
    expect(run.code).toBe(1);
    expect(contentReads()).toEqual([]);
    expect(reportOf(run).policy.source).toEqual({ from: 'base', file: FILE, commit: sha, via: 'git' });
    expect(plain(run.summary)).toContain('> - **loosens:** fail-on loosened: fail → never');
  });

  test('a target dropped and a waiver added with git: still failing', async () => {
    const { ws, sha } = clone(BASE, `${DROPPED}${WAIVER.replace('edge-t4', '"*"')}`);
    const run = await gate(ws, {}, eventFor(sha));
    expect(run.code).toBe(1);
    const changes = reportOf(run).policy.changes!;
    expect(changes.removed.map((c) => c.name)).toEqual(['edge-t4']);
    expect(changes.added.map((c) => c.subject)).toEqual(['waiver']);
  });

  test("policy-from: head with git: the pull request's file passes", async () => {
    const { ws, sha } = clone(BASE, LOOSE_FAIL_ON);
    const run = await gate(ws, { 'policy-from': 'head' }, eventFor(sha));
    expect(run.code).toBe(0);
  });
});

describe('a base that cannot be read fails closed', () => {
  test('403 (no contents: read): the step fails naming the permission, before any image is read', async () => {
    github.files.commit(BASE_SHA, { [FILE]: BASE });
    github.script({
      method: 'GET',
      path: /\/contents\//,
      status: 403,
      body: {
        message: 'Resource not accessible by integration',
        documentation_url: 'https://docs.github.com/rest/repos/contents#get-repository-content',
        status: '403',
      },
    });
    const run = await gate(workspace(LOOSE_FAIL_ON));
    expect(run.code).toBe(1);
    const [error] = commands(run, 'error');
    expect(error).toContain(
      `cannot read the base branch's policy: ${FILE} at 9049f12 of ${REPOSITORY}: GitHub answered 403 (Resource not accessible by integration)`,
    );
    expect(error).toContain('contents: read');
    expect(error).toContain('policy-from: head');
    expect(run.stdout).not.toContain('reading docker-archive');
    expect(run.outputs.verdict).toBeUndefined();
  });

  test('404 for the file and for the commit (a token that cannot see it): fails closed', async () => {
    const run = await gate(workspace(LOOSE_FAIL_ON));
    expect(run.code).toBe(1);
    expect(commands(run, 'error')).toEqual([expect.stringContaining('GitHub answered 404 for the file and for the commit')]);
  });

  test('the API cannot be reached: fails closed', async () => {
    const run = await gate(workspace(LOOSE_FAIL_ON), {}, pullRequestEvent(), { GITHUB_API_URL: 'http://127.0.0.1:9' });
    expect(run.code).toBe(1);
    expect(commands(run, 'error')).toEqual([expect.stringContaining('the contents API could not be reached')]);
  });

  test('no github-token and no base commit in the clone: fails closed', async () => {
    const run = await gate(workspace(LOOSE_FAIL_ON), { 'github-token': '' });
    expect(run.code).toBe(1);
    expect(commands(run, 'error')).toEqual([expect.stringContaining('there is no github-token to ask the contents API')]);
  });

  test('policy-from: head does not need the base', async () => {
    const run = await gate(workspace(BASE.replace('fail-on: fail', 'fail-on: never')), { 'policy-from': 'head', 'github-token': '' });
    expect(run.code).toBe(0);
  });
});

test("a base commit without the targets file (this pull request adds it): gated with the pull request's, with a note", async () => {
  github.files.commit(BASE_SHA, { 'README.md': '# gpu-service\n' });
  const run = await gate(workspace(LOOSE_FAIL_ON));
  expect(run.code).toBe(0);
  const report = reportOf(run);
  expect(report.policy.source).toMatchObject({ from: 'head', reason: 'new in this pull request', via: 'api' });
  expect(report.notes).toContain(`${FILE} is not in the base commit 9049f12 (this pull request adds it): gated with the pull request's version`);
  expect(plain(run.summary)).toContain('(this pull request adds it)');
});
