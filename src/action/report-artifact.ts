/**
 * Reports as workflow artifacts: a leg uploads its JSON report (report-artifact), the aggregate job downloads the
 * legs' reports (`artifact:PATTERN` lines in reports). @actions/artifact talks to the runner's artifact service
 * with ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL, which only a job step gets: without them this warns and the
 * files are left to actions/upload-artifact and actions/download-artifact. ESM-only, loaded on first use, so only
 * the bundle ever imports this module.
 */
import { copyFileSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import * as core from '@actions/core';
import { GateError, messageOf } from '../common/errors';
import { pullRequestContext, type GitHubClient } from './github';
import { globRegex } from './report-files';
import { info } from './log';
import { MAX_ZIP_BYTES, PULL_REQUEST_FILE } from './report-zip';
import type { PullRequestNote } from './workflow-run';

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
    const { files, root } = withPullRequestNote(file);
    const client = await artifactClient();
    const { id, size } = await client.uploadArtifact(name, files, root);
    info(`cuda-gate: report uploaded as artifact "${name}"${id !== undefined ? ` (id ${id}, ${size ?? '?'} bytes)` : ''}`);
  } catch (e) {
    if (unsupportedHere(e)) {
      core.warning(`cuda-gate: report-artifact: ${messageOf(e)}: the report stays at ${reportPath} — upload it with actions/upload-artifact`);
      return;
    }
    core.setFailed(`cuda-gate: could not upload the report as artifact "${name}": ${messageOf(e)} (the aggregate job would miss this leg's images)`);
  }
}

/**
 * On a pull request, the report travels with a note of the PR it was made for (PULL_REQUEST_FILE): a workflow_run
 * job (mode: comment) finds the PR by it where GitHub lists none (a fork's run). Both go from a directory of their own
 * so nothing is written beside the user's report.
 */
