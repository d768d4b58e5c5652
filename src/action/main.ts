/** The GitHub Action shell: inputs -> engine -> job summary, outputs, exit. */
import { writeFileSync } from 'node:fs';
import * as core from '@actions/core';
import { isGateError, messageOf } from '../common/errors';
import { maxDriver } from '../common/driver-version';
import { checkImages } from '../engine/check';
import { loadMatrix } from '../matrix/load';
import { renderMarkdown } from '../report/markdown';
import { parsePlatform } from '../sources/platform';
import { adHocTarget, loadTargetsFile } from '../targets/load';
import { DEFAULT_POLICY, type Policy, type Target } from '../targets/types';
import { getInputs } from './inputs';

export async function runAction(): Promise<void> {
  try {
    const inputs = getInputs();
    if (inputs.githubToken) core.setSecret(inputs.githubToken);
    const matrix = loadMatrix();
    let targets: Target[];
    let policy: Policy = { ...DEFAULT_POLICY };
    if (inputs.driver) {
      targets = [adHocTarget({ driver: inputs.driver, gpu: inputs.gpu, forwardCompat: inputs.forwardCompat }, matrix)];
    } else {
      const loaded = loadTargetsFile(inputs.targets, matrix);
      targets = loaded.targets;
      policy = { ...policy, ...loaded.policy };
    }
    if (inputs.failOn) policy.failOn = inputs.failOn;
    if (inputs.noCuda) policy.noCuda = inputs.noCuda;

    const report = await checkImages({
      sources: inputs.images,
      targets,
      policy,
      matrix,
      platform: inputs.platform ? parsePlatform(inputs.platform) : undefined,
    });
    writeFileSync(inputs.reportPath, JSON.stringify(report, null, 2));
    const markdown = renderMarkdown(report, { maxChars: 900_000 });
    await core.summary.addRaw(markdown).write();

    core.setOutput('verdict', report.summary.verdict);
    core.setOutput('failed-count', report.summary.fail);
    core.setOutput('caveat-count', report.summary.caveat);
    core.setOutput('min-driver', maxDriver(report.images.map((i) => i.requirement.minDriver).filter((d): d is string => !!d)) ?? '');
    core.setOutput('report', inputs.reportPath);
    core.setOutput('summary-markdown', markdown);
    if (!report.summary.gatePassed) {
      const worst = report.results.find((r) => r.verdict === report.summary.verdict);
      core.setFailed(`cuda-gate: ${worst ? `${worst.image} × ${worst.target}: ${worst.verdict} — ${worst.reasons[0]?.code ?? ''}` : 'gate failed'}`);
    }
  } catch (e) {
    core.setFailed(isGateError(e) ? `cuda-gate: ${e.toLine()}` : `cuda-gate: internal error: ${messageOf(e)}`);
  }
}

void runAction();
