/**
 * Conformance: cuda-gate's model of the NVIDIA container runtime's start-time check, against NVIDIA's own code and
 * tests. Sources (cases.ts cites file:line for every case):
 *   - NVIDIA/nvidia-container-toolkit@d34b3046758cb1a5db606b2a39519c731bbf9f56 (`ctk:`), with the Masterminds/semver
 *     v3.5.0 it vendors
 *   - NVIDIA/libnvidia-container src/cli/dsl.c@5823754b8577d16fabf25a6ef6a1d58f7ff1e5dd and
 *     src/cli/configure.c@09df17a2424704c1e4af310d3ce51fe475ba292a
 *
 * Case counts (one test each; a skip is a test.skip whose title says why) — 236 tests: 223 asserted, 13 skipped
 *   1. from NVIDIA's tests ........ 93 tests: 80 asserted, 13 skipped
 *        cuda_image_test.go: TestParseMajorMinorVersionValid 6, Invalid 15, TestGetRequirements 8 — 29 asserted
 *        container_config_test.go TestGetNvidiaConfig, 35 cases: the Requirements of 25 asserted; 10 skipped (8 where
 *          the hook sets up no GPU, so nothing is checked; 2 where it panics on MIG_* env before reading requirements)
 *        constraints/factory_test.go, 16 cases as 17 tests: 15 asserted, 2 skipped (the Go factory drops an unknown
 *          property where dsl.c rejects it when reached: "foo=45", and "cuda>=11.6 foo=bar" on a host below 11.6)
 *        constraints/logical_test.go, 12 cases: 11 asserted, 1 skipped (an empty or{} is never built from a string)
 *      The Go factory ORs space-separated terms and ANDs comma-separated ones (factory.go:59-60), just like dsl.c;
 *      factory_test.go:148/:155 name it the other way round but compare with require.EqualValues, which cannot tell
 *      `and` from `or` (same underlying slice type). Those cases are asserted with the code's (= dsl.c's) reading.
 *   2. derived from dsl.c / configure.c / the toolkit parser ... 136 tests, all asserted: 78 dsl_evaluate,
 *      26 dsl_compare_version, 17 Masterminds/parseMajorMinorVersion, 15 GetRequirements/IsLegacy/HasDisableRequire
 *   3. runtime (judge) ............ 7 tests, all asserted
 *   A case where cuda-gate disagrees with the C code runs as test.failing with the reason in its title (none now).
 */
import { collectRequirements, legacyMajorMinor } from '../../src/evidence/nvidia-require';
import type { Evidence } from '../../src/evidence/types';
import { loadMatrix } from '../../src/matrix/load';
import { deriveRequirement } from '../../src/requirement/derive';
import type { ImageConfig } from '../../src/sources/types';
import { adHocTarget } from '../../src/targets/load';
import { compareVersion, dslEvaluate, type DslHost } from '../../src/verdict/dsl';
import { judge } from '../../src/verdict/judge';
import { DEFAULT_POLICY } from '../../src/model/policy';
import type { ContainerRuntime } from '../../src/model/target';
import { REQUIRE_12_4_1 } from '../fixtures/nvidia-require-strings';
import {
  COLLECT_CASES,
  COMPARE_CASES,
  DSL_CASES,
  FACTORY,
  GET_REQUIREMENTS,
  HOOK_CONFIG,
  LOGICAL,
  MASTERMINDS_CASES,
  PARSE_MAJOR_MINOR_INVALID,
  PARSE_MAJOR_MINOR_VALID,
  type ConstraintCase,
  type DslCase,
  type Outcome,
  type RequirementsCase,
} from './cases';
import { cudartFile } from '../helpers/evidence';

const config = (env: Record<string, string>): ImageConfig => ({ env, labels: {}, history: [], diffIds: [] });

/** What the hook passes to `nvidia-container-cli --require=` for this env, or 'error' where GetRequirements fails. */
function hookRequirements(env: Record<string, string>): string[] | 'error' {
  const c = collectRequirements(config(env));
  if (c.disabled) return [];
  if (c.expressions.some((e) => e.synthesized && e.errors.length > 0)) return 'error';
  return c.expressions.map((e) => e.raw);
}
/** ElementsMatch: Go ranges over a map, so the order is not part of the contract */
const sorted = (x: string[] | 'error') => (x === 'error' ? x : [...x].sort());

