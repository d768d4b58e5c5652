/**
 * The sticky PR comment's text: a hidden marker that identifies it, then the same markdown as the job summary,
 * cut to fit GitHub's comment limit. Pure, so it is tested as text.
 */
import { renderMarkdown } from '../report/markdown';
import type { Report } from '../report/types';
import { sanitizeControl } from '../common/control-chars';
import type { Verdict } from '../model/verdict';

/** GitHub rejects a comment body over this many characters (422 "body is too long"). */
export const COMMENT_LIMIT = 65_536;
/**
 * What the body may use, in UTF-16 units and in UTF-8 bytes alike: reports disagree on which one GitHub counts,
 * and the margin leaves room for the resolved banner added later.
 */
export const COMMENT_BUDGET = 60_000;

/** Characters that could end the HTML comment or its quoted value, percent-encoded. */
function escapeKey(key: string): string {
  return sanitizeControl(key, { as: 'percent', ascii: true, also: '%"<>' });
}

/** The hidden first line that marks the comment of one `comment-key`; distinct keys never match each other. */
export function markerFor(key: string): string {
  return `<!-- cuda-gate:comment key="${escapeKey(key)}" -->`;
}

/** Both ways GitHub might count. */
export function fitsBudget(text: string, budget = COMMENT_BUDGET): boolean {
  return text.length <= budget && Buffer.byteLength(text, 'utf8') <= budget;
}

export interface CommentBodyOptions {
  key: string;
  /** the run page, where the job summary has everything the comment leaves out */
  runUrl?: string;
  /** the commit the images were built from (the pull request's head) */
  commit?: string;
}

export function renderCommentBody(report: Report, opts: CommentBodyOptions): string {
  const marker = markerFor(opts.key);
  const compose = (markdown: string) => `${marker}\n${markdown}`;
  // UTF-8 can be three bytes a character: measure, shrink the character budget, measure again
  for (const maxChars of [COMMENT_BUDGET - marker.length - 1, 40_000, 20_000]) {
    const body = compose(renderMarkdown(report, { maxChars, fullReportUrl: opts.runUrl, commit: opts.commit }));
    if (fitsBudget(body)) return body;
  }
  const summaryOnly = compose(
    renderMarkdown(report, { details: false, fullReportUrl: opts.runUrl, commit: opts.commit }) + seeSummary('Details are', opts.runUrl),
  );
  if (fitsBudget(summaryOnly)) return summaryOnly;
  // only a target list longer than the budget gets here: say where the results are, nothing more
  const s = report.summary;
  return compose(`### cuda-gate: ${s.fail} failing, ${s.caveat} with caveats, ${s.pass} passing\n${seeSummary('The results are', opts.runUrl)}`);
}

function seeSummary(what: string, runUrl: string | undefined): string {
  return `\n_${what} in the job summary${runUrl ? `: ${runUrl}` : ''}._\n`;
}

/**
 * The body once nothing is wrong any more: a banner above the last table, so the thread shows the problem was
 * fixed rather than the comment silently changing.
 */
export function resolvedBody(body: string, state: Verdict): string {
  const banner =
    state === 'pass' ? '✅ **Resolved** — every image now runs on every target.' : '✅ **Resolved** — nothing fails any more; the caveats below remain.';
  const newline = body.indexOf('\n');
  const [marker, rest] = newline < 0 ? [body, ''] : [body.slice(0, newline), body.slice(newline + 1)];
  return `${marker}\n${banner}\n\n${rest}`;
}
