/**
 * The CLI: `cuda-gate plan --targets k8s:FILE` (text, json, markdown) and `cuda-gate check … --targets k8s:FILE
 * --emit node-affinity [--emit-file FILE]`, on the example fleet examples/k8s/mixed-fleet.json.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { FleetPlan } from '../../src/plan/plan';
import { mixedFleetNodes, nodesJson } from '../helpers/k8s-nodes';
import { tempDir } from '../helpers/tmp';
import { runCli } from './run-cli';

const ROOT = join(__dirname, '../..');
const FLEET = join(ROOT, 'examples/k8s/mixed-fleet.json');
const IMAGE = `docker-archive:${join(ROOT, 'examples/images/cuda12.4-app.tar')}`;

test('the example fleet file is the helper’s mixed fleet (kept in step)', () => {
  expect(readFileSync(FLEET, 'utf8')).toBe(nodesJson(mixedFleetNodes()));
});

test('plan --targets k8s:FILE prints the fleet plan and names the node it could not read', async () => {
  const r = await runCli('plan', '--targets', `k8s:${FLEET}`);
  expect(r.code).toBe(0);
  const lines = r.stdout.split('\n');
  expect(lines[0]).toMatch(/^cuda-gate plan: 5 target\(s\), 9 node\(s\) \(matrix \d{4}\.\d{2}\.\d{2}\)$/);
  expect(lines).toContain('tesla-k80             2      470.256.02  11.4  Tesla K80 (3.7)   11.4.4            11.8.0                 11.8.0');
  expect(r.stdout).toContain('    fully                             11.4.4          CUDA 11.4 Update 4: every target fully');
  expect(r.stdout).toContain('    nvidia/cuda:11.4.4-runtime-<os>   every target, full support');
  expect(r.stdout).toContain('    CUDA 11.4.4: TORCH_CUDA_ARCH_LIST="3.7;7.0;8.0+PTX"  CMAKE_CUDA_ARCHITECTURES="37-real;70-real;80"');
  expect(r.stdout).toContain('    pixi.toml    [system-requirements] cuda = "11.4"');
  expect(r.stdout).toContain('    conda        __cuda>=11.4');
  expect(r.stdout).toContain('  PyTorch wheel indexes that run on every target: none');
  expect(r.stdout).toContain(
    '      cu130 (CUDA 13.0): runs on h100-80gb-hbm3; not on tesla-k80, tesla-v100-sxm2-16gb, a100-sxm4-80gb, b200 (driver\n        < 580.65.06)',
  );
  expect(r.stdout).toContain('  Next CUDA release 11.5.0 (CUDA 11.5 GA, needs driver >= 495.29.05) is held back by:');
  expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(122);
  expect(r.stderr.split('\n')).toEqual([
    `cuda-gate: warning: ${FLEET}: node gpu-new-1 is not a target: no driver labels (nvidia.com/cuda.driver-version.full, or nvidia.com/cuda.driver.major / .minor / .rev): is GPU Feature Discovery running on it?`,
    `cuda-gate: note: ${FLEET}: 2 node(s) show no NVIDIA GPU (no nvidia.com/ label, capacity or allocatable), not targets: cp-1, cpu-1`,
    '',
  ]);
});

test('plan --format json is the FleetPlan; --format markdown has the tables; --output writes the file', async () => {
  const json = await runCli('plan', '--targets', `k8s:${FLEET}`, '--format', 'json');
  const p = JSON.parse(json.stdout) as FleetPlan;
  expect([p.schemaVersion, p.kind, p.fleet.full?.release.version, p.fleet.minorVersionCompat?.release.version, p.targets.map((t) => t.nodeCount)]).toEqual([
    1,
    'cuda-gate-plan',
    '11.4.4',
    '11.8.0',
    [2, 2, 2, 2, 1],
  ]);
  const md = await runCli('plan', '--targets', `k8s:${FLEET}`, '--format', 'markdown');
  expect(md.stdout).toContain('| Target | Nodes | Driver | CUDA | GPU | Full | + minor-version compat | + forward compat |');
  expect(md.stdout).toContain('| tesla-k80 | 2 | 470.256.02 | 11.4 | Tesla K80 (3.7) | 11.4.4 | 11.8.0 | 11.8.0 |');
  const out = join(tempDir('cg-plan-'), 'plan.md');
  const written = await runCli('plan', '--targets', `k8s:${FLEET}`, '--format', 'markdown', '--output', out);
  expect([written.code, written.stdout, readFileSync(out, 'utf8')]).toEqual([0, '', md.stdout]);
});

test('plan reads a targets file too', async () => {
  const r = await runCli('plan', '--targets', join(ROOT, 'examples/cuda-targets.yml'), '--format', 'json');
  expect(r.code).toBe(0);
  expect((JSON.parse(r.stdout) as FleetPlan).targets.length).toBeGreaterThan(0);
});

test.each([
  [['plan', 'app:1', '--targets', 'k8s:x.json'], 'cuda-gate: error: plan takes no SOURCE (got "app:1")'],
  [
    ['plan', '--targets', 'k8s:x.json', '--format', 'sarif'],
    'cuda-gate: error: --format "sarif" is not one of text, json, markdown (e.g. cuda-gate plan --format json)',
  ],
  [['check', 'app:1', '--driver', '550.54.15', '--emit', 'node-affinity'], 'cuda-gate: error: --emit needs --targets k8s:FILE'],
  [['check', 'app:1', '--targets', 'k8s:x.json', '--emit-file', 'a.yaml'], 'cuda-gate: error: --emit-file needs --emit'],
  [['check', 'app:1', '--targets', 'k8s:x.json', '--emit', 'pod'], 'cuda-gate: error: --emit "pod" is not one of node-affinity'],
  [
    ['check', 'app:1', '--targets', 'k8s:x.json', '--emit', 'node-affinity', '--format', 'json'],
    'cuda-gate: error: --emit with --format json on stdout would mix YAML into the JSON',
  ],
])('%j is refused', async (argv, line) => {
  const r = await runCli(...argv);
  expect(r.code).toBe(2);
  expect(r.stderr.split(' (')[0]).toBe(line.split(' (')[0]);
});

describe('check --targets k8s:FILE --emit node-affinity', () => {
  test('after the report on stdout: the affinity admitting the nodes where the image runs', async () => {
    const r = await runCli('check', IMAGE, '--targets', `k8s:${FLEET}`, '--emit', 'node-affinity', '--no-cache');
    // the K80 (driver too old) and the B200 (no sm_100 code) fail: the gate fails, and their nodes are excluded
    expect(r.code).toBe(1);
    const at = r.stdout.indexOf('# cuda-gate: node affinity for');
    expect(at).toBeGreaterThan(0);
    const yaml = r.stdout.slice(at);
    expect(yaml).toContain('# excludes 3 node(s): gpu-k80-1, gpu-k80-2 (tesla-k80: fail); gpu-b200-1 (b200: fail)');
    const doc = parse(yaml) as { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: unknown[] } } } };
    expect(doc.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toHaveLength(3);
  });

  test('--emit-file: the report alone on stdout, the affinity in the file, one line on stderr', async () => {
    const file = join(tempDir('cg-emit-'), 'affinity.yaml');
    const r = await runCli(
      'check',
      IMAGE,
      '--targets',
      `k8s:${FLEET}?runtime=cdi`,
      '--emit',
      'node-affinity',
      '--emit-file',
      file,
      '--format',
      'json',
      '--no-cache',
      '--fail-on',
      'caveat',
    );
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { targets: { name: string; runtime?: string }[] };
    expect(report.targets.map((t) => t.runtime)).toEqual(['cdi', 'cdi', 'cdi', 'cdi', 'cdi']);
    expect(existsSync(file)).toBe(true);
    // --fail-on caveat: the V100 (minor-version compatibility) is excluded too
    expect(readFileSync(file, 'utf8')).toContain('# admits 4 node(s) of a100-sxm4-80gb, h100-80gb-hbm3');
    expect(r.stderr).toContain(
      `cuda-gate: ${IMAGE}: node affinity admits 4 of 9 GPU node(s), excludes gpu-k80-1, gpu-k80-2, gpu-v100-1, gpu-v100-2, gpu-b200-1 (${file})`,
    );
  });
});
