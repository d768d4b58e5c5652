/**
 * Plain-text rendering for terminals: a verdict table, then reasons and evidence per image. Every string of the
 * report goes through term() — `merge` renders reports read from files, so even the tool and matrix versions and the
 * reason codes are input — and the whole text through inertToRunner(): in a `run:` step the runner reads it, and a
 * line (however wrapped or indented) must never start a workflow command. */
import { inertToRunner } from '../common/control-chars';
import { indexResults } from './cells';
import { changeLines } from './diff';
import { renderTransitionsText } from './transitions';
import { headlineText, reportView } from './view';
import { term } from './escape';
import { gpuArchsOf, gpuCodeLine } from './gpu-code';
import { overridesNote } from './overrides-note';
import { policyNote, policyNoteText, waivedLine, waiverExpiredLine } from './policy-note';
import { scanConfigNote } from './scan-note';
import type { Report, ReportImage } from './types';
import type { Verdict } from '../model/verdict';

/** Failing and caveated cells listed under the headline; the rest are in the per-image sections. */
const MAX_TOP_LINES = 8;
const MARK: Record<Verdict, string> = { pass: 'pass', caveat: 'CAVEAT', fail: 'FAIL' };
const ICON: Record<Verdict, string> = { pass: '✓', caveat: '!', fail: '✗' };

