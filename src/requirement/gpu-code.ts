/**
 * The GPU code an image carries: per binary (a shared object or executable with fatbins, or a framework whose build
 * info lists its architectures), the SASS and PTX targets, and which driver its PTX needs to be JIT-compiled. The
 * verdict judges each binary against a target GPU; the union is what the report shows.
 */
import { compareDriver } from '../common/driver-version';
import { compareVersions } from '../common/dotted-version';
import type { Evidence } from '../evidence/types';
import { compareArchNames, type GpuArchs, type GpuTargets } from '../model/gpu-code';
import type { Provenance } from '../model/provenance';
import { ptxJitDriverForIsa, ptxJitDriverForToolkit, type PtxJitDriver } from '../matrix/ptx';
import type { Matrix } from '../matrix/types';
import { normaliseArchs } from './gpu-arch';

export type { PtxJitDriver } from '../matrix/ptx';

/** `source`: "fatbin" (read from the file), or what the framework's build info was read from; `size`: fatbins only. */
export interface GpuBinary extends Provenance, GpuArchs {
  /** absolute path in the image; for a framework without one, its package name */
  path: string;
  /** PTX ISA versions of its PTX entries, ascending */
  ptxIsa?: string[];
  /** the driver its PTX needs to be JIT-compiled (the newest ISA, or the toolkit the framework was built with) */
  ptxJit?: PtxJitDriver;
  evidence: Evidence;
}

/** sass, ptx: the union over the binaries */
export interface GpuCodeRequirement extends GpuTargets {
  /** ordered by path */
  binaries: GpuBinary[];
  /** the most demanding PTX: the driver a GPU that only PTX covers needs */
  ptxJit?: PtxJitDriver;
}

/** undefined when no evidence carries device code: nothing can be said about GPUs then. */
export function deriveGpuCode(evidence: Evidence[], matrix: Matrix): GpuCodeRequirement | undefined {
  const binaries: GpuBinary[] = [];
  for (const ev of evidence) {
    const archs = ev.gpuArchs;
    if (!archs) continue;
    const sass = normaliseArchs(archs.sass, 'sass');
    const ptx = normaliseArchs(archs.ptx, 'ptx');
    if (!sass.length && !ptx.length) continue;
    const binary: GpuBinary = {
      path: ev.path ?? ev.package ?? ev.key ?? ev.kind,
      ...(ev.layerIndex !== undefined && { layerIndex: ev.layerIndex }),
      sass,
      ptx,
      ...(ev.ptxIsa?.length && { ptxIsa: [...ev.ptxIsa].sort(compareVersions) }),
      source: archs.source,
      ...(archs.size && { size: archs.size }),
      evidence: ev,
    };
    const jit = ptx.length ? ptxJitOf(binary, ev, matrix) : undefined;
    if (jit) binary.ptxJit = jit;
    binaries.push(binary);
  }
  if (!binaries.length) return undefined;
  binaries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return {
    sass: union(binaries.map((b) => b.sass)),
    ptx: union(binaries.map((b) => b.ptx)),
    binaries,
    ptxJit: mostDemanding(binaries.map((b) => b.ptxJit).filter((j): j is PtxJitDriver => j !== undefined)),
  };
}

/** The newest ISA decides (cautious: the driver may pick any of the binary's PTX); else the build's toolkit. */
function ptxJitOf(binary: GpuBinary, ev: Evidence, matrix: Matrix): PtxJitDriver | undefined {
  const isa = binary.ptxIsa?.[binary.ptxIsa.length - 1];
  if (isa) return ptxJitDriverForIsa(matrix, isa);
  return ev.cuda ? ptxJitDriverForToolkit(matrix, ev.cuda) : undefined;
}

function mostDemanding(list: PtxJitDriver[]): PtxJitDriver | undefined {
  return list.reduce<PtxJitDriver | undefined>((best, j) => {
    if (!best) return j;
    if (j.beyondKnown !== best.beyondKnown) return j.beyondKnown ? j : best;
    if (!j.minDriver) return best;
    if (!best.minDriver) return j;
    return compareDriver(j.minDriver, best.minDriver) > 0 ? j : best;
  }, undefined);
}

function union(lists: string[][]): string[] {
  return [...new Set(lists.flat())].sort(compareArchNames);
}
