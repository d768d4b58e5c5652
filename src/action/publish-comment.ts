/** The sticky PR comment as both modes post it (check and aggregate): best effort, never the gate's outcome. */
import * as core from '@actions/core';
import { messageOf } from '../common/errors';
import type { Report } from '../report/types';
import { renderCommentBody } from './comment-body';
import { syncStickyComment } from './comment';
import { createClient, pullRequestContext } from './github';
import type { Inputs } from './inputs';
import { info } from './log';

export async function publishComment(inputs: Inputs, report: Report, url: string | undefined): Promise<void> {
  if (inputs.comment === 'never') return;
  const pr = pullRequestContext();
  if (!pr) {
    info('cuda-gate: not a pull_request event: no PR comment (the job summary has the results)');
    return;
  }
  if (!inputs.githubToken) {
    core.warning('cuda-gate: no github-token: no PR comment (the job summary has the results)');
    return;
  }
  try {
    const body = renderCommentBody(report, { key: inputs.commentKey, runUrl: url, commit: pr.headSha });
    const result = await syncStickyComment(
      createClient(inputs.githubToken),
      pr,
      { key: inputs.commentKey, mode: inputs.comment, state: report.summary.verdict, gatePassed: report.summary.gatePassed, body },
      { info, warning: core.warning },
    );
    info(`cuda-gate: PR comment ${result.action}${result.url ? `: ${result.url}` : ''}${result.reason ? ` (${result.reason})` : ''}`);
  } catch (e) {
    // the verdict and the summary stand whatever happens to the comment
    core.warning(`cuda-gate: could not update the PR comment: ${messageOf(e)}`);
  }
}
