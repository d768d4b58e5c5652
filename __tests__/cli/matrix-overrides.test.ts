/**
 * --matrix-overrides FILE and a targets file's matrix-overrides: PATH, end to end through the CLI on an image of a
 * CUDA release the shipped matrix does not know yet; and the per-layer cache staying warm across matrix changes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCliArgs, USAGE, type CheckArgs } from '../../src/cli/args';
import { loadMatrix } from '../../src/matrix/load';
import type { Report } from '../../src/report/types';
import { NEW_RELEASE_AND_GPU } from '../helpers/matrix-overrides';
import { writeOciImage } from '../helpers/oci-layout';
import { tempDir } from '../helpers/tmp';
import { runCli } from './run-cli';

const shipped = loadMatrix();
const dir = tempDir('cg-overrides-cli-');
const image = `oci:${join(dir, 'img')}`;
const overrides = join(dir, 'overrides.yml');

beforeAll(async () => {
  // what an image built on a CUDA release newer than this cuda-gate looks like
  await writeOciImage(join(dir, 'img'), {
    layers: [{ 'usr/local/cuda-13.9/targets/x86_64-linux/lib/libcudart.so.13.9.30': 'x' }],
    env: { CUDA_VERSION: '13.9.0' },
  });
  writeFileSync(overrides, NEW_RELEASE_AND_GPU);
});

async function json(...argv: string[]): Promise<{ code: number; report: Report; stderr: string }> {
  const r = await runCli('check', image, '--format', 'json', '--no-cache', ...argv);
  expect(r.stderr).toBe('');
  return { code: r.code, report: JSON.parse(r.stdout) as Report, stderr: r.stderr };
}

const codes = (report: Report) => report.results.flatMap((r) => r.reasons.map((x) => x.code));

test('--matrix-overrides is read (repeatable) and shown in the usage', () => {
  const args = parseCliArgs(['check', image, '--driver', '640.10.01', '--matrix-overrides', 'a.yml', '--matrix-overrides=b.yml']) as CheckArgs;
  expect(args.matrixOverrides).toEqual(['a.yml', 'b.yml']);
  expect((parseCliArgs(['check', image, '--driver', '640.10.01']) as CheckArgs).matrixOverrides).toEqual([]);
  expect(USAGE).toContain('[--matrix-overrides FILE]');
});

test('without overrides: UNKNOWN_CUDA_RELEASE says the image is newer than the matrix, and how to get past it', async () => {
  const { report } = await json('--driver', '640.10.01', '--runtime', 'cdi');
  const unknown = report.results[0].reasons.find((r) => r.code === 'UNKNOWN_CUDA_RELEASE')!;
  expect(unknown.verdict).toBe('caveat');
  expect(report.results[0].verdict).toBe('caveat');
  expect(unknown.message).toContain(
    `CUDA 13.9 is newer than this matrix (${shipped.meta.date}): upgrade cuda-gate or add a matrix override (--matrix-overrides)`,
  );
  expect(unknown.remedy).toMatch(/matrix override/);
  expect(report.matrix.overrides).toBeUndefined();
});

test('an override adding the release (and its driver branch) turns UNKNOWN_CUDA_RELEASE into a definite verdict', async () => {
  const ok = await json('--driver', '640.10.01', '--matrix-overrides', overrides);
  expect(codes(ok.report)).not.toContain('UNKNOWN_CUDA_RELEASE');
  expect(ok.report.results[0].verdict).toBe('pass');
  expect(ok.report.images[0].cuda).toMatchObject({ runtime: '13.9.30', release: '13.9.0' });
  expect(ok.report.images[0].requirement.minDriver).toBe('640.10.01');
  expect(ok.code).toBe(0);

  // an older driver now fails on facts, not on the unknown
  const old = await json('--driver', '535.104.05', '--runtime', 'cdi', '--matrix-overrides', overrides);
  expect(codes(old.report)).toContain('DRIVER_TOO_OLD');
  expect(codes(old.report)).not.toContain('UNKNOWN_CUDA_RELEASE');
  expect(old.report.results[0].verdict).toBe('fail');
  expect(old.code).toBe(1);

  // the report says which rows the verdict rests on
  expect(ok.report.matrix).toMatchObject({ version: shipped.meta.version, date: shipped.meta.date });
  expect(ok.report.matrix.overrides!.map((o) => [o.file, o.table, o.id, o.action])).toEqual([
    [overrides, 'releases', '13.9.0', 'added'],
    [overrides, 'branches', '640', 'added'],
    [overrides, 'gpus', 'RTX 9090', 'added'],
  ]);
  expect(ok.report.matrix.overrides![2].source).toBe('nvidia-smi -q on our lab machine');

  const text = await runCli('check', image, '--driver', '640.10.01', '--no-cache', '--matrix-overrides', overrides);
  expect(text.stdout).toContain(`matrix ${shipped.meta.version} (${shipped.meta.date}) + 3 override rows`);
  expect(text.stdout.replace(/\s+/g, ' ')).toMatch(
    /note: matrix overrides used \(.*overrides\.yml\): 3 rows merged over matrix .* releases 13\.9\.0 \(added\), branches 640 \(added\), gpus RTX 9090 \(added\)/,
  );
  const md = await runCli('check', image, '--driver', '640.10.01', '--no-cache', '--format', 'markdown', '--matrix-overrides', overrides);
  expect(md.stdout).toMatch(/> ℹ️ \*\*Matrix overrides:\*\* matrix overrides used/);
  expect(md.stdout).toContain('+ 3 override rows · fail-on');
});

test('an override adding a GPU makes --gpu NAME resolve; without it the name is unknown', async () => {
  const without = await runCli('check', image, '--driver', '640.10.01', '--gpu', 'RTX 9090', '--no-cache');
  expect(without.code).toBe(2);
  expect(without.stderr).toMatch(/unknown GPU "RTX 9090"/);
  const { report } = await json('--driver', '640.10.01', '--gpu', 'RTX 9090', '--matrix-overrides', overrides);
  expect(report.targets[0].gpu).toMatchObject({ input: 'RTX 9090', name: 'RTX 9090', computeCapability: '12.0' });
});

test('a row without source is refused: exit 2, one line naming file:line and the fix', async () => {
  const bad = join(dir, 'no-source.yml');
  writeFileSync(bad, 'releases:\n  - version: "13.9.0"\n    label: CUDA 13.9 GA\n    linuxDriver: "640.10.01"\n');
  const r = await runCli('check', image, '--driver', '640.10.01', '--no-cache', '--matrix-overrides', bad);
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^cuda-gate: error: .*no-source\.yml:2: releases row 1 \(13\.9\.0\): source is missing/);
  expect(lines[0]).toContain('add source:');
});

test('matrix-overrides: in a targets file, relative to it; --matrix-overrides rows win over its rows', async () => {
  const sub = join(dir, 'ci');
  const targets = join(sub, 'cuda-targets.yml');
  mkdirSync(sub, { recursive: true });
  writeFileSync(join(dir, 'targets-overrides.yml'), NEW_RELEASE_AND_GPU);
  writeFileSync(targets, 'matrix-overrides: ../targets-overrides.yml\ntargets:\n  lab: { driver: 640.10.01, gpu: RTX 9090 }\n');
  const fromFile = await json('--targets', targets);
  expect(fromFile.report.results[0].verdict).toBe('pass');
  expect(fromFile.report.targets[0].gpu?.name).toBe('RTX 9090');
  expect(fromFile.report.matrix.overrides).toHaveLength(3);
  expect(fromFile.report.matrix.overrides![0].file).toMatch(/targets-overrides\.yml$/);

  // the flag's row for 13.9.0 replaces the targets file's
  const later = join(dir, 'later.yml');
  writeFileSync(later, 'releases:\n  - { version: "13.9.0", label: CUDA 13.9 GA, linuxDriver: "645.00.01", cudart: ["13.9.30"], source: a later note }\n');
  const both = await json('--targets', targets, '--matrix-overrides', later);
  expect(both.report.images[0].requirement.minDriver).toBe('645.00.01');
  expect(both.report.matrix.overrides!.find((o) => o.table === 'releases')).toMatchObject({ file: later, source: 'a later note' });

  const missing = join(sub, 'missing-overrides.yml');
  writeFileSync(missing, 'matrix-overrides: nowhere.yml\ntargets:\n  lab: { driver: 640.10.01 }\n');
  const r = await runCli('check', image, '--targets', missing, '--no-cache');
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/missing-overrides\.yml:1: matrix-overrides file nowhere\.yml not found/);
});

test('the layer cache stays warm across a matrix change: the overrides read every layer from the cache', async () => {
  const cacheDir = join(dir, 'cache');
  const run = async (...extra: string[]) =>
    JSON.parse((await runCli('check', image, '--driver', '640.10.01', '--format', 'json', '--cache-dir', cacheDir, ...extra)).stdout) as Report;
  const cold = await run();
  expect(cold.images[0].scan.layersRead).toBe(1);
  const warm = await run('--matrix-overrides', overrides);
  expect(warm.images[0].scan).toMatchObject({ layersRead: 0, layersFromCache: 1 });
  expect(warm.results[0].verdict).toBe('pass');
});
