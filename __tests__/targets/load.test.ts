import { GateError } from '../../src/common/errors';
import { loadMatrix } from '../../src/matrix/load';
import { adHocTarget, loadTargetsFile, parseTargets } from '../../src/targets/load';

const matrix = loadMatrix();
const parse = (text: string) => parseTargets(text, '.github/cuda-targets.yml', matrix);
const errorOf = (fn: () => unknown): GateError => {
  try {
    fn();
  } catch (e) {
    if (e instanceof GateError) return e;
    throw e;
  }
  throw new Error('expected a GateError');
};

describe('targets file', () => {
  test('the design example loads with GPUs resolved and policy read', () => {
    const { targets, policy } = parse(`targets:
  prod-a100:
    driver: 535.104.05
    gpu: A100
    forward-compat: true
  edge-t4: { driver: 470.82.01, gpu: T4 }
  dev-box: { driver: 560.35.03, gpu: "8.9", os: linux }
policy:
  fail-on: caveat
  no-cuda: fail
`);
    expect(targets.map((t) => t.name)).toEqual(['prod-a100', 'edge-t4', 'dev-box']);
    expect(targets[0]).toMatchObject({ driver: '535.104.05', forwardCompat: true, gpu: { computeCapability: '8.0', datacenter: true } });
    expect(targets[1].gpu?.computeCapability).toBe('7.5');
    expect(targets[2].gpu).toMatchObject({ computeCapability: '8.9', brands: [] });
    expect(targets[0].origin).toBe('.github/cuda-targets.yml:2');
    expect(policy).toEqual({ failOn: 'caveat', noCuda: 'fail' });
  });

  test('a driver that YAML would read as a number keeps its text (535.10 is not 535.1)', () => {
    const { targets } = parse('targets:\n  a: { driver: 535.10 }\n');
    expect(targets[0].driver).toBe('535.10');
  });

  test('an unknown key names the file, the line and the allowed keys', () => {
    const e = errorOf(() => parse('targets:\n  a:\n    driver: 535.104.05\n    gpus: A100\n'));
    expect(e.code).toBe('BAD_TARGETS');
    expect(e.toLine()).toContain('.github/cuda-targets.yml:4');
    expect(e.toLine()).toContain('"gpus"');
    expect(e.toLine()).toContain('driver, gpu, forward-compat, os');
  });

  test('a malformed driver names the line and shows the expected form', () => {
    const e = errorOf(() => parse('targets:\n  a:\n    driver: r535\n'));
    expect(e.code).toBe('BAD_TARGETS');
    expect(e.toLine()).toMatch(/:3: target "a": driver "r535" is not an NVIDIA driver version.*535\.104\.05/);
  });

  test('an unknown GPU names the line and suggests close names', () => {
    const e = errorOf(() => parse('targets:\n  a:\n    driver: 535.104.05\n    gpu: A1000\n'));
    expect(e.code).toBe('UNKNOWN_GPU');
    expect(e.toLine()).toContain(':4');
    expect(e.toLine()).toContain('A1000');
    expect(e.toLine()).toMatch(/did you mean .*A100/);
  });

  test('YAML syntax errors give the line', () => {
    const e = errorOf(() => parse('targets:\n  a: [\n'));
    expect(e.code).toBe('BAD_TARGETS');
    expect(e.toLine()).toMatch(/cuda-targets\.yml:\d+: not valid YAML/);
  });

  test('a target without a driver is an error', () => {
    expect(errorOf(() => parse('targets:\n  a: { gpu: A100 }\n')).toLine()).toContain('has no driver');
  });

  test('an empty file or missing targets key is an error that shows the expected shape', () => {
    expect(errorOf(() => parse('')).code).toBe('BAD_TARGETS');
    expect(errorOf(() => parse('policy: { fail-on: fail }\n')).toLine()).toContain('targets');
  });

  test('a bad policy value lists the allowed ones', () => {
    expect(errorOf(() => parse('targets:\n  a: { driver: 535.104.05 }\npolicy: { fail-on: sometimes }\n')).toLine()).toContain('fail, caveat, never');
  });

  test('duplicate target names are rejected', () => {
    expect(errorOf(() => parse('targets:\n  a: { driver: 535.104.05 }\n  a: { driver: 470.82.01 }\n')).code).toBe('BAD_TARGETS');
  });

  test('runtime: legacy and runtime: cdi are read; a target without the key leaves it unstated', () => {
    const { targets } = parse(`targets:
  docker-host:
    driver: 535.104.05
    runtime: legacy
  k8s: { driver: 570.124.06, gpu: H100, runtime: cdi }
  unknown: { driver: 550.54.15 }
`);
    expect(targets.map((t) => t.runtime)).toEqual(['legacy', 'cdi', undefined]);
    expect('runtime' in targets[2]).toBe(false);
  });

  test('an unknown runtime names the file, the line, the values and the fix', () => {
    const e = errorOf(() => parse('targets:\n  a:\n    driver: 535.104.05\n    runtime: containerd\n'));
    expect(e.code).toBe('BAD_TARGETS');
    expect(e.toLine()).toContain('.github/cuda-targets.yml:4: target "a": runtime "containerd" is not one of legacy, cdi');
    expect(e.toLine()).toContain('runtime: cdi');
    expect(e.toLine()).toContain('runtime: legacy');
  });

  test('runtime is lower case only, not empty, and a string', () => {
    expect(errorOf(() => parse('targets:\n  a: { driver: 535.104.05, runtime: CDI }\n')).toLine()).toMatch(
      /:2: target "a": runtime "CDI" is not one of legacy, cdi/,
    );
    expect(errorOf(() => parse('targets:\n  a:\n    driver: 535.104.05\n    runtime:\n')).toLine()).toMatch(
      /:4: target "a": runtime is empty.*leave it out to judge both/,
    );
    expect(errorOf(() => parse('targets:\n  a:\n    driver: 535.104.05\n    runtime: [cdi]\n')).toLine()).toMatch(/:4: target "a": runtime must be a string/);
  });

  test('the unknown-key error lists runtime among the allowed keys', () => {
    expect(errorOf(() => parse('targets:\n  a: { driver: 535.104.05, runtimes: cdi }\n')).toLine()).toContain('driver, gpu, forward-compat, os, runtime');
  });

  test('a missing file names the path', () => {
    const e = errorOf(() => loadTargetsFile('/nonexistent/cuda-targets.yml', matrix));
    expect(e.code).toBe('FILE_NOT_FOUND');
    expect(e.toLine()).toContain('/nonexistent/cuda-targets.yml');
  });
});

