/**
 * Issue 17: a targets file from a pull request costs linear work and is bounded — the YAML library's duplicate-key
 * check (quadratic) is replaced by one Map per mapping, targets are looked up by name once, and the file's size and
 * number of targets are capped with a BAD_TARGETS error.
 */
import { GateError } from '../../src/common/errors';
import { loadMatrix } from '../../src/matrix/load';
import { MAX_TARGETS, MAX_TARGETS_FILE_BYTES, parseTargets } from '../../src/targets/load';

const matrix = loadMatrix();
const FILE = '.github/cuda-targets.yml';
const parse = (text: string) => parseTargets(text, FILE, matrix);
const errorOf = (fn: () => unknown): GateError => {
  try {
    fn();
  } catch (e) {
    if (e instanceof GateError) return e;
    throw e;
  }
  throw new Error('expected a GateError');
};
const targets = (n: number, extra = ''): string =>
  `targets:\n${Array.from({ length: n }, (_, i) => `  t${i}: { driver: 535.104.05, gpu: A100 }\n`).join('')}${extra}`;

describe('targets file bounds (issue 17)', () => {
  test(`${MAX_TARGETS} targets load in well under the time the quadratic checks took`, () => {
    const started = Date.now();
    const file = parse(targets(MAX_TARGETS));
    expect(file.targets).toHaveLength(MAX_TARGETS);
    expect(file.targets[MAX_TARGETS - 1]).toMatchObject({ name: `t${MAX_TARGETS - 1}`, origin: `${FILE}:${MAX_TARGETS + 1}` });
    // a hang guard, not a speed test (npm run bench measures speed): the quadratic duplicate-key check took minutes
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  test('a duplicate key at the end of a long mapping is found by the linear check, naming both lines', () => {
    const err = errorOf(() => parse(targets(MAX_TARGETS - 1, '  t5: { driver: 470.82.01 }\n')));
    expect(err.code).toBe('BAD_TARGETS');
    expect(err.message).toBe(`${FILE}:${MAX_TARGETS + 1}: not valid YAML: Map keys must be unique ("t5" is also at line 7)`);
    // nested mappings too, the first in the file first
    expect(errorOf(() => parse('targets:\n  a: { driver: 535.104.05, driver: 470.82.01 }\n  a: {}\n')).message).toBe(
      `${FILE}:2: not valid YAML: Map keys must be unique ("driver" is also at line 2)`,
    );
  });

  test(`more than ${MAX_TARGETS} targets is BAD_TARGETS naming the count and the limit`, () => {
    const err = errorOf(() => parse(targets(MAX_TARGETS + 1)));
    expect(err).toMatchObject({ code: 'BAD_TARGETS', message: `${FILE}:2: ${MAX_TARGETS + 1} targets, more than the limit of ${MAX_TARGETS}` });
  });

  test('a file over the byte limit is refused before it is parsed (100,000 targets: a moment, not a minute)', () => {
    const text = targets(100_000);
    expect(text.length).toBeGreaterThan(MAX_TARGETS_FILE_BYTES);
    const started = Date.now();
    const err = errorOf(() => parse(text));
    expect(err.code).toBe('BAD_TARGETS');
    expect(err.message).toMatch(new RegExp(`^${FILE}: \\d+ bytes, more than the ${MAX_TARGETS_FILE_BYTES}-byte limit for a targets file$`));
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
