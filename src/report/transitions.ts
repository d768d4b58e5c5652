/**
 * Verdicts against the base branch: each image × target judged twice, the PR's image and its baseline (the base
 * branch's image, baseline-images / --baseline, paired by position), and what changed — "edge-t4: pass → fail
 * (DRIVER_TOO_OLD)". Pure: the engine judges both; this compares, counts what got worse (fail-on-new) and renders.
 */
import { gatePasses } from '../model/policy';
import { verdictRank, type Verdict } from '../model/verdict';
import type { Result } from '../verdict/types';
import { md, term } from './escape';
import { shortName } from './view';
import type { Report, Transition } from './types';

/** A current image (its source string) and the baseline image it is compared with. */
export interface BaselinePair {
  image: string;
  baseline: string;
}

/** The most transitions the renderers list; the JSON report has them all. */
const MAX_LISTED = 50;

const ICON: Record<Verdict, string> = { pass: '✅', caveat: '⚠️', fail: '❌' };

const key = (image: string, target: string) => `${image}\u0000${target}`;

/**
 * The reason that decides a result: its first reason with the result's verdict. None for a pass: a pass's reasons
 * are remarks (DRIVER_BRANCH_EOL), and "fail → pass (DRIVER_BRANCH_EOL)" would name one as the cause.
 */
export function decisiveCode(result: Result): string | undefined {
  if (result.verdict === 'pass') return undefined;
  return result.reasons.find((r) => r.verdict === result.verdict)?.code;
}

/**
 * Per pair, per target of the current image: the baseline's verdict and the current one, kept only where they differ.
 * `baseline` holds the baseline images' results (keyed by the baseline source); a pair whose baseline has no result
 * on a target (never judged) gives nothing for it.
 */
export function verdictTransitions(current: Result[], baseline: Result[], pairs: BaselinePair[]): Transition[] {
  const before = new Map<string, Result>();
  for (const r of baseline) if (!before.has(key(r.image, r.target))) before.set(key(r.image, r.target), r);
  const baselineOf = new Map(pairs.map((p) => [p.image, p.baseline]));
  const out: Transition[] = [];
  for (const r of current) {
    const source = baselineOf.get(r.image);
    if (source === undefined) continue;
    const was = before.get(key(source, r.target));
    if (!was || was.verdict === r.verdict) continue;
    const code = decisiveCode(r);
    out.push({ image: r.image, baseline: source, target: r.target, from: was.verdict, to: r.verdict, ...(code !== undefined && { code }) });
  }
  return out;
}

/** Whether a transition makes the image harder to deploy on its target. */
export function isWorse(t: Pick<Transition, 'from' | 'to'>): boolean {
  return verdictRank(t.to) > verdictRank(t.from);
}

/**
 * The results that got worse than their baseline. An image compared with a baseline counts on the targets where its
 * verdict went up; an image without one (none given, or it could not be read) is new, and counts where it fails the
 * policy (at or above fail-on).
 */
export function worsened(report: Report): Result[] {
  const compared = new Set([...report.images.filter((i) => i.baseline !== undefined).map((i) => i.source), ...(report.transitions ?? []).map((t) => t.image)]);
  const worse = new Set((report.transitions ?? []).filter(isWorse).map((t) => key(t.image, t.target)));
  return report.results.filter((r) => (compared.has(r.image) ? worse.has(key(r.image, r.target)) : !gatePasses(r.verdict, report.policy.failOn)));
}

/** Whether the report compared any image with a baseline. */
function compared(report: Report): boolean {
  return report.images.some((i) => i.baseline !== undefined) || !!report.transitions?.length;
}

/** Transitions grouped per image, in the report's image order (then any the images do not list). */
function byImage(report: Report): { image: string; baseline: string; list: Transition[] }[] {
  const groups = new Map<string, Transition[]>();
  for (const img of report.images) groups.set(img.source, []);
  for (const t of report.transitions ?? []) groups.set(t.image, [...(groups.get(t.image) ?? []), t]);
  return [...groups].filter(([, list]) => list.length).map(([image, list]) => ({ image, baseline: list[0].baseline, list }));
}

const line = (t: Transition, esc: (s: string) => string) => `${esc(t.target)}: ${esc(t.from)} → ${esc(t.to)}${t.code ? ` (${esc(t.code)})` : ''}`;

/** What the fail-on-new gate counted, when it is on and baselines were compared. */
function failOnNewLine(report: Report): string | undefined {
  if (!report.policy.failOnNew || !compared(report)) return undefined;
  const n = report.summary.worsened ?? worsened(report).length;
  return `fail-on-new: only results worse than the base branch fail the gate; ${n} ${n === 1 ? 'is' : 'are'} worse`;
}

/**
 * Markdown lines (each image-derived string through md()): a heading, then per image its targets whose verdict
 * changed, `- ❌ edge-t4: pass → fail (DRIVER_TOO_OLD)`; a blank line last. None when nothing was compared, or
 * nothing changed and fail-on-new is off.
 */
export function renderTransitionsMarkdown(report: Report): string[] {
  const groups = byImage(report);
  const policy = failOnNewLine(report);
  if (!groups.length && !policy) return [];
  const lines = ['#### Verdicts against the base branch', ''];
  if (policy) lines.push(`_${md(policy)}._`, '');
  if (!groups.length) lines.push('No verdict changed.', '');
  let listed = 0;
  let left = 0;
  for (const g of groups) {
    if (listed >= MAX_LISTED) {
      left += g.list.length;
      continue;
    }
    lines.push(`- <code>${md(shortName(g.image))}</code> (base: <code>${md(shortName(g.baseline))}</code>)`);
    for (const t of g.list) {
      if (listed++ >= MAX_LISTED) left++;
      else lines.push(`  - ${ICON[t.to] ?? ''} ${line(t, md)}`);
    }
  }
  if (left) lines.push(`- … and ${left} more (see the JSON report)`);
  if (groups.length) lines.push('');
  return lines;
}

/** Plain-text lines (each image-derived string through term()), `+ edge-t4: pass → fail (DRIVER_TOO_OLD)`; a blank line last. */
export function renderTransitionsText(report: Report): string[] {
  const groups = byImage(report);
  const policy = failOnNewLine(report);
  if (!groups.length && !policy) return [];
  const lines = ['Verdicts against the base branch:'];
  if (policy) lines.push(`  ${policy}`);
  if (!groups.length) lines.push('  no verdict changed');
  let listed = 0;
  let left = 0;
  for (const g of groups) {
    if (listed >= MAX_LISTED) {
      left += g.list.length;
      continue;
    }
    lines.push(`  ${term(g.image)} (base: ${term(g.baseline)})`);
    for (const t of g.list) {
      if (listed++ >= MAX_LISTED) left++;
      else lines.push(`    ${isWorse(t) ? '+' : '-'} ${line(t, term)}`);
    }
  }
  if (left) lines.push(`  … and ${left} more (see the JSON report)`);
  lines.push('');
  return lines;
}
