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
  /** `waivers:` of the targets file: failures and caveats accepted until a date (absent: none) */
  waivers?: Waiver[];
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

/**
 * A waiver in the targets file (`waivers:`): a known failure or caveat accepted, with a reason, until a date. A result
 * whose failing and caveated reasons are all covered by waivers in force is shown as waived and does not gate.
 */
export interface Waiver {
  /** a glob on the image's source string or its ref: `*` any run of characters, `?` one */
  image: string;
  /** a target name, or `*` */
  target: string;
  /** a reason code (DRIVER_TOO_OLD), or `*` */
  code: string;
  /** why it is accepted: shown beside every result it waives */
  reason: string;
  /** YYYY-MM-DD: the waiver holds through this day (UTC) and stops waiving the day after */
  expires: string;
  /** where it was declared ("file:line") */
  origin?: string;
}

/** What a pull request changes in the gate's policy (the targets file, its matrix overrides), as plain data. */
export interface PolicyChange {
  subject: 'targets-file' | 'target' | 'fail-on' | 'no-cuda' | 'waiver' | 'matrix-overrides';
  /** the target's name, the waiver's image/target/code, the file */
  name?: string;
  /** the target's field that changed (driver, gpu, forward-compat, runtime, os), or the waiver's (expires, reason) */
  field?: string;
  from?: string;
  to?: string;
  /** whether the change lets more results pass the gate (looser), fewer (stricter), or cannot be told (neutral) */
  effect: 'looser' | 'stricter' | 'neutral';
  /** one line a reviewer reads: "target edge-t4: driver raised from 470.82.01 to 550.54.15" */
  text: string;
}

/**
 * The base branch's policy against the pull request's: targets and waivers added or removed, fields that loosen or
 * tighten the gate (a driver raised, fail-on relaxed, forward-compat turned on), and neutral changes.
 */
export interface PolicyDiff {
  added: PolicyChange[];
  removed: PolicyChange[];
  loosened: PolicyChange[];
  tightened: PolicyChange[];
  changed: PolicyChange[];
}

/** Every change of a diff, looser ones first. */
export function policyChanges(diff: PolicyDiff): PolicyChange[] {
  const all = [...diff.removed, ...diff.added, ...diff.loosened, ...diff.tightened, ...diff.changed];
  const order = { looser: 0, stricter: 1, neutral: 2 } as const;
  return all.sort((a, b) => order[a.effect] - order[b.effect]);
}

/**
 * `policy-from` (action): on a pull request, gate with the targets file as of the base commit (base, the default: the
 * pull request cannot loosen its own gate) or as checked out (head).
 */
export const POLICY_FROM_VALUES = ['base', 'head'] as const;
export type PolicyFrom = (typeof POLICY_FROM_VALUES)[number];

/** Whose policy (targets file, waivers, matrix overrides) gated a run, and how it was read. */
export interface PolicySource {
  /** base: as of the pull request's base commit; head: the files of the checkout */
  from: 'base' | 'head';
  /** the targets file, as a path in the repository (or as given, outside one) */
  file: string;
  /** the base commit it was read at */
  commit?: string;
  /** git: `git show` in the local clone; api: the REST contents API */
  via?: 'git' | 'api';
  /** on a pull request, why the head's policy gated: policy-from: head, a file new in this PR, a file outside the repository */
  reason?: string;
}
