/** Reading a report back for a merge: a real report is accepted, anything else is BAD_REPORT naming the file. */
import { GateError } from '../../src/common/errors';
import { checkImages } from '../../src/engine/check';
import { loadMatrix } from '../../src/matrix/load';
import { parseReport } from '../../src/report/parse-report';
import { loadTargetsFile } from '../../src/targets/load';
import { DEFAULT_POLICY } from '../../src/model/policy';
import { DIGEST_A, image, report, target } from './merge-fixtures';

const FILE = 'reports/leg-2/cuda-gate-report.json';

function rejection(text: string): GateError {
  try {
    parseReport(text, FILE);
  } catch (e) {
    expect(e).toBeInstanceOf(GateError);
    expect((e as GateError).code).toBe('BAD_REPORT');
    expect((e as GateError).message).toContain(FILE);
    return e as GateError;
  }
  throw new Error('parseReport accepted it');
}

const valid = () => JSON.parse(JSON.stringify(report([image('app', DIGEST_A)], [target('l4', '550.54.15', 'L4')]))) as Record<string, unknown>;

test('a report the engine wrote is read back unchanged', async () => {
  const matrix = loadMatrix();
  const { targets, policy } = loadTargetsFile('examples/cuda-targets.yml', matrix);
  const written = await checkImages({
    sources: ['docker-archive:examples/images/cuda12.4-app.tar'],
    targets,
    policy: { ...DEFAULT_POLICY, ...policy },
    matrix,
  });
  const text = JSON.stringify(written, null, 2);
  expect(parseReport(text, FILE)).toEqual(JSON.parse(text));
});

test('fields added later pass through; a byte-order mark is tolerated', () => {
  const doc = { ...valid(), futureField: { x: 1 } };
  expect(parseReport(`\uFEFF${JSON.stringify(doc)}`, FILE)).toMatchObject({ futureField: { x: 1 } });
});

test('text that is not JSON names the file and says so', () => {
  expect(rejection('{"schemaVersion": 1, "tool": ').message).toMatch(/^reports\/leg-2\/cuda-gate-report\.json is not JSON: /);
  expect(rejection('').message).toContain('is not JSON');
});

test('JSON that is not a report names the file and what is wrong', () => {
  expect(rejection('[]').message).toContain('expected a JSON object');
  expect(rejection('{"name": "cuda-gate", "version": "0.1.0"}').message).toContain('schemaVersion is missing');
  expect(rejection(JSON.stringify({ ...valid(), schemaVersion: 2 })).message).toContain('schemaVersion 2, and this cuda-gate reads schemaVersion 1');
  expect(rejection(JSON.stringify({ ...valid(), tool: { name: 'trivy', version: '1' } })).message).toContain('tool.name is "trivy", not "cuda-gate"');
});

test('a missing or mistyped required field is named by its path', () => {
  const noDriver = valid();
  delete (noDriver.targets as Record<string, unknown>[])[0].driver;
  expect(rejection(JSON.stringify(noDriver)).message).toContain('targets[0].driver is missing (expected a string)');

  const badImages = { ...valid(), images: 'app' };
  expect(rejection(JSON.stringify(badImages)).message).toContain('images has the wrong type (expected an array)');

  const badVerdict = valid();
  (badVerdict.results as Record<string, unknown>[])[0].verdict = 'maybe';
  expect(rejection(JSON.stringify(badVerdict)).message).toContain('results[0].verdict is "maybe", not one of pass, caveat, fail');

  const badPolicy = { ...valid(), policy: { failOn: 'sometimes', noCuda: 'warn' } };
  expect(rejection(JSON.stringify(badPolicy)).message).toContain('policy.failOn');
});

test('a result pointing at an image or target the report does not have is rejected', () => {
  const stray = valid();
  (stray.results as Record<string, unknown>[])[0].image = 'elsewhere';
  expect(rejection(JSON.stringify(stray)).message).toContain('results[0].image "elsewhere" is not one of the report\'s images');
  const strayTarget = valid();
  (strayTarget.results as Record<string, unknown>[])[0].target = 'gone';
  expect(rejection(JSON.stringify(strayTarget)).message).toContain('results[0].target "gone" is not one of the report\'s targets');
});

test('the error carries a hint and exit code 2, like every bad input', () => {
  const e = rejection('nope');
  expect(e.exitCode).toBe(2);
  expect(e.toLine()).toContain('with schemaVersion 1');
});
