/**
 * Loads matrix/*.yaml into a Matrix: every row checked against schema.ts, every problem reported with file, line,
 * row and field, all problems at once (so one edit-run cycle fixes them all). The result is frozen and cached per
 * directory: it is read once per process and shared by every stage.
 */
import { readdirSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { GateError } from '../common/errors';
import { compareVersions, majorMinor, versionParts } from '../common/dotted-version';
import { compactName } from './gpu-names';
import { findMatrixDir } from './locate';
import { ARCH_ALIASES, ARCH_FAMILIES, ARCHS, DRIVERS, FRAMEWORKS, GPUS, LIBRARIES, MAJORS, META_FIELDS, META_FILE, PTX, TABLES, TOOLKITS } from './schema';
import type { FieldSpec, Row, TableSpec } from './schema';
import type {
  ArchAlias,
  ArchFamily,
  DriverBranch,
  FrameworkBuild,
  Gpu,
  LibraryRule,
  MajorCompat,
  Matrix,
  MatrixMeta,
  MatrixOverride,
  PtxIsaRelease,
  ToolkitArchChange,
  ToolkitRelease,
} from './types';
import { readYamlFile, type YamlFile } from './yaml-file';

/** Thrown for any problem in the matrix data; `problems` lists every one found. */
export class BadMatrixError extends GateError {
  constructor(readonly problems: string[]) {
    const shown = problems.slice(0, 3).join('; ');
    const more = problems.length > 3 ? `; and ${problems.length - 3} more` : '';
    super(
      'BAD_MATRIX',
      problems.length === 1 ? problems[0] : `${problems.length} problems in the matrix: ${shown}${more}`,
      'fix the matrix YAML (the comment at the top of each file describes its fields)',
    );
  }
}

const cache = new Map<string, Matrix>();

export function loadMatrix(dir?: string): Matrix {
  const abs = findMatrixDir(dir);
  let matrix = cache.get(abs);
  if (!matrix) {
    matrix = readMatrix(abs);
    cache.set(abs, matrix);
  }
  return matrix;
}

/**
 * Merges rows into the shipped tables before the checks across rows and files run, so merged rows meet the same
 * checks as shipped ones (user overrides, overrides.ts); returns what it merged. Called only on clean shipped data.
 */
export type TableMerge = (tables: Map<TableSpec, CheckedRow[]>, problems: string[]) => MatrixOverride[];

/** The matrix of `dir` (as loadMatrix finds it) with `merge` applied: read afresh, never cached. */
export function readMatrixMerged(dir: string | undefined, merge: TableMerge): Matrix {
  return readMatrix(findMatrixDir(dir), merge);
}

/** A row that passed its checks, and where it is, for checks across rows. */
export interface CheckedRow {
  row: Row;
  /** "matrix/gpus.yaml:12: row 3 (A100)" plus, given a field, that field's line */
  at: (field?: string) => string;
}

/** A bare word (no spaces) in a source field names an entry of the file's `sources:` map. */
const SOURCE_KEY = /^[A-Za-z0-9][\w.-]*$/;

function readMatrix(dir: string, merge?: TableMerge): Matrix {
  const problems: string[] = [];
  checkFileSet(dir, problems);
  const meta = readMeta(dir, problems);
  const tables = new Map<TableSpec, CheckedRow[]>();
  for (const spec of TABLES) tables.set(spec, readTable(dir, spec, problems));
  const overrides = merge && !problems.length ? merge(tables, problems) : undefined;
  if (!problems.length) checkAcrossRows(tables, problems);
  if (problems.length || !meta) throw new BadMatrixError(problems);

  const rows = <T>(spec: TableSpec) => tables.get(spec)!.map((c) => c.row as unknown as T);
  const matrix: Matrix = {
    meta,
    ...(overrides?.length ? { overrides } : {}),
    releases: rows<ToolkitRelease>(TOOLKITS)
      .map((r) => ({ ...r, cudart: r.cudart ?? [] }))
      .sort((a, b) => compareVersions(a.version, b.version)),
    majors: rows<MajorCompat>(MAJORS).sort((a, b) => a.major - b.major),
    driverBranches: rows<DriverBranch>(DRIVERS).sort((a, b) => a.branch - b.branch),
    gpus: rows<Gpu>(GPUS).map((g) => ({ ...g, aliases: g.aliases ?? [] })),
    libraries: rows<LibraryRule>(LIBRARIES),
    // stable sort: rows of one toolkit keep their file order
    toolkitArchs: rows<ToolkitArchChange>(ARCHS)
      .map((a) => ({ ...a, added: a.added ?? [], removed: a.removed ?? [], deprecated: a.deprecated ?? [] }))
      .sort((a, b) => compareVersions(a.toolkit, b.toolkit)),
    archFamilies: rows<ArchFamily>(ARCH_FAMILIES),
    archAliases: rows<ArchAlias>(ARCH_ALIASES),
    frameworks: rows<FrameworkBuild>(FRAMEWORKS).sort(
      (a, b) => a.package.localeCompare(b.package) || compareVersions(a.from ?? '0', b.from ?? '0'),
    ),
    ptxIsa: rows<PtxIsaRelease>(PTX).sort((a, b) => compareVersions(a.isa, b.isa)),
  };
  return deepFreeze(matrix);
}

function displayPath(dir: string, file: string): string {
  const abs = join(dir, file);
  const rel = relative(process.cwd(), abs);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : abs;
}

/** A misspelt file name would otherwise be silently ignored. */
function checkFileSet(dir: string, problems: string[]): void {
  const expected = [...new Set([META_FILE, ...TABLES.map((t) => t.file)])];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    throw new BadMatrixError([`${dir}: matrix directory not found`]);
  }
  for (const name of names) {
    if (/\.ya?ml$/.test(name) && !expected.includes(name)) {
      problems.push(`${displayPath(dir, name)}: unknown matrix file (expected ${expected.join(', ')})`);
    }
  }
}

