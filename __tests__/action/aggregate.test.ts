/**
 * Many images across matrix jobs, one verdict: leg runs of the bundled action (comment: never) write their reports,
 * and one run in mode: aggregate merges them into one job summary, one sticky comment, one pass or fail.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeOciImage } from '../helpers/oci-layout';
import { tempDir } from '../helpers/tmp';
import { GitHubStandIn } from './github-stand-in';
import { commands, EXAMPLE_ARCHIVE, PR_NUMBER, REPOSITORY, ROOT, TOKEN, runBundledAction, type ActionRun } from './run-action';

let github: GitHubStandIn;
let dir: string;
/** reports of legs that all pass, and of one that fails */
let passingDir: string;
let failingDir: string;
let copySource: string;
let ociSource: string;
let requestsByLegs: number;

function leg(name: string, into: string, inputs: Record<string, string>): Promise<ActionRun> {
  const reportPath = join(into, name, 'cuda-gate-report.json');
  mkdirSync(join(into, name), { recursive: true });
  return runBundledAction({
    inputs: { 'github-token': TOKEN, comment: 'never', 'report-path': reportPath, ...inputs },
    env: { GITHUB_API_URL: github.url },
  });
}

function aggregate(inputs: Record<string, string>): Promise<ActionRun> {
  return runBundledAction({ inputs: { 'github-token': TOKEN, mode: 'aggregate', ...inputs }, env: { GITHUB_API_URL: github.url } });
}

/** A CUDA 12.2 image written as an OCI layout: a third, different image for the matrix. */
async function writeCuda122Image(at: string): Promise<void> {
  await writeOciImage(at, {
    env: { CUDA_VERSION: '12.2.2', NVIDIA_REQUIRE_CUDA: 'cuda>=12.2' },
    layers: [
      {
        'usr/': { dir: true },
        'usr/local/': { dir: true },
        'usr/local/cuda-12.2/': { dir: true },
        'usr/local/cuda-12.2/version.json': '{"cuda":{"name":"CUDA SDK","version":"12.2.2"}}',
        'usr/local/cuda-12.2/lib64/': { dir: true },
        'usr/local/cuda-12.2/lib64/libcudart.so.12.2.140': 'cudart 12.2.140',
      },
    ],
  });
}

beforeAll(async () => {
  github = await GitHubStandIn.start(REPOSITORY, [PR_NUMBER]);
  dir = tempDir('cuda-gate-aggregate-');
  passingDir = join(dir, 'reports-passing');
  failingDir = join(dir, 'reports-failing');
  // the same image under another path: the same digest, so one row
  copyFileSync(join(ROOT, 'examples/images/cuda12.4-app.tar'), join(dir, 'copy.tar'));
  copySource = `docker-archive:${join(dir, 'copy.tar')}`;
  await writeCuda122Image(join(dir, 'cuda122-oci'));
  ociSource = `oci:${join(dir, 'cuda122-oci')}`;

  const legs = await Promise.all([
    leg('inference-l4', passingDir, { images: EXAMPLE_ARCHIVE, driver: '550.54.15', gpu: 'L4' }),
    leg('dev-4090', passingDir, { images: copySource, driver: '560.35.03', gpu: 'RTX 4090' }),
    leg('cuda122-a100', passingDir, { images: ociSource, driver: '535.104.05', gpu: 'A100' }),
    leg('edge-t4', failingDir, { images: EXAMPLE_ARCHIVE, driver: '470.82.01', gpu: 'T4' }),
  ]);
  expect(legs.map((l) => l.code)).toEqual([0, 0, 0, 1]);
  for (const l of legs) expect(commands(l, 'error').filter((e) => !e.includes('edge-t4') && !e.includes('T4'))).toEqual([]);
  requestsByLegs = github.requests.length;
}, 120_000);
afterAll(() => github.close());
beforeEach(() => github.reset());

describe('legs', () => {
  test('legs with comment: never write their reports and make no API call', () => {
    expect(requestsByLegs).toBe(0);
    const report = JSON.parse(readFileSync(join(passingDir, 'cuda122-a100', 'cuda-gate-report.json'), 'utf8'));
    expect(report).toMatchObject({ schemaVersion: 1, images: [{ source: ociSource }], summary: { verdict: 'pass' } });
  });

  test("report-artifact without the runner's artifact service warns, keeps the report file, and passes", async () => {
    const run = await leg('artifact', join(dir, 'artifact-leg'), { images: EXAMPLE_ARCHIVE, driver: '550.54.15', 'report-artifact': 'cuda-gate-artifact' });
    expect(run.code).toBe(0);
    expect(commands(run, 'warning')).toContainEqual(expect.stringContaining("report-artifact: the runner's artifact service is not available"));
    expect(JSON.parse(readFileSync(run.outputs.report, 'utf8')).summary.verdict).toBe('pass');
  });
});

