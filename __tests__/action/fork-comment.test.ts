/**
 * The workflow_run pattern for fork pull requests, end to end with the bundled action: the gate run of a fork's PR
 * (read-only token) uploads its report artifact through the artifact service; the trusted workflow_run job
 * (mode: comment) finds that run's artifact through the REST API stand-in, checks it as untrusted input, finds the
 * PR whose head is the gated commit and posts the one sticky comment.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PULL_REQUEST_FILE, readReportZip } from '../../src/action/report-zip';
import { ArtifactServiceStandIn } from './artifact-service-stand-in';
import { GitHubStandIn } from './github-stand-in';
import {
  commands,
  EXAMPLE_ARCHIVE,
  fixture,
  PR_NUMBER,
  REPOSITORY,
  TOKEN,
  pullRequestEvent,
  runBundledAction,
  type ActionEvent,
  type ActionRun,
} from './run-action';
import { tempDir } from '../helpers/tmp';
import { makeZip } from './zip-writer';

const FORK = 'ada-dev/gpu-service';
const HEAD = '6dcb09b5b57875f334f61aebed695e2e4193db5e';
const NEXT_HEAD = 'b04d7a3e2f1c9a8b7c6d5e4f3a2b1c0d9e8f7a6b';
const RUN_ID = 11922330001;
const NEXT_RUN_ID = 11922330777;
const ARTIFACT = 'cuda-gate-report';

let github: GitHubStandIn;
let artifacts: ArtifactServiceStandIn;
/** what the fork's gate runs uploaded: CUDA 12.4 failing on driver 470 at HEAD, a caveat on 535 + A100 at NEXT_HEAD */
let failingZip: Buffer;
let caveatZip: Buffer;
let failingReport: string;

/** A fork's pull_request event at head `sha`. */
function forkEvent(sha: string): ActionEvent {
  const event = pullRequestEvent({ fork: true });
  (event.payload as { pull_request: { head: { sha: string } } }).pull_request.head.sha = sha;
  return event;
}

/** The gate step of the fork's run: comment never (its token is read-only), the report uploaded with its PR note. */
async function gate(run: string, sha: string, target: Record<string, string>): Promise<ActionRun> {
  const result = await runBundledAction({
    inputs: { images: EXAMPLE_ARCHIVE, ...target, comment: 'never', 'report-artifact': ARTIFACT, 'github-token': TOKEN },
    event: forkEvent(sha),
    env: { GITHUB_API_URL: github.url, ...artifacts.runnerEnv(run, 'cuda-gate') },
    timeoutMs: 60_000,
  });
  expect(result.stdout).toContain(`cuda-gate: report uploaded as artifact "${ARTIFACT}"`);
  return result;
}

/** The workflow_run event for the gate run `runId` at `sha` (a fork's: pull_requests is empty unless given). */
function workflowRunEvent(opts: { runId?: number; sha?: string; event?: string; pullRequests?: unknown[]; sameRepository?: boolean } = {}): ActionEvent {
  const payload = fixture('workflow_run.completed.json') as { workflow_run: Record<string, unknown> };
  const run = payload.workflow_run;
  if (opts.sameRepository) run.head_repository = run.repository;
  const runId = opts.runId ?? RUN_ID;
  Object.assign(run, {
    id: runId,
    head_sha: opts.sha ?? HEAD,
    event: opts.event ?? 'pull_request',
    html_url: `https://github.com/${REPOSITORY}/actions/runs/${runId}`,
    pull_requests: opts.pullRequests ?? [],
  });
  return { name: 'workflow_run', payload };
}

function commentStep(event: ActionEvent = workflowRunEvent(), inputs: Record<string, string> = {}): Promise<ActionRun> {
  return runBundledAction({
    inputs: { mode: 'comment', 'github-token': TOKEN, ...inputs },
    event,
    env: { GITHUB_API_URL: github.url },
  });
}

const ours = (n = PR_NUMBER) => github.commentsOn(n).filter((c) => c.user.type === 'Bot');
const reads = () => github.requests.filter((r) => r.method === 'GET').map((r) => `${r.path}${r.query.head ? `?head=${r.query.head}` : ''}`);
const errors = (run: ActionRun) => commands(run, 'error');

