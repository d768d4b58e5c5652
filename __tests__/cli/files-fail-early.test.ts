/**
 * Files the CLI writes fail early and plainly: --output that cannot be written is one line naming the path and the
 * fix, exit 2, before any image is read; a report that still cannot be written at the end goes to stdout. A cache
 * directory that cannot be made never hangs the run (Node's recursive mkdir loops under /proc): one warning, and
 * the scan goes on without the cache.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeDirs } from '../../src/common/make-dirs';
import { tempDir } from '../helpers/tmp';
import { runCli } from './run-cli';

const ROOT = join(__dirname, '../..');
const EXAMPLE = `docker-archive:${join(ROOT, 'examples/images/cuda12.4-app.tar')}`;
/** a source that is an error once read: an --output problem must be said before it */
const NEVER_READ = 'docker-archive:/nonexistent/never-read.tar';
const DRIVER = ['--driver', '550.54.15'];

function oneLine(r: { code: number; stdout: string; stderr: string }): string {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).not.toMatch(/internal error|please report/);
  return lines[0];
}

describe('--output', () => {
  const dir = tempDir();
  const file = join(dir, 'a-file');
  writeFileSync(file, 'x');

  test('into a directory that does not exist: named with the mkdir that fixes it, before the image is read', async () => {
    const out = join(dir, 'reports/r.json');
    expect(oneLine(await runCli('check', NEVER_READ, ...DRIVER, '--output', out))).toBe(
      `cuda-gate: error: --output ${out}: the directory ${join(dir, 'reports')} does not exist (create it first: mkdir -p ${join(dir, 'reports')})`,
    );
  });

  test('onto a directory', async () => {
    expect(oneLine(await runCli('check', NEVER_READ, ...DRIVER, '-o', dir))).toBe(
      `cuda-gate: error: --output ${dir} is a directory (give a file name, e.g. --output ${dir}/cuda-gate-report.json)`,
    );
  });

  test('under a file', async () => {
    expect(oneLine(await runCli('check', NEVER_READ, ...DRIVER, '-o', join(file, 'r.json')))).toBe(
      `cuda-gate: error: --output ${join(file, 'r.json')}: ${file} is not a directory (give a path in a directory)`,
    );
  });

  // Linux: /proc takes no new file, whoever asks (root too: a chmod 0555 directory would not stop root)
  test('where no file can be created (/proc), even for root', async () => {
    expect(oneLine(await runCli('check', NEVER_READ, ...DRIVER, '-o', '/proc/cuda-gate-report.json'))).toMatch(
      /^cuda-gate: error: --output \/proc\/cuda-gate-report\.json: cannot create or write a file there: ENOENT.* \(give a path you can write\)$/,
    );
  });

  test('the check leaves nothing behind, and an existing report is not touched before the scan', async () => {
    const before = readdirSync(dir).sort();
    expect((await runCli('check', NEVER_READ, ...DRIVER, '-o', join(dir, 'new.json'))).stderr).toContain('never-read.tar');
    expect(readdirSync(dir).sort()).toEqual(before);
    const old = join(dir, 'old.json');
    writeFileSync(old, 'old report');
    await runCli('check', NEVER_READ, ...DRIVER, '-o', old);
    expect(readFileSync(old, 'utf8')).toBe('old report');
  });

  test('a writable path gets the report, nothing on stdout', async () => {
    const out = join(dir, 'ok.json');
    const r = await runCli('check', EXAMPLE, ...DRIVER, '--format', 'json', '-o', out);
    expect(r).toMatchObject({ code: 0, stdout: '' });
    expect(JSON.parse(readFileSync(out, 'utf8')).summary.gatePassed).toBe(true);
  });

  // Linux: /dev/full takes the open and fails every write (ENOSPC)
  test('a write that fails at the end puts the finished report on stdout and the error on stderr', async () => {
    const r = await runCli('check', EXAMPLE, ...DRIVER, '--format', 'json', '-o', '/dev/full');
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).summary.gatePassed).toBe(true);
    expect(r.stderr).toBe(
      'cuda-gate: error: --output /dev/full: could not write it (ENOSPC: no space left on device, write); the report was written to stdout instead\n',
    );
  });
});

describe('--cache-dir that cannot be a cache', () => {
  const dir = tempDir();
  const file = join(dir, 'a-file');
  writeFileSync(file, 'x');

  // the bundled CLI in its own process: a hang is a timeout here, not a stuck test runner
  function cli(cacheDir: string) {
    const r = spawnSync(process.execPath, ['dist/cli.js', 'check', EXAMPLE, ...DRIVER, '--cache-dir', cacheDir], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, CUDA_GATE_DEBUG: '' },
    });
    return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
  }

  test.each([
    ['/proc/cuda-gate-cache', 'ENOENT'],
    ['/proc/self/cuda-gate-cache', 'ENOENT'],
    [file, 'ENOTDIR'],
    [join(file, 'cache'), 'ENOTDIR'],
    ['/dev/null/cache', 'ENOTDIR'],
  ])('%s: one warning, the check runs to its verdict without a cache', (cacheDir, code) => {
    const r = cli(cacheDir);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('gate passed');
    const escaped = cacheDir.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    expect(r.stderr).toMatch(
      new RegExp(`^cuda-gate: warning: cache: cannot create or write the cache directory ${escaped} \\(${code}: [^\\n]*\\); scanning without a cache\\n$`),
    );
  });
});

describe('makeDirs', () => {
  test('makes the missing directories of a path, and is content when they exist', () => {
    const root = tempDir();
    const deep = join(root, 'a/b/c');
    makeDirs(deep);
    expect(statSync(deep).isDirectory()).toBe(true);
    makeDirs(deep);
    mkdirSync(join(root, 'x'));
    makeDirs(join(root, 'x/y'));
    expect(statSync(join(root, 'x/y')).isDirectory()).toBe(true);
  });

  test('ends with the first error: a file in the way, a parent that cannot hold directories', () => {
    const root = tempDir();
    writeFileSync(join(root, 'f'), '');
    expect(() => makeDirs(join(root, 'f'))).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
    expect(() => makeDirs(join(root, 'f/g/h'))).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
    // where mkdirSync(…, { recursive: true }) never returns
    expect(() => makeDirs('/proc/cuda-gate-x/y')).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    expect(() => makeDirs('/proc/self/cuda-gate-x')).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });
});
