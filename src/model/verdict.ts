/** The verdict of one image on one target, and the one order every part of the tool ranks verdicts by. */

/** Best first: the index is the rank. */
export const VERDICTS = ['pass', 'caveat', 'fail'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** pass 0 < caveat 1 < fail 2 */
export function verdictRank(v: Verdict): number {
  return VERDICTS.indexOf(v);
}

/** The worse of two verdicts (the first when they are equal). */
export function worse(a: Verdict, b: Verdict): Verdict {
  return verdictRank(a) >= verdictRank(b) ? a : b;
}

/** The worst of a list; pass for none. */
export function worst(verdicts: Iterable<Verdict>): Verdict {
  let w: Verdict = 'pass';
  for (const v of verdicts) w = worse(w, v);
  return w;
}

/** For sorting worst first: fail, caveat, pass. */
export function worstFirst(a: Verdict, b: Verdict): number {
  return verdictRank(b) - verdictRank(a);
}
