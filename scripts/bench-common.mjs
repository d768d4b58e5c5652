// Helpers shared by the benchmark sections (scripts/bench.mjs, scripts/bench-seek.mjs).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** the CLI bundle timed: dist/cli.js, or BENCH_CLI (e.g. a private build of work in progress) */
export const CLI = process.env.BENCH_CLI ? resolve(process.env.BENCH_CLI) : join(ROOT, 'dist/cli.js');
const RSS_PRELOAD = join(ROOT, 'scripts/bench-rss.cjs');

export const sh = (cmd, args, opts = {}) => execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });

/** Runs a command, returns wall seconds, the exit status and (for node commands) peak RSS in MB. */
export function timed(cmd, args, { env = {}, shell = false, okStatus = [0, 1] } = {}) {
  const rssFile = join(tmpdir(), `cg-rss-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const started = process.hrtime.bigint();
  const r = spawnSync(cmd, args, {
    env: { ...process.env, ...env, BENCH_RSS_FILE: rssFile, NODE_OPTIONS: `--require ${RSS_PRELOAD}` },
    stdio: ['ignore', 'ignore', 'pipe'],
    shell,
    maxBuffer: 64 << 20,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (!okStatus.includes(r.status)) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  const rssMb = existsSync(rssFile) ? Number(readFileSync(rssFile, 'utf8')) / 1024 : undefined;
  rmSync(rssFile, { force: true });
  return { seconds, rssMb, status: r.status };
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** cuda-gate check arguments for one source, as every section runs it. */
export const gate = (source, extra = []) => ['check', source, '--driver', '550.54.15', '--gpu', 'H100', '--format', 'json', '-q', ...extra];

/**
 * Drops `file`'s pages from the page cache without privileges (posix_fadvise DONTNEED through dd's
 * iflag=nocache). Dirty pages cannot be dropped, so the file is synced first.
 */
export function dropFromPageCache(file) {
  sh('sync', [file]);
  sh('dd', [`if=${file}`, 'iflag=nocache', 'count=0', 'status=none']);
}

/** Fraction of `file`'s pages in the page cache (util-linux fincore), or undefined when fincore is missing. */
export function residentFraction(file) {
  try {
    const out = sh('fincore', ['--bytes', '--noheadings', '--raw', '--output', 'RES,SIZE', file]).trim().split(/\s+/).map(Number);
    return out[1] ? out[0] / out[1] : 0;
  } catch {
    return undefined;
  }
}

/** Whether the built CLI accepts `args` (e.g. ['--no-seek'], ['--jobs', '2']): an unknown option is a parse error. */
export function cliAccepts(args) {
  const r = spawnSync(process.execPath, [CLI, 'check', 'docker-archive:/nonexistent/cuda-gate-bench.tar', '--driver', '550.54.15', ...args], { encoding: 'utf8' });
  return !/unknown option|unexpected argument/i.test(r.stderr);
}
