/**
 * One sticky PR comment per comment-key: found by its hidden marker and a bot author, created once, edited in
 * place, left alone when nothing changed, and marked resolved once the problem is gone. Best effort: a token that
 * may not comment gets a warning, never a failed gate. The Octokit is passed in (types only are imported here).
 */
import type { Verdict } from '../model/verdict';
import { markerFor, resolvedBody } from './comment-body';
import type { GitHubClient, PullRequestContext } from './github';
import type { CommentMode } from './inputs';

export interface StickyComment {
  key: string;
  mode: CommentMode;
  /** worst verdict over the report */
  state: Verdict;
  /** from renderCommentBody: starts with the key's marker */
  body: string;
  /** false when the gate failed the step (e.g. fail-on: caveat on a caveat): on-failure comments then too */
  gatePassed?: boolean;
}

export interface CommentLog {
  info(message: string): void;
  warning(message: string): void;
}

export interface CommentOutcome {
  action: 'created' | 'updated' | 'unchanged' | 'resolved' | 'skipped';
  id?: number;
  url?: string;
  reason?: string;
}

type PullRequest = Pick<PullRequestContext, 'owner' | 'repo' | 'number'>;

interface PostedComment {
  id: number;
  html_url: string;
  body?: string | null;
  user?: { type?: string } | null;
}

interface HttpFailure {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, unknown> };
}

function failureOf(e: unknown): HttpFailure {
  return typeof e === 'object' && e !== null ? (e as HttpFailure) : {};
}

const sameText = (a: string | null | undefined, b: string) => (a ?? '').replace(/\r\n/g, '\n') === b.replace(/\r\n/g, '\n');

export async function syncStickyComment(client: GitHubClient, pr: PullRequest, comment: StickyComment, log: CommentLog): Promise<CommentOutcome> {
  if (comment.mode === 'never') return { action: 'skipped', reason: 'comment: never' };
  const marker = markerFor(comment.key);
  const body = comment.body.startsWith(marker) ? comment.body : `${marker}\n${comment.body}`;
  const where = { owner: pr.owner, repo: pr.repo };

  // Only a bot's comment is ours: a human who quotes our comment keeps the marker, and must never be edited.
  const findPrevious = async (): Promise<PostedComment | undefined> => {
    const pages = client.paginate.iterator(client.rest.issues.listComments, { ...where, issue_number: pr.number, per_page: 100 });
    for await (const { data } of pages) {
      const found = data.find((c) => c.user?.type === 'Bot' && (c.body ?? '').includes(marker));
      if (found) return found;
    }
    return undefined;
  };

  try {
    const previous = await findPrevious();
    const wanted = desiredBody(comment, body, previous !== undefined);
    if (wanted === undefined) {
      return { action: 'skipped', reason: comment.mode === 'on-failure' ? 'the gate did not fail' : 'every image passes' };
    }
    const isResolved = wanted !== body;
    if (previous) {
      if (sameText(previous.body, wanted)) return { action: 'unchanged', id: previous.id, url: previous.html_url };
      const { data } = await client.rest.issues.updateComment({ ...where, comment_id: previous.id, body: wanted });
      return { action: isResolved ? 'resolved' : 'updated', id: data.id, url: data.html_url };
    }
    const created = await createOnce(client, pr, wanted, findPrevious);
    return { action: 'created', id: created.id, url: created.html_url };
  } catch (e) {
    const why = unpostable(e, pr.number);
    if (why === undefined) throw e;
    log.warning(why);
    return { action: 'skipped', reason: failureOf(e).message };
  }
}

/** The body the comment should have, or undefined when there should be none. */
function desiredBody(comment: StickyComment, body: string, exists: boolean): string | undefined {
  const failing = comment.state === 'fail' || comment.gatePassed === false;
  switch (comment.mode) {
    case 'always':
      return body;
    case 'on-failure':
      if (failing) return body;
      return exists ? resolvedBody(body, comment.state) : undefined;
    case 'auto':
      if (comment.state !== 'pass') return body;
      return exists ? resolvedBody(body, comment.state) : undefined;
    case 'never':
      return undefined;
  }
}

/**
 * POST is not retried blindly: after a 5xx or a reset the comment may have been created anyway, so look for it
 * first and post again only when it is not there.
 */
async function createOnce(client: GitHubClient, pr: PullRequest, body: string, findPrevious: () => Promise<PostedComment | undefined>): Promise<PostedComment> {
  const post = async () => (await client.rest.issues.createComment({ owner: pr.owner, repo: pr.repo, issue_number: pr.number, body })).data;
  try {
    return await post();
  } catch (e) {
    if ((failureOf(e).status ?? 0) < 500) throw e;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    return (await findPrevious()) ?? (await post());
  }
}

/** The warning for a comment GitHub will not take, or undefined for an error worth surfacing as such. */
function unpostable(e: unknown, number: number): string | undefined {
  const { status, message = '', response } = failureOf(e);
  const rateLimited = /rate limit/i.test(message) || response?.headers?.['x-ratelimit-remaining'] === '0';
  if ((status === 403 && !rateLimited) || status === 404) {
    return `cuda-gate: cannot comment on PR #${number}: the token lacks \`pull-requests: write\` (fork PRs get a read-only token) — results are in the job summary`;
  }
  if (status === 422 && /too long/i.test(message)) {
    return `cuda-gate: GitHub refused the PR comment as too long (${message}) — results are in the job summary`;
  }
  return undefined;
}
