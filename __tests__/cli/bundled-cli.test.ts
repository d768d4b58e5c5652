/** The bundled CLI (dist/cli.js) as a user runs it: exit codes, the JSON contract, text and markdown output. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');
const EXAMPLE = 'docker-archive:examples/images/cuda12.4-app.tar';
const TARGETS = 'examples/cuda-targets.yml';

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['dist/cli.js', ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CUDA_GATE_DEBUG: '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('bundled CLI', () => {
  test('--format json follows the report contract', () => {
    const r = cli('check', EXAMPLE, '--targets', TARGETS, '--format', 'json');
    expect(r.code).toBe(1); // edge-t4 fails by design
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ schemaVersion: 1, tool: { name: 'cuda-gate', version: expect.any(String) } });
    expect(report.matrix).toEqual({ version: expect.any(String), date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) });
    const [img] = report.images;
    expect(img).toMatchObject({
      source: EXAMPLE,
      ref: 'example/cuda-app:12.4',
      platform: 'linux/amd64',
      cuda: { runtime: '12.4.127', major: 12 },
      requirement: { minDriver: '550.54.15', minorCompatDriver: '525.60.13' },
    });
    expect(img.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const cudartFile = img.evidence.find((e: { kind: string; from: string }) => e.kind === 'cudart' && e.from === 'file');
    expect(cudartFile).toMatchObject({
      version: '12.4.127',
      path: '/usr/local/cuda-12.4/targets/x86_64-linux/lib/libcudart.so.12.4.127',
      layer: expect.stringMatching(/^sha256:/),
      instruction: expect.stringMatching(/^RUN apt-get/),
    });
    expect(img.findings).toEqual(expect.any(Array));
    for (const res of report.results) {
      expect(res.image).toBe(EXAMPLE);
      expect(['pass', 'caveat', 'fail']).toContain(res.verdict);
      for (const reason of res.reasons) expect(reason).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    }
    const byTarget = Object.fromEntries(report.results.map((x: { target: string; verdict: string }) => [x.target, x.verdict]));
    expect(byTarget).toEqual({ 'prod-a100': 'caveat', 'inference-l4': 'pass', 'edge-t4': 'fail', 'dev-rtx4090': 'pass' });
    expect(report.summary).toMatchObject({ pass: 2, caveat: 1, fail: 1, verdict: 'fail', gatePassed: false });
  });

  test('--fail-on never turns a failing gate into exit 0; caveat fails on a caveat', () => {
    expect(cli('check', EXAMPLE, '--targets', TARGETS, '--fail-on', 'never', '-q').code).toBe(0);
    expect(cli('check', EXAMPLE, '--driver', '535.104.05', '--gpu', 'A100', '--fail-on', 'caveat', '-q').code).toBe(1);
    expect(cli('check', EXAMPLE, '--driver', '535.104.05', '--gpu', 'A100', '-q').code).toBe(0);
  });

  test('text output is a readable table with the verdict per target and the reasons', () => {
    const r = cli('check', EXAMPLE, '--targets', TARGETS);
    expect(r.stdout).toMatch(/IMAGE\s+CUDA\s+NEEDS DRIVER\s+prod-a100\s+inference-l4\s+edge-t4\s+dev-rtx4090/);
    expect(r.stdout).toContain('edge-t4: DRIVER_TOO_OLD');
    expect(r.stdout).toContain('gate FAILED');
  });

  test('markdown output: the headline says what breaks, the failure with its fix, the table with icons, details folded', () => {
    const r = cli('check', EXAMPLE, '--targets', TARGETS, '--format', 'markdown');
    expect(r.stdout).toMatch(/^### ❌ <code>cuda12\.4-app\.tar<\/code> will not run on <code>edge-t4<\/code>\n/);
    expect(r.stdout).toMatch(/^- ❌ \*\*edge-t4\*\* — at CUDA initialisation: .*<br>\*\*Fix:\*\* /m);
    expect(r.stdout).toMatch(/^\| <code>cuda12\.4-app\.tar<\/code><br><sub>CUDA 12\.4\.1 · driver ≥ 550\.54\.15<\/sub> \| ⚠️ \| ✅ \| ❌ \| ✅ \|$/m);
    expect(r.stdout).toContain('<details><summary>Details: ');
    expect(r.stdout).not.toContain('<details open>');
  });

  test('--output writes the report to a file and nothing to stdout', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'cg-out-')), 'r.json');
    const r = cli('check', EXAMPLE, '--driver', '550.54.15', '--format', 'json', '--output', out);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(JSON.parse(readFileSync(out, 'utf8')).summary.verdict).toBe('pass');
  });

  test('bad input exits 2 with one line and no stack trace', () => {
    const r = cli('check', 'docker-archive:/nonexistent.tar', '--driver', '550.54.15');
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('/nonexistent.tar');
  });

  test('--help and --version', () => {
    expect(cli('--help').stdout).toContain('usage: cuda-gate check');
    expect(cli('--version').stdout).toMatch(/^cuda-gate \d+\.\d+\.\d+/);
  });
});
