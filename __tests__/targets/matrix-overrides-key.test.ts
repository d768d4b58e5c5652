/** `matrix-overrides: PATH` at the top of a targets file: read before the targets, relative to the file. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getInputs } from '../../src/action/inputs';
import { GateError } from '../../src/common/errors';
import { loadMatrix } from '../../src/matrix/load';
import { loadMatrixWithOverrides } from '../../src/matrix/overrides';
import { loadTargetsFile, parseTargets } from '../../src/targets/load';
import { NEW_RELEASE_AND_GPU } from '../helpers/matrix-overrides';
import { tempDir } from '../helpers/tmp';

const matrix = loadMatrix();

function targetsDir(targetsYaml: string): { dir: string; file: string } {
  const dir = tempDir('cg-targets-ov-');
  mkdirSync(join(dir, '.github'));
  writeFileSync(join(dir, '.github', 'cuda-matrix.yml'), NEW_RELEASE_AND_GPU);
  const file = join(dir, '.github', 'cuda-targets.yml');
  writeFileSync(file, targetsYaml);
  return { dir, file };
}

function errorOf(run: () => unknown): GateError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(GateError);
    return e as GateError;
  }
  throw new Error('no error');
}

test('the path is relative to the targets file; its rows are merged before the targets are read (a GPU it adds resolves)', () => {
  const { dir, file } = targetsDir('targets:\n  lab: { driver: 640.10.01, gpu: RTX 9090 }\nmatrix-overrides: cuda-matrix.yml\n');
  const overridesPath = join(dir, '.github', 'cuda-matrix.yml');

  const plain = loadTargetsFile(file, matrix);
  expect(plain.matrixOverrides).toBe(overridesPath);
  expect(plain.targets[0].gpu).toMatchObject({ input: 'RTX 9090', computeCapability: '12.0' });
  expect(plain.matrix.overrides?.map((o) => o.id)).toEqual(['13.9.0', '640', 'RTX 9090']);

  // a caller with overrides of its own is asked for the matrix, the file's first
  const asked: string[][] = [];
  const viaCaller = loadTargetsFile(file, (files) => {
    asked.push(files);
    return loadMatrixWithOverrides(files);
  });
  expect(asked).toEqual([[overridesPath]]);
  expect(viaCaller.targets[0].gpu?.gpu?.name).toBe('RTX 9090');

  // without the key the matrix is the one given
  const none = parseTargets('targets:\n  a: { driver: 550.54.15 }\n', 'cuda-targets.yml', matrix);
  expect(none.matrix).toBe(matrix);
  expect('matrixOverrides' in none).toBe(false);
});

test('a bad matrix-overrides value is BAD_TARGETS at its line; a bad file is BAD_MATRIX_OVERRIDES', () => {
  const { file } = targetsDir('targets:\n  a: { driver: 550.54.15 }\nmatrix-overrides: nowhere.yml\n');
  const missing = errorOf(() => loadTargetsFile(file, matrix));
  expect(missing.code).toBe('BAD_TARGETS');
  expect(missing.message).toMatch(/cuda-targets\.yml:3: matrix-overrides file nowhere\.yml not found/);
  expect(missing.hint).toMatch(/relative to the targets file/);

  const list = errorOf(() => parseTargets('matrix-overrides: [a.yml]\ntargets:\n  a: { driver: 550.54.15 }\n', 't.yml', matrix));
  expect(list.message).toMatch(/^t\.yml:1: "matrix-overrides:" must be the path of a YAML file/);

  const { dir, file: broken } = targetsDir('matrix-overrides: bad.yml\ntargets:\n  a: { driver: 550.54.15 }\n');
  writeFileSync(
    join(dir, '.github', 'bad.yml'),
    'gpus:\n  - { name: X1, computeCapability: "9.0", architecture: Hopper, segment: datacenter, datacenter: true, brands: [nvidia] }\n',
  );
  const bad = errorOf(() => loadTargetsFile(broken, matrix));
  expect(bad.code).toBe('BAD_MATRIX_OVERRIDES');
  expect(bad.message).toMatch(/bad\.yml:2: gpus row 1 \(X1\): source is missing/);
});

test('the action input matrix-overrides: one file per line (or comma-separated)', () => {
  const env = { INPUT_IMAGES: 'app:pr', 'INPUT_MATRIX-OVERRIDES': '.github/cuda-matrix.yml\n# a comment\nmore.yml' };
  expect(getInputs(env).matrixOverrides).toEqual(['.github/cuda-matrix.yml', 'more.yml']);
  expect(getInputs({ INPUT_IMAGES: 'app:pr' }).matrixOverrides).toEqual([]);
});
