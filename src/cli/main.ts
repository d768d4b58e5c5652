/** The CLI shell: argv -> engine -> stdout/file, exit code 0 (passed), 1 (gate failed), 2 (bad input). */
import { existsSync, writeFileSync } from 'node:fs';
import { openLayerCache, type CacheLog, type LayerCache } from '../cache/layer-cache';
import { inertToRunner, sanitizeControl } from '../common/control-chars';
import { isGateError, GateError, messageOf } from '../common/errors';
import { layerCacheVersion } from '../engine/cache-version';
import { compareWithBaselines } from '../engine/baseline';
import { checkImages, type Progress } from '../engine/check';
import { progressIntervalMs, progressLive, progressLog } from '../engine/progress';
import type { Matrix } from '../matrix/types';
import { loadMatrix } from '../matrix/load';
import { loadMatrixWithOverrides } from '../matrix/overrides';
import { TOOL_VERSION } from '../model/tool-version';
import { parsePlatform } from '../sources/platform';
import { nodeAffinity, affinityYaml } from '../plan/affinity';
import { isK8sTargetsFile, parseK8sSpec, type K8sFleet } from '../targets/k8s';
import { adHocTarget, loadTargetsFile } from '../targets/load';
import { probeHost, probeTargets, probeYaml } from '../targets/probe';
import { DEFAULT_POLICY, type Policy } from '../model/policy';
import type { Target } from '../model/target';
import { parseCliArgs, type CheckArgs } from './args';
import { flagProblem, helpFor, isCommand, isParseArgsMessage, mainHelp } from './help';
import { checkOutputPath, writeFailure } from './output-file';
import { DEFAULT_TARGETS, parseMergeArgs, renderReport, runMerge, sarifOptions } from './merge';
import { parsePlanArgs, runPlan } from './plan';
import type { Report } from '../report/types';

export interface CliIO {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream & { isTTY?: boolean };
}

export async function run(argv: string[], io: CliIO = { out: process.stdout, err: process.stderr }): Promise<number> {
  try {
    // --help anywhere before `--`, `help [COMMAND]`, or nothing at all: the help, exit 0
    const help = helpFor(argv);
    if (help !== undefined) {
      io.out.write(help);
      return 0;
    }
    if (argv[0] === 'merge') return runMerge(parseMergeArgs(argv.slice(1)), io.out);
    if (argv[0] === 'plan') return await runPlan(parsePlanArgs(argv.slice(1)), { out: io.out, warn: (line) => say(io.err, `cuda-gate: ${line}`) });
    const args = parseCliArgs(argv);
    if (args.command === 'help') {
      io.out.write(mainHelp());
      return 0;
    }
    if (args.command === 'version') {
      io.out.write(`cuda-gate ${TOOL_VERSION}\n`);
      return 0;
    }
    if (args.command === 'probe') return await probe(args.format, args.matrixDir, io);
    return await check(args, io);
  } catch (err) {
    // Node's parseArgs refused a flag: said with the command's flags (the closest to a typo, the value it needs)
    const e = isGateError(err) && isParseArgsMessage(err.message) && isCommand(argv[0]) ? (flagProblem(argv[0], argv.slice(1)) ?? err) : err;
    if (isGateError(e)) {
      say(io.err, `cuda-gate: error: ${e.toLine()}`);
      return e.exitCode;
    }
    say(io.err, `cuda-gate: internal error: ${messageOf(e)} (please report this with the command line you ran)`);
    if (process.env.CUDA_GATE_DEBUG) io.err.write(`${(e as Error)?.stack ?? ''}\n`);
    return 2;
  }
}

/**
 * One line on stderr. Messages quote input (paths and names from the image): control characters show as \xNN, and
 * in a `run:` step no part of it can become a workflow command (`##[error]…` anywhere in a line is one).
 */
function say(err: NodeJS.WritableStream, line: string): void {
  err.write(`${inertToRunner(sanitizeControl(line, { as: 'escape' }))}\n`);
}