function readMeta(dir: string, problems: string[]): MatrixMeta | undefined {
  const res = readYamlFile(join(dir, META_FILE), displayPath(dir, META_FILE));
  if (!res.ok) {
    problems.push(res.problem);
    return undefined;
  }
  const { file } = res;
  const data = file.data;
  if (!isMapping(data)) {
    problems.push(`${file.display}: expected a mapping with ${Object.keys(META_FIELDS).join(', ')}`);
    return undefined;
  }
  const before = problems.length;
  checkFields(data, META_FIELDS, {}, (field) => `${file.display}:${file.lineOf(field ? [field] : [])}`, problems);
  return problems.length === before ? (data as unknown as MatrixMeta) : undefined;
}

function readTable(dir: string, spec: TableSpec, problems: string[]): CheckedRow[] {
  // several tables may share a file (archs.yaml): its own problems (unreadable, top level, sources) are reported once
  const sharing = TABLES.filter((t) => t.file === spec.file);
  const fileProblems = sharing[0] === spec ? problems : [];
  const lists = sharing.map((t) => t.list);
  const res = readYamlFile(join(dir, spec.file), displayPath(dir, spec.file));
  if (!res.ok) {
    fileProblems.push(res.problem);
    return [];
  }
  const { file } = res;
  const top = file.data;
  if (!isMapping(top)) {
    fileProblems.push(`${file.display}: expected a mapping with ${lists.map((l) => `"${l}:"`).join(', ')} (and optionally "sources:") at the top`);
    return [];
  }
  for (const key of Object.keys(top)) {
    if (!lists.includes(key) && key !== 'sources') {
      fileProblems.push(`${file.display}:${file.lineOf([key])}: unknown top-level key "${key}" (expected ${[...lists, 'sources'].join(', ')})`);
    }
  }
  const sources = readSources(file, top.sources, fileProblems);
  const list = top[spec.list];
  if (!Array.isArray(list) || list.length === 0) {
    problems.push(`${file.display}:${file.lineOf([spec.list])}: "${spec.list}" must be a non-empty list of rows`);
    return [];
  }
  const checked: CheckedRow[] = [];
  list.forEach((raw, i) => {
    const row = checkRow(file, spec, sources, raw, i, problems);
    if (row) checked.push(row);
  });
  return checked;
}

