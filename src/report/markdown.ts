/** Markdown rendering (job summary, PR comment, --format markdown). Every image-derived string goes through md(). */
import { indexResults } from './cells';
import { renderChanges } from './diff';
import { md, mdCode } from './escape';
import { gpuArchsOf, gpuCodeLine } from './gpu-code';
import { overridesNote } from './overrides-note';
import { scanConfigNote } from './scan-note';
import { renderTransitionsMarkdown } from './transitions';
import type { Report, ReportImage } from './types';
import { worst as worstOf, type Verdict } from '../model/verdict';
import type { Result } from '../verdict/types';

export const VERDICT_ICON: Record<Verdict, string> = { pass: '✅', caveat: '⚠️', fail: '❌' };

export interface MarkdownOptions {
  /** include the per-image <details> sections (default true) */
  details?: boolean;
  /** stop adding details once the text reaches this many characters (table always kept) */
  maxChars?: number;
  /** where the full report lives, linked when details are cut */
  fullReportUrl?: string;
}

export function renderMarkdown(report: Report, opts: MarkdownOptions = {}): string {
  const head = [
    headline(report),
    '',
    ...notesSection(report),
    ...overridesSection(report),
    ...scanNoteSection(report),
    ...renderTransitionsMarkdown(report),
    ...changesSection(report),
    verdictTable(report),
    '',
  ].join('\n');
  if (opts.details === false) return head + footer(report);
  const parts = [head];
  let size = head.length;
  const max = opts.maxChars ?? Infinity;
  let cut = 0;
  const results = indexResults(report);
  for (const img of report.images) {
    const section = imageDetails(img, results.ofImage(img.source));
    if (size + section.length + 400 > max) {
      cut++;
      continue;
    }
    parts.push(section);
    size += section.length;
  }
  if (cut) {
    parts.push(`_Details of ${cut} image${cut > 1 ? 's' : ''} left out to fit.${opts.fullReportUrl ? ` Full report: ${opts.fullReportUrl}` : ''}_\n`);
  }
  return parts.join('\n') + footer(report);
}

function headline(report: Report): string {
  const s = report.summary;
  const icon = s.gatePassed ? (s.verdict === 'pass' ? '✅' : '⚠️') : '❌';
  const what = s.verdict === 'pass' ? 'every image runs on every target' : `${s.fail} failing, ${s.caveat} with caveats, ${s.pass} passing`;
  return `### ${icon} cuda-gate: ${what}`;
}

/** How the report was put together (a merge of several): above the table, never left to the JSON alone. */
function notesSection(report: Report): string[] {
  if (!report.notes?.length) return [];
  return [...report.notes.map((n) => `> **Note:** ${md(n)}`), ''];
}

/** The user's matrix overrides: above the table (and so in the PR comment, however short it has to be). */
function overridesSection(report: Report): string[] {
  const note = overridesNote(report);
  return note ? [`> ℹ️ **Matrix overrides:** ${md(note)}`, ''] : [];
}

/** --scan config: the verdicts rest on the config alone; said above the table, where nobody misses it. */
function scanNoteSection(report: Report): string[] {
  const note = scanConfigNote(report);
  return note ? [`> ⚠️ ${md(note.charAt(0).toUpperCase() + note.slice(1))}`, ''] : [];
}

/** What the PR changed against baseline-images: first, because it is what the reviewer is deciding on. */
function changesSection(report: Report): string[] {
  if (!report.changes?.length) return [];
  return ['#### What this PR changes', '', renderChanges(report.changes), '', '#### Verdicts', ''];
}

