/**
 * Field schemas for the matrix tables. Each says what is wrong in a sentence that starts with the field's name, read
 * from the path: `linuxDriver "550.54.x" is not a driver version`, `cudart item 2: …`, `source is missing`,
 * `note is empty (leave the field out instead)`. Values are never coerced: YAML reads an unquoted 12.10 as the
 * number 12.1, so every version must be a quoted string.
 */
import { z } from 'zod';
import { isDriverVersion } from '../common/driver-version';
import { say } from '../common/schema-error';

export function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

type Path = readonly PropertyKey[] | undefined;

/** `linuxDriver`, or `cudart item 2:` for an item of a list field */
export function fieldName(path: Path = []): string {
  const last = path[path.length - 1];
  if (typeof last === 'number' && path.length > 1) return `${String(path[path.length - 2])} item ${last + 1}:`;
  return String(last);
}

const isItem = (path: Path = []) => typeof path[path.length - 1] === 'number';

/** The error of a field check: the field, then `phrase` of the value (a missing or empty field said alike everywhere). */
export function fieldError(phrase: (value: unknown) => string) {
  return (iss: { path?: PropertyKey[]; input?: unknown }): string => {
    const field = fieldName(iss.path);
    if (iss.input === undefined) return say(`${field} is missing`);
    if (iss.input === null && !isItem(iss.path)) return say(`${field} is empty (leave the field out instead)`);
    return say(`${field} ${phrase(iss.input)}`);
  };
}

export const text = z
  .string({ error: fieldError((v) => `${show(v)} is not a non-empty text`) })
  .refine((s) => s.trim() !== '', { error: fieldError((v) => `${show(v)} is not a non-empty text`) });

export const bool = z.boolean({ error: fieldError((v) => `${show(v)} is not true or false`) });

const wholeNumber = fieldError((v) => `${show(v)} is not a positive whole number`);
export const positiveInt = z.number({ error: wholeNumber }).refine((n) => Number.isInteger(n) && n > 0, { error: wholeNumber });

/** A string of a form (`what`: "a driver version"); a number in its place was an unquoted YAML value. */
export function quoted(what: string, valid: (s: string) => boolean) {
  return z
    .string({
      error: fieldError((v) => (typeof v === 'number' ? `${show(v)} must be a quoted string: YAML reads an unquoted ${what} as a number` : `${show(v)} is not ${what}`)),
    })
    .refine(valid, { error: fieldError((v) => `${show(v)} is not ${what}`) });
}

export function pattern(re: RegExp, what: string) {
  return quoted(what, (s) => re.test(s));
}

export const driver = quoted('a driver version', isDriverVersion);
/** "12.4.1": a toolkit release or a cudart component version */
export const cudaPatch = pattern(/^\d+\.\d+\.\d+$/, 'a CUDA version of the form X.Y.Z');
/** "12.4" */
export const cudaMinor = pattern(/^\d+\.\d+$/, 'a CUDA version of the form X.Y');
/** "8.0", "10.3" */
export const computeCapability = pattern(/^\d{1,2}\.\d$/, 'a compute capability like "8.0"');
/** nvcc GPU targets: sm_80, sm_90a, sm_100f */
export const smTarget = pattern(/^sm_\d{2,3}[af]?$/, 'an sm target like sm_80, sm_90a or sm_100f');
export const brand = pattern(/^[a-z]+$/, 'a lower-case brand name');

export const isoDate = quoted('a date YYYY-MM-DD', (s) => /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`)));

/** end of life: a month "2026-06", or "reached" */
export const eol = pattern(/^(\d{4}-(0[1-9]|1[0-2])|reached)$/, 'an end-of-life month YYYY-MM or "reached"');

export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: fieldError((v) => `${show(v)} is not one of ${values.join(', ')}`) });
}

export function listOf<T extends z.ZodType>(item: T, opts: { nonEmpty?: boolean } = {}) {
  const list = z.array(item, { error: fieldError((v) => `${show(v)} is not a list`) });
  return opts.nonEmpty ? list.min(1, { error: fieldError(() => 'is an empty list') }) : list;
}