const outcome = (predicate: string, h: DslHost): Outcome => dslEvaluate(predicate, h).kind;
const hostText = (h: DslHost) =>
  `cuda ${h.cuda ?? '?'}, driver ${h.driver ?? '?'}, ${h.device ? `arch ${h.device.arch}${h.device.brand ? ` brand ${h.device.brand}` : ''}` : 'no device'}`;
const show = (s: string) => JSON.stringify(s.length > 60 ? `${s.slice(0, 40)}…(${s.length} chars)` : s);

function requirementsTest(c: RequirementsCase) {
  test(`${c.src} — ${c.what}`, () => {
    expect(sorted(hookRequirements(c.env))).toEqual(sorted(c.expected));
  });
}

function constraintTest(c: ConstraintCase) {
  const title = `${c.src} — ${c.what}: ${show(c.requirement)}`;
  if (c.skip) {
    test.skip(`${title} [skipped: ${c.skip}]`, () => undefined);
    return;
  }
  test(title, () => {
    for (const { host, expect: want } of c.checks!) {
      expect({ host: hostText(host), outcome: outcome(c.requirement, host) }).toEqual({ host: hostText(host), outcome: want });
    }
  });
}

function dslTest(c: DslCase) {
  const title = `${c.src} — ${c.what}: ${show(c.predicate)} on ${hostText(c.host)} → ${c.expect}`;
  const body = () => {
    const out = dslEvaluate(c.predicate, c.host);
    expect(out.kind).toBe(c.expect);
    if (c.term !== undefined && out.kind === 'invalid') expect(out.term).toBe(c.term);
    if (c.message !== undefined && out.kind === 'unsatisfied') expect(out.message).toBe(c.message);
  };
  // a disagreement with the C code is kept visible, not bent: it runs as a failing test until the code is fixed
  if (c.failing) test.failing(`${title} [DISAGREES: ${c.failing}]`, body);
  else test(title, body);
}

// ---- 1 -----------------------------------------------------------------------------------------------------------

describe("from NVIDIA's tests", () => {
  describe('TestParseMajorMinorVersionValid / Invalid → legacyMajorMinor', () => {
    for (const c of [...PARSE_MAJOR_MINOR_VALID, ...PARSE_MAJOR_MINOR_INVALID]) {
      test(`${c.src} — ${show(c.version)} → ${c.expected ?? 'error'}`, () => {
        expect(legacyMajorMinor(c.version)).toBe(c.expected);
      });
    }
  });

  describe('TestGetRequirements → collectRequirements', () => {
    for (const c of GET_REQUIREMENTS) requirementsTest(c);
  });

  describe('TestGetNvidiaConfig (Requirements) → collectRequirements', () => {
    for (const c of HOOK_CONFIG) {
      if (c.skip) test.skip(`${c.src} — ${c.what} [skipped: ${c.skip}]`, () => undefined);
      else requirementsTest(c as RequirementsCase);
    }
  });

  describe('constraints (the Go evaluator of CSV/Tegra mode) → dslEvaluate where the semantics coincide', () => {
    for (const c of [...FACTORY, ...LOGICAL]) constraintTest(c);
  });
});

// ---- 2 -----------------------------------------------------------------------------------------------------------

describe('derived from dsl.c / configure.c / the toolkit parser', () => {
  describe('dsl_evaluate with the configure.c rules → dslEvaluate', () => {
    for (const c of DSL_CASES) dslTest(c);
  });

  describe('dsl_compare_version → compareVersion', () => {
    for (const c of COMPARE_CASES) {
      test(`${c.src} — compare(${show(c.v1)} ${c.cmp} ${show(c.v2)}) → ${c.expect}`, () => {
        expect(compareVersion(c.v1, c.cmp, c.v2)).toBe(c.expect);
      });
    }
  });

  describe('parseMajorMinorVersion (Masterminds/semver v3.5.0 NewVersion, coerce mode) → legacyMajorMinor', () => {
    for (const c of MASTERMINDS_CASES) {
      test(`${c.src} — ${c.what}: ${show(c.version)} → ${c.expected ?? 'error'}`, () => {
        expect(legacyMajorMinor(c.version)).toBe(c.expected);
      });
    }
  });

  describe('GetRequirements / IsLegacy / HasDisableRequire → collectRequirements', () => {
    for (const c of COLLECT_CASES) requirementsTest(c);
  });
});

