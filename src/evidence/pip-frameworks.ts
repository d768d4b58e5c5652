/**
 * Python frameworks installed with pip, uv, conda or pixi into any site-packages / dist-packages directory, and the
 * CUDA each was built for: torch, tensorflow, paddlepaddle from their generated build files, the rest from their
 * names (jax-cuda12-plugin, cupy-cuda12x, tensorrt-cu12, `+cuXYZ` tags) or, where only a version says it
 * (onnxruntime-gpu, vllm), from matrix/frameworks.yaml. CPU-only builds are listed with no `cuda`.
 */
import type { Finding } from '../common/findings';
import type { FileSystemView } from '../layers/types';
import { loadMatrix } from '../matrix/load';
import type { Matrix } from '../matrix/types';
import type { DetectorOutput } from './origin';
import { paddleEvidence } from './paddle';
import { collectSitePackages } from './site-packages';
import { tensorflowEvidence } from './tensorflow';
import { torchEvidence } from './torch';
import type { Evidence } from './types';
import { namedWheelEvidence } from './wheel-frameworks';

/** The bundled matrix, or none (frameworks whose CUDA only the matrix knows are then listed without it). */
function defaultMatrix(): Matrix | undefined {
  try {
    return loadMatrix();
  } catch {
    return undefined;
  }
}

/** `matrix`: the one the run uses; without it, the bundled one. */
export function pipFrameworkEvidence(view: FileSystemView, matrix?: Matrix): DetectorOutput {
  const evidence: Evidence[] = [];
  const findings: Finding[] = [];
  const sites = collectSitePackages(view);
  if (!sites.length) return { evidence, findings };
  matrix ??= defaultMatrix();
  for (const sp of sites) {
    for (const out of [torchEvidence(sp), tensorflowEvidence(sp, matrix), paddleEvidence(sp)]) {
      evidence.push(...out.evidence);
      findings.push(...out.findings);
    }
    evidence.push(...namedWheelEvidence(sp.dists.values(), matrix));
  }
  return { evidence, findings };
}