export function readSources(file: YamlFile, value: unknown, problems: string[]): Record<string, string> {
  if (value === undefined) return {};
  const at = (key?: string) => `${file.display}:${file.lineOf(key ? ['sources', key] : ['sources'])}`;
  if (!isMapping(value)) {
    problems.push(`${at()}: "sources" must map short keys to source texts`);
    return {};
  }
  const sources: Record<string, string> = {};
  for (const [key, text] of Object.entries(value)) {
    if (!SOURCE_KEY.test(key)) problems.push(`${at(key)}: sources key "${key}" must be one word`);
    else if (typeof text !== 'string' || !text.trim()) problems.push(`${at(key)}: sources.${key} must be a non-empty text`);
    else sources[key] = text;
  }
  return sources;
}

export function checkRow(
  file: YamlFile,
  spec: TableSpec,
  sources: Record<string, string>,
  raw: unknown,
  index: number,
  problems: string[],
): CheckedRow | undefined {
  const idValue = isMapping(raw) ? raw[spec.idField] : undefined;
  const id = typeof idValue === 'string' || typeof idValue === 'number' ? String(idValue) : '?';
  const at = (field?: string) =>
    `${file.display}:${file.lineOf(field ? [spec.list, index, field] : [spec.list, index])}: row ${index + 1} (${id})`;
  if (!isMapping(raw)) {
    problems.push(`${at()}: is not a mapping of fields`);
    return undefined;
  }
  const before = problems.length;
  const row = checkFields(raw, spec.fields, sources, at, problems);
  if (problems.length === before && spec.rowCheck) {
    for (const [field, phrase] of spec.rowCheck(row)) problems.push(`${at(field)}: ${field} ${phrase}`);
  }
  return problems.length === before ? { row, at } : undefined;
}

/** Checks each field of one mapping; returns a copy with source keys replaced by their texts. */
function checkFields(
  raw: Record<string, unknown>,
  fields: Record<string, FieldSpec>,
  sources: Record<string, string>,
  at: (field?: string) => string,
  problems: string[],
): Row {
  const row: Row = {};
  for (const key of Object.keys(raw)) {
    if (!(key in fields)) {
      problems.push(`${at(key)}: unknown field "${key}" (known: ${Object.keys(fields).join(', ')})`);
    }
  }
  for (const [name, spec] of Object.entries(fields)) {
    const value = raw[name];
    if (value === undefined || value === null) {
      if (value === null) problems.push(`${at(name)}: ${name} is empty (leave the field out instead)`);
      else if (spec.required) problems.push(`${at()}: ${name} is missing`);
      continue;
    }
    const problem = spec.check(value);
    if (problem) {
      problems.push(`${at(name)}: ${name} ${problem}`);
      continue;
    }
    if (spec.source && typeof value === 'string' && SOURCE_KEY.test(value)) {
      const text = sources[value];
      if (text === undefined) {
        const known = Object.keys(sources);
        problems.push(
          `${at(name)}: ${name} "${value}" is not a key of sources:${known.length ? ` (known: ${known.join(', ')})` : ''}`,
        );
        continue;
      }
      row[name] = text;
    } else {
      row[name] = value;
    }
  }
  const unconfirmed = raw.unconfirmedFields;
  if (Array.isArray(unconfirmed)) {
    for (const field of unconfirmed) {
      if (typeof field === 'string' && (!(field in fields) || raw[field] === undefined || field in SOURCED_META)) {
        problems.push(`${at('unconfirmedFields')}: unconfirmedFields names "${field}", which is not a fact field of this row`);
      }
    }
  }
  return row;
}

/** Fields about a row rather than facts in it: they cannot be "unconfirmed". */
const SOURCED_META: Record<string, true> = { source: true, confirmed: true, note: true, unconfirmedFields: true };

