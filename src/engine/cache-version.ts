/**
 * The per-layer cache's version key: everything a cached layer analysis depends on — the tool, the layer walker, the
 * read limits, what the detectors keep. Any change files new results apart from the old ones. Nothing in it is
 * bumped by hand for a detector: what the detectors keep is the fingerprint of their declarations (ids, versions,
 * interests, caps; evidence/detector.ts), so changing what a detector reads changes the key by itself.
 *
 * The matrix is deliberately not part of it: a layer's analysis (its entries, the few file contents detectors keep,
 * the GPU code of its fatbins, the image history) never reads the matrix. Everything the matrix decides (which CUDA
 * a library or framework means, driver floors, verdicts) runs after the cache, on the merged layers, on every run,
 * so a data-only matrix update (or a user's matrix overrides) keeps every user's cache warm. A layer analysis that
 * starts to read the matrix must add what it reads here, explicitly.
 */
import { versionKey } from '../cache/keys';
import { detectorFingerprint, type Detector } from '../evidence/detector';
import { DETECTORS } from '../evidence/detectors';
import { DEFAULT_LAYER_LIMITS, LAYER_ANALYSIS_VERSION } from '../layers/analyse-layer';
import { TOOL_VERSION } from '../model/tool-version';

/** `detectors`: the declarations whose interests decide what a layer keeps (other than the shipped ones: tests). */
export function layerCacheVersion(toolVersion: string = TOOL_VERSION, detectors: readonly Detector[] = DETECTORS): string {
  return versionKey({
    tool: toolVersion,
    walker: LAYER_ANALYSIS_VERSION,
    limits: DEFAULT_LAYER_LIMITS,
    detectors: detectorFingerprint(detectors),
  });
}
