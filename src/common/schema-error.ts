/**
 * Schema-checked edges: every document read from outside (an image config, a manifest, a registry's answer, a cache
 * entry, a YAML file) is checked with a zod schema where it comes in, and a document of the wrong shape becomes ONE
 * kind of GateError, worded here: the input (`manifest.json in app.tar`), the place in it (`[0].Layers[2]`), what
 * it should have been and what it was, and the fix — the same quality as the hand-written messages it replaces.
 *
 *   parseWithSchema(ManifestSchema, doc, { what: 'manifest.json in app.tar', code: 'CORRUPT_ARCHIVE', fix: '…' })
 *
 * A schema may carry its own message for a check (`z.string().refine(isDigest, 'is not a digest')`, or
 * `{ error: '…' }`): it is used as is, after the place. Values quoted from the input are cut short; GateError.toLine
 * makes them inert on a terminal.
 *
 * Edges whose users know a place better than a path (a YAML file's `file:line`, a flag, an action input) give the
 * whole sentence and its own fix with `say(sentence, fix)` in the schema's error map, and a `place` for the problem
 * in the context: `.github/cuda-targets.yml:4: target "a": runtime "CDI" is not one of legacy, cdi (write …)`.
 * `schemaProblems` lists every problem (an unknown key each), for loaders that report all of them at once.
 */
import type { z } from 'zod';
import { GateError, type ErrorCode } from './errors';

export interface SchemaContext {
  /** the input as the user knows it: "manifest.json in app.tar", "the answer of the token service at auth.docker.io" */
  what: string;
  /** the GateError code a malformed document of this input is (CORRUPT_ARCHIVE, REGISTRY_ERROR, BAD_TARGETS …) */
  code: ErrorCode;
  /** what the user can do about it (a sentence given with its own fix, `say`, keeps that one) */
  fix?: string;
  /**
   * Where a problem is, when the user finds it by something else than its path: "file:line" from the YAML nodes,
   * "file:line: row 3 (12.4.1)". Undefined for a problem: `what` names it, as without `place`.
   */
  place?: (problem: SchemaProblem) => string | undefined;
  /** Which of several problems to report (default: the first zod found), e.g. the first in the file. */
  pick?: (problems: SchemaProblem[]) => SchemaProblem;
}

/** One thing wrong with a document: an issue of zod's, or one unknown key of an issue that lists several. */
export interface SchemaProblem {
  /** where in the document (for an unknown key: the key itself) */
  path: PathKey[];
  /** zod's issue code: invalid_type, invalid_value, unrecognized_keys, custom … */
  code: Issue['code'];
  /** the sentence: the schema's own (`say`), or else worded here relative to `path` */
  message: string;
  /** true: `message` is a whole sentence a schema gave with `say` */
  own: boolean;
  /** the fix the schema gave with the sentence */
  fix?: string;
  /** a custom issue's params (`ctx.addIssue({ code: 'custom', params })`) */
  params?: Record<string, unknown>;
  /** the issue, untouched */
  issue: Issue;
}

type Issue = z.core.$ZodIssue;
type PathKey = PropertyKey;

const QUOTE_CHARS = 60;

/** `value` if it has the shape of `schema` (zod's output: defaults filled, transforms applied); else the GateError. */
export function parseWithSchema<S extends z.ZodType>(schema: S, value: unknown, ctx: SchemaContext): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw schemaError(parsed.error, value, ctx);
}

/** The first issue of `error` (found checking `value`; `ctx.pick` may choose another) as a GateError. */
export function schemaError(error: z.ZodError, value: unknown, ctx: SchemaContext): GateError {
  const problems = schemaProblems(error.issues, value);
  return problemError(ctx.pick ? ctx.pick(problems) : problems[0], ctx);
}

/** A problem as the GateError a user reads: the place (or the input), the sentence, the fix. */
export function problemError(problem: SchemaProblem, ctx: SchemaContext): GateError {
  const head = ctx.place?.(problem) ?? ctx.what;
  // a sentence of the schema's own follows the place; one worded here begins with its path (": Layers[2] …")
  const tail = problem.own ? `: ${problem.message}` : problem.message;
  const message = head === '' ? tail.replace(/^:? /, '') : `${head}${tail}`;
  return new GateError(ctx.code, message, problem.fix ?? ctx.fix);
}

/**
 * A schema's own sentence for an issue, and the fix when it has one of its own: the error map of a field returns
 * it (`z.enum(FORMATS, { error: (iss) => say(`--format "${iss.input}" is not one of …`, 'e.g. --format json') })`).
 */
export function say(sentence: string, fix?: string): string {
  return OWN + JSON.stringify(fix === undefined ? { sentence } : { sentence, fix });
}

/** For an object's unknown keys, which zod reports in one issue: a sentence (and fix) per key. */
export function sayPerKey(keys: readonly PathKey[], sentence: (key: string) => string, fix?: (key: string) => string): string {
  const perKey: Record<string, { sentence: string; fix?: string }> = {};
  for (const key of keys.map(String)) perKey[key] = fix ? { sentence: sentence(key), fix: fix(key) } : { sentence: sentence(key) };
  return OWN + JSON.stringify({ sentence: sentence(String(keys[0])), perKey });
}

