/**
 * The bundled action's `sarif-file`: the SARIF log is written after the report and its path is the `sarif-file`
 * output; results point at the image's Dockerfile line, else at the target's entry in the targets file, relative to
 * the workspace; a path that cannot be written is one error, the last thing the step says.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SarifLog } from '../../src/report/sarif';
import { sarifSchemaErrors } from '../helpers/sarif-schema';
import { tempDir } from '../helpers/tmp';
import { EXAMPLE_ARCHIVE, ROOT, pushEvent, runBundledAction, type ActionRun } from './run-action';

/** A workspace with a targets file (edge-t4 fails, prod-a100 has caveats) and a Dockerfile. */
function workspace(): string {
  const ws = tempDir('cg-sarif-ws-');
  mkdirSync(join(ws, '.github'));
  mkdirSync(join(ws, 'docker'));
  writeFileSync(join(ws, '.github/cuda-targets.yml'), readFileSync(join(ROOT, 'examples/cuda-targets.yml')));
  writeFileSync(join(ws, 'docker/app.Dockerfile'), '# the app\nFROM nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04\nCOPY . /app\n');
  return ws;
}

function check(ws: string, inputs: Record<string, string>, env: Record<string, string> = {}): Promise<ActionRun> {
  return runBundledAction({
    inputs: { images: EXAMPLE_ARCHIVE, targets: join(ws, '.github/cuda-targets.yml'), comment: 'never', ...inputs },
    event: pushEvent(),
    env: { GITHUB_WORKSPACE: ws, ...env },
  });
}

const errorLines = (run: ActionRun) => run.stdout.split('\n').filter((l) => l.startsWith('::error'));

test("writes the SARIF file after the report and sets the output; results on the Dockerfile's line, valid", async () => {
  const ws = workspace();
  const path = join(ws, 'results.sarif');
  const run = await check(ws, { 'sarif-file': path, dockerfile: join(ws, 'docker/app.Dockerfile') }, { GITHUB_ACTION_REPOSITORY: 'octo-org/cuda-gate' });
  expect(run.code).toBe(1);
  expect(run.outputs['sarif-file']).toBe(path);
  const log = JSON.parse(readFileSync(path, 'utf8')) as SarifLog;
  expect(sarifSchemaErrors(log)).toEqual([]);
  expect(log.runs[0].tool.driver.informationUri).toBe('https://github.com/octo-org/cuda-gate#readme');
  expect(log.runs[0].tool.driver.rules.every((r) => r.helpUri === 'https://github.com/octo-org/cuda-gate#verdicts-and-reason-codes')).toBe(true);
  // the base image brought the CUDA stack in: its FROM line, repository-relative
  expect(log.runs[0].results.map((r) => [r.properties.target, r.level, r.ruleId, r.locations[0].physicalLocation])).toEqual([
    ['prod-a100', 'warning', 'MINOR_VERSION_COMPAT', { artifactLocation: { uri: 'docker/app.Dockerfile', uriBaseId: '%SRCROOT%' }, region: { startLine: 2 } }],
    ['edge-t4', 'error', 'DRIVER_TOO_OLD', { artifactLocation: { uri: 'docker/app.Dockerfile', uriBaseId: '%SRCROOT%' }, region: { startLine: 2 } }],
  ]);
  // only the gate's own errors: nothing about the SARIF file
  expect(errorLines(run).filter((l) => l.includes('sarif'))).toEqual([]);
});

test("no Dockerfile: each result on its target's entry in the targets file", async () => {
  const ws = workspace();
  const path = join(ws, 'results.sarif');
  const run = await check(ws, { 'sarif-file': path });
  expect(run.outputs['sarif-file']).toBe(path);
  const log = JSON.parse(readFileSync(path, 'utf8')) as SarifLog;
  expect(sarifSchemaErrors(log)).toEqual([]);
  expect(log.runs[0].results.map((r) => r.locations[0].physicalLocation)).toEqual([
    { artifactLocation: { uri: '.github/cuda-targets.yml', uriBaseId: '%SRCROOT%' }, region: { startLine: 4 } },
    { artifactLocation: { uri: '.github/cuda-targets.yml', uriBaseId: '%SRCROOT%' }, region: { startLine: 9 } },
  ]);
});

test('sarif-file unset: no SARIF file, the output is empty', async () => {
  const ws = workspace();
  const run = await check(ws, {});
  expect(run.outputs['sarif-file']).toBe('');
  expect(existsSync(join(ws, 'results.sarif'))).toBe(false);
});

test('a sarif-file that cannot be written: one error naming it and the fix, after the report, the last thing said', async () => {
  const ws = workspace();
  const path = join(ws, 'no/such/dir/results.sarif');
  const report = join(ws, 'report.json');
  const run = await check(ws, { 'sarif-file': path, 'report-path': report, targets: '', driver: '550.54.15' });
  expect(run.code).toBe(1);
  const errors = errorLines(run);
  expect(errors).toEqual([expect.stringContaining(`sarif-file "${path}" cannot be written`)]);
  expect(errors[0]).toContain(
    'does not exist (the verdict, job summary and outputs are complete; the SARIF file is not). Fix: create it in an earlier step (mkdir -p ',
  );
  expect(run.stdout.trimEnd().split('\n').pop()).toBe(errors[0]);
  // everything else is there: the report, its output, the verdict
  expect(existsSync(report)).toBe(true);
  expect(run.outputs).toMatchObject({ verdict: 'pass', report, 'sarif-file': '' });
});

test('aggregate mode: the merged results as one SARIF file, on the targets file lines', async () => {
  const ws = workspace();
  const leg = join(ws, 'leg.json');
  expect((await check(ws, { 'report-path': leg })).outputs.report).toBe(leg);
  const path = join(ws, 'merged.sarif');
  const run = await check(ws, { mode: 'aggregate', images: '', reports: leg, 'report-path': join(ws, 'merged.json'), 'sarif-file': path });
  expect(run.code).toBe(1);
  expect(run.outputs['sarif-file']).toBe(path);
  const log = JSON.parse(readFileSync(path, 'utf8')) as SarifLog;
  expect(sarifSchemaErrors(log)).toEqual([]);
  expect(log.runs[0].results.map((r) => [r.level, r.locations[0].physicalLocation.region?.startLine])).toEqual([
    ['warning', 4],
    ['error', 9],
  ]);
});
