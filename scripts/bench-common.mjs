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

const TICK = 100; // USER_HZ: the unit of /proc/stat and /proc/self/stat times

/** Busy CPU ticks of the whole machine (all cores; idle, iowait and steal left out), or undefined off Linux. */
function machineBusyTicks() {
  try {
    const [user, nice, system, , , irq, softirq] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return user + nice + system + irq + softirq;
  } catch {
    return undefined;
  }
}

/** CPU ticks of this process's waited-for children (cutime + cstime), or undefined off Linux. */
function childrenTicks() {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[13]) + Number(fields[14]);
  } catch {
    return undefined;
  }
}

const sleepMs = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Waits (up to `maxSeconds`) until the rest of the machine is quiet — less than `cores` cores busy over half a
 * second — so that other people's builds and tests on a shared machine do not land in a timing. Returns how long it
 * waited and whether it got quiet.
 */
export function waitForQuiet({ maxSeconds = Number(process.env.BENCH_QUIET_WAIT ?? 180), cores = 0.15 } = {}) {
  const started = Date.now();
  for (;;) {
    const before = machineBusyTicks();
    if (before === undefined) return { waitedSeconds: 0, quiet: undefined };
    sleepMs(500);
    const busyCores = (machineBusyTicks() - before) / TICK / 0.5;
    const waitedSeconds = (Date.now() - started) / 1000;
    if (busyCores < cores) return { waitedSeconds, quiet: true };
    if (waitedSeconds >= maxSeconds) return { waitedSeconds, quiet: false, busyCores };
    sleepMs(1500);
  }
}

/**
 * Runs a command, returns wall seconds, the exit status, (for node commands) peak RSS in MB, and othersCpuSeconds:
 * CPU the rest of the machine used meanwhile (busy time of all cores minus the command's own), a measure of noise.
 */
export function timed(cmd, args, { env = {}, shell = false, okStatus = [0, 1] } = {}) {
  const rssFile = join(tmpdir(), `cg-rss-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const busyBefore = machineBusyTicks();
  const childBefore = childrenTicks();
  const started = process.hrtime.bigint();
  const r = spawnSync(cmd, args, {
    env: { ...process.env, ...env, BENCH_RSS_FILE: rssFile, NODE_OPTIONS: `--require ${RSS_PRELOAD}` },
    stdio: ['ignore', 'ignore', 'pipe'],
    shell,
    maxBuffer: 64 << 20,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const busy = machineBusyTicks() - busyBefore;
  const own = childrenTicks() - childBefore;
  const othersCpuSeconds = Number.isFinite(busy - own) ? Math.max(0, busy - own) / TICK : undefined;
  const cpuSeconds = Number.isFinite(own) ? own / TICK : undefined;
  if (!okStatus.includes(r.status)) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  const rssMb = existsSync(rssFile) ? Number(readFileSync(rssFile, 'utf8')) / 1024 : undefined;
  rmSync(rssFile, { force: true });
  return { seconds, rssMb, status: r.status, cpuSeconds, othersCpuSeconds };
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
  const r = spawnSync(process.execPath, [CLI, 'check', 'docker-archive:/nonexistent/cuda-gate-bench.tar', '--driver', '550.54.15', ...args], {
    encoding: 'utf8',
  });
  return !/unknown option|unexpected argument/i.test(r.stderr);
}
