/** Which files the aggregate's `reports:` lines name: globs, directories, plain files; in a predictable order. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { globRegex, matchReportFiles } from '../../src/action/report-files';
import { tempDir } from '../helpers/tmp';

let root: string;

beforeAll(() => {
  root = tempDir('cuda-gate-report-files-');
  for (const file of [
    'reports/cuda-gate-trainer/cuda-gate-report.json',
    'reports/cuda-gate-inference/cuda-gate-report.json',
    'reports/cuda-gate-inference/nested/extra.json',
    'reports/cuda-gate-inference/notes.txt',
    'reports/.git/config.json',
    'single.json',
    'cuda-gate-report.json',
  ]) {
    mkdirSync(join(root, file, '..'), { recursive: true });
    writeFileSync(join(root, file), '{}');
  }
});

const names = (patterns: string[], exclude: string[] = []) => matchReportFiles(patterns, root, exclude).files.map((f) => f.name);

test('** crosses directories, * and ? stay within one', () => {
  expect(names(['reports/**/*.json'])).toEqual([
    'reports/cuda-gate-inference/cuda-gate-report.json',
    'reports/cuda-gate-inference/nested/extra.json',
    'reports/cuda-gate-trainer/cuda-gate-report.json',
  ]);
  expect(names(['reports/*/cuda-gate-report.json'])).toEqual([
    'reports/cuda-gate-inference/cuda-gate-report.json',
    'reports/cuda-gate-trainer/cuda-gate-report.json',
  ]);
  expect(names(['reports/cuda-gate-?rainer/*.json'])).toEqual(['reports/cuda-gate-trainer/cuda-gate-report.json']);
});

test('a directory means every .json beneath it; a plain path is that file', () => {
  expect(names(['reports/cuda-gate-inference'])).toEqual([
    'reports/cuda-gate-inference/cuda-gate-report.json',
    'reports/cuda-gate-inference/nested/extra.json',
  ]);
  expect(names(['single.json'])).toEqual(['single.json']);
  expect(names([join(root, 'single.json')])).toEqual(['single.json']);
});

test("patterns keep their order, each file is read once, and the aggregate's own output is never an input", () => {
  expect(names(['single.json', 'reports/cuda-gate-trainer', '*.json'], ['cuda-gate-report.json'])).toEqual([
    'single.json',
    'reports/cuda-gate-trainer/cuda-gate-report.json',
  ]);
});

test('patterns that match nothing are listed for a warning', () => {
  const { files, unmatched } = matchReportFiles(['missing/**/*.json', 'nope.json', 'single.json'], root);
  expect(files.map((f) => f.name)).toEqual(['single.json']);
  expect(unmatched).toEqual(['missing/**/*.json', 'nope.json']);
});

test('glob special characters other than * and ? are literal', () => {
  expect(globRegex('a+b(1).json').test('a+b(1).json')).toBe(true);
  expect(globRegex('cuda-gate-*').test('cuda-gate-trainer')).toBe(true);
  expect(globRegex('cuda-gate-*').test('other')).toBe(false);
  expect(globRegex('**/x.json').test('x.json')).toBe(true);
  expect(globRegex('**/x.json').test('a/b/x.json')).toBe(true);
});
