/**
 * Merges the reports of several runs (matrix legs) into one: images × targets, one verdict. Pure: the caller reads
 * and checks the files (parse-report.ts). Nothing is dropped silently: the same image gated twice becomes one row
 * that lists its other names, two things that share a name but differ are both kept under distinct names, and
 * every such decision — and any mix of cuda-gate or matrix versions — is written into `notes`, which the
 * renderers show above the table.
 */
import { GateError } from '../common/errors';
import type { MatrixOverride } from '../matrix/types';
import { failOnStrictness, gatePasses, noCudaStrictness, type FailOn, type NoCudaPolicy } from '../model/policy';
import { TOOL_VERSION } from '../model/tool-version';
import { verdictRank, worst, type Verdict } from '../model/verdict';
import type { Result } from '../verdict/types';
import type { Change, Report, ReportImage, ReportTarget } from './types';

export interface NamedReport {
  /** where it was read from: named in notes and used to tell apart rows that share a name */
  name: string;
  report: Report;
}

export interface MergeOptions {
  /** overrides the reports' own fail-on (default: the strictest of them) */
  failOn?: FailOn;
}

export function mergeReports(inputs: NamedReport[], opts: MergeOptions = {}): Report {
  if (!inputs.length) throw new GateError('BAD_ARGUMENT', 'no reports to merge', 'give at least one JSON report');
  const labels = shortNames(inputs.map((i) => i.name));
  const notes = new Set<string>();
  for (const note of versionNotes(inputs)) notes.add(note);
  for (const { name, report } of inputs) for (const note of report.notes ?? []) notes.add(`${name}: ${note}`);

  const images = new ImageRows(notes);
  const targets = new TargetColumns(notes);
  const results = new Map<string, Result>();
  const changes = new Map<string, Change>();

  inputs.forEach(({ name, report }, i) => {
    const from = { name, label: labels[i] };
    const imageName = new Map<string, string>();
    for (const img of report.images) if (!imageName.has(img.source)) imageName.set(img.source, images.add(img, from));
    const targetName = new Map<string, string>();
    for (const t of report.targets) if (!targetName.has(t.name)) targetName.set(t.name, targets.add(t, from));

    for (const r of report.results) {
      const merged: Result = { ...r, image: imageName.get(r.image) ?? r.image, target: targetName.get(r.target) ?? r.target };
      const key = `${merged.image}\u0000${merged.target}`;
      const earlier = results.get(key);
      if (!earlier) results.set(key, merged);
      else if (earlier.verdict !== merged.verdict) {
        // the same image on the same target judged twice, differently (another matrix or version): be cautious
        notes.add(`${merged.image} on ${merged.target} is ${earlier.verdict} in one report and ${merged.verdict} in ${name}: the worse verdict counts`);
        if (verdictRank(merged.verdict) > verdictRank(earlier.verdict)) results.set(key, merged);
      }
    }
    for (const c of report.changes ?? []) {
      const change = { ...c, image: imageName.get(c.image) ?? c.image };
      changes.set(`${change.image}\u0000${change.kind}\u0000${change.text}`, change);
    }
  });

  const imageOrder = new Map(images.rows.map((img, i) => [img.source, i]));
  const targetOrder = new Map(targets.columns.map((t, i) => [t.target.name, i]));
  const ordered = [...results.values()].sort(
    (a, b) => imageOrder.get(a.image)! - imageOrder.get(b.image)! || targetOrder.get(a.target)! - targetOrder.get(b.target)!,
  );
  const pairs = images.rows.length * targets.columns.length;
  if (ordered.length < pairs) {
    notes.add(`${pairs - ordered.length} of ${pairs} image × target pairs were judged by none of the reports (— in the table)`);
  }

  const policy = mergedPolicy(inputs, opts, notes);
  const count = (v: Verdict) => ordered.filter((r) => r.verdict === v).length;
  const verdict = worst(ordered.map((r) => r.verdict));
  return {
    schemaVersion: 1,
    tool: { name: 'cuda-gate', version: TOOL_VERSION },
    matrix: mergedMatrix(inputs),
    policy,
    targets: targets.columns.map((c) => c.target),
    images: images.rows,
    results: ordered,
    summary: {
      pass: count('pass'),
      caveat: count('caveat'),
      fail: count('fail'),
      verdict,
      // a result its leg's waivers waived does not gate the merged report either
      gatePassed: gatePasses(worst(ordered.filter((r) => !r.waived).map((r) => r.verdict)), policy.failOn),
      ...(ordered.some((r) => r.waived) && { waived: ordered.filter((r) => r.waived).length }),
    },
    ...(changes.size ? { changes: [...changes.values()] } : {}),
    ...(notes.size ? { notes: [...notes] } : {}),
    mergedFrom: inputs.map(({ name, report }) => ({
      name,
      tool: report.tool.version,
      matrix: report.matrix.version,
      images: report.images.length,
      targets: report.targets.length,
    })),
  };
}

