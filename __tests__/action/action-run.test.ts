/** The bundled action as a workflow step: outputs, job summary, exit status, events, inputs, secrets. */
import { existsSync, readFileSync } from 'node:fs';
import { run as exec, uniqueTag, removeImages } from '../helpers/docker-cli';
import { describeWithEngines } from '../helpers/engines';
import { GitHubStandIn } from './github-stand-in';
import { commands, EXAMPLE_ARCHIVE, PR_NUMBER, REPOSITORY, ROOT, TOKEN, pushEvent, runBundledAction, type ActionRun } from './run-action';

let github: GitHubStandIn;

beforeAll(async () => {
  github = await GitHubStandIn.start(REPOSITORY, [PR_NUMBER]);
});
afterAll(() => github.close());
beforeEach(() => github.reset());

function check(inputs: Record<string, string>, opts: { event?: ReturnType<typeof pushEvent> } = {}): Promise<ActionRun> {
  return runBundledAction({ inputs: { 'github-token': TOKEN, ...inputs }, event: opts.event, env: { GITHUB_API_URL: github.url } });
}

/** examples/cuda-targets.yml: prod-a100 caveat, inference-l4 pass, edge-t4 fail, dev-rtx4090 pass */
const FLEET = { images: EXAMPLE_ARCHIVE, targets: 'examples/cuda-targets.yml' };