export function verdictTable(report: Report): string {
  const head = `| Image | CUDA | Needs driver | ${report.targets.map((t) => `${md(t.name)}<br><sub>${md(t.driver)}${t.gpu ? ` · ${md(t.gpu.input)}` : ''}</sub>`).join(' | ')} |`;
  const sep = `|---|---|---|${report.targets.map(() => '---').join('|')}|`;
  const results = indexResults(report);
  const rows = report.images.map((img) => {
    const cells = report.targets.map((t) => cell(results.cell(img.source, t.name)));
    return `| ${mdCode(img.source)} | ${md(img.cuda?.release ?? img.cuda?.runtime ?? (img.requirement.majors.map((m) => `${m}.x`).join(' + ') || '—'))} | ${md(img.requirement.minDriver ?? img.requirement.minorCompatDriver ?? '—')} | ${cells.join(' | ')} |`;
  });
  return [head, sep, ...rows].join('\n');
}

function cell(r: Result | undefined): string {
  if (!r) return '—';
  const top = r.reasons.find((x) => x.verdict === r.verdict) ?? r.reasons[0];
  return `${VERDICT_ICON[r.verdict]} ${r.verdict}${top && r.verdict !== 'pass' ? `<br><sub>${md(top.code)}</sub>` : ''}`;
}

export function imageDetails(img: ReportImage, results: Result[]): string {
  const lines: string[] = [];
  const worst = worstOf(results.map((r) => r.verdict));
  lines.push(
    `<details${worst === 'fail' ? ' open' : ''}><summary>${VERDICT_ICON[worst]} ${md(img.source)}${img.ref && img.ref !== img.source ? ` (${md(img.ref)})` : ''}</summary>`,
    '',
  );
  for (const r of results) {
    for (const reason of r.reasons) {
      lines.push(`- ${VERDICT_ICON[reason.verdict]} **${md(r.target)}** — ${mdCode(reason.code)}: ${md(reason.message)}`);
      if (reason.remedy) lines.push(`  - **Fix:** ${md(reason.remedy)}`);
    }
  }
  const req = img.requirement;
  lines.push(
    '',
    `**Requirement:** driver ≥ ${md(req.minDriver ?? '—')}${req.minorCompatDriver ? ` (minor-version compatibility ≥ ${md(req.minorCompatDriver)})` : ''}${req.forwardCompat ? `; forward-compat libs ${md(req.forwardCompat.compatDriver ?? '')} for CUDA ${md(req.forwardCompat.cuda ?? '?')}` : ''}`,
  );
  const gpu = gpuCodeLine(req.gpuCode);
  if (gpu) lines.push('', `**GPU code:** ${md(gpu)}`);
  if (img.evidence.length) {
    lines.push('', '| Evidence | Version | Where | Layer |', '|---|---|---|---|');
    for (const e of img.evidence.slice(0, 30)) {
      const where = e.from === 'config' ? e.key : e.from === 'package' ? `${e.package ?? ''} (${e.path ?? ''})` : e.path;
      const layer = e.layerIndex !== undefined ? `${e.layerIndex + 1}${e.instruction ? ` ${mdCode(e.instruction.slice(0, 80))}` : ''}` : '';
      lines.push(`| ${md(e.kind)} | ${md(e.version ?? gpuArchsOf(e) ?? '')}${e.cuda ? ` (CUDA ${md(e.cuda)})` : ''} | ${mdCode(where)} | ${layer} |`);
    }
    if (img.evidence.length > 30) lines.push(`| … | ${img.evidence.length - 30} more | | |`);
  }
  for (const f of img.findings) lines.push(`- _note:_ ${md(f.message)}`);
  lines.push('', '</details>', '');
  return lines.join('\n');
}

function footer(report: Report): string {
  const merged = report.mergedFrom ? ` · merged from ${report.mergedFrom.length} report${report.mergedFrom.length > 1 ? 's' : ''}` : '';
  const n = report.matrix.overrides?.length ?? 0;
  const overridden = n ? ` + ${n} override row${n > 1 ? 's' : ''}` : '';
  return `\n<sub>cuda-gate ${md(report.tool.version)} · matrix ${md(report.matrix.version)}${overridden} · fail-on: ${md(report.policy.failOn)}${merged}</sub>\n`;
}
