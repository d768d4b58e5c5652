/**
 * The short forms of a reason, for the places a reviewer reads in seconds (the PR comment's lines, annotation
 * titles): which step of the container's start fails, one line of what is needed against what the target has, and
 * the first fix. Written from the reason's facts where it has them; otherwise the message's first clause. Plain
 * text: renderers add the markup.
 */
import type { Reason, ReasonCode } from './types';

/** The step of a container's start (or the part of the judgement) a reason is about. */
export type StartStep = 'container start' | 'dynamic loader' | 'CUDA initialisation' | 'kernel launch' | 'image read' | 'data' | 'support';

const STEP: Record<ReasonCode, StartStep> = {
  REQUIRE_UNSATISFIED: 'container start',
  REQUIRE_INVALID: 'container start',
  REQUIRE_UNCERTAIN: 'container start',
  CUDA_LIBRARY_MISSING: 'dynamic loader',
  DRIVER_LIB_MISMATCH: 'dynamic loader',
  DRIVER_LIBS_IN_IMAGE: 'dynamic loader',
  DRIVER_TOO_OLD: 'CUDA initialisation',
  MINOR_VERSION_COMPAT: 'CUDA initialisation',
  FORWARD_COMPAT: 'CUDA initialisation',
  MIXED_CUDA_MAJORS: 'CUDA initialisation',
  DECLARED_CUDA_UNSATISFIED: 'CUDA initialisation',
  COMPAT_ON_UNSUPPORTED_GPU: 'CUDA initialisation',
  GPU_UNSUPPORTED_BY_DRIVER: 'CUDA initialisation',
  GPU_UNSUPPORTED_BY_TOOLKIT: 'kernel launch',
  NO_KERNEL_FOR_GPU: 'kernel launch',
  PTX_JIT_NEEDS_NEWER_DRIVER: 'kernel launch',
  PTX_JIT: 'kernel launch',
  RUNTIME_HELPER_ONLY: 'kernel launch',
  SCAN_INCOMPLETE: 'image read',
  NO_CUDA_FOUND: 'image read',
  UNKNOWN_CUDA_RELEASE: 'data',
  UNCONFIRMED_MATRIX_ROW: 'data',
  DRIVER_BRANCH_EOL: 'support',
};

export function stepOf(code: string): StartStep | undefined {
  return (STEP as Record<string, StartStep | undefined>)[code];
}

const SHORT_MAX = 160;

/** One line: what is needed and what the target has. */
export function shortLine(reason: Reason): string {
  const { needs = {}, has = {} } = reason.facts ?? {};
  const cuda = needs.cuda ? `CUDA ${needs.cuda} ` : '';
  const hostCuda = has.cuda ? ` (CUDA ${has.cuda})` : '';
  switch (reason.code) {
    case 'DRIVER_TOO_OLD':
      if (needs.driver && has.driver) return `${cuda}needs driver ≥ ${needs.driver}; the host has ${has.driver}${hostCuda}`;
      break;
    case 'MINOR_VERSION_COMPAT':
      if (needs.driver && has.driver) return `${cuda}wants driver ≥ ${needs.driver}; ${has.driver} runs it through minor-version compatibility only`;
      break;
    case 'FORWARD_COMPAT':
      if (needs.driver && has.driver) return `${cuda}needs driver ≥ ${needs.driver}; ${has.driver} runs it only through the image's forward-compat libs`;
      break;
    case 'REQUIRE_UNSATISFIED':
      if (needs.require && has.driver) return `the legacy hook refuses to start it: ${needs.require} is not met by driver ${has.driver}${hostCuda}`;
      break;
    case 'NO_KERNEL_FOR_GPU':
      if (needs.gpuCode && has.gpu)
        return `${basename(reason.facts?.path)}has no kernel for ${has.gpu} (${needs.gpuCode}); it carries ${has.gpuCode || 'none'}`;
      break;
    case 'PTX_JIT_NEEDS_NEWER_DRIVER':
      if (needs.driver && has.driver)
        return `${basename(reason.facts?.path)}reaches ${has.gpu ?? 'the GPU'} only through PTX that needs driver ≥ ${needs.driver} to JIT; the host has ${has.driver}`;
      break;
    case 'GPU_UNSUPPORTED_BY_TOOLKIT':
      if (needs.gpuCode && has.gpu) return `${cuda}has no kernels for ${has.gpu} (${needs.gpuCode})`;
      break;
    case 'CUDA_LIBRARY_MISSING':
      if (needs.library) return `${basename(reason.facts?.path)}needs ${needs.library}, which the dynamic loader does not find`;
      break;
  }
  return firstClause(reason.message);
}

/** The fix to try first: remedies list the one that works first, the alternatives after ", or ". */
export function firstFix(reason: Reason): string | undefined {
  if (!reason.remedy) return undefined;
  return clip(splitTopLevel(reason.remedy)[0]);
}

function basename(path: string | undefined): string {
  return path ? `${path.slice(path.lastIndexOf('/') + 1)} ` : '';
}

/** The message up to its first clause break (";" or " — "), clipped at a word. */
function firstClause(message: string): string {
  const cut = message.search(/; | — /);
  return clip(cut > 0 ? message.slice(0, cut) : message);
}

function clip(text: string): string {
  if (text.length <= SHORT_MAX) return text;
  const space = text.lastIndexOf(' ', SHORT_MAX - 1);
  return `${text.slice(0, space > SHORT_MAX / 2 ? space : SHORT_MAX - 1)}…`;
}

/** ", or " outside parentheses and quotes splits alternatives. */
function splitTopLevel(remedy: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < remedy.length; i++) {
    const c = remedy[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === '(') depth++;
    else if (!quoted && c === ')') depth = Math.max(0, depth - 1);
    else if (!quoted && depth === 0 && remedy.startsWith(', or ', i)) {
      out.push(remedy.slice(start, i));
      start = i + ', or '.length;
      i += ', or '.length - 1;
    }
  }
  out.push(remedy.slice(start));
  return out;
}
