/**
 * One NVIDIA_REQUIRE_* value against a target, the way the legacy runtime hook checks it: libnvidia-container's
 * dsl.c (see ./dsl.ts) over the host's driver, the CUDA version its branch reports, and the GPU's compute capability
 * and NVML brand. What a target leaves open (no GPU named: brand and compute capability; a GPU whose brand string
 * depends on the toolkit version) is tried with every value it could take; the answer is definite only when all
 * of them agree.
 */
import type { RequireExpression } from '../evidence/nvidia-require-types';
import { dslEvaluate, type DslOutcome } from './dsl';

export interface HostProperties {
  /** the CUDA version the host driver reports (major.minor) */
  cuda: string;
  driver: string;
  /** compute capability "8.0"; undefined = unknown (every `archCandidates` value is tried) */
  arch?: string;
  /** brand strings libnvidia-container may report for the GPU (lower case); empty = unknown */
  brands: string[];
}

export type Truth = 'true' | 'false' | 'invalid' | 'unknown';

/** Every brand string libnvidia-container reports: the pre-1.9 names, the newer ones, and "unknown". */
export const ALL_BRANDS = [
  'tesla',
  'quadro',
  'nvs',
  'grid',
  'geforce',
  'titan',
  'nvidia',
  'nvidiartx',
  'geforcertx',
  'quadrortx',
  'titanrtx',
  'vapps',
  'vpc',
  'vcs',
  'vws',
  'cloudgaming',
  'unknown',
];

export interface RequireOutcome {
  truth: Truth;
  /** when false: dsl.c's message ("unsatisfied condition: …") and the first token it quotes */
  message?: string;
  failedToken?: string;
  /** when invalid: the term dsl.c stopped at and why */
  invalidTerm?: string;
  invalidReason?: string;
  /** when unknown: the brands under which the expression is satisfied for every compute capability tried */
  passingBrands?: string[];
}

export function evaluateRequire(expr: RequireExpression, host: HostProperties, archCandidates: readonly string[] = []): RequireOutcome {
  const brands = host.brands.length ? host.brands : ALL_BRANDS;
  const archs = host.arch !== undefined ? [host.arch] : archCandidates.length ? archCandidates : ['0.0'];
  const outcomes: { brand: string; out: DslOutcome }[] = [];
  for (const brand of brands) {
    for (const arch of archs) {
      outcomes.push({ brand, out: dslEvaluate(expr.raw, { cuda: host.cuda, driver: host.driver, device: { arch, brand } }) });
    }
  }
  const kinds = new Set(outcomes.map((o) => o.out.kind));
  if (kinds.size === 1) {
    const first = outcomes[0].out;
    if (first.kind === 'satisfied') return { truth: 'true' };
    if (first.kind === 'unsatisfied') return { truth: 'false', message: first.message, failedToken: first.firstToken };
    return { truth: 'invalid', invalidTerm: first.term, invalidReason: first.reason };
  }
  const passingBrands = brands.filter((b) => outcomes.filter((o) => o.brand === b).every((o) => o.out.kind === 'satisfied'));
  return { truth: 'unknown', passingBrands };
}
