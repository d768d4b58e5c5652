/**
 * A driver version is what nvidia-smi prints as "Driver Version", never the "CUDA Version" on the same line, and
 * never a bare branch: --driver, the action's input, a targets file and a probed host all go through one check
 * (common/driver-version.ts driverInputProblem), and one wrong value gets the same sentence everywhere.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareDriver, driverInputProblem } from '../../src/common/driver-version';
import { GateError } from '../../src/common/errors';
import { loadMatrix } from '../../src/matrix/load';
import { adHocTarget, parseTargets } from '../../src/targets/load';
import { parseProcVersion, parseQueryGpu } from '../../src/targets/probe';
import { runCli } from './run-cli';

const matrix = loadMatrix();
const dir = mkdtempSync(join(tmpdir(), 'cg-driver-'));
const EXAMPLE = `docker-archive:${join(__dirname, '../../examples/images/cuda12.4-app.tar')}`;
const CUDA_SENTENCE = (label: string, v: string) =>
  `${label} ${v} looks like a CUDA version (what nvidia-smi prints as "CUDA Version"); give the "Driver Version" nvidia-smi prints on the same line, e.g. 550.54.15`;

function errorOf(fn: () => unknown): GateError {
  try {
    fn();
  } catch (e) {
    if (e instanceof GateError) return e;
    throw e;
  }
  throw new Error('expected a GateError');
}

describe('the one driver check', () => {
  test.each(['12.4', '12.4.1', '11.8', '12', '13.0', '9.2', '10.1.243'])('%s is a CUDA version', (v) => {
    expect(driverInputProblem(v, '--driver')).toEqual({ kind: 'cuda', sentence: CUDA_SENTENCE('--driver', v) });
  });

  test.each([
    ['535', '535.104.05'],
    ['R535', '535.104.05'],
    ['r550', '550.54.15'],
    ['535.x', '535.104.05'],
    ['535.*', '535.104.05'],
    ['R545', '550.54.15'],
  ])('%s is a branch: refused, with a full version of the branch as the example', (v, example) => {
    const p = driverInputProblem(v, '--driver');
    expect(p?.kind).toBe('branch');
    expect(p?.sentence).toBe(`--driver "${v}" is not an NVIDIA driver version but a driver branch: drivers of one branch differ in the CUDA releases they run`);
    expect(p?.fix).toBe(`give the full "Driver Version" nvidia-smi prints, e.g. ${example}`);
  });

  test.each(['96.43.23', '20.1', '0.0'])('%s has no driver-shaped first part', (v) => {
    expect(driverInputProblem(v, '--driver')?.kind).toBe('range');
  });

  test.each(['latest', '535.104.05-1', '', '535..1'])('"%s" is no version at all', (v) => {
    expect(driverInputProblem(v, '--driver')?.kind).toBe('syntax');
  });

  test.each(['470.57.02', '470.82.01', '535.104.05', '550.54.15', '440.26', '580.65.06', '1000.1.2', '  550.54.15 '])('%s is a driver', (v) => {
    expect(driverInputProblem(v, '--driver')).toBeUndefined();
  });

  test('accepted versions keep comparing numerically, part by part (leading zeros are not significant)', () => {
    expect(compareDriver('470.57.02', '470.82.01')).toBe(-1);
    expect(compareDriver('470.57.02', '470.57.2')).toBe(0);
    expect(compareDriver('535.104.05', '535.54.03')).toBe(1);
  });
});

describe('--driver', () => {
  test.each(['12.4', '12.4.1', '11.8'])('--driver %s is refused before any image is read: one line, exit 2', async (v) => {
    const r = await runCli('check', 'docker-archive:/nonexistent/never-read.tar', '--driver', v);
    expect(r).toEqual({ code: 2, stdout: '', stderr: `cuda-gate: error: ${CUDA_SENTENCE('--driver', v)}\n` });
  });

  test('--driver 535 says it is a branch and how to write a driver', async () => {
    const r = await runCli('check', EXAMPLE, '--driver', '535');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'cuda-gate: error: --driver "535" is not an NVIDIA driver version but a driver branch: drivers of one branch differ in the CUDA releases they run (give the full "Driver Version" nvidia-smi prints, e.g. 535.104.05)\n',
    );
  });

  test('--driver 470.57.02 is judged as the driver it is', async () => {
    const r = await runCli('check', EXAMPLE, '--driver', '470.57.02', '--format', 'json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).results[0].reasons.map((x: { code: string }) => x.code)).toContain('DRIVER_TOO_OLD');
  });

  test("the action's input is named as the action names it", () => {
    const e = errorOf(() => adHocTarget({ driver: '12.4', labels: { driver: 'input "driver"', gpu: 'input "gpu"' } }, matrix));
    expect(e.code).toBe('BAD_DRIVER_VERSION');
    expect(e.toLine()).toBe(CUDA_SENTENCE('input "driver"', '12.4'));
  });
});

describe('targets file', () => {
  const parse = (driver: string) => parseTargets(`targets:\n  edge: { driver: 470.82.01 }\n  prod:\n    driver: ${driver}\n`, 'cuda-targets.yml', matrix);

  test.each(['12.4', '"12.4"', '12.4.1'])('driver: %s names the file, line and target', (v) => {
    const e = errorOf(() => parse(v));
    expect(e.code).toBe('BAD_TARGETS');
    expect(e.toLine()).toBe(`cuda-targets.yml:4: ${CUDA_SENTENCE('target "prod": driver', v.replace(/"/g, ''))}`);
  });

  test.each(['535', 'R535', '535.x'])('driver: %s is refused as a branch, as --driver refuses it', (v) => {
    const e = errorOf(() => parse(v));
    expect(e.toLine()).toMatch(
      new RegExp(
        `^cuda-targets\\.yml:4: target "prod": driver "${v.replace('.', '\\.')}" is not an NVIDIA driver version but a driver branch: .*e\\.g\\. 535\\.104\\.05\\)$`,
      ),
    );
  });

  test('the CLI says it in one line, exit 2', async () => {
    const file = join(dir, 'targets.yml');
    writeFileSync(file, 'targets:\n  prod: { driver: 12.4, gpu: A100 }\n');
    const r = await runCli('check', EXAMPLE, '--targets', file);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`cuda-gate: error: ${file}:2: ${CUDA_SENTENCE('target "prod": driver', '12.4')}\n`);
  });

  test('470.57.02-style versions load as written', () => {
    expect(parse('470.57.02').targets[1].driver).toBe('470.57.02');
  });
});

describe('a probed host', () => {
  test('a line whose first field is not a driver version is not taken for one', () => {
    expect(parseQueryGpu('12.4, NVIDIA H100 80GB HBM3, 9.0\n550.54.15, NVIDIA H100 80GB HBM3, 9.0\n')).toEqual([
      { driver: '550.54.15', name: 'NVIDIA H100 80GB HBM3', computeCapability: '9.0' },
    ]);
    expect(parseQueryGpu('535, Tesla T4, 7.5\n')).toEqual([]);
  });

  test('/proc/driver/nvidia/version gives a driver or nothing', () => {
    expect(parseProcVersion('NVRM version: NVIDIA UNIX x86_64 Kernel Module  470.57.02  Tue Jul 13 2021\n')).toBe('470.57.02');
    expect(parseProcVersion('NVRM version: NVIDIA UNIX x86_64 Kernel Module  12.4  Tue Jul 13 2021\n')).toBeUndefined();
  });
});
