/**
 * The `workflow_run` event that starts mode: comment: which run finished (id, head commit, head repository, the
 * pull requests GitHub matched to it — none for a fork's). The payload is GitHub's, checked with a schema at the
 * edge; what the triggering run itself produced (its artifacts) is untrusted and read elsewhere.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { GateError, messageOf } from '../common/errors';
import { parseWithSchema } from '../common/schema-error';

const SHA = /^[0-9a-f]{40}$/;
const id = z.number().int().positive();
const repoRef = z.looseObject({ id: id.optional(), name: z.string().optional() });

const PAYLOAD = z.looseObject({
  workflow_run: z.looseObject({
    id,
    name: z.string().nullish(),
    run_number: z.number().int().optional(),
    run_attempt: z.number().int().optional(),
    event: z.string(),
    conclusion: z.string().nullish(),
    head_sha: z.string().regex(SHA, 'is not a commit SHA'),
    head_branch: z.string().nullish(),
    html_url: z.string().optional(),
    pull_requests: z
      .array(
        z.looseObject({
          number: id,
          head: z.looseObject({ sha: z.string(), ref: z.string().optional(), repo: repoRef.nullish() }),
          base: z.looseObject({ ref: z.string().optional(), repo: repoRef.nullish() }),
        }),
      )
      .default([]),
    repository: z.looseObject({ id: id.optional(), full_name: z.string() }),
    // null when the fork has been deleted since
    head_repository: z.looseObject({ full_name: z.string(), owner: z.looseObject({ login: z.string() }).optional() }).nullish(),
  }),
});

export interface WorkflowRunPullRequest {
  number: number;
  /** the PR's head when the run started: it may have moved since */
  headSha: string;
  /** the repository the PR is opened against, by id: GitHub may list PRs of other repositories whose branch matches */
  baseRepoId?: number;
}

export interface WorkflowRun {
  /** the repository this workflow runs in, where the comment goes */
  owner: string;
  repo: string;
  repoId?: number;
  runId: number;
  runNumber?: number;
  workflowName: string;
  /** the event that started the triggering run: pull_request, pull_request_target, push … */
  event: string;
  conclusion?: string;
  headSha: string;
  headBranch?: string;
  /** owner/name of the repository the head commit is in (a fork's for a fork PR); undefined when it was deleted */
  headRepository?: string;
  htmlUrl?: string;
  pullRequests: WorkflowRunPullRequest[];
}

/** The triggering run, from the runner's event file; a bad-input GateError for any other event. */
export function workflowRunContext(env: NodeJS.ProcessEnv = process.env): WorkflowRun {
  const eventName = env.GITHUB_EVENT_NAME ?? '';
  if (eventName !== 'workflow_run') {
    throw new GateError(
      'BAD_ARGUMENT',
      `mode: comment runs on workflow_run events, and this run was started by ${eventName ? `"${eventName}"` : 'no event'}`,
      'trigger its workflow with on: workflow_run: { workflows: [the gate workflow], types: [completed] } (examples/workflows/fork-comment.yml)',
    );
  }
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH ?? '', 'utf8'));
  } catch (e) {
    throw new GateError('BAD_ARGUMENT', `cannot read the workflow_run event (GITHUB_EVENT_PATH): ${messageOf(e)}`);
  }
  const run = parseWithSchema(PAYLOAD, doc, { what: 'the workflow_run event', code: 'BAD_ARGUMENT' }).workflow_run;
  const fullName = env.GITHUB_REPOSITORY || run.repository.full_name;
  const [owner, repo, ...rest] = fullName.split('/');
  if (!owner || !repo || rest.length) throw new GateError('BAD_ARGUMENT', `GITHUB_REPOSITORY "${fullName}" is not owner/name`);
  return {
    owner,
    repo,
    repoId: run.repository.id,
    runId: run.id,
    runNumber: run.run_number,
    workflowName: run.name ?? `run ${run.id}`,
    event: run.event,
    conclusion: run.conclusion ?? undefined,
    headSha: run.head_sha,
    headBranch: run.head_branch ?? undefined,
    headRepository: run.head_repository?.full_name,
    htmlUrl: run.html_url,
    pullRequests: run.pull_requests.map((pr) => ({ number: pr.number, headSha: pr.head.sha, baseRepoId: pr.base.repo?.id })),
  };
}

/** The pull request a report artifact says it was made for (PULL_REQUEST_FILE): untrusted, a hint to verify. */
export const PULL_REQUEST_NOTE = z.looseObject({
  schemaVersion: z.literal(1),
  repository: z.string().max(200),
  number: id,
  headSha: z.string().regex(SHA),
});
export type PullRequestNote = z.infer<typeof PULL_REQUEST_NOTE>;

/** The note's content, or undefined when it is not one (it never decides anything on its own). */
export function parsePullRequestNote(text: string | undefined): PullRequestNote | undefined {
  if (text === undefined || text.length > 4096) return undefined;
  try {
    const parsed = PULL_REQUEST_NOTE.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
