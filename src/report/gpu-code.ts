/** The GPU code part of a report: what the JSON carries and the one line text and markdown show per image. */
import type { Evidence } from '../evidence/types';
import { showProvenance, type ImageLayer } from '../model/provenance';
import type { GpuCodeRequirement } from '../requirement/gpu-code';
import type { ReportGpuCode } from './types';

/** `layers`: the image's layer list, where each binary's instruction is looked up. */
export function reportGpuCode(code: GpuCodeRequirement | undefined, layers: readonly ImageLayer[]): ReportGpuCode | undefined {
  if (!code) return undefined;
  return {
    sass: code.sass,
    ptx: code.ptx,
    // the JSON names each binary's layer by index and instruction (no digest)
    binaries: code.binaries.map((b) => {
      const { instruction } = showProvenance(b, layers);
      return {
        path: b.path,
        ...(b.layerIndex !== undefined && { layerIndex: b.layerIndex }),
        ...(instruction !== undefined && { instruction }),
        sass: b.sass,
        ptx: b.ptx,
        ...(b.ptxIsa && { ptxIsa: b.ptxIsa }),
        source: b.source,
      };
    }),
    ...(code.ptxJit && {
      ptxJit: {
        ...(code.ptxJit.isa !== undefined && { isa: code.ptxJit.isa }),
        ...(code.ptxJit.cuda !== undefined && { cuda: code.ptxJit.cuda }),
        ...(code.ptxJit.minDriver !== undefined && { minDriver: code.ptxJit.minDriver }),
        ...(code.ptxJit.beyondKnown && { beyondKnown: true }),
        ...(code.ptxJit.unconfirmed && { unconfirmed: true }),
      },
    }),
  };
}

/** "SASS sm_80, sm_90 · PTX compute_90 (3 binaries)"; undefined when the scan found no device code. */
export function gpuCodeLine(code: ReportGpuCode | undefined): string | undefined {
  if (!code) return undefined;
  const parts = [code.sass.length ? `SASS ${code.sass.join(', ')}` : 'no SASS', code.ptx.length ? `PTX ${code.ptx.join(', ')}` : 'no PTX'];
  const n = code.binaries.length;
  const jit = code.ptxJit?.minDriver ? `; JIT of its PTX needs driver >= ${code.ptxJit.minDriver}` : '';
  return `${parts.join(' · ')} (${n} binar${n === 1 ? 'y' : 'ies'})${jit}`;
}

/** What an evidence item's build or binary carries, for the version column: "sm_80, sm_90 · compute_90". */
export function gpuArchsOf(e: Evidence): string | undefined {
  const a = e.gpuArchs;
  if (!a || (!a.sass.length && !a.ptx.length)) return undefined;
  return [a.sass.join(', '), a.ptx.join(', ')].filter(Boolean).join(' · ');
}
