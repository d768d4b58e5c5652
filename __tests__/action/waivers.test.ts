/**
 * Waivers end to end through the bundled action: a waived failure passes the step and is shown as waived (no error
 * annotation for it), an expired waiver fails it again with the date, a stale waiver is a warning; on a pull request
 * the waivers are the base commit's.
 */
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

const BASE_SHA = '9049f1265b7d61be4a8904a9a27120d2064dab3b';
const FILE = '.github/cuda-targets.yml';
/** edge-t4 fails (DRIVER_TOO_OLD), prod-a100 has a caveat */
const FLEET = readFileSync(join(ROOT, 'examples/cuda-targets.yml'), 'utf8');
const waiver = (expires: string, image = 'example/cuda-app:*', target = 'edge-t4') => `waivers:
  - image: "${image}"
    target: ${target}
    code: DRIVER_TOO_OLD
    reason: the edge fleet moves to R550 this quarter (INFRA-1234)
    expires: ${expires}
`;

let github: GitHubStandIn;
beforeAll(async () => {
  github = await GitHubStandIn.start(REPOSITORY, [PR_NUMBER]);
});
afterAll(() => github.close());
beforeEach(() => {
  github.reset();
  github.files.workingTreeForOtherCommits = false;
});

function gate(head: string, event: ActionEvent = pushEvent(), inputs: Record<string, string> = {}): Promise<ActionRun> {
  const dir = tempDir('cuda-gate-ws-');
  mkdirSync(join(dir, '.github'));
  writeFileSync(join(dir, FILE), head);
  return runBundledAction({
    inputs: { images: EXAMPLE_ARCHIVE, targets: join(dir, FILE), 'github-token': TOKEN, cache: 'false', ...inputs },
    event,
    env: { GITHUB_API_URL: github.url, GITHUB_WORKSPACE: dir },
  });
}

const reportOf = (run: ActionRun) => JSON.parse(readFileSync(run.outputs.report, 'utf8')) as Report;
const plain = (markdown: string) => markdown.replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n))).replace(/&quot;/g, '"');

test('a waived failure passes the step, is shown as waived, and gets no error annotation', async () => {
  const run = await gate(`${FLEET}${waiver('2099-12-31')}`);
  expect(run.code).toBe(0);
  const report = reportOf(run);
  expect(report.summary).toMatchObject({ fail: 1, verdict: 'fail', gatePassed: true, waived: 1 });
  expect(report.results.find((r) => r.target === 'edge-t4')).toMatchObject({
    verdict: 'fail',
    waived: { reason: 'the edge fleet moves to R550 this quarter (INFRA-1234)', expires: '2099-12-31', codes: ['DRIVER_TOO_OLD'] },
  });
  expect(run.outputs.verdict).toBe('fail');
  const summary = plain(run.summary);
  expect(summary).toContain('**Waived** (1: they do not gate)');
  expect(summary).toContain('- 🔕 **edge-t4** — ❌ DRIVER_TOO_OLD waived until 2099-12-31: the edge fleet moves to R550 this quarter (INFRA-1234)');
  expect(summary).not.toContain('**Fails**');
  expect(commands(run, 'error')).toEqual([]);
  // the caveat on prod-a100 keeps its warning annotation; the waived failure has none
  expect(commands(run, 'warning')).toEqual([expect.stringMatching(/^MINOR_VERSION_COMPAT: /)]);
});

test('an expired waiver fails the step again, and the summary and a warning say when it expired', async () => {
  const run = await gate(`${FLEET}${waiver('2020-01-31')}`);
  expect(run.code).toBe(1);
  const report = reportOf(run);
  expect(report.summary).toMatchObject({ gatePassed: false, waived: 0 });
  expect(report.results.find((r) => r.target === 'edge-t4')?.waiverExpired).toMatchObject({ expires: '2020-01-31' });
  expect(plain(run.summary)).toContain(
    '(the waiver of DRIVER_TOO_OLD expired on 2020-01-31 (the edge fleet moves to R550 this quarter (INFRA-1234)): it counts again)',
  );
  expect(commands(run, 'warning')).toContainEqual(expect.stringContaining('expired on 2020-01-31: 1 result it waived counts again'));
});

test('a waiver that matches nothing is a warning and a note; the gate is as without it', async () => {
  const run = await gate(`${FLEET}${waiver('2099-12-31', 'example/other-app:*')}`);
  expect(run.code).toBe(1);
  expect(commands(run, 'warning')).toContainEqual(
    expect.stringMatching(
      /^cuda-gate: the waiver for image "example\/other-app:\*", target "edge-t4", code "DRIVER_TOO_OLD" \(\/.*\/\.github\/cuda-targets\.yml:15\) matches no failing or caveated result: remove it, or correct its image, target or code$/,
    ),
  );
  expect(reportOf(run).policy.waivers).toEqual([expect.objectContaining({ stale: true, matched: 0 })]);
  expect(plain(run.summary)).toMatch(/> \*\*Note:\*\* the waiver for image "example\/other-app:\*".* matches no failing or caveated result/);
});

test("on a pull request the base commit's waiver waives (and the same waiver only in the PR does not, policy-from-base.test.ts)", async () => {
  github.files.commit(BASE_SHA, { [FILE]: `${FLEET}${waiver('2099-12-31')}` });
  const run = await gate(`${FLEET}${waiver('2099-12-31')}`, pullRequestEvent());
  expect(run.code).toBe(0);
  expect(reportOf(run).policy).toMatchObject({ source: { from: 'base', via: 'api' }, waivers: [expect.objectContaining({ matched: 1 })] });
  expect(reportOf(run).policy.changes).toBeUndefined();
  // the PR removes the waiver: the base's still waives, and the note says the PR tightens
  const tighter = await gate(FLEET, pullRequestEvent());
  expect(tighter.code).toBe(0);
  expect(plain(tighter.summary)).toContain('> - **tightens:** waiver removed (image example/cuda-app:*, target edge-t4, code DRIVER_TOO_OLD)');
});
