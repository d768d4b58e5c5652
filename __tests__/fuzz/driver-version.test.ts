/**
 * Driver versions come from the targets file, the action's inputs and nvidia-smi. Any string either parses or is a
 * BAD_DRIVER_VERSION GateError; comparison is a total order that agrees with comparing the numbers part by part.
 */
import fc from 'fast-check';
import { compareDriver, isDriverVersion, maxDriver, parseDriverVersion } from '../../src/common/driver-version';
import { FUZZ, gateErrorOr, timed } from './bounded';

/** "535.104.05": 1-4 parts of 1-4 digits, leading zeros allowed (nvidia-smi prints "05") */
const part = fc.nat(9999).chain((n) => fc.nat(4 - String(n).length).map((zeros) => `${'0'.repeat(zeros)}${n}`));
const driver = fc.array(part, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('.'));

/** The reference: numbers part by part, a missing part counting as 0. */
function reference(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

const junk = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.constantFrom(...'0123456789. \t\n-+eExr'.split('')), maxLength: 24 }),
  driver.map((d) => `${d}.`),
  driver.map((d) => `v${d}`),
  fc.constantFrom('', '.', '535..104', '12345.1', '1.2.3.4.5', '５３５.104', '535.104.05\u0000', '0x21f', '1e3', 'NaN', 'Infinity', '-1'),
);

describe('parseDriverVersion', () => {
  test('any string either parses to numbers or fails with BAD_DRIVER_VERSION naming the input', () => {
    fc.assert(
      fc.property(fc.oneof(junk, driver), (s) => {
        const r = timed(() => gateErrorOr(() => parseDriverVersion(s, 'targets.yml: driver'), ['BAD_DRIVER_VERSION']));
        if ('error' in r) {
          expect(r.error.message).toContain('targets.yml: driver');
          expect(isDriverVersion(s.trim())).toBe(false);
        } else {
          expect(isDriverVersion(s.trim())).toBe(true);
          for (const n of r.value) expect(Number.isSafeInteger(n) && n >= 0).toBe(true);
        }
      }),
      FUZZ,
    );
  });

  test('the generated versions are all accepted (the generator below is honest)', () => {
    fc.assert(
      fc.property(driver, (d) => expect(isDriverVersion(d)).toBe(true)),
      FUZZ,
    );
  });
});

describe('compareDriver is a total order that agrees with comparing numbers part by part', () => {
  test('it matches the part-by-part reference, with -1, 0 or 1', () => {
    fc.assert(
      fc.property(driver, driver, (a, b) => {
        expect(timed(() => compareDriver(a, b))).toBe(reference(a, b));
      }),
      FUZZ,
    );
  });

  test('antisymmetric and reflexive', () => {
    fc.assert(
      fc.property(driver, driver, (a, b) => {
        expect(compareDriver(a, a)).toBe(0);
        expect(compareDriver(a, b)).toBe(-compareDriver(b, a) || 0);
      }),
      FUZZ,
    );
  });

  test('transitive', () => {
    fc.assert(
      fc.property(driver, driver, driver, (a, b, c) => {
        const [x, y, z] = [a, b, c].sort(compareDriver);
        expect(compareDriver(x, y)).toBeLessThanOrEqual(0);
        expect(compareDriver(y, z)).toBeLessThanOrEqual(0);
        expect(compareDriver(x, z)).toBeLessThanOrEqual(0);
      }),
      FUZZ,
    );
  });

  test('leading zeros and trailing .0 parts do not change a version', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(999), { minLength: 1, maxLength: 3 }), fc.nat(1), (parts, pad) => {
        const plain = parts.join('.');
        const zeros = parts.map((p) => `0${p}`).join('.');
        expect(compareDriver(plain, zeros)).toBe(0);
        if (parts.length < 4) expect(compareDriver(plain, `${plain}${'.0'.repeat(pad + 1)}`.split('.').slice(0, 4).join('.'))).toBe(0);
      }),
      FUZZ,
    );
    expect(compareDriver('535.104.05', '535.104.5')).toBe(0);
    expect(compareDriver('535.104.05', '535.54.03')).toBe(1);
  });

  test('maxDriver picks a version no other in the list exceeds', () => {
    fc.assert(
      fc.property(fc.array(driver, { maxLength: 8 }), (list) => {
        const best = maxDriver(list);
        if (!list.length) return expect(best).toBeUndefined();
        expect(list).toContain(best);
        for (const v of list) expect(compareDriver(v, best!)).toBeLessThanOrEqual(0);
      }),
      FUZZ,
    );
  });
});
