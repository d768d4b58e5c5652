/**
 * libnvidia-container's requirement language, evaluated the way `src/cli/dsl.c` does it (read at
 * NVIDIA/libnvidia-container@5823754b, with the rule callbacks of `src/cli/configure.c`@09df17a2). Nothing is parsed
 * ahead of time: dsl.c walks the string once, and a term it never reaches cannot make the requirement invalid.
 *
 * - `dsl_evaluate`: the value is split on single spaces (strsep " ", empty tokens skipped) into alternatives that
 *   are tried left to right; each is split on commas (empty terms skipped) into terms that are ANDed left to right.
 *   The first false term ends its alternative; the first alternative whose terms all hold ends the walk. An
 *   alternative made only of commas also ends the walk, keeping the result of the alternative before it.
 * - `evaluate_rule`: the property is the text before the first of `<>=!`; the operator is the whole run of those
 *   characters, matched with `strncmp(run, op, runLength)` against `= != < <= > >=` in that order, so a lone `!`
 *   reads as `!=` and `==`, `=>`, `<>` are invalid; an empty value is invalid; property names are case-insensitive.
 *   A false term is formatted into a 128-byte buffer ("%s %s %s"); when it does not fit the term is invalid.
 * - `dsl_compare_version`: digits and dots only; parts are read with strtoumax (a part that does not start with a
 *   digit, or reaches UINTMAX_MAX, is invalid — but only when the comparison gets to it); runs of dots are skipped;
 *   once one side runs out, the other side is "more" unless it is only dots and zeros.
 * - `dsl_compare_string` (brand): `=` and `!=` only, ASCII case-insensitive.
 * - configure.c: a missing driver/CUDA version, or no visible device, makes the corresponding terms true.
 */

/** What the runtime hook sees on the host, as libnvidia-container formats it. */
export interface DslHost {
  /** nvmlSystemGetCudaDriverVersion as "%u.%u" (e.g. "12.4"); undefined: NVML did not say */
  cuda?: string;
  /** nvmlSystemGetDriverVersion (e.g. "550.54.15"); undefined: NVML did not say */
  driver?: string;
  /** the visible GPU; undefined: no device visible (arch and brand terms then hold) */
  device?: { arch: string; brand?: string };
}

export type DslOutcome =
  | { kind: 'satisfied' }
  /** `message` is dsl.c's text: "unsatisfied condition: <first space-separated token>" (+ a hint for cuda>=) */
  | { kind: 'unsatisfied'; message: string; firstToken: string }
  /** "requirement error: invalid expression"; `term` is the term dsl.c was evaluating when it gave up */
  | { kind: 'invalid'; term: string; reason: string };

type Cmp = 'EQUAL' | 'NOT_EQUAL' | 'LESS' | 'LESS_EQUAL' | 'GREATER' | 'GREATER_EQUAL';
/** dsl.c's operator table, in its order (the order decides how a run of operator characters is read) */
const OPERATORS: readonly { str: string; cmp: Cmp }[] = [
  { str: '=', cmp: 'EQUAL' },
  { str: '!=', cmp: 'NOT_EQUAL' },
  { str: '<', cmp: 'LESS' },
  { str: '<=', cmp: 'LESS_EQUAL' },
  { str: '>', cmp: 'GREATER' },
  { str: '>=', cmp: 'GREATER_EQUAL' },
];
const OP_CHARS = '<>=!';
const EXPR_MAX = 128;
const UINTMAX_MAX = (1n << 64n) - 1n;
const CUDA_REQUIRE_GREATER = 'cuda>=';

/** -1 = dsl.c's error return */
type Tri = boolean | -1;

function span(s: string, from: number, chars: string): number {
  let i = from;
  while (i < s.length && chars.includes(s[i])) i++;
  return i;
}

/** strtoumax over a string of digits and dots: [value, end]; end === start when no digit was read */
function strtoumax(s: string, start: number): [bigint, number] {
  let end = start;
  while (end < s.length && s[end] >= '0' && s[end] <= '9') end++;
  if (end === start) return [0n, start];
  const v = BigInt(s.slice(start, end));
  return [v > UINTMAX_MAX ? UINTMAX_MAX : v, end];
}

const DIGITS_AND_DOTS = /^[0-9.]*$/;

