/**
 * User matrix overrides: a YAML file in the user's repository with any of the shipped tables (`releases:`,
 * `majors:`, `branches:`, `gpus:`, `toolkitArchs:`, `libraries:`, `frameworks:`, `ptxIsa:`, … and `sources:`), rows
 * of the same schema as matrix/*.yaml, merged over the shipped matrix: a row whose id is a shipped row's replaces
 * it, a new id is added. Every row needs `source:`. The merged tables then meet every check across rows and files
 * the shipped data meets (a GPU's driver branches must exist, a release needs its major, names stay unique), and
 * any problem is a BAD_MATRIX_OVERRIDES error naming the overrides file and line.
 */
import { isAbsolute, relative, resolve } from 'node:path';
import { GateError } from '../common/errors';
import { versionParts } from '../common/dotted-version';
import { compactName } from './gpu-names';
import { BadMatrixError, checkRow, isMapping, readMatrixMerged, readSources, type CheckedRow } from './load';
import { TABLES, type FieldSpec, type Row, type TableSpec } from './schema';
import type { Matrix, MatrixOverride } from './types';
import { readYamlFile } from './yaml-file';

export const OVERRIDES_HINT = `an overrides file holds rows of the matrix/*.yaml tables (${TABLES.map((t) => t.list).join(', ')}), each with the fields of its table and a source: (README "Matrix overrides")`;

export class BadMatrixOverridesError extends GateError {
  constructor(readonly problems: string[]) {
    const shown = problems.slice(0, 3).join('; ');
    const more = problems.length > 3 ? `; and ${problems.length - 3} more` : '';
    super('BAD_MATRIX_OVERRIDES', problems.length === 1 ? problems[0] : `${problems.length} problems in the matrix overrides: ${shown}${more}`, OVERRIDES_HINT);
  }
}

/**
 * The matrix of `matrixDir` (default: the shipped one) with the rows of `files` merged over it, in order: a later
 * file's row replaces an earlier file's row of the same id as it replaces a shipped one. No files: `loadMatrix`'s.
 */
export function loadMatrixWithOverrides(files: readonly string[], matrixDir?: string): Matrix {
  let merged = false;
  try {
    return readMatrixMerged(matrixDir, (tables, problems) => {
      merged = true;
      return mergeOverrides(files, tables, problems);
    });
  } catch (e) {
    // problems found once override rows were in the tables are theirs (the shipped data alone is clean)
    if (merged && e instanceof BadMatrixError) throw new BadMatrixOverridesError(e.problems);
    throw e;
  }
}

/** A bare word in a source field names an entry of the file's `sources:` (as in matrix/*.yaml). */
const SOURCE_KEY = /^[A-Za-z0-9][\w.-]*$/;

/** Fields that say where a part of a row was read: an override row's `source` covers them unless it says otherwise. */
const INHERITS_SOURCE = ['componentSource', 'lifecycleSource'] as const;

/** The id a row is replaced by: two rows with one id are one fact (the keys the matrix keeps unique). */
const ROW_KEY: Record<string, (r: Row) => string> = {
  releases: (r) => versionParts(String(r.version)).join('.'),
  gpus: (r) => compactName(String(r.name)),
  libraries: (r) => `${String(r.library).toLowerCase()} ${String(r.sonameMajor)}`,
  frameworks: (r) => `${String(r.package)} ${r.from === undefined ? '' : String(r.from)}`,
};
const rowKey = (spec: TableSpec, r: Row): string => (ROW_KEY[spec.list] ?? ((x: Row) => String(x[spec.idField])))(r);

/** How the report names a row. */
function rowId(spec: TableSpec, r: Row): string {
  if (spec.list === 'libraries') return `${String(r.library)} ${String(r.sonameMajor)}`;
  if (spec.list === 'frameworks') return `${String(r.package)}${r.from !== undefined ? ` >=${String(r.from)}` : ''}${r.below !== undefined ? ` <${String(r.below)}` : ''}`;
  return String(r[spec.idField]);
}

