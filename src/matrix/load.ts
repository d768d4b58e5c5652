/**
 * Loads matrix/*.yaml into a Matrix: every file checked against its schemas (schema.ts), every problem reported with
 * file, line, row and field, all problems at once (so one edit-run cycle fixes them all). The result is frozen and
 * cached per directory: it is read once per process and shared by every stage.
 */
import { readdirSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { z } from 'zod';
import { GateError } from '../common/errors';
import { compareVersions, majorMinor, versionParts } from '../common/dotted-version';
import { schemaProblems, unknownKeysFirst, type SchemaProblem } from '../common/schema-error';
import { compactName } from './gpu-names';
import { findMatrixDir } from './locate';
import {
  ARCH_ALIASES,
  ARCH_FAMILIES,
  ARCHS,
  DRIVERS,
  fileSchema,
  FRAMEWORKS,
  GPUS,
  LIBRARIES,
  HOST_LIBS,
  MAJORS,
  META,
  META_FILE,
  PTX,
  rowSchema,
  SOURCE_KEY,
  sourceFields,
  SOURCES,
  TABLES,
  TOOLKITS,
  WHEEL_INDEXES,
  type AnyTable,
  type RowOf,
} from './schema';
import type { Matrix, MatrixMeta, MatrixOverride } from './types';
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
export type TableMerge = (tables: Tables, problems: string[]) => MatrixOverride[];

/** The matrix of `dir` (as loadMatrix finds it) with `merge` applied: read afresh, never cached. */
export function readMatrixMerged(dir: string | undefined, merge: TableMerge): Matrix {
  return readMatrix(findMatrixDir(dir), merge);
}

/** A row that passed its checks, and where it is, for checks across rows. */
export interface CheckedRow<Row = unknown> {
  row: Row;
  /** "matrix/gpus.yaml:12: row 3 (A100)" plus, given a field, that field's line */
  at: (field?: string) => string;
}

/** The checked rows of every table, in file order (and, merged, override rows after the shipped ones). */
export class Tables {
  private readonly rows = new Map<AnyTable, CheckedRow[]>();

  get<T extends AnyTable>(spec: T): CheckedRow<RowOf<T>>[] {
    // set() stores a table's own rows under it
    return (this.rows.get(spec) ?? []) as CheckedRow<RowOf<T>>[];
  }

  set<T extends AnyTable>(spec: T, rows: CheckedRow<RowOf<T>>[]): void {
    this.rows.set(spec, rows);
  }
}

/** The matrix files and the tables each holds (archs.yaml holds three, sharing its `sources:`). */
const FILES = [...new Set(TABLES.map((t) => t.file))].map((file) => ({ file, tables: TABLES.filter((t) => t.file === file) as AnyTable[] }));

function readMatrix(dir: string, merge?: TableMerge): Matrix {
  const problems: string[] = [];
  checkFileSet(dir, problems);
  const meta = readMeta(dir, problems);
  const tables = new Tables();
  for (const { file, tables: specs } of FILES) {
    const res = readYamlFile(join(dir, file), displayPath(dir, file));
    if (!res.ok) {
      problems.push(res.problem);
      continue;
    }
    const sources = checkTop(res.file, specs, problems);
    for (const spec of specs) {
      const list = isMapping(res.file.data) ? res.file.data[spec.list] : undefined;
      tables.set(spec, Array.isArray(list) ? checkRows(res.file, spec, list, rowSchema(spec), sources ?? {}, problems) : []);
    }
  }
  const overrides = merge && !problems.length ? merge(tables, problems) : undefined;
  if (!problems.length) checkAcrossRows(tables, problems);
  if (problems.length || !meta) throw new BadMatrixError(problems);

  const rows = <T extends AnyTable>(spec: T) => tables.get(spec).map((c) => c.row);
  const matrix: Matrix = {
    meta,
    ...(overrides?.length ? { overrides } : {}),
    releases: rows(TOOLKITS).sort((a, b) => compareVersions(a.version, b.version)),
    majors: rows(MAJORS).sort((a, b) => a.major - b.major),
    driverBranches: rows(DRIVERS).sort((a, b) => a.branch - b.branch),
    gpus: rows(GPUS),
    libraries: rows(LIBRARIES),
    // stable sort: rows of one toolkit keep their file order
    toolkitArchs: rows(ARCHS).sort((a, b) => compareVersions(a.toolkit, b.toolkit)),
    archFamilies: rows(ARCH_FAMILIES),
    archAliases: rows(ARCH_ALIASES),
    frameworks: rows(FRAMEWORKS).sort((a, b) => a.package.localeCompare(b.package) || compareVersions(a.from ?? '0', b.from ?? '0')),
    wheelIndexes: rows(WHEEL_INDEXES).sort(
      (a, b) => a.package.localeCompare(b.package) || a.index.localeCompare(b.index) || compareVersions(a.from, b.from),
    ),
    ptxIsa: rows(PTX).sort((a, b) => compareVersions(a.isa, b.isa)),
    hostLibs: rows(HOST_LIBS),
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
  const expected = [META_FILE, ...FILES.map((f) => f.file)];
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
  return check(res.file, META, res.file.data, [], problems);
}

/** How a problem of a matrix file is worded: overrides files give the top level's line and name a row's table. */
export interface Wording {
  /** `file:line:` also for a problem with the top level (the shipped files: `file:`) */
  rootLine?: boolean;
}

/**
 * `file:line: row 3 (12.4.1): linuxDriver "550.54.x" is not a driver version`: where a problem of `file` is, found
 * from its path (`at`: the path of the value checked, within the file), and what it is.
 */
export function describeProblem(file: YamlFile, problem: SchemaProblem, at: readonly PropertyKey[] = [], wording: Wording = {}): string {
  const path = [...at, ...problem.path];
  const [list, index] = path;
  const spec = TABLES.find((t) => t.list === list) as AnyTable | undefined;
  if (spec && typeof index === 'number') {
    const rows = isMapping(file.data) ? file.data[spec.list] : undefined;
    const raw: unknown = Array.isArray(rows) ? rows[index] : undefined;
    const idValue = isMapping(raw) ? raw[spec.idField] : undefined;
    const id = typeof idValue === 'string' || typeof idValue === 'number' ? String(idValue) : '?';
    // a problem with a field is at the field's line (also for an item of a list field)
    const table = problem.params?.namesTable ? `${spec.list} ` : '';
    return `${file.display}:${file.lineOf(path.slice(0, 3) as (string | number)[])}: ${table}row ${index + 1} (${id}): ${problem.message}`;
  }
  if (path.length === 0 && !wording.rootLine) return `${file.display}: ${problem.message}`;
  return `${file.display}:${file.lineOf(path as (string | number)[])}: ${problem.message}`;
}

/** `value` (at `at` in `file`) checked with `schema`: the output, or undefined with every problem reported. */
function check<S extends z.ZodType>(file: YamlFile, schema: S, value: unknown, at: (string | number)[], problems: string[], wording: Wording = {}): z.output<S> | undefined {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  for (const problem of unknownKeysFirst(schemaProblems(parsed.error.issues, value))) problems.push(describeProblem(file, problem, at, wording));
  return undefined;
}

/**
 * The top level of a matrix file holding `tables` (fileSchema): its problems reported; the sources its rows may cite
 * (those of its `sources:` that are well formed), or undefined when the file is not a mapping at all.
 */
export function checkTop(file: YamlFile, tables: readonly AnyTable[], problems: string[], opts: { overrides?: boolean } = {}): Record<string, string> | undefined {
  check(file, fileSchema(tables, opts), file.data, [], problems, { rootLine: opts.overrides });
  if (!isMapping(file.data)) return undefined;
  const sources: Record<string, string> = {};
  if (isMapping(file.data.sources)) {
    for (const [key, text] of Object.entries(file.data.sources)) {
      const value = SOURCES.valueType.safeParse(text);
      if (SOURCES.keyType.safeParse(key).success && value.success) sources[key] = value.data;
    }
  }
  return sources;
}

/**
 * The rows of one table's `list` in `file`, each checked with `schema` (rowSchema, or an overrides variant), and its
 * source keys resolved against the file's `sources`.
 */
export function checkRows<T extends AnyTable>(
  file: YamlFile,
  spec: T,
  list: readonly unknown[],
  schema: z.ZodType<RowOf<T>>,
  sources: Readonly<Record<string, string>>,
  problems: string[],
): CheckedRow<RowOf<T>>[] {
  const checked: CheckedRow<RowOf<T>>[] = [];
  const cited = sourceFields(spec);
  const rows = check(file, z.array(schema), list, [spec.list], problems);
  rows?.forEach((row, index) => {
    const raw = list[index];
    const idValue = isMapping(raw) ? raw[spec.idField] : undefined;
    const id = typeof idValue === 'string' || typeof idValue === 'number' ? String(idValue) : '?';
    const at = (field?: string) => `${file.display}:${file.lineOf(field ? [spec.list, index, field] : [spec.list, index])}: row ${index + 1} (${id})`;
    const resolved = resolveSources(row as Record<string, unknown>, cited, sources, at, problems);
    if (resolved) checked.push({ row: resolved as RowOf<T>, at });
  });
  return checked;
}

/**
 * A row's source keys (a bare word in a source field) replaced by the texts of the file's `sources:`; undefined,
 * with the problems reported, when it cites a key the file lacks (once per key: an override row's `source` also
 * stands in the fields it covers).
 */
function resolveSources(
  row: Record<string, unknown>,
  fields: readonly string[],
  sources: Readonly<Record<string, string>>,
  at: (field?: string) => string,
  problems: string[],
): Record<string, unknown> | undefined {
  const resolved = { ...row };
  const missing = new Set<string>();
  for (const field of fields) {
    const value = row[field];
    if (typeof value !== 'string' || !SOURCE_KEY.test(value)) continue;
    if (Object.hasOwn(sources, value)) {
      resolved[field] = sources[value];
    } else if (!missing.has(value)) {
      missing.add(value);
      const known = Object.keys(sources);
      problems.push(`${at(field)}: ${field} "${value}" is not a key of sources:${known.length ? ` (known: ${known.join(', ')})` : ''}`);
    }
  }
  return missing.size ? undefined : resolved;
}

/** Uniqueness and references between rows and files. */
function checkAcrossRows(tables: Tables, problems: string[]): void {
  unique(tables.get(TOOLKITS), (r) => [versionParts(r.version).join('.')], 'version', problems);
  unique(tables.get(MAJORS), (r) => [String(r.major)], 'major', problems);
  unique(tables.get(DRIVERS), (r) => [String(r.branch)], 'branch', problems);
  unique(tables.get(LIBRARIES), (r) => [`${r.library.toLowerCase()} ${r.sonameMajor}`], 'library', problems);
  // a name or alias must lead to exactly one GPU
  unique(tables.get(GPUS), (r) => [r.name, ...r.aliases].map(compactName), 'name', problems);

  frameworkRangesDisjoint(tables.get(FRAMEWORKS), problems);
  wheelIndexRangesDisjoint(tables.get(WHEEL_INDEXES), problems);
  // a compute capability in two families, or a name aliased twice, would make the answer depend on row order
  unique(tables.get(ARCH_FAMILIES), (r) => r.members, 'members', problems);
  unique(tables.get(ARCH_ALIASES), (r) => [r.from], 'from', problems);
  const aliased = new Set(tables.get(ARCH_ALIASES).map((c) => c.row.from));
  for (const { row, at } of tables.get(ARCH_ALIASES)) {
    if (aliased.has(row.to)) problems.push(`${at('to')}: to "${row.to}" is itself an old name (aliases must not chain)`);
  }
  unique(tables.get(PTX), (r) => [r.isa], 'isa', problems);
  unique(tables.get(HOST_LIBS), (r) => [r.library], 'library', problems);

  const majors = new Set(tables.get(MAJORS).map((c) => c.row.major));
  const branches = new Set(tables.get(DRIVERS).map((c) => c.row.branch));
  const families = new Set(tables.get(TOOLKITS).map((c) => majorMinor(c.row.version)));

  for (const { row, at } of tables.get(TOOLKITS)) {
    const major = versionParts(row.version)[0];
    if (!majors.has(major)) problems.push(`${at('version')}: version has no CUDA ${major} row in majors.yaml`);
    for (const b of row.forwardCompatBranches ?? []) {
      if (!branches.has(b)) problems.push(`${at('forwardCompatBranches')}: forwardCompatBranches ${b} is not a branch in drivers.yaml`);
    }
  }
  for (const { row, at } of tables.get(GPUS)) {
    for (const field of ['firstDriverBranch', 'lastDriverBranch'] as const) {
      const b = row[field];
      if (b !== undefined && !branches.has(b)) problems.push(`${at(field)}: ${field} ${b} is not a branch in drivers.yaml`);
    }
  }
  // a confirmed branch must point at a CUDA minor the toolkit table knows
  for (const { row, at } of tables.get(DRIVERS)) {
    if (row.confirmed && !families.has(row.cuda)) {
      problems.push(`${at('cuda')}: cuda "${row.cuda}" has no release in toolkits.yaml (mark the row confirmed: false if that is right)`);
    }
  }
}

/** Two rows of one package covering the same release would make the answer depend on row order. */
function frameworkRangesDisjoint(rows: CheckedRow<RowOf<typeof FRAMEWORKS>>[], problems: string[]): void {
  const byPackage = new Map<string, CheckedRow<RowOf<typeof FRAMEWORKS>>[]>();
  for (const c of rows) byPackage.set(c.row.package, [...(byPackage.get(c.row.package) ?? []), c]);
  for (const list of byPackage.values()) {
    const sorted = [...list].sort((a, b) => compareVersions(a.row.from ?? '0', b.row.from ?? '0'));
    for (let i = 1; i < sorted.length; i++) {
      const prev = sorted[i - 1].row;
      const cur = sorted[i];
      if (prev.below === undefined || compareVersions(prev.below, cur.row.from ?? '0') > 0) {
        problems.push(`${cur.at('from')}: from "${cur.row.from ?? '(none)'}" overlaps the ${prev.package} row from "${prev.from ?? '(none)'}"${prev.below ? ` below "${prev.below}"` : ''}`);
      }
    }
  }
}

/** Two rows of one package's index covering the same release would make the answer depend on row order. */
function wheelIndexRangesDisjoint(rows: CheckedRow<RowOf<typeof WHEEL_INDEXES>>[], problems: string[]): void {
  const byIndex = new Map<string, CheckedRow<RowOf<typeof WHEEL_INDEXES>>[]>();
  for (const c of rows) byIndex.set(`${c.row.package} ${c.row.index}`, [...(byIndex.get(`${c.row.package} ${c.row.index}`) ?? []), c]);
  for (const list of byIndex.values()) {
    const sorted = [...list].sort((a, b) => compareVersions(a.row.from, b.row.from));
    for (let i = 1; i < sorted.length; i++) {
      const prev = sorted[i - 1].row;
      const cur = sorted[i];
      if (prev.below === undefined || compareVersions(prev.below, cur.row.from) > 0) {
        problems.push(`${cur.at('from')}: from "${cur.row.from}" overlaps the ${prev.package} ${prev.index} row from "${prev.from}"${prev.below ? ` below "${prev.below}"` : ''}`);
      }
    }
  }
}

function unique<Row>(rows: CheckedRow<Row>[], keys: (r: Row) => string[], field: string, problems: string[]): void {
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