async function check(args: CheckArgs, io: CliIO): Promise<number> {
  // before any image is read: a report that cannot be written is known now, not after the scan
  if (args.output) checkOutputPath(args.output, '--output');
  // the targets file's matrix-overrides first, --matrix-overrides over them
  const matrixFor = (fromFile: string[]): Matrix => {
    const files = [...fromFile, ...args.matrixOverrides];
    return files.length ? loadMatrixWithOverrides(files, args.matrixDir) : loadMatrix(args.matrixDir);
  };
  let matrix: Matrix;
  let targets: Target[];
  let policy: Policy = { ...DEFAULT_POLICY };
  /** the targets file read, if any: where SARIF results point */
  let targetsFile: string | undefined;
  /** the cluster's nodes, for --targets k8s:FILE */
  let fleet: K8sFleet | undefined;
  if (args.driver) {
    matrix = matrixFor([]);
    targets = [adHocTarget({ driver: args.driver, gpu: args.gpu, forwardCompat: args.forwardCompat, runtime: args.runtime }, matrix)];
  } else if (args.targets === 'probe') {
    matrix = matrixFor([]);
    targets = probeTargets(await probeHost(), matrix);
  } else {
    const file = args.targets ?? (existsSync(DEFAULT_TARGETS) ? DEFAULT_TARGETS : undefined);
    if (!file) {
      throw new GateError(
        'BAD_ARGUMENT',
        `no targets: ${DEFAULT_TARGETS} does not exist and neither --targets nor --driver was given`,
        'pass --driver 535.104.05 [--gpu A100] or --targets FILE',
      );
    }
    const loaded = loadTargetsFile(file, matrixFor);
    targetsFile = file;
    if (isK8sTargetsFile(loaded)) {
      // nodes that could not become targets are named, never dropped silently
      for (const w of loaded.warnings) say(io.err, `cuda-gate: warning: ${w}`);
      for (const n of loaded.notes) say(io.err, `cuda-gate: note: ${n}`);
      fleet = loaded.fleet;
      targetsFile = parseK8sSpec(file).file;
    }
    matrix = loaded.matrix;
    targets = loaded.targets;
    policy = { ...policy, ...loaded.policy };
  }
  if (args.failOn) policy.failOn = args.failOn;
  if (args.noCuda) policy.noCuda = args.noCuda;
  if (args.failOnNew) policy.failOnNew = true;
  const platform = args.platform ? parsePlatform(args.platform) : undefined;

  const progress = args.quiet ? undefined : progressOn(io.err);
  const cache = cacheFor(args, io);
  const registry = { insecure: args.insecureRegistries, token: process.env.GITHUB_TOKEN || undefined };
  const scan = { targets, policy, matrix, platform, onProgress: progress, scan: args.scan, cache, registry, seek: !args.noSeek, jobs: args.jobs };
  let report = await checkImages({ sources: args.sources, ...scan });
  const warnings: string[] = [];
  if (args.baselines.length) {
    // the base branch's images on the same targets: which verdicts change, and what the change does to the stack
    const compared = await compareWithBaselines(report, args.baselines, scan);
    warnings.push(...compared.warnings);
    report = compared.report;
  } else if (policy.failOnNew) {
    warnings.push('--fail-on-new has no effect without --baseline: every image is new, and the gate fails as --fail-on says');
  }
  progress?.({ image: '', phase: 'done' });
  for (const w of warnings) say(io.err, `cuda-gate: warning: ${w}`);

  const text = renderReport(report, args.format, args.format === 'sarif' ? sarifOptions(targetsFile) : {});
  if (args.output) {
    try {
      writeFileSync(args.output, text);
    } catch (e) {
      // the scan is done: its report goes to stdout rather than nowhere
      io.out.write(text);
      say(io.err, `cuda-gate: error: ${writeFailure(args.output, '--output', e)}; the report was written to stdout instead`);
      return 2;
    }
  } else io.out.write(text);
  if (args.emit === 'node-affinity' && fleet) emitNodeAffinity(report, fleet, policy, args, io);
  return report.summary.gatePassed ? 0 : 1;
}

/** --emit node-affinity: per image, the nodeAffinity that admits the nodes of the targets where it runs. */
function emitNodeAffinity(report: Report, fleet: K8sFleet, policy: Policy, args: CheckArgs, io: CliIO): void {
  const docs: string[] = [];
  for (const image of report.images) {
    const verdicts = new Map(report.results.filter((r) => r.image === image.source).map((r) => [r.target, r.verdict] as const));
    const plan = nodeAffinity(image.source, fleet, verdicts, policy.failOn);
    docs.push(affinityYaml(plan, policy.failOn));
    if (args.emitFile) {
      const total = fleet.nodes.filter((n) => n.status === 'target').length;
      say(
        io.err,
        `cuda-gate: ${image.source}: node affinity admits ${plan.admitted.length} of ${total} GPU node(s)${plan.excluded.length ? `, excludes ${plan.excluded.map((e) => e.node).join(', ')}` : ''} (${args.emitFile})`,
      );
    }
  }
  const yaml = docs.join('---\n');
  if (args.emitFile) writeFileSync(args.emitFile, yaml);
  else io.out.write(`${args.output || args.format === 'json' || args.format === 'sarif' ? '' : '\n'}${yaml}`);
}

async function probe(format: 'yaml' | 'json', matrixDir: string | undefined, io: CliIO): Promise<number> {
  const matrix = loadMatrix(matrixDir);
  const result = await probeHost();
  const targets = probeTargets(result, matrix);
  io.out.write(format === 'json' ? `${JSON.stringify({ probe: result, targets }, null, 2)}\n` : probeYaml(result, targets));
  return 0;
}

/** No cache for --no-cache, nor for --scan config (it reads no layer); a cache that cannot be opened only warns. */
function cacheFor(args: CheckArgs, io: CliIO): LayerCache | undefined {
  if (args.noCache || args.scan === 'config') return undefined;
  const log: CacheLog = {
    debug: (m) => {
      if (process.env.CUDA_GATE_DEBUG) say(io.err, `cuda-gate: debug: ${m}`);
    },
    warn: (m) => say(io.err, `cuda-gate: warning: ${m}`),
  };
  return openLayerCache({ dir: args.cacheDir, version: layerCacheVersion(), log });
}

/**
 * Progress on stderr: a live line on a terminal; in a log (CI), a line at most every CUDA_GATE_PROGRESS_S seconds
 * (default 10) of a long read and none for a short one (engine/progress.ts, as the action's step log).
 */
function progressOn(err: CliIO['err']): (p: Progress) => void {
  if (err.isTTY) return progressLive({ write: (text) => err.write(text) });
  return progressLog({ intervalMs: progressIntervalMs(), line: (text) => say(err, `cuda-gate: ${text}`) });
}

if (require.main === module) {
  run(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