export function compareVersion(v1: string, cmp: Cmp, v2: string): Tri {
  if (!DIGITS_AND_DOTS.test(v1) || !DIGITS_AND_DOTS.test(v2)) return -1;
  let i = 0;
  let j = 0;
  while (i < v1.length && j < v2.length) {
    const [n1, e1] = strtoumax(v1, i);
    if (n1 === UINTMAX_MAX || e1 === i) return -1;
    const [n2, e2] = strtoumax(v2, j);
    if (n2 === UINTMAX_MAX || e2 === j) return -1;
    if (n1 !== n2) {
      if (cmp === 'EQUAL') return false;
      if (cmp === 'NOT_EQUAL') return true;
      if (cmp === 'LESS' || cmp === 'LESS_EQUAL') return n1 < n2;
      return n1 > n2;
    }
    i = span(v1, e1, '.');
    j = span(v2, e2, '.');
  }
  const rest1 = span(v1, i, '.0') < v1.length;
  const rest2 = span(v2, j, '.0') < v2.length;
  if (cmp === 'NOT_EQUAL') return rest1 || rest2;
  if (cmp === 'EQUAL' || cmp === 'LESS_EQUAL' || cmp === 'GREATER_EQUAL') {
    if (!rest1 && !rest2) return true;
    if (cmp === 'EQUAL') return false;
  }
  if (cmp === 'LESS' || cmp === 'LESS_EQUAL') return !rest1 && rest2;
  return rest1 && !rest2;
}

function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}

function compareString(s1: string, cmp: Cmp, s2: string): Tri {
  if (cmp === 'EQUAL') return asciiLower(s1) === asciiLower(s2);
  if (cmp === 'NOT_EQUAL') return asciiLower(s1) !== asciiLower(s2);
  return -1;
}

const RULES: Record<string, (host: DslHost, cmp: Cmp, value: string) => Tri> = {
  cuda: (h, cmp, v) => (h.cuda === undefined ? true : compareVersion(h.cuda, cmp, v)),
  driver: (h, cmp, v) => (h.driver === undefined ? true : compareVersion(h.driver, cmp, v)),
  arch: (h, cmp, v) => (h.device === undefined ? true : compareVersion(h.device.arch, cmp, v)),
  brand: (h, cmp, v) => (h.device?.brand === undefined ? true : compareString(h.device.brand, cmp, v)),
};

/** UTF-8 length: the C buffer counts bytes */
function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** evaluate_rule: [result, why-invalid] */
function evaluateRule(expr: string, host: DslHost): [Tri, string?] {
  const n = indexOfAny(expr, OP_CHARS);
  if (n === 0) return [-1, 'no property name before the operator'];
  const runEnd = span(expr, n, OP_CHARS);
  const run = expr.slice(n, runEnd);
  if (run.length === 0) return [-1, 'no operator (one of = != < <= > >=)'];
  // strncmp(run, op, run.length) is 0 exactly when op starts with the run (a shorter op's NUL differs from the
  // run's next operator character)
  const op = OPERATORS.find((o) => o.str.startsWith(run));
  if (!op) return [-1, `"${run}" is not an operator (one of = != < <= > >=)`];
  const value = expr.slice(runEnd);
  if (value === '') return [-1, 'no value after the operator'];
  const name = expr.slice(0, n);
  const rule = RULES[asciiLower(name)];
  if (!rule) return [-1, `unknown property "${name}" (cuda, driver, arch or brand)`];
  const ret = rule(host, op.cmp, value);
  if (ret === -1) {
    return [-1, asciiLower(name) === 'brand' ? 'brand takes only = or !=' : 'a version is digits and dots, each part a number below 2^64-1'];
  }
  if (ret === false && byteLength(`${name} ${op.str} ${value}`) >= EXPR_MAX) {
    return [-1, `the term is too long for libnvidia-container's ${EXPR_MAX}-byte message buffer`];
  }
  return [ret];
}

function indexOfAny(s: string, chars: string): number {
  let i = 0;
  while (i < s.length && !chars.includes(s[i])) i++;
  return i;
}

/** dsl_evaluate over one NVIDIA_REQUIRE_* value. */
export function dslEvaluate(predicate: string, host: DslHost): DslOutcome {
  let ret: Tri = true;
  for (const orExpr of predicate.split(' ')) {
    if (orExpr === '') continue;
    let brokeOnFalse = false;
    for (const andExpr of orExpr.split(',')) {
      if (andExpr === '') continue;
      const [r, why] = evaluateRule(andExpr, host);
      if (r === -1) return { kind: 'invalid', term: andExpr, reason: why ?? 'invalid expression' };
      ret = r;
      if (!ret) {
        brokeOnFalse = true;
        break;
      }
    }
    // every term held (or there were none: a comma-only alternative): the walk ends with `ret` as it stands
    if (!brokeOnFalse) break;
  }
  if (ret) return { kind: 'satisfied' };
  const firstToken = predicate.split(' ')[0];
  const message = firstToken.startsWith(CUDA_REQUIRE_GREATER)
    ? `unsatisfied condition: ${firstToken}, please update your driver to a newer version, or use an earlier cuda container`
    : `unsatisfied condition: ${firstToken}`;
  return { kind: 'unsatisfied', message, firstToken };
}
