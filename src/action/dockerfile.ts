/**
 * Just enough of the Dockerfile grammar to point an annotation at the line that brought the CUDA stack in:
 * continuations, directives, heredocs, stages, and matching a layer's history instruction back to its line; and
 * which Dockerfile each image was built from (the `dockerfile` input, paired with `images` line by line).
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { messageOf } from '../common/errors';
import { instructionOf } from '../layers/history';

export interface DockerfileInstruction {
  keyword: string;
  /** the arguments, continuation lines joined */
  args: string;
  /** heredoc bodies that follow the instruction, joined by newlines */
  heredoc: string;
  /** 1-based line of the instruction's first physical line */
  line: number;
}

export interface DockerfileStage {
  name?: string;
  /** the FROM argument: an image, or an earlier stage's name */
  base: string;
  fromLine: number;
  instructions: DockerfileInstruction[];
}

export interface ParsedDockerfile {
  stages: DockerfileStage[];
}

const DIRECTIVE = /^#\s*([A-Za-z][A-Za-z0-9]*)\s*=\s*(.*?)\s*$/;
const HEREDOC = /<<(-?)(["']?)([A-Za-z_][A-Za-z0-9_.-]*)\2/g;

export function parseDockerfile(text: string): ParsedDockerfile {
  const lines = text.split(/\r?\n/);
  let escape = '\\';
  let i = 0;
  // parser directives: only at the very top, before any comment, blank line or instruction
  for (; i < lines.length; i++) {
    const m = DIRECTIVE.exec(lines[i].trim());
    if (!m) break;
    if (m[1].toLowerCase() === 'escape' && (m[2] === '`' || m[2] === '\\')) escape = m[2];
  }
  const continued = new RegExp(`${escape === '\\' ? '\\\\' : '`'}[ \\t]*$`);
  const stages: DockerfileStage[] = [];
  const skippable = (s: string) => s.trim() === '' || s.trimStart().startsWith('#');

  while (i < lines.length) {
    if (skippable(lines[i])) {
      i++;
      continue;
    }
    const line = i + 1;
    let joined = '';
    let current = lines[i];
    for (;;) {
      if (!continued.test(current)) {
        joined += current;
        i++;
        break;
      }
      joined += current.replace(continued, '');
      i++;
      // comment and blank lines inside a continued instruction are dropped, as BuildKit does
      while (i < lines.length && skippable(lines[i])) i++;
      if (i >= lines.length) break;
      current = lines[i];
    }
    const m = /^\s*(\S+)\s*(.*)$/s.exec(joined);
    if (!m) continue;
    const keyword = m[1].toUpperCase();
    const args = m[2].trim();
    const bodies: string[] = [];
    if (keyword === 'RUN' || keyword === 'COPY' || keyword === 'ADD') {
      for (const h of args.matchAll(HEREDOC)) {
        const isEnd = (s: string) => (h[1] ? s.replace(/^\t+/, '') : s) === h[3];
        const end = lines.findIndex((s, k) => k >= i && isEnd(s));
        if (end < 0) break; // not a heredoc after all: leave the following lines alone
        bodies.push(lines.slice(i, end).join('\n'));
        i = end + 1;
      }
    }
    if (keyword === 'FROM') {
      const words = args.split(/\s+/).filter((w) => !w.startsWith('--'));
      stages.push({ base: words[0] ?? '', name: words[1]?.toUpperCase() === 'AS' ? words[2]?.toLowerCase() : undefined, fromLine: line, instructions: [] });
      continue;
    }
    stages[stages.length - 1]?.instructions.push({ keyword, args, heredoc: bodies.join('\n'), line });
  }
  return { stages };
}

/** The stages that make up the final image: the last stage and the earlier stages it is built FROM. */
function finalChain(df: ParsedDockerfile): DockerfileStage[] {
  const chain: DockerfileStage[] = [];
  let index = df.stages.length - 1;
  while (index >= 0) {
    const stage = df.stages[index];
    chain.unshift(stage);
    const base = stage.base.toLowerCase();
    const parent = df.stages
      .slice(0, index)
      .map((s) => s.name)
      .lastIndexOf(base);
    index = parent;
  }
  return chain;
}

/** The FROM line whose base image the final image starts from (a layer not in the Dockerfile came from there). */
export function finalBaseLine(df: ParsedDockerfile): number | undefined {
  return finalChain(df)[0]?.fromLine;
}

/**
 * The line of the RUN/COPY/ADD (or other) instruction a layer's history records, searched in the stages that make
 * up the final image. History differs from the Dockerfile: `/bin/sh -c` and build-arg prefixes, `# buildkit`
 * suffixes, legacy `COPY dir:<hash> in /dest`, flags dropped, heredocs folded: compare keyword and significant tokens.
 */
export function findDockerfileLine(df: ParsedDockerfile | string, historyInstruction: string): number | undefined {
  const parsed = typeof df === 'string' ? parseDockerfile(df) : df;
  const wanted = historyForm(historyInstruction);
  if (!wanted) return undefined;
  let best: { line: number; score: number } | undefined;
  for (const stage of finalChain(parsed)) {
    for (const ins of stage.instructions) {
      if (ins.keyword !== wanted.keyword) continue;
      const score = matchScore(wanted, ins);
      if (score > 0 && (!best || score > best.score)) best = { line: ins.line, score };
    }
  }
  return best?.line;
}

/** The ENV (env:KEY) or LABEL (label:KEY) line that last sets a config key in the final image's stages. */
export function findConfigKeyLine(df: ParsedDockerfile | string, configKey: string): number | undefined {
  const parsed = typeof df === 'string' ? parseDockerfile(df) : df;
  const m = /^(env|label):(.+)$/.exec(configKey);
  if (!m) return undefined;
  const keyword = m[1].toUpperCase();
  let found: number | undefined;
  for (const stage of finalChain(parsed)) {
    for (const ins of stage.instructions) {
      if (ins.keyword === keyword && keysSet(ins.args).includes(m[2])) found = ins.line;
    }
  }
  return found;
}

/** Keys an ENV or LABEL sets: `K=v K2="v 2"`, or the legacy one-pair form `K value`. */
function keysSet(args: string): string[] {
  const words = shellWords(args);
  if (words.length && !words[0].includes('=')) return [words[0]];
  return words.filter((w) => w.includes('=')).map((w) => w.slice(0, w.indexOf('=')));
}

/** Whitespace-separated words, quotes removed (a quoted word keeps its spaces). */
function shellWords(s: string): string[] {
  const words: string[] = [];
  let word = '';
  let quote = '';
  let inWord = false;
  for (let k = 0; k < s.length; k++) {
    const c = s[k];
    if (quote) {
      if (c === quote) quote = '';
      else if (c === '\\' && quote === '"' && k + 1 < s.length) word += s[++k];
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

interface HistoryForm {
  keyword: string;
  /** legacy builder COPY/ADD: sources are content hashes, only the destination is known */
  legacyDest?: string;
  tokens: string[];
}

const LEGACY_COPY = /^(?:file|dir|multi):\S+ in (.+?)\s*$/;
const BUILD_ARGS = /^\|(\d+)\s+/;
const SHELL_C = /^\/\S*?(?:ba|da|z)?sh(?:\s+-[A-Za-z]+(?:\s+[a-z]+)?)*?\s+-c\s+/;

function historyForm(instruction: string): HistoryForm | undefined {
  const text = instructionOf(instruction);
  // a SHELL other than /bin/sh leaves the legacy builder's "/bin/bash -o pipefail -c cmd" without a keyword
  const m = /^\s*(\S+)\s*(.*)$/s.exec(text.startsWith('/') ? `RUN ${text}` : text);
  if (!m) return undefined;
  const keyword = m[1].toUpperCase();
  let rest = m[2].trim();
  if (keyword === 'RUN') {
    const args = BUILD_ARGS.exec(rest);
    if (args) {
      // BuildKit with build args: "RUN |2 A=1 B=2 /bin/sh -c cmd"
      const words = rest.slice(args[0].length).split(/ +/);
      rest = words.slice(Number(args[1])).join(' ');
    }
    if (rest.startsWith('/')) rest = rest.replace(SHELL_C, '');
    return { keyword, tokens: runTokens(rest) };
  }
  if (keyword === 'COPY' || keyword === 'ADD') {
    const legacy = LEGACY_COPY.exec(rest);
    if (legacy) return { keyword, legacyDest: normalisePath(legacy[1]), tokens: [] };
    return { keyword, tokens: copyTokens(rest) };
  }
  return { keyword, tokens: runTokens(rest) };
}

function matchScore(wanted: HistoryForm, ins: DockerfileInstruction): number {
  if (wanted.keyword === 'COPY' || wanted.keyword === 'ADD') {
    const mine = copyTokens(ins.args);
    const dest = mine[mine.length - 1];
    if (dest === undefined) return 0;
    if (wanted.legacyDest !== undefined) return destMatches(dest, wanted.legacyDest) ? (dest === wanted.legacyDest ? 1 : 0.8) : 0;
    const theirDest = wanted.tokens[wanted.tokens.length - 1];
    if (theirDest === undefined || !destMatches(dest, theirDest)) return 0;
    // BuildKit writes COPY sources with build args expanded: a Dockerfile source with a variable matches any
    const score = overlap(wanted.tokens.slice(0, -1), mine.slice(0, -1), true);
    return score >= 0.5 ? score : 0;
  }
  // RUN history keeps the command as written, so only small differences (quoting, $VAR, heredoc markers) remain;
  // a high bar keeps two apt-get lines that differ in one package apart
  const mine = runTokens(`${stripRunFlags(ins.args)} ${ins.heredoc}`);
  const score = overlap(wanted.tokens, mine, false);
  return score >= 0.85 ? score : 0;
}

/** Dice coefficient of two token sets. */
function overlap(theirs: string[], mine: string[], variablesMatchAny: boolean): number {
  if (!theirs.length && !mine.length) return 1;
  const pool = new Set(theirs);
  let hits = 0;
  for (const t of new Set(mine)) {
    if (pool.has(t)) {
      pool.delete(t);
      hits++;
    } else if (variablesMatchAny && t.includes('$') && pool.size) {
      hits++;
    }
  }
  return (2 * hits) / (new Set(theirs).size + new Set(mine).size);
}

function destMatches(mine: string, theirs: string): boolean {
  if (mine.includes('$')) return true;
  if (mine === theirs) return true;
  // a relative destination resolves against WORKDIR, which the history has already applied
  return !mine.startsWith('/') && (mine === '.' || theirs.endsWith(`/${mine}`));
}

/** "./app/" -> "app", "./" -> ".", "/app/" -> "/app" */
function normalisePath(p: string): string {
  const t = p.trim();
  if (!t) return t;
  return (t.replace(/\/+$/, '') || '/').replace(/^\.\/(?=.)/, '');
}

/** RUN flags (--mount, --network, --security) are not part of the command the history records. */
function stripRunFlags(args: string): string {
  return args.replace(/^(?:--\S+\s+)*/, '');
}

function runTokens(command: string): string[] {
  const exec = execForm(command);
  const text = exec ? exec.join(' ') : command;
  return text
    .replace(/\$([A-Za-z_][A-Za-z0-9_]*)/g, '${$1}')
    .split(/\s+|&&|\|\||;|\|/)
    .map((t) => t.replace(/^["']+|["']+$/g, ''))
    .filter((t) => t && t !== '\\');
}

function copyTokens(args: string): string[] {
  const exec = execForm(args.replace(/^(?:--\S+\s+)*/, ''));
  const words = exec ?? shellWords(args).filter((w) => !w.startsWith('--'));
  return words.map(normalisePath);
}

/** JSON-array (exec) form: `RUN ["a", "b"]`, `COPY ["src", "dest"]`. */
function execForm(args: string): string[] | undefined {
  const t = args.trim();
  if (!t.startsWith('[')) return undefined;
  try {
    const v: unknown = JSON.parse(t);
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Which Dockerfile each image was built from

export interface DockerfileText {
  /** as the annotation's `file`: relative to the workspace (the repository root) when inside it */
  path: string;
  text: string;
}

export interface ResolvedDockerfiles {
  /** the Dockerfile of each image source (as given in `images`); absent: none given, or it could not be read */
  bySource: Map<string, DockerfileText>;
  /** one warning line naming every given path that could not be read and the fix; undefined when all were read */
  warning?: string;
}

export interface ResolveOptions {
  /** where relative paths start (the runner's working directory, the workspace) */
  cwd?: string;
  /** the repository root annotations are relative to (GITHUB_WORKSPACE) */
  workspace?: string;
  read?: (path: string) => string;
}

/**
 * Pairs the `dockerfile` lines with `images`: none given — ./Dockerfile for every image when it exists (no warning
 * when it does not: that was a guess); one — for every image; one per image — by position. A given path that cannot
 * be read leaves its images' annotations without a line, and is said in one warning with the fix.
 */
export function resolveDockerfiles(paths: string[], images: string[], opts: ResolveOptions = {}): ResolvedDockerfiles {
  const cwd = opts.cwd ?? process.cwd();
  const workspace = opts.workspace || cwd;
  const read = opts.read ?? ((p: string) => readFileSync(p, 'utf8'));
  const bySource = new Map<string, DockerfileText>();
  const loaded = new Map<string, DockerfileText | { why: string }>();
  const load = (path: string) => {
    if (!loaded.has(path)) {
      const absolute = resolve(cwd, path);
      try {
        loaded.set(path, { path: annotationPath(absolute, path, workspace), text: read(absolute) });
      } catch (e) {
        loaded.set(path, { why: unreadable(e) });
      }
    }
    return loaded.get(path)!;
  };

  if (!paths.length) {
    const guess = load('Dockerfile');
    if ('text' in guess) for (const source of images) bySource.set(source, guess);
    return { bySource };
  }
  const failed = new Map<string, { why: string; images: string[] }>();
  images.forEach((source, i) => {
    const path = paths.length === 1 ? paths[0] : paths[i];
    if (path === undefined || bySource.has(source)) return;
    const df = load(path);
    if ('text' in df) bySource.set(source, df);
    else failed.set(path, { why: df.why, images: [...(failed.get(path)?.images ?? []), source] });
  });
  if (!failed.size) return { bySource };
  const each = [...failed].map(([path, f]) => `"${path}" ${f.why}${paths.length > 1 ? ` (for ${f.images.join(', ')})` : ''}`);
  return {
    bySource,
    warning:
      `cuda-gate: dockerfile ${each.join('; ')}: annotations for ${paths.length > 1 ? 'those images' : 'the images'} point at no line. ` +
      'Fix: set dockerfile to the path of the Dockerfile each image was built from, relative to the repository root (one line for all images, or one per line of images, in the same order), and check the repository out before this step',
  };
}

function unreadable(e: unknown): string {
  const code = (e as { code?: string }).code;
  if (code === 'ENOENT') return 'does not exist';
  if (code === 'EISDIR') return 'is a directory, not a Dockerfile';
  if (code === 'ENOTDIR') return 'does not exist (a part of the path is a file)';
  if (code === 'EACCES' || code === 'EPERM') return 'cannot be read (permission denied)';
  return `cannot be read (${messageOf(e)})`;
}

/** Annotations name files relative to the repository root; a path outside it is kept as given. */
function annotationPath(absolute: string, given: string, workspace: string): string {
  const rel = relative(resolve(workspace), absolute);
  const inside = rel && !rel.startsWith('..') && !isAbsolute(rel);
  return inside ? rel.split(sep).join('/') : given.replace(/^\.\//, '');
}
