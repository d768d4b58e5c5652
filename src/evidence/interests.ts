/**
 * Which tar entries the evidence detectors need, and the fingerprint of that for the per-layer cache. Both derived
 * from the detector declarations (detectors.ts); nothing here is written by hand.
 */
export { DETECTOR_FINGERPRINT as INTEREST_FINGERPRINT, evidenceInterest } from './detectors';