beforeAll(async () => {
  github = await GitHubStandIn.start(REPOSITORY, []);
  artifacts = await ArtifactServiceStandIn.start();
  const failing = await gate('gate-1', HEAD, { driver: '470.82.01' });
  expect(failing.code).toBe(1);
  failingReport = readFileSync(failing.outputs.report, 'utf8');
  await gate('gate-2', NEXT_HEAD, { driver: '535.104.05', gpu: 'A100' });
  failingZip = artifacts.zipOf('gate-1', ARTIFACT);
  caveatZip = artifacts.zipOf('gate-2', ARTIFACT);
}, 120_000);
afterAll(async () => {
  await github.close();
  await artifacts.close();
});
beforeEach(() => {
  github.reset();
  github.setPullRequest({ number: PR_NUMBER, headSha: HEAD, headRepository: FORK });
  // another open PR of the repository: never touched
  github.setPullRequest({ number: 7, headSha: 'c0ffee0000000000000000000000000000000007', headRepository: REPOSITORY, headRef: 'docs' });
});

describe('mode: comment (workflow_run after a fork PR run)', () => {
  test('the happy path: the report artifact becomes one comment on the PR whose head is the gated commit', async () => {
    github.addArtifact(RUN_ID, { name: 'build-logs', zip: makeZip([{ name: 'build.log', data: 'step 1/9' }]) });
    const artifact = github.addArtifact(RUN_ID, { name: ARTIFACT, zip: failingZip });
    const run = await commentStep();
    expect(errors(run)).toEqual([]);
    expect(run.code).toBe(0);
    expect(ours()).toHaveLength(1);
    expect(ours(7)).toEqual([]);
    const body = ours()[0].body;
    expect(body.split('\n')[0]).toBe('<!-- cuda-gate:comment key="" -->');
    expect(body).toContain('**Fails** (1)');
    // the footer names the gated commit and links the gate run, where its summary is
    expect(body).toContain(HEAD.slice(0, 7));
    expect(body).toContain(`https://github.com/${REPOSITORY}/actions/runs/${RUN_ID}`);
    expect(run.outputs.verdict).toBe('fail');
    // found by the note the gate uploaded beside its report, then checked against GitHub
    expect(reads().slice(0, 4)).toEqual([
      `/repos/${REPOSITORY}/actions/runs/${RUN_ID}/artifacts`,
      `/repos/${REPOSITORY}/actions/artifacts/${artifact.id}/zip`,
      expect.stringMatching(/^\/_blobs\/artifacts\/\d+\.zip$/),
      `/repos/${REPOSITORY}/pulls/${PR_NUMBER}`,
    ]);
    // the signed storage URL gets no token
    const blob = github.requests.find((r) => r.path.startsWith('/_blobs/'))!;
    expect(blob.headers.authorization).toBeUndefined();
    expect(github.writes().map((r) => `${r.method} ${r.path}`)).toEqual([`POST /repos/${REPOSITORY}/issues/${PR_NUMBER}/comments`]);
    expect(run.stdout).toContain(`PR #${PR_NUMBER} comment created`);
  });

  test('the gate run uploads its report with a note of the PR and the head commit', async () => {
    const content = await readReportZip(failingZip, "the gate run's artifact");
    expect(content.reports.map((r) => r.path)).toEqual(['cuda-gate-report.json']);
    expect(JSON.parse(content.pullRequest!)).toEqual({ schemaVersion: 1, repository: REPOSITORY, number: PR_NUMBER, headSha: HEAD });
  });

  test('the run for the next push edits the same comment', async () => {
    github.addArtifact(RUN_ID, { name: ARTIFACT, zip: failingZip });
    expect((await commentStep()).code).toBe(0);
    const [first] = ours();
    github.setPullRequest({ number: PR_NUMBER, headSha: NEXT_HEAD, headRepository: FORK, earlierShas: [HEAD] });
    github.addArtifact(NEXT_RUN_ID, { name: ARTIFACT, zip: caveatZip });
    const run = await commentStep(workflowRunEvent({ runId: NEXT_RUN_ID, sha: NEXT_HEAD }));
    expect(run.code).toBe(0);
    expect(ours()).toHaveLength(1);
    expect(ours()[0].id).toBe(first.id);
    expect(ours()[0].body).toContain('**Caveats** (1)');
    expect(ours()[0].body).not.toContain('**Fails**');
    expect(github.writes().map((r) => r.method)).toEqual(['POST', 'PATCH']);
  });

  test('a PR whose head moved on since the run posts nothing: a notice, and a green step', async () => {
    github.setPullRequest({ number: PR_NUMBER, headSha: NEXT_HEAD, headRepository: FORK, earlierShas: [HEAD] });
    github.addArtifact(RUN_ID, { name: ARTIFACT, zip: failingZip });
    const run = await commentStep();
    expect(run.code).toBe(0);
    expect(github.writes()).toEqual([]);
    const notice = run.stdout.split('\n').find((l) => l.startsWith('::notice'));
    expect(notice).toContain(`pull request #${PR_NUMBER} (its head is now ${NEXT_HEAD.slice(0, 7)}) has moved on since run ${RUN_ID}`);
    expect(notice).toContain(`gated ${HEAD.slice(0, 7)}: no comment from this run`);
  });

  test('no report artifact on the run: an error naming the artifact and the input to set', async () => {
    github.addArtifact(RUN_ID, { name: 'build-logs', zip: makeZip([{ name: 'build.log', data: 'step 1/9' }]) });
    const run = await commentStep();
    expect(run.code).toBe(1);
    expect(errors(run)).toEqual([
      expect.stringContaining(
        `run ${RUN_ID} of workflow "cuda-gate" has no artifact named "${ARTIFACT}" (it ended: failure): the gate job did not upload its report`,
      ),
    ]);
    expect(errors(run)[0]).toContain(`set report-artifact: ${ARTIFACT}`);
    expect(github.writes()).toEqual([]);
  });

  test('an artifact listed as expired is an error saying so, and is not downloaded', async () => {
    github.addArtifact(RUN_ID, { name: ARTIFACT, zip: failingZip, expired: true });
    const run = await commentStep();
    expect(run.code).toBe(1);
    expect(errors(run)).toEqual([
      expect.stringContaining(`artifact "${ARTIFACT}" of run ${RUN_ID} of workflow "cuda-gate" has expired (on 2026-11-24T19:46:58Z)`),
    ]);
    expect(errors(run)[0]).toContain('re-run the gate workflow');
    expect(reads().filter((p) => p.endsWith('/zip'))).toEqual([]);
    expect(github.writes()).toEqual([]);
  });

  test('an artifact that expires between the listing and the download (410) is the same error', async () => {
    github.addArtifact(RUN_ID, { name: ARTIFACT, zip: failingZip, goneOnDownload: true });
    const run = await commentStep();
    expect(run.code).toBe(1);
    expect(errors(run)).toEqual([expect.stringContaining(`artifact "${ARTIFACT}" of run ${RUN_ID} of workflow "cuda-gate" has expired`)]);
    expect(github.requests.find((r) => r.path.endsWith('/zip'))!.status).toBe(410);
    expect(github.writes()).toEqual([]);
  });

  test('a malformed report is an error naming the artifact, the field and the fix; nothing is posted', async () => {
    const forged = JSON.stringify({ ...JSON.parse(failingReport), results: 'all green' });
    github.addArtifact(RUN_ID, { name: ARTIFACT, zip: makeZip([{ name: 'cuda-gate-report.json', data: forged }]) });
    const run = await commentStep();
    expect(run.code).toBe(1);
    expect(errors(run)).toEqual([expect.stringContaining(`malformed report in artifact "${ARTIFACT}" of run ${RUN_ID}`)]);
    expect(errors(run)[0]).toContain('results has the wrong type (expected an array)');
    expect(errors(run)[0]).toContain('the gate job must upload the JSON report cuda-gate wrote');
    expect(github.writes()).toEqual([]);
  });

  test('a report that is not JSON is malformed too', async () => {
    github.addArtifact(RUN_ID, { name: ARTIFACT, zip: makeZip([{ name: 'cuda-gate-report.json', data: '<html>not json' }]) });
    const run = await commentStep();
    expect(run.code).toBe(1);
    expect(errors(run)).toEqual([
      expect.stringContaining(
        `malformed report in artifact "${ARTIFACT}" of run ${RUN_ID} of workflow "cuda-gate": ${ARTIFACT}/cuda-gate-report.json is not JSON`,
      ),
    ]);
    expect(github.writes()).toEqual([]);
  });

  test('a report whose entry climbs out of the artifact (../) is refused: warned, not read, nothing posted', async () => {
    github.addArtifact(RUN_ID, {
      name: ARTIFACT,
      zip: makeZip([
        { name: '../cuda-gate-report.json', data: failingReport },
        { name: '/tmp/cuda-gate-report.json', data: failingReport },
      ]),
    });
    const run = await commentStep();
    expect(run.code).toBe(1);
    expect(commands(run, 'warning')).toContain(
      `cuda-gate: artifact "${ARTIFACT}" of run ${RUN_ID} of workflow "cuda-gate": ignored 2 entries whose name leaves the artifact: ../cuda-gate-report.json, /tmp/cuda-gate-report.json`,
    );
    expect(errors(run)).toEqual([expect.stringContaining(`artifact "${ARTIFACT}" of run ${RUN_ID} of workflow "cuda-gate" holds no JSON report`)]);
    expect(github.writes()).toEqual([]);
  });

  test('a report entry over the size limit is refused before it is inflated', async () => {
    // valid JSON padded past 32 MiB: deflated it is a small artifact
    const padded = `${failingReport}${' '.repeat(33 * 1024 * 1024)}`;
    github.addArtifact(RUN_ID, { name: ARTIFACT, zip: makeZip([{ name: 'cuda-gate-report.json', data: padded }]) });
    const run = await commentStep();
    expect(run.code).toBe(1);
    expect(errors(run)).toEqual([
      expect.stringContaining(`entry cuda-gate-report.json inflates to ${Buffer.byteLength(padded)} bytes, over the limit of 32 MiB: not read`),
    ]);
    expect(github.writes()).toEqual([]);
  });

  test('an artifact listed over the zip limit is refused without downloading it', async () => {
    github.addArtifact(RUN_ID, { name: ARTIFACT, zip: randomBytes(33 * 1024 * 1024) });
    const run = await commentStep();
    expect(run.code).toBe(1);
    expect(errors(run)).toEqual([
      expect.stringContaining(`artifact "${ARTIFACT}" of run ${RUN_ID} of workflow "cuda-gate" is ${33 * 1024 * 1024} bytes, over the limit of 32 MiB`),
    ]);
    expect(reads().filter((p) => p.endsWith('/zip'))).toEqual([]);
  });

  test('without a note (actions/upload-artifact) a fork PR is found by commits/{sha}/pulls', async () => {
    github.addArtifact(RUN_ID, { name: ARTIFACT, zip: makeZip([{ name: 'cuda-gate-report.json', data: failingReport }]) });
    const run = await commentStep();
    expect(run.code).toBe(0);
    expect(reads()).toContain(`/repos/${REPOSITORY}/commits/${HEAD}/pulls`);
    expect(reads()).not.toContain(`/repos/${REPOSITORY}/pulls/${PR_NUMBER}`);
    expect(ours()).toHaveLength(1);
    expect(ours(7)).toEqual([]);
  });

  test('when the commit lookup lists nothing, the open PRs from the fork branch are searched (pulls?head=)', async () => {
    github.setPullRequest({ number: PR_NUMBER, headSha: HEAD, headRepository: FORK, listedByCommit: false });
    github.addArtifact(RUN_ID, { name: ARTIFACT, zip: makeZip([{ name: 'cuda-gate-report.json', data: failingReport }]) });
    const run = await commentStep();
    expect(run.code).toBe(0);
    expect(reads()).toContain(`/repos/${REPOSITORY}/pulls?head=ada-dev:cuda-12.4`);
    expect(ours()).toHaveLength(1);
  });

  test('no open PR has the gated commit: an error that says so', async () => {
    github.setPullRequest({ number: PR_NUMBER, headSha: HEAD, headRepository: FORK, state: 'closed' });
    github.addArtifact(RUN_ID, { name: ARTIFACT, zip: failingZip });
    const run = await commentStep();
    expect(run.code).toBe(1);
    expect(errors(run)).toEqual([expect.stringContaining(`no open pull request of ${REPOSITORY} has head ${HEAD} (ada-dev:cuda-12.4)`)]);
    expect(github.writes()).toEqual([]);
  });

  test('a note naming another PR is checked, not trusted: the comment goes to the PR whose head is the commit', async () => {
    const note = JSON.stringify({ schemaVersion: 1, repository: REPOSITORY, number: 7, headSha: HEAD });
    github.addArtifact(RUN_ID, {
      name: ARTIFACT,
      zip: makeZip([
        { name: 'cuda-gate-report.json', data: failingReport },
        { name: PULL_REQUEST_FILE, data: note },
      ]),
    });
    const run = await commentStep();
    expect(run.code).toBe(0);
    expect(reads()).toContain(`/repos/${REPOSITORY}/pulls/7`);
    expect(ours(7)).toEqual([]);
    expect(ours()).toHaveLength(1);
  });

  test("a same-repository PR comes from the event's pull_requests, read fresh", async () => {
    github.setPullRequest({ number: PR_NUMBER, headSha: HEAD, headRepository: REPOSITORY });
    github.addArtifact(RUN_ID, { name: ARTIFACT, zip: makeZip([{ name: 'cuda-gate-report.json', data: failingReport }]) });
    const listed = {
      url: `https://api.github.com/repos/${REPOSITORY}/pulls/${PR_NUMBER}`,
      id: 1900000042,
      number: PR_NUMBER,
      head: { ref: 'cuda-12.4', sha: HEAD, repo: { id: 712345678, url: `https://api.github.com/repos/${REPOSITORY}`, name: 'gpu-service' } },
      base: {
        ref: 'main',
        sha: 'e5bd3914e2e596debea16f433f57875b5b90bcd6',
        repo: { id: 712345678, url: `https://api.github.com/repos/${REPOSITORY}`, name: 'gpu-service' },
      },
    };
    const run = await commentStep(workflowRunEvent({ pullRequests: [listed], sameRepository: true }));
    expect(run.code).toBe(0);
    expect(reads()).toContain(`/repos/${REPOSITORY}/pulls/${PR_NUMBER}`);
    expect(reads().some((p) => p.includes('/commits/'))).toBe(false);
    expect(ours()).toHaveLength(1);
  });

  test('GitHub answering the download with the zip itself (200) works as well', async () => {
    github.directDownloads = true;
    github.addArtifact(RUN_ID, { name: ARTIFACT, zip: failingZip });
    const run = await commentStep();
    expect(run.code).toBe(0);
    expect(reads().some((p) => p.startsWith('/_blobs/'))).toBe(false);
    expect(ours()).toHaveLength(1);
  });

  test('a token that may not comment fails the step naming pull-requests: write (commenting is all this mode does)', async () => {
    github.readOnlyTokens.add(TOKEN);
    github.addArtifact(RUN_ID, { name: ARTIFACT, zip: failingZip });
    const run = await commentStep();
    expect(run.code).toBe(1);
    expect(errors(run)).toEqual([`cuda-gate: mode: comment could not comment on PR #${PR_NUMBER}: give this workflow \`permissions: pull-requests: write\``]);
    expect(github.commentsOn(PR_NUMBER)).toEqual([]);
  });

  test("a token that may not read the run's artifacts fails the step naming actions: read", async () => {
    github.script({
      path: /\/actions\/runs\/\d+\/artifacts$/,
      status: 403,
      body: {
        message: 'Resource not accessible by integration',
        documentation_url: 'https://docs.github.com/rest/actions/artifacts#list-workflow-run-artifacts',
        status: '403',
      },
    });
    const run = await commentStep();
    expect(run.code).toBe(1);
    expect(errors(run)).toEqual([expect.stringContaining(`cannot list the artifacts of run ${RUN_ID}: 403 Resource not accessible by integration`)]);
    expect(errors(run)[0]).toContain('`permissions: actions: read`');
  });

  test('a gate run that no pull request started (push) is not commented on, and calls no API', async () => {
    const run = await commentStep(workflowRunEvent({ event: 'push' }));
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('was started by push, not by a pull request: nothing to comment on');
    expect(github.requests).toEqual([]);
  });

  test('mode: comment on any other event is bad input naming workflow_run', async () => {
    const run = await commentStep(pullRequestEvent({ fork: true }));
    expect(run.code).toBe(1);
    expect(errors(run)).toEqual([expect.stringContaining('mode: comment runs on workflow_run events, and this run was started by "pull_request"')]);
    expect(github.requests).toEqual([]);
  });
});

test('an aggregate over reports downloaded with actions/download-artifact skips the pull-request note beside them', async () => {
  const dir = join(tempDir(), 'reports', ARTIFACT);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'cuda-gate-report.json'), failingReport);
  writeFileSync(join(dir, PULL_REQUEST_FILE), JSON.stringify({ schemaVersion: 1, repository: REPOSITORY, number: PR_NUMBER, headSha: HEAD }));
  const run = await runBundledAction({ inputs: { mode: 'aggregate', reports: `${dir}/**/*.json`, comment: 'never' } });
  expect(errors(run)).toEqual([expect.stringContaining('cuda-gate: 1 failing')]);
  expect(JSON.parse(readFileSync(run.outputs.report, 'utf8')).mergedFrom).toHaveLength(1);
});
