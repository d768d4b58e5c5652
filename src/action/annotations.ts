/**
 * Failed-check annotations: one per image that fails (error) or has caveats (warning), anchored on the Dockerfile
 * line that brought the CUDA stack in, so the reason shows in "Files changed" where the fix goes.
 * The runner keeps only 10 errors and 10 warnings per step, hence one per image and a cap with a pointer to the
 * job summary. Pure: main.ts hands the result to @actions/core, which applies the workflow-command escaping.
 */
import type { Evidence, EvidenceKind } from '../evidence/types';
import type { Report, ReportEvidence, ReportImage } from '../report/types';
import { sanitizeControl } from '../common/control-chars';
import type { ShownProvenance } from '../model/provenance';
import type { Verdict } from '../model/verdict';
import type { Reason, ReasonCode, Result } from '../verdict/types';
import { ParsedDockerfile, finalBaseLine, findConfigKeyLine, findDockerfileLine, parseDockerfile } from './dockerfile';

export interface Annotation {
  level: 'error' | 'warning';
  title: string;
  message: string;
  file?: string;
  startLine?: number;
}

export interface DockerfileInput {
  /** repository-relative path, as the annotation's `file` */
  path: string;
  text: string;
}

/** The runner drops annotations beyond 10 of each level in a step. */
export const ANNOTATIONS_PER_LEVEL = 10;
/** Target names listed in a title before "and N more". */
const TITLE_TARGETS = 4;

export function buildAnnotations(report: Report, dockerfile?: DockerfileInput): Annotation[] {
  const parsed = dockerfile ? parseDockerfile(dockerfile.text) : undefined;
  const errors: Annotation[] = [];
  const warnings: Annotation[] = [];
  for (const img of report.images) {
    const results = report.results.filter((r) => r.image === img.source);
    const failing = results.filter((r) => r.verdict === 'fail');
    const caveats = results.filter((r) => r.verdict === 'caveat');
    if (!failing.length && !caveats.length) continue;
    const worst: Verdict = failing.length ? 'fail' : 'caveat';
    const worstResults = failing.length ? failing : caveats;
    const reason = worstReason(worstResults, worst);
    const annotation: Annotation = {
      // a caveat that fails the gate (fail-on: caveat) is an error, so the annotation agrees with the check
      level: worst === 'fail' || report.policy.failOn === 'caveat' ? 'error' : 'warning',
      title: `cuda-gate: ${oneLine(img.source)} ${worst === 'fail' ? 'fails' : 'has caveats'} on ${targetList(worstResults)}`,
      message: messageFor(reason, worst === 'fail' ? caveats : []),
    };
    if (dockerfile && parsed) {
      annotation.file = dockerfile.path.replace(/^\.\//, '');
      const line = anchorLine(parsed, reason, img);
      if (line !== undefined) annotation.startLine = line;
    }
    (annotation.level === 'error' ? errors : warnings).push(annotation);
  }
  return [...capped(errors, 'error'), ...capped(warnings, 'warning')];
}

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

function capped(list: Annotation[], level: Annotation['level']): Annotation[] {
  if (list.length <= ANNOTATIONS_PER_LEVEL) return list;
  const kept = list.slice(0, ANNOTATIONS_PER_LEVEL - 1);
  const more = list.length - kept.length;
  const verb = level === 'error' ? 'fail' : 'have caveats';
  return [
    ...kept,
    {
      level,
      title: `cuda-gate: … and ${more} more images ${verb}`,
      message: `… and ${more} more images ${verb} (see the job summary for each image, its reasons and the fix).`,
    },
  ];
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

function anchorLine(df: ParsedDockerfile, reason: Reason | undefined, img: ReportImage): number | undefined {
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
