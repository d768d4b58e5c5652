/**
 * A base branch and a pull request, as real OCI layouts: a CUDA 11.8 image and a CUDA 12.4 image (each a libcudart
 * and its CUDA_VERSION), and a fleet on which their verdicts differ. Judged on the fleet (runtime cdi):
 *
 * | target      | driver     | CUDA 11.8               | CUDA 12.4                      |
 * |-------------|------------|-------------------------|--------------------------------|
 * | r450        | 450.51.06  | fail (DRIVER_TOO_OLD)   | fail (DRIVER_TOO_OLD)          |
 * | t4-470      | 470.82.01  | caveat (MINOR_VERSION…) | fail (DRIVER_TOO_OLD)          |
 * | r520        | 520.61.05  | pass                    | fail (DRIVER_TOO_OLD)          |
 * | r535        | 535.104.05 | pass                    | caveat (MINOR_VERSION_COMPAT)  |
 * | r560        | 560.35.03  | pass                    | pass                           |
 *
 * 11.8 → 12.4 (a PR that moves to CUDA 12.4): t4-470 caveat → fail, r520 pass → fail, r535 pass → caveat; r450
 * fails before and after. 12.4 → 11.8 the other way round.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Matrix } from '../../src/matrix/types';
import type { Target } from '../../src/model/target';
import { adHocTarget } from '../../src/targets/load';
import { writeOciImage } from './oci-layout';
import { tempDir } from './tmp';

export const FLEET = { r450: '450.51.06', 't4-470': '470.82.01', r520: '520.61.05', r535: '535.104.05', r560: '560.35.03' } as const;

function cudart(version: string, env: string) {
  const [major, minor] = version.split('.');
  const lib = `usr/local/cuda-${major}.${minor}/targets/x86_64-linux/lib`;
  return {
    layers: [{ [`${lib}/libcudart.so.${version}`]: 'elf', [`${lib}/libcudart.so.${major}`]: { symlink: `libcudart.so.${version}` } }],
    env: { CUDA_VERSION: env },
  };
}

export interface BaselineFixture {
  /** oci: source of the CUDA 11.8 image */
  cuda118: string;
  /** oci: source of the CUDA 12.4 image */
  cuda124: string;
  /** an oci: source that does not exist: a base branch that never built the image */
  missing: string;
  /** a targets file with FLEET (runtime: cdi each) */
  targetsFile: string;
  dir: string;
}

export async function writeBaselineFixture(): Promise<BaselineFixture> {
  const dir = tempDir('cg-baseline-');
  await writeOciImage(join(dir, 'cuda118'), cudart('11.8.89', '11.8.0'), 'main');
  await writeOciImage(join(dir, 'cuda124'), cudart('12.4.127', '12.4.1'), 'pr');
  const targetsFile = join(dir, 'cuda-targets.yml');
  writeFileSync(
    targetsFile,
    `targets:\n${Object.entries(FLEET)
      .map(([name, driver]) => `  ${name}: { driver: ${driver}, runtime: cdi }\n`)
      .join('')}`,
  );
  return {
    cuda118: `oci:${join(dir, 'cuda118')}:main`,
    cuda124: `oci:${join(dir, 'cuda124')}:pr`,
    missing: `oci:${join(dir, 'never-built')}:main`,
    targetsFile,
    dir,
  };
}

/** FLEET as the engine's targets (what the targets file gives). */
export function fleetTargets(matrix: Matrix): Target[] {
  return Object.entries(FLEET).map(([name, driver]) => ({ ...adHocTarget({ driver, runtime: 'cdi' }, matrix), name }));
}
