/** One evidence item about a framework build (pip or conda), built the same way by every framework detector. */
import type { FileEntry } from '../layers/types';
import { originOf } from './origin';
import type { Evidence, EvidenceKind } from './types';

/** `detail` of a build that carries no CUDA: it must never count as a CUDA need. */
export const CPU_ONLY = 'CPU-only build';

export interface BuildFacts {
  /** package as installed: "torch", "tensorflow", "pytorch" (conda) */
  package: string;
  version?: string;
  /** CUDA it was built for; absent for CPU/ROCm builds and where it could not be read */
  cuda?: string;
  cudnn?: string;
  /** no CUDA: "CPU-only build", "ROCm build (no CUDA)", … */
  noCuda?: string;
  gpuArchs?: Evidence['gpuArchs'];
  confidence: Evidence['confidence'];
  /** the text the CUDA was read from: "cuda: Optional[str] = '12.1'", "2.4.0+cu121" */
  value?: string;
  detail?: string;
}

/**
 * `entry` is the file the deciding fact was read from (its layer is the origin); `path` overrides the cited path
 * (a dist-info directory rather than its METADATA).
 */
export function buildEvidence(facts: BuildFacts, entry: FileEntry, opts: { kind?: EvidenceKind; path?: string; component?: string } = {}): Evidence {
  const ev: Evidence = {
    kind: opts.kind ?? 'framework',
    from: 'package',
    package: facts.package,
    ...originOf(entry),
    confidence: facts.confidence,
    component: opts.component ?? facts.package,
  };
  if (opts.path) ev.path = opts.path;
  if (facts.version !== undefined) ev.version = facts.version;
  if (facts.noCuda !== undefined) {
    ev.detail = facts.noCuda;
  } else {
    if (facts.cuda !== undefined) ev.cuda = facts.cuda;
    if (facts.detail !== undefined) ev.detail = facts.detail;
  }
  if (facts.cudnn !== undefined) ev.cudnn = facts.cudnn;
  if (facts.gpuArchs) ev.gpuArchs = facts.gpuArchs;
  if (facts.value !== undefined) ev.value = facts.value;
  return ev;
}
