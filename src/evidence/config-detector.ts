/**
 * The image config as a detector: the env vars and labels (config-evidence.ts), the requirement the NVIDIA container
 * toolkit makes of a bare CUDA_VERSION, and what is wrong with CUDA_VERSION or NVIDIA_DISABLE_REQUIRE. It reads no
 * file, so it declares no interest.
 */
import type { Finding } from '../common/findings';
import { configEvidence } from './config-evidence';
import type { Detector } from './detector';
import { collectRequirements } from './nvidia-require';
import type { DetectorOutput } from './origin';
import type { ImageConfig } from '../sources/types';

export function configDetectorOutput(config: ImageConfig): DetectorOutput {
  const requirements = collectRequirements(config);
  const findings: Finding[] = [];
  const evidence = configEvidence(config);

  const legacy = requirements.expressions.find((e) => e.synthesized);
  if (legacy && legacy.errors.length === 0) {
    evidence.push({
      kind: 'nvidia-require',
      from: 'config',
      key: 'env:CUDA_VERSION',
      confidence: 'inferred',
      value: legacy.raw,
      detail: 'no NVIDIA_REQUIRE_CUDA is set, so the NVIDIA container toolkit requires this from CUDA_VERSION',
    });
  }
  if (legacy && legacy.errors.length) {
    findings.push({ code: 'CUDA_VERSION_UNREADABLE', severity: 'error', message: legacy.errors[0] });
  }
  if (requirements.disableInvalid) {
    findings.push({
      code: 'NVIDIA_DISABLE_REQUIRE_INVALID',
      severity: 'warning',
      message: `NVIDIA_DISABLE_REQUIRE="${requirements.disableRaw}" is not a boolean the NVIDIA container toolkit accepts (1, t, true, TRUE, True, 0, f, false, …): it is treated as false and the NVIDIA_REQUIRE_* checks stay on`,
    });
  }
  return { evidence, findings };
}

export const configDetector: Detector = {
  id: 'config',
  version: 1,
  interests: [],
  detect: ({ config }) => configDetectorOutput(config),
};
