/**
 * NVIDIA_REQUIRE_* as the NVIDIA container stack reads them: the toolkit's hook (Go, cuda_image.go) picks the env
 * vars and hands each value to `nvidia-container-cli --require=`, whose dsl.c parses it. This module mirrors both
 * exactly, but collects problems as values instead of failing: the verdict stage decides what they mean.
 */
import type { ImageConfig } from '../sources/types';
import type { RequireCondition, RequireExpression, RequireOp, RequireProperty } from './nvidia-require-types';

const OPERATORS: readonly RequireOp[] = ['=', '!=', '<', '<=', '>', '>='];
const PROPERTIES: readonly RequireProperty[] = ['cuda', 'driver', 'arch', 'brand'];
const OP_CHARS = '<>=!';
/** strtoumax returns UINTMAX_MAX on overflow, and dsl.c treats that value itself as an error */
const UINTMAX_MAX = 18446744073709551615n;

type TermResult = { condition: RequireCondition } | { reason: string };

/** ASCII-only lower case, like strcasecmp (JS toLowerCase would also fold e.g. the Kelvin sign to "k"). */
function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}

/** dsl_compare_version accepts digits and dots only, and the first part must be a number that fits uintmax_t. */
function versionProblem(value: string): string | undefined {
  if (!/^[0-9.]+$/.test(value)) return 'version values are digits and dots only';
  if (value[0] === '.') return 'a version must start with a number';
  for (const part of value.split('.')) {
    if (part !== '' && BigInt(part) >= UINTMAX_MAX) return 'a version part is too large';
  }
  return undefined;
}

/** One comma-separated term, parsed the way dsl.c's evaluate_rule does. */
export function parseTerm(term: string): TermResult {
  let n = 0;
  while (n < term.length && !OP_CHARS.includes(term[n])) n++;
  if (n === 0) return { reason: 'no property name before the operator' };
  if (n === term.length) return { reason: 'no operator (one of = != < <= > >=)' };
  let m = n;
  while (m < term.length && OP_CHARS.includes(term[m])) m++;
  // dsl.c takes the whole run of operator characters and it must be exactly one operator: "==", "=>" are rejected
  const opText = term.slice(n, m);
  const op = OPERATORS.find((o) => o === opText);
  if (!op) return { reason: `"${opText}" is not an operator (one of = != < <= > >=)` };
  const value = term.slice(m);
  if (value === '') return { reason: 'no value after the operator' };
  const property = PROPERTIES.find((p) => p === asciiLower(term.slice(0, n)));
  if (!property) return { reason: `unknown property "${term.slice(0, n)}" (cuda, driver, arch or brand)` };
  if (property === 'brand') {
    if (op !== '=' && op !== '!=') return { reason: 'brand takes only = or !=' };
  } else {
    const problem = versionProblem(value);
    if (problem) return { reason: problem };
  }
  return { condition: { property, op, value, raw: term } };
}

/**
 * Parses one NVIDIA_REQUIRE_* value. Groups are separated by single spaces (strsep on " ": a tab or newline stays
 * inside a term and makes it invalid), terms by commas; empty tokens are skipped. A group made only of commas stops
 * the evaluation (see RequireExpression.unevaluated); it is kept as an empty group when it comes first.
 */
export function parseRequire(name: string, value: string): RequireExpression {
  const expr: RequireExpression = { name, raw: value, alternatives: [], errors: [] };
  const invalid: NonNullable<RequireExpression['invalidTerms']> = [];
  let offset = 0;
  for (const token of value.split(' ')) {
    const start = offset;
    offset += token.length + 1;
    if (token === '') continue;
    const group: RequireCondition[] = [];
    let position = 0;
    for (const term of token.split(',')) {
      if (term === '') continue;
      const r = parseTerm(term);
      if ('condition' in r) group.push(r.condition);
      else {
        invalid.push({ group: expr.alternatives.length, position, raw: term, reason: r.reason });
        expr.errors.push(`invalid expression "${term}": ${r.reason}`);
      }
      position++;
    }
    if (position === 0) {
      if (expr.alternatives.length === 0) expr.alternatives.push([]);
      expr.unevaluated = value.slice(start);
      break;
    }
    expr.alternatives.push(group);
  }
  if (invalid.length) expr.invalidTerms = invalid;
  return expr;
}

function termText(c: RequireCondition): string {
  const r = parseTerm(c.raw);
  if ('condition' in r && r.condition.property === c.property && r.condition.op === c.op && r.condition.value === c.value) {
    return c.raw;
  }
  return `${c.property}${c.op}${c.value}`;
}

/**
 * Text for an expression such that parseRequire(name, formatRequire(x)) deep-equals x for every x parseRequire
 * returns (the raw text is kept when it still says the same thing); otherwise a canonical form of the alternatives,
 * with rejected terms and the unevaluated tail put back where they were. `synthesized` is not part of the text.
 */
