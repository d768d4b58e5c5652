/**
 * What GitHub can throw at the comment, end to end: read-only tokens, rate limits, gateway errors, size limits.
 * The comment is best effort: the verdict alone decides the exit status, and the job summary is always written.
 */
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/tmp';
import { failures, GitHubStandIn } from './github-stand-in';
import { commands, EXAMPLE_ARCHIVE, PR_NUMBER, REPOSITORY, ROOT, TOKEN, pullRequestEvent, runBundledAction, type ActionRun } from './run-action';

let github: GitHubStandIn;

beforeAll(async () => {
  github = await GitHubStandIn.start(REPOSITORY, [PR_NUMBER]);
});
afterAll(() => github.close());
beforeEach(() => github.reset());

const FAILING = { driver: '470.82.01' };
const CAVEAT = { driver: '535.104.05', gpu: 'A100' };
const PERMISSION_WARNING = `cuda-gate: cannot comment on PR #${PR_NUMBER}: the token lacks \`pull-requests: write\` (fork PRs get a read-only token) — results are in the job summary`;

function check(inputs: Record<string, string>, event = pullRequestEvent()): Promise<ActionRun> {
  return runBundledAction({ inputs: { images: EXAMPLE_ARCHIVE, 'github-token': TOKEN, ...inputs }, event, env: { GITHUB_API_URL: github.url } });
}

const calls = () => github.requests.map((r) => `${r.method} ${r.status}`);
const ours = () => github.commentsOn(PR_NUMBER).filter((c) => c.user.type === 'Bot');

