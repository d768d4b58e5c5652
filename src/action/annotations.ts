/**
 * Failed-check annotations: one per image that fails (error) or has caveats (warning), anchored on the line of the
 * image's Dockerfile that brought the CUDA stack in, so the reason shows in "Files changed" where the fix goes.
 * The runner keeps only 10 errors and 10 warnings per step: the worst come first (failing images before images with
 * caveats, then in the order of `images`; targets in the order of the targets file), and what does not fit is
 * counted in one notice that points at the job summary. Pure: main.ts hands the result to @actions/core, which
 * applies the workflow-command escaping.
 */
import type { Evidence, EvidenceKind } from '../evidence/types';
import { worsened } from '../report/transitions';
import type { Report, ReportEvidence, ReportImage } from '../report/types';
import { sanitizeControl } from '../common/control-chars';
import type { ShownProvenance } from '../model/provenance';
import type { Verdict } from '../model/verdict';
import type { Reason, ReasonCode, Result } from '../verdict/types';
import { type DockerfileText, type ParsedDockerfile, finalBaseLine, findConfigKeyLine, findDockerfileLine, parseDockerfile } from './dockerfile';

export interface Annotation {
  /** notice: only the one line that counts what did not fit */
  level: 'error' | 'warning' | 'notice';
  title: string;
  message: string;
  file?: string;
  startLine?: number;
}

/** A Dockerfile's repository-relative path (the annotation's `file`) and text. */
export type DockerfileInput = DockerfileText;

/** One Dockerfile for every image, or the one each image was built from (undefined: none known). */
export type DockerfileFor = DockerfileInput | ((image: ReportImage) => DockerfileInput | undefined);

export interface AnnotationOptions {
  /** slots of the step's 10 already taken by the action's own errors and warnings (a dockerfile that is missing) */
  reserved?: { error?: number; warning?: number };
}

/** The runner drops annotations beyond 10 of each level in a step. */
export const ANNOTATIONS_PER_LEVEL = 10;
/** Target names listed in a title before "and N more". */
const TITLE_TARGETS = 4;

interface Candidate {
  annotation: Annotation;
  worst: Verdict;
  /** image x target results the annotation stands for, failing and with caveats */
  failing: number;
  caveats: number;
}

