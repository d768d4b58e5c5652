/**
 * mode: aggregate — the job after the matrix: reads the legs' JSON reports, merges them, and gives the one verdict:
 * one job summary, one sticky PR comment, the same outputs as a check, and one pass or fail by fail-on. This is
 * the job to make the required status check. Bundle-only (it loads @actions/core and @actions/artifact).
 */
import { readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import * as core from '@actions/core';
import { maxDriver } from '../common/driver-version';
import { GateError, isGateError, messageOf } from '../common/errors';
import { renderMarkdown } from '../report/markdown';
import { mergeReports, type NamedReport } from '../report/merge';
import { parseReport } from '../report/parse-report';
import type { Report } from '../report/types';
import { publishComment } from './publish-comment';
import { runUrl } from './github';
import type { Inputs } from './inputs';
import { downloadReportArtifacts } from './report-artifact';
import { matchReportFiles, writeReportFile } from './report-files';
import { writeActionSarif } from './sarif-file';
import { PULL_REQUEST_FILE } from './report-zip';
import { info } from './log';

/** GitHub drops a whole step summary over 1 MiB: keep well under it (as a check does). */
const SUMMARY_BUDGET = 900_000;
const ARTIFACT_PREFIX = 'artifact:';

export async function runAggregate(inputs: Inputs): Promise<void> {
  let report: Report;
  try {
    const reports = await core.group('cuda-gate: reading the reports to merge', () => readReports(inputs));
    report = mergeReports(reports, { failOn: inputs.failOn });
  } catch (e) {
    core.setFailed(isGateError(e) ? `cuda-gate: ${e.toLine()}` : `cuda-gate: internal error: ${messageOf(e)} (please report this)`);
    return;
  }
  await publishMerged(inputs, report);
}

/** Every report the `reports` lines name, read and checked; none at all is an error, never a green gate. */
async function readReports(inputs: Inputs): Promise<NamedReport[]> {
  const globs = inputs.reports.filter((r) => !r.startsWith(ARTIFACT_PREFIX));
  const artifactPatterns = inputs.reports.filter((r) => r.startsWith(ARTIFACT_PREFIX)).map((r) => r.slice(ARTIFACT_PREFIX.length).trim());

  const files: { path: string; name: string }[] = [];
  const { files: matched, unmatched } = matchReportFiles(globs, process.cwd(), [inputs.reportPath]);
  // report-artifact's pull-request note, downloaded beside a report by actions/download-artifact, is not a report
  files.push(...matched.filter((f) => basename(f.path) !== PULL_REQUEST_FILE));
  for (const pattern of unmatched) core.warning(`cuda-gate: reports: "${pattern}" matched no file`);

  const downloadDir = join(process.env.RUNNER_TEMP || process.cwd(), 'cuda-gate-reports');
  for (const pattern of artifactPatterns) {
    const downloaded = await downloadReportArtifacts(pattern, downloadDir);
    if (downloaded.available && !downloaded.files.length) core.warning(`cuda-gate: reports: no artifact of this run matches "${pattern}"`);
    files.push(...downloaded.files);
  }

  if (!files.length) {
    throw new GateError(
      'BAD_ARGUMENT',
      `no report to merge: reports (${inputs.reports.join(', ')}) matched nothing`,
      'did every leg write its report-path and upload it, and did actions/download-artifact run before this step?',
    );
  }
  return files.map(({ path, name }) => {
    info(`reading ${name}`);
    let text: string;
    try {
      text = readFileSync(resolve(path), 'utf8');
    } catch (e) {
      throw new GateError('BAD_REPORT', `cannot read report ${name}: ${messageOf(e)}`);
    }
    return { name, report: parseReport(text, name) };
  });
}

async function publishMerged(inputs: Inputs, report: Report): Promise<void> {
  const url = runUrl();
  const reportError = writeReportFile(inputs.reportPath, JSON.stringify(report, null, 2));
  const sarifError = inputs.sarifFile ? writeActionSarif(report, { ...inputs, sarifFile: inputs.sarifFile }) : undefined;
  // notes say what the merge had to decide (versions, renamed rows): on the run page too, not only in the summary
  for (const note of report.notes ?? []) core.notice(`cuda-gate: ${note}`, { title: 'cuda-gate merge' });
  const markdown = renderMarkdown(report, { maxChars: SUMMARY_BUDGET, fullReportUrl: url });
  try {
    await core.summary.addRaw(markdown).write();
  } catch (e) {
    core.warning(`cuda-gate: could not write the job summary: ${messageOf(e)}`);
  }

  await publishComment(inputs, report, url);

  const s = report.summary;
  core.setOutput('verdict', s.verdict);
  core.setOutput('failed-count', s.fail);
  core.setOutput('caveat-count', s.caveat);
  core.setOutput('min-driver', maxDriver(report.images.map((i) => i.requirement.minDriver).filter((d): d is string => !!d)) ?? '');
  core.setOutput('report', reportError ? '' : inputs.reportPath);
  core.setOutput('sarif-file', inputs.sarifFile && !sarifError ? inputs.sarifFile : '');
  core.setOutput('summary-markdown', markdown);

  const merged = `${report.mergedFrom?.length ?? 0} report(s), ${report.images.length} image(s), ${report.targets.length} target(s)`;
  if (!s.gatePassed) {
    const worst = report.results.find((r) => r.verdict === s.verdict);
    const why = worst?.reasons.find((r) => r.verdict === worst.verdict) ?? worst?.reasons[0];
    core.setFailed(
      `cuda-gate: ${s.fail} failing, ${s.caveat} with caveats over ${merged} (fail-on: ${report.policy.failOn}). Worst: ${worst?.image} on ${worst?.target}: ${worst?.verdict}${why ? ` — ${why.code}: ${why.message}` : ''}`,
    );
  } else {
    info(`cuda-gate: gate passed over ${merged} (${s.pass} pass, ${s.caveat} caveat, ${s.fail} fail; fail-on: ${report.policy.failOn})`);
  }
  // last, after the summary, comment and outputs: nothing else is lost
  if (reportError) core.setFailed(reportError);
  if (sarifError) core.setFailed(sarifError);
}
