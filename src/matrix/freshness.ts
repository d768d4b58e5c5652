/**
 * Whether an image is newer than the matrix: a CUDA version or PTX ISA above everything the data knows is what a
 * stale cuda-gate looks like to its user, so the reason says so and how to get past it (still a caveat, never a pass).
 */
import { compareVersions, majorMinor } from '../common/dotted-version';
import type { Matrix } from './types';

export const FRESHNESS_FIX = 'upgrade cuda-gate or add a matrix override (--matrix-overrides)';

/**
 * "CUDA 13.6 is newer than this matrix (2026-11-23): upgrade cuda-gate or add a matrix override (--matrix-overrides)"
 * when `cuda` (a release, a component version like 13.6.20, or a major) is of a CUDA minor above every release the
 * matrix knows; undefined otherwise. A version inside a known minor (13.4.3 beside 13.4.2) or between known ones is
 * a gap in the data, not staleness.
 */
export function cudaNewerThanMatrix(m: Matrix, cuda: string): string | undefined {
  const newest = m.releases.reduce<string | undefined>((a, r) => (a === undefined || compareVersions(r.version, a) > 0 ? r.version : a), undefined);
  const family = majorMinor(cuda) ?? cuda;
  if (newest === undefined || compareVersions(family, majorMinor(newest) ?? newest) <= 0) return undefined;
  return `CUDA ${family} is newer than this matrix (${m.meta.date}): ${FRESHNESS_FIX}`;
}

/** The same for a PTX ISA version above every row of ptx.yaml. */
export function ptxNewerThanMatrix(m: Matrix, isa: string | undefined): string | undefined {
  const rows = m.ptxIsa ?? [];
  const newest = rows.reduce<string | undefined>((a, r) => (a === undefined || compareVersions(r.isa, a) > 0 ? r.isa : a), undefined);
  if (isa === undefined || newest === undefined || compareVersions(isa, newest) <= 0) return undefined;
  return `PTX ISA ${isa} is newer than this matrix (${m.meta.date}): ${FRESHNESS_FIX}`;
}