function withPullRequestNote(file: string): { files: string[]; root: string } {
  const pr = pullRequestContext();
  if (!pr || !pr.headSha) return { files: [file], root: dirname(file) };
  const root = mkdtempSync(join(process.env.RUNNER_TEMP || tmpdir(), 'cuda-gate-artifact-'));
  const report = join(root, basename(file));
  copyFileSync(file, report);
  const note: PullRequestNote = { schemaVersion: 1, repository: `${pr.owner}/${pr.repo}`, number: pr.number, headSha: pr.headSha };
  const notePath = join(root, PULL_REQUEST_FILE);
  writeFileSync(notePath, `${JSON.stringify(note, null, 2)}\n`);
  return { files: [report, notePath], root };
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
      // the pull-request note beside the report is not a report
      if (!entry.isFile() || !entry.name.toLowerCase().endsWith('.json') || entry.name === PULL_REQUEST_FILE) continue;
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

/** An artifact of another workflow run, as the REST API lists it. */
export interface RunArtifact {
  id: number;
  name: string;
  sizeInBytes: number;
  expired: boolean;
  expiresAt?: string;
}

/** Pages of 100 read at most: a run with more artifacts than this is not a gate's. */
const MAX_ARTIFACT_PAGES = 10;
/** How long the download of one artifact's zip may take. */
const DOWNLOAD_DEADLINE_MS = 120_000;

/**
 * The artifacts of run `runId` (any run of the repository: the REST API, with a token that has `actions: read`)
 * whose name matches `pattern` (`*`, `?`), sorted by name.
 */
export async function listRunArtifacts(client: GitHubClient, where: { owner: string; repo: string }, runId: number, pattern: string): Promise<RunArtifact[]> {
  const wanted = globRegex(pattern);
  const found: RunArtifact[] = [];
  let pages = 0;
  try {
    for await (const { data } of client.paginate.iterator(client.rest.actions.listWorkflowRunArtifacts, { ...where, run_id: runId, per_page: 100 })) {
      for (const a of data) {
        if (wanted.test(a.name)) found.push({ id: a.id, name: a.name, sizeInBytes: a.size_in_bytes, expired: a.expired, expiresAt: a.expires_at ?? undefined });
      }
      if (++pages >= MAX_ARTIFACT_PAGES) break;
    }
  } catch (e) {
    const status = (e as { status?: number }).status;
    throw new GateError(
      'BAD_ARGUMENT',
      `cannot list the artifacts of run ${runId}: ${status ?? ''} ${messageOf(e)}`.replace(/ {2,}/g, ' '),
      status === 403 || status === 404 ? 'give this workflow `permissions: actions: read` (and github-token the default ${{ github.token }})' : undefined,
    );
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * One artifact's zip, at most MAX_ZIP_BYTES. GitHub answers the download with a 302 to a signed storage URL, fetched
 * here without the token (the URL carries its own signature, and the token must not travel to another host); an
 * answer of 200 with the zip itself is read as well. 410: the artifact has expired.
 */
export async function downloadArtifactZip(client: GitHubClient, where: { owner: string; repo: string }, artifact: RunArtifact, what: string): Promise<Buffer> {
  if (artifact.sizeInBytes > MAX_ZIP_BYTES) throw tooLarge(what, `${artifact.sizeInBytes} bytes`);
  let response;
  try {
    response = await client.rest.actions.downloadArtifact({
      ...where,
      artifact_id: artifact.id,
      archive_format: 'zip',
      request: { redirect: 'manual', parseSuccessResponseBody: false },
    });
  } catch (e) {
    const status = (e as { status?: number }).status;
    if (status === 410) throw expiredArtifact(what, artifact);
    throw new GateError(
      'BAD_ARGUMENT',
      `cannot download ${what}: ${status ?? ''} ${messageOf(e)}`.replace(/ {2,}/g, ' '),
      status === 403 || status === 404 ? 'give this workflow `permissions: actions: read`' : undefined,
    );
  }
  const signal = AbortSignal.timeout(DOWNLOAD_DEADLINE_MS);
  // typed as 302 only; a server may send the zip itself
  if ((response.status as number) === 200)
    return readCapped(response.data as unknown as ReadableStream<Uint8Array> | null, response.headers['content-length'], what);
  const location = response.headers.location;
  if (!location || !/^https?:\/\//i.test(location))
    throw new GateError('BAD_ARGUMENT', `cannot download ${what}: GitHub answered ${response.status} without a download URL`);
  try {
    const blob = await fetch(location, { redirect: 'follow', signal });
    if (blob.status === 410) throw expiredArtifact(what, artifact);
    if (!blob.ok) throw new GateError('BAD_ARGUMENT', `cannot download ${what}: the storage answered ${blob.status} ${blob.statusText}`, 'rerun this workflow');
    return await readCapped(blob.body, blob.headers.get('content-length') ?? undefined, what);
  } catch (e) {
    if (e instanceof GateError) throw e;
    throw new GateError('BAD_ARGUMENT', `cannot download ${what}: ${messageOf(e)}`, 'rerun this workflow');
  }
}

/** The error for an artifact GitHub has deleted (listed as expired, or a 410 on download). */
export function expiredArtifact(what: string, artifact: RunArtifact): GateError {
  return new GateError(
    'FILE_NOT_FOUND',
    `${what} has expired${artifact.expiresAt ? ` (on ${artifact.expiresAt})` : ''}: GitHub deleted it after the repository's artifact retention`,
    're-run the gate workflow to upload a fresh report (its completion runs this workflow again), or raise the retention (retention-days)',
  );
}

async function readCapped(body: ReadableStream<Uint8Array> | null, contentLength: string | number | undefined, what: string): Promise<Buffer> {
  const declared = Number(contentLength);
  if (Number.isFinite(declared) && declared > MAX_ZIP_BYTES) throw tooLarge(what, `${declared} bytes`);
  if (!body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > MAX_ZIP_BYTES) {
      await reader.cancel();
      throw tooLarge(what, `more than ${MAX_ZIP_BYTES} bytes`);
    }
    chunks.push(Buffer.from(value));
  }
  return Buffer.concat(chunks);
}

function tooLarge(what: string, size: string): GateError {
  return new GateError(
    'LIMIT_EXCEEDED',
    `${what} is ${size}, over the limit of ${MAX_ZIP_BYTES / 1024 / 1024} MiB for a report artifact: not downloaded`,
    'upload the JSON report alone (report-artifact)',
  );
}
