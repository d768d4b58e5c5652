/** Waivers on hand-made results (verdict/waivers.ts): matching, expiry against an injected date, stale waivers. */
import type { Waiver } from '../../src/model/policy';
import { REASON_CODES } from '../../src/model/reason-codes';
import type { Reason, Result } from '../../src/verdict/types';
import { applyWaivers, globMatches, todayUtc, waiverInForce, waiverMatches, waiverWarnings } from '../../src/verdict/waivers';

const TODAY = '2026-11-23';
const IMAGES = [
  { source: 'docker-archive:build/app.tar', ref: 'example/cuda-app:12.4' },
  { source: 'docker-daemon:worker:pr-42', ref: 'worker:pr-42' },
];

const reason = (code: Reason['code'], verdict: Reason['verdict']): Reason => ({ code, verdict, message: `${code} message` });
function result(image: string, target: string, ...reasons: Reason[]): Result {
  const verdict = reasons.some((r) => r.verdict === 'fail') ? 'fail' : reasons.some((r) => r.verdict === 'caveat') ? 'caveat' : 'pass';
  return { image, target, verdict, reasons };
}
function waiver(over: Partial<Waiver> = {}): Waiver {
  return { image: 'example/cuda-app:*', target: 'edge-t4', code: 'DRIVER_TOO_OLD', reason: 'R550 rollout (INFRA-1234)', expires: '2026-12-31', ...over };
}

const APP = 'docker-archive:build/app.tar';
const WORKER = 'docker-daemon:worker:pr-42';
const tooOld = () => result(APP, 'edge-t4', reason('DRIVER_TOO_OLD', 'fail'));

describe('globs', () => {
  test('* is any run of characters (none too), ? exactly one, the rest literal, the whole string', () => {
    expect(globMatches('example/cuda-app:*', 'example/cuda-app:12.4')).toBe(true);
    expect(globMatches('example/cuda-app:*', 'example/cuda-app:')).toBe(true);
    expect(globMatches('app:1?', 'app:12')).toBe(true);
    expect(globMatches('app:1?', 'app:123')).toBe(false);
    expect(globMatches('app', 'app:1')).toBe(false);
    expect(globMatches('docker-archive:build/*.tar', 'docker-archive:build/app.tar')).toBe(true);
    // regex characters are literal: the dot does not match any character, brackets and pluses are themselves
    expect(globMatches('app.tar', 'appXtar')).toBe(false);
    expect(globMatches('a+b[1](x)', 'a+b[1](x)')).toBe(true);
    expect(globMatches('*', 'anything\nat all')).toBe(true);
  });

  test('a waiver names the image by source or ref, the target by name or *, the code by name or *', () => {
    const w = waiver();
    expect(waiverMatches(w, IMAGES[0], 'edge-t4', { code: 'DRIVER_TOO_OLD' })).toBe(true);
    expect(waiverMatches(waiver({ image: 'docker-archive:build/*' }), IMAGES[0], 'edge-t4', { code: 'DRIVER_TOO_OLD' })).toBe(true);
    expect(waiverMatches(w, IMAGES[1], 'edge-t4', { code: 'DRIVER_TOO_OLD' })).toBe(false);
    expect(waiverMatches(w, IMAGES[0], 'prod-a100', { code: 'DRIVER_TOO_OLD' })).toBe(false);
    expect(waiverMatches(w, IMAGES[0], 'edge-t4', { code: 'NO_KERNEL_FOR_GPU' })).toBe(false);
    expect(waiverMatches(waiver({ target: '*', code: '*' }), IMAGES[0], 'prod-a100', { code: 'NO_KERNEL_FOR_GPU' })).toBe(true);
  });
});

