/**
 * Long scans are not silent in a CI log: with stderr not a terminal, a line at most every CUDA_GATE_PROGRESS_S
 * seconds (default 10) of a long read, none for a short one, none with --quiet; bytes count while a layer streams.
 */
import { join } from 'node:path';
import type { Progress } from '../../src/engine/check';
import { analyseImage } from '../../src/engine/check';
import { DEFAULT_PROGRESS_INTERVAL_S, formatSeconds, progressIntervalMs, progressLive, progressLog, readText } from '../../src/engine/progress';
import { loadMatrix } from '../../src/matrix/load';
import { writeOciImage } from '../helpers/oci-layout';
import { tempDir } from '../helpers/tmp';
import { runCli } from './run-cli';

const EXAMPLE = `docker-archive:${join(__dirname, '../../examples/images/cuda12.4-app.tar')}`;
const MiB = 1024 * 1024;

/** A clock the test moves. */
function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('progressLog (a log: CI, the action step)', () => {
  const layer = (layer: number, bytes: number): Progress => ({ image: 'app.tar', phase: 'layer', layer, layers: 4, bytes });

  test('nothing before the interval, then at most a line per interval, and a closing line', () => {
    const c = clock();
    const lines: string[] = [];
    const log = progressLog({ intervalMs: 10_000, line: (l) => lines.push(l), now: c.now });
    log({ image: 'app.tar', phase: 'open' });
    c.advance(4_000);
    log(layer(0, 100 * MiB));
    expect(lines).toEqual([]);
    c.advance(6_000);
    log(layer(1, 500 * MiB));
    expect(lines).toEqual(['app.tar: 1/4 layers, 500 MiB read (50 MiB/s), 10 s']);
    c.advance(5_000);
    log(layer(1, 800 * MiB));
    c.advance(4_999);
    log(layer(2, 1000 * MiB));
    expect(lines).toHaveLength(1);
    c.advance(1);
    log(layer(3, 1024 * MiB));
    expect(lines[1]).toBe('app.tar: 3/4 layers, 1 GiB read (51.2 MiB/s), 20 s');
    c.advance(60_000);
    log({ image: 'app.tar', phase: 'done' });
    expect(lines[2]).toBe('app.tar: done, 3/4 layers, 1 GiB read (12.8 MiB/s), 1 min 20 s');
  });

  test('a short scan prints nothing at all', () => {
    const c = clock();
    const lines: string[] = [];
    const log = progressLog({ intervalMs: 10_000, line: (l) => lines.push(l), now: c.now });
    log({ image: 'a', phase: 'open' });
    for (let i = 1; i <= 4; i++) {
      c.advance(1_000);
      log({ image: 'a', phase: 'layer', layer: i, layers: 4, bytes: i * MiB });
    }
    log({ image: 'a', phase: 'done' });
    log({ image: '', phase: 'done' });
    expect(lines).toEqual([]);
  });

  test('each image starts its own clock', () => {
    const c = clock();
    const lines: string[] = [];
    const log = progressLog({ intervalMs: 10_000, line: (l) => lines.push(l), now: c.now });
    log({ image: 'a', phase: 'open' });
    c.advance(9_000);
    log({ image: 'a', phase: 'done' });
    log({ image: 'b', phase: 'open' });
    c.advance(9_000);
    log({ image: 'b', phase: 'layer', layer: 0, layers: 1, bytes: 1 });
    expect(lines).toEqual([]);
    c.advance(1_000);
    log({ image: 'b', phase: 'layer', layer: 0, layers: 1, bytes: 2 * MiB });
    expect(lines).toEqual(['b: 0/1 layers, 2 MiB read (204.8 KiB/s), 10 s']);
  });

  test('CUDA_GATE_PROGRESS_S sets the interval; 0 is every event; anything else is the default', () => {
    expect(progressIntervalMs({})).toBe(DEFAULT_PROGRESS_INTERVAL_S * 1000);
    expect(progressIntervalMs({ CUDA_GATE_PROGRESS_S: '2.5' })).toBe(2500);
    expect(progressIntervalMs({ CUDA_GATE_PROGRESS_S: '0' })).toBe(0);
    for (const bad of ['', ' ', '-1', 'soon', 'Infinity']) expect(progressIntervalMs({ CUDA_GATE_PROGRESS_S: bad })).toBe(10_000);
  });

  test('texts', () => {
    expect(formatSeconds(59_400)).toBe('59 s');
    expect(formatSeconds(185_000)).toBe('3 min 05 s');
    expect(readText({ started: 0, layer: 2, layers: 5, bytes: 3 * MiB }, 500)).toBe('2/5 layers, 3 MiB read, 1 s');
  });
});

