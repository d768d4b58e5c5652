/** matrix/frameworks.yaml: which CUDA a framework release was built for, where its files do not say. */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BadMatrixError, loadMatrix } from '../../src/matrix/load';
import { frameworkBuild } from '../../src/matrix/framework-queries';

const m = loadMatrix();
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function problemsWith(edit: (text: string) => string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'cuda-gate-fw-'));
  dirs.push(dir);
  cpSync(resolve(__dirname, '../../matrix'), dir, { recursive: true });
  const file = join(dir, 'frameworks.yaml');
  writeFileSync(file, edit(readFileSync(file, 'utf8')));
  try {
    loadMatrix(dir);
  } catch (e) {
    return (e as BadMatrixError).problems;
  }
  return [];
}

test('every row names its source and says whether the research confirmed it', () => {
  expect(m.frameworks?.length).toBeGreaterThan(5);
  for (const r of m.frameworks ?? []) {
    expect({ row: `${r.package} ${r.from}`, sourced: r.source.length > 20, confirmed: typeof r.confirmed }).toEqual({
      row: `${r.package} ${r.from}`,
      sourced: true,
      confirmed: 'boolean',
    });
  }
});

test.each([
  ['onnxruntime-gpu', '1.20.1', '12'],
  ['onnxruntime-gpu', '1.19.0rc1', '12'],
  ['onnxruntime-gpu', '1.18.1', '11'],
  ['onnxruntime-gpu', '1.16.3', '11'],
  ['tensorflow', '2.16.1', '12.3'],
  ['tensorflow', '2.15.0.post1', '12.2'],
  ['tensorflow', '2.14.1', '11.8'],
  ['vllm', '0.5.3.post1', '12.1'],
  ['vllm', '0.6.0', undefined],
  ['tensorflow', '1.15.5', undefined],
  ['torch', '2.4.0', undefined],
])('%s %s is built for CUDA %s', (pkg, version, cuda) => {
  expect(frameworkBuild(m, pkg, version)?.cuda).toBe(cuda);
});

test('rows of one package must not overlap', () => {
  const problems = problemsWith((t) => t.replace('{ package: tensorflow, from: "2.16", below: "2.17"', '{ package: tensorflow, from: "2.15", below: "2.17"'));
  expect(problems).toEqual([expect.stringMatching(/frameworks\.yaml:\d+: row \d+ \(tensorflow\): from "2\.15" overlaps the tensorflow row from "2\.15" below "2\.16"$/)]);
});

test('a range that ends where it starts, and an unquoted CUDA version, are refused', () => {
  const problems = problemsWith((t) =>
    t.replace('from: "2.16", below: "2.17", cuda: "12.3"', 'from: "2.16", below: "2.16", cuda: 12.3'),
  );
  expect(problems).toEqual([expect.stringMatching(/cuda 12\.3 must be a quoted string/)]);
  expect(problemsWith((t) => t.replace('from: "2.16", below: "2.17"', 'from: "2.17", below: "2.16"'))).toEqual(
    expect.arrayContaining([expect.stringMatching(/below "2\.16" is not above from "2\.17"/)]),
  );
});
