/**
 * Stage 3 entry point: config + merged filesystem -> every piece of evidence, de-duplicated, in a stable order
 * (config first, then by path), plus the image's NVIDIA_REQUIRE_* requirements and what was noticed on the way.
 */
import type { Finding } from '../common/findings';
import type { FileSystemView } from '../layers/types';
import type { ImageConfig } from '../sources/types';
import type { Matrix } from '../matrix/types';
import { condaMetaEvidence } from './conda-meta';
import { configEvidence } from './config-evidence';
import { cudaVersionFileEvidence } from './cuda-version-files';
import { dpkgEvidence } from './dpkg-status';
import { gpuCodeEvidence } from './gpu-code';
import { libraryEvidence } from './library-files';
import { collectRequirements } from './nvidia-require';
import type { DetectorOutput } from './origin';
import { pipDistInfoEvidence } from './pip-dist-info';
import { pipFrameworkEvidence } from './pip-frameworks';
import { pixiEvidence } from './pixi';
import type { Evidence } from './types';

export interface DetectedEvidence {
  evidence: Evidence[];
  findings: Finding[];
  requirements: ReturnType<typeof collectRequirements>;
}

const FILE_DETECTORS: ((view: FileSystemView) => DetectorOutput)[] = [
  libraryEvidence,
  cudaVersionFileEvidence,
  dpkgEvidence,
  pipDistInfoEvidence,
  condaMetaEvidence,
  pixiEvidence,
  gpuCodeEvidence,
];

/** A key equal for items that say exactly the same thing from the same place. */
function identity(ev: Evidence): string {
  const o = ev as unknown as Record<string, unknown>;
  return JSON.stringify(Object.keys(o).sort().map((k) => [k, o[k]]));
}

const FROM_RANK: Record<Evidence['from'], number> = { config: 0, file: 1, package: 1 };

function compare(a: Evidence, b: Evidence): number {
  return (
    FROM_RANK[a.from] - FROM_RANK[b.from] ||
    cmp(a.path, b.path) ||
    cmp(a.key, b.key) ||
    cmp(a.kind, b.kind) ||
    cmp(a.package, b.package) ||
    cmp(a.component, b.component) ||
    cmp(a.version, b.version)
  );
}

function cmp(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  return a < b ? -1 : 1;
}

/** `matrix` answers what a framework's files do not say (onnxruntime-gpu's CUDA); default: the bundled matrix. */
export function detectEvidence(config: ImageConfig, view: FileSystemView, matrix?: Matrix): DetectedEvidence {
  const requirements = collectRequirements(config);
  const findings: Finding[] = [];
  const all: Evidence[] = [...configEvidence(config)];

  const legacy = requirements.expressions.find((e) => e.synthesized);
  if (legacy && legacy.errors.length === 0) {
    all.push({
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

  for (const detector of [...FILE_DETECTORS, (v: FileSystemView) => pipFrameworkEvidence(v, matrix)]) {
    const out = detector(view);
    all.push(...out.evidence);
    findings.push(...out.findings);
  }

  const seen = new Set<string>();
  const evidence: Evidence[] = [];
  for (const ev of all) {
    const id = identity(ev);
    if (seen.has(id)) continue;
    seen.add(id);
    evidence.push(ev);
  }
  // Array.prototype.sort is stable: items equal under compare keep the detectors' order
  evidence.sort(compare);
  return { evidence, findings, requirements };
}
