/** `cuda-gate plan` as text (a terminal) and markdown (a job summary, an issue); JSON is the FleetPlan itself. */
import { sanitizeControl } from '../common/control-chars';
import type { ArchPlan } from './archs';
import type { FleetLevel, FleetPlan, PlanRelease, TargetPlan } from './plan';
import type { Mechanism } from './support';
import type { WheelPlan } from './wheels';

const MECHANISM: Record<Mechanism, string> = {
  full: 'full support',
  minorVersionCompat: 'minor-version compatibility',
  forwardCompat: 'forward compatibility',
};

const LEVEL: Record<Mechanism, string> = {
  full: 'fully',
  minorVersionCompat: 'with minor-version compatibility',
  forwardCompat: 'with forward compatibility',
};

const TAG_NOTE =
  'tags are patterns: <os> is yours to choose (ubuntu22.04, ubuntu24.04, ubi9, …) among those NVIDIA publishes for the release; -base- and -devel- follow the same pattern';
const MVC_NOTE = 'minor-version compatibility: no JIT of newer PTX, and APIs that need a newer driver return cudaErrorCallRequiresNewerDriver';
const FC_NOTE = 'forward compatibility: data-center GPUs only, the image must carry cuda-compat and the target declare forward-compat: true';

/** Text for a terminal: control characters of names read from files shown as \xNN. */
function t(s: string | number | undefined): string {
  return s === undefined ? '' : sanitizeControl(String(s), { as: 'escape' });
}

function rel(r: PlanRelease | undefined): string {
  if (!r) return '—';
  return `${r.version}${r.newerUnconfirmed ? ` (${r.newerUnconfirmed}?)` : ''}`;
}

function gpuText(p: TargetPlan): string {
  if (!p.gpu) return '—';
  return `${p.gpu.name ?? 'compute capability'} (${p.gpu.computeCapability})`;
}

/** Words wrapped at `width`, the first line after `first`, the others after `indent`. */
function wrap(text: string, first: string, indent: string, width = 118): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const word of text.split(' ')) {
    if (!empty && line.length + word.length + 1 > width) {
      lines.push(line);
      line = indent;
      empty = true;
    }
    line += empty ? word : ` ${word}`;
    empty = false;
  }
  lines.push(line);
  return lines;
}

/** "a, b (driver < 580.65.06); c (no GPU code for 10.0)": targets grouped by the short why they share */
function blockedText(w: WheelPlan): string {
  const byWhy = new Map<string, string[]>();
  for (const b of w.blocked) byWhy.set(b.short, [...(byWhy.get(b.short) ?? []), t(b.target)]);
  return [...byWhy].map(([why, targets]) => `${targets.join(', ')} (${why})`).join('; ');
}

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) =>
    r
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd(),
  );
}

function viaText(level: FleetLevel): string {
  if (!level.via.length) return 'every target fully';
  return level.via.map((v) => `${v.target} through ${MECHANISM[v.mechanism]}`).join(', ');
}

/** The newest framework releases' rows (the wheels a fleet would install today), and the rows that run everywhere. */
function wheelGroups(wheels: WheelPlan[]): { everywhere: WheelPlan[]; newest: WheelPlan[] } {
  const everywhere = wheels.filter((w) => w.blocked.length === 0);
  const newestFrom = new Map<string, string>();
  for (const w of wheels) {
    const cur = newestFrom.get(w.package);
    if (cur === undefined || compareDotted(w.from, cur) > 0) newestFrom.set(w.package, w.from);
  }
  return { everywhere, newest: wheels.filter((w) => newestFrom.get(w.package) === w.from) };
}

