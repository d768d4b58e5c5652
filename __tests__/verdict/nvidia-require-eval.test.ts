import { parseRequire } from '../../src/evidence/nvidia-require';
import { evaluateRequire, type HostProperties } from '../../src/verdict/nvidia-require-eval';
import { REQUIRE_11_8_0, REQUIRE_12_4_1, REQUIRE_12_8_1, REQUIRE_13_0_0 } from '../fixtures/nvidia-require-strings';

const DATACENTER = ['tesla', 'nvidia'];
const GEFORCE = ['geforce', 'geforcertx'];
const host = (driver: string, cuda: string, brands: string[] = [], arch?: string): HostProperties => ({ driver, cuda, brands, arch });
const truth = (raw: string, h: HostProperties) => evaluateRequire(parseRequire('NVIDIA_REQUIRE_CUDA', raw), h).truth;

describe("NVIDIA's own NVIDIA_REQUIRE_CUDA strings against drivers on both sides of each bound", () => {
  test('12.4.1: a driver reporting CUDA 12.4 satisfies the first group, whatever the GPU', () => {
    expect(truth(REQUIRE_12_4_1, host('550.54.14', '12.4'))).toBe('true');
  });
  test('12.4.1: a driver reporting CUDA 12.3 outside the 470/525/535 branches is refused, with the first token as the message', () => {
    const out = evaluateRequire(parseRequire('NVIDIA_REQUIRE_CUDA', REQUIRE_12_4_1), host('545.23.08', '12.3', DATACENTER));
    expect(out.truth).toBe('false');
    expect(out.failedToken).toBe('cuda>=12.4');
  });
  test('12.4.1: R535 passes through the brand groups on a data-center GPU (forward compat path)', () => {
    expect(truth(REQUIRE_12_4_1, host('535.104.05', '12.2', DATACENTER))).toBe('true');
  });
  test('12.4.1: the upper bound driver<536 is exclusive', () => {
    expect(truth(REQUIRE_12_4_1, host('535.999.99', '12.2', DATACENTER))).toBe('true');
    expect(truth(REQUIRE_12_4_1, host('536.0', '12.2', DATACENTER))).toBe('false');
  });
  test('12.4.1: lower bound driver>=470 is inclusive; 469 is refused', () => {
    expect(truth(REQUIRE_12_4_1, host('470.0', '11.4', DATACENTER))).toBe('true');
    expect(truth(REQUIRE_12_4_1, host('469.99', '11.3', DATACENTER))).toBe('false');
  });
  test('12.4.1: GeForce brands are still listed up to 12.4', () => {
    expect(truth(REQUIRE_12_4_1, host('525.60.13', '12.0', GEFORCE))).toBe('true');
  });
  test('12.4.1: without a known GPU brand the outcome on R535 depends on the brand', () => {
    const out = evaluateRequire(parseRequire('NVIDIA_REQUIRE_CUDA', REQUIRE_12_4_1), host('535.104.05', '12.2'));
    expect(out.truth).toBe('unknown');
    expect(out.passingBrands).toContain('tesla');
    expect(out.passingBrands).not.toContain('grid');
  });
  test('12.8.1: GeForce was dropped from the brand groups', () => {
    expect(truth(REQUIRE_12_8_1, host('565.57.01', '12.7', GEFORCE))).toBe('false');
    expect(truth(REQUIRE_12_8_1, host('565.57.01', '12.7', DATACENTER))).toBe('true');
    expect(truth(REQUIRE_12_8_1, host('570.124.06', '12.8', GEFORCE))).toBe('true');
  });
  test('13.0.0: R575 data-center passes, R560 does not (not in the list), R580 passes outright', () => {
    expect(truth(REQUIRE_13_0_0, host('575.57.08', '12.9', DATACENTER))).toBe('true');
    expect(truth(REQUIRE_13_0_0, host('560.35.03', '12.6', DATACENTER))).toBe('false');
    expect(truth(REQUIRE_13_0_0, host('580.65.06', '13.0', GEFORCE))).toBe('true');
    expect(truth(REQUIRE_13_0_0, host('535.104.05', '12.2', DATACENTER))).toBe('true');
  });
  test('11.8.0: R470 passes on any listed brand, R510 does not', () => {
    expect(truth(REQUIRE_11_8_0, host('470.82.01', '11.4', DATACENTER))).toBe('true');
    expect(truth(REQUIRE_11_8_0, host('510.47.03', '11.6', DATACENTER))).toBe('false');
    expect(truth(REQUIRE_11_8_0, host('520.61.05', '11.8', DATACENTER))).toBe('true');
  });
});

describe('operators and properties', () => {
  test.each([
    ['cuda>=12.4', '12.4', 'true'],
    ['cuda>=12.4', '12.3', 'false'],
    ['cuda>12.4', '12.4', 'false'],
    ['cuda<12.4', '12.3', 'true'],
    ['cuda<=12.4', '12.4', 'true'],
    ['cuda=12.4', '12.4', 'true'],
    ['cuda=12.4.0', '12.4', 'true'], // trailing .0 ignored
    ['cuda!=12.4', '12.4', 'false'],
  ])('%s with host CUDA %s is %s', (raw, cuda, want) => {
    expect(truth(raw, host('550.54.15', cuda, DATACENTER))).toBe(want);
  });
  test('arch compares the compute capability; unknown GPU leaves it undecided', () => {
    expect(truth('arch>=8.0', host('550.54.15', '12.4', DATACENTER, '9.0'))).toBe('true');
    expect(truth('arch>=8.0', host('550.54.15', '12.4', DATACENTER, '7.5'))).toBe('false');
    const unknownGpu = evaluateRequire(parseRequire('NVIDIA_REQUIRE_ARCH', 'arch>=8.0'), host('550.54.15', '12.4', DATACENTER), ['7.5', '8.0', '9.0']);
    expect(unknownGpu.truth).toBe('unknown');
  });
  test('brand compares case-insensitively', () => {
    expect(truth('brand=TESLA', host('550.54.15', '12.4', ['tesla']))).toBe('true');
    expect(truth('brand!=tesla', host('550.54.15', '12.4', ['tesla']))).toBe('false');
  });
  test('an empty requirement is always satisfied', () => {
    expect(truth('', host('450.80.02', '11.0'))).toBe('true');
  });
});