export function buildAnnotations(report: Report, dockerfile?: DockerfileFor, opts: AnnotationOptions = {}): Annotation[] {
  const dockerfileOf = typeof dockerfile === 'function' ? dockerfile : () => dockerfile;
  const parsed = new Map<DockerfileInput, ParsedDockerfile>();
  const targetIndex = new Map(report.targets.map((t, i) => [t.name, i]));
  const byTarget = (a: Result, b: Result) => (targetIndex.get(a.target) ?? targetIndex.size) - (targetIndex.get(b.target) ?? targetIndex.size);

  // under fail-on-new only what got worse than the base branch fails the gate: the rest is a warning, as the check is
  const gating = report.policy.failOnNew ? new Set(worsened(report).map((r) => `${r.image}\0${r.target}`)) : undefined;
  const candidates: Candidate[] = [];
  for (const img of report.images) {
    // a stable sort: results of targets the report does not list keep their order, after the listed ones
    // a waived result does not gate: the summary lists it, no annotation flags it
    const results = report.results.filter((r) => r.image === img.source && !r.waived).sort(byTarget);
    const failing = results.filter((r) => r.verdict === 'fail');
    const caveats = results.filter((r) => r.verdict === 'caveat');
    if (!failing.length && !caveats.length) continue;
    const worst: Verdict = failing.length ? 'fail' : 'caveat';
    const worstResults = failing.length ? failing : caveats;
    const reason = worstReason(worstResults, worst);
    const annotation: Annotation = {
      // a caveat that fails the gate (fail-on: caveat) is an error, so the annotation agrees with the check
      level:
        (worst === 'fail' || report.policy.failOn === 'caveat') && (!gating || worstResults.some((r) => gating.has(`${r.image}\0${r.target}`)))
          ? 'error'
          : 'warning',
      title: `cuda-gate: ${oneLine(img.source)} ${worst === 'fail' ? 'fails' : 'has caveats'} on ${targetList(worstResults)}`,
      message: messageFor(reason, worst === 'fail' ? caveats : []),
    };
    const df = dockerfileOf(img);
    if (df) {
      if (!parsed.has(df)) parsed.set(df, parseDockerfile(df.text));
      annotation.file = df.path.replace(/^\.\//, '');
      const line = anchorLine(parsed.get(df)!, reason, img);
      if (line !== undefined) annotation.startLine = line;
    }
    candidates.push({ annotation, worst, failing: failing.length, caveats: caveats.length });
  }
  // the worst first: failing images before images with caveats (both errors under fail-on: caveat), then image order
  candidates.sort((a, b) => Number(a.worst === 'caveat') - Number(b.worst === 'caveat'));

  const room = {
    error: Math.max(0, ANNOTATIONS_PER_LEVEL - (opts.reserved?.error ?? 0)),
    warning: Math.max(0, ANNOTATIONS_PER_LEVEL - (opts.reserved?.warning ?? 0)),
  };
  const kept: Annotation[] = [];
  const dropped: Candidate[] = [];
  for (const level of ['error', 'warning'] as const) {
    const ofLevel = candidates.filter((c) => c.annotation.level === level);
    kept.push(...ofLevel.slice(0, room[level]).map((c) => c.annotation));
    dropped.push(...ofLevel.slice(room[level]));
  }
  return dropped.length ? [...kept, moreNotice(dropped)] : kept;
}

/** The one line for what did not fit, as a notice: it takes none of the 10 error or warning slots. */
function moreNotice(dropped: Candidate[]): Annotation {
  const failing = dropped.reduce((n, c) => n + c.failing, 0);
  const caveats = dropped.reduce((n, c) => n + c.caveats, 0);
  const results = failing
    ? `${failing} more failing ${plural(failing, 'result')}${caveats ? ` and ${caveats} with caveats` : ''}`
    : `${caveats} more ${plural(caveats, 'result')} with caveats`;
  const what = `${results} (${dropped.length} more ${plural(dropped.length, 'image')})`;
  return {
    level: 'notice',
    title: `cuda-gate: … and ${what}`,
    message: `… and ${what}: see the job summary for every image, its reasons and the fix (a step shows at most ${ANNOTATIONS_PER_LEVEL} error and ${ANNOTATIONS_PER_LEVEL} warning annotations).`,
  };
}

const plural = (n: number, word: string) => (n === 1 ? word : `${word}s`);

function worstReason(results: Result[], verdict: Verdict): Reason | undefined {
  for (const r of results) {
    const reason = r.reasons.find((x) => x.verdict === verdict);
    if (reason) return reason;
  }
  return results.find((r) => r.reasons.length)?.reasons[0];
}

function targetList(results: Result[]): string {
  const names = results.map((r) => oneLine(r.target));
  if (names.length <= TITLE_TARGETS) return names.join(', ');
  return `${names.slice(0, TITLE_TARGETS).join(', ')} and ${names.length - TITLE_TARGETS} more targets`;
}

function messageFor(reason: Reason | undefined, alsoCaveats: Result[]): string {
  const lines: string[] = [];
  if (reason) {
    lines.push(`${reason.code}: ${oneLine(reason.message)}`);
    if (reason.remedy) lines.push(`Fix: ${oneLine(reason.remedy)}`);
  } else {
    lines.push('See the job summary for the reasons.');
  }
  if (alsoCaveats.length) {
    const codes = [...new Set(alsoCaveats.flatMap((r) => r.reasons.filter((x) => x.verdict === 'caveat').map((x) => x.code)))];
    lines.push(`Also caveats on ${targetList(alsoCaveats)}${codes.length ? ` (${codes.join(', ')})` : ''}.`);
  }
  return lines.join('\n');
}

/**
 * Image content is untrusted: labels, paths and history instructions reach the message. Control characters go and
 * line breaks fold to spaces, so nothing drawn from an image can start a line of its own (a `::error::` command);
 * the runner's %/CR/LF escaping is applied on top by @actions/core (or formatWorkflowCommand).
 */
export function oneLine(s: string): string {
  return sanitizeControl(s, { as: 'space' }).replace(/ {2,}/g, ' ').trim();
}

/** The runner's command syntax, escaped as @actions/core does: for tests and tools that print commands themselves. */
export function formatWorkflowCommand(a: Annotation): string {
  const props: string[] = [];
  if (a.file) props.push(`file=${escapeProperty(a.file)}`);
  if (a.startLine !== undefined) props.push(`line=${a.startLine}`);
  props.push(`title=${escapeProperty(a.title)}`);
  return `::${a.level} ${props.join(',')}::${escapeData(a.message)}`;
}

function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

// ---------------------------------------------------------------------------------------------------------------
// Which Dockerfile line brought the CUDA stack in

/** Evidence kinds that say the most about the CUDA stack, most telling first (used when a reason has no origin). */
const IMPACT: EvidenceKind[] = ['cudart', 'cuda-version', 'nvidia-require', 'cuda-compat', 'cudnn', 'nccl', 'cublas', 'cuda-package', 'pip-package'];
/** Reasons about one specific thing: look for that evidence first. */
const REASON_KINDS: Partial<Record<ReasonCode, EvidenceKind[]>> = {
  REQUIRE_UNSATISFIED: ['nvidia-require', 'cuda-version'],
  REQUIRE_INVALID: ['nvidia-require'],
  REQUIRE_UNCERTAIN: ['nvidia-require'],
  FORWARD_COMPAT: ['cuda-compat'],
  DRIVER_LIBS_IN_IMAGE: ['driver-lib'],
};

/** The Dockerfile line that brought the CUDA stack in for this reason (also where SARIF results point). */
export function anchorLine(df: ParsedDockerfile, reason: Reason | undefined, img: ReportImage): number | undefined {
  // the reason's own evidence decides; other evidence only stands in when a reason cites none
  const origins = reason?.origin?.length ? reason.origin : evidenceOrigins(img.evidence, reason?.code);
  // the layer that installed it is the line to change; a config key second; the base image when neither is ours
  for (const o of origins) {
    const line = o.instruction ? findDockerfileLine(df, o.instruction) : undefined;
    if (line !== undefined) return line;
  }
  for (const o of origins) {
    const line = o.key ? findConfigKeyLine(df, o.key) : undefined;
    if (line !== undefined) return line;
  }
  return finalBaseLine(df);
}

function evidenceOrigins(evidence: ReportEvidence[], code: ReasonCode | undefined): ShownProvenance[] {
  const order = [...(code ? (REASON_KINDS[code] ?? []) : []), ...IMPACT];
  const rank = (e: Evidence) => {
    const i = order.indexOf(e.kind);
    return (i < 0 ? order.length : i) * 3 + (e.from === 'file' ? 0 : e.from === 'package' ? 1 : 2);
  };
  return [...evidence].sort((a, b) => rank(a) - rank(b)).map((e) => ({ key: e.key, instruction: e.instruction }));
}

// ---------------------------------------------------------------------------------------------------------------
// A light Dockerfile reader: logical instructions with their line numbers, grouped by stage