describe('a fork PR with a read-only token', () => {
  test('a failing gate still fails, with the summary written and a warning naming pull-requests: write', async () => {
    github.readOnlyTokens.add(TOKEN);
    const run = await check(FAILING, pullRequestEvent({ fork: true }));
    expect(run.code).toBe(1);
    expect(commands(run, 'warning')).toContain(PERMISSION_WARNING);
    expect(calls()).toEqual(['GET 200', 'POST 403']);
    expect(run.summary).toMatch(/^### ❌ .* will not run on /m);
    expect(run.outputs.verdict).toBe('fail');
    expect(commands(run, 'error').some((e) => e.startsWith('cuda-gate: 1 failing'))).toBe(true);
  });

  test('a passing gate (caveats only) still passes: the 403 is a warning, never a failure', async () => {
    github.readOnlyTokens.add(TOKEN);
    const run = await check(CAVEAT, pullRequestEvent({ fork: true }));
    expect(run.code).toBe(0);
    expect(commands(run, 'warning')).toContain(PERMISSION_WARNING);
    expect(commands(run, 'error')).toEqual([]);
    expect(run.summary).toContain('**Caveats** (1)');
    expect(run.outputs.verdict).toBe('caveat');
  });

  test('a 404 (the token cannot see the PR) is handled the same way', async () => {
    const run = await check(FAILING, pullRequestEvent({ number: 4242 }));
    expect(run.code).toBe(1);
    expect(commands(run, 'warning')).toContain(PERMISSION_WARNING.replace(`#${PR_NUMBER}`, '#4242'));
  });
});

describe('transient GitHub failures', () => {
  test('a secondary rate limit is waited out (retry-after: 1) and the comment created on the one retry', async () => {
    github.script(failures.secondaryRateLimit('POST'));
    const started = Date.now();
    const run = await check(FAILING);
    expect(run.code).toBe(1);
    expect(calls()).toEqual(['GET 200', 'POST 403', 'POST 201']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(ours()).toHaveLength(1);
    expect(commands(run, 'warning')).toEqual([]);
  });

  test('a 502 on the comment listing is retried, then the comment created', async () => {
    github.script(failures.badGateway('GET'));
    const run = await check(FAILING);
    expect(calls()).toEqual(['GET 502', 'GET 200', 'POST 201']);
    expect(ours()).toHaveLength(1);
    expect(run.code).toBe(1);
  });

  test('a connection reset on the listing is retried like a 5xx', async () => {
    github.script(failures.connectionReset('GET'));
    const run = await check(FAILING);
    expect(calls()).toEqual(['GET 0', 'GET 200', 'POST 201']);
    expect(ours()).toHaveLength(1);
    expect(commands(run, 'warning')).toEqual([]);
  });

  test('a 502 on create: the action looks before posting again, and posts once the comment is not there', async () => {
    github.script(failures.badGateway('POST'));
    await check(FAILING);
    expect(calls()).toEqual(['GET 200', 'POST 502', 'GET 200', 'POST 201']);
    expect(ours()).toHaveLength(1);
  });

  test('a 502 after the comment landed does not make a duplicate', async () => {
    github.script({ ...failures.badGateway('POST'), afterApplying: true });
    const run = await check(FAILING);
    expect(calls()).toEqual(['GET 200', 'POST 502', 'GET 200']);
    expect(ours()).toHaveLength(1);
    expect(run.stdout).toContain('PR comment created');
  });

  test('GitHub down for good: bounded retries, then a warning; the verdict stands', async () => {
    github.script(failures.badGateway(undefined, 100));
    const run = await check(CAVEAT);
    expect(run.code).toBe(0);
    expect(calls()).toEqual(['GET 502', 'GET 502', 'GET 502']);
    expect(commands(run, 'warning').some((w) => w.startsWith('cuda-gate: could not update the PR comment'))).toBe(true);
    expect(run.outputs.verdict).toBe('caveat');
  });

  test('an exhausted primary rate limit is not mistaken for a missing permission', async () => {
    github.script({
      method: 'GET',
      status: 403,
      headers: { 'x-ratelimit-remaining': '0' },
      body: {
        message: 'API rate limit exceeded for installation ID 31415926.',
        documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
        status: '403',
      },
    });
    const run = await check(FAILING);
    expect(run.code).toBe(1);
    const warnings = commands(run, 'warning');
    expect(warnings.some((w) => w.includes('API rate limit exceeded'))).toBe(true);
    expect(warnings.some((w) => w.includes('pull-requests: write'))).toBe(false);
  });

  test('a 422 "body is too long" is a warning, not an error', async () => {
    github.script({
      method: 'POST',
      status: 422,
      body: {
        message: 'Validation Failed',
        errors: [{ resource: 'IssueComment', code: 'custom', field: 'body', message: 'body is too long (maximum is 65536 characters)' }],
        documentation_url: 'https://docs.github.com/rest/issues/comments#create-an-issue-comment',
        status: '422',
      },
    });
    const run = await check(CAVEAT);
    expect(run.code).toBe(0);
    expect(commands(run, 'warning').some((w) => w.startsWith('cuda-gate: GitHub refused the PR comment as too long'))).toBe(true);
  });
});

describe('comment size', () => {
  test('a 100-image report fits in one comment under 65,536 characters and keeps the verdict table', async () => {
    const dir = tempDir('cuda-gate-many-');
    const images = Array.from({ length: 100 }, (_, i) => {
      const path = join(dir, `service-${String(i).padStart(3, '0')}-inference-worker-cuda12.4-ubuntu22.04.tar`);
      symlinkSync(join(ROOT, 'examples/images/cuda12.4-app.tar'), path);
      return `docker-archive:${path}`;
    });
    const run = await check({ ...FAILING, images: images.join('\n') });
    expect(run.code).toBe(1);
    const posts = github.writes();
    expect(posts).toHaveLength(1);
    const body = (JSON.parse(posts[0].body) as { body: string }).body;
    expect(body.length).toBeLessThanOrEqual(65_536);
    expect(Buffer.byteLength(body, 'utf8')).toBeLessThanOrEqual(65_536);
    expect(body).toContain('| Image |');
    expect(body).toContain('### ❌ 100 of 100 images will not run on');
    // every image keeps its row (in the details); the per-image details are what gets cut, with a link to the run
    expect(body.match(/^\| <code>service-/gm)).toHaveLength(100);
    expect(body).toContain('https://github.com/octo-org/gpu-service/actions/runs/11922334455');
    expect(run.summary).toContain('| Image |');
  });
});
