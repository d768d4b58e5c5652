/**
 * The bundled action with baseline-images and fail-on-new: the verdicts that changed in the report and the job
 * summary, the gate under fail-on-new, a baseline the base branch never built, and the input itself.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { getInputs } from '../../src/action/inputs';
import type { Report } from '../../src/report/types';
import { writeBaselineFixture, type BaselineFixture } from '../helpers/baseline-fixture';
import { commands, pushEvent, runBundledAction, type ActionRun } from './run-action';

let fx: BaselineFixture;
beforeAll(async () => {
  fx = await writeBaselineFixture();
});

/** A push event and comment: never: nothing but the gate, its summary, its report and its log. */
function gate(inputs: Record<string, string>): Promise<ActionRun> {
  return runBundledAction({ inputs: { targets: fx.targetsFile, comment: 'never', cache: 'false', ...inputs }, event: pushEvent() });
}

const reportOf = (run: ActionRun) => JSON.parse(readFileSync(run.outputs.report, 'utf8')) as Report;

test('baseline-images: the report and the job summary carry the verdicts that changed', async () => {
  const run = await gate({ images: fx.cuda124, 'baseline-images': fx.cuda118 });
  expect(run.code).toBe(1);
  const report = reportOf(run);
  expect(report.transitions?.map((t) => `${t.target}: ${t.from} → ${t.to}`)).toEqual(['t4-470: caveat → fail', 'r520: pass → fail', 'r535: pass → caveat']);
  expect(report.summary.worsened).toBe(3);
  expect(run.summary).toContain('r520: pass → fail (DRIVER&#95;TOO&#95;OLD)');
  expect(commands(run, 'warning')).toEqual([]);
});

test('fail-on-new: an image that already failed on the base branch passes the step; without it the step fails', async () => {
  const inputs = { images: fx.cuda118, 'baseline-images': fx.cuda124 };
  expect((await gate(inputs)).code).toBe(1);
  const run = await gate({ ...inputs, 'fail-on-new': 'true' });
  expect(run.code).toBe(0);
  expect(run.outputs.verdict).toBe('fail');
  expect(reportOf(run)).toMatchObject({ policy: { failOnNew: true }, summary: { fail: 1, worsened: 0, gatePassed: true } });
  // no failed step (the annotation of the image's known failure is annotations.ts's to level)
  expect(commands(run, 'error').filter((e) => e.startsWith('cuda-gate:'))).toEqual([]);
});

test('fail-on-new: a newly failing image fails the step, naming a result that got worse', async () => {
  const run = await gate({ images: fx.cuda124, 'baseline-images': fx.cuda118, 'fail-on-new': 'true' });
  expect(run.code).toBe(1);
  const failed = commands(run, 'error').find((e) => e.startsWith('cuda-gate: 3 failing'));
  expect(failed).toContain('fail-on-new: 3 worse than the base branch');
  // r450 failed on the base branch too: the line names t4-470, the first result that got worse to a fail
  expect(failed).toContain(`Worst: ${fx.cuda124} on t4-470: fail`);
});

test('a baseline the base branch never built: a warning and a note, and the step judged on the image', async () => {
  const run = await gate({ images: fx.cuda124, 'baseline-images': fx.missing, driver: '560.35.03', targets: '' });
  expect(run.code).toBe(0);
  const warnings = commands(run, 'warning');
  expect(warnings).toEqual([
    expect.stringMatching(/^cuda-gate: the baseline image .*never-built:main \(for .*\) could not be read, so .* is judged as a new image: /),
  ]);
  expect(reportOf(run).baselineMissing).toEqual([fx.missing]);
  expect(run.summary).toContain('could not be read');

  const failing = await gate({ images: fx.cuda124, 'baseline-images': fx.missing, 'fail-on-new': 'true' });
  expect(failing.code).toBe(1);
  expect(reportOf(failing).summary).toMatchObject({ fail: 3, worsened: 3, gatePassed: false });
});

test('fail-on-new without baseline-images: a warning that it has no effect', async () => {
  const run = await gate({ images: fx.cuda124, driver: '560.35.03', targets: '', 'fail-on-new': 'true' });
  expect(run.code).toBe(0);
  expect(commands(run, 'warning')).toEqual([expect.stringContaining('fail-on-new has no effect without baseline-images')]);
});

test('the input: true or false, anything else names it; action.yml declares it, false by default', () => {
  expect(getInputs({ INPUT_IMAGES: 'oci:x', 'INPUT_FAIL-ON-NEW': 'true' }).failOnNew).toBe(true);
  expect(getInputs({ INPUT_IMAGES: 'oci:x', 'INPUT_FAIL-ON-NEW': 'False' }).failOnNew).toBe(false);
  expect(getInputs({ INPUT_IMAGES: 'oci:x' }).failOnNew).toBe(false);
  expect(() => getInputs({ INPUT_IMAGES: 'oci:x', 'INPUT_FAIL-ON-NEW': 'maybe' })).toThrow('input "fail-on-new": "maybe" is not a boolean');
  const meta = parse(readFileSync(join(__dirname, '../../action.yml'), 'utf8')) as { inputs: Record<string, { default?: string; description: string }> };
  expect(meta.inputs['fail-on-new']).toMatchObject({ default: 'false' });
  expect(meta.inputs['fail-on-new'].description).toMatch(/worse than their baseline-images/);
});

test('a bad fail-on-new fails the step before any image is read', async () => {
  const run = await gate({ images: fx.cuda124, 'fail-on-new': 'yes' });
  expect(run.code).toBe(1);
  expect(commands(run, 'error')).toEqual([expect.stringContaining('input "fail-on-new": "yes" is not a boolean')]);
});
