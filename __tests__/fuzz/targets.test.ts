/**
 * The targets file is written by hand (and, in a pull request, possibly by the attacker). Any text gives either
 * targets or a GateError that names the file — never a crash from the YAML library or from a value of the wrong
 * shape (sequences, aliases, tags, nulls, complex keys, several documents).
 */
import fc from 'fast-check';
import { isDriverVersion } from '../../src/common/driver-version';
import { loadMatrix } from '../../src/matrix/load';
import { parseTargets } from '../../src/targets/load';
import { FUZZ, gateErrorOr, timed } from './bounded';

const matrix = loadMatrix();
const FILE = '.github/cuda-targets.yml';
const CODES = ['BAD_TARGETS', 'UNKNOWN_GPU', 'BAD_DRIVER_VERSION'] as const;

const key = fc.constantFrom(
  'targets',
  'policy',
  'driver',
  'gpu',
  'forward-compat',
  'os',
  'fail-on',
  'no-cuda',
  'prod-a100',
  'edge',
  '"quoted"',
  '? complex',
  '<<',
  '&anchor driver',
  '*anchor',
  '!!str driver',
  '',
);
const scalar = fc.constantFrom(
  '535.104.05',
  '470.82.01',
  '535.10',
  '"550.54.15"',
  "'560.35.03'",
  '5.5.5.5.5',
  'r535',
  '',
  '~',
  'null',
  'A100',
  'T4',
  '"8.0"',
  'sm_90',
  'Z9000',
  'true',
  'no',
  'yes',
  'fail',
  'caveat',
  'never',
  'warn',
  'linux',
  'windows',
  '[1, 2]',
  '{ driver: 535.104.05 }',
  '*anchor',
  '&anchor x',
  '!!binary aGk=',
  '|',
  '>-',
  '"unterminated',
  "'it''s'",
  '{',
  ']',
  '@',
  '`',
  '%YAML 1.2',
  '---',
  '...',
  '#comment',
  '\t',
  '\u0000',
  '\u202e',
  '💥',
);
const indent = fc.constantFrom('', '  ', '    ', '\t', ' ', '      ');
const line = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(indent, key, fc.constantFrom(': ', ':', ' : '), scalar).map((t) => t.join('')) },
  { weight: 2, arbitrary: fc.tuple(indent, key, fc.constant(':')).map((t) => t.join('')) },
  { weight: 1, arbitrary: fc.tuple(indent, fc.constant('- '), scalar).map((t) => t.join('')) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
);
const yamlish = fc.tuple(fc.array(line, { maxLength: 14 }), fc.constantFrom('\n', '\r\n', '\r')).map(([lines, eol]) => lines.join(eol));

/** A well-formed file with one field spoiled, so the deep checks (driver, GPU, policy) run, not only the syntax. */
const almostValid = fc
  .record({
    name: fc.constantFrom('prod', 'edge-t4', '"a b"', '"<img src=x>"', '"x\\u001b[31m"'),
    driver: scalar,
    gpu: fc.option(scalar, { nil: undefined }),
    fc: fc.option(scalar, { nil: undefined }),
    os: fc.option(scalar, { nil: undefined }),
    failOn: fc.option(scalar, { nil: undefined }),
  })
  .map((r) =>
    [
      'targets:',
      `  ${r.name}:`,
      `    driver: ${r.driver}`,
      ...(r.gpu !== undefined ? [`    gpu: ${r.gpu}`] : []),
      ...(r.fc !== undefined ? [`    forward-compat: ${r.fc}`] : []),
      ...(r.os !== undefined ? [`    os: ${r.os}`] : []),
      ...(r.failOn !== undefined ? ['policy:', `  fail-on: ${r.failOn}`] : []),
    ].join('\n'),
  );

describe('parseTargets on arbitrary text', () => {
  test('any text gives targets or a GateError that names the file', () => {
    fc.assert(
      fc.property(fc.oneof(yamlish, almostValid, fc.string({ unit: 'binary', maxLength: 200 })), (text) => {
        const r = timed(() => gateErrorOr(() => parseTargets(text, FILE, matrix), CODES));
        if ('error' in r) {
          expect(r.error.message).toContain(FILE);
          // one line for the CLI and the workflow log, whatever the YAML library quotes from the file
          // eslint-disable-next-line no-control-regex
          expect(r.error.toLine()).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e]/);
          return;
        }
        // what comes out is usable as is: a valid driver per target, a known os
        expect(r.value.targets.length).toBeGreaterThan(0);
        for (const t of r.value.targets) {
          expect(isDriverVersion(t.driver)).toBe(true);
          expect(['linux', 'windows']).toContain(t.os);
          expect(typeof t.forwardCompat).toBe('boolean');
        }
      }),
      FUZZ,
    );
  });

  test('a file that is valid apart from one field is either accepted or rejected at that field, never crashing', () => {
    let rejected = 0;
    fc.assert(
      fc.property(almostValid, (text) => {
        const r = gateErrorOr(() => parseTargets(text, FILE, matrix), CODES);
        if ('error' in r) {
          rejected++;
          // the line is named for everything but an unknown GPU, which names the target instead
          expect(r.error.message).toMatch(new RegExp(`^${FILE.replace(/\./g, '\\.')}(:\\d+)?`));
        }
      }),
      FUZZ,
    );
    expect(rejected).toBeGreaterThan(0);
  });

  test('an alias bomb is read without expanding it', () => {
    const bomb = [
      'a: &a ["x","x","x","x","x","x","x","x","x"]',
      ...Array.from(
        { length: 12 },
        (_, i) =>
          `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9)
            .fill(`*${String.fromCharCode(97 + i)}`)
            .join(',')}]`,
      ),
      'targets: { t: { driver: 535.104.05 } }',
    ].join('\n');
    const r = timed(() => gateErrorOr(() => parseTargets(bomb, FILE, matrix), CODES));
    expect('error' in r && r.error.message).toMatch(/unknown key "a"/);
  });
});
