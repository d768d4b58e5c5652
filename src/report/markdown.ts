/** Markdown rendering (job summary, PR comment, --format markdown). Every image-derived string goes through md(). */
import { indexResults } from './cells';
import { renderChanges } from './diff';
import { md, mdCode } from './escape';
import { gpuArchsOf, gpuCodeLine } from './gpu-code';
import { overridesNote } from './overrides-note';
import { policyNote, waivedLine, waiverExpiredLine } from './policy-note';
import { scanConfigNote } from './scan-note';
import { renderTransitionsMarkdown } from './transitions';
import type { Report, ReportImage } from './types';
import { worst as worstOf, worstFirst, type Verdict } from '../model/verdict';
import { headlineText, reportView, type CellView, type ImageView, type ReportView } from './view';
import type { Result } from '../verdict/types';

export const VERDICT_ICON: Record<Verdict, string> = { pass: '✅', caveat: '⚠️', fail: '❌' };
/** a failing or caveated result that waivers of the targets file cover */
export const WAIVED_ICON = '🔕';

export interface MarkdownOptions {
  /** include the <details> with every reason, the evidence and the full table (default true) */
  details?: boolean;
  /** stop adding per-image details once the text reaches this many characters (the summary part is always kept) */
  maxChars?: number;
  /** where the full report lives, linked when details are cut (and in the footer as the run) */
  fullReportUrl?: string;
  /** the commit the images were built from, shown in the footer */
  commit?: string;
}

/** Lines listed one by one before the rest are grouped by target and reason. */
const MAX_LINES = 6;
/** More targets than this: the verdict table is transposed (targets as rows) or, with many images too, folded away. */
const MAX_TARGET_COLUMNS = 5;
const MAX_TABLE_IMAGES = 8;

/**
 * What a reviewer reads in seconds: a headline that says what breaks, the failures and then the caveats with one
 * line and the fix to try first each, a compact verdict table; everything else — every reason, evidence, what each
 * image needs — folded in <details>.
 */
export function renderMarkdown(report: Report, opts: MarkdownOptions = {}): string {
  const view = reportView(report);
  const folded = foldTable(report, view);
  const head = [
    headline(report, view),
    '',
    ...policySection(report),
    ...notesSection(report),
    ...overridesSection(report),
    ...scanNoteSection(report),
    ...renderTransitionsMarkdown(report),
    ...problemLines(view, 'fail'),
    ...problemLines(view, 'caveat'),
    ...waivedLines(view),
    ...(folded ? [] : [verdictTable(report, view), '']),
  ].join('\n');
  if (opts.details === false) return head + footer(report, opts);
  const max = opts.maxChars ?? Infinity;
  const parts = [head, `<details><summary>${detailsSummary(report, folded)}</summary>`, ''];
  if (folded) parts.push(verdictTable(report, view, max - head.length - 1000), '');
  parts.push(...changesSection(report));
  let size = parts.join('\n').length;
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
  parts.push('</details>', '');
  return parts.join('\n') + footer(report, opts);
}

function headline(report: Report, view: ReportView): string {
  const icon = view.failing.length ? (view.gatePassed ? '⚠️' : '❌') : view.caveats.length ? '⚠️' : view.waived.length ? WAIVED_ICON : '✅';
  const gate = view.failing.length && view.gatePassed ? ` (the gate passes: fail-on is ${md(report.policy.failOn)})` : '';
  return `### ${icon} ${headlineText(view, report, (s) => mdCode(s))}${gate}`;
}

function detailsSummary(report: Report, folded: boolean): string {
  const what = [folded ? 'the verdict table' : undefined, report.changes?.length ? 'what this PR changes' : undefined, 'every reason, evidence and requirement']
    .filter(Boolean)
    .join(', ');
  return `Details: ${what}`;
}

