/** Parsed NVIDIA_REQUIRE_* strings, in libnvidia-container's grammar (space = OR between groups, comma = AND). */
export type RequireOp = '=' | '!=' | '<' | '<=' | '>' | '>=';
export type RequireProperty = 'cuda' | 'driver' | 'arch' | 'brand';

export interface RequireCondition {
  property: RequireProperty;
  op: RequireOp;
  /** as written: "12.4", "470", "tesla" (brand compared case-insensitively) */
  value: string;
  /** the term as written, e.g. "driver>=470" */
  raw: string;
}

export interface RequireExpression {
  /** env var name, e.g. NVIDIA_REQUIRE_CUDA */
  name: string;
  /** the value as written */
  raw: string;
  /** OR of AND-groups */
  alternatives: RequireCondition[][];
  /**
   * terms libnvidia-container rejects ("requirement error: invalid expression": unknown property, bad operator,
   * non-numeric version, ordering operator on brand). Any error makes `docker run --gpus` fail outright.
   */
  errors: string[];
  /** synthesised from CUDA_VERSION because NVIDIA_REQUIRE_CUDA is unset (the toolkit's "legacy image" rule) */
  synthesized?: boolean;
}
