/**
 * mode: comment — the sticky PR comment for pull requests whose own run cannot post it (a fork's GITHUB_TOKEN is
 * read-only). A workflow `on: workflow_run` (trusted: the base branch's file, a token that may write) runs this after
 * the gate workflow: it finds the run that finished, downloads that run's report artifact through the REST API,
 * checks it as untrusted input (zip limits, the report schema), finds the pull request whose head is exactly the
 * commit the run gated, and posts or edits the one comment. It never checks out or runs the pull request's code, and
 * it does not gate: the gate run is the check. Bundle-only (it loads @actions/core and Octokit).
 */
import * as core from '@actions/core';
import { maxDriver } from '../common/driver-version';
import { GateError, isGateError, messageOf } from '../common/errors';
import { mergeReports, type NamedReport } from '../report/merge';
import { parseReport } from '../report/parse-report';
import type { Report } from '../report/types';
import { renderCommentBody } from './comment-body';
import { syncStickyComment } from './comment';
import { createClient, type GitHubClient } from './github';
import type { Inputs } from './inputs';
import { info } from './log';
import { downloadArtifactZip, expiredArtifact, listRunArtifacts } from './report-artifact';
import { readReportZip } from './report-zip';
import { parsePullRequestNote, workflowRunContext, type PullRequestNote, type WorkflowRun } from './workflow-run';

/** The artifact name mode: comment looks for when report-artifact is not set: set the same on the gate step. */
export const DEFAULT_REPORT_ARTIFACT = 'cuda-gate-report';
/** More matching artifacts than this is not one gate's reports (matrix legs included). */
const MAX_REPORT_ARTIFACTS = 50;
const PULL_REQUEST_EVENTS = new Set(['pull_request', 'pull_request_target']);

export async function runCommentMode(inputs: Inputs): Promise<void> {
  try {
    await commentOnRun(inputs);
  } catch (e) {
    core.setFailed(isGateError(e) ? `cuda-gate: ${e.toLine()}` : `cuda-gate: internal error: ${messageOf(e)} (please report this)`);
  }
}

async function commentOnRun(inputs: Inputs): Promise<void> {
  const run = workflowRunContext();
  const runName = `run ${run.runId} of workflow "${run.workflowName}"`;
  if (!PULL_REQUEST_EVENTS.has(run.event)) {
    info(`cuda-gate: ${runName} was started by ${run.event}, not by a pull request: nothing to comment on`);
    return;
  }
  if (inputs.comment === 'never') {
    info('cuda-gate: comment: never — mode: comment posts nothing');
    return;
  }
  if (!inputs.githubToken) {
    throw new GateError(
      'BAD_ARGUMENT',
      'mode: comment needs github-token',
      'leave github-token at its default and give this workflow `permissions: actions: read, pull-requests: write`',
    );
  }
  const client = createClient(inputs.githubToken);
  const where = { owner: run.owner, repo: run.repo };

  const { report, notes } = await core.group(`cuda-gate: reading the report of ${runName}`, () =>
    readRunReport(client, run, runName, inputs.reportArtifact || DEFAULT_REPORT_ARTIFACT, inputs),
  );
  const s = report.summary;
  core.setOutput('verdict', s.verdict);
  core.setOutput('failed-count', s.fail);
  core.setOutput('caveat-count', s.caveat);
  core.setOutput('min-driver', maxDriver(report.images.map((i) => i.requirement.minDriver).filter((d): d is string => !!d)) ?? '');

  const found = await findPullRequests(client, run, notes);
  if (!found.matched.length) {
    if (found.moved.length) {
      const moved = found.moved.map((m) => `#${m.number} (its head is now ${short(m.headSha)})`).join(', ');
      core.notice(
        `cuda-gate: pull request ${moved} has moved on since ${runName} gated ${short(run.headSha)}: no comment from this run — the run for the new head posts it`,
        { title: 'cuda-gate: pull request updated since' },
      );
      return;
    }
    const head = run.headRepository && run.headBranch ? ` (${run.headRepository.split('/')[0]}:${run.headBranch})` : '';
    throw new GateError(
      'BAD_ARGUMENT',
      `no open pull request of ${where.owner}/${where.repo} has head ${run.headSha}${head}, the commit ${runName} gated: nothing to comment on`,
      "the pull request was closed, or its branch deleted, before this ran; a run of the gate workflow that no pull request started (push, schedule) is skipped by the example's `if: github.event.workflow_run.event == 'pull_request'`",
    );
  }

  let body: string;
  try {
    body = renderCommentBody(report, { key: inputs.commentKey, runUrl: run.htmlUrl, commit: run.headSha });
  } catch (e) {
    throw new GateError(
      'BAD_REPORT',
      `the report of ${runName} cannot be rendered: ${messageOf(e)}`,
      'the gate job must upload the report cuda-gate wrote; nothing was posted',
    );
  }
  for (const number of found.matched) {
    let refused = false;
    const result = await syncStickyComment(
      client,
      { ...where, number },
      { key: inputs.commentKey, mode: inputs.comment, state: s.verdict, gatePassed: s.gatePassed, body },
      {
        info,
        warning: (message) => {
          refused = true;
          core.warning(message);
        },
      },
    );
    info(`cuda-gate: PR #${number} comment ${result.action}${result.url ? `: ${result.url}` : ''}${result.reason ? ` (${result.reason})` : ''}`);
    // posting is this mode's whole job: a refusal is the workflow's permissions, and must not look green
    if (refused) core.setFailed(`cuda-gate: mode: comment could not comment on PR #${number}: give this workflow \`permissions: pull-requests: write\``);
  }
}

