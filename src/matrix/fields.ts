/**
 * Field checks for the matrix schema. A check returns undefined when the value is valid, else the rest of a sentence
 * that follows the field name: `"550.54.x" is not a driver version`. Values are never coerced: YAML reads an unquoted
 * 12.10 as the number 12.1, so every version must be a quoted string.
 */
import { isDriverVersion } from '../common/driver-version';

export type Check = (value: unknown) => string | undefined;

export function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function quotedString(value: unknown, what: string, valid: (s: string) => boolean): string | undefined {
  if (typeof value === 'number') return `${show(value)} must be a quoted string: YAML reads an unquoted ${what} as a number`;
  if (typeof value !== 'string') return `${show(value)} is not ${what}`;
  return valid(value) ? undefined : `${show(value)} is not ${what}`;
}

export const text: Check = (v) => (typeof v === 'string' && v.trim() !== '' ? undefined : `${show(v)} is not a non-empty text`);

export const bool: Check = (v) => (typeof v === 'boolean' ? undefined : `${show(v)} is not true or false`);

export const positiveInt: Check = (v) =>
  typeof v === 'number' && Number.isInteger(v) && v > 0 ? undefined : `${show(v)} is not a positive whole number`;

export const driver: Check = (v) => quotedString(v, 'a driver version', isDriverVersion);

export function pattern(re: RegExp, what: string): Check {
  return (v) => quotedString(v, what, (s) => re.test(s));
}

/** "12.4.1": a toolkit release or a cudart component version */
export const cudaPatch = pattern(/^\d+\.\d+\.\d+$/, 'a CUDA version of the form X.Y.Z');
/** "12.4" */
export const cudaMinor = pattern(/^\d+\.\d+$/, 'a CUDA version of the form X.Y');
/** "8.0", "10.3" */
export const computeCapability = pattern(/^\d{1,2}\.\d$/, 'a compute capability like "8.0"');
/** nvcc GPU targets: sm_80, sm_90a, sm_100f */
export const smTarget = pattern(/^sm_\d{2,3}[af]?$/, 'an sm target like sm_80, sm_90a or sm_100f');
export const brand = pattern(/^[a-z]+$/, 'a lower-case brand name');

export const isoDate: Check = (v) =>
  quotedString(v, 'a date YYYY-MM-DD', (s) => /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`)));

/** end of life: a month "2026-06", or "reached" */
export const eol = pattern(/^(\d{4}-(0[1-9]|1[0-2])|reached)$/, 'an end-of-life month YYYY-MM or "reached"');

export function oneOf(values: readonly string[]): Check {
  return (v) => (typeof v === 'string' && values.includes(v) ? undefined : `${show(v)} is not one of ${values.join(', ')}`);
}

export function listOf(item: Check, opts: { nonEmpty?: boolean } = {}): Check {
  return (v) => {
    if (!Array.isArray(v)) return `${show(v)} is not a list`;
    if (opts.nonEmpty && v.length === 0) return 'is an empty list';
    for (let i = 0; i < v.length; i++) {
      const problem = item(v[i]);
      if (problem) return `item ${i + 1}: ${problem}`;
    }
    return undefined;
  };
}