describe('the aggregate', () => {
  test('one failing leg fails the aggregate: exit 1, ONE comment whose table has every image, the outputs of the merge', async () => {
    const run = await aggregate({ reports: `${passingDir}/**/*.json\n${failingDir}/**/*.json` });
    expect(run.code).toBe(1);

    const posted = github.commentsOn(PR_NUMBER);
    expect(posted).toHaveLength(1);
    expect(github.writes().map((w) => w.method)).toEqual(['POST']);
    const body = posted[0].body;
    // files are read in name order: cuda122-a100, dev-4090 (the copy), inference-l4, then the failing leg
    expect(body).toMatch(/^\| <code>cuda122-oci<\/code>/m);
    expect(body).toMatch(/^\| <code>copy\.tar<\/code>/m);
    // the example archive is the copy's image: no row of its own, a note instead
    expect(body).not.toMatch(/^\| <code>cuda12\.4-app\.tar<\/code>/m);
    expect(body).toContain(
      `docker-archive&#58;examples/images/cuda12.4-app.tar (${passingDir}/inference-l4/cuda-gate-report.json) is the same image as docker-archive&#58;${join(dir, 'copy.tar')}`,
    );
    for (const column of ['driver 550.54.15 L4', 'driver 560.35.03 RTX 4090', 'driver 535.104.05 A100', 'driver 470.82.01 T4']) expect(body).toContain(column);
    expect(body).toContain('merged from 4 reports');

    expect(run.outputs).toMatchObject({ verdict: 'fail', 'failed-count': '1', 'min-driver': '550.54.15' });
    const merged = JSON.parse(readFileSync(run.outputs.report, 'utf8'));
    expect(merged.images.map((i: { source: string }) => i.source)).toEqual([ociSource, copySource]);
    expect(merged.images[1].aliases).toEqual([EXAMPLE_ARCHIVE]);
    // the failing leg's results land on the shared row
    expect(merged.results.find((r: { verdict: string }) => r.verdict === 'fail')).toMatchObject({ image: copySource, target: 'driver 470.82.01 T4' });
    expect(merged.mergedFrom).toHaveLength(4);
    expect(run.outputs['summary-markdown'].trim()).toBe(run.summary.trim());
    expect(run.summary).toMatch(/^### ❌ <code>copy\.tar<\/code> will not run on <code>driver 470\.82\.01 T4<\/code>$/m);
    expect(commands(run, 'error')).toEqual([
      expect.stringMatching(
        /^cuda-gate: 1 failing, 0 with caveats over 4 report\(s\), 2 image\(s\), 4 target\(s\) \(fail-on: fail\)\. Worst: .* on driver 470\.82\.01 T4: fail — DRIVER_TOO_OLD/,
      ),
    ]);
  });

  test('a passing set passes the aggregate; the sticky comment from the failing run is edited in place and marked resolved', async () => {
    await aggregate({ reports: `${passingDir}\n${failingDir}` });
    const run = await aggregate({ reports: passingDir });
    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({ verdict: 'pass', 'failed-count': '0', 'caveat-count': '0' });
    expect(github.writes().map((w) => w.method)).toEqual(['POST', 'PATCH']);
    const [comment] = github.commentsOn(PR_NUMBER);
    expect(github.commentsOn(PR_NUMBER)).toHaveLength(1);
    expect(comment.body).toContain('✅ **Resolved**');
    expect(run.stdout).toContain('gate passed over 3 report(s), 2 image(s), 3 target(s)');
  });

  test('fail-on on the aggregate decides over legs that only reported (fail-on: never)', async () => {
    const reportOnly = join(dir, 'reports-report-only');
    const legRun = await leg('edge-t4', reportOnly, { images: EXAMPLE_ARCHIVE, driver: '470.82.01', gpu: 'T4', 'fail-on': 'never' });
    expect(legRun.code).toBe(0);
    expect((await aggregate({ reports: reportOnly, comment: 'never' })).code).toBe(0);
    const gated = await aggregate({ reports: reportOnly, comment: 'never', 'fail-on': 'fail' });
    expect(gated.code).toBe(1);
    expect(gated.outputs.verdict).toBe('fail');
  });

  test('a corrupt report fails the aggregate naming the file, and nothing is posted', async () => {
    const corruptDir = join(dir, 'reports-corrupt');
    mkdirSync(join(corruptDir, 'leg-b'), { recursive: true });
    copyFileSync(join(passingDir, 'inference-l4', 'cuda-gate-report.json'), join(corruptDir, 'leg-a.json'));
    const corrupt = join(corruptDir, 'leg-b', 'cuda-gate-report.json');
    writeFileSync(corrupt, readFileSync(join(passingDir, 'dev-4090', 'cuda-gate-report.json'), 'utf8').slice(0, 300));
    const run = await aggregate({ reports: `${corruptDir}/**/*.json` });
    expect(run.code).toBe(1);
    expect(commands(run, 'error')).toEqual([expect.stringContaining(`cuda-gate: ${corrupt} is not JSON`)]);
    expect(github.requests).toEqual([]);
    expect(run.outputs.verdict).toBeUndefined();
  });

  test('reports of another cuda-gate and matrix version are merged with a visible note', async () => {
    const mixedDir = join(dir, 'reports-mixed');
    mkdirSync(mixedDir, { recursive: true });
    copyFileSync(join(passingDir, 'inference-l4', 'cuda-gate-report.json'), join(mixedDir, 'current.json'));
    const old = JSON.parse(readFileSync(join(passingDir, 'cuda122-a100', 'cuda-gate-report.json'), 'utf8'));
    old.tool.version = '0.0.9';
    old.matrix = { version: '2026.06.01', date: '2026-06-01' };
    writeFileSync(join(mixedDir, 'older.json'), JSON.stringify(old));
    const run = await aggregate({ reports: mixedDir, comment: 'always' });
    expect(run.code).toBe(0);
    expect(run.summary).toContain('> **Note:** the reports were written by different cuda-gate versions');
    expect(run.summary).toContain('0.0.9 (');
    expect(run.summary).toContain('judged against different compatibility matrices');
    expect(github.commentsOn(PR_NUMBER)[0].body).toContain('different cuda-gate versions');
    expect(JSON.parse(readFileSync(run.outputs.report, 'utf8')).notes).toEqual([
      expect.stringMatching(/^the reports were written by different cuda-gate versions/),
      expect.stringMatching(/^the reports were judged against different compatibility matrices/),
      '2 of 4 image × target pairs were judged by none of the reports (— in the table)',
    ]);
    // and on the run page
    expect(run.stdout).toMatch(/^::notice title=cuda-gate merge::cuda-gate: the reports were written by different cuda-gate versions/m);
  });

  test('identical digests are deduplicated: the same image gated under two paths is one row', async () => {
    const run = await aggregate({ reports: `${passingDir}/inference-l4/*.json\n${passingDir}/dev-4090/*.json`, comment: 'never' });
    const merged = JSON.parse(readFileSync(run.outputs.report, 'utf8'));
    expect(merged.images).toHaveLength(1);
    expect(merged.images[0]).toMatchObject({ source: EXAMPLE_ARCHIVE, aliases: [copySource] });
    expect(merged.results.map((r: { image: string }) => r.image)).toEqual([EXAMPLE_ARCHIVE, EXAMPLE_ARCHIVE]);
    expect(run.summary.match(/^\| <code>/gm)).toHaveLength(1);
  });
});

describe('aggregate inputs', () => {
  test('reports that match nothing fail the aggregate: no report is never a green gate', async () => {
    const run = await aggregate({ reports: `${dir}/nowhere/**/*.json` });
    expect(run.code).toBe(1);
    expect(commands(run, 'warning')).toContain(`cuda-gate: reports: "${dir}/nowhere/**/*.json" matched no file`);
    expect(commands(run, 'error')).toEqual([expect.stringContaining('no report to merge')]);
    expect(github.requests).toEqual([]);
  });

  test("artifact: patterns without the runner's artifact service warn and fall back to the files listed", async () => {
    const run = await aggregate({ reports: `artifact:cuda-gate-*\n${passingDir}`, comment: 'never' });
    expect(run.code).toBe(0);
    expect(commands(run, 'warning')).toContainEqual(expect.stringContaining('"artifact:cuda-gate-*" needs the runner\'s artifact service'));
    expect(JSON.parse(readFileSync(run.outputs.report, 'utf8')).mergedFrom).toHaveLength(3);
  });

  test('mode: aggregate needs reports, not images; an unknown mode names the input', async () => {
    const noReports = await aggregate({});
    expect(noReports.code).toBe(1);
    expect(commands(noReports, 'error')).toEqual([expect.stringContaining('input "reports" is empty (mode: aggregate)')]);
    const unknown = await aggregate({ mode: 'merge', reports: passingDir });
    expect(commands(unknown, 'error')).toEqual([expect.stringContaining('input "mode": "merge" is not one of check, aggregate')]);
  });

  test('check mode still requires images', async () => {
    const run = await runBundledAction({ inputs: { 'github-token': TOKEN, driver: '550.54.15' }, env: { GITHUB_API_URL: github.url } });
    expect(run.code).toBe(1);
    expect(commands(run, 'error')).toEqual([expect.stringContaining('input "images" is empty')]);
  });
});