export function formatRequire(expr: RequireExpression): string {
  if (sameParse(parseRequire(expr.name, expr.raw), expr)) return expr.raw;
  const groups = expr.alternatives.map((group, g) => {
    const terms = group.map(termText);
    const bad = (expr.invalidTerms ?? []).filter((t) => t.group === g).sort((a, b) => a.position - b.position);
    for (const t of bad) terms.splice(Math.min(t.position, terms.length), 0, t.raw);
    return terms.length ? terms.join(',') : ',';
  });
  // a leading empty group only stands for the comma-only group that begins the unevaluated tail — unless it holds
  // rejected terms, which were written as a group of their own
  const leadingRejected = (expr.invalidTerms ?? []).some((t) => t.group === 0);
  if (expr.unevaluated !== undefined && groups.length === 1 && expr.alternatives[0].length === 0 && !leadingRejected) groups.pop();
  if (expr.unevaluated !== undefined) groups.push(expr.unevaluated);
  return groups.join(' ');
}

function sameParse(a: RequireExpression, b: RequireExpression): boolean {
  const strip = (x: RequireExpression) => JSON.stringify([x.alternatives, x.errors, x.invalidTerms ?? null, x.unevaluated ?? null]);
  return strip(a) === strip(b);
}

// ---- which env vars the toolkit turns into requirements ----------------------------------------------------

export interface CollectedRequirements {
  /** every NVIDIA_REQUIRE_* (sorted by name; JETPACK excluded) plus the synthesised legacy one, last */
  expressions: RequireExpression[];
  /** NVIDIA_DISABLE_REQUIRE parsed true: the toolkit then checks none of `expressions` */
  disabled: boolean;
  /** NVIDIA_DISABLE_REQUIRE as written, when set */
  disableRaw?: string;
  /** NVIDIA_DISABLE_REQUIRE is set to something Go's strconv.ParseBool rejects: the toolkit treats it as false */
  disableInvalid?: boolean;
}

const GO_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const GO_FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** Go strconv.ParseBool: undefined where Go returns an error. */
export function parseGoBool(s: string): boolean | undefined {
  if (GO_TRUE.has(s)) return true;
  if (GO_FALSE.has(s)) return false;
  return undefined;
}

/** Masterminds/semver v3 (v3.5.0, vendored by the toolkit) with CoerceNewVersion = true: the loose pattern */
const LOOSE_SEMVER = /^v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-([0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*))?(\+([0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*))?$/;
const SEMVER_MAX_LEN = 256;
const UINT64_MAX = (1n << 64n) - 1n;
const UINT32_MAX = (1n << 32n) - 1n;

/**
 * The toolkit's parseMajorMinorVersion (internal/config/image/cuda_image.go@d34b3046): semver.NewVersion (loose
 * pattern, at most 256 bytes, parts parsed as uint64, numeric prerelease identifiers without leading zeros), then
 * major and minor must fit uint32. Leading zeros in major/minor/patch are accepted ("012.4" is 12.4).
 */
export function legacyMajorMinor(cudaVersion: string): string | undefined {
  if (cudaVersion.length > SEMVER_MAX_LEN) return undefined;
  const m = LOOSE_SEMVER.exec(cudaVersion);
  if (!m) return undefined;
  const part = (s: string | undefined) => (s === undefined ? 0n : BigInt(s.replace(/^\./, '')));
  const [major, minor, patch] = [part(m[1]), part(m[2]), part(m[3])];
  if (major > UINT64_MAX || minor > UINT64_MAX || patch > UINT64_MAX) return undefined;
  if (m[5] !== undefined && m[5].split('.').some((id) => /^[0-9]+$/.test(id) && id.length > 1 && id[0] === '0')) return undefined;
  if (major > UINT32_MAX || minor > UINT32_MAX) return undefined;
  return `${major}.${minor}`;
}

export function collectRequirements(config: ImageConfig): CollectedRequirements {
  const env = config.env;
  const names = Object.keys(env)
    .filter((n) => n.startsWith('NVIDIA_REQUIRE_') && !n.startsWith('NVIDIA_REQUIRE_JETPACK'))
    .sort();
  const expressions = names.map((n) => parseRequire(n, env[n]));

  const cudaVersion = env.CUDA_VERSION;
  if (cudaVersion && !env.NVIDIA_REQUIRE_CUDA) {
    const mm = legacyMajorMinor(cudaVersion);
    if (mm !== undefined) {
      expressions.push({ ...parseRequire('CUDA_VERSION', `cuda>=${mm}`), synthesized: true });
    } else {
      // the hook fails outright ("failed to get version: invalid CUDA version") before any GPU is looked at
      expressions.push({
        name: 'CUDA_VERSION',
        raw: '',
        alternatives: [],
        errors: [`CUDA_VERSION "${cudaVersion}" is not a version the NVIDIA container toolkit can read (it fails with "invalid CUDA version")`],
        synthesized: true,
      });
    }
  }

  const out: CollectedRequirements = { expressions, disabled: false };
  if (Object.prototype.hasOwnProperty.call(env, 'NVIDIA_DISABLE_REQUIRE')) {
    const raw = env.NVIDIA_DISABLE_REQUIRE;
    const b = parseGoBool(raw);
    out.disableRaw = raw;
    out.disabled = b === true;
    if (b === undefined) out.disableInvalid = true;
  }
  return out;
}
