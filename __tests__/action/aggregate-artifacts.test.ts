/**
 * The artifact route between legs and the aggregate, through @actions/artifact against a local artifact service:
 * legs upload their reports (report-artifact), the aggregate downloads them (reports: artifact:PATTERN).
 */
import { readFileSync } from 'node:fs';
import { ArtifactServiceStandIn } from './artifact-service-stand-in';
import { GitHubStandIn } from './github-stand-in';
import { commands, EXAMPLE_ARCHIVE, PR_NUMBER, REPOSITORY, TOKEN, runBundledAction, type ActionRun } from './run-action';

let github: GitHubStandIn;
let artifacts: ArtifactServiceStandIn;

beforeAll(async () => {
  github = await GitHubStandIn.start(REPOSITORY, [PR_NUMBER]);
  artifacts = await ArtifactServiceStandIn.start();
});
afterAll(async () => {
  await github.close();
  await artifacts.close();
});

function step(run: string, job: string, inputs: Record<string, string>): Promise<ActionRun> {
  return runBundledAction({
    inputs: { 'github-token': TOKEN, ...inputs },
    env: { GITHUB_API_URL: github.url, ...artifacts.runnerEnv(run, job) },
    timeoutMs: 60_000,
  });
}

test('legs upload their reports as artifacts and the aggregate downloads them by pattern: one comment, one verdict', async () => {
  const legs = await Promise.all([
    step('run-1', 'leg-l4', {
      images: EXAMPLE_ARCHIVE,
      driver: '550.54.15',
      gpu: 'L4',
      comment: 'never',
      'fail-on': 'never',
      'report-artifact': 'cuda-gate-report-l4',
    }),
    step('run-1', 'leg-t4', {
      images: EXAMPLE_ARCHIVE,
      driver: '470.82.01',
      gpu: 'T4',
      comment: 'never',
      'fail-on': 'never',
      'report-artifact': 'cuda-gate-report-t4',
    }),
    // another run's artifact is not this run's report
    step('run-0', 'leg-old', { images: EXAMPLE_ARCHIVE, driver: '535.104.05', comment: 'never', 'report-artifact': 'cuda-gate-report-old' }),
  ]);
  for (const leg of legs) {
    expect(leg.code).toBe(0);
    expect(leg.stdout).toMatch(/cuda-gate: report uploaded as artifact "cuda-gate-report-\w+" \(id \d+/);
  }
  expect(artifacts.names('run-1').sort()).toEqual(['cuda-gate-report-l4', 'cuda-gate-report-t4']);
  expect(github.requests).toEqual([]);

  const run = await step('run-1', 'aggregate', { mode: 'aggregate', reports: 'artifact:cuda-gate-report-*', 'fail-on': 'fail' });
  expect(run.code).toBe(1);
  expect(run.stdout).toContain('cuda-gate: downloaded artifact "cuda-gate-report-l4"');
  const merged = JSON.parse(readFileSync(run.outputs.report, 'utf8'));
  expect(merged.mergedFrom.map((m: { name: string }) => m.name)).toEqual([
    'cuda-gate-report-l4/cuda-gate-report.json',
    'cuda-gate-report-t4/cuda-gate-report.json',
  ]);
  expect(merged.targets.map((t: { name: string }) => t.name)).toEqual(['driver 550.54.15 L4', 'driver 470.82.01 T4']);
  expect(merged.summary).toMatchObject({ pass: 1, fail: 1, verdict: 'fail', gatePassed: false });
  expect(github.commentsOn(PR_NUMBER)).toHaveLength(1);
  expect(commands(run, 'error')).toEqual([expect.stringContaining('Worst: docker-archive:examples/images/cuda12.4-app.tar on driver 470.82.01 T4: fail')]);
}, 120_000);

test('a failed upload fails the leg naming the artifact: the aggregate would otherwise miss its images', async () => {
  const first = await step('run-2', 'leg-a', { images: EXAMPLE_ARCHIVE, driver: '550.54.15', comment: 'never', 'report-artifact': 'cuda-gate-report-same' });
  expect(first.code).toBe(0);
  // the service refuses a second artifact of the same name in one run (409)
  const second = await step('run-2', 'leg-b', { images: EXAMPLE_ARCHIVE, driver: '550.54.15', comment: 'never', 'report-artifact': 'cuda-gate-report-same' });
  expect(second.code).toBe(1);
  expect(commands(second, 'error')).toEqual([expect.stringContaining('could not upload the report as artifact "cuda-gate-report-same"')]);
  // the gate itself passed and said so
  expect(second.outputs.verdict).toBe('pass');
}, 120_000);

test('a pattern no artifact of the run matches warns, and with nothing else to read the aggregate fails', async () => {
  const run = await step('run-3', 'aggregate', { mode: 'aggregate', reports: 'artifact:cuda-gate-report-*' });
  expect(run.code).toBe(1);
  expect(commands(run, 'warning')).toContain('cuda-gate: reports: no artifact of this run matches "cuda-gate-report-*"');
  expect(commands(run, 'error')).toEqual([expect.stringContaining('no report to merge')]);
}, 60_000);
