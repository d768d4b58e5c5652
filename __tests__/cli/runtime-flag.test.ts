/** --runtime legacy|cdi: the ad-hoc --driver target's container runtime, read and refused like --forward-compat. */
import { join } from 'node:path';
import { parseCliArgs, USAGE, type CheckArgs } from '../../src/cli/args';
import { runCli } from './run-cli';

const EXAMPLE = `docker-archive:${join(__dirname, '../../examples/images/cuda12.4-app.tar')}`;
const check = (...argv: string[]) => parseCliArgs(['check', EXAMPLE, ...argv]) as CheckArgs;

function expectOneLineError(r: { code: number; stderr: string; stdout: string }, ...mentions: string[]) {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^cuda-gate: error: /);
  for (const m of mentions) expect(lines[0]).toContain(m);
}

test('--runtime legacy and --runtime cdi are read; left out, the runtime is unstated', () => {
  expect(check('--driver', '550.54.15', '--runtime', 'legacy').runtime).toBe('legacy');
  expect(check('--driver', '550.54.15', '--runtime=cdi').runtime).toBe('cdi');
  const unstated = check('--driver', '550.54.15');
  expect(unstated.runtime).toBeUndefined();
  expect('runtime' in unstated).toBe(false);
});

test('an unknown --runtime is bad input naming the value and the fix', async () => {
  expectOneLineError(
    await runCli('check', EXAMPLE, '--driver', '550.54.15', '--runtime', 'CDI'),
    '--runtime "CDI" is not one of legacy, cdi',
    '--runtime cdi',
    '--runtime legacy',
  );
  expectOneLineError(await runCli('check', EXAMPLE, '--driver', '550.54.15', '--runtime', 'podman'), '"podman"');
});

test('--runtime needs --driver (a targets file states it per target)', async () => {
  expectOneLineError(await runCli('check', EXAMPLE, '--targets', 'cuda-targets.yml', '--runtime', 'cdi'), '--runtime needs --driver', 'runtime: cdi');
  expectOneLineError(await runCli('check', EXAMPLE, '--runtime', 'legacy'), '--runtime needs --driver');
});

test('the usage text shows --runtime with the --driver target', () => {
  expect(USAGE).toMatch(/--driver VER \[--gpu GPU\] \[--forward-compat\]\s+\[--runtime legacy\|cdi\]\]/);
});
