/**
 * Progress of a long scan, as both shells show it: the CLI on stderr (a live line on a terminal, log lines
 * otherwise) and the action in its step log. A 5-GB image takes minutes; a CI log must not be silent for them.
 *
 * Log lines are throttled: one at most every `intervalMs` (CUDA_GATE_PROGRESS_S, default 10 s) and none before an
 * image has been read for that long, so a quick scan prints nothing; an image that printed any ends with a line
 * saying what was read.
 */
import { formatBytes } from '../layers/limits';
import type { Progress } from './check';

export const DEFAULT_PROGRESS_INTERVAL_S = 10;

/**
 * Milliseconds between log lines from CUDA_GATE_PROGRESS_S: seconds, fractions allowed, 0 for a line per event
 * (debugging, tests); unset or not a number: the default, 10 s.
 */
export function progressIntervalMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.CUDA_GATE_PROGRESS_S?.trim();
  const seconds = raw ? Number(raw) : Number.NaN;
  return (Number.isFinite(seconds) && seconds >= 0 ? seconds : DEFAULT_PROGRESS_INTERVAL_S) * 1000;
}

export interface ProgressLogOptions {
  /** at most one line per this many ms, and the first after as long */
  intervalMs: number;
  /** writes one line (no newline at the end) */
  line: (text: string) => void;
  /** the clock (tests) */
  now?: () => number;
}

interface ImageState {
  source: string;
  started: number;
  /** when the last line was printed (or the image opened) */
  last: number;
  printed: boolean;
  layer?: number;
  layers?: number;
  bytes?: number;
}

/** What a shell hands the engine (CheckOptions.onProgress): lines for a log, throttled. */
export function progressLog(opts: ProgressLogOptions): (p: Progress) => void {
  const now = opts.now ?? Date.now;
  let image: ImageState | undefined;
  return (p) => {
    const t = now();
    if (p.phase === 'open' || (image?.source !== p.image && p.image !== '')) image = { source: p.image, started: t, last: t, printed: false };
    if (!image) return;
    if (p.phase === 'done') {
      if (image.printed) opts.line(`${image.source}: done, ${readText(image, t)}`);
      image = undefined;
      return;
    }
    if (p.layer !== undefined) image.layer = p.layer;
    if (p.layers !== undefined) image.layers = p.layers;
    if (p.bytes !== undefined) image.bytes = p.bytes;
    if (p.phase === 'layer' && t - image.last >= opts.intervalMs) {
      opts.line(`${image.source}: ${readText(image, t)}`);
      image.last = t;
      image.printed = true;
    }
  };
}

/** `3/12 layers, 1.2 GiB read (48.0 MiB/s), 25 s` */
export function readText(s: Pick<ImageState, 'started' | 'layer' | 'layers' | 'bytes'>, now: number): string {
  const elapsed = Math.max(0, now - s.started);
  const parts: string[] = [];
  if (s.layer !== undefined) parts.push(`${s.layer}/${s.layers ?? '?'} layers`);
  if (s.bytes !== undefined) {
    const rate = elapsed >= 1000 ? ` (${formatBytes(Math.round((s.bytes * 1000) / elapsed))}/s)` : '';
    parts.push(`${formatBytes(s.bytes)} read${rate}`);
  }
  parts.push(formatSeconds(elapsed));
  return parts.join(', ');
}

/** `25 s`, `3 min 05 s` */
export function formatSeconds(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

export interface ProgressLiveOptions {
  /** writes raw text to the terminal */
  write: (text: string) => void;
  /** redraws at most this often (default 100 ms) */
  intervalMs?: number;
  now?: () => number;
}

/** A terminal's live line, redrawn in place (at most every 100 ms: bytes arrive per chunk) and cleared when done. */
export function progressLive(opts: ProgressLiveOptions): (p: Progress) => void {
  const now = opts.now ?? Date.now;
  const every = opts.intervalMs ?? 100;
  let image: ImageState | undefined;
  let drawn = false;
  return (p) => {
    const t = now();
    if (p.phase === 'done') {
      if (drawn) opts.write('\r\x1b[K');
      drawn = false;
      image = undefined;
      return;
    }
    const fresh = p.phase === 'open' || image?.source !== p.image;
    if (fresh) image = { source: p.image, started: t, last: -Infinity, printed: false };
    const s = image as ImageState;
    if (p.layer !== undefined) s.layer = p.layer;
    if (p.layers !== undefined) s.layers = p.layers;
    if (p.bytes !== undefined) s.bytes = p.bytes;
    if (!fresh && t - s.last < every) return;
    s.last = t;
    drawn = true;
    opts.write(`\r\x1b[K${s.source}: ${p.phase === 'open' ? 'opening' : readText(s, t)}`);
  };
}
