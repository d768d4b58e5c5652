/**
 * User matrix overrides (--matrix-overrides, the action's matrix-overrides input, matrix-overrides: in a targets
 * file): rows of the shipped tables merged over the shipped matrix, each with a source, every problem a
 * BAD_MATRIX_OVERRIDES error (exit 2) naming the file and line.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GateError } from '../../src/common/errors';
import { cudaNewerThanMatrix, ptxNewerThanMatrix } from '../../src/matrix/freshness';
import { loadMatrix } from '../../src/matrix/load';
import { BadMatrixOverridesError, loadMatrixWithOverrides } from '../../src/matrix/overrides';
import { findGpu } from '../../src/matrix/queries';
import { adHocTarget } from '../../src/targets/load';
import { NEW_RELEASE_AND_GPU } from '../helpers/matrix-overrides';
import { tempDir } from '../helpers/tmp';

const shipped = loadMatrix();

function file(text: string, name = 'overrides.yml'): string {
  const path = join(tempDir('cg-overrides-'), name);
  writeFileSync(path, text);
  return path;
}

function problemsOf(...files: string[]): string[] {
  try {
    loadMatrixWithOverrides(files);
  } catch (e) {
    expect(e).toBeInstanceOf(BadMatrixOverridesError);
    expect((e as GateError).code).toBe('BAD_MATRIX_OVERRIDES');
    expect((e as GateError).exitCode).toBe(2);
    return (e as BadMatrixOverridesError).problems;
  }
  throw new Error('the overrides loaded although they are broken');
}


describe('merging over the shipped matrix', () => {
  test('new ids are added, with the source resolved and confirmed defaulting to true; the report rows say so', () => {
    expect(shipped.releases.some((r) => r.version === '13.9.0')).toBe(false);
    const path = file(NEW_RELEASE_AND_GPU);
    const m = loadMatrixWithOverrides([path]);
    const release = m.releases.find((r) => r.version === '13.9.0')!;
    expect(release).toMatchObject({ linuxDriver: '640.10.01', cudart: ['13.9.30'], confirmed: true });
    expect(release.source).toMatch(/^CUDA 13.9 release notes/);
    expect(m.releases[m.releases.length - 1].version).toBe('13.9.0');
    expect(m.driverBranches.find((b) => b.branch === 640)?.cuda).toBe('13.9');
    expect(m.overrides).toEqual([
      { file: path, table: 'releases', id: '13.9.0', action: 'added', source: expect.stringMatching(/^CUDA 13.9 release notes/) },
      { file: path, table: 'branches', id: '640', action: 'added', source: expect.stringMatching(/^CUDA 13.9 release notes/) },
      { file: path, table: 'gpus', id: 'RTX 9090', action: 'added', source: 'nvidia-smi -q on our lab machine' },
    ]);
    // the shipped matrix itself is untouched
    expect(loadMatrix()).toBe(shipped);
    expect(shipped.overrides).toBeUndefined();
    expect(findGpu(shipped, 'RTX 9090')?.catalogued).toBeFalsy();
  });

  test('an added GPU resolves by name and alias, as --gpu and gpu: in a targets file use it', () => {
    const m = loadMatrixWithOverrides([file(NEW_RELEASE_AND_GPU)]);
    expect(findGpu(m, 'geforce rtx 9090')).toMatchObject({ name: 'RTX 9090', computeCapability: '12.0', catalogued: true });
    expect(adHocTarget({ driver: '640.10.01', gpu: 'RTX 9090' }, m).gpu).toMatchObject({ computeCapability: '12.0', architecture: 'Blackwell' });
    expect(() => adHocTarget({ driver: '640.10.01', gpu: 'RTX 9090' }, shipped)).toThrow(/unknown GPU "RTX 9090"/);
  });

  test('a row with a shipped id replaces the shipped row (releases by version, GPUs by name, archs by toolkit)', () => {
    const before = shipped.releases.find((r) => r.version === '12.4.1')!;
    const archs129 = shipped.toolkitArchs!.filter((a) => a.toolkit === '12.9');
    expect(archs129.length).toBeGreaterThan(1);
    const m = loadMatrixWithOverrides([
      file(`releases:
  - { version: "12.4.1", label: CUDA 12.4 Update 1 (ours), linuxDriver: "550.99.99", source: our own testing, confirmed: false }
gpus:
  - { name: A100, computeCapability: "8.0", architecture: Ampere, segment: datacenter, datacenter: true, brands: [tesla, nvidia], source: our own notes }
toolkitArchs:
  - { toolkit: "12.9", added: [sm_103], source: our own notes }
`),
    ]);
    const after = m.releases.filter((r) => r.version === '12.4.1');
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ linuxDriver: '550.99.99', confirmed: false, label: 'CUDA 12.4 Update 1 (ours)', cudart: [] });
    expect(after[0].linuxDriver).not.toBe(before.linuxDriver);
    expect(m.releases).toHaveLength(shipped.releases.length);
    expect(m.gpus.filter((g) => g.name === 'A100')).toHaveLength(1);
    expect(m.gpus.find((g) => g.name === 'A100')!.aliases).toEqual([]);
    expect(m.toolkitArchs!.filter((a) => a.toolkit === '12.9')).toEqual([expect.objectContaining({ added: ['sm_103'], source: 'our own notes' })]);
    expect(m.overrides!.map((o) => [o.table, o.id, o.action])).toEqual([
      ['releases', '12.4.1', 'replaced'],
      ['gpus', 'A100', 'replaced'],
      ['toolkitArchs', '12.9', 'replaced'],
    ]);
  });

  test('several files apply in order: a later row replaces an earlier file\'s row of the same id', () => {
    const first = file(NEW_RELEASE_AND_GPU, 'first.yml');
    const second = file(`releases:
  - { version: "13.9.0", label: CUDA 13.9 GA, linuxDriver: "640.20.02", source: second file }
`, 'second.yml');
    const m = loadMatrixWithOverrides([first, second]);
    expect(m.releases.filter((r) => r.version === '13.9.0')).toEqual([expect.objectContaining({ linuxDriver: '640.20.02', source: 'second file' })]);
    expect(m.overrides!.filter((o) => o.table === 'releases')).toEqual([
      { file: second, table: 'releases', id: '13.9.0', action: 'added', source: 'second file' },
    ]);
    expect(m.overrides!.map((o) => o.table)).toEqual(['branches', 'gpus', 'releases']);
  });
});

describe('bad overrides: exit 2, file:line and the fix', () => {
  test('a row without source is refused, naming the file, line, row and the fix', () => {
    const path = file(`gpus:
  - name: RTX 9090
    computeCapability: "12.0"
    architecture: Blackwell
    segment: consumer
    datacenter: false
    brands: [geforce]
`);
    const problems = problemsOf(path);
    expect(problems).toEqual([expect.stringContaining(`${path}:2: gpus row 1 (RTX 9090): source is missing`)]);
    expect(problems[0]).toMatch(/add source: with a URL or document/);
    const e = (() => {
      try {
        loadMatrixWithOverrides([path]);
      } catch (err) {
        return err as GateError;
      }
      throw new Error('loaded');
    })();
    expect(e.toLine()).toMatch(/README "Matrix overrides"/);
  });

  test('unknown fields, wrong types, bad YAML, unknown tables and meta are refused with their lines', () => {
    expect(problemsOf(file(`releases:\n  - { version: "13.9.0", label: x, linuxDriver: "640.10.01", source: s t, driver: "640" }\n`))).toEqual([
      expect.stringMatching(/overrides\.yml:2: row 1 \(13\.9\.0\): unknown field "driver" \(known: version, label, linuxDriver/),
    ]);
    expect(problemsOf(file(`releases:\n  - version: "13.9.0"\n    label: x\n    linuxDriver: 640\n    source: s t\n`))).toEqual([
      expect.stringMatching(/overrides\.yml:4: row 1 \(13\.9\.0\): linuxDriver /),
    ]);
    expect(problemsOf(file(`releases:\n  - { version: "13.9.0", label: x\n`))).toEqual([expect.stringMatching(/overrides\.yml:\d+: YAML syntax error/)]);
    expect(problemsOf(file(`sources: {}\ncudas:\n  - { version: "13.9.0" }\n`))).toEqual([
      expect.stringMatching(/overrides\.yml:\d: unknown top-level key "cudas" \(expected releases, majors, branches, gpus, toolkitArchs/),
    ]);
    expect(problemsOf(file(`meta: { version: "2099.01.01" }\n`))[0]).toMatch(/overrides\.yml:1: unknown top-level key "meta" \(the matrix version and date are not overridden\)/);
    expect(problemsOf(file(`releases: []\n`))).toEqual([expect.stringMatching(/overrides\.yml:1: "releases" must be a non-empty list of rows/)]);
    expect(problemsOf(file(`# nothing yet\nsources: { a: b }\n`))).toEqual([expect.stringMatching(/no override rows/)]);
    expect(problemsOf(join(tempDir(), 'missing.yml'))).toEqual([expect.stringMatching(/missing\.yml: matrix overrides file not found/)]);
  });

  test('merged rows meet the checks across rows and files: branches must exist, names stay unique', () => {
    const [branch] = problemsOf(
      file(`gpus:\n  - { name: RTX 9090, computeCapability: "12.0", architecture: Blackwell, segment: consumer, datacenter: false, brands: [geforce], firstDriverBranch: 641, source: s t }\n`),
    );
    expect(branch).toMatch(/overrides\.yml:2: row 1 \(RTX 9090\): firstDriverBranch 641 is not a branch in drivers\.yaml/);
    const [clash] = problemsOf(
      file(`gpus:\n  - { name: RTX 9090, aliases: [A100], computeCapability: "12.0", architecture: Blackwell, segment: consumer, datacenter: false, brands: [geforce], source: s t }\n`),
    );
    expect(clash).toMatch(/overrides\.yml:2: row 1 \(RTX 9090\): name "a100" repeats .*gpus\.yaml/);
    const [major] = problemsOf(file(`releases:\n  - { version: "19.0.0", label: CUDA 19.0, linuxDriver: "900.10.01", source: s t }\n`));
    expect(major).toMatch(/overrides\.yml:2: row 1 \(19\.0\.0\): version has no CUDA 19 row in majors\.yaml/);
    // adding the major in the same file makes it whole
    const m = loadMatrixWithOverrides([
      file(`releases:\n  - { version: "19.0.0", label: CUDA 19.0, linuxDriver: "900.10.01", source: s t }\nmajors:\n  - { major: 19, minorVersionCompat: true, minorCompatFloor: "900.10.01", source: s t }\n`),
    ]);
    expect(m.majors.find((x) => x.major === 19)).toBeDefined();
  });
});

describe('freshness: newer than every row the matrix knows', () => {
  test('a CUDA version above every release names the matrix date and both ways out; one inside the data does not', () => {
    const fix = 'upgrade cuda-gate or add a matrix override (--matrix-overrides)';
    expect(cudaNewerThanMatrix(shipped, '13.9.30')).toBe(`CUDA 13.9 is newer than this matrix (${shipped.meta.date}): ${fix}`);
    expect(cudaNewerThanMatrix(shipped, '19')).toBe(`CUDA 19 is newer than this matrix (${shipped.meta.date}): ${fix}`);
    expect(cudaNewerThanMatrix(shipped, '12.4.99')).toBeUndefined();
    expect(cudaNewerThanMatrix(shipped, '13')).toBeUndefined();
    expect(cudaNewerThanMatrix(shipped, shipped.releases[shipped.releases.length - 1].version)).toBeUndefined();
    const newestIsa = shipped.ptxIsa![shipped.ptxIsa!.length - 1].isa;
    expect(ptxNewerThanMatrix(shipped, '99.0')).toBe(`PTX ISA 99.0 is newer than this matrix (${shipped.meta.date}): ${fix}`);
    expect(ptxNewerThanMatrix(shipped, newestIsa)).toBeUndefined();
    // an override that adds the release ends the staleness
    expect(cudaNewerThanMatrix(loadMatrixWithOverrides([file(NEW_RELEASE_AND_GPU)]), '13.9.30')).toBeUndefined();
  });
});
