/**
 * Evaluates NVIDIA_REQUIRE_* the way libnvidia-container does (dsl.c): OR over space-separated groups, AND over
 * comma-joined terms; versions compared numerically part by part; brand compared case-insensitively.
 * Properties we cannot know for a target (the GPU's NVML brand when no GPU is named) are tried with every value
 * they could take: the answer is definite only when it is the same for all of them.
 */
import { compareParts } from '../common/driver-version';
import type { RequireCondition, RequireExpression, RequireOp } from '../evidence/nvidia-require-types';

export interface HostProperties {
  /** the CUDA version the host driver reports (major.minor) */
  cuda: string;
  driver: string;
  /** compute capability "8.0"; undefined = unknown */
  arch?: string;
  /** NVML brands the GPU may report (lower case); empty = unknown */
  brands: string[];
}

export type Truth = 'true' | 'false' | 'unknown';

/** Every brand value NVIDIA's images mention, plus "unknown" (what old toolkits report for new brands). */
const ALL_BRANDS = ['tesla', 'nvidia', 'nvidiartx', 'geforce', 'geforcertx', 'quadro', 'quadrortx', 'titan', 'titanrtx', 'grid', 'nvs', 'vapps', 'vpc', 'vcs', 'vws', 'cloudgaming', 'unknown'];

export interface RequireOutcome {
  truth: Truth;
  /** when false: the first token of the expression, as libnvidia-container prints it */
  failedToken?: string;
  /** when unknown: brands under which the expression passes */
  passingBrands?: string[];
}

export function evaluateRequire(expr: RequireExpression, host: HostProperties): RequireOutcome {
  const brands = host.brands.length ? host.brands : ALL_BRANDS;
  const passing = brands.filter((b) => evalWithBrand(expr, host, b) === 'true');
  const unknownArch = brands.some((b) => evalWithBrand(expr, host, b) === 'unknown');
  if (!unknownArch && passing.length === brands.length) return { truth: 'true' };
  if (!unknownArch && passing.length === 0) {
    return { truth: 'false', failedToken: expr.raw.trim().split(/\s+/)[0] };
  }
  return { truth: 'unknown', passingBrands: passing };
}

function evalWithBrand(expr: RequireExpression, host: HostProperties, brand: string): Truth {
  if (expr.alternatives.length === 0) return 'true';
  let sawUnknown = false;
  for (const group of expr.alternatives) {
    let g: Truth = 'true';
    for (const term of group) {
      const t = evalTerm(term, host, brand);
      if (t === 'false') {
        g = 'false';
        break;
      }
      if (t === 'unknown') g = 'unknown';
    }
    if (g === 'true') return 'true';
    if (g === 'unknown') sawUnknown = true;
  }
  return sawUnknown ? 'unknown' : 'false';
}

function evalTerm(term: RequireCondition, host: HostProperties, brand: string): Truth {
  switch (term.property) {
    case 'cuda':
      return bool(compareOp(cmpVersion(host.cuda, term.value), term.op));
    case 'driver':
      return bool(compareOp(cmpVersion(host.driver, term.value), term.op));
    case 'arch':
      return host.arch === undefined ? 'unknown' : bool(compareOp(cmpVersion(host.arch, term.value), term.op));
    case 'brand': {
      const eq = brand.toLowerCase() === term.value.toLowerCase();
      return bool(term.op === '=' ? eq : !eq);
    }
  }
}

function cmpVersion(a: string, b: string): number {
  const p = (s: string) => s.split('.').map((x) => Number.parseInt(x, 10) || 0);
  return compareParts(p(a), p(b));
}

function compareOp(c: number, op: RequireOp): boolean {
  switch (op) {
    case '=':
      return c === 0;
    case '!=':
      return c !== 0;
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    case '>=':
      return c >= 0;
  }
}

function bool(b: boolean): Truth {
  return b ? 'true' : 'false';
}
