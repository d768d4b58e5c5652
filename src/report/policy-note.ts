/**
 * Whose policy gated, and what a pull request changes in it: set on the report by the shell that read the policy
 * (action/policy-source.ts), shown at the top of the job summary, the PR comment and the text output. Plain text:
 * renderers add the markup. Waived results: their one-line form.
 */
import { policyChanges, type PolicyChange, type PolicyDiff, type PolicySource } from '../model/policy';
import type { Report } from './types';

/** The report with whose policy gated it, what the pull request changes in it, and notes to show above the table. */
export function withPolicySource(report: Report, source: PolicySource, changes?: PolicyDiff, notes: readonly string[] = []): Report {
  const allNotes = [...(report.notes ?? []), ...notes];
  return {
    ...report,
    policy: { ...report.policy, source, ...(changes && policyChanges(changes).length && { changes }) },
    ...(allNotes.length && { notes: allNotes }),
  };
}

const EFFECT: Record<PolicyChange['effect'], string> = { looser: 'loosens', stricter: 'tightens', neutral: 'changes' };

export interface PolicyNote {
  /** one sentence: the PR changes the policy, which policy gated, when the new one applies */
  title: { file: string; commit?: string };
  /** one line per change, looser first: "loosens: fail-on loosened: fail → never" */
  lines: { effect: string; text: string }[];
}

/** What the pull request changes in the policy that gated it (base branch), or undefined when it changes nothing. */
export function policyNote(report: Pick<Report, 'policy'>): PolicyNote | undefined {
  const { source, changes } = report.policy;
  if (!source || source.from !== 'base' || !changes) return undefined;
  const list = policyChanges(changes);
  if (!list.length) return undefined;
  return {
    title: { file: source.file, ...(source.commit && { commit: source.commit.slice(0, 7) }) },
    lines: list.map((c) => ({ effect: EFFECT[c.effect], text: c.text })),
  };
}

/** The note as one plain sentence and its lines (text output). */
export function policyNoteText(note: PolicyNote): string[] {
  const at = note.title.commit ? ` (${note.title.commit})` : '';
  return [
    `policy: this PR changes the gate's policy (${note.title.file}); it is judged with the base branch's${at}, and the PR's applies once merged:`,
    ...note.lines.map((l) => `  ${l.effect}: ${l.text}`),
  ];
}

/** A waived result in a line: "DRIVER_TOO_OLD waived until 2026-06-30: the edge fleet moves to R550 in Q3". */
export function waivedLine(w: { reason: string; expires: string; codes: string[] }): string {
  return `${w.codes.join(', ')} waived until ${w.expires}: ${w.reason}`;
}

/** A lapsed waiver in a line: "the waiver of DRIVER_TOO_OLD expired on 2026-01-31 (…): it counts again". */
export function waiverExpiredLine(w: { reason: string; expires: string; codes: string[] }): string {
  return `the waiver of ${w.codes.join(', ')} expired on ${w.expires} (${w.reason}): it counts again`;
}