function displayPath(file: string): string {
  const rel = relative(process.cwd(), resolve(file));
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

/** An override row may leave `confirmed` out (the user vouches for it: true); `source` is checked before. */
function overrideSpec(spec: TableSpec): TableSpec {
  const fields: Record<string, FieldSpec> = { ...spec.fields };
  for (const name of ['source', 'confirmed']) if (fields[name]) fields[name] = { ...fields[name], required: false };
  return { ...spec, fields };
}

function mergeOverrides(files: readonly string[], tables: Map<TableSpec, CheckedRow[]>, problems: string[]): MatrixOverride[] {
  const shipped = new Map<TableSpec, Set<string>>();
  for (const [spec, rows] of tables) shipped.set(spec, new Set(rows.map((c) => rowKey(spec, c.row))));
  const applied: (MatrixOverride & { key: string })[] = [];
  for (const path of files) {
    const display = displayPath(path);
    const res = readYamlFile(resolve(path), display);
    if (!res.ok) {
      problems.push(res.problem.replace(/: file not found$/, ': matrix overrides file not found'));
      continue;
    }
    const { file } = res;
    const top = file.data;
    const lists = TABLES.map((t) => t.list);
    if (!isMapping(top)) {
      problems.push(`${display}:${file.lineOf([])}: expected a mapping of tables (${lists.join(', ')}; and optionally sources) at the top`);
      continue;
    }
    const before = problems.length;
    for (const key of Object.keys(top)) {
      if (key === 'sources' || lists.includes(key)) continue;
      const hint = key === 'meta' || key === 'version' ? ' (the matrix version and date are not overridden)' : '';
      problems.push(`${display}:${file.lineOf([key])}: unknown top-level key "${key}"${hint} (expected ${[...lists, 'sources'].join(', ')})`);
    }
    const sources = readSources(file, top.sources, problems);
    let rowsInFile = 0;
    for (const spec of TABLES) {
      const list = top[spec.list];
      if (list === undefined) continue;
      if (!Array.isArray(list) || list.length === 0) {
        problems.push(`${display}:${file.lineOf([spec.list])}: "${spec.list}" must be a non-empty list of rows`);
        continue;
      }
      const checked: CheckedRow[] = [];
      list.forEach((raw: unknown, i: number) => {
        rowsInFile++;
        const row = checkOverrideRow(file, spec, sources, raw, i, problems);
        if (row) checked.push(row);
      });
      if (checked.length !== list.length) continue;
      // every row of an id replaces every earlier row of that id (toolkitArchs may hold several rows of one toolkit)
      const keys = new Set(checked.map((c) => rowKey(spec, c.row)));
      const rows = tables.get(spec) ?? [];
      tables.set(spec, [...rows.filter((c) => !keys.has(rowKey(spec, c.row))), ...checked]);
      const earlier = applied.filter((o) => o.table === spec.list && keys.has(o.key));
      for (const o of earlier) applied.splice(applied.indexOf(o), 1);
      const seen = new Set<string>();
      for (const c of checked) {
        const key = rowKey(spec, c.row);
        if (seen.has(key) && spec.list === 'toolkitArchs') continue;
        seen.add(key);
        applied.push({
          file: display,
          table: spec.list,
          id: rowId(spec, c.row),
          action: shipped.get(spec)?.has(key) ? 'replaced' : 'added',
          source: String(c.row.source),
          key,
        });
      }
    }
    if (rowsInFile === 0 && problems.length === before) {
      problems.push(`${display}:${file.lineOf([])}: no override rows (add a table such as releases: or gpus: with at least one row)`);
    }
  }
  return applied.map(({ key: _key, ...o }) => o);
}

function checkOverrideRow(
  file: Parameters<typeof checkRow>[0],
  spec: TableSpec,
  sources: Record<string, string>,
  raw: unknown,
  index: number,
  problems: string[],
): CheckedRow | undefined {
  if (isMapping(raw) && (raw.source === undefined || raw.source === null)) {
    const idValue = raw[spec.idField];
    const id = typeof idValue === 'string' || typeof idValue === 'number' ? String(idValue) : '?';
    problems.push(
      `${file.display}:${file.lineOf([spec.list, index])}: ${spec.list} row ${index + 1} (${id}): source is missing: every override row says where its facts come from — add source: with a URL or document (or a key of sources:)`,
    );
    return undefined;
  }
  let row = raw;
  if (isMapping(raw)) {
    const filled: Record<string, unknown> = { ...raw };
    if (filled.confirmed === undefined && spec.fields.confirmed) filled.confirmed = true;
    // a source key that is not in sources: is reported once, for source
    const resolvable = typeof raw.source !== 'string' || !SOURCE_KEY.test(raw.source) || raw.source in sources;
    for (const name of INHERITS_SOURCE) if (resolvable && spec.fields[name] && filled[name] === undefined) filled[name] = raw.source;
    row = filled;
  }
  return checkRow(file, overrideSpec(spec), sources, row, index, problems);
}
