/**
 * The config's history -> the Dockerfile instruction that made each layer, as the user wrote it, so evidence can say
 * "libcudart came from `COPY --from=build /usr/local/cuda …`".
 */
import type { HistoryEntry } from '../sources/types';

const NOP_PREFIX = /^\/bin\/sh -c #\(nop\)\s*/;
const SHELL_PREFIX = /^\/bin\/sh -c /;
/** Legacy builder with build args: "|2 A=1 B=2 /bin/sh -c make" */
const ARGS_SHELL_PREFIX = /^\|\d+ .*? \/bin\/sh -c /;
/** BuildKit writes "RUN /bin/sh -c make # buildkit" */
const BUILDKIT_RUN_PREFIX = /^RUN \/bin\/sh -c /;
const BUILDKIT_SUFFIX = / # buildkit$/;

/** A history `created_by` as the Dockerfile instruction it came from. */
export function instructionOf(createdBy: string): string {
  let s = createdBy.trim().replace(BUILDKIT_SUFFIX, '');
  if (NOP_PREFIX.test(s)) return s.replace(NOP_PREFIX, '').trim();
  if (SHELL_PREFIX.test(s)) return `RUN ${s.replace(SHELL_PREFIX, '')}`.trim();
  if (ARGS_SHELL_PREFIX.test(s)) return `RUN ${s.replace(ARGS_SHELL_PREFIX, '')}`.trim();
  s = s.replace(BUILDKIT_RUN_PREFIX, 'RUN ');
  return s.trim();
}

/**
 * The instruction of each layer: layer i belongs to the i-th history entry that is not an `empty_layer` (ENV, LABEL
 * and friends add history but no layer). Layers beyond the history (squashed or foreign images) get undefined.
 */
export function layerInstructions(history: HistoryEntry[], layerCount: number): (string | undefined)[] {
  const withLayer = history.filter((h) => !h.empty_layer);
  return Array.from({ length: layerCount }, (_, i) => {
    const createdBy = withLayer[i]?.created_by;
    return createdBy ? instructionOf(createdBy) : undefined;
  });
}