describe('outputs and job summary', () => {
  test('outputs carry the verdict, the counts, the driver floor, the report and the summary markdown', async () => {
    const run = await check(FLEET);
    expect(run.code).toBe(1);
    expect(run.outputs).toMatchObject({ verdict: 'fail', 'failed-count': '1', 'caveat-count': '1', 'min-driver': '550.54.15' });
    expect(existsSync(run.outputs.report)).toBe(true);
    const report = JSON.parse(readFileSync(run.outputs.report, 'utf8'));
    expect(report).toMatchObject({ schemaVersion: 1, summary: { pass: 2, caveat: 1, fail: 1, verdict: 'fail', gatePassed: false } });
    expect(report.targets.map((t: { name: string }) => t.name)).toEqual(['prod-a100', 'inference-l4', 'edge-t4', 'dev-rtx4090']);
    expect(run.outputs['summary-markdown'].trim()).toBe(run.summary.trim());
  });

  test('the job summary has the headline, the failure and the caveat with their fixes, a column per target and the reasons', async () => {
    const run = await check(FLEET);
    expect(run.summary).toMatch(/^### ❌ <code>cuda12\.4-app\.tar<\/code> will not run on <code>edge-t4<\/code>$/m);
    expect(run.summary).toMatch(/^- ❌ \*\*edge-t4\*\* — at CUDA initialisation: .*<br>\*\*Fix:\*\* upgrade the host driver/m);
    expect(run.summary).toMatch(/^- ⚠️ \*\*prod-a100\*\* — at CUDA initialisation: /m);
    expect(run.summary).toMatch(/\| Image \| prod-a100<br><sub>535\.104\.05 · A100<\/sub> \| inference-l4/);
    // every reason, with its code, in the details
    expect(run.summary).toContain('<code>DRIVER&#95;TOO&#95;OLD</code>');
    expect(run.summary).toContain('<code>MINOR&#95;VERSION&#95;COMPAT</code>');
  });
});

describe('the gate', () => {
  test('fail-on: caveat fails on a caveat that the default gate lets through', async () => {
    const target = { images: EXAMPLE_ARCHIVE, driver: '535.104.05', gpu: 'A100', comment: 'never' };
    expect((await check(target)).code).toBe(0);
    const strict = await check({ ...target, 'fail-on': 'caveat' });
    expect(strict.code).toBe(1);
    expect(commands(strict, 'error').some((e) => e.includes('fail-on: caveat'))).toBe(true);
  });

  test('fail-on: never reports a failure but passes the step', async () => {
    const run = await check({ ...FLEET, 'fail-on': 'never' });
    expect(run.code).toBe(0);
    expect(run.outputs.verdict).toBe('fail');
    expect(run.summary).toContain('will not run on <code>edge-t4</code> (the gate passes: fail-on is never)');
  });
});

describe('events and inputs', () => {
  test('a push event writes the summary, posts no comment and does not fail on that account', async () => {
    const run = await check({ images: EXAMPLE_ARCHIVE, driver: '550.54.15' }, { event: pushEvent() });
    expect(run.code).toBe(0);
    expect(github.requests).toEqual([]);
    expect(run.stdout).toContain('not a pull_request event: no PR comment');
    expect(commands(run, 'warning')).toEqual([]);
    expect(run.summary).toMatch(/^### ✅ .* runs on every target$/m);
  });

  test('a failing push is still a failing gate, without any API call', async () => {
    const run = await check({ images: EXAMPLE_ARCHIVE, driver: '470.82.01' }, { event: pushEvent() });
    expect(run.code).toBe(1);
    expect(github.requests).toEqual([]);
  });

  test('driver: latest is refused with an ::error:: naming the input, before any image is read', async () => {
    const run = await check({ images: EXAMPLE_ARCHIVE, driver: 'latest' });
    expect(run.code).toBe(1);
    const [error] = commands(run, 'error');
    expect(error).toMatch(/driver/);
    expect(error).toContain('"latest"');
    expect(run.stdout).not.toContain('reading docker-archive');
    expect(github.requests).toEqual([]);
  });

  test('an unknown fail-on value names the input and the allowed values', async () => {
    const run = await check({ images: EXAMPLE_ARCHIVE, driver: '550.54.15', 'fail-on': 'sometimes' });
    expect(run.code).toBe(1);
    expect(commands(run, 'error')).toEqual([expect.stringContaining('input "fail-on": "sometimes" is not one of fail, caveat, never')]);
  });

  test('no github-token: the gate runs, the comment is skipped with a warning', async () => {
    const run = await check({ images: EXAMPLE_ARCHIVE, driver: '470.82.01', 'github-token': '' });
    expect(run.code).toBe(1);
    expect(github.requests).toEqual([]);
    expect(commands(run, 'warning')).toContain('cuda-gate: no github-token: no PR comment (the job summary has the results)');
  });
});

describe('secrets', () => {
  test('the token is masked before anything is printed and never appears in the log otherwise', async () => {
    // a failing run that also comments: the most output, and an authenticated request
    const run = await check({ images: EXAMPLE_ARCHIVE, driver: '470.82.01' });
    expect(github.requests[0].headers.authorization).toBe(`token ${TOKEN}`);
    const lines = run.stdout.split('\n');
    // ::add-mask:: is the runner's instruction to hide it; it must come first, and be the only place it occurs
    expect(lines[0]).toBe(`::add-mask::${TOKEN}`);
    expect(lines.slice(1).join('\n')).not.toContain(TOKEN);
    expect(run.stderr).not.toContain(TOKEN);
    expect(run.outputs['summary-markdown']).not.toContain(TOKEN);
    expect(run.summary).not.toContain(TOKEN);
  });
});

describeWithEngines('an image in the local Docker daemon', ['docker'], () => {
  const tag = uniqueTag('action-daemon');

  beforeAll(async () => {
    await exec('docker', ['load', '-q', '-i', `${ROOT}/examples/images/cuda12.4-app.tar`]);
    await exec('docker', ['tag', 'example/cuda-app:12.4', tag]);
  });
  afterAll(() => removeImages(tag));

  test('docker-daemon:NAME:TAG is read from dockerd and gated like the archive', async () => {
    const run = await check({ images: `docker-daemon:${tag}`, targets: 'examples/cuda-targets.yml' });
    expect(run.code).toBe(1);
    expect(run.outputs).toMatchObject({ verdict: 'fail', 'failed-count': '1', 'caveat-count': '1', 'min-driver': '550.54.15' });
    const report = JSON.parse(readFileSync(run.outputs.report, 'utf8'));
    expect(report.images[0]).toMatchObject({ source: `docker-daemon:${tag}`, cuda: { runtime: '12.4.127' } });
    expect(github.commentsOn(PR_NUMBER)).toHaveLength(1);
  });
});
