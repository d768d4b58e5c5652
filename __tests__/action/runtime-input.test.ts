/** The action's runtime input: legacy | cdi | empty (judge both), for the ad-hoc driver target. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { getInputs } from '../../src/action/inputs';
import { GateError } from '../../src/common/errors';
import { loadMatrix } from '../../src/matrix/load';
import { adHocTarget } from '../../src/targets/load';

const env = (extra: Record<string, string>) => ({ INPUT_IMAGES: 'oci:x', INPUT_DRIVER: '550.54.15', ...extra });
const errorOf = (fn: () => unknown): GateError => {
  try {
    fn();
  } catch (e) {
    if (e instanceof GateError) return e;
    throw e;
  }
  throw new Error('expected a GateError');
};

test('runtime: legacy and runtime: cdi are read; empty or absent leaves it unstated', () => {
  expect(getInputs(env({ INPUT_RUNTIME: 'legacy' })).runtime).toBe('legacy');
  expect(getInputs(env({ INPUT_RUNTIME: ' cdi ' })).runtime).toBe('cdi');
  expect(getInputs(env({ INPUT_RUNTIME: '' })).runtime).toBeUndefined();
  expect('runtime' in getInputs(env({}))).toBe(false);
});

test('any other value names the input and the allowed values', () => {
  const e = errorOf(() => getInputs(env({ INPUT_RUNTIME: 'CDI' })));
  expect(e.code).toBe('BAD_ARGUMENT');
  expect(e.toLine()).toContain('input "runtime": "CDI" is not one of legacy, cdi');
});

test('runtime without driver is refused rather than silently ignored', () => {
  const e = errorOf(() => getInputs({ INPUT_IMAGES: 'oci:x', INPUT_RUNTIME: 'cdi' }));
  expect(e.toLine()).toContain('input "runtime" (cdi) needs input "driver"');
  expect(e.toLine()).toContain('runtime: cdi');
});

test('the input reaches the ad-hoc target as the action builds it', () => {
  const inputs = getInputs(env({ INPUT_RUNTIME: 'cdi', INPUT_GPU: 'H100' }));
  const target = adHocTarget(
    {
      driver: inputs.driver!,
      gpu: inputs.gpu,
      forwardCompat: inputs.forwardCompat,
      runtime: inputs.runtime,
      labels: { driver: 'input "driver"', gpu: 'input "gpu"', runtime: 'input "runtime"' },
    },
    loadMatrix(),
  );
  expect(target).toMatchObject({ driver: '550.54.15', runtime: 'cdi', gpu: { computeCapability: '9.0' } });
});

test('action.yml declares the input, empty by default', () => {
  const meta = parse(readFileSync(join(__dirname, '../../action.yml'), 'utf8')) as { inputs: Record<string, { default?: string; description: string }> };
  expect(meta.inputs.runtime).toMatchObject({ default: '' });
  expect(meta.inputs.runtime.description).toMatch(/legacy.*cdi.*judge both/s);
});