function compareDotted(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

function wheelRuns(w: WheelPlan): string {
  const mvc = w.runs.filter((r) => r.mechanism === 'minorVersionCompat').map((r) => r.target);
  return mvc.length ? `; ${mvc.join(', ')} through minor-version compatibility` : '';
}

function archLines(a: ArchPlan & { level: Mechanism }): string[] {
  const lines = [`CUDA ${a.cuda}: TORCH_CUDA_ARCH_LIST="${a.torchCudaArchList}"  CMAKE_CUDA_ARCHITECTURES="${a.cmakeCudaArchitectures}"`];
  for (const j of a.jit) lines.push(`  ${j.targets.map(t).join(', ')} (${j.cc}): JIT of the ${j.ptx} PTX (CUDA ${a.cuda} builds no SASS for ${j.cc})`);
  for (const u of a.uncovered) lines.push(`  not covered: ${u.targets.map(t).join(', ')} (${u.cc}): ${u.why}`);
  return lines;
}

function blockerText(b: FleetPlan['fleet']['next'] & object, i: number): string {
  const x = b.blockers[i];
  const fix = x.why
    ? x.why
    : `driver >= ${x.unblock!.driver} (R${x.unblock!.branch})${x.unblock!.suggested ? `; e.g. R${x.unblock!.suggested.branch}${x.unblock!.suggested.kind ? ` (${x.unblock!.suggested.kind}${x.unblock!.suggested.eol ? `, supported to ${x.unblock!.suggested.eol}` : ''})` : ''}` : ''}`;
  return `${t(x.target)} (${x.driver}): ${fix}${x.meanwhile ? `; runs it meanwhile through ${MECHANISM[x.meanwhile]}` : ''}`;
}

export function planText(p: FleetPlan): string {
  const out: string[] = [];
  const nodes = p.targets.some((x) => x.nodeCount !== undefined);
  out.push(
    `cuda-gate plan: ${p.targets.length} target(s)${nodes ? `, ${p.targets.reduce((n, x) => n + (x.nodeCount ?? 0), 0)} node(s)` : ''} (matrix ${p.matrix.version})`,
    '',
  );
  const head = ['TARGET', ...(nodes ? ['NODES'] : []), 'DRIVER', 'CUDA', 'GPU', 'FULL', '+MINOR-VERSION COMPAT', '+FORWARD COMPAT'];
  const rows = p.targets.map((x) => [
    t(x.name),
    ...(nodes ? [String(x.nodeCount ?? '')] : []),
    x.driver,
    x.reportsCuda,
    gpuText(x),
    rel(x.full),
    rel(x.minorVersionCompat),
    rel(x.forwardCompat),
  ]);
  out.push(...table([head, ...rows]));
  out.push(
    '',
    ...wrap(
      'CUDA: what the driver reports. FULL: the newest release the driver supports fully; +MINOR-VERSION COMPAT, +FORWARD COMPAT: the newest with that mechanism too. X (Y?): Y also qualifies, on a matrix row the research could not confirm.',
      '',
      '',
    ),
  );
  const targetNotes = p.targets.flatMap((x) => x.notes.flatMap((n) => wrap(`${t(x.name)}: ${n}`, '  ', '    ')));
  if (targetNotes.length) out.push('', 'Targets:', ...targetNotes);

  const f = p.fleet;
  out.push('', 'Whole fleet', '  Newest CUDA every target runs:');
  for (const level of ['full', 'minorVersionCompat', 'forwardCompat'] as const) {
    const at = f[level];
    out.push(`    ${LEVEL[level].padEnd(34)}${at ? `${rel(at.release).padEnd(16)}${at.release.label}: ${viaText(at)}` : 'none'}`);
  }
  if (f.minorVersionCompat?.via.length) out.push(...wrap(`(${MVC_NOTE})`, '    ', '     '));
  if (f.forwardCompat?.via.some((v) => v.mechanism === 'forwardCompat')) out.push(...wrap(`(${FC_NOTE})`, '    ', '     '));

  if (f.baseImages.length) {
    out.push('', ...wrap(`Base images (${TAG_NOTE}):`, '  ', '    '));
    for (const b of f.baseImages) out.push(`    ${b.image.padEnd(34)}${b.level === 'full' ? 'every target, full support' : viaText(f[b.level]!)}`);
  }
  if (f.architectures.length) {
    out.push('', '  GPU code (SASS for each compute capability, +PTX on the newest):');
    for (const a of f.architectures) out.push(...archLines(a).map((l) => `    ${l}`));
  }
  if (f.systemRequirements) {
    const s = f.systemRequirements;
    out.push(
      '',
      `  Declare the CUDA the oldest driver reports (${t(s.target)}, ${s.driver}):`,
      `    pixi.toml    [system-requirements] cuda = "${s.cuda}"`,
      `    conda        __cuda>=${s.cuda}`,
    );
  }
  const wheels = wheelGroups(f.wheels);
  if (f.wheels.length) {
    out.push('', `  PyTorch wheel indexes that run on every target: ${wheels.everywhere.length ? '' : 'none'}`);
    for (const w of wheels.everywhere)
      out.push(...wrap(`${w.package} ${w.releases}: ${w.index} (CUDA ${w.cuda}) --index-url ${w.url}${wheelRuns(w)}`, '    ', '      '));
    const newest = wheels.newest.filter((w) => w.blocked.length);
    if (newest.length) {
      out.push(`    ${newest[0].package} ${newest[0].releases}, the newest the matrix lists:`);
      for (const w of newest) {
        out.push(
          ...wrap(
            `${w.index} (CUDA ${w.cuda}): runs on ${w.runs.length ? w.runs.map((r) => t(r.target)).join(', ') : 'no target'}; not on ${blockedText(w)}`,
            '      ',
            '        ',
          ),
        );
      }
    }
  }
  if (f.next) {
    const n = f.next;
    out.push('', `  Next CUDA release ${n.release.version} (${n.release.label}, needs driver >= ${n.release.linuxDriver}) is held back by:`);
    if (!n.blockers.length) out.push('    nothing: every target supports it fully');
    n.blockers.forEach((_, i) => out.push(...wrap(blockerText(n, i), '    ', '      ')));
  } else {
    out.push('', '  Every target supports the newest release the matrix lists.');
  }
  if (p.notes.length) out.push('', ...p.notes.flatMap((n) => wrap(`Note: ${n}`, '', '  ')));
  return `${out.join('\n')}\n`;
}

// ---- markdown -------------------------------------------------------------------------------------------------

const MD = /[&<>|`*_[\]\\#]/g;
const MD_ENTITY: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '|': '&#124;',
  '`': '&#96;',
  '*': '&#42;',
  _: '&#95;',
  '[': '&#91;',
  ']': '&#93;',
  '\\': '&#92;',
  '#': '&#35;',
};

/** Text for markdown: entity-encoded, one line, control characters removed. */
function m(s: string | number | undefined): string {
  if (s === undefined) return '';
  return sanitizeControl(String(s), { as: 'strip', keep: '\t\n\r' })
    .replace(/[\r\n\t]+/g, ' ')
    .replace(MD, (c) => MD_ENTITY[c]);
}

function code(s: string): string {
  return `<code>${m(s)}</code>`;
}

export function planMarkdown(p: FleetPlan): string {
  const out: string[] = [];
  const nodes = p.targets.some((x) => x.nodeCount !== undefined);
  out.push(`## cuda-gate plan: ${p.targets.length} target(s)${nodes ? `, ${p.targets.reduce((n, x) => n + (x.nodeCount ?? 0), 0)} node(s)` : ''}`, '');
  out.push(`| Target |${nodes ? ' Nodes |' : ''} Driver | CUDA | GPU | Full | + minor-version compat | + forward compat |`);
  out.push(`|---|${nodes ? '---:|' : ''}---|---|---|---|---|---|`);
  for (const x of p.targets) {
    out.push(
      `| ${m(x.name)} |${nodes ? ` ${x.nodeCount ?? ''} |` : ''} ${m(x.driver)} | ${m(x.reportsCuda)} | ${m(gpuText(x))} | ${m(rel(x.full))} | ${m(rel(x.minorVersionCompat))} | ${m(rel(x.forwardCompat))} |`,
    );
  }
  out.push(
    '',
    '<sub>CUDA: what the driver reports. Full: the newest release the driver supports fully; the other columns: the newest with that mechanism too. X (Y?): Y also qualifies on an unconfirmed matrix row.</sub>',
  );
  const targetNotes = p.targets.flatMap((x) => x.notes.map((n) => `- **${m(x.name)}**: ${m(n)}`));
  if (targetNotes.length) out.push('', ...targetNotes);

  const f = p.fleet;
  out.push('', '### Whole fleet', '', '| Every target runs | CUDA | How |', '|---|---|---|');
  for (const level of ['full', 'minorVersionCompat', 'forwardCompat'] as const) {
    const at = f[level];
    out.push(`| ${LEVEL[level]} | ${at ? `${m(rel(at.release))} (${m(at.release.label)})` : 'none'} | ${at ? m(viaText(at)) : ''} |`);
  }
  if (f.minorVersionCompat?.via.length) out.push('', `<sub>${m(MVC_NOTE)}</sub>`);
  if (f.baseImages.length) {
    out.push('', `**Base images** (${m(TAG_NOTE)}):`, '');
    for (const b of f.baseImages) out.push(`- ${code(b.image)}: ${m(b.level === 'full' ? 'every target, full support' : viaText(f[b.level]!))}`);
  }
  if (f.architectures.length) {
    out.push('', '**GPU code** (SASS for each compute capability, +PTX on the newest):', '');
    for (const a of f.architectures) {
      out.push(
        `- CUDA ${m(a.cuda)}: ${code(`TORCH_CUDA_ARCH_LIST="${a.torchCudaArchList}"`)} ${code(`CMAKE_CUDA_ARCHITECTURES="${a.cmakeCudaArchitectures}"`)}`,
      );
      for (const l of archLines(a).slice(1)) out.push(`  - ${m(l.trim())}`);
    }
  }
  if (f.systemRequirements) {
    const s = f.systemRequirements;
    out.push(
      '',
      `**Declare** the CUDA the oldest driver reports (${m(s.target)}, ${m(s.driver)}): pixi ${code(`[system-requirements] cuda = "${s.cuda}"`)}, conda ${code(`__cuda>=${s.cuda}`)}`,
    );
  }
  const wheels = wheelGroups(f.wheels);
  if (f.wheels.length) {
    out.push('', `**PyTorch wheel indexes that run on every target**: ${wheels.everywhere.length ? '' : 'none'}`, '');
    for (const w of wheels.everywhere) out.push(`- ${m(w.package)} ${m(w.releases)}: ${code(`--index-url ${w.url}`)} (CUDA ${m(w.cuda)})${m(wheelRuns(w))}`);
    const newest = wheels.newest.filter((w) => w.blocked.length);
    if (newest.length) {
      out.push('', `| ${m(newest[0].package)} ${m(newest[0].releases)} | CUDA | Runs on | Not on |`, '|---|---|---|---|');
      for (const w of newest) {
        out.push(
          `| ${m(w.index)} | ${m(w.cuda)} | ${m(w.runs.map((r) => r.target).join(', ')) || '—'} | ${w.blocked.map((b) => `${m(b.target)}: ${m(b.why)}`).join('<br>')} |`,
        );
      }
    }
  }
  if (f.next) {
    const n = f.next;
    out.push('', `**Next CUDA release ${m(n.release.version)}** (${m(n.release.label)}, needs driver >= ${m(n.release.linuxDriver)}) is held back by:`, '');
    if (!n.blockers.length) out.push('- nothing: every target supports it fully');
    n.blockers.forEach((_, i) => out.push(`- ${m(blockerText(n, i))}`));
  }
  if (p.notes.length) out.push('', ...p.notes.map((n) => `> ${m(n)}`));
  out.push('', `<sub>cuda-gate ${m(p.tool.version)}, matrix ${m(p.matrix.version)} (${m(p.matrix.date)})</sub>`);
  return `${out.join('\n')}\n`;
}

export function planJson(p: FleetPlan): string {
  return `${JSON.stringify(p, null, 2)}\n`;
}
