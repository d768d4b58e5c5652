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
  /**
   * Where each rejected term sits: `group` indexes `alternatives`, `position` is the term's place in that group as
   * written (valid and invalid terms counted). libnvidia-container evaluates lazily — it stops a group at its first
   * false term and the whole string at the first true group — so a rejected term only fails `docker run` when it is
   * reached; this lets an evaluator tell.
   */
  invalidTerms?: { group: number; position: number; raw: string; reason: string }[];
  /**
   * Text libnvidia-container never looks at: a group made only of commas ends the evaluation there (with the result
   * of the group before it, or true when it is the first group), so everything from it on is ignored.
   */
  unevaluated?: string;
}