describe('ad-hoc target from flags', () => {
  test('driver and GPU flags make one target', () => {
    const t = adHocTarget({ driver: '550.54.15', gpu: 'h100', forwardCompat: true }, matrix);
    expect(t).toMatchObject({ driver: '550.54.15', forwardCompat: true, gpu: { computeCapability: '9.0' } });
  });
  test('--runtime reaches the target; left out (or empty) it stays unstated', () => {
    expect(adHocTarget({ driver: '550.54.15', runtime: 'cdi' }, matrix).runtime).toBe('cdi');
    expect(adHocTarget({ driver: '550.54.15', runtime: 'legacy' }, matrix).runtime).toBe('legacy');
    expect(adHocTarget({ driver: '550.54.15' }, matrix).runtime).toBeUndefined();
    expect(adHocTarget({ driver: '550.54.15', runtime: ' ' }, matrix).runtime).toBeUndefined();
  });
  test('a bad runtime is named by the label of where it came from, with the fix', () => {
    const cli = errorOf(() => adHocTarget({ driver: '550.54.15', runtime: 'docker' }, matrix));
    expect(cli.code).toBe('BAD_ARGUMENT');
    expect(cli.toLine()).toContain('--runtime "docker" is not one of legacy, cdi');
    expect(cli.toLine()).toContain('--runtime cdi');
    const action = errorOf(() =>
      adHocTarget({ driver: '550.54.15', runtime: 'Legacy', labels: { driver: 'input "driver"', gpu: 'input "gpu"', runtime: 'input "runtime"' } }, matrix),
    );
    expect(action.toLine()).toContain('input "runtime" "Legacy" is not one of legacy, cdi');
    expect(action.toLine()).toContain('runtime: legacy');
  });
  test('a bad --driver is named', () => {
    const e = errorOf(() => adHocTarget({ driver: 'latest' }, matrix));
    expect(e.code).toBe('BAD_DRIVER_VERSION');
    expect(e.toLine()).toContain('--driver "latest"');
  });
  test('an unknown --gpu is named', () => {
    const e = errorOf(() => adHocTarget({ driver: '550.54.15', gpu: 'Voodoo5' }, matrix));
    expect(e.code).toBe('UNKNOWN_GPU');
    expect(e.toLine()).toContain('--gpu');
  });
});
