/**
 * argv -> typed CLI options. Node's parseArgs splits the flags; CHECK_FLAGS (a zod schema) checks which go together
 * and then their values. Every mistake is a GateError naming the flag and the fix.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { GateError } from '../common/errors';
import { parseWithSchema, say } from '../common/schema-error';
import type { ScanMode } from '../engine/check';
import { FAIL_ON_VALUES, NO_CUDA_VALUES, type FailOn, type NoCudaPolicy } from '../model/policy';
import { CONTAINER_RUNTIMES, type ContainerRuntime } from '../model/target';
import { unknownCommand } from './help';

export const FORMATS = ['text', 'json', 'markdown', 'sarif'] as const;
export type Format = (typeof FORMATS)[number];
const SCAN_MODES = ['full', 'config'] as const satisfies readonly ScanMode[];

export interface CheckArgs {
  command: 'check';
  sources: string[];
  targets?: string;
  driver?: string;
  gpu?: string;
  forwardCompat: boolean;
  /** --runtime: the ad-hoc target's container runtime; undefined = judge both */
  runtime?: ContainerRuntime;
  format: Format;
  output?: string;
  failOn?: FailOn;
  noCuda?: NoCudaPolicy;
  /** --baseline SOURCE (repeatable): the base branch's images, paired by position with the sources */
  baselines: string[];
  /** --fail-on-new: only results worse than their baseline fail the gate */
  failOnNew: boolean;
  platform?: string;
  quiet: boolean;
  matrixDir?: string;
  /** --matrix-overrides FILE (repeatable): rows merged over the shipped matrix, after the targets file's own */
  matrixOverrides: string[];
  scan: ScanMode;
  /** per-layer cache directory (default $XDG_CACHE_HOME/cuda-gate or ~/.cache/cuda-gate) */
  cacheDir?: string;
  noCache: boolean;
  /** registry hosts spoken to over plain HTTP (loopback always is) */
  insecureRegistries: string[];
  /** --no-seek: stream every layer byte even where an archive could be read by offset */
  noSeek: boolean;
  /** --jobs: layers of an archive or layout read at once */
  jobs?: number;
  /** --emit node-affinity: after the report, where each image may run on the fleet of --targets k8s:FILE */
  emit?: (typeof EMIT_KINDS)[number];
  /** --emit-file: where --emit writes (default: stdout, after the report) */
  emitFile?: string;
}

/** What --emit can write beside the report. */
export const EMIT_KINDS = ['node-affinity'] as const;

export interface ProbeArgs {
  command: 'probe';
  format: 'yaml' | 'json';
  matrixDir?: string;
}

export type CliArgs = CheckArgs | ProbeArgs | { command: 'help' } | { command: 'version' };

