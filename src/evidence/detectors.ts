/**
 * The one list of detectors. The layer walker's interest function and the per-layer cache's fingerprint are derived
 * from it (detector.ts): adding a detector, or changing what one reads, needs nothing else.
 */
import { condaMetaDetector } from './conda-meta';
import { configDetector } from './config-detector';
import { cudaVersionFileDetector } from './cuda-version-files';
import { checkDetectors, detectorFingerprint, interestFnOf, type Detector } from './detector';
import { dpkgDetector } from './dpkg-status';
import { gpuCodeDetector } from './gpu-code';
import { libraryDetector } from './library-files';
import { pipDistInfoDetector } from './pip-dist-info';
import { pipFrameworkDetector } from './pip-frameworks';
import { pixiDetector } from './pixi';

/**
 * The loader's search path (requirement/loader.ts): /etc/ld.so.conf and the files it includes, kept with their text.
 * No evidence of their own.
 */
const ldSoConfDetector: Detector = {
  id: 'ld-so-conf',
  version: 1,
  interests: [{ what: 'the dynamic loader configuration (ld.so.conf, ld.so.conf.d/*)', select: { pathPrefix: ['etc/ld.so.conf'] }, keep: { content: 16384 } }],
  detect: () => ({ evidence: [], findings: [] }),
};

/** In the order they run (evidence equal under the final sort keeps it). */
export const DETECTORS: readonly Detector[] = Object.freeze([
  configDetector,
  libraryDetector,
  cudaVersionFileDetector,
  dpkgDetector,
  pipDistInfoDetector,
  condaMetaDetector,
  pixiDetector,
  gpuCodeDetector,
  pipFrameworkDetector,
  ldSoConfDetector,
]);

checkDetectors(DETECTORS);

/** Asked once per tar entry of every layer: what the detectors want kept of it. */
export const evidenceInterest = interestFnOf(DETECTORS);

/** What decides a layer analysis's result on the detectors' side, hashed: part of the layer-cache version key. */
export const DETECTOR_FINGERPRINT: string = detectorFingerprint(DETECTORS);
