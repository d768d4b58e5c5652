/**
 * The GitHub Action shell: inputs -> engine -> job summary, sticky PR comment, annotations, outputs, exit.
 * The gate is the exit status and needs no token; the comment is best effort and never decides the outcome.
 */
import * as core from '@actions/core';
import { maxDriver } from '../common/driver-version';
import { isGateError, messageOf } from '../common/errors';
import { compareWithBaselines } from '../engine/baseline';
import { checkImages, type Progress } from '../engine/check';
import { progressIntervalMs, progressLog } from '../engine/progress';
import { loadMatrix } from '../matrix/load';
import { loadMatrixWithOverrides } from '../matrix/overrides';
import type { Matrix } from '../matrix/types';
import { renderMarkdown } from '../report/markdown';
import { worsened } from '../report/transitions';
import type { Report } from '../report/types';
import { parsePlatform } from '../sources/platform';
import { adHocTarget } from '../targets/load';
import { probeHost, probeTargets } from '../targets/probe';
import { DEFAULT_POLICY, type Policy } from '../model/policy';
import type { Target } from '../model/target';
import { worst as worstOf } from '../model/verdict';
import { runAggregate } from './aggregate';
import { buildAnnotations } from './annotations';
import { runCommentMode } from './comment-mode';
import { resolveDockerfiles } from './dockerfile';
import { publishComment } from './publish-comment';
import { createClient, runUrl } from './github';
import { getInputs, type Inputs } from './inputs';
import { ActionLayerCache } from './layer-cache';
import { uploadReportArtifact } from './report-artifact';
import { writeReportFile } from './report-files';
import { resolvePolicy, type ResolvedPolicy } from './policy-source';
import { withPolicySource } from '../report/policy-note';
import { waiverWarnings } from '../verdict/waivers';
import { writeActionSarif } from './sarif-file';
import { info } from './log';

/** GitHub drops a whole step summary over 1 MiB: keep well under it. */
const SUMMARY_BUDGET = 900_000;

export async function runAction(): Promise<void> {
  let inputs: Inputs;
  try {
    inputs = getInputs();
    if (inputs.githubToken) core.setSecret(inputs.githubToken);
  } catch (e) {
    fail(e);
    return;
  }
  if (inputs.mode === 'aggregate') {
    await runAggregate(inputs);
    return;
  }
  if (inputs.mode === 'comment') {
    await runCommentMode(inputs);
    return;
  }
  let report: Report;
  let layerCache: ActionLayerCache | undefined;
  try {
    ({ report, layerCache } = await gate(inputs));
  } catch (e) {
    fail(e);
    return;
  }
  const reportWritten = await publish(inputs, report);
  await layerCache?.save();
  // an unwritten report has already failed the step, naming report-path: no second error from the upload
  if (inputs.reportArtifact && reportWritten) await uploadReportArtifact(inputs.reportArtifact, inputs.reportPath);
}

