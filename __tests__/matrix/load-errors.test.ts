import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isGateError } from '../../src/common/errors';
import { BadMatrixError, loadMatrix } from '../../src/matrix/load';

const REPO_MATRIX = resolve(__dirname, '../../matrix');
const dirs: string[] = [];

function copyOfMatrix(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cuda-gate-matrix-'));
  dirs.push(dir);
  cpSync(REPO_MATRIX, dir, { recursive: true });
  return dir;
}

/** A copy of the real matrix with one file edited. */
function matrixWith(file: string, edit: (text: string) => string): string {
  const dir = copyOfMatrix();
  const path = join(dir, file);
  const before = readFileSync(path, 'utf8');
  const after = edit(before);
  if (after === before) throw new Error(`test edit changed nothing in ${file}`);
  writeFileSync(path, after);
  return dir;
}

function problemsOf(dir: string): string[] {
  try {
    loadMatrix(dir);
  } catch (e) {
    expect(isGateError(e) && e.code).toBe('BAD_MATRIX');
    return (e as BadMatrixError).problems;
  }
  throw new Error('the matrix loaded although it is broken');
}

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('a broken matrix is refused with file, line, row and field', () => {
  test('a malformed driver version is rejected', () => {
    const dir = matrixWith('toolkits.yaml', (t) => t.replace('linuxDriver: "550.54.15"', 'linuxDriver: "550.54.x"'));
    const [problem, ...rest] = problemsOf(dir);
    expect(rest).toEqual([]);
    expect(problem).toMatch(/toolkits\.yaml:\d+: row \d+ \(12\.4\.1\): linuxDriver "550\.54\.x" is not a driver version$/);
  });

  test('the thrown error carries the problem in its message', () => {
    const dir = matrixWith('toolkits.yaml', (t) => t.replace('linuxDriver: "550.54.15"', 'linuxDriver: "550.54.x"'));
    expect(() => loadMatrix(dir)).toThrow(/row \d+ \(12\.4\.1\): linuxDriver "550\.54\.x"/);
  });

  test('a release row without a source is rejected', () => {
    const dir = matrixWith('toolkits.yaml', (t) =>
      t.replace(/(version: "11\.8\.0"[\s\S]*?) {4}source: table3\n/, '$1'),
    );
    expect(problemsOf(dir)).toEqual([expect.stringMatching(/toolkits\.yaml:\d+: row \d+ \(11\.8\.0\): source is missing$/)]);
  });

  test('a source key that sources: does not define is rejected', () => {
    const dir = matrixWith('gpus.yaml', (t) => t.replace(/(name: A30[\s\S]*?)source: current-copy/, '$1source: current-cpoy'));
    expect(problemsOf(dir)).toEqual([
      expect.stringMatching(/gpus\.yaml:\d+: row \d+ \(A30\): source "current-cpoy" is not a key of sources: \(known: /),
    ]);
  });

  test('an unknown field is rejected and the known fields are listed', () => {
    const dir = matrixWith('gpus.yaml', (t) => t.replace('  - name: L4\n', '  - name: L4\n    computeCapabilty: "8.9"\n'));
    expect(problemsOf(dir)).toEqual([
      expect.stringMatching(/gpus\.yaml:\d+: row \d+ \(L4\): unknown field "computeCapabilty" \(known: name, aliases, computeCapability/),
    ]);
  });

  test('a YAML syntax error is reported with its line', () => {
    const dir = matrixWith('drivers.yaml', (t) => t.replace('{ branch: 384, cuda: "9.0",', '{ branch: 384, cuda: "9.0",,'));
    expect(problemsOf(dir)).toEqual([expect.stringMatching(/drivers\.yaml:\d+: YAML syntax error: /)]);
  });

  test('an unquoted version is rejected because YAML reads it as a number', () => {
    const dir = matrixWith('drivers.yaml', (t) => t.replace('branch: 570, cuda: "12.8"', 'branch: 570, cuda: 12.8'));
    expect(problemsOf(dir)).toEqual([
      expect.stringMatching(/drivers\.yaml:\d+: row \d+ \(570\): cuda 12\.8 must be a quoted string/),
    ]);
  });

  test('every problem is reported at once, not only the first', () => {
    const dir = matrixWith('majors.yaml', (t) =>
      t.replace('minorCompatFloor: "450.80.02"', 'minorCompatFloor: "450.80.0x"').replace('major: 13', 'major: thirteen'),
    );
    const problems = problemsOf(dir);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/row 3 \(11\): minorCompatFloor "450\.80\.0x" is not a driver version/),
        expect.stringMatching(/row 5 \(thirteen\): major "thirteen" is not a positive whole number/),
      ]),
    );
  });

  test('a repeated release version is rejected', () => {
    const dir = matrixWith('toolkits.yaml', (t) => t.replace('version: "12.4.0"', 'version: "12.4.1"'));
    expect(problemsOf(dir)).toEqual([expect.stringMatching(/row \d+ \(12\.4\.1\): version "12\.4\.1" repeats .*toolkits\.yaml/)]);
  });

  test('two GPUs answering to the same name are rejected', () => {
    const dir = matrixWith('gpus.yaml', (t) => t.replace('aliases: [Tesla T4]', 'aliases: [Tesla T4, A100]'));
    expect(problemsOf(dir)).toEqual([expect.stringMatching(/\(A100\): name "a100" repeats .*\(T4\)/)]);
  });

  test('a GPU pointing at a driver branch drivers.yaml does not list is rejected', () => {
    const dir = matrixWith('gpus.yaml', (t) => t.replace('lastDriverBranch: 470', 'lastDriverBranch: 471'));
    expect(problemsOf(dir)).toContainEqual(
      expect.stringMatching(/\(Tesla K80\): lastDriverBranch 471 is not a branch in drivers\.yaml/),
    );
  });

  test('a cudart version of another CUDA minor is rejected', () => {
    const dir = matrixWith('toolkits.yaml', (t) => t.replace('cudart: ["12.4.127"]', 'cudart: ["12.5.127"]'));
    expect(problemsOf(dir)).toEqual([expect.stringMatching(/\(12\.4\.1\): cudart "12\.5\.127" is not a CUDA 12\.4 component version/)]);
  });

  test('unconfirmedFields may only name fields the row has', () => {
    const dir = matrixWith('toolkits.yaml', (t) => t.replace('unconfirmedFields: [compatDriver]', 'unconfirmedFields: [compatDrvier]'));
    expect(problemsOf(dir)).toEqual([expect.stringMatching(/\(13\.3\.1\): unconfirmedFields names "compatDrvier"/)]);
  });

  test("a branch-only release whose linuxDriver is not of its linuxDriverBranch is rejected", () => {
    const dir = matrixWith('toolkits.yaml', (t) => t.replace('linuxDriverBranch: 620', 'linuxDriverBranch: 615'));
    expect(problemsOf(dir)).toEqual([expect.stringMatching(/\(13\.5\.0\): linuxDriverBranch 615 is not the branch of linuxDriver "620\.70\.06"/)]);
  });

  test('a missing matrix file is reported by name', () => {
    const dir = copyOfMatrix();
    rmSync(join(dir, 'archs.yaml'));
    expect(problemsOf(dir)).toEqual([expect.stringMatching(/archs\.yaml: file not found$/)]);
  });

  test('a misspelt matrix file name is not silently ignored', () => {
    const dir = copyOfMatrix();
    writeFileSync(join(dir, 'gpu.yaml'), 'gpus: []\n');
    expect(problemsOf(dir)).toEqual([expect.stringMatching(/gpu\.yaml: unknown matrix file/)]);
  });

  test('an unknown top-level key is rejected', () => {
    const dir = matrixWith('libraries.yaml', (t) => `${t}\nlibrarys: []\n`);
    expect(problemsOf(dir)).toEqual([expect.stringMatching(/libraries\.yaml:\d+: unknown top-level key "librarys"/)]);
  });

  test('archs.yaml holds three lists; another top-level key is rejected once, naming them', () => {
    const dir = matrixWith('archs.yaml', (t) => `${t}\nfamilys: []\n`);
    expect(problemsOf(dir)).toEqual([
      expect.stringMatching(/archs\.yaml:\d+: unknown top-level key "familys" \(expected toolkitArchs, families, aliases, sources\)$/),
    ]);
  });

  test('a compute capability in two families is rejected', () => {
    const dir = matrixWith('archs.yaml', (t) => t.replace('members: ["11.0"]', 'members: ["10.3", "11.0"]'));
    expect(problemsOf(dir)).toEqual([expect.stringMatching(/archs\.yaml:\d+: row 2 \(sm_11x\): members "10\.3" repeats .*row 1 \(sm_10x\)/)]);
  });

  test('family members out of order are rejected', () => {
    const dir = matrixWith('archs.yaml', (t) => t.replace('members: ["12.0", "12.1"]', 'members: ["12.1", "12.0"]'));
    expect(problemsOf(dir)).toEqual([expect.stringMatching(/row 3 \(sm_12x\): members are not ascending/)]);
  });

  test('an alias to a target of another suffix, or to an old name, is rejected', () => {
    const suffix = matrixWith('archs.yaml', (t) => t.replace('to: sm_110a', 'to: sm_110'));
    expect(problemsOf(suffix)).toEqual([expect.stringMatching(/archs\.yaml:\d+: row 2 \(sm_101a\): to "sm_110" has another suffix than from "sm_101a"$/)]);
    const chain = matrixWith('archs.yaml', (t) => t.replace('aliases:\n', 'aliases:\n  - from: sm_102\n    to: sm_101\n    source: thor-rename\n    confirmed: true\n'));
    expect(problemsOf(chain)).toEqual([expect.stringMatching(/archs\.yaml:\d+: row 1 \(sm_102\): to "sm_101" is itself an old name/)]);
  });

  test('a bad data date in meta.yaml is rejected', () => {
    const dir = matrixWith('meta.yaml', (t) => t.replace(/date: "[^"]+"/, 'date: "2026-13-45"'));
    expect(problemsOf(dir)).toEqual([expect.stringMatching(/meta\.yaml:\d+: date "2026-13-45" is not a date YYYY-MM-DD/)]);
  });
});