export function renderText(report: Report, opts: { evidence?: boolean } = {}): string {
  const out: string[] = [];
  const merged = report.mergedFrom ? ` · merged from ${report.mergedFrom.length} report${report.mergedFrom.length > 1 ? 's' : ''}` : '';
  const overrides = overridesNote(report);
  const overridden = overrides ? ` + ${report.matrix.overrides!.length} override row${report.matrix.overrides!.length > 1 ? 's' : ''}` : '';
  out.push(`cuda-gate ${term(report.tool.version)} · matrix ${term(report.matrix.version)} (${term(report.matrix.date)})${term(overridden)}${merged}`, '');
  const view = reportView(report);
  out.push(`${view.failing.length ? ICON.fail : view.caveats.length ? ICON.caveat : ICON.pass} ${headlineText(view, report, (n) => term(n))}`);
  const several = view.images.length > 1;
  for (const c of [...view.failing, ...view.caveats].slice(0, MAX_TOP_LINES)) {
    out.push(
      ...wrap(
        `${ICON[c.verdict]} ${term(c.target)}${several ? ` · ${term(view.images.find((i) => i.source === c.image)?.name ?? c.image)}` : ''}: ${term(c.line ?? c.verdict)}${c.waiverExpired ? ` (${term(waiverExpiredLine(c.waiverExpired))})` : ''}${c.fix ? ` — fix: ${term(c.fix)}` : ''}`,
        2,
      ),
    );
  }
  const rest = view.failing.length + view.caveats.length - MAX_TOP_LINES;
  if (rest > 0) out.push(`  … and ${rest} more below`);
  for (const c of view.waived.slice(0, MAX_TOP_LINES)) {
    out.push(
      ...wrap(
        `~ ${term(c.target)}${several ? ` · ${term(view.images.find((i) => i.source === c.image)?.name ?? c.image)}` : ''}: ${MARK[c.verdict]}, ${term(waivedLine(c.waived!))}`,
        2,
      ),
    );
  }
  // the pull request changes the policy that gated it: said before anything else the report adds
  const policy = policyNote(report);
  if (policy) out.push('', ...policyNoteText(policy).flatMap((l) => wrap(term(l.trim()), l.startsWith('  ') ? 2 : 0)));
  out.push('', ...renderTransitionsText(report));
  if (report.notes?.length) out.push(...report.notes.flatMap((n) => wrap(`note: ${term(n)}`, 0)), '');
  if (overrides) out.push(...wrap(`note: ${term(overrides)}`, 0), '');
  const configOnly = scanConfigNote(report);
  if (configOnly) out.push(...wrap(`! ${configOnly}`, 0), '');
  if (report.changes?.length) out.push('What this change does to the CUDA stack:', ...changeLines(report.changes).map((l) => term(l)), '');

  const header = ['IMAGE', 'CUDA', 'NEEDS DRIVER', ...report.targets.map((t) => `${t.name}`)];
  const sub = ['', '', '', ...report.targets.map((t) => `${t.driver}${t.gpu ? ` ${t.gpu.input}` : ''}`)];
  const results = indexResults(report);
  const rows = report.images.map((img) => [
    img.source,
    img.cuda?.release ?? img.cuda?.runtime ?? (img.requirement.majors.length ? img.requirement.majors.map((m) => `${m}.x`).join('+') : '-'),
    driverCell(img),
    ...report.targets.map((t) => {
      const r = results.cell(img.source, t.name);
      return r ? `${MARK[r.verdict]}${r.waived ? ' (waived)' : ''}` : '-';
    }),
  ]);
  out.push(...table([header, sub, ...rows]), '');

  for (const img of report.images) {
    const withReasons = results.ofImage(img.source).filter((r) => r.reasons.length);
    out.push(
      `${term(img.source)}${img.ref && img.ref !== img.source ? ` (${term(img.ref)})` : ''}${img.formFromContent ? ` — read as ${term(img.form)}` : ''}`,
    );
    if (!withReasons.length) out.push('  runs on every target');
    for (const r of withReasons) {
      if (r.waived) out.push(...wrap(`~ ${term(r.target)}: ${term(waivedLine(r.waived))}`, 2));
      if (r.waiverExpired) out.push(...wrap(`! ${term(r.target)}: ${term(waiverExpiredLine(r.waiverExpired))}`, 2));
      for (const reason of r.reasons) {
        out.push(`  ${ICON[reason.verdict]} ${term(r.target)}: ${term(reason.code)}`);
        out.push(...wrap(term(reason.message), 4));
        if (reason.remedy) out.push(...wrap(`fix: ${term(reason.remedy)}`, 4));
      }
    }
    const gpu = gpuCodeLine(img.requirement.gpuCode);
    if (gpu) out.push(...wrap(`GPU code: ${term(gpu)}`, 2));
    if (opts.evidence !== false && img.evidence.length) {
      out.push('  evidence:');
      for (const e of img.evidence.slice(0, 40)) {
        const where =
          e.from === 'config'
            ? `${e.key}${e.kind === 'nvidia-require' && e.value ? `=${e.value.slice(0, 40)}${e.value.length > 40 ? '…' : ''}` : ''}`
            : e.from === 'package'
              ? `package ${e.package ?? ''} (${e.path ?? ''})`
              : e.path;
        const layer = e.layerIndex !== undefined ? ` [layer ${e.layerIndex + 1}${e.instruction ? `: ${e.instruction.slice(0, 60)}` : ''}]` : '';
        // versions come from the image too (a wheel's directory name, a conda package's file name)
        out.push(`    ${term(`${e.kind} ${e.version ?? gpuArchsOf(e) ?? ''}${e.cuda ? ` (CUDA ${e.cuda})` : ''}`)}  ${term(where ?? '')}${term(layer)}`);
      }
      if (img.evidence.length > 40) out.push(`    … ${img.evidence.length - 40} more (use --format json)`);
    }
    for (const f of img.findings) out.push(`  note: ${term(f.message)}`);
    out.push('');
  }
  const s = report.summary;
  out.push(
    `gate ${s.gatePassed ? 'passed' : 'FAILED'}: ${s.fail} fail, ${s.caveat} caveat, ${s.pass} pass${s.waived ? `, ${s.waived} waived` : ''} (fail-on: ${term(report.policy.failOn)})`,
  );
  return inertToRunner(out.join('\n') + '\n');
}

function driverCell(img: ReportImage): string {
  const r = img.requirement;
  if (!r.minDriver) return r.minorCompatDriver ? `>= ${r.minorCompatDriver}` : '-';
  return r.minorCompatDriver && r.minorCompatDriver !== r.minDriver ? `${r.minDriver} (mvc ${r.minorCompatDriver})` : r.minDriver;
}

function table(rows: string[][]): string[] {
  const cells = rows.map((r) => r.map((c) => term(c)));
  const widths = cells[0].map((_, i) => Math.max(...cells.map((r) => [...(r[i] ?? '')].length)));
  return cells.map((r) =>
    r
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd(),
  );
}

function wrap(text: string, indent: number, width = 110): string[] {
  const words = text.split(' ');
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && line.length + w.length + 1 > width - indent) {
      lines.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  return lines.map((l) => ' '.repeat(indent) + l);
}
