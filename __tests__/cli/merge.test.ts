/** `cuda-gate merge`: several check reports in, one report and one exit status out (0 passed, 1 failed, 2 bad input). */
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/tmp';
import { runCli } from './run-cli';

const ROOT = join(__dirname, '../..');
const EXAMPLE = 'docker-archive:examples/images/cuda12.4-app.tar';

let dir: string;
let passing550: string;
let caveatA100: string;
let failing470: string;

/** One leg: a check writing its JSON report, as a matrix job would. */
async function leg(name: string, ...args: string[]): Promise<string> {
  const file = join(dir, `${name}.json`);
  const r = await runCli('check', ...args, '--format', 'json', '--output', file, '--quiet');
  expect(r.stderr).toBe('');
  return file;
}

beforeAll(async () => {
  dir = tempDir('cuda-gate-merge-');
  copyFileSync(join(ROOT, 'examples/images/cuda12.4-app.tar'), join(dir, 'copy.tar'));
  passing550 = await leg('l4', EXAMPLE, '--driver', '550.54.15', '--gpu', 'L4');
  caveatA100 = await leg('a100', `docker-archive:${join(dir, 'copy.tar')}`, '--driver', '535.104.05', '--gpu', 'A100');
  failing470 = await leg('t4', EXAMPLE, '--driver', '470.82.01', '--gpu', 'T4');
});

test('passing reports merge into one passing verdict: exit 0, one row for the image under two paths', async () => {
  const r = await runCli('merge', passing550, caveatA100, '--format', 'json');
  expect(r.code).toBe(0);
  const merged = JSON.parse(r.stdout);
  expect(merged.images).toHaveLength(1);
  expect(merged.images[0].aliases).toEqual([`docker-archive:${join(dir, 'copy.tar')}`]);
  expect(merged.targets.map((t: { name: string }) => t.name)).toEqual(['driver 550.54.15 L4', 'driver 535.104.05 A100']);
  expect(merged.summary).toEqual({ pass: 1, caveat: 1, fail: 0, verdict: 'caveat', gatePassed: true });
});

test('one failing report fails the merged gate: exit 1; --fail-on never reports it and exits 0', async () => {
  const failed = await runCli('merge', passing550, caveatA100, failing470);
  expect(failed.code).toBe(1);
  expect(failed.stdout).toContain('gate FAILED: 1 fail, 1 caveat, 1 pass');
  expect(failed.stdout).toMatch(/merged from 3 reports/);
  expect((await runCli('merge', passing550, failing470, '--fail-on', 'never', '-f', 'json')).code).toBe(0);
  expect((await runCli('merge', passing550, caveatA100, '--fail-on', 'caveat')).code).toBe(1);
});

test('--output writes the merged report in the chosen format', async () => {
  const out = join(dir, 'merged.md');
  const r = await runCli('merge', passing550, failing470, '--format', 'markdown', '--output', out);
  expect(r.code).toBe(1);
  expect(r.stdout).toBe('');
  expect(readFileSync(out, 'utf8')).toMatch(/^### ❌ <code>.*<\/code> will not run on <code>/);
});

test('a corrupt report exits 2 naming the file', async () => {
  const corrupt = join(dir, 'corrupt.json');
  writeFileSync(corrupt, readFileSync(passing550, 'utf8').slice(0, 200));
  const r = await runCli('merge', passing550, corrupt);
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(new RegExp(`^cuda-gate: error: ${corrupt.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is not JSON`));
});

test('a JSON file that is not a report, and a missing file, exit 2 naming the file', async () => {
  const notReport = join(dir, 'package.json');
  writeFileSync(notReport, JSON.stringify({ name: 'app', version: '1.0.0' }));
  const r = await runCli('merge', passing550, notReport);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain(`${notReport} is not a cuda-gate report: schemaVersion is missing`);
  const missing = await runCli('merge', join(dir, 'nope.json'));
  expect(missing.code).toBe(2);
  expect(missing.stderr).toContain('nope.json does not exist');
});

test('bad arguments exit 2 with the fix', async () => {
  expect((await runCli('merge')).stderr).toContain('merge: no report given');
  expect((await runCli('merge', passing550, '--format', 'html')).code).toBe(2);
  expect((await runCli('merge', passing550, '--fail-on', 'sometimes')).stderr).toContain('--fail-on "sometimes" is not one of fail, caveat, never');
  expect((await runCli('merge', passing550, '--driver', '1')).code).toBe(2);
});

test('the bundled CLI merges too, with the same exit codes', () => {
  const cli = (...args: string[]) => spawnSync(process.execPath, ['dist/cli.js', ...args], { cwd: ROOT, encoding: 'utf8' });
  expect(cli('merge', passing550, caveatA100).status).toBe(0);
  expect(cli('merge', passing550, failing470).status).toBe(1);
  const corrupt = join(dir, 'truncated.json');
  writeFileSync(corrupt, '{"schemaVersion": 1');
  const bad = cli('merge', passing550, corrupt);
  expect(bad.status).toBe(2);
  expect(bad.stderr).toContain(`${corrupt} is not JSON`);
  expect(cli('--help').stdout).toContain('cuda-gate merge REPORT.json...');
});
