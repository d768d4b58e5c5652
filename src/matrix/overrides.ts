/**
 * User matrix overrides: a YAML file in the user's repository with any of the shipped tables (`releases:`,
 * `majors:`, `branches:`, `gpus:`, `toolkitArchs:`, `libraries:`, `frameworks:`, `wheelIndexes:`, `ptxIsa:`, … and `sources:`), rows
 * of the same schema as matrix/*.yaml, merged over the shipped matrix: a row whose id is a shipped row's replaces
 * it, a new id is added. Every row needs `source:`. The merged tables then meet every check across rows and files
 * the shipped data meets (a GPU's driver branches must exist, a release needs its major, names stay unique), and
 * any problem is a BAD_MATRIX_OVERRIDES error naming the overrides file and line.
 */
import { isAbsolute, relative, resolve } from 'node:path';
import { z } from 'zod';
import { GateError } from '../common/errors';
import { say } from '../common/schema-error';
import { BadMatrixError, checkRows, checkTop, isMapping, readMatrixMerged, type CheckedRow, type Tables } from './load';
import { rowKey, rowLabel, rowSchema, TABLES, type AnyTable, type RowOf } from './schema';
import type { Matrix, MatrixOverride, SourcedRow } from './types';
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

/** Fields that say where a part of a row was read: an override row's `source` covers them unless it says otherwise. */
const INHERITS_SOURCE = ['componentSource', 'lifecycleSource'] as const;

const MISSING_SOURCE =
  'source is missing: every override row says where its facts come from — add source: with a URL or document (or a key of sources:)';

/**
 * A row of an overrides file: the table's row, where `confirmed` may be left out (true: the user vouches for it) and
 * `source` also stands in the table's other source fields. `source` itself is required, with its own sentence.
 */
function overrideRowSchema<T extends AnyTable>(spec: T) {
  let schema = overrideRows.get(spec);
  if (!schema) overrideRows.set(spec, (schema = buildOverrideRowSchema(spec)));
  return schema as z.ZodType<RowOf<T>>;
}

const overrideRows = new WeakMap<AnyTable, z.ZodType>();

function buildOverrideRowSchema(spec: AnyTable) {
  const fields = Object.keys(spec.fields);
  return z.preprocess((raw, ctx) => {
    if (!isMapping(raw)) return raw;
    if (raw.source === undefined || raw.source === null) {
      // the sentence names the table: "gpus row 1 (RTX 9090): source is missing: …"
      ctx.addIssue({ code: 'custom', message: say(MISSING_SOURCE), params: { namesTable: true } });
      return raw;
    }
    const filled: Record<string, unknown> = { ...raw };
    if (filled.confirmed === undefined && fields.includes('confirmed')) filled.confirmed = true;
    for (const name of INHERITS_SOURCE) if (fields.includes(name) && filled[name] === undefined) filled[name] = raw.source;
    return filled;
  }, rowSchema(spec));
}

function displayPath(file: string): string {
  const rel = relative(process.cwd(), resolve(file));
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

function mergeOverrides(files: readonly string[], tables: Tables, problems: string[]): MatrixOverride[] {
  const shipped = new Map<AnyTable, Set<string>>();
  for (const spec of TABLES) shipped.set(spec, new Set(tables.get(spec).map((c) => rowKey(spec, c.row))));
  const applied: (MatrixOverride & { key: string })[] = [];
  for (const path of files) {
    const display = displayPath(path);
    const res = readYamlFile(resolve(path), display);
    if (!res.ok) {
      problems.push(res.problem.replace(/: file not found$/, ': matrix overrides file not found'));
      continue;
    }
    const { file } = res;
    const before = problems.length;
    const sources = checkTop(file, TABLES, problems, { overrides: true });
    if (!sources || !isMapping(file.data)) continue;
    let rowsInFile = 0;
    for (const spec of TABLES as readonly AnyTable[]) {
      const list = file.data[spec.list];
      if (!Array.isArray(list) || list.length === 0) continue;
      rowsInFile += list.length;
      const checked: CheckedRow<SourcedRow>[] = checkRows(file, spec, list, overrideRowSchema(spec), sources, problems);
      if (checked.length !== list.length) continue;
      // every row of an id replaces every earlier row of that id (toolkitArchs may hold several rows of one toolkit)
      const keys = new Set(checked.map((c) => rowKey(spec, c.row)));
      tables.set(spec, [...tables.get(spec).filter((c) => !keys.has(rowKey(spec, c.row))), ...checked]);
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
          id: rowLabel(spec, c.row),
          action: shipped.get(spec)?.has(key) ? 'replaced' : 'added',
          source: c.row.source,
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
