/** The base branch's policy against a pull request's, as plain data (targets/policy-diff.ts). */
import { loadMatrix } from '../../src/matrix/load';
import { policyChanges, type PolicyDiff } from '../../src/model/policy';
import { diffPolicies, isEmptyPolicyDiff, type PolicySide } from '../../src/targets/policy-diff';
import { parseTargets } from '../../src/targets/load';

const matrix = loadMatrix();
const side = (yaml: string, overrides?: PolicySide['overrides']): PolicySide => {
  const { targets, policy } = parseTargets(yaml, '.github/cuda-targets.yml', matrix);
  return { targets, policy, ...(overrides && { overrides }) };
};

const BASE = `targets:
  prod-a100: { driver: 535.104.05, gpu: A100 }
  edge-t4: { driver: 470.82.01, gpu: T4 }
policy:
  fail-on: fail
waivers:
  - { image: "app:*", target: prod-a100, code: MINOR_VERSION_COMPAT, reason: R550 soon, expires: 2026-12-31 }
`;
const base = side(BASE);
const diff = (head: string, overrides?: PolicySide['overrides']) => diffPolicies(base, side(head, overrides), '.github/cuda-targets.yml');
const texts = (d: PolicyDiff, list: keyof PolicyDiff) => d[list].map((c) => c.text);

test('the same policy: nothing changes', () => {
  expect(isEmptyPolicyDiff(diff(BASE))).toBe(true);
  // the defaults are the policy: writing them out changes nothing
  expect(
    isEmptyPolicyDiff(
      diffPolicies(side('targets:\n  a: { driver: 550.54.15 }\n'), side('targets:\n  a: { driver: 550.54.15 }\npolicy: { fail-on: fail, no-cuda: warn }\n')),
    ),
  ).toBe(true);
});

test('a target dropped loosens, a target added tightens', () => {
  const d = diff(BASE.replace(/^ {2}edge-t4:.*\n/m, '').replace('targets:\n', 'targets:\n  dev: { driver: 560.35.03 }\n'));
  expect(d.removed).toEqual([expect.objectContaining({ subject: 'target', name: 'edge-t4', effect: 'looser' })]);
  expect(texts(d, 'removed')).toEqual(['target edge-t4 removed (driver 470.82.01, T4): its results no longer gate']);
  expect(d.added).toEqual([expect.objectContaining({ subject: 'target', name: 'dev', effect: 'stricter', text: 'target dev added (driver 560.35.03)' })]);
});

test('a driver raised loosens, lowered tightens, compared part by part (535.104.05 > 535.54.03)', () => {
  const raised = diff(BASE.replace('470.82.01', '550.54.15'));
  expect(raised.loosened).toEqual([
    {
      subject: 'target',
      name: 'edge-t4',
      field: 'driver',
      from: '470.82.01',
      to: '550.54.15',
      effect: 'looser',
      text: 'target edge-t4: driver raised from 470.82.01 to 550.54.15',
    },
  ]);
  const lowered = diff(BASE.replace('535.104.05', '535.54.03'));
  expect(texts(lowered, 'tightened')).toEqual(['target prod-a100: driver lowered from 535.104.05 to 535.54.03']);
});

test('GPU, forward-compat, runtime and os', () => {
  const d = diff(
    BASE.replace('{ driver: 535.104.05, gpu: A100 }', '{ driver: 535.104.05, forward-compat: true, runtime: cdi, os: windows }').replace('gpu: T4', 'gpu: L4'),
  );
  expect(texts(d, 'loosened').sort()).toEqual(
    [
      'target prod-a100: forward-compat turned on',
      'target prod-a100: no longer names a GPU (was A100): the checks that need one are left out',
      'target prod-a100: runtime unset (both judged) → cdi',
    ].sort(),
  );
  expect(d.changed.map((c) => c.field).sort()).toEqual(['gpu', 'os']);
  const back = diffPolicies(side(BASE.replace('gpu: A100 }', 'gpu: A100, forward-compat: true, runtime: legacy }')), base);
  expect(back.tightened.map((c) => c.field).sort()).toEqual(['forward-compat', 'runtime']);
  expect(
    diffPolicies(side(BASE.replace('gpu: T4 }', 'gpu: T4, runtime: legacy }')), side(BASE.replace('gpu: T4 }', 'gpu: T4, runtime: cdi }'))).changed,
  ).toEqual([expect.objectContaining({ field: 'runtime', effect: 'neutral' })]);
});