interface Origin {
  name: string;
  label: string;
}

/** One row per image: the same digest on the same platform is the same image, whatever each leg called it. */
class ImageRows {
  readonly rows: ReportImage[] = [];
  private readonly byIdentity = new Map<string, ReportImage>();
  private readonly bySource = new Map<string, { row: ReportImage; from: Origin }>();

  constructor(private readonly notes: Set<string>) {}

  /** Adds an image (or finds its row) and returns the source string its results are keyed by. */
  add(img: ReportImage, from: Origin): string {
    const identity = img.digest ? `${img.digest} ${img.platform}` : undefined;
    const same = identity ? this.byIdentity.get(identity) : undefined;
    if (same) {
      if (img.source !== same.source && !same.aliases?.includes(img.source)) {
        same.aliases = [...(same.aliases ?? []), img.source];
        this.notes.add(`${img.source} (${from.name}) is the same image as ${same.source} (${shortDigest(img.digest!)}, ${img.platform}): one row`);
      }
      return same.source;
    }
    const clash = this.bySource.get(img.source);
    const source = clash ? freeName(img.source, from.label, this.bySource) : img.source;
    const row: ReportImage = { ...img, source };
    if (clash) {
      const why =
        !img.digest || !clash.row.digest
          ? 'without a digest on both they cannot be told to be the same'
          : img.digest === clash.row.digest
            ? `their platforms differ (${clash.row.platform}, ${img.platform})`
            : 'their digests differ';
      this.notes.add(
        `${clash.from.name} and ${from.name} both gated an image called ${img.source}, and ${why}: the one from ${from.name} is shown as ${source}`,
      );
    }
    this.rows.push(row);
    this.bySource.set(source, { row, from });
    if (identity) this.byIdentity.set(identity, row);
    return source;
  }
}

interface Column {
  original: string;
  target: ReportTarget;
  from: Origin;
}

/** One column per target: the same name and the same definition is the same target. */
class TargetColumns {
  readonly columns: Column[] = [];
  private readonly byName = new Map<string, unknown>();
  /** the columns of each name as the reports wrote it, in order: a lookup per target, never a search of every column */
  private readonly byOriginal = new Map<string, Column[]>();

  constructor(private readonly notes: Set<string>) {}

  add(t: ReportTarget, from: Origin): string {
    const sameName = this.byOriginal.get(t.name) ?? [];
    const same = sameName.find((c) => sameTarget(c.target, t));
    if (same) return same.target.name;
    const clash = sameName[0];
    const name = this.byName.has(t.name) ? freeName(t.name, from.label, this.byName) : t.name;
    if (clash) {
      this.notes.add(
        `target ${t.name} differs between reports — ${describeTarget(clash.target)} in ${clash.from.name}, ${describeTarget(t)} in ${from.name}: both are kept, the second as ${name}`,
      );
    }
    const column: Column = { original: t.name, target: { ...t, name }, from };
    this.columns.push(column);
    this.byOriginal.set(t.name, [...sameName, column]);
    this.byName.set(name, true);
    return name;
  }
}

function sameTarget(a: ReportTarget, b: ReportTarget): boolean {
  const key = (t: ReportTarget) => [t.driver, t.gpu?.computeCapability ?? '', t.gpu?.name ?? t.gpu?.input ?? '', t.forwardCompat, t.os].join('\u0000');
  return key(a) === key(b);
}

function describeTarget(t: ReportTarget): string {
  return `driver ${t.driver}${t.gpu ? `, GPU ${t.gpu.input}` : ''}${t.forwardCompat ? ', forward-compat' : ''}${t.os !== 'linux' ? `, ${t.os}` : ''}`;
}

/** `name (label)`, or `name (label #2)` … when even that is taken. */
function freeName(name: string, label: string, taken: Map<string, unknown>): string {
  let candidate = `${name} (${label})`;
  for (let n = 2; taken.has(candidate); n++) candidate = `${name} (${label} #${n})`;
  return candidate;
}

function shortDigest(digest: string): string {
  const [algorithm, hex = ''] = digest.split(':');
  return hex ? `${algorithm}:${hex.slice(0, 12)}` : digest;
}

/**
 * What tells the reports apart, for names shown in the table: path segments every name shares at the start or the
 * end are dropped ("reports/trainer/cuda-gate-report.json", "reports/inference/cuda-gate-report.json" → "trainer",
 * "inference").
 */