/** Marks a message given with `say`: text a zod message never starts with, then JSON (the sentence may quote input). */
const OWN = '\u0000cuda-gate:say\u0000';

interface Said {
  sentence: string;
  fix?: string;
  perKey?: Record<string, { sentence: string; fix?: string }>;
}

function said(message: string): Said | undefined {
  return message.startsWith(OWN) ? (JSON.parse(message.slice(OWN.length)) as Said) : undefined;
}

/**
 * Every problem of a failed parse of `value`, in the order zod found them. An unknown-keys issue whose schema said a
 * sentence per key is one problem per key (path: the key); a record's invalid key is the problem its key schema
 * found; a union's issue is its first branch's.
 */
export function schemaProblems(issues: readonly Issue[], value?: unknown): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  for (const issue of issues) {
    if (issue.code === 'invalid_union' && issue.errors.length > 0 && issue.errors[0].length > 0) {
      problems.push(
        ...schemaProblems(
          issue.errors[0].map((i) => ({ ...i, path: [...issue.path, ...i.path] }) as Issue),
          value,
        ),
      );
      continue;
    }
    if (issue.code === 'invalid_key' && !said(issue.message) && issue.issues.length > 0) {
      const inner = schemaProblems(issue.issues, issue.path.length ? issue.path[issue.path.length - 1] : undefined)[0];
      if (inner.own) {
        problems.push({ ...inner, path: [...issue.path], code: issue.code, issue });
        continue;
      }
    }
    const own = said(issue.message);
    const params = issue.code === 'custom' ? (issue.params as Record<string, unknown> | undefined) : undefined;
    if (issue.code === 'unrecognized_keys' && own?.perKey) {
      for (const key of issue.keys) {
        const k = own.perKey[key];
        problems.push({ path: [...issue.path, key], code: issue.code, message: k.sentence, own: true, ...(k.fix !== undefined && { fix: k.fix }), issue });
      }
      continue;
    }
    problems.push({
      path: [...issue.path],
      code: issue.code,
      message: own ? own.sentence : describeIssue(issue, value),
      own: own !== undefined,
      ...(own?.fix !== undefined && { fix: own.fix }),
      ...(params && { params }),
      issue,
    });
  }
  return problems;
}

/**
 * The problems with an object's keys before the problems with its values (zod reports unknown keys last), as a
 * reader goes through a file: "unknown key "gpus"" before "has no driver" for the same target.
 */
export function unknownKeysFirst(problems: readonly SchemaProblem[]): SchemaProblem[] {
  const out: SchemaProblem[] = [];
  for (const problem of problems) {
    if (problem.code !== 'unrecognized_keys') {
      out.push(problem);
      continue;
    }
    const object = problem.issue.path;
    const within = (p: SchemaProblem) => p.code !== 'unrecognized_keys' && object.every((key, i) => p.path[i] === key);
    const first = out.findIndex(within);
    if (first === -1) out.push(problem);
    else out.splice(first, 0, problem);
  }
  return out;
}

/** What follows the input's name: `: Layers[2] should be a string, not 3`, ` should be an object, not null`. */
function describeIssue(issue: Issue, root: unknown): string {
  const place = formatPath(issue.path);
  const subject = place === '' ? '' : `: ${place}`;
  const found = valueAt(root, issue.path);
  // a message the schema gave ({ error: 'is not an OCI image index' }, a refine's) says it best
  if (!isZodDefault(issue.message)) return `${subject} ${issue.message}`;
  switch (issue.code) {
    case 'invalid_type': {
      const expected = typeName(issue.expected);
      if (found === undefined) return `${subject} ${place === '' ? 'is empty' : 'is missing'} (it should be ${expected})`;
      return `${subject} should be ${expected}, not ${quote(found)}`;
    }
    case 'invalid_value':
      return `${subject} should be ${issue.values.length === 1 ? JSON.stringify(issue.values[0]) : `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`}, not ${quote(found)}`;
    case 'unrecognized_keys':
      return `${subject} has unknown key${issue.keys.length === 1 ? '' : 's'} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    default:
      return `${subject}: ${issue.message.toLowerCase()}`;
  }
}

/** zod's own wording ("Invalid input", "Too small: …") as opposed to one a schema gave. */
function isZodDefault(message: string): boolean {
  return /^(Invalid|Too (small|big)|Unrecognized)/.test(message);
}

/** `manifests[2].platform.os`; keys that are not identifiers are quoted: `labels["com.nvidia.cudnn"]`. */
export function formatPath(path: readonly PathKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$-]*$/.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

/** The value the issue is about (undefined: absent). */
function valueAt(root: unknown, path: readonly PathKey[]): unknown {
  let v: unknown = root;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

function typeName(expected: string): string {
  switch (expected) {
    case 'array':
      return 'a list';
    case 'object':
    case 'record':
      return 'an object';
    case 'int':
      return 'a whole number';
    case 'boolean':
      return 'true or false';
    case 'undefined':
      return 'absent';
    default:
      return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
  }
}

/** A value from the input, short: strings quoted and cut, lists and objects by kind. */
function quote(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return JSON.stringify(v.length > QUOTE_CHARS ? `${v.slice(0, QUOTE_CHARS)}…` : v);
  return String(v);
}