export const USAGE = `usage: cuda-gate check SOURCE... [--targets FILE | --driver VER [--gpu GPU] [--forward-compat]
                                                   [--runtime legacy|cdi]]
                       [--format text|json|markdown|sarif] [--output FILE] [--fail-on fail|caveat|never]
                       [--no-cuda pass|warn|fail] [--platform OS/ARCH] [--quiet]
                       [--scan full|config] [--cache-dir DIR | --no-cache] [--insecure-registry HOST]...
                       [--jobs N] [--no-seek] [--matrix-overrides FILE]
                       [--baseline SOURCE]... [--fail-on-new]
                       [--emit node-affinity [--emit-file FILE]]   (with --targets k8s:FILE)

SOURCE:  NAME[:TAG] | docker-daemon:NAME[:TAG]   image in the Docker engine at DOCKER_HOST
         docker-archive:PATH[:REF]                docker save / podman save tar
         oci-archive:PATH[:REF] | oci:DIR[:REF]   OCI image layout (tar or directory)
         docker://HOST/REPO:TAG|@sha256:…         a registry, no daemon (credentials: ~/.docker/config.json;
                                                  ghcr.io also takes $GITHUB_TOKEN; plain HTTP only for
                                                  loopback or --insecure-registry HOST[:PORT])

       cuda-gate probe [--format yaml|json]      print a target entry for this machine (driver, GPU)
       cuda-gate plan [--targets FILE|k8s:FILE|probe] [--format text|json|markdown] [--output FILE]
                                                 what the fleet can run: newest CUDA per target and fleet-wide,
                                                 base images, GPU code lists, PyTorch indexes, what blocks the next
       cuda-gate merge REPORT.json... [--format text|json|markdown|sarif] [--output FILE] [--fail-on fail|caveat|never]
                                      [--targets FILE]
                                                 one report and one verdict from several runs' JSON reports

Targets default to .github/cuda-targets.yml when it exists; --targets probe uses this machine; --targets k8s:FILE
reads a cluster's nodes (kubectl get nodes -o json > FILE; GPU Feature Discovery labels), one target per driver x GPU,
k8s:FILE?forward-compat=true&runtime=cdi for all of them. --emit node-affinity (with k8s:FILE) then writes, after the
report or to --emit-file, a nodeAffinity that admits the nodes where each image passes (or passes with caveats,
unless --fail-on caveat).
--runtime says how the --driver host starts GPU containers: legacy (docker run --gpus: NVIDIA_REQUIRE_* is checked
and can refuse the start) or cdi (CDI / jit-cdi, the default of nvidia-container-toolkit >= 1.18: nothing is
checked, the image meets the driver at CUDA initialisation); left out, both are judged and the worse reported.
--scan config reads the image config alone (env, labels, NVIDIA_REQUIRE_*): no layer is opened, so libraries,
packages and GPU code are not checked. Layer analyses are cached per layer in --cache-dir (default
$XDG_CACHE_HOME/cuda-gate or ~/.cache/cuda-gate): a rescan reads only layers it has not seen.
Uncompressed layers in archives and layouts are read by offset (headers, the few files detectors need, and the
fatbin headers of binaries); --no-seek streams every byte instead (same result, slower). --jobs N reads N layers of
an archive or layout at once (default: the CPU count, at most 8).
--matrix-overrides FILE merges your own matrix rows (same tables and fields as matrix/*.yaml, each with source:)
over the shipped matrix: a new CUDA release, GPU or driver branch before cuda-gate ships it; a row with a shipped
row's id replaces it. A targets file may name one too (matrix-overrides: PATH); this flag's rows win over its.
--baseline SOURCE (once per image, paired by position with the SOURCEs) judges the base branch's image too: the
report says which verdicts change (transitions) and what the change does to the CUDA stack; a baseline that cannot
be read is a warning and its image is judged as new. --fail-on-new then fails the gate only on results worse than
their baseline (a result that already failed there and still fails does not): adopting the gate with known failures.
--format sarif writes a SARIF 2.1.0 log for GitHub code scanning (upload it with github/codeql-action/upload-sarif):
one result per image x target that fails (error) or has caveats (warning), at the target's line in the targets file
(merge: --targets FILE, default .github/cuda-targets.yml when it exists); paths are relative to $GITHUB_WORKSPACE, or
the current directory.
Exit codes: 0 gate passed, 1 gate failed (a result at or above --fail-on; with --fail-on-new, a result worse than its
baseline and at or above --fail-on), 2 bad input or unreadable image (an unreadable --baseline is only a warning).`;

export function parseCliArgs(argv: string[]): CliArgs {
  if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') return { command: 'help' };
  if (argv[0] === '--version' || argv[0] === 'version') return { command: 'version' };
  const [command, ...rest] = argv;
  if (command === 'probe') return parseProbeArgs(rest);
  if (command !== 'check') throw unknownCommand(command);
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: {
        targets: { type: 'string', short: 't' },
        driver: { type: 'string' },
        gpu: { type: 'string' },
        'forward-compat': { type: 'boolean', default: false },
        runtime: { type: 'string' },
        format: { type: 'string', short: 'f', default: 'text' },
        output: { type: 'string', short: 'o' },
        'fail-on': { type: 'string' },
        'no-cuda': { type: 'string' },
        platform: { type: 'string' },
        quiet: { type: 'boolean', short: 'q', default: false },
        matrix: { type: 'string' },
        scan: { type: 'string', default: 'full' },
        'cache-dir': { type: 'string' },
        'no-cache': { type: 'boolean', default: false },
        'insecure-registry': { type: 'string', multiple: true },
        jobs: { type: 'string', short: 'j' },
        'no-seek': { type: 'boolean', default: false },
        'matrix-overrides': { type: 'string', multiple: true },
        baseline: { type: 'string', multiple: true },
        'fail-on-new': { type: 'boolean', default: false },
        emit: { type: 'string' },
        'emit-file': { type: 'string' },
      },
    });
  } catch (e) {
    throw new GateError('BAD_ARGUMENT', (e as Error).message.split('\n')[0], 'see cuda-gate --help');
  }
  // the flag names each problem itself: the message is the sentence alone
  return parseWithSchema(CHECK_FLAGS, { sources: parsed.positionals, ...parsed.values }, { what: '', code: 'BAD_ARGUMENT' });
}