describe('expiry', () => {
  test('a waiver holds through its expires day (UTC) and not the day after', () => {
    expect(waiverInForce({ expires: '2026-11-23' }, '2026-11-23')).toBe(true);
    expect(waiverInForce({ expires: '2026-11-23' }, '2026-11-24')).toBe(false);
    expect(todayUtc(new Date('2026-11-23T23:59:59-05:00'))).toBe('2026-11-24');
  });

  test('an expired waiver does not waive, and the result says when it expired and why it was waived', () => {
    const out = applyWaivers([tooOld()], IMAGES, [waiver({ expires: '2026-10-31' })], TODAY);
    expect(out.results[0]).not.toHaveProperty('waived');
    expect(out.results[0].waiverExpired).toEqual({ reason: 'R550 rollout (INFRA-1234)', expires: '2026-10-31', codes: ['DRIVER_TOO_OLD'] });
    expect(out.waived).toBe(0);
    expect(out.waivers[0]).toMatchObject({ expired: true, stale: false, matched: 1 });
    expect(out.warnings).toEqual([
      'the waiver for image "example/cuda-app:*", target "edge-t4", code "DRIVER_TOO_OLD" expired on 2026-10-31: 1 result it waived counts again (R550 rollout (INFRA-1234)); fix the image, or renew the waiver with a later expires:',
    ]);
  });

  test('the same waiver the day before it expires waives the result', () => {
    const out = applyWaivers([tooOld()], IMAGES, [waiver({ expires: '2026-11-23' })], TODAY);
    expect(out.results[0].waived).toEqual({ reason: 'R550 rollout (INFRA-1234)', expires: '2026-11-23', codes: ['DRIVER_TOO_OLD'] });
    expect(out.warnings).toEqual([]);
  });

  test('a renewed waiver beside the lapsed one: waived, and the lapsed one is to be removed', () => {
    const out = applyWaivers([tooOld()], IMAGES, [waiver({ expires: '2026-01-31' }), waiver({ code: '*', expires: '2027-06-30' })], TODAY);
    expect(out.results[0].waived?.expires).toBe('2027-06-30');
    expect(out.results[0]).not.toHaveProperty('waiverExpired');
    expect(out.warnings).toEqual([expect.stringContaining('expired on 2026-01-31, and other waivers cover what it matches: remove it')]);
  });
});

describe('which results are waived', () => {
  test('every failing and caveated reason must be covered; the verdict stays', () => {
    const both = result(APP, 'edge-t4', reason('DRIVER_TOO_OLD', 'fail'), reason('MIXED_CUDA_MAJORS', 'caveat'), reason('DRIVER_BRANCH_EOL', 'pass'));
    const partly = applyWaivers([both], IMAGES, [waiver()], TODAY);
    expect(partly.results[0]).not.toHaveProperty('waived');
    // the waiver matched a reason: not stale, even though it waived nothing
    expect(partly.waivers[0]).toMatchObject({ stale: false, matched: 0 });
    const whole = applyWaivers(
      [both],
      IMAGES,
      [waiver(), waiver({ code: 'MIXED_CUDA_MAJORS', reason: 'cuDNN 8 until the port', expires: '2026-12-01' })],
      TODAY,
    );
    expect(whole.results[0]).toMatchObject({
      verdict: 'fail',
      waived: { reason: 'R550 rollout (INFRA-1234); cuDNN 8 until the port', expires: '2026-12-01', codes: ['DRIVER_TOO_OLD', 'MIXED_CUDA_MAJORS'] },
    });
    expect(whole.waived).toBe(1);
  });

  test('a pass is never waived, other images and targets are not touched', () => {
    const results = [tooOld(), result(APP, 'dev-4090'), result(WORKER, 'edge-t4', reason('DRIVER_TOO_OLD', 'fail'))];
    const out = applyWaivers(results, IMAGES, [waiver()], TODAY);
    expect(out.results.map((r) => !!r.waived)).toEqual([true, false, false]);
    expect(out.results[1]).toBe(results[1]);
  });

  test('by source glob, by ref glob, for every target', () => {
    const results = [tooOld(), result(WORKER, 'prod-a100', reason('MINOR_VERSION_COMPAT', 'caveat'))];
    const out = applyWaivers(results, IMAGES, [waiver({ image: 'docker-daemon:*', target: '*', code: '*' }), waiver({ image: 'example/*' })], TODAY);
    expect(out.results.map((r) => !!r.waived)).toEqual([true, true]);
  });
});

describe('stale waivers', () => {
  test('a waiver that matches no failing or caveated result is a warning', () => {
    const out = applyWaivers([tooOld()], IMAGES, [waiver(), waiver({ image: 'gone:*', origin: '.github/cuda-targets.yml:14' })], TODAY);
    expect(out.waivers.map((w) => w.stale)).toEqual([false, true]);
    expect(out.warnings).toEqual([
      'the waiver for image "gone:*", target "edge-t4", code "DRIVER_TOO_OLD" (.github/cuda-targets.yml:14) matches no failing or caveated result: remove it, or correct its image, target or code',
    ]);
  });

  test('a waiver whose failure was fixed is stale; an expired one that matches nothing says both', () => {
    const fixed = applyWaivers([result(APP, 'edge-t4')], IMAGES, [waiver(), waiver({ expires: '2025-01-01', target: '*' })], TODAY);
    expect(fixed.warnings).toEqual([
      expect.stringContaining('matches no failing or caveated result: remove it'),
      expect.stringContaining('matches no failing or caveated result and expired on 2025-01-01'),
    ]);
    expect(waiverWarnings(fixed.waivers)).toEqual(fixed.warnings);
  });
});

test('the reason code list for validation is the ReasonCode union (also checked when compiling)', () => {
  expect(new Set(REASON_CODES).size).toBe(REASON_CODES.length);
  expect(REASON_CODES).toContain('DRIVER_TOO_OLD');
});
