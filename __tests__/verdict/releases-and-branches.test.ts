/**
 * Toolkit releases and driver branches of matrix/toolkits.yaml and drivers.yaml (issue 14): each test names the row
 * it rests on and shows, on a copy of the matrix without that row, that the answer changes.
 */
import { loadMatrix } from '../../src/matrix/load';
import { cudaForDriver } from '../../src/matrix/queries';
import type { Matrix } from '../../src/matrix/types';
import { deriveRequirement } from '../../src/requirement/derive';
import { adHocTarget } from '../../src/targets/load';
import { judge } from '../../src/verdict/judge';
import { DEFAULT_POLICY } from '../../src/model/policy';
import { cudartFile } from '../helpers/evidence';

const matrix = loadMatrix();

const cudart = cudartFile;

function check(m: Matrix, version: string, driver: string) {
  const requirement = deriveRequirement({ evidence: [cudart(version)], require: { expressions: [], disabled: false }, layers: [{ digest: 'sha256:l0' }] }, m);
  const result = judge({ image: 'img', requirement, target: adHocTarget({ driver }, m), policy: DEFAULT_POLICY }, m);
  return { requirement, result, reason: (code: string) => result.reasons.find((r) => r.code === code) };
}

const withoutRelease = (version: string): Matrix => ({ ...matrix, releases: matrix.releases.filter((r) => r.version !== version) });
const withoutBranch = (branch: number): Matrix => ({ ...matrix, driverBranches: matrix.driverBranches.filter((b) => b.branch !== branch) });

describe('toolkit row 13.5.0', () => {
  test('a cudart 13.5.37 image resolves to 13.5 and needs the R620 floor', () => {
    const { requirement, result, reason } = check(matrix, '13.5.37', '615.71.09');
    expect(requirement.needs[0]).toMatchObject({ releases: ['13.5.0'], minDriver: '620.70.06', unknown: false });
    expect(result.reasons.map((r) => r.code)).not.toContain('UNKNOWN_CUDA_RELEASE');
    // an R615 driver runs it only through minor-version compatibility (13.x >= 580)
    expect(reason('MINOR_VERSION_COMPAT')?.message).toContain('R620');
    expect(check(matrix, '13.5.37', '620.70.06').result.verdict).toBe('pass');
  });

  test('without the row the same image is UNKNOWN_CUDA_RELEASE', () => {
    const { requirement, reason } = check(withoutRelease('13.5.0'), '13.5.37', '615.71.09');
    expect(requirement.needs[0]).toMatchObject({ releases: [], unknown: true });
    expect(reason('UNKNOWN_CUDA_RELEASE')).toBeDefined();
  });
});

describe('driver branch row R620', () => {
  test('an R620 driver reports CUDA 13.5', () => {
    expect(cudaForDriver(matrix, '620.70.06')).toMatchObject({ cuda: '13.5', beyondKnown: false });
    expect(cudaForDriver(matrix, '620.70.06').branch?.branch).toBe(620);
  });

  test('without the row it would answer from R615: 13.4', () => {
    expect(cudaForDriver(withoutBranch(620), '620.70.06')).toMatchObject({ cuda: '13.4', beyondKnown: true });
  });
});

describe('releases for which NVIDIA names only a driver branch (13.4 on)', () => {
  const r615 = 'R615 (NVIDIA names only the branch; 615.71.09 is its first public driver found)';

  test('the minimum driver of a 13.4 image is printed as the branch, with its stand-in driver', () => {
    const { reason } = check(matrix, '13.4.92', '610.57.04');
    const mvc = reason('MINOR_VERSION_COMPAT')!;
    expect(mvc.message).toContain(`wants driver >= ${r615}`);
    expect(mvc.remedy).toContain(`>= ${r615}`);
  });

  test('a driver too old for 13.5 is told the R620 branch, and the minor-version floor', () => {
    const tooOld = check(matrix, '13.5.37', '575.57.08').reason('DRIVER_TOO_OLD')!;
    expect(tooOld.message).toContain('needs driver >= R620 (NVIDIA names only the branch; 620.70.06 is its first public driver found)');
    expect(tooOld.remedy).toContain('>= 580.65.06 (minor-version compatibility; >= R620 (NVIDIA names only the branch');
  });

  test('a release with a Table 3 minimum is printed as a plain driver', () => {
    expect(check(matrix, '13.2.75', '590.48.01').reason('MINOR_VERSION_COMPAT')!.message).toContain('wants driver >= 595.58.03;');
  });

  test('without linuxDriverBranch on the row the message is a plain driver', () => {
    const m: Matrix = {
      ...matrix,
      releases: matrix.releases.map((r) => (r.version === '13.4.2' ? { ...r, linuxDriverBranch: undefined } : r)),
    };
    const message = check(m, '13.4.92', '610.57.04').reason('MINOR_VERSION_COMPAT')!.message;
    expect(message).toContain('wants driver >= 615.71.09;');
    expect(message).not.toContain('names only the branch');
  });
});

describe('DRIVER_BRANCH_EOL', () => {
  test('R535 is past its end of life as of the matrix date: informational, the verdict is unchanged', () => {
    const { result, reason } = check(matrix, '12.2.140', '535.104.05');
    const eol = reason('DRIVER_BRANCH_EOL')!;
    expect(eol).toMatchObject({ verdict: 'pass', message: 'R535 reached end of life (2026-06): NVIDIA no longer ships fixes for it' });
    expect(eol.remedy).toContain('R620 (LTSB, end of life 2029-09)');
    expect(eol.runtime).toBeUndefined();
    expect(result.verdict).toBe('pass');
  });

  test('R580 is not', () => {
    expect(check(matrix, '13.0.48', '580.65.06').reason('DRIVER_BRANCH_EOL')).toBeUndefined();
  });

  test('the matrix date decides, not the wall clock', () => {
    const before: Matrix = { ...matrix, meta: { ...matrix.meta, date: '2026-06-30' } };
    expect(check(before, '12.2.140', '535.104.05').reason('DRIVER_BRANCH_EOL')).toBeUndefined();
  });

  test('without the row (no eol) there is no end-of-life reason', () => {
    expect(check(withoutBranch(535), '12.2.140', '535.104.05').reason('DRIVER_BRANCH_EOL')).toBeUndefined();
  });
});