/** `--format "yaml" is not one of text, json, markdown (e.g. --format json)` */
export function flagChoice<const T extends readonly [string, ...string[]]>(flag: string, values: T, example: string) {
  return z.enum(values, { error: (iss) => say(`${flag} "${String(iss.input)}" is not one of ${values.join(', ')}`, example) });
}

export const FORMAT_FLAG = flagChoice('--format', FORMATS, 'e.g. --format json');
export const FAIL_ON_FLAG = flagChoice('--fail-on', FAIL_ON_VALUES, 'e.g. --fail-on caveat');

const relation = (sentence: string, fix: string) => ({ code: 'custom' as const, message: say(sentence, fix) });

/** Which flags `check` was given, and which go together: checked before their values. */
const CHECK_FLAG_SET = z
  .looseObject({
    sources: z.array(z.string()).min(1, { error: () => say('check: no image given', 'e.g. cuda-gate check docker-archive:app.tar --driver 535.104.05') }),
    targets: z.string().optional(),
    driver: z.string().optional(),
    gpu: z.string().optional(),
    'forward-compat': z.boolean().optional(),
    runtime: z.string().optional(),
    'cache-dir': z.string().optional(),
    'no-cache': z.boolean().optional(),
    baseline: z.array(z.string()).optional(),
    emit: z.string().optional(),
    'emit-file': z.string().optional(),
    format: z.string().optional(),
    output: z.string().optional(),
  })
  .superRefine((v, ctx) => {
    if (v.targets && v.driver) ctx.addIssue(relation('--targets and --driver are exclusive', 'use a targets file for several targets, or --driver for one'));
    if ((v.gpu || v['forward-compat']) && !v.driver) ctx.addIssue(relation('--gpu and --forward-compat need --driver', 'e.g. --driver 535.104.05 --gpu A100'));
    if (v.runtime !== undefined && !v.driver) {
      ctx.addIssue(relation('--runtime needs --driver', 'e.g. --driver 535.104.05 --runtime cdi; a targets file states it per target (runtime: cdi)'));
    }
    if (v['cache-dir'] !== undefined && v['no-cache']) ctx.addIssue(relation('--cache-dir and --no-cache are exclusive', 'give one of them'));
    if (v['emit-file'] !== undefined && v.emit === undefined)
      ctx.addIssue(relation('--emit-file needs --emit', 'e.g. --emit node-affinity --emit-file affinity.yaml'));
    if (v.emit !== undefined && !v.targets?.startsWith('k8s:')) {
      ctx.addIssue(
        relation(
          '--emit needs --targets k8s:FILE',
          'the nodes and their labels come from the cluster: kubectl get nodes -o json > nodes.json; --targets k8s:nodes.json',
        ),
      );
    }
    if (v.emit !== undefined && v['emit-file'] === undefined && v.output === undefined && (v.format === 'json' || v.format === 'sarif')) {
      ctx.addIssue(
        relation(
          `--emit with --format ${v.format} on stdout would mix YAML into the ${v.format === 'json' ? 'JSON' : 'SARIF'}`,
          'add --emit-file FILE (or --output FILE for the report)',
        ),
      );
    }
    if (v.baseline && v.baseline.length > v.sources.length) {
      ctx.addIssue(
        relation(
          `${v.baseline.length} --baseline images for ${v.sources.length} image(s)`,
          'give at most one --baseline per image, in the order of the images (an image without one is judged as new)',
        ),
      );
    }
  });

const isJobs = (text: string) => Number.isInteger(Number(text)) && Number(text) >= 1 && Number(text) <= 64;