/** One line per failing (or caveated) image × target; past MAX_LINES, one line per target and reason. */
function problemLines(view: ReportView, verdict: 'fail' | 'caveat'): string[] {
  const cells = verdict === 'fail' ? view.failing : view.caveats;
  if (!cells.length) return [];
  const several = view.images.length > 1;
  const nameOf = new Map(view.images.map((i) => [i.source, i.name]));
  const title = verdict === 'fail' ? `**Fails** (${cells.length})` : `**Caveats** (${cells.length})`;
  const lines = [title, ''];
  const item = (c: CellView, others: CellView[] = []) => {
    const who = several ? ` · ${mdCode(nameOf.get(c.image))}` : '';
    const more = others.length ? ` <sub>and ${others.length} more image${others.length > 1 ? 's' : ''}: ${listNames(others, nameOf)}</sub>` : '';
    const step = c.step ? `at ${md(c.step)}: ` : '';
    const fix = c.fix ? `<br>**Fix:** ${md(c.fix)}` : '';
    const lapsed = c.waiverExpired ? ` <sub>(${md(waiverExpiredLine(c.waiverExpired))})</sub>` : '';
    return `- ${VERDICT_ICON[c.verdict]} **${md(c.target)}**${who} — ${step}${md(c.line ?? c.verdict)}${lapsed}${more}${fix}`;
  };
  if (cells.length <= MAX_LINES) lines.push(...cells.map((c) => item(c)));
  else {
    const groups = new Map<string, CellView[]>();
    for (const c of cells) {
      const key = `${c.target}\0${c.reason?.code ?? ''}`;
      groups.set(key, [...(groups.get(key) ?? []), c]);
    }
    const shown = [...groups.values()].slice(0, MAX_LINES * 2);
    lines.push(...shown.map(([first, ...rest]) => item(first, rest)));
    const left = [...groups.values()].slice(MAX_LINES * 2).reduce((n, g) => n + g.length, 0);
    if (left) lines.push(`- … and ${left} more (in the details below)`);
  }
  lines.push('');
  return lines;
}

/** Failing and caveated results that waivers cover: one line each (grouped past MAX_LINES), after the ones that gate. */
function waivedLines(view: ReportView): string[] {
  if (!view.waived.length) return [];
  const several = view.images.length > 1;
  const nameOf = new Map(view.images.map((i) => [i.source, i.name]));
  const shown = view.waived.slice(0, MAX_LINES * 2);
  const lines = shown.map((c) => {
    const who = several ? ` · ${mdCode(nameOf.get(c.image))}` : '';
    return `- ${WAIVED_ICON} **${md(c.target)}**${who} — ${VERDICT_ICON[c.verdict]} ${md(waivedLine(c.waived!))}`;
  });
  const left = view.waived.length - shown.length;
  if (left) lines.push(`- … and ${left} more (in the details below)`);
  return [`**Waived** (${view.waived.length}: they do not gate)`, '', ...lines, ''];
}

/** The pull request changes the gate's policy: said first, since the verdicts below are not judged with its version. */
function policySection(report: Report): string[] {
  const note = policyNote(report);
  if (!note) return [];
  const at = note.title.commit ? ` (${mdCode(note.title.commit)})` : '';
  return [
    `> 🔒 **This PR changes the gate's policy** (${mdCode(note.title.file)}): it is judged with the base branch's policy${at}; the PR's applies once merged.`,
    ...note.lines.map((l) => `> - **${md(l.effect)}:** ${md(l.text)}`),
    '',
  ];
}

function listNames(cells: CellView[], nameOf: Map<string, string>): string {
  const names = [...new Set(cells.map((c) => nameOf.get(c.image) ?? c.image))];
  return (
    names
      .slice(0, 3)
      .map((n) => mdCode(n))
      .join(', ') + (names.length > 3 ? ', …' : '')
  );
}