describe('progressLive (a terminal)', () => {
  test('redraws one line in place, at most every 100 ms, and clears it when done', () => {
    const c = clock();
    const out: string[] = [];
    const live = progressLive({ write: (t) => out.push(t), now: c.now });
    live({ image: 'app.tar', phase: 'open' });
    live({ image: 'app.tar', phase: 'layer', layer: 0, layers: 2, bytes: MiB });
    c.advance(100);
    live({ image: 'app.tar', phase: 'layer', layer: 1, layers: 2, bytes: 2 * MiB });
    live({ image: '', phase: 'done' });
    expect(out).toEqual(['\r\x1b[Kapp.tar: opening', '\r\x1b[Kapp.tar: 1/2 layers, 2 MiB read, 0 s', '\r\x1b[K']);
  });
});

describe('the CLI, stderr not a terminal', () => {
  const saved = process.env.CUDA_GATE_PROGRESS_S;
  afterEach(() => {
    if (saved === undefined) delete process.env.CUDA_GATE_PROGRESS_S;
    else process.env.CUDA_GATE_PROGRESS_S = saved;
  });

  test('a quick scan at the default interval writes nothing to stderr', async () => {
    delete process.env.CUDA_GATE_PROGRESS_S;
    const r = await runCli('check', EXAMPLE, '--driver', '550.54.15', '--no-cache');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
  });

  test('with a short interval, lines name the image, layers and bytes, and the last says done', async () => {
    process.env.CUDA_GATE_PROGRESS_S = '0';
    const r = await runCli('check', EXAMPLE, '--driver', '550.54.15', '--no-cache');
    expect(r.code).toBe(0);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines.slice(0, -1)) expect(line).toMatch(new RegExp(`^cuda-gate: ${EXAMPLE}: \\d/4 layers, [\\d.]+ KiB read.*, \\d+ s$`));
    expect(lines[lines.length - 1]).toMatch(new RegExp(`^cuda-gate: ${EXAMPLE}: done, 4/4 layers, 23 KiB read.*, \\d+ s$`));
  });

  test('--quiet prints none', async () => {
    process.env.CUDA_GATE_PROGRESS_S = '0';
    const r = await runCli('check', EXAMPLE, '--driver', '550.54.15', '--no-cache', '--quiet');
    expect(r.stderr).toBe('');
  });
});

test('a streamed layer reports its bytes while it is read, before it is done', async () => {
  const dir = tempDir();
  // gzip: read as a stream, not by offset; 24 MiB of zeros compress to little and arrive in many chunks
  await writeOciImage(dir, { layers: [{ 'data/zeros.bin': Buffer.alloc(24 * MiB) }], gzip: true });
  const events: Progress[] = [];
  await analyseImage(`oci:${dir}`, { matrix: loadMatrix(), onProgress: (p) => events.push({ ...p }) });
  const during = events.filter((e) => e.phase === 'layer' && e.layer === 0);
  expect(during.length).toBeGreaterThan(10);
  expect(during.every((e) => e.layers === 1)).toBe(true);
  const bytes = during.map((e) => e.bytes ?? 0);
  expect(bytes).toEqual([...bytes].sort((a, b) => a - b));
  expect(bytes[bytes.length - 1]).toBeGreaterThan(20 * MiB);
  const done = events.find((e) => e.phase === 'layer' && e.layer === 1);
  expect(done?.bytes).toBeGreaterThanOrEqual(24 * MiB);
});
