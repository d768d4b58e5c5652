import { compareDriver, driverBranch, maxDriver, parseDriverVersion } from '../../src/common/driver-version';
import { GateError } from '../../src/common/errors';

describe('driver versions compare numerically part by part, not as semver', () => {
  test.each([
    ['470.57.02', '470.82.01', -1],
    ['470.57.02', '470.57.2', 0], // leading zero is not significant
    ['535.104.05', '535.54.03', 1], // 104 > 54 although "1" < "5" as text
    ['550.54.15', '550.54.14', 1],
    ['580.65.06', '575.57.08', 1],
    ['525.60.13', '525.60.13', 0],
    ['470', '470.0.0', 0], // missing parts count as 0
    ['470', '470.57.02', -1],
    ['560.35.03', '560.35.05', -1],
  ])('%s vs %s -> %d', (a, b, want) => {
    expect(compareDriver(a, b)).toBe(want);
    expect(compareDriver(b, a)).toBe(-want || 0);
  });

  test('leading zeros parse as numbers', () => {
    expect(parseDriverVersion('470.57.02')).toEqual([470, 57, 2]);
    expect(parseDriverVersion('580.65.06')).toEqual([580, 65, 6]);
  });

  test('the branch is the first part', () => {
    expect(driverBranch('535.104.05')).toBe(535);
  });

  test('max of a list uses numeric order', () => {
    expect(maxDriver(['535.54.03', '535.104.05', '530.30.02'])).toBe('535.104.05');
    expect(maxDriver([])).toBeUndefined();
  });

  test.each(['r470', '535.104.05-1', '', '12.x', '535..1', 'latest', '1.2.3.4.5'])('"%s" is rejected with a message naming the input', (bad) => {
    expect(() => parseDriverVersion(bad, '--driver')).toThrow(GateError);
    try {
      parseDriverVersion(bad, '--driver');
    } catch (e) {
      expect((e as GateError).code).toBe('BAD_DRIVER_VERSION');
      expect((e as GateError).message).toContain('--driver');
    }
  });
});
