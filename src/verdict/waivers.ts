/**
 * Waivers (`waivers:` in the targets file): a known failure or caveat accepted, with a reason, until a date. Pure:
 * the results, the images' refs, the waivers and today's date (UTC, YYYY-MM-DD) in; the results marked, each waiver's
 * standing and the warnings out.
 *
 * - A result is **waived** when every one of its failing and caveated reasons is matched by a waiver in force (image
 *   glob on the source or the ref, target name or `*`, reason code or `*`). Its verdict stays; `waived` says why.
 * - A waiver is in force through its `expires` day; from the next day it waives nothing, and each result it would
 *   have covered (and that nothing else waives) carries `waiverExpired`: it counts again.
 * - A waiver that matches no failing or caveated reason of any result is **stale**: a warning, so that waivers do not
 *   outlive what they were for (or a typo does not go unnoticed).
 */
import type { Waiver } from '../model/policy';
import type { REASON_CODES } from '../model/reason-codes';
import type { Reason, ReasonCode, Result } from './types';

/** A waiver as the report lists it: how many results it waived (or, expired, would have) and whether it is past its date. */
export interface WaiverStanding extends Waiver {
  /** results it waives; expired: results it matches that count again */
  matched: number;
  expired: boolean;
  /** matches no failing or caveated reason of any result */
  stale: boolean;
}

export interface WaiverOutcome {
  /** the results, waived ones with `waived`, those a lapsed waiver would have covered with `waiverExpired` */
  results: Result[];
  waivers: WaiverStanding[];
  /** how many results are waived */
  waived: number;
  /** one sentence per stale waiver, and per expired waiver that matches results: report notes and action warnings */
  warnings: string[];
}

/** Today's date in UTC, as waivers write dates. */
export function todayUtc(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}

/** A waiver is in force through its expires day (UTC). */
export function waiverInForce(w: Pick<Waiver, 'expires'>, today: string): boolean {
  return today <= w.expires;
}

/** `*` any run of characters (also none), `?` exactly one; everything else literal; the whole string must match. */
export function globMatches(glob: string, text: string): boolean {
  const pattern = glob.replace(/[.+^${}()|[\]\\*?]/g, (c) => (c === '*' ? '.*' : c === '?' ? '.' : `\\${c}`));
  return new RegExp(`^${pattern}$`, 's').test(text);
}

/** Whether a waiver names this image (source or ref), target and reason. */
export function waiverMatches(w: Waiver, image: { source: string; ref?: string }, target: string, reason: Pick<Reason, 'code'>): boolean {
  const imageOk = globMatches(w.image, image.source) || (image.ref !== undefined && image.ref !== '' && globMatches(w.image, image.ref));
  return imageOk && (w.target === '*' || w.target === target) && (w.code === '*' || w.code === reason.code);
}

/** How a waiver is named in a warning: its pattern, and where it was declared. */
export function waiverLabel(w: Waiver): string {
  return `the waiver for image "${w.image}", target "${w.target}", code "${w.code}"${w.origin ? ` (${w.origin})` : ''}`;
}

export function applyWaivers(
  results: readonly Result[],
  images: readonly { source: string; ref?: string }[],
  waivers: readonly Waiver[],
  today: string,
): WaiverOutcome {
  const refOf = new Map(images.map((i) => [i.source, i.ref]));
  const matched = waivers.map(() => 0);
  const touched = waivers.map(() => false);
  let waivedCount = 0;
  const out = results.map((r): Result => {
    if (r.verdict === 'pass') return r;
    const image = { source: r.image, ref: refOf.get(r.image) };
    const problems = r.reasons.filter((x) => x.verdict !== 'pass');
    if (!problems.length) return r;
    // per reason: the waivers in force and the lapsed ones that match it
    const matching = (x: Reason, inForce: boolean) =>
      [...waivers.keys()].filter((i) => waiverInForce(waivers[i], today) === inForce && waiverMatches(waivers[i], image, r.target, x));
    const live = problems.map((x) => matching(x, true));
    const lapsed = problems.map((x) => matching(x, false));
    for (const i of [...live.flat(), ...lapsed.flat()]) touched[i] = true;
    if (live.every((l) => l.length > 0)) {
      const used = [...new Set(live.map((l) => l[0]))];
      for (const i of used) matched[i]++;
      waivedCount++;
      return {
        ...r,
        waived: summarise(
          used.map((i) => waivers[i]),
          problems,
          'earliest',
        ),
      };
    }
    const expired = [...new Set(lapsed.flat())];
    if (!expired.length) return r;
    for (const i of expired) matched[i]++;
    const codes = problems.filter((_, n) => lapsed[n].length > 0);
    return {
      ...r,
      waiverExpired: summarise(
        expired.map((i) => waivers[i]),
        codes,
        'latest',
      ),
    };
  });
  const standings: WaiverStanding[] = waivers.map((w, i) => ({ ...w, matched: matched[i], expired: !waiverInForce(w, today), stale: !touched[i] }));
  return { results: out, waivers: standings, waived: waivedCount, warnings: waiverWarnings(standings) };
}

/** One sentence per stale waiver and per expired one: the report's notes, the action's warnings. */
export function waiverWarnings(standings: readonly WaiverStanding[]): string[] {
  const warnings: string[] = [];
  for (const w of standings) {
    if (w.stale) {
      warnings.push(
        `${waiverLabel(w)} matches no failing or caveated result${w.expired ? ` and expired on ${w.expires}` : ''}: remove it, or correct its image, target or code`,
      );
    } else if (w.expired && !w.matched) {
      warnings.push(`${waiverLabel(w)} expired on ${w.expires}, and other waivers cover what it matches: remove it`);
    } else if (w.expired) {
      warnings.push(
        `${waiverLabel(w)} expired on ${w.expires}: ${w.matched} result${w.matched === 1 ? '' : 's'} it waived count${w.matched === 1 ? 's' : ''} again (${w.reason}); fix the image, or renew the waiver with a later expires:`,
      );
    }
  }
  return warnings;
}

function summarise(used: Waiver[], reasons: Pick<Reason, 'code'>[], date: 'earliest' | 'latest'): { reason: string; expires: string; codes: string[] } {
  const dates = used.map((w) => w.expires).sort();
  return {
    reason: [...new Set(used.map((w) => w.reason))].join('; '),
    expires: date === 'earliest' ? dates[0] : dates[dates.length - 1],
    codes: [...new Set(reasons.map((x) => x.code))],
  };
}

/** model/reason-codes.ts lists exactly the ReasonCode union: a code added to one and not the other does not compile. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const REASON_CODE_LIST_COMPLETE: Same<(typeof REASON_CODES)[number], ReasonCode> = true;
