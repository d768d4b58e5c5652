/**
 * Python frameworks installed with pip, uv, conda or pixi into any site-packages / dist-packages directory, and the
 * CUDA each was built for: torch, tensorflow, paddlepaddle from their generated build files, the rest from their
 * names (jax-cuda12-plugin, cupy-cuda12x, tensorrt-cu12, `+cuXYZ` tags) or, where only a version says it
 * (onnxruntime-gpu, vllm), from matrix/frameworks.yaml. CPU-only builds are listed with no `cuda`.
 */
import type { Finding } from '../common/findings';
import type { FileSystemView } from '../layers/types';
import type { Matrix } from '../matrix/types';
import type { Detector } from './detector';
import type { DetectorOutput } from './origin';
import { paddleEvidence } from './paddle';
import { DIST_INFO_DIR, DIST_INFO_METADATA } from './pip-dist-info';
import { collectSitePackages, MODULE_FILE_MAX_BYTES, MODULE_FILE_NAMES, MODULE_FILE_RE } from './site-packages';
import { tensorflowEvidence } from './tensorflow';
import { torchEvidence } from './torch';
import type { Evidence } from './types';
import { namedWheelEvidence } from './wheel-frameworks';

/** `matrix`: the one the run uses (frameworks whose CUDA only the matrix knows: onnxruntime-gpu, vllm). */
export function pipFrameworkEvidence(view: FileSystemView, matrix: Matrix): DetectorOutput {
  const evidence: Evidence[] = [];
  const findings: Finding[] = [];
  for (const sp of collectSitePackages(view)) {
    for (const out of [torchEvidence(sp), tensorflowEvidence(sp, matrix), paddleEvidence(sp)]) {
      evidence.push(...out.evidence);
      findings.push(...out.findings);
    }
    evidence.push(...namedWheelEvidence(sp.dists.values(), matrix));
  }
  return { evidence, findings };
}

export const pipFrameworkDetector: Detector = {
  id: 'pip-frameworks',
  version: 1,
  interests: [
    DIST_INFO_DIR,
    DIST_INFO_METADATA,
    {
      what: 'generated build files: torch/version.py, tensorflow/python/platform/build_info.py, paddle/version/__init__.py',
      select: { name: MODULE_FILE_NAMES },
      claims: true,
      where: { pathRe: MODULE_FILE_RE },
      keep: { content: MODULE_FILE_MAX_BYTES },
    },
  ],
  detect: ({ view, matrix }) => pipFrameworkEvidence(view, matrix),
};
