/**
 * GitHub I/O for the action: an Octokit that retries what is safe to retry, and the pull request the run belongs
 * to, read from the runner's environment. @actions/github is ESM-only: only the bundle loads this module, and
 * modules under unit test import its types alone.
 */
import { readFileSync } from 'node:fs';
import { getOctokit } from '@actions/github';

export type GitHubClient = ReturnType<typeof getOctokit>;

/** Tries per request, the first included: enough to ride out a blip, few enough that the step never hangs. */
export const MAX_TRIES = 3;
/** Longest wait the action accepts from a retry-after header or a backoff; longer means give up. */
const MAX_WAIT_S = 60;
/** GitHub asks for at least a minute's pause after a secondary rate limit that names no retry-after. */
const SECONDARY_LIMIT_DEFAULT_WAIT_S = 60;
/** Methods that change nothing when repeated; a POST that got a 5xx may already have landed. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE']);

interface HttpFailure {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown };
}

/** Seconds to wait before trying again, or undefined when this failure is not worth another try. */
export function retryDelay(error: unknown, method: string, attempt: number): number | undefined {
  const e = (error ?? {}) as HttpFailure;
  const status = e.status;
  const headers = e.response?.headers ?? {};
  const retryAfter = Number(headers['retry-after']);
  const text = `${e.message ?? ''} ${JSON.stringify(e.response?.data ?? '')}`.toLowerCase();
  // A secondary rate limit rejects the request before it acts, so any method may repeat it.
  if ((status === 403 || status === 429) && (text.includes('secondary rate limit') || headers['retry-after'] !== undefined)) {
    return Number.isFinite(retryAfter) ? retryAfter : SECONDARY_LIMIT_DEFAULT_WAIT_S;
  }
  // 5xx, and connection resets (which Octokit reports as status 500 with no response).
  if (status !== undefined && status >= 500 && IDEMPOTENT.has(method.toUpperCase())) {
    return Number.isFinite(retryAfter) ? retryAfter : 2 ** (attempt - 1);
  }
  return undefined;
}

/** An Octokit for GITHUB_API_URL (getOctokit reads it) that retries 5xx, resets and secondary rate limits. */
export function createClient(token: string): GitHubClient {
  const client = getOctokit(token);
  client.hook.wrap('request', async (request, options) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await request(options);
      } catch (e) {
        const wait = retryDelay(e, String(options.method), attempt);
        if (wait === undefined || attempt >= MAX_TRIES || wait > MAX_WAIT_S) throw e;
        await new Promise((resolve) => setTimeout(resolve, wait * 1000));
      }
    }
  });
  return client;
}

export interface PullRequestContext {
  owner: string;
  repo: string;
  number: number;
  /** the head branch lives in another repository: GitHub gives such `pull_request` runs a read-only token */
  isFork: boolean;
  headSha: string;
  eventName: 'pull_request' | 'pull_request_target';
}

interface PullRequestPayload {
  pull_request?: {
    number?: unknown;
    head?: { sha?: unknown; repo?: { full_name?: unknown } | null };
  };
  repository?: { full_name?: unknown };
}

/**
 * The pull request this run comments on, or undefined for any other event (push, schedule, issue_comment…) and
 * for an event file that cannot be read: the comment is optional, so this never throws.
 */
export function pullRequestContext(env: NodeJS.ProcessEnv = process.env): PullRequestContext | undefined {
  const eventName = env.GITHUB_EVENT_NAME;
  if (eventName !== 'pull_request' && eventName !== 'pull_request_target') return undefined;
  if (!env.GITHUB_EVENT_PATH) return undefined;
  let payload: PullRequestPayload;
  try {
    payload = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8')) as PullRequestPayload;
  } catch {
    return undefined;
  }
  const pr = payload.pull_request;
  const number = pr?.number;
  if (typeof number !== 'number' || !Number.isSafeInteger(number) || number <= 0) return undefined;
  // Comments go to the base repository: the one the workflow runs in.
  const fullName = env.GITHUB_REPOSITORY || (typeof payload.repository?.full_name === 'string' ? payload.repository.full_name : '');
  const [owner, repo, ...rest] = fullName.split('/');
  if (!owner || !repo || rest.length) return undefined;
  const headRepo = pr?.head?.repo?.full_name;
  return {
    owner,
    repo,
    number,
    // a deleted fork leaves head.repo null: still not this repository
    isFork: typeof headRepo !== 'string' || headRepo.toLowerCase() !== fullName.toLowerCase(),
    headSha: typeof pr?.head?.sha === 'string' ? pr.head.sha : '',
    eventName,
  };
}

/** This run's page, where the job summary lives; undefined outside a runner. */
export function runUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repository, GITHUB_RUN_ID: runId } = env;
  if (!server || !repository || !runId) return undefined;
  return `${server.replace(/\/+$/, '')}/${repository}/actions/runs/${runId}`;
}
