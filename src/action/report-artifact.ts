/**
 * Reports as workflow artifacts: a leg uploads its JSON report (report-artifact), the aggregate job downloads the
 * legs' reports (`artifact:PATTERN` lines in reports). @actions/artifact talks to the runner's artifact service
 * with ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL, which only a job step gets: without them this warns and the
 * files are left to actions/upload-artifact and actions/download-artifact. ESM-only, loaded on first use, so only
 * the bundle ever imports this module.
 */
import { readdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import * as core from '@actions/core';
import { messageOf } from '../common/errors';
import { globRegex } from './report-files';
import { info } from './log';

/** The runner hands these to a JavaScript action's process; a local run or a container step may lack them. */
export function artifactServiceAvailable(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.ACTIONS_RUNTIME_TOKEN && env.ACTIONS_RESULTS_URL);
}

/** @actions/artifact refuses GitHub Enterprise Server, whose artifact service it does not speak. */
function unsupportedHere(e: unknown): boolean {
  return e instanceof Error && e.name === 'GHESNotSupportedError';
}

async function artifactClient() {
  const { DefaultArtifactClient } = await import('@actions/artifact');
  return new DefaultArtifactClient();
}

/**
 * Uploads the leg's report as artifact `name`. A missing artifact service is a warning (the report is still at
 * reportPath for actions/upload-artifact); a failed upload fails the step, because the aggregate would otherwise
 * judge without this leg's images.
 */
export async function uploadReportArtifact(name: string, reportPath: string): Promise<void> {
  if (!artifactServiceAvailable()) {
    core.warning(
      `cuda-gate: report-artifact: the runner's artifact service is not available to this step (no ACTIONS_RUNTIME_TOKEN/ACTIONS_RESULTS_URL): the report stays at ${reportPath} — upload it with actions/upload-artifact`,
    );
    return;
  }
  const file = resolve(reportPath);
  try {
    const client = await artifactClient();
    const { id, size } = await client.uploadArtifact(name, [file], dirname(file));
    info(`cuda-gate: report uploaded as artifact "${name}"${id !== undefined ? ` (id ${id}, ${size ?? '?'} bytes)` : ''}`);
  } catch (e) {
    if (unsupportedHere(e)) {
      core.warning(`cuda-gate: report-artifact: ${messageOf(e)}: the report stays at ${reportPath} — upload it with actions/upload-artifact`);
      return;
    }
    core.setFailed(`cuda-gate: could not upload the report as artifact "${name}": ${messageOf(e)} (the aggregate job would miss this leg's images)`);
  }
}

export interface DownloadedReports {
  /** artifact name -> the .json files it held */
  files: { artifact: string; path: string; name: string }[];
  /** false when the artifact service was not available (warned) */
  available: boolean;
}

/**
 * Downloads every artifact of this run whose name matches `pattern` (`*`, `?`) into `into/NAME/` and returns the
 * .json files they hold. Errors from the service propagate: a verdict without some legs must not pass quietly.
 */
export async function downloadReportArtifacts(pattern: string, into: string): Promise<DownloadedReports> {
  if (!artifactServiceAvailable()) {
    core.warning(
      `cuda-gate: reports: "artifact:${pattern}" needs the runner's artifact service (ACTIONS_RUNTIME_TOKEN), which this step does not have — download the reports with actions/download-artifact and list the files instead`,
    );
    return { files: [], available: false };
  }
  const client = await artifactClient();
  const wanted = globRegex(pattern);
  let artifacts;
  try {
    ({ artifacts } = await client.listArtifacts({ latest: true }));
  } catch (e) {
    if (!unsupportedHere(e)) throw e;
    core.warning(`cuda-gate: reports: "artifact:${pattern}": ${messageOf(e)} — download the reports with actions/download-artifact and list the files instead`);
    return { files: [], available: false };
  }
  const files: DownloadedReports['files'] = [];
  for (const artifact of artifacts.filter((a) => wanted.test(a.name)).sort((a, b) => a.name.localeCompare(b.name))) {
    const dir = join(into, basename(artifact.name));
    await client.downloadArtifact(artifact.id, { path: dir });
    info(`cuda-gate: downloaded artifact "${artifact.name}"`);
    for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.toLowerCase().endsWith('.json')) continue;
      const path = join(entry.parentPath ?? dir, entry.name);
      files.push({
        artifact: artifact.name,
        path,
        name: `${artifact.name}/${path
          .slice(dir.length + 1)
          .split('\\')
          .join('/')}`,
      });
    }
  }
  return { files, available: true };
}
