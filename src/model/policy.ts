/** The gate's policy enums, each a value list with its type derived from it (inputs, flags and files validate against the lists). */
import { VERDICTS, verdictRank, type Verdict } from './verdict';

/** `fail-on`: the verdict at or above which the gate fails; never: the gate always passes. */
export const FAIL_ON_VALUES = ['fail', 'caveat', 'never'] as const;
export type FailOn = (typeof FAIL_ON_VALUES)[number];

/** `no-cuda`: what an image with no CUDA evidence at all gets. */
export const NO_CUDA_VALUES = ['pass', 'warn', 'fail'] as const;
export type NoCudaPolicy = (typeof NO_CUDA_VALUES)[number];

export interface Policy {
  failOn: FailOn;
  noCuda: NoCudaPolicy;
  /**
   * `fail-on-new`: only results that got worse than their baseline (the base branch's image) fail the gate; a result
   * that already failed on the base branch and still fails does not. An image without a baseline counts as new.
   */
  failOnNew: boolean;
}

export const DEFAULT_POLICY: Policy = { failOn: 'fail', noCuda: 'warn', failOnNew: false };

/** The gate fails when any result is at or above fail-on. */
export function gatePasses(verdict: Verdict, failOn: FailOn): boolean {
  return failOn === 'never' || verdictRank(verdict) < verdictRank(failOn);
}

/**
 * The gate under fail-on-new: it fails when a result that got worse than its baseline (`worsened`, see
 * report/transitions.ts) is at or above fail-on; without fail-on-new, when any result is.
 */
export function gatePassesWith(
  policy: { failOn: FailOn; failOnNew?: boolean },
  all: readonly { verdict: Verdict }[],
  worsened: readonly { verdict: Verdict }[],
): boolean {
  return (policy.failOnNew ? worsened : all).every((r) => gatePasses(r.verdict, policy.failOn));
}

/** How many verdicts fail the gate: never 0 < fail 1 < caveat 2 (merged reports keep the strictest). */
export function failOnStrictness(failOn: FailOn): number {
  return failOn === 'never' ? 0 : VERDICTS.length - verdictRank(failOn);
}

/** pass 0 < warn 1 < fail 2 */
export function noCudaStrictness(noCuda: NoCudaPolicy): number {
  return NO_CUDA_VALUES.indexOf(noCuda);
}
