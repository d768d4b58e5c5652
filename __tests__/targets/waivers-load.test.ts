/** `waivers:` in the targets file: read into the policy, and every mistake named with its line, its field and the fix. */
import { GateError } from '../../src/common/errors';
import { loadMatrix } from '../../src/matrix/load';
import { matrixOverridesKey, parseTargets } from '../../src/targets/load';

const matrix = loadMatrix();
const TARGETS = 'targets:\n  edge-t4: { driver: 470.82.01, gpu: T4 }\n  prod-a100: { driver: 535.104.05, gpu: A100 }\n';
const parse = (waivers: string) => parseTargets(`${TARGETS}${waivers}`, '.github/cuda-targets.yml', matrix);
const errorOf = (waivers: string): string => {
  try {
    parse(waivers);
  } catch (e) {
    if (e instanceof GateError) {
      expect(e.code).toBe('BAD_TARGETS');
      return e.toLine();
    }
    throw e;
  }
  throw new Error('expected a GateError');
};

test('waivers are read into the policy, target and code * when left out, each with its line', () => {
  const { policy } = parse(`waivers:
  - image: "example/cuda-app:*"
    target: edge-t4
    code: DRIVER_TOO_OLD
    reason: the edge fleet moves to R550 (INFRA-1234)
    expires: 2026-06-30
  - { image: "docker-archive:build/*.tar", reason: known, expires: 2027-01-01 }
`);
  expect(policy.waivers).toEqual([
    {
      image: 'example/cuda-app:*',
      target: 'edge-t4',
      code: 'DRIVER_TOO_OLD',
      reason: 'the edge fleet moves to R550 (INFRA-1234)',
      expires: '2026-06-30',
      origin: '.github/cuda-targets.yml:5',
    },
    { image: 'docker-archive:build/*.tar', target: '*', code: '*', reason: 'known', expires: '2027-01-01', origin: '.github/cuda-targets.yml:10' },
  ]);
  expect(parse('').policy.waivers).toBeUndefined();
});

test('a waiver without reason or expires names the waiver, its line and what to write', () => {
  expect(errorOf('waivers:\n  - image: "app:*"\n    expires: 2026-06-30\n')).toBe(
    '.github/cuda-targets.yml:5: waiver 1 has no reason (say why the failure is accepted, e.g. reason: "edge fleet moves to R550 in Q3 (INFRA-123)")',
  );
  expect(errorOf('waivers:\n  - { image: "app:*", reason: known }\n  - { image: "b", reason: known }\n')).toBe(
    '.github/cuda-targets.yml:5: waiver 1 has no expires date (write the last day the waiver holds as YYYY-MM-DD, e.g. expires: 2026-06-30 (a waiver needs an end date))',
  );
  expect(errorOf('waivers:\n  - { image: "app:*", reason: "", expires: 2026-06-30 }\n')).toContain('waiver 1: reason is empty');
  expect(errorOf('waivers:\n  - { reason: known, expires: 2026-06-30 }\n')).toContain('waiver 1 has no image (name the image by a glob on its source or ref');
});

test('an expires that is not a calendar day written YYYY-MM-DD', () => {
  for (const bad of ['2026-02-30', '30.06.2026', '2026-6-30', 'next year']) {
    expect(errorOf(`waivers:\n  - image: "app:*"\n    reason: known\n    expires: ${bad}\n`)).toBe(
      `.github/cuda-targets.yml:7: waiver 1: expires "${bad}" is not a date written YYYY-MM-DD (write the last day the waiver holds as YYYY-MM-DD, e.g. expires: 2026-06-30 (a waiver needs an end date))`,
    );
  }
});

test('a target that is not in the file, a code that is not a reason code (with the likely one)', () => {
  expect(errorOf('waivers:\n  - image: "app:*"\n    target: edge-t5\n    reason: known\n    expires: 2026-06-30\n')).toBe(
    '.github/cuda-targets.yml:6: waiver 1: target "edge-t5" is not a target of this file (name one of edge-t4, prod-a100, or * for every target)',
  );
  expect(errorOf('waivers:\n  - image: "app:*"\n    code: DRIVER_TO_OLD\n    reason: known\n    expires: 2026-06-30\n')).toBe(
    '.github/cuda-targets.yml:6: waiver 1: code "DRIVER_TO_OLD" is not a reason code (did you mean DRIVER_TOO_OLD? write a code as the report gives it (README "Verdicts and reason codes"), e.g. code: DRIVER_TOO_OLD, or * for any)',
  );
  expect(errorOf('waivers:\n  - { image: "app:*", code: driver_too_old, reason: known, expires: 2026-06-30 }\n')).toContain('did you mean DRIVER_TOO_OLD?');
});

test('an unknown key, a waiver that is not a mapping, waivers that are not a list', () => {
  expect(errorOf('waivers:\n  - { image: "app:*", reason: known, expires: 2026-06-30, until: 2027-01-01 }\n')).toBe(
    '.github/cuda-targets.yml:5: unknown key "until" in waiver 1 (allowed keys: image, target, code, reason, expires)',
  );
  expect(errorOf('waivers:\n  - app:*\n')).toContain('waiver 1 must be a mapping');
  expect(errorOf('waivers:\n  image: "app:*"\n')).toContain('"waivers:" must be a list of waivers');
  expect(errorOf('waivers:\n  - { image: [a, b], reason: known, expires: 2026-06-30 }\n')).toContain('waiver 1: image must be a string, not a list');
});

test('the top level lists waivers among its keys', () => {
  expect(errorOf('waiver:\n  - x\n')).toBe(
    '.github/cuda-targets.yml:4: unknown key "waiver" in top-level (allowed keys: targets, policy, waivers, matrix-overrides)',
  );
});

test('matrixOverridesKey reads the path alone, even from a file with other problems', () => {
  expect(matrixOverridesKey('targets: {}\nmatrix-overrides: overrides.yml\n')).toBe('overrides.yml');
  expect(matrixOverridesKey('targets:\n  a: { driver: 535 }\n')).toBeUndefined();
  expect(matrixOverridesKey('targets: [\n')).toBeUndefined();
  expect(matrixOverridesKey('matrix-overrides: [a]\n')).toBeUndefined();
});