// ---- 3 -----------------------------------------------------------------------------------------------------------

describe('runtime', () => {
  const matrix = loadMatrix();
  const cudart = cudartFile;
  function run(env: Record<string, string>, evidence: Evidence[], driver: string, runtime?: ContainerRuntime) {
    const requirement = deriveRequirement(
      { evidence, require: collectRequirements(config(env)), layers: [{ digest: 'sha256:l0', instruction: 'COPY rootfs/ /' }] },
      matrix,
    );
    const target = { ...adHocTarget({ driver }, matrix), runtime };
    if (runtime === undefined) delete target.runtime;
    return judge({ image: 'img', requirement, target, policy: DEFAULT_POLICY }, matrix);
  }
  const codes = (r: ReturnType<typeof run>) => r.reasons.map((x) => x.code);
  const requireCodes = (r: ReturnType<typeof run>) => codes(r).filter((c) => c.startsWith('REQUIRE_'));

  // configure.c:278-285 evaluates NVIDIA_REQUIRE_CUDA on the legacy hook path; 535.104.05 (R535) reports CUDA 12.2
  const needs124 = [cudart('12.4.127')];
  const env124 = { NVIDIA_REQUIRE_CUDA: 'cuda>=12.4' };

  test('configure.c:270-285, dsl.c:159-167 — cuda>=12.4 + cudart 12.4 on 535.104.05, runtime legacy: fail REQUIRE_UNSATISFIED', () => {
    const r = run(env124, needs124, '535.104.05', 'legacy');
    expect(r.verdict).toBe('fail');
    expect(codes(r)).toContain('REQUIRE_UNSATISFIED');
    expect(r.runtimes).toBeUndefined();
  });

  test('same image, runtime cdi: no NVIDIA_REQUIRE_* check, runs through minor-version compatibility (caveat)', () => {
    const r = run(env124, needs124, '535.104.05', 'cdi');
    expect(requireCodes(r)).toEqual([]);
    expect(r.verdict).toBe('caveat');
    expect(codes(r)).toContain('MINOR_VERSION_COMPAT');
  });

  test('same image, runtime unset: both judged, legacy decides; the message names docker run --gpus and CDI', () => {
    const r = run(env124, needs124, '535.104.05');
    expect(r.verdict).toBe('fail');
    expect(r.runtimes).toEqual({ legacy: 'fail', cdi: 'caveat', decidedBy: 'legacy' });
    const reason = r.reasons.find((x) => x.code === 'REQUIRE_UNSATISFIED')!;
    expect(reason.message).toContain('docker run --gpus');
    expect(reason.message).toContain('CDI');
  });

  test('ctk:internal/config/image/cuda_image.go:125-129 — CUDA_VERSION=foo, runtime legacy: REQUIRE_INVALID fail', () => {
    const r = run({ CUDA_VERSION: 'foo' }, [], '550.54.15', 'legacy');
    expect(r.verdict).toBe('fail');
    expect(codes(r)).toContain('REQUIRE_INVALID');
  });

  test('CUDA_VERSION=foo, runtime cdi: no REQUIRE_* reason', () => {
    const r = run({ CUDA_VERSION: 'foo' }, [], '550.54.15', 'cdi');
    expect(requireCodes(r)).toEqual([]);
  });

  test("NVIDIA's 12.4.1 image requirement on 550.40.07 (R550 reports 12.4): no REQUIRE_UNSATISFIED, under either runtime", () => {
    const env = { NVIDIA_REQUIRE_CUDA: REQUIRE_12_4_1, CUDA_VERSION: '12.4.1' };
    for (const runtime of [undefined, 'legacy', 'cdi'] as const) {
      const r = run(env, needs124, '550.40.07', runtime);
      expect({ runtime, codes: codes(r).filter((c) => c === 'REQUIRE_UNSATISFIED' || c === 'REQUIRE_INVALID') }).toEqual({ runtime, codes: [] });
    }
  });

  test('dsl.c:156-157 — the same 12.4.1 string on 545.23.08 (R545 reports 12.3, no brand group matches): legacy refuses', () => {
    const r = run({ NVIDIA_REQUIRE_CUDA: REQUIRE_12_4_1 }, needs124, '545.23.08', 'legacy');
    expect(codes(r)).toContain('REQUIRE_UNSATISFIED');
  });
});
