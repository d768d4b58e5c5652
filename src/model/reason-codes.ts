/**
 * The reason codes a verdict can give, as a value list (verdict/types.ts's ReasonCode is the type; verdict/waivers.ts
 * checks at compile time that the two agree): what a waiver's `code:` is validated against.
 */
export const REASON_CODES = [
  'DRIVER_TOO_OLD',
  'MINOR_VERSION_COMPAT',
  'FORWARD_COMPAT',
  'REQUIRE_UNSATISFIED',
  'REQUIRE_INVALID',
  'REQUIRE_UNCERTAIN',
  'PTX_JIT_NEEDS_NEWER_DRIVER',
  'PTX_JIT',
  'NO_KERNEL_FOR_GPU',
  'RUNTIME_HELPER_ONLY',
  'GPU_UNSUPPORTED_BY_TOOLKIT',
  'GPU_UNSUPPORTED_BY_DRIVER',
  'MIXED_CUDA_MAJORS',
  'NO_CUDA_FOUND',
  'UNKNOWN_CUDA_RELEASE',
  'UNCONFIRMED_MATRIX_ROW',
  'DRIVER_LIBS_IN_IMAGE',
  'DECLARED_CUDA_UNSATISFIED',
  'SCAN_INCOMPLETE',
  'DRIVER_BRANCH_EOL',
  'CUDA_LIBRARY_MISSING',
  'COMPAT_ON_UNSUPPORTED_GPU',
  'DRIVER_LIB_MISMATCH',
] as const;
