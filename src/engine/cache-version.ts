/**
 * The per-layer cache's version key: everything a cached layer analysis depends on. Any change (a release, new
 * matrix data, a detector that keeps other files, a new cap) files new results apart from the old ones.
 */
import { versionKey } from '../cache/keys';
import { INTEREST_FINGERPRINT } from '../evidence/interests';
import { DEFAULT_LAYER_LIMITS, LAYER_ANALYSIS_VERSION } from '../layers/analyse-layer';
import type { Matrix } from '../matrix/types';
import { TOOL_VERSION } from '../report/build';

export function layerCacheVersion(matrix: Matrix, toolVersion: string = TOOL_VERSION): string {
  return versionKey({
    tool: toolVersion,
    matrix: matrix.meta.version,
    walker: LAYER_ANALYSIS_VERSION,
    limits: DEFAULT_LAYER_LIMITS,
    interest: INTEREST_FINGERPRINT,
  });
}