/** Uniqueness and references between rows and files. */
function checkAcrossRows(tables: Map<TableSpec, CheckedRow[]>, problems: string[]): void {
  const get = (spec: TableSpec) => tables.get(spec) ?? [];
  unique(get(TOOLKITS), (r) => [versionParts(r.version as string).join('.')], 'version', problems);
  unique(get(MAJORS), (r) => [String(r.major)], 'major', problems);
  unique(get(DRIVERS), (r) => [String(r.branch)], 'branch', problems);
  unique(get(LIBRARIES), (r) => [`${String(r.library).toLowerCase()} ${r.sonameMajor}`], 'library', problems);
  // a name or alias must lead to exactly one GPU
  unique(get(GPUS), (r) => [r.name as string, ...((r.aliases as string[]) ?? [])].map(compactName), 'name', problems);

  frameworkRangesDisjoint(get(FRAMEWORKS), problems);
  // a compute capability in two families, or a name aliased twice, would make the answer depend on row order
  unique(get(ARCH_FAMILIES), (r) => r.members as string[], 'members', problems);
  unique(get(ARCH_ALIASES), (r) => [r.from as string], 'from', problems);
  const aliased = new Set(get(ARCH_ALIASES).map((c) => c.row.from as string));
  for (const { row, at } of get(ARCH_ALIASES)) {
    if (aliased.has(row.to as string)) problems.push(`${at('to')}: to "${row.to}" is itself an old name (aliases must not chain)`);
  }
  unique(get(PTX), (r) => [r.isa as string], 'isa', problems);

  const majors = new Set(get(MAJORS).map((c) => c.row.major as number));
  const branches = new Set(get(DRIVERS).map((c) => c.row.branch as number));
  const families = new Set(get(TOOLKITS).map((c) => majorMinor(c.row.version as string)));

  for (const { row, at } of get(TOOLKITS)) {
    const major = versionParts(row.version as string)[0];
    if (!majors.has(major)) problems.push(`${at('version')}: version has no CUDA ${major} row in majors.yaml`);
    for (const b of (row.forwardCompatBranches as number[] | undefined) ?? []) {
      if (!branches.has(b)) problems.push(`${at('forwardCompatBranches')}: forwardCompatBranches ${b} is not a branch in drivers.yaml`);
    }
  }
  for (const { row, at } of get(GPUS)) {
    for (const field of ['firstDriverBranch', 'lastDriverBranch']) {
      const b = row[field] as number | undefined;
      if (b !== undefined && !branches.has(b)) problems.push(`${at(field)}: ${field} ${b} is not a branch in drivers.yaml`);
    }
  }
  // a confirmed branch must point at a CUDA minor the toolkit table knows
  for (const { row, at } of get(DRIVERS)) {
    if (row.confirmed && !families.has(row.cuda as string)) {
      problems.push(`${at('cuda')}: cuda "${row.cuda}" has no release in toolkits.yaml (mark the row confirmed: false if that is right)`);
    }
  }
}

/** Two rows of one package covering the same release would make the answer depend on row order. */
function frameworkRangesDisjoint(rows: CheckedRow[], problems: string[]): void {
  const byPackage = new Map<string, CheckedRow[]>();
  for (const c of rows) {
    const list = byPackage.get(c.row.package as string) ?? [];
    list.push(c);
    byPackage.set(c.row.package as string, list);
  }
  for (const list of byPackage.values()) {
    const sorted = [...list].sort((a, b) => compareVersions((a.row.from as string) ?? '0', (b.row.from as string) ?? '0'));
    for (let i = 1; i < sorted.length; i++) {
      const prev = sorted[i - 1].row;
      const cur = sorted[i];
      if (prev.below === undefined || compareVersions(prev.below as string, (cur.row.from as string) ?? '0') > 0) {
        problems.push(`${cur.at('from')}: from "${cur.row.from ?? '(none)'}" overlaps the ${prev.package} row from "${prev.from ?? '(none)'}"${prev.below ? ` below "${prev.below}"` : ''}`);
      }
    }
  }
}

function unique(rows: CheckedRow[], keys: (r: Row) => string[], field: string, problems: string[]): void {
  // where a key was first seen is only worked out for a repeat: finding a line parses the YAML
  const seen = new Map<string, CheckedRow['at']>();
  for (const { row, at } of rows) {
    for (const key of new Set(keys(row))) {
      const first = seen.get(key);
      if (first !== undefined) problems.push(`${at(field)}: ${field} "${key}" repeats ${first()}`);
      else seen.set(key, at);
    }
  }
}

export function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
