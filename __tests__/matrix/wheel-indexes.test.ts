/**
 * matrix/frameworks.yaml `wheelIndexes:`: PyTorch's index variants (download.pytorch.org/whl/cuXYZ) per release
 * range — the CUDA each is built with and the GPU code (SASS / PTX) its wheels carry — as `cuda-gate plan` reads them.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BadMatrixError, loadMatrix } from '../../src/matrix/load';
import { tempDir } from '../helpers/tmp';

const m = loadMatrix();

function problemsWith(edit: (text: string) => string): string[] {
  const dir = tempDir('cg-wheels-');
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

test('the torch indexes of 2.9–2.14, as the release notes cited in frameworks.yaml list them', () => {
  const rows = (m.wheelIndexes ?? []).map((r) => `${r.package} ${r.index} ${r.from}-${r.below} ${r.cuda} ${r.sass.join(';')}${r.ptx.length ? `+PTX ${r.ptx.join(';')}` : ''}`);
  expect(rows).toEqual([
    'torch cu126 2.9-2.11 12.6 5.0;6.0;7.0;7.5;8.0;8.6;9.0',
    'torch cu126 2.11-2.12 12.6 5.0;6.0;7.0;7.5;8.0;8.6;9.0',
    'torch cu126 2.12-2.14 12.6 5.0;6.0;7.0;7.5;8.0;8.6;9.0',
    'torch cu126 2.14-2.15 12.6 5.0;6.0;7.0;7.5;8.0;8.6;9.0',
    // 2.11 dropped Volta from cu128 (pytorch/pytorch#172352); 2.12 dropped cu128
    'torch cu128 2.9-2.11 12.8 7.0;7.5;8.0;8.6;9.0;10.0;12.0',
    'torch cu128 2.11-2.12 12.8.1 7.5;8.0;8.6;9.0;10.0;12.0',
    'torch cu130 2.9-2.11 13.0 7.5;8.0;8.6;9.0;10.0;12.0+PTX 12.0',
    'torch cu130 2.11-2.12 13.0.2 7.5;8.0;8.6;9.0;10.0;12.0+PTX 12.0',
    'torch cu130 2.12-2.14 13.0.2 7.5;8.0;8.6;9.0;10.0;12.0+PTX 12.0',
    'torch cu130 2.14-2.15 13.0 7.5;8.0;8.6;9.0;10.0;12.0+PTX 12.0',
    'torch cu132 2.12-2.14 13.2.1 7.5;8.0;8.6;9.0;10.0;12.0+PTX 12.0',
    'torch cu132 2.14-2.15 13.2 7.5;8.0;8.6;9.0;10.0;12.0+PTX 12.0',
  ]);
  for (const r of m.wheelIndexes ?? []) expect(r.source.length).toBeGreaterThan(40);
});

test('ranges of one index must not overlap', () => {
  const problems = problemsWith((t) => t.replace('{ package: torch, index: cu126, from: "2.11", below: "2.12"', '{ package: torch, index: cu126, from: "2.10", below: "2.12"'));
  expect(problems).toEqual([expect.stringMatching(/frameworks\.yaml:\d+: row \d+ \(cu126\): from "2\.10" overlaps the torch cu126 row from "2\.9" below "2\.11"$/)]);
});

test("an index's CUDA must be the one its name says", () => {
  const problems = problemsWith((t) => t.replace('index: cu132, from: "2.14", below: "2.15", cuda: "13.2"', 'index: cu132, from: "2.14", below: "2.15", cuda: "13.0"'));
  expect(problems).toEqual([expect.stringMatching(/row \d+ \(cu132\): cuda "13\.0" is not the CUDA of index cu132$/)]);
});