/** Many images (or many images and targets): the table would be a wall or would not fit the column; it goes into the details. */
function foldTable(report: Report, view: ReportView): boolean {
  return view.images.length > MAX_TABLE_IMAGES || (report.targets.length > MAX_TARGET_COLUMNS && view.images.length > MAX_TARGET_COLUMNS);
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

/** What the PR changed in the CUDA stack against baseline-images (verdict changes are above, outside the details). */
function changesSection(report: Report): string[] {
  if (!report.changes?.length) return [];
  return ['#### What this PR changes in the CUDA stack', '', renderChanges(report.changes), ''];
}

/**
 * Compact: an icon per cell, the target's driver and GPU under its name. Images as rows; with more targets than fit
 * and few images, targets as rows.
 */
export function verdictTable(report: Report, view: ReportView = reportView(report), maxChars = Infinity): string {
  const results = indexResults(report);
  const icon = (image: string, target: string) => {
    const r = results.cell(image, target);
    return r ? (r.waived ? WAIVED_ICON : VERDICT_ICON[r.verdict]) : '—';
  };
  const targetHead = (t: Report['targets'][number]) => `${md(t.name)}<br><sub>${md(t.driver)}${t.gpu ? ` · ${md(t.gpu.input)}` : ''}</sub>`;
  const imageHead = (i: ImageView) => `${mdCode(i.name)}<br><sub>CUDA ${md(i.cuda ?? '—')} · driver ≥ ${md(i.needsDriver ?? '—')}</sub>`;
  if (report.targets.length > MAX_TARGET_COLUMNS && view.images.length <= MAX_TARGET_COLUMNS) {
    const head = `| Target | ${view.images.map(imageHead).join(' | ')} |`;
    const sep = `|---|${view.images.map(() => ':-:').join('|')}|`;
    return [head, sep, ...report.targets.map((t) => `| ${targetHead(t)} | ${view.images.map((i) => icon(i.source, t.name)).join(' | ')} |`)].join('\n');
  }
  const lines = [`| Image | ${report.targets.map(targetHead).join(' | ')} |`, `|---|${report.targets.map(() => ':-:').join('|')}|`];
  // worst first when not every row fits, so that what fails is never the part cut
  const rows = view.images.map((i, index) => ({ i, index, text: `| ${imageHead(i)} | ${report.targets.map((t) => icon(i.source, t.name)).join(' | ')} |` }));
  let size = lines.join('\n').length;
  const fits = rows.every((r) => (size += r.text.length + 1) <= maxChars);
  if (fits) return [...lines, ...rows.map((r) => r.text)].join('\n');
  rows.sort((a, b) => worstFirst(a.i.worst, b.i.worst) || a.index - b.index);
  size = lines.join('\n').length + 200;
  let kept = 0;
  while (kept < rows.length && size + rows[kept].text.length + 1 <= maxChars) size += rows[kept++].text.length + 1;
  const rest = rows.slice(kept);
  const counts = (['fail', 'caveat', 'pass'] as const)
    .map((v) => [v, rest.filter((r) => r.i.worst === v).length] as const)
    .filter(([, n]) => n > 0)
    .map(([v, n]) => `${n} ${v}`)
    .join(', ');
  return [
    ...lines,
    ...rows.slice(0, kept).map((r) => r.text),
    '',
    `_… ${rest.length} more image${rest.length > 1 ? 's' : ''} (${counts}): see the job summary or the JSON report._`,
  ].join('\n');
}

export function imageDetails(img: ReportImage, results: Result[]): string {
  const lines: string[] = [];
  const worst = worstOf(results.map((r) => r.verdict));
  lines.push(`<details><summary>${VERDICT_ICON[worst]} ${md(img.source)}${img.ref && img.ref !== img.source ? ` (${md(img.ref)})` : ''}</summary>`, '');
  for (const r of results) {
    if (r.waived) lines.push(`- ${WAIVED_ICON} **${md(r.target)}** — ${md(waivedLine(r.waived))}`);
    if (r.waiverExpired) lines.push(`- ⏰ **${md(r.target)}** — ${md(waiverExpiredLine(r.waiverExpired))}`);
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

function footer(report: Report, opts: MarkdownOptions): string {
  const merged = report.mergedFrom ? ` · merged from ${report.mergedFrom.length} report${report.mergedFrom.length > 1 ? 's' : ''}` : '';
  const n = report.matrix.overrides?.length ?? 0;
  const overridden = n ? ` + ${n} override row${n > 1 ? 's' : ''}` : '';
  const commit = opts.commit ? ` · commit ${mdCode(opts.commit.slice(0, 12))}` : '';
  const url = opts.fullReportUrl;
  const run = url && /^https?:\/\/[^\s]+$/.test(url) ? ` · <a href="${url.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)}">run</a>` : '';
  return `\n<sub>cuda-gate ${md(report.tool.version)} · matrix ${md(report.matrix.version)}${overridden} · fail-on: ${md(report.policy.failOn)}${merged}${commit}${run}</sub>\n`;
}
