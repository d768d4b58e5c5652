/**
 * The action's report files: the one a run writes (`report-path`), and the ones the aggregate mode reads (`reports:`
 * lines as globs (`*`, `?`, `**`), plain files, or directories: every .json beneath). Node 20 has no fs.glob, and
 * the few patterns a workflow writes need no library.
 */
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { messageOf } from '../common/errors';

export interface ReportFile {
  /** absolute path */
  path: string;
  /** what messages call it: relative to the workspace when inside it */
  name: string;
}

export interface Matched {
  files: ReportFile[];
  /** patterns that matched nothing, for a warning */
  unmatched: string[];
}

const WILDCARD = /[*?]/;

/**
 * Files matching any of `patterns`, each once: in the order of the patterns, sorted by name within one (the first
 * report names a shared row); `exclude` (the aggregate's own output) never.
 */
export function matchReportFiles(patterns: string[], cwd: string, exclude: string[] = []): Matched {
  const skip = new Set(exclude.map((p) => resolve(cwd, p)));
  const found = new Map<string, ReportFile>();
  const unmatched: string[] = [];
  for (const pattern of patterns) {
    const paths = expand(pattern, cwd).filter((p) => !skip.has(p));
    if (!paths.length) unmatched.push(pattern);
    const named = paths.map((path) => ({ path, name: displayName(path, cwd) })).sort((a, b) => a.name.localeCompare(b.name));
    for (const file of named) if (!found.has(file.path)) found.set(file.path, file);
  }
  return { files: [...found.values()], unmatched };
}

function expand(pattern: string, cwd: string): string[] {
  const absolute = resolve(cwd, pattern.replace(/\\/g, '/'));
  if (!WILDCARD.test(pattern)) {
    if (!existsSync(absolute)) return [];
    return statSync(absolute).isDirectory() ? walk(absolute).filter((p) => p.toLowerCase().endsWith('.json')) : [absolute];
  }
  const segments = absolute.split(sep);
  const firstWild = segments.findIndex((s) => WILDCARD.test(s));
  const base = segments.slice(0, firstWild).join(sep) || sep;
  if (!existsSync(base) || !statSync(base).isDirectory()) return [];
  const regex = globRegex(absolute.split(sep).join('/'));
  return walk(base).filter((p) => regex.test(p.split(sep).join('/')));
}

/** `**` any number of directories, `*` and `?` within one path segment. */
export function globRegex(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      const slash = glob[i + 2] === '/';
      out += slash ? '(?:[^/]*/)*' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

/** Every regular file beneath `dir`, without following symlinked directories or entering .git. */
function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== '.git') out.push(...walk(path));
    } else if (entry.isFile()) out.push(path);
  }
  return out;
}

function displayName(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel.split(sep).join('/') : path;
}

/**
 * Writes the JSON report to `report-path`. Never throws: a path that cannot be written (its directory missing, a
 * directory, no permission) returns the one error line for the step, naming the path and the fix, so the caller
 * can finish the summary, outputs and comment first and fail the step last.
 */
export function writeReportFile(path: string, text: string, cwd: string = process.cwd()): string | undefined {
  try {
    writeFileSync(resolve(cwd, path), text);
    return undefined;
  } catch (e) {
    const { why, fix } = notWritable(e, path, cwd);
    return `cuda-gate: report-path "${path}" cannot be written: ${why} (the verdict, job summary and outputs are complete; the JSON report is not). Fix: ${fix}`;
  }
}

/**
 * Writes the SARIF log to `sarif-file`, after the JSON report. Never throws: like writeReportFile, a path that cannot
 * be written returns the one error line for the step, naming the input, the path and the fix.
 */
export function writeSarifFile(path: string, text: string, cwd: string = process.cwd()): string | undefined {
  try {
    writeFileSync(resolve(cwd, path), text);
    return undefined;
  } catch (e) {
    const { why, fix } = notWritable(e, path, cwd, 'sarif-file', 'cuda-gate.sarif');
    return `cuda-gate: sarif-file "${path}" cannot be written: ${why} (the verdict, job summary and outputs are complete; the SARIF file is not). Fix: ${fix}`;
  }
}

function notWritable(e: unknown, path: string, cwd: string, input = 'report-path', file = 'cuda-gate-report.json'): { why: string; fix: string } {
  const code = (e as { code?: string }).code;
  const dir = dirname(path);
  const elsewhere = `set ${input} to a file in a directory the job can write (the workspace, or \${{ runner.temp }}/${file})`;
  if (code === 'EISDIR' || (existsSync(resolve(cwd, path)) && statSync(resolve(cwd, path)).isDirectory())) {
    return { why: 'it is a directory', fix: `name a file in it, e.g. ${input}: ${join(path, file)}` };
  }
  if (code === 'ENOENT') return { why: `its directory "${dir}" does not exist`, fix: `create it in an earlier step (mkdir -p "${dir}"), or ${elsewhere}` };
  if (code === 'ENOTDIR') return { why: `a part of "${dir}" is a file, not a directory`, fix: elsewhere };
  if (code === 'EROFS') return { why: 'the file system is read-only', fix: elsewhere };
  if (code === 'EACCES' || code === 'EPERM') return { why: 'permission denied', fix: elsewhere };
  return { why: messageOf(e), fix: elsewhere };
}
