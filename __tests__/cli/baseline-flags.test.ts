/**
 * --baseline SOURCE (repeatable, paired by position with the images) and --fail-on-new, end to end through the CLI:
 * exit codes 0 (gate passed), 1 (gate failed), 2 (bad input), the JSON report's transitions, and the warnings.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCliArgs, USAGE, type CheckArgs } from '../../src/cli/args';
import type { Report } from '../../src/report/types';
import { writeBaselineFixture, type BaselineFixture } from '../helpers/baseline-fixture';
import { runCli } from './run-cli';

let fx: BaselineFixture;
beforeAll(async () => {
  fx = await writeBaselineFixture();
});

const check = (...argv: string[]) => runCli('check', ...argv, '--targets', fx.targetsFile, '--no-cache', '--format', 'json');
const json = (stdout: string) => JSON.parse(stdout) as Report;

test('the flags are read: --baseline repeatable and in order, --fail-on-new a switch', () => {
  const args = parseCliArgs(['check', 'oci:a', 'oci:b', '--baseline', 'oci:a0', '--baseline=oci:b0', '--fail-on-new']) as CheckArgs;
  expect(args).toMatchObject({ sources: ['oci:a', 'oci:b'], baselines: ['oci:a0', 'oci:b0'], failOnNew: true });
  expect(parseCliArgs(['check', 'oci:a'])).toMatchObject({ baselines: [], failOnNew: false });
  expect(USAGE).toContain('[--baseline SOURCE]... [--fail-on-new]');
});

test('--baseline: the report carries the verdicts that changed, the stack diff, and the count of worse results', async () => {
  const r = await check(fx.cuda124, '--baseline', fx.cuda118);
  expect(r.code).toBe(1);
  const report = json(r.stdout);
  expect(report.transitions?.map((t) => `${t.target}: ${t.from} → ${t.to}${t.code ? ` (${t.code})` : ''}`)).toEqual([
    't4-470: caveat → fail (DRIVER_TOO_OLD)',
    'r520: pass → fail (DRIVER_TOO_OLD)',
    'r535: pass → caveat (MINOR_VERSION_COMPAT)',
  ]);
  expect(report.images[0].baseline).toBe(fx.cuda118);
  expect(report.changes?.length).toBeGreaterThan(0);
  expect(report.summary.worsened).toBe(3);
  expect(r.stderr).toBe('');
});

test('the markdown format shows the transitions above the table', async () => {
  const r = await runCli('check', fx.cuda124, '--baseline', fx.cuda118, '--targets', fx.targetsFile, '--no-cache', '--format', 'markdown');
  expect(r.stdout).toContain('r520: pass → fail (DRIVER&#95;TOO&#95;OLD)');
});

test('--fail-on-new: exit 0 for an image that already failed on the base branch, 1 without the flag', async () => {
  // 12.4 → 11.8: better everywhere but r450, which fails before and after
  expect((await check(fx.cuda118, '--baseline', fx.cuda124)).code).toBe(1);
  const r = await check(fx.cuda118, '--baseline', fx.cuda124, '--fail-on-new');
  expect(r.code).toBe(0);
  expect(json(r.stdout)).toMatchObject({ policy: { failOnNew: true }, summary: { fail: 1, worsened: 0, gatePassed: true } });
});

test('--fail-on-new: exit 1 for a newly failing image', async () => {
  const r = await check(fx.cuda124, '--baseline', fx.cuda118, '--fail-on-new');
  expect(r.code).toBe(1);
  expect(json(r.stdout).summary).toMatchObject({ worsened: 3, gatePassed: false });
});

test('--output writes the same report', async () => {
  const out = join(fx.dir, 'report.json');
  const r = await check(fx.cuda118, '--baseline', fx.cuda124, '--fail-on-new', '--output', out);
  expect(r.code).toBe(0);
  expect(json(readFileSync(out, 'utf8')).transitions).toHaveLength(3);
});

test('a baseline that cannot be read: a warning on stderr and a note, never exit 2; the gate judges the image', async () => {
  const r = await check(fx.cuda118, '--baseline', fx.missing, '--fail-on-new');
  // judged as new: it fails on r450, so the gate fails as fail-on says
  expect(r.code).toBe(1);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^cuda-gate: warning: the baseline image .* could not be read, so .* is judged as a new image: /);
  const report = json(r.stdout);
  expect(report.baselineMissing).toEqual([fx.missing]);
  expect(report.notes?.[0]).toContain('could not be read');
  expect(report.summary).toMatchObject({ fail: 1, gatePassed: false });

  // an image that passes everywhere on the fleet's newer half passes, missing baseline or not
  const pass = await runCli('check', fx.cuda124, '--baseline', fx.missing, '--driver', '560.35.03', '--no-cache', '--format', 'json');
  expect(pass.code).toBe(0);
  expect(pass.stderr).toContain('could not be read');
});

test('more --baseline images than images is bad input (exit 2); --fail-on-new without --baseline only warns', async () => {
  const r = await check(fx.cuda124, '--baseline', fx.cuda118, '--baseline', fx.cuda124);
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/^cuda-gate: error: 2 --baseline images for 1 image\(s\) \(give at most one --baseline per image/);

  const alone = await runCli('check', fx.cuda124, '--driver', '560.35.03', '--no-cache', '--fail-on-new', '--format', 'json');
  expect(alone.code).toBe(0);
  expect(alone.stderr).toContain('cuda-gate: warning: --fail-on-new has no effect without --baseline');
  // no baseline: every image is new, and a failing one fails the gate as without the flag
  expect((await check(fx.cuda124, '--fail-on-new')).code).toBe(1);
});
