/** The action's step log shows a long read's progress as the CLI's stderr does (engine/progress.ts), throttled the same way. */
import { EXAMPLE_ARCHIVE, pushEvent, runBundledAction } from './run-action';

const INPUTS = { images: EXAMPLE_ARCHIVE, driver: '550.54.15', comment: 'never', cache: 'false' };

test('with CUDA_GATE_PROGRESS_S=0 every layer read is a line in the step log, and the last says done', async () => {
  const run = await runBundledAction({ inputs: INPUTS, event: pushEvent(), env: { CUDA_GATE_PROGRESS_S: '0' } });
  expect(run.code).toBe(0);
  const lines = run.stdout.split('\n').filter((l) => l.startsWith(`cuda-gate: ${EXAMPLE_ARCHIVE}: `));
  expect(lines.length).toBeGreaterThanOrEqual(2);
  expect(lines[0]).toMatch(/: \d\/4 layers, [\d.]+ KiB read.*, \d+ s$/);
  expect(lines[lines.length - 1]).toMatch(/: done, 4\/4 layers, 23 KiB read.*, \d+ s$/);
  expect(run.stdout).toContain(`reading ${EXAMPLE_ARCHIVE}`);
});

test('a quick read at the default interval logs only that it reads the image', async () => {
  const run = await runBundledAction({ inputs: INPUTS, event: pushEvent() });
  expect(run.code).toBe(0);
  expect(run.stdout).toContain(`reading ${EXAMPLE_ARCHIVE}`);
  expect(run.stdout).not.toContain(`cuda-gate: ${EXAMPLE_ARCHIVE}: `);
});
