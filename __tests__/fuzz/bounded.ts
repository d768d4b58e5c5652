/**
 * Shared settings for the fuzz suite: a fixed seed (a failure reproduces on every machine), a bounded number of
 * runs (the suite stays fast), and a time bound per call (a parser that loops or backtracks shows up as a failure,
 * not as a stuck CI job).
 */
import { GateError, type ErrorCode } from '../../src/common/errors';

export const SEED = 42;
export const RUNS = 300;
/** FUZZ_SEED / FUZZ_RUNS override both for a deeper local run, e.g. FUZZ_SEED=7 FUZZ_RUNS=5000 npx jest __tests__/fuzz */
export const FUZZ = { seed: Number(process.env.FUZZ_SEED ?? SEED), numRuns: Number(process.env.FUZZ_RUNS ?? RUNS) } as const;

/** Per call of a pure parser; generous against a loaded CI machine, tight against anything super-linear. */
export const CALL_MS = 1000;

/** Calls `fn` and fails when it takes longer than `budgetMs` (a synchronous call cannot be interrupted). */
export function timed<T>(fn: () => T, budgetMs = CALL_MS): T {
  const started = performance.now();
  const out = fn();
  const took = performance.now() - started;
  if (took > budgetMs) throw new Error(`took ${took.toFixed(0)} ms, over the ${budgetMs} ms budget`);
  return out;
}

export class Hang extends Error {}

/** Awaits `run()` and fails with Hang when it neither resolves nor rejects within `budgetMs`. */
export async function settlesWithin<T>(run: () => Promise<T>, budgetMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Hang(`did not settle within ${budgetMs} ms`)), budgetMs);
  });
  try {
    return await Promise.race([run(), hang]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `fn`; a throw must be a GateError with one of `codes` (anything else is a crash and is rethrown). */
export function gateErrorOr<T>(fn: () => T, codes: readonly ErrorCode[]): { value: T } | { error: GateError } {
  try {
    return { value: fn() };
  } catch (e) {
    if (e instanceof GateError && codes.includes(e.code)) return { error: e };
    throw e;
  }
}