/** The values of `check`'s flags, in the order they are checked, and the CheckArgs they make. */
const CHECK_FLAG_VALUES = z
  .object({
    sources: z.array(z.string()),
    targets: z.string().optional(),
    driver: z.string().optional(),
    gpu: z.string().optional(),
    'forward-compat': z.boolean(),
    runtime: flagChoice(
      '--runtime',
      CONTAINER_RUNTIMES,
      'e.g. --runtime cdi (CDI / jit-cdi) or --runtime legacy (docker run --gpus); leave it out to judge both',
    ).optional(),
    format: FORMAT_FLAG,
    output: z.string().optional(),
    'fail-on': FAIL_ON_FLAG.optional(),
    'no-cuda': flagChoice('--no-cuda', NO_CUDA_VALUES, 'e.g. --no-cuda fail').optional(),
    platform: z.string().optional(),
    quiet: z.boolean(),
    matrix: z.string().optional(),
    scan: flagChoice('--scan', SCAN_MODES, 'e.g. --scan config'),
    'no-cache': z.boolean(),
    'insecure-registry': z.array(z.string()).default([]),
    jobs: z
      .string()
      .refine(isJobs, { error: (iss) => say(`--jobs "${String(iss.input)}" is not a whole number from 1 to 64`, 'e.g. --jobs 2') })
      .transform(Number)
      .optional(),
    'no-seek': z.boolean(),
    'matrix-overrides': z
      .array(
        z
          .string()
          .refine((f) => f.trim() !== '', { error: () => say('--matrix-overrides is empty', 'e.g. --matrix-overrides .github/cuda-matrix-overrides.yml') }),
      )
      .default([]),
    'cache-dir': z
      .string()
      .min(1, { error: () => say('--cache-dir is empty', 'e.g. --cache-dir .cache/cuda-gate') })
      .optional(),
    baseline: z
      .array(z.string().refine((s) => s.trim() !== '', { error: () => say('--baseline is empty', 'e.g. --baseline docker-archive:base.tar') }))
      .default([]),
    'fail-on-new': z.boolean(),
    emit: flagChoice('--emit', EMIT_KINDS, 'e.g. --emit node-affinity').optional(),
    'emit-file': z
      .string()
      .min(1, { error: () => say('--emit-file is empty', 'e.g. --emit-file affinity.yaml') })
      .optional(),
  })
  .transform((v): CheckArgs => ({
    command: 'check',
    sources: v.sources,
    targets: v.targets,
    driver: v.driver,
    gpu: v.gpu,
    forwardCompat: v['forward-compat'],
    ...(v.runtime !== undefined && { runtime: v.runtime }),
    format: v.format,
    output: v.output,
    failOn: v['fail-on'],
    noCuda: v['no-cuda'],
    baselines: v.baseline,
    failOnNew: v['fail-on-new'],
    platform: v.platform,
    quiet: v.quiet,
    matrixDir: v.matrix,
    matrixOverrides: v['matrix-overrides'],
    scan: v.scan,
    cacheDir: v['cache-dir'],
    noCache: v['no-cache'],
    insecureRegistries: v['insecure-registry'],
    noSeek: v['no-seek'],
    ...(v.jobs !== undefined && { jobs: v.jobs }),
    ...(v.emit !== undefined && { emit: v.emit }),
    ...(v['emit-file'] !== undefined && { emitFile: v['emit-file'] }),
  }));

/** `check`'s flags after parseArgs: which go together, then each value. */
export const CHECK_FLAGS = CHECK_FLAG_SET.pipe(CHECK_FLAG_VALUES);

const PROBE_FLAGS = z
  .object({
    format: flagChoice('--format', ['yaml', 'json'], 'e.g. cuda-gate probe --format json'),
    matrix: z.string().optional(),
  })
  .transform((v): ProbeArgs => ({ command: 'probe', format: v.format, matrixDir: v.matrix }));

function parseProbeArgs(rest: string[]): ProbeArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: rest, strict: true, options: { format: { type: 'string', short: 'f', default: 'yaml' }, matrix: { type: 'string' } } });
  } catch (e) {
    throw new GateError('BAD_ARGUMENT', (e as Error).message.split('\n')[0], 'usage: cuda-gate probe [--format yaml|json]');
  }
  return parseWithSchema(PROBE_FLAGS, parsed.values, { what: '', code: 'BAD_ARGUMENT' });
}