export function shortNames(names: string[]): string[] {
  const parts = names.map((n) => n.split(/[\\/]+/).filter(Boolean));
  const shortest = Math.min(...parts.map((p) => p.length));
  const sharedAt = (pick: (p: string[]) => string) => parts.every((p) => pick(p) === pick(parts[0]));
  let head = 0;
  let tail = 0;
  while (names.length > 1 && shortest - head - tail > 1 && sharedAt((p) => p[head])) head++;
  while (names.length > 1 && shortest - head - tail > 1 && sharedAt((p) => p[p.length - 1 - tail])) tail++;
  return parts.map(
    (p, i) =>
      p
        .slice(head, p.length - tail)
        .join('/')
        .replace(/\.json$/i, '') || names[i],
  );
}

/** Which report said what, for notes: "0.1.0 (a.json, b.json), 0.2.0 (c.json)". */
function grouped(inputs: NamedReport[], valueOf: (r: Report) => string): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const { name, report } of inputs) groups.set(valueOf(report), [...(groups.get(valueOf(report)) ?? []), name]);
  return groups;
}

const listGroups = (groups: Map<string, string[]>) => [...groups].map(([value, names]) => `${value} (${names.join(', ')})`).join('; ');

function versionNotes(inputs: NamedReport[]): string[] {
  const notes: string[] = [];
  const tools = grouped(inputs, (r) => r.tool.version);
  if (tools.size > 1) {
    notes.push(
      `the reports were written by different cuda-gate versions — ${listGroups(tools)}; merged by ${TOOL_VERSION}: their verdicts may rest on different rules`,
    );
  } else if (!tools.has(TOOL_VERSION)) {
    notes.push(`the reports were written by cuda-gate ${[...tools.keys()][0]} and merged by cuda-gate ${TOOL_VERSION}`);
  }
  const matrices = grouped(inputs, (r) => `${r.matrix.version} (${r.matrix.date})`);
  if (matrices.size > 1) {
    notes.push(
      `the reports were judged against different compatibility matrices — ${listGroups(matrices)}: their verdicts may rest on different facts; the footer shows the newest`,
    );
  }
  const overrides = grouped(inputs, (r) => {
    const rows = r.matrix.overrides ?? [];
    return rows.length ? rows.map((o) => `${o.table} ${o.id} (${o.action}, ${o.file})`).join(', ') : 'no matrix overrides';
  });
  if (overrides.size > 1) {
    notes.push(
      `the reports used different matrix overrides — ${listGroups(overrides)}: their verdicts may rest on different facts; the merged report lists every override row`,
    );
  }
  return notes;
}

function newestMatrix(inputs: NamedReport[]): Report['matrix'] {
  return inputs.map((i) => i.report.matrix).reduce((newest, m) => (m.date > newest.date ? m : newest));
}

/** The newest matrix, with every override row any report used (each once). */
function mergedMatrix(inputs: NamedReport[]): Report['matrix'] {
  const { overrides: _newestOnly, ...matrix } = newestMatrix(inputs);
  const rows = new Map<string, MatrixOverride>();
  for (const { report } of inputs) {
    for (const o of report.matrix.overrides ?? []) rows.set(JSON.stringify([o.file, o.table, o.id, o.action, o.source]), o);
  }
  return rows.size ? { ...matrix, overrides: [...rows.values()] } : matrix;
}

/** The strictest fail-on and no-cuda of the reports, unless the caller sets fail-on; a disagreement is noted. */
function mergedPolicy(inputs: NamedReport[], opts: MergeOptions, notes: Set<string>): Report['policy'] {
  const failOns = grouped(inputs, (r) => r.policy.failOn);
  const strictest = [...failOns.keys()].reduce((a, b) => (failOnStrictness(b as FailOn) > failOnStrictness(a as FailOn) ? b : a)) as FailOn;
  const failOn = opts.failOn ?? strictest;
  if (failOns.size > 1) {
    notes.add(
      `the reports were gated with different fail-on — ${listGroups(failOns)}: the merged gate uses ${failOn}${opts.failOn ? ' (set for the merge)' : ' (the strictest)'}`,
    );
  }
  const noCudas = grouped(inputs, (r) => r.policy.noCuda);
  const noCuda = [...noCudas.keys()].reduce((a, b) => (noCudaStrictness(b as NoCudaPolicy) > noCudaStrictness(a as NoCudaPolicy) ? b : a)) as NoCudaPolicy;
  if (noCudas.size > 1) {
    notes.add(`the reports were judged with different no-cuda policies — ${listGroups(noCudas)}: each result keeps the policy it was judged with`);
  }
  // a pull request's legs all read the same base policy: its source and what the PR changes in it stay on top
  const sourced = inputs.find((i) => i.report.policy.source)?.report.policy;
  return { failOn, noCuda, ...(sourced?.source && { source: sourced.source }), ...(sourced?.changes && { changes: sourced.changes }) };
}
