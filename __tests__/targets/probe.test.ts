/** `cuda-gate probe` and `targets: probe`: what the host's driver and GPUs say, never a guess. */
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { GateError } from '../../src/common/errors';
import { loadMatrix } from '../../src/matrix/load';
import { parseProcVersion, parseQueryGpu, probeHost, probeTargets, probeYaml } from '../../src/targets/probe';
import { parseTargets } from '../../src/targets/load';
import { testIf } from '../helpers/skip';

const matrix = loadMatrix();
const dir = mkdtempSync(join(tmpdir(), 'cg-probe-'));
const H100_SMI = '550.54.15, NVIDIA H100 80GB HBM3, 9.0\n550.54.15, NVIDIA H100 80GB HBM3, 9.0\n';
const PROC_PROPRIETARY =
  'NVRM version: NVIDIA UNIX x86_64 Kernel Module  535.104.05  Sat Aug 19 01:15:15 UTC 2023\nGCC version:  gcc version 12.3.0 (Ubuntu 12.3.0-1ubuntu1~22.04)\n';
const PROC_OPEN =
  'NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  570.124.06  Release Build  (dvs-builder@U16-I3-B03-4-3)  Tue Mar 11 07:06:51 UTC 2025\n';

test('nvidia-smi query lines give driver, GPU name and compute capability', () => {
  expect(parseQueryGpu(H100_SMI)).toEqual([
    { driver: '550.54.15', name: 'NVIDIA H100 80GB HBM3', computeCapability: '9.0' },
    { driver: '550.54.15', name: 'NVIDIA H100 80GB HBM3', computeCapability: '9.0' },
  ]);
});

test('/proc/driver/nvidia/version gives the driver for proprietary and open kernel modules', () => {
  expect(parseProcVersion(PROC_PROPRIETARY)).toBe('535.104.05');
  expect(parseProcVersion(PROC_OPEN)).toBe('570.124.06');
});

test('identical GPUs make one target, named after the host, that the targets loader accepts back', async () => {
  const probe = await probeHost({ run: async () => H100_SMI, host: 'gpu-runner-7', procVersionPath: '/nonexistent' });
  const targets = probeTargets(probe, matrix);
  expect(targets).toHaveLength(1);
  expect(targets[0]).toMatchObject({ name: 'gpu-runner-7', driver: '550.54.15', gpu: { computeCapability: '9.0' } });
  const again = parseTargets(probeYaml(probe, targets), 'probe.yml', matrix).targets;
  expect(again[0]).toMatchObject({ name: 'gpu-runner-7', driver: '550.54.15', gpu: { computeCapability: '9.0' } });
});

test('the probe leaves the runtime unstated and suggests it as a comment the loader accepts once uncommented', async () => {
  const probe = await probeHost({ run: async () => H100_SMI, host: 'gpu-runner-7', procVersionPath: '/nonexistent' });
  const targets = probeTargets(probe, matrix);
  expect(targets[0].runtime).toBeUndefined();
  const yaml = probeYaml(probe, targets);
  expect(yaml).toContain('    # runtime: cdi   # or legacy (docker run --gpus); unset = judge both\n');
  expect(parseTargets(yaml, 'probe.yml', matrix).targets[0].runtime).toBeUndefined();
  const uncommented = yaml.replace('    # runtime: cdi', '    runtime: cdi');
  expect(parseTargets(uncommented, 'probe.yml', matrix).targets[0].runtime).toBe('cdi');
});

test('an old driver without compute_cap is asked again without it', async () => {
  const calls: string[][] = [];
  const run = async (_cmd: string, args: string[]) => {
    calls.push(args);
    if (args[0].includes('compute_cap')) throw Object.assign(new Error('Command failed'), { stderr: 'Field "compute_cap" is not a valid field to query.' });
    return '470.82.01, Tesla T4\n';
  };
  const probe = await probeHost({ run, host: 'edge', procVersionPath: '/nonexistent' });
  expect(calls).toHaveLength(2);
  expect(probeTargets(probe, matrix)[0]).toMatchObject({ driver: '470.82.01', gpu: { computeCapability: '7.5' } });
});

test('without nvidia-smi the kernel module version still gives the driver (no GPU named)', async () => {
  const proc = join(dir, 'version');
  writeFileSync(proc, PROC_PROPRIETARY);
  const enoent = Object.assign(new Error('spawn nvidia-smi ENOENT'), { code: 'ENOENT' });
  const probe = await probeHost({ run: async () => Promise.reject(enoent), host: 'h', procVersionPath: proc });
  expect(probe).toMatchObject({ driver: '535.104.05', gpus: [], via: '/proc/driver/nvidia/version' });
  expect(probeTargets(probe, matrix)[0].gpu).toBeUndefined();
});

test('no NVIDIA driver at all is a clear error, not a guess', async () => {
  const enoent = Object.assign(new Error('spawn nvidia-smi ENOENT'), { code: 'ENOENT' });
  await expect(probeHost({ run: async () => Promise.reject(enoent), host: 'h', procVersionPath: '/nonexistent/version' })).rejects.toThrow(GateError);
  await expect(probeHost({ run: async () => Promise.reject(enoent), host: 'h', procVersionPath: '/nonexistent/version' })).rejects.toThrow(
    /no NVIDIA driver on this machine.*nvidia-smi is not on PATH/,
  );
});

describe('the bundled CLI with a real nvidia-smi executable on PATH', () => {
  const bin = join(dir, 'bin');
  beforeAll(() => {
    require('node:fs').mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'nvidia-smi'), `#!/bin/sh\nprintf '${H100_SMI.replace(/\n/g, '\\n')}'\n`);
    chmodSync(join(bin, 'nvidia-smi'), 0o755);
  });
  const cli = (args: string[], path: string) =>
    spawnSync(process.execPath, ['dist/cli.js', ...args], { cwd: join(__dirname, '../..'), encoding: 'utf8', env: { ...process.env, PATH: path } });

  test('probe prints a targets entry', () => {
    const r = cli(['probe'], `${bin}:${process.env.PATH}`);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/targets:\n {2}\S+:\n {4}driver: "550\.54\.15"\n {4}gpu: "H100"/);
  });

  test('check --targets probe judges against this machine', () => {
    const r = cli(['check', 'docker-archive:examples/images/cuda12.4-app.tar', '--targets', 'probe', '--format', 'json'], `${bin}:${process.env.PATH}`);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).targets[0]).toMatchObject({ driver: '550.54.15', gpu: { computeCapability: '9.0' } });
  });

  // the bundled CLI reads the real /proc/driver/nvidia/version: without nvidia-smi it still finds a driver there
  const hasDriver = require('node:fs').existsSync('/proc/driver/nvidia/version');
  testIf(!hasDriver, 'this machine has an NVIDIA driver (/proc/driver/nvidia/version)')('probe without any driver exits 2 with one line', () => {
    const r = cli(['probe'], '/nonexistent');
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('no NVIDIA driver');
  });
});
