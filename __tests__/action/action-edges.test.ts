/**
 * The bundled action at its edges: a report-path that cannot be written is one clear error after everything else is
 * done; each image's annotations point into its own Dockerfile, and a dockerfile that is not there is said; more
 * failing images than the runner shows are counted in one notice.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/tmp';
import { GitHubStandIn } from './github-stand-in';
import { EXAMPLE_ARCHIVE, PR_NUMBER, REPOSITORY, TOKEN, pushEvent, runBundledAction, type ActionRun } from './run-action';

let github: GitHubStandIn;

beforeAll(async () => {
  github = await GitHubStandIn.start(REPOSITORY, [PR_NUMBER]);
});
afterAll(() => github.close());
beforeEach(() => github.reset());

function check(inputs: Record<string, string>, opts: { event?: ReturnType<typeof pushEvent>; env?: Record<string, string> } = {}): Promise<ActionRun> {
  return runBundledAction({ inputs: { 'github-token': TOKEN, ...inputs }, event: opts.event, env: { GITHUB_API_URL: github.url, ...opts.env } });
}

/** Workflow-command lines of one kind, as printed (properties and data still escaped). */
function lines(run: ActionRun, kind: string): string[] {
  return run.stdout.split('\n').filter((l) => l.startsWith(`::${kind} `) || l.startsWith(`::${kind}::`));
}

/** A stack trace in the log would mean an exception escaped the action. */
const STACK = /^\s+at .+:\d+:\d+\)?$/m;

/** runs on 550.54.15: the example image passes */
const PASSING = { images: EXAMPLE_ARCHIVE, driver: '550.54.15' };
/** the example image on R470: it fails */
const FAILING = { images: EXAMPLE_ARCHIVE, driver: '470.82.01' };

