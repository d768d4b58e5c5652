/**
 * conda match specs as recorded in `depends` / `constrains`: "__cuda >=12", "__cuda", "cuda-version >=12.9,<13",
 * "cuda-version 12.9.*", "pytorch 2.7.1 cuda*_mkl*304". Only what the detectors need: the name and the lowest
 * version the spec admits.
 */
import { numericPrefix } from '../common/dotted-version';
import { compareVersions } from '../common/dotted-version';

export function parseMatchSpec(spec: string): { name: string; version: string } | undefined {
  const m = /^\s*([A-Za-z0-9_][A-Za-z0-9_.-]*)\s*(.*?)\s*$/.exec(spec);
  if (!m) return undefined;
  // "2.7.1 cuda*_mkl*304": the version part ends at the space before the build part
  const rest = m[2];
  const version = /^[<>=!~]/.test(rest) ? rest.replace(/\s+/g, '') : rest.split(/\s+/)[0];
  return { name: m[1].toLowerCase(), version };
}

/** The lowest version one term admits: ">=12" -> 12, "12.9.*" -> 12.9, "==12.4" -> 12.4; "<13" -> none. */
function termLow(term: string): string | undefined {
  const t = term.trim();
  const m = /^(>=|>|==|=|~=)?\s*(v?\d[^,|]*)$/.exec(t);
  if (!m) return undefined;
  return numericPrefix(m[2].replace(/\.\*$/, ''));
}

/**
 * The lowest version a version spec admits, or undefined when it admits any (a bare name, only upper bounds).
 * "|" alternatives: the lowest over them; "," conjunctions: the highest lower bound.
 */
export function lowerBound(version: string): string | undefined {
  if (!version.trim()) return undefined;
  let low: string | undefined;
  for (const alt of version.split('|')) {
    let altLow: string | undefined;
    for (const term of alt.split(',')) {
      const t = termLow(term);
      if (t && (!altLow || compareVersions(t, altLow) > 0)) altLow = t;
    }
    if (!altLow) return undefined;
    if (!low || compareVersions(altLow, low) < 0) low = altLow;
  }
  return low;
}
