/** The sticky PR comment, end to end: the bundled action against a local stand-in for the GitHub API. */
import { ACTIONS_BOT, GitHubStandIn, HUMAN } from './github-stand-in';
import { EXAMPLE_ARCHIVE, PR_NUMBER, REPOSITORY, TOKEN, pullRequestEvent, runBundledAction, type ActionRun } from './run-action';

let github: GitHubStandIn;

beforeAll(async () => {
  github = await GitHubStandIn.start(REPOSITORY, [PR_NUMBER, 7]);
});
afterAll(() => github.close());
beforeEach(() => github.reset());

/** CUDA 12.4.1 on these drivers: 470 fails, 535 on an A100 is a caveat (minor-version compatibility), 550 passes. */
const FAILING = { driver: '470.82.01' };
const CAVEAT = { driver: '535.104.05', gpu: 'A100' };
const PASSING = { driver: '550.54.15' };

function check(target: Record<string, string>, inputs: Record<string, string> = {}, event = pullRequestEvent()): Promise<ActionRun> {
  return runBundledAction({
    inputs: { images: EXAMPLE_ARCHIVE, 'github-token': TOKEN, ...target, ...inputs },
    event,
    env: { GITHUB_API_URL: github.url },
  });
}

const ours = () => github.commentsOn(PR_NUMBER).filter((c) => c.user.type === 'Bot');