interface RunReport {
  report: Report;
  /** what the artifacts say about the pull request they were made for: hints, verified against GitHub */
  notes: PullRequestNote[];
}

/** The run's report artifact(s) matching `pattern`, downloaded, unzipped and checked; several are merged. */
async function readRunReport(client: GitHubClient, run: WorkflowRun, runName: string, pattern: string, inputs: Inputs): Promise<RunReport> {
  const where = { owner: run.owner, repo: run.repo };
  const artifacts = await listRunArtifacts(client, where, run.runId, pattern);
  if (!artifacts.length) throw noArtifact(run, runName, pattern);
  if (artifacts.length > MAX_REPORT_ARTIFACTS) {
    throw new GateError(
      'LIMIT_EXCEEDED',
      `${artifacts.length} artifacts of ${runName} match "${pattern}", more than ${MAX_REPORT_ARTIFACTS}`,
      'name the report artifacts more narrowly (report-artifact)',
    );
  }
  const reports: NamedReport[] = [];
  const notes: PullRequestNote[] = [];
  for (const artifact of artifacts) {
    const what = `artifact "${artifact.name}" of ${runName}`;
    if (artifact.expired) throw expiredArtifact(what, artifact);
    if (artifact.sizeInBytes > 0) info(`cuda-gate: downloading ${what} (${artifact.sizeInBytes} bytes)`);
    const zip = await downloadArtifactZip(client, where, artifact, what);
    const content = await readReportZip(zip, what);
    if (content.ignored.length) {
      core.warning(
        `cuda-gate: ${what}: ignored ${content.ignored.length} entr${content.ignored.length === 1 ? 'y' : 'ies'} whose name leaves the artifact: ${content.ignored.slice(0, 5).join(', ')}`,
      );
    }
    if (!content.reports.length) {
      throw new GateError(
        'BAD_REPORT',
        `${what} holds no JSON report${content.ignored.length ? ` (entries with unsafe names were ignored: ${content.ignored.slice(0, 5).join(', ')})` : ''}`,
        `set report-artifact: ${artifact.name} on the gate step (it uploads the report cuda-gate wrote); nothing was posted`,
      );
    }
    for (const file of content.reports) {
      const name = `${artifact.name}/${file.path}`;
      try {
        reports.push({ name, report: parseReport(file.text, name) });
      } catch (e) {
        if (!isGateError(e)) throw e;
        throw new GateError(
          'BAD_REPORT',
          `malformed report in ${what}: ${e.message}`,
          'the gate job must upload the JSON report cuda-gate wrote (report-artifact); a pull request can change that job, so nothing was posted',
        );
      }
    }
    const note = parsePullRequestNote(content.pullRequest);
    if (note) notes.push(note);
    else if (content.pullRequest !== undefined) core.warning(`cuda-gate: ${what}: its pull-request note is not one cuda-gate wrote: ignored`);
  }
  for (const { name } of reports) info(`cuda-gate: read ${name}`);
  const report = reports.length === 1 ? reports[0].report : mergeReports(reports, { failOn: inputs.failOn });
  return { report, notes };
}

