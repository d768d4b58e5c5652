/**
 * Stage 3 entry point: config + merged filesystem -> every piece of evidence, de-duplicated, in a stable order
 * (config first, then by path), plus the image's NVIDIA_REQUIRE_* requirements and what was noticed on the way.
 * What runs is the detector list (detectors.ts); each gets the run's matrix from its context.
 */
import type { Finding } from '../common/findings';
import type { FileSystemView } from '../layers/types';
import type { ImageConfig } from '../sources/types';
import type { Matrix } from '../matrix/types';
import { DETECTORS } from './detectors';
import { collectRequirements } from './nvidia-require';
import type { Evidence } from './types';

export interface DetectedEvidence {
  evidence: Evidence[];
  findings: Finding[];
  requirements: ReturnType<typeof collectRequirements>;
}

/** A key equal for items that say exactly the same thing from the same place. */
function identity(ev: Evidence): string {
  const o = ev as unknown as Record<string, unknown>;
  return JSON.stringify(
    Object.keys(o)
      .sort()
      .map((k) => [k, o[k]]),
  );
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

/** `matrix`: the run's (it answers what a framework's files do not say: onnxruntime-gpu's CUDA). */
export function detectEvidence(config: ImageConfig, view: FileSystemView, matrix: Matrix): DetectedEvidence {
  const requirements = collectRequirements(config);
  const findings: Finding[] = [];
  const all: Evidence[] = [];
  const ctx = { config, view, matrix };
  for (const detector of DETECTORS) {
    const out = detector.detect(ctx);
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