async function gate(inputs: Inputs): Promise<{ report: Report; layerCache?: ActionLayerCache }> {
  const { targets, policy, matrix, from } = await resolveTargets(inputs);
  if (matrix.overrides?.length) info(`cuda-gate: ${matrix.overrides.length} matrix override row(s) merged over matrix ${matrix.meta.version}`);
  const platform = inputs.platform ? parsePlatform(inputs.platform) : undefined;
  // --scan config opens no layer: nothing to restore or save
  const layerCache = inputs.cache && inputs.scan === 'full' ? await ActionLayerCache.restore({ log: core, keySuffix: inputs.cacheKeySuffix }) : undefined;
  // the action's token reaches ghcr.io when no docker login configured it
  const scan = { scan: inputs.scan, cache: layerCache?.cache, registry: { token: inputs.githubToken || undefined } };
  // the policy's source (a pull request: its base commit's targets file) and what the pull request changes in it
  const sourced = (r: Report): Report => {
    for (const w of waiverWarnings(r.policy.waivers ?? [])) core.warning(`cuda-gate: ${w}`);
    return from?.source ? withPolicySource(r, from.source, from.changes, from.notes) : r;
  };
  const report = await core.group(`cuda-gate: checking ${inputs.images.length} image(s) against ${targets.length} target(s)`, () =>
    checkImages({
      sources: inputs.images,
      targets,
      policy,
      matrix,
      platform,
      ...scan,
      onProgress: actionProgress(),
    }),
  );
  if (inputs.baselineImages.length) {
    // the base branch's images, judged on the same targets: what the PR changes, in the stack and in the verdicts
    const compared = await core.group('cuda-gate: reading the baseline images', () =>
      compareWithBaselines(report, inputs.baselineImages, { targets, policy, matrix, platform, ...scan }),
    );
    for (const w of compared.warnings) core.warning(`cuda-gate: ${w}`);
    return { report: sourced(compared.report), layerCache };
  }
  if (policy.failOnNew) core.warning('cuda-gate: fail-on-new has no effect without baseline-images: every image is new, and the gate fails as fail-on says');
  return { report: sourced(report), layerCache };
}

/** The step log: `reading IMAGE`, then on long reads a line at most every CUDA_GATE_PROGRESS_S (10 s), as the CLI's stderr. */
function actionProgress(): (p: Progress) => void {
  const log = progressLog({ intervalMs: progressIntervalMs(), line: (text) => info(`cuda-gate: ${text}`) });
  return (p) => {
    if (p.phase === 'open') info(`reading ${p.image}`);
    log(p);
  };
}

async function resolveTargets(inputs: Inputs): Promise<{ targets: Target[]; policy: Policy; matrix: Matrix; from?: ResolvedPolicy }> {
  // the targets file's matrix-overrides first, the matrix-overrides input over them
  const matrixFor = (fromFile: string[]): Matrix => {
    const files = [...fromFile, ...inputs.matrixOverrides];
    return files.length ? loadMatrixWithOverrides(files) : loadMatrix();
  };
  let matrix: Matrix;
  let targets: Target[];
  let policy: Policy = { ...DEFAULT_POLICY };
  let from: ResolvedPolicy | undefined;
  if (inputs.driver) {
    matrix = matrixFor([]);
    targets = [
      adHocTarget(
        {
          driver: inputs.driver,
          gpu: inputs.gpu,
          forwardCompat: inputs.forwardCompat,
          runtime: inputs.runtime,
          labels: { driver: 'input "driver"', gpu: 'input "gpu"', runtime: 'input "runtime"' },
        },
        matrix,
      ),
    ];
  } else if (inputs.targets === 'probe') {
    // self-hosted GPU runner: judge against the machine the job runs on
    matrix = matrixFor([]);
    const probe = await probeHost();
    targets = probeTargets(probe, matrix);
    info(`cuda-gate: probed ${probe.host}: driver ${probe.driver}${probe.gpus.length ? `, ${probe.gpus.map((g) => g.name).join(', ')}` : ''} (${probe.via})`);
  } else {
    // a pull request is gated with its base commit's targets file (policy-from: base)
    const loaded = await resolvePolicy({
      policyFrom: inputs.policyFrom,
      targets: inputs.targets,
      matrixOverrides: inputs.matrixOverrides,
      client: inputs.githubToken ? createClient(inputs.githubToken) : undefined,
    });
    for (const line of loaded.info) info(line);
    from = loaded;
    matrix = loaded.matrix;
    targets = loaded.targets;
    policy = { ...policy, ...loaded.policy };
  }
  if (inputs.failOn) policy.failOn = inputs.failOn;
  if (inputs.noCuda) policy.noCuda = inputs.noCuda;
  if (inputs.failOnNew) policy.failOnNew = true;
  return { targets, policy, matrix, from };
}

