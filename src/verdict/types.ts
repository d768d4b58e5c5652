/** Stage 5 — one image against one target: pass, caveat or fail, with reasons a tired engineer reads at a glance. */
import type { Verdict } from '../model/verdict';
import type { ShownProvenance } from '../model/provenance';
import type { ContainerRuntime } from '../model/target';

/** Stable reason codes (README documents each; add, never rename). */
export type ReasonCode =
  | 'DRIVER_TOO_OLD'
  | 'MINOR_VERSION_COMPAT'
  | 'FORWARD_COMPAT'
  | 'REQUIRE_UNSATISFIED'
  | 'REQUIRE_INVALID'
  | 'REQUIRE_UNCERTAIN'
  | 'PTX_JIT_NEEDS_NEWER_DRIVER'
  | 'PTX_JIT'
  | 'NO_KERNEL_FOR_GPU'
  | 'RUNTIME_HELPER_ONLY'
  | 'GPU_UNSUPPORTED_BY_TOOLKIT'
  | 'GPU_UNSUPPORTED_BY_DRIVER'
  | 'MIXED_CUDA_MAJORS'
  | 'NO_CUDA_FOUND'
  | 'UNKNOWN_CUDA_RELEASE'
  | 'UNCONFIRMED_MATRIX_ROW'
  | 'DRIVER_LIBS_IN_IMAGE'
  | 'DECLARED_CUDA_UNSATISFIED'
  | 'SCAN_INCOMPLETE'
  | 'DRIVER_BRANCH_EOL'
  | 'CUDA_LIBRARY_MISSING'
  | 'COMPAT_ON_UNSUPPORTED_GPU'
  | 'DRIVER_LIB_MISMATCH';

export interface Reason {
  code: ReasonCode;
  verdict: Verdict;
  /** what breaks, where it came from, which driver is needed and what the target has */
  message: string;
  /** how to fix it */
  remedy?: string;
  /** where its evidence came from, each layer looked up in the image's layer list */
  origin?: ShownProvenance[];
  /** the reason holds only under this container runtime (NVIDIA_REQUIRE_* is checked by the legacy hook alone) */
  runtime?: ContainerRuntime;
  /** the facts the message is written from, for renderers that need them short (verdict/wording.ts) */
  facts?: ReasonFacts;
}

/** What is needed and what the target has, as plain values (no prose): the JSON carries them beside the message. */
export interface ReasonFacts {
  needs?: { driver?: string; cuda?: string; gpuCode?: string; require?: string; library?: string };
  has?: { driver?: string; cuda?: string; gpu?: string; gpuCode?: string };
  /** the binary or library the reason is about, as a path in the image */
  path?: string;
}

export interface Result {
  /** the image's source string exactly as given */
  image: string;
  target: string;
  verdict: Verdict;
  reasons: Reason[];
  /**
   * When the target does not say which container runtime it uses, the verdict under each: `verdict` is the worse,
   * and `decidedBy` names the runtime whose verdict it is when the two differ.
   */
  runtimes?: { legacy: Verdict; cdi: Verdict; decidedBy?: ContainerRuntime };
  /**
   * Waivers of the targets file (verdict/waivers.ts) cover every failing and caveated reason: the result is shown as
   * waived and does not gate; `verdict` stays what the image gets. reason: the waivers' reasons; expires: the
   * earliest of their dates; codes: the reason codes waived.
   */
  waived?: { reason: string; expires: string; codes: string[] };
  /** a waiver that would cover this result expired: it counts again, and this says when and why it was waived */
  waiverExpired?: { reason: string; expires: string; codes: string[] };
}