describe('a report-path that cannot be written', () => {
  test('its directory does not exist: exit 1, one error naming the path and the fix, the summary and outputs all there', async () => {
    const path = join(tempDir('cg-report-'), 'no/such/dir/report.json');
    const run = await check({ ...PASSING, 'report-path': path }, { event: pushEvent() });
    expect(run.code).toBe(1);
    const errors = lines(run, 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`report-path "${path}" cannot be written`);
    expect(errors[0]).toMatch(
      /does not exist \(the verdict, job summary and outputs are complete; the JSON report is not\)\. Fix: create it in an earlier step \(mkdir -p /,
    );
    expect(`${run.stdout}\n${run.stderr}`).not.toMatch(STACK);
    // nothing else lost: the verdict, the summary and every output but the report's path
    expect(run.summary).toContain('cuda-gate');
    expect(run.summary).toContain('cuda12.4-app.tar');
    expect(run.outputs).toMatchObject({ verdict: 'pass', 'failed-count': '0', report: '' });
    expect(run.outputs['summary-markdown'].trim()).toBe(run.summary.trim());
    // the error is the last thing the step says
    expect(run.stdout.trimEnd().split('\n').pop()).toBe(errors[0]);
  });

  test('it is a directory: the error says so and names a file to use instead', async () => {
    const dir = tempDir('cg-report-dir-');
    const run = await check({ ...PASSING, 'report-path': dir }, { event: pushEvent() });
    expect(run.code).toBe(1);
    const errors = lines(run, 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(
      'it is a directory (the verdict, job summary and outputs are complete; the JSON report is not). Fix: name a file in it, e.g. report-path: ',
    );
    expect(errors[0]).toContain(`${dir}/cuda-gate-report.json`);
    expect(run.outputs.verdict).toBe('pass');
  });

  test('it is not writable: permission denied (or a read-only file system), with the fix', async () => {
    let path: string;
    if (process.getuid?.() === 0) {
      // root writes anywhere a mode allows: sysfs refuses new files even to root
      path = '/sys/kernel/cuda-gate-report.json';
    } else {
      const dir = tempDir('cg-report-ro-');
      chmodSync(dir, 0o500);
      path = join(dir, 'report.json');
    }
    const run = await check({ ...PASSING, 'report-path': path }, { event: pushEvent() });
    expect(run.code).toBe(1);
    const errors = lines(run, 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`report-path "${path}" cannot be written`);
    expect(errors[0]).toMatch(/(permission denied|read-only|does not exist) \(the verdict.*\)\. Fix: /);
    expect(`${run.stdout}\n${run.stderr}`).not.toMatch(STACK);
  });

  test('a failing gate still fails as the gate, posts its comment, and the report-path error comes after', async () => {
    const path = join(tempDir('cg-report-'), 'missing/report.json');
    const run = await check({ ...FAILING, 'report-path': path });
    expect(run.code).toBe(1);
    const errors = lines(run, 'error');
    // the image's annotation, the failed gate, then the report-path
    expect(errors).toHaveLength(3);
    expect(errors[1]).toMatch(/^::error::cuda-gate: 1 failing/);
    expect(errors[2]).toContain(`report-path "${path}" cannot be written`);
    expect(github.commentsOn(PR_NUMBER)).toHaveLength(1);
    expect(run.outputs).toMatchObject({ verdict: 'fail', report: '' });
  });

  test('aggregate mode: the merged summary and outputs are written, then the one error', async () => {
    const dir = tempDir('cg-agg-');
    const leg = await check({ ...PASSING, comment: 'never', 'report-path': join(dir, 'leg.json') }, { event: pushEvent() });
    expect(leg.code).toBe(0);
    const path = join(dir, 'nowhere/merged.json');
    const run = await check({ mode: 'aggregate', reports: join(dir, 'leg.json'), 'report-path': path, comment: 'never' }, { event: pushEvent() });
    expect(run.code).toBe(1);
    const errors = lines(run, 'error');
    expect(errors).toEqual([expect.stringContaining(`report-path "${path}" cannot be written`)]);
    expect(run.outputs).toMatchObject({ verdict: 'pass', report: '' });
    expect(run.summary).not.toBe('');
  });
});

describe('dockerfile per image', () => {
  test('one line per image: each annotation points into its own Dockerfile; a missing one is one warning naming the path and the fix', async () => {
    const workspace = tempDir('cg-ws-');
    mkdirSync(join(workspace, 'docker'));
    writeFileSync(join(workspace, 'docker/app.Dockerfile'), '# the app\nFROM nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04\nCOPY . /app\n');
    // the same archive under two source strings: two images
    const images = [EXAMPLE_ARCHIVE, EXAMPLE_ARCHIVE.replace('examples/', './examples/')];
    const run = await check(
      { images: images.join('\n'), driver: '470.82.01', comment: 'never', dockerfile: `${join(workspace, 'docker/app.Dockerfile')}\ndocker/gone.Dockerfile` },
      { event: pushEvent(), env: { GITHUB_WORKSPACE: workspace } },
    );
    expect(run.code).toBe(1);
    const warnings = lines(run, 'warning');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^::warning title=cuda-gate%3A dockerfile cannot be read::cuda-gate: dockerfile "docker\/gone\.Dockerfile" does not exist \(for /,
    );
    expect(warnings[0]).toContain(images[1]);
    expect(warnings[0]).toContain('Fix: set dockerfile to the path of the Dockerfile each image was built from');
    const annotations = lines(run, 'error').filter((l) => l.includes('title=cuda-gate%3A docker-archive'));
    expect(annotations).toHaveLength(2);
    // the base image brought the CUDA stack in: its FROM line, repository-relative
    expect(annotations[0]).toMatch(/^::error title=cuda-gate%3A docker-archive%3Aexamples\/images[^,]*,file=docker\/app\.Dockerfile,line=2::DRIVER_TOO_OLD/);
    expect(annotations[1]).toMatch(/^::error title=cuda-gate%3A docker-archive%3A\.\/examples[^,]*::DRIVER_TOO_OLD/);
  });

  test('more Dockerfiles than one and not one per image is bad input, before any image is read', async () => {
    const run = await check({ images: EXAMPLE_ARCHIVE, driver: '550.54.15', dockerfile: 'a.Dockerfile\nb.Dockerfile' }, { event: pushEvent() });
    expect(run.code).toBe(1);
    expect(lines(run, 'error')).toEqual([expect.stringContaining('input "dockerfile": 2 Dockerfiles for 1 images')]);
    expect(run.stdout).not.toContain('reading docker-archive');
  });
});

test('more failing images than the runner shows: the worst 9 as errors, the failed gate the 10th, one notice for the rest', async () => {
  // eleven spellings of one archive: eleven failing images
  const images = Array.from({ length: 11 }, (_, i) => `docker-archive:examples/${'./'.repeat(i)}images/cuda12.4-app.tar`);
  const run = await check({ images: images.join('\n'), driver: '470.82.01', comment: 'never' }, { event: pushEvent() });
  expect(run.code).toBe(1);
  const errors = lines(run, 'error');
  expect(errors).toHaveLength(10);
  expect(errors.filter((l) => l.startsWith('::error title=cuda-gate%3A docker-archive'))).toHaveLength(9);
  expect(errors[9]).toMatch(/^::error::cuda-gate: 11 failing/);
  expect(lines(run, 'notice')).toEqual([
    expect.stringMatching(
      /^::notice title=cuda-gate%3A … and 2 more failing results \(2 more images\)::… and 2 more failing results \(2 more images\): see the job summary/,
    ),
  ]);
}, 90_000);