/** Summary, annotations, comment, outputs, the gate's verdict; then a report-path that could not be written. */
async function publish(inputs: Inputs, report: Report): Promise<boolean> {
  const url = runUrl();
  const reportError = writeReportFile(inputs.reportPath, JSON.stringify(report, null, 2));
  const sarifError = inputs.sarifFile ? writeActionSarif(report, { ...inputs, sarifFile: inputs.sarifFile }) : undefined;
  const markdown = renderMarkdown(report, { maxChars: SUMMARY_BUDGET, fullReportUrl: url });
  try {
    await core.summary.addRaw(markdown).write();
  } catch (e) {
    core.warning(`cuda-gate: could not write the job summary: ${messageOf(e)}`);
  }

  annotate(inputs, report, Number(reportError !== undefined) + Number(sarifError !== undefined));

  await publishComment(inputs, report, url);

  core.setOutput('verdict', report.summary.verdict);
  core.setOutput('failed-count', report.summary.fail);
  core.setOutput('caveat-count', report.summary.caveat);
  core.setOutput('min-driver', maxDriver(report.images.map((i) => i.requirement.minDriver).filter((d): d is string => !!d)) ?? '');
  core.setOutput('report', reportError ? '' : inputs.reportPath);
  core.setOutput('sarif-file', inputs.sarifFile && !sarifError ? inputs.sarifFile : '');
  core.setOutput('summary-markdown', markdown);

  if (!report.summary.gatePassed) {
    // fail-on-new: name a result that got worse than the base branch, not one that already failed there
    const deciding = (report.policy.failOnNew ? worsened(report) : report.results).filter((r) => !r.waived);
    const worst = deciding.find((r) => r.verdict === worstOf(deciding.map((d) => d.verdict)));
    const why = worst?.reasons.find((r) => r.verdict === worst.verdict) ?? worst?.reasons[0];
    const fresh = report.policy.failOnNew ? `; fail-on-new: ${report.summary.worsened ?? deciding.length} worse than the base branch` : '';
    core.setFailed(
      `cuda-gate: ${report.summary.fail} failing, ${report.summary.caveat} with caveats (fail-on: ${report.policy.failOn}${fresh}). Worst: ${worst?.image} on ${worst?.target}: ${worst?.verdict}${why ? ` — ${why.code}: ${why.message}` : ''}`,
    );
  } else {
    info(
      `cuda-gate: gate passed (${report.summary.pass} pass, ${report.summary.caveat} caveat, ${report.summary.fail} fail; fail-on: ${report.policy.failOn})`,
    );
  }
  if (reportError) core.setFailed(reportError);
  if (sarifError) core.setFailed(sarifError);
  return !reportError;
}

/** One annotation per failing image on its Dockerfile's line, the worst first, as many as the runner shows. */
function annotate(inputs: Inputs, report: Report, filesUnwritten: number): void {
  const dockerfiles = resolveDockerfiles(inputs.dockerfile, inputs.images, { workspace: process.env.GITHUB_WORKSPACE });
  // a dockerfile that is not there is said, not skipped in silence: one warning, one of the step's ten
  if (dockerfiles.warning) core.warning(dockerfiles.warning, { title: 'cuda-gate: dockerfile cannot be read' });
  // the step's own errors come after these (the failed gate, an unwritable report-path): keep their slots free
  const reserved = { error: Number(!report.summary.gatePassed) + filesUnwritten, warning: dockerfiles.warning ? 1 : 0 };
  const annotations = buildAnnotations(report, (img) => dockerfiles.bySource.get(img.source), { reserved });
  for (const a of annotations) {
    const props = { title: a.title, file: a.file, startLine: a.startLine };
    if (a.level === 'error') core.error(a.message, props);
    else if (a.level === 'warning') core.warning(a.message, props);
    else core.notice(a.message, props);
  }
}

function fail(e: unknown): void {
  core.setFailed(isGateError(e) ? `cuda-gate: ${e.toLine()}` : `cuda-gate: internal error: ${messageOf(e)} (please report this)`);
}

void runAction();