function noArtifact(run: WorkflowRun, runName: string, pattern: string): GateError {
  const ended = run.conclusion ? ` (it ended: ${run.conclusion})` : '';
  const kind = /[*?]/.test(pattern) ? `no artifact matching "${pattern}"` : `no artifact named "${pattern}"`;
  return new GateError(
    'FILE_NOT_FOUND',
    `${runName} has ${kind}${ended}: the gate job did not upload its report`,
    `set report-artifact: ${pattern.replace(/[*?].*$/, '') || DEFAULT_REPORT_ARTIFACT}… on the cuda-gate step of that workflow, the same name as this step's report-artifact; if it is set, the gate step failed before it wrote a report${run.htmlUrl ? ` (see ${run.htmlUrl})` : ''}`,
  );
}

interface FoundPullRequests {
  /** open pull requests of this repository whose head is the gated commit: each gets the comment */
  matched: number[];
  /** open pull requests that had the commit but whose head has moved on since */
  moved: { number: number; headSha: string }[];
}

interface PullRequestData {
  number: number;
  state: string;
  head: { sha: string; repo?: { full_name: string } | null };
  base: { repo: { full_name: string } };
}

/**
 * Where GitHub says which pull request a run was for, most direct first: the event's pull_requests (empty for a
 * fork's run), the artifact's note (a hint from the run itself, so it is checked like the rest), the pull requests
 * of the commit, and the open pull requests from the fork's branch. Every candidate is read fresh and must be open,
 * in this repository, from the run's head repository, with its head at exactly the gated commit.
 */
async function findPullRequests(client: GitHubClient, run: WorkflowRun, notes: PullRequestNote[]): Promise<FoundPullRequests> {
  const where = { owner: run.owner, repo: run.repo };
  const here = `${run.owner}/${run.repo}`.toLowerCase();
  const found: FoundPullRequests = { matched: [], moved: [] };
  const seen = new Set<number>();

  const consider = (pr: PullRequestData): void => {
    if (seen.has(pr.number)) return;
    seen.add(pr.number);
    if (pr.state !== 'open' || pr.base.repo.full_name.toLowerCase() !== here) return;
    const headRepo = pr.head.repo?.full_name;
    if (run.headRepository && headRepo && headRepo.toLowerCase() !== run.headRepository.toLowerCase()) return;
    if (pr.head.sha === run.headSha) found.matched.push(pr.number);
    else found.moved.push({ number: pr.number, headSha: pr.head.sha });
  };
  const byNumber = async (numbers: number[]): Promise<void> => {
    for (const number of numbers) {
      if (seen.has(number)) continue;
      const pr = await readPull(client, where, number);
      if (pr) consider(pr);
    }
  };

  // 1. GitHub's own match; it may list pull requests of other repositories whose branch has the same name
  await byNumber(run.pullRequests.filter((p) => run.repoId === undefined || p.baseRepoId === undefined || p.baseRepoId === run.repoId).map((p) => p.number));
  if (found.matched.length) return found;
  // 2. the note the gate's report-artifact wrote, for this very commit
  await byNumber(notes.filter((n) => n.repository.toLowerCase() === here && n.headSha === run.headSha).map((n) => n.number));
  if (found.matched.length) return found;
  // 3. the pull requests that contain the commit
  for (const pr of await listOrNone(() => client.rest.repos.listPullRequestsAssociatedWithCommit({ ...where, commit_sha: run.headSha, per_page: 100 })))
    consider(pr);
  if (found.matched.length) return found;
  // 4. the open pull requests from the head branch
  if (run.headRepository && run.headBranch) {
    const head = `${run.headRepository.split('/')[0]}:${run.headBranch}`;
    for (const pr of await listOrNone(() => client.rest.pulls.list({ ...where, head, state: 'open', per_page: 100 }))) consider(pr);
  }
  return found;
}

async function readPull(client: GitHubClient, where: { owner: string; repo: string }, number: number): Promise<PullRequestData | undefined> {
  try {
    return (await client.rest.pulls.get({ ...where, pull_number: number })).data;
  } catch (e) {
    if ((e as { status?: number }).status === 404) return undefined;
    throw new GateError('BAD_ARGUMENT', `cannot read pull request #${number}: ${messageOf(e)}`, 'give this workflow `permissions: pull-requests: write`');
  }
}

/** A lookup that finds nothing (404, or 422 for a commit GitHub does not know) is an empty list. */
async function listOrNone(list: () => Promise<{ data: PullRequestData[] }>): Promise<PullRequestData[]> {
  try {
    return (await list()).data;
  } catch (e) {
    const status = (e as { status?: number }).status;
    if (status === 404 || status === 422) return [];
    throw new GateError('BAD_ARGUMENT', `cannot look up the pull request: ${messageOf(e)}`, 'give this workflow `permissions: pull-requests: write`');
  }
}

const short = (sha: string) => sha.slice(0, 7);
