/**
 * The GPU code list that covers a fleet when built with one CUDA release: SASS for each distinct compute capability
 * the toolkit can build for (its own, or a lower one of the same major), PTX for the newest entry so newer GPUs JIT
 * it, and PTX of a lower architecture for a GPU the toolkit cannot build SASS for (JIT, where the driver supports the
 * release fully). What a toolkit can build for is matrix/archs.yaml's.
 */
import { versionParts } from '../common/dotted-version';
import type { Matrix, ToolkitRelease } from '../matrix/types';
import type { Target } from '../model/target';
import { ccsOf, compareCc, reach, removedIn, supportOf } from './support';

export interface ArchEntry {
  /** compute capability: "8.0" */
  cc: string;
  sass: boolean;
  ptx: boolean;
}

export interface ArchPlan {
  /** the release the list is for: "11.4.4" */
  cuda: string;
  entries: ArchEntry[];
  /** TORCH_CUDA_ARCH_LIST: "3.7;7.0;8.0+PTX" */
  torchCudaArchList: string;
  /** CMAKE_CUDA_ARCHITECTURES: "37-real;70-real;80" (NN-real: SASS only; NN: SASS and PTX) */
  cmakeCudaArchitectures: string;
  /** GPUs that run the list's PTX by JIT: the toolkit cannot build SASS for them */
  jit: { cc: string; ptx: string; targets: string[] }[];
  /** GPUs the list does not reach, and why */
  uncovered: { cc: string; targets: string[]; why: string }[];
}

/** The list for `release` over the GPUs of `targets` (targets without a GPU add nothing). */
export function archPlan(m: Matrix, release: ToolkitRelease, targets: readonly Target[]): ArchPlan {
  const ccs = ccsOf(m, release.version);
  const byCc = new Map<string, Target[]>();
  for (const t of targets) if (t.gpu) byCc.set(t.gpu.computeCapability, [...(byCc.get(t.gpu.computeCapability) ?? []), t]);
  const sass = new Set<string>();
  const needPtx: { cc: string; targets: Target[] }[] = [];
  const uncovered: ArchPlan['uncovered'] = [];
  for (const [cc, ts] of [...byCc].sort(([a], [b]) => compareCc(a, b))) {
    const r = reach(ccs, cc);
    if (r.kind === 'sass') sass.add(r.cc);
    else if (r.kind === 'ptx') needPtx.push({ cc, targets: ts });
    else {
      const removed = removedIn(m, cc);
      uncovered.push({
        cc,
        targets: ts.map((t) => t.name),
        why: `CUDA ${release.version} cannot build for compute capability ${cc}${removed ? ` (sm_${cc.replace('.', '')} removed in CUDA ${removed}, matrix/archs.yaml)` : ''}${r.lowest ? `; its lowest target is ${r.lowest}` : ''}`,
      });
    }
  }
  // PTX: the newest SASS entry carries it; a GPU below every PTX entry needs one of its own (newest buildable below it)
  const ptx = new Set<string>();
  const newestSass = [...sass].sort(compareCc).pop();
  if (newestSass) ptx.add(newestSass);
  const jit: ArchPlan['jit'] = [];
  for (const need of needPtx) {
    let carrier = [...ptx]
      .filter((p) => compareCc(p, need.cc) <= 0)
      .sort(compareCc)
      .pop();
    if (!carrier) {
      carrier = ccs.filter((c) => compareCc(c, need.cc) <= 0).pop()!;
      ptx.add(carrier);
    }
    // PTX is JIT-compiled by the driver: only where it supports the release fully (or through forward compatibility)
    const noJit = need.targets.filter((t) => supportOf(m, t, release)?.mechanism === 'minorVersionCompat');
    const ok = need.targets.filter((t) => !noJit.includes(t));
    if (ok.length) jit.push({ cc: need.cc, ptx: carrier, targets: ok.map((t) => t.name) });
    if (noJit.length) {
      uncovered.push({
        cc: need.cc,
        targets: noJit.map((t) => t.name),
        why: `CUDA ${release.version} cannot build SASS for ${need.cc}, and its PTX needs a JIT that minor-version compatibility does not do`,
      });
    }
  }
  const entries = [...new Set([...sass, ...ptx])].sort(compareCc).map((cc) => ({ cc, sass: sass.has(cc), ptx: ptx.has(cc) }));
  return {
    cuda: release.version,
    entries,
    torchCudaArchList: entries.map((e) => `${e.cc}${e.ptx ? '+PTX' : ''}`).join(';'),
    cmakeCudaArchitectures: entries.map((e) => `${versionParts(e.cc).join('')}${e.ptx ? '' : '-real'}`).join(';'),
    jit,
    uncovered,
  };
}