describe('sticky PR comment', () => {
  test('the first failing run creates one comment with the marker and the verdict table', async () => {
    const run = await check(FAILING);
    expect(run.code).toBe(1);
    expect(ours()).toHaveLength(1);
    const [comment] = ours();
    expect(comment.user).toMatchObject({ login: ACTIONS_BOT.login, type: 'Bot' });
    expect(comment.body.split('\n')[0]).toBe('<!-- cuda-gate:comment key="" -->');
    expect(comment.body).toContain('| Image |');
    expect(comment.body).toContain('**Fails** (1)');
    const post = github.writes();
    expect(post.map((r) => `${r.method} ${r.path}`)).toEqual([`POST /repos/${REPOSITORY}/issues/${PR_NUMBER}/comments`]);
    expect(post[0].status).toBe(201);
    expect(post[0].headers.authorization).toBe(`token ${TOKEN}`);
    expect(run.stdout).toContain(`PR comment created: ${comment.html_url}`);
  });

  test('a second run with a different result edits the same comment: one comment in the end', async () => {
    await check(FAILING);
    const [first] = ours();
    const run = await check(CAVEAT);
    expect(run.code).toBe(0); // a caveat does not fail the default gate
    expect(ours()).toHaveLength(1);
    expect(ours()[0].id).toBe(first.id);
    expect(ours()[0].body).toContain('**Caveats** (1)');
    expect(ours()[0].body).not.toContain('**Fails**');
    expect(github.writes().map((r) => r.method)).toEqual(['POST', 'PATCH']);
    expect(github.writes()[1].path).toBe(`/repos/${REPOSITORY}/issues/comments/${first.id}`);
  });

  test('an identical rerun leaves the comment alone: no PATCH, no notification', async () => {
    await check(FAILING);
    const run = await check(FAILING);
    expect(run.code).toBe(1);
    expect(github.writes().map((r) => r.method)).toEqual(['POST']);
    expect(run.stdout).toContain('PR comment unchanged');
  });

  test('once everything passes, the comment is marked resolved rather than left stale', async () => {
    await check(FAILING);
    const run = await check(PASSING);
    expect(run.code).toBe(0);
    expect(ours()).toHaveLength(1);
    const body = ours()[0].body;
    expect(body.split('\n')[1]).toBe('✅ **Resolved** — every image now runs on every target.');
    expect(body).toContain('| Image |');
    expect(run.stdout).toContain('PR comment resolved');
    // and rerunning the passing build does not touch it again
    await check(PASSING);
    expect(github.writes().map((r) => r.method)).toEqual(['POST', 'PATCH']);
  });

  test('an all-pass run with no earlier comment posts nothing (comment: auto)', async () => {
    const run = await check(PASSING);
    expect(run.code).toBe(0);
    expect(github.writes()).toEqual([]);
    expect(github.requests.map((r) => r.method)).toEqual(['GET']);
    expect(run.stdout).toContain('PR comment skipped (every image passes)');
  });

  test('two comment-keys keep two comments, each updated on its own', async () => {
    await check(FAILING, { 'comment-key': 'x86 fleet' });
    await check(CAVEAT, { 'comment-key': 'arm64 fleet' });
    expect(ours()).toHaveLength(2);
    const [x86, arm] = ours();
    expect(x86.body).toContain('<!-- cuda-gate:comment key="x86 fleet" -->');
    expect(arm.body).toContain('<!-- cuda-gate:comment key="arm64 fleet" -->');
    await check(PASSING, { 'comment-key': 'x86 fleet' });
    expect(ours()).toHaveLength(2);
    expect(ours()[0].body).toContain('✅ **Resolved**');
    expect(ours()[1].body).toBe(arm.body);
  });

  test("a human's comment quoting our marker is never edited; the bot gets its own", async () => {
    const quoted = github.seedComment(PR_NUMBER, '> <!-- cuda-gate:comment key="" -->\n> why does this fail?', HUMAN);
    await check(FAILING);
    const all = github.commentsOn(PR_NUMBER);
    expect(all).toHaveLength(2);
    expect(all[0]).toEqual(quoted);
    expect(github.writes().map((r) => r.method)).toEqual(['POST']);
  });

  test('the earlier comment is found on a later page of a busy PR (Link rel="next")', async () => {
    for (let i = 0; i < 130; i++) github.seedComment(PR_NUMBER, `review note ${i}`);
    await check(FAILING);
    for (let i = 0; i < 30; i++) github.seedComment(PR_NUMBER, `more discussion ${i}`);
    github.requests.length = 0;
    const run = await check(CAVEAT);
    expect(run.code).toBe(0);
    const reads = github.requests.filter((r) => r.method === 'GET');
    expect(reads.map((r) => r.query.page ?? '1')).toEqual(['1', '2']);
    expect(reads[0].query.per_page).toBe('100');
    expect(reads[1].path).toMatch(/^\/repositories\/\d+\/issues\/42\/comments$/);
    expect(github.writes().map((r) => r.method)).toEqual(['PATCH']);
    expect(ours()).toHaveLength(1);
  });

  test('comment: never makes no API call at all', async () => {
    const run = await check(FAILING, { comment: 'never' });
    expect(run.code).toBe(1);
    expect(github.requests).toEqual([]);
  });

  test('comment: always posts a passing result too', async () => {
    await check(PASSING, { comment: 'always' });
    expect(ours()).toHaveLength(1);
    expect(ours()[0].body).toMatch(/^### ✅ .* runs on every target$/m);
    expect(ours()[0].body).not.toContain('Resolved');
  });

  test('comment: on-failure stays quiet on a caveat, comments on a failure, and resolves after', async () => {
    await check(CAVEAT, { comment: 'on-failure' });
    expect(github.writes()).toEqual([]);
    await check(FAILING, { comment: 'on-failure' });
    expect(ours()).toHaveLength(1);
    await check(CAVEAT, { comment: 'on-failure' });
    expect(ours()).toHaveLength(1);
    expect(ours()[0].body.split('\n')[1]).toBe('✅ **Resolved** — nothing fails any more; the caveats below remain.');
    expect(ours()[0].body).toContain('**Caveats** (1)');
  });

  test('comment: on-failure comments when fail-on: caveat fails the gate on a caveat', async () => {
    const run = await check(CAVEAT, { comment: 'on-failure', 'fail-on': 'caveat' });
    expect(run.code).toBe(1);
    expect(ours()).toHaveLength(1);
  });

  test('pull_request_target comments on the base repository too', async () => {
    const run = await check(FAILING, {}, pullRequestEvent({ name: 'pull_request_target', number: 7, fork: true }));
    expect(run.code).toBe(1);
    expect(github.commentsOn(7)).toHaveLength(1);
  });
});
