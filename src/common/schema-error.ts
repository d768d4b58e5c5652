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
 */
import type { z } from 'zod';
import { GateError, type ErrorCode } from './errors';

export interface SchemaContext {
  /** the input as the user knows it: "manifest.json in app.tar", "the answer of the token service at auth.docker.io" */
  what: string;
  /** the GateError code a malformed document of this input is (CORRUPT_ARCHIVE, REGISTRY_ERROR, BAD_TARGETS …) */
  code: ErrorCode;
  /** what the user can do about it */
  fix?: string;
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

/** The first issue of `error` (found checking `value`) as a GateError. */
export function schemaError(error: z.ZodError, value: unknown, ctx: SchemaContext): GateError {
  return new GateError(ctx.code, `${ctx.what}${describeIssue(firstIssue(error.issues), value)}`, ctx.fix);
}

/** A union's own issue says only "Invalid input": the first branch's first issue says what was wrong. */
function firstIssue(issues: readonly Issue[]): Issue {
  const issue = issues[0];
  if (issue.code === 'invalid_union' && issue.errors.length > 0 && issue.errors[0].length > 0) {
    const inner = firstIssue(issue.errors[0]);
    return { ...inner, path: [...issue.path, ...inner.path] } as Issue;
  }
  return issue;
}

/** What follows the input's name: `: Layers[2] should be a string, not 3`, ` should be an object, not null`. */
function describeIssue(issue: Issue, root: unknown): string {
  const place = formatPath(issue.path);
  const subject = place === '' ? '' : `: ${place}`;
  const found = valueAt(root, issue.path);
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
      return isZodDefault(issue.message) ? `${subject}: ${issue.message.toLowerCase()}` : `${subject} ${issue.message}`;
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