test('fail-on and no-cuda: looser or stricter by how many verdicts fail the gate', () => {
  expect(diff(BASE.replace('fail-on: fail', 'fail-on: never')).loosened).toEqual([
    { subject: 'fail-on', from: 'fail', to: 'never', effect: 'looser', text: 'fail-on loosened: fail → never' },
  ]);
  expect(texts(diff(BASE.replace('fail-on: fail', 'fail-on: caveat')), 'tightened')).toEqual(['fail-on tightened: fail → caveat']);
  // unset is the default (fail); no-cuda's default is warn
  expect(texts(diff(BASE.replace('policy:\n  fail-on: fail\n', 'policy:\n  no-cuda: pass\n')), 'loosened')).toEqual(['no-cuda loosened: warn → pass']);
});

test('waivers: added loosens, removed tightens, a later date loosens, an earlier tightens, a new reason is neutral', () => {
  const added = diff(`${BASE}  - { image: "app:*", target: edge-t4, code: DRIVER_TOO_OLD, reason: edge upgrade, expires: 2027-01-31 }\n`);
  expect(added.added).toEqual([
    {
      subject: 'waiver',
      name: 'image app:*, target edge-t4, code DRIVER_TOO_OLD',
      to: '2027-01-31',
      effect: 'looser',
      text: 'waiver added (image app:*, target edge-t4, code DRIVER_TOO_OLD, until 2027-01-31): edge upgrade',
    },
  ]);
  const removed = diff(BASE.replace(/waivers:\n.*\n/, ''));
  expect(removed.removed).toEqual([expect.objectContaining({ subject: 'waiver', effect: 'stricter' })]);
  expect(texts(diff(BASE.replace('2026-12-31', '2027-06-30')), 'loosened')).toEqual([
    'waiver (image app:*, target prod-a100, code MINOR_VERSION_COMPAT) extended: 2026-12-31 → 2027-06-30',
  ]);
  expect(texts(diff(BASE.replace('2026-12-31', '2026-12-01')), 'tightened')).toEqual([
    'waiver (image app:*, target prod-a100, code MINOR_VERSION_COMPAT) shortened: 2026-12-31 → 2026-12-01',
  ]);
  expect(diff(BASE.replace('R550 soon', 'R550 in Q1')).changed).toEqual([expect.objectContaining({ subject: 'waiver', field: 'reason', effect: 'neutral' })]);
  // a wider waiver is another waiver: the old one removed, the new one added
  const widened = diff(BASE.replace('code: MINOR_VERSION_COMPAT', 'code: "*"'));
  expect([widened.added.length, widened.removed.length]).toEqual([1, 1]);
});

test('matrix overrides: added, changed or dropped files are neutral changes that can change verdicts', () => {
  const withOverrides = diffPolicies(
    side(BASE, [{ name: '.github/overrides.yml', text: 'branches: []\n' }]),
    side(BASE, [{ name: '.github/overrides.yml', text: 'branches: [x]\n' }]),
  );
  expect(withOverrides.changed).toEqual([
    {
      subject: 'matrix-overrides',
      name: '.github/overrides.yml',
      effect: 'neutral',
      text: 'matrix overrides .github/overrides.yml changed: its rows can change verdicts',
    },
  ]);
  expect(texts(diffPolicies(base, side(BASE, [{ name: 'o.yml', text: '' }])), 'changed')).toEqual([
    'matrix overrides o.yml added: its rows can change verdicts',
  ]);
  expect(texts(diffPolicies(side(BASE, [{ name: 'o.yml', text: '' }]), base), 'changed')).toEqual(['matrix overrides o.yml no longer used']);
});

test('the pull request deletes the targets file', () => {
  expect(diffPolicies(base, undefined, '.github/cuda-targets.yml')).toEqual({
    added: [],
    removed: [
      {
        subject: 'targets-file',
        name: '.github/cuda-targets.yml',
        effect: 'looser',
        text: 'deletes .github/cuda-targets.yml: no targets, no policy, no waivers once merged',
      },
    ],
    loosened: [],
    tightened: [],
    changed: [],
  });
});

test('every change in one list, looser first', () => {
  const d = diff(BASE.replace('fail-on: fail', 'fail-on: caveat').replace(/^ {2}edge-t4:.*\n/m, ''));
  expect(policyChanges(d).map((c) => c.effect)).toEqual(['looser', 'stricter']);
});
