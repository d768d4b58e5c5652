/** argv -> typed CLI options. Every mistake is a GateError naming the flag and the fix. */
import { parseArgs } from 'node:util';
import { GateError } from '../common/errors';
import type { ScanMode } from '../engine/check';
import { FAIL_ON_VALUES as FAIL_ON, NO_CUDA_VALUES as NO_CUDA, type FailOn, type NoCudaPolicy } from '../model/policy';
import { CONTAINER_RUNTIMES, type ContainerRuntime } from '../model/target';

export type Format = 'text' | 'json' | 'markdown';

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
}

export interface ProbeArgs {
  command: 'probe';
  format: 'yaml' | 'json';
  matrixDir?: string;
}

export type CliArgs = CheckArgs | ProbeArgs | { command: 'help' } | { command: 'version' };

const FORMATS: readonly Format[] = ['text', 'json', 'markdown'];
const SCAN: readonly ScanMode[] = ['full', 'config'];

export const USAGE = `usage: cuda-gate check SOURCE... [--targets FILE | --driver VER [--gpu GPU] [--forward-compat]
                                                   [--runtime legacy|cdi]]
                       [--format text|json|markdown] [--output FILE] [--fail-on fail|caveat|never]
                       [--no-cuda pass|warn|fail] [--platform OS/ARCH] [--quiet]
                       [--scan full|config] [--cache-dir DIR | --no-cache] [--insecure-registry HOST]...
                       [--jobs N] [--no-seek] [--matrix-overrides FILE]

SOURCE:  NAME[:TAG] | docker-daemon:NAME[:TAG]   image in the Docker engine at DOCKER_HOST
         docker-archive:PATH[:REF]                docker save / podman save tar
         oci-archive:PATH[:REF] | oci:DIR[:REF]   OCI image layout (tar or directory)
         docker://HOST/REPO:TAG|@sha256:…         a registry, no daemon (credentials: ~/.docker/config.json;
                                                  ghcr.io also takes $GITHUB_TOKEN; plain HTTP only for
                                                  loopback or --insecure-registry HOST[:PORT])

       cuda-gate probe [--format yaml|json]      print a target entry for this machine (driver, GPU)
       cuda-gate merge REPORT.json... [--format text|json|markdown] [--output FILE] [--fail-on fail|caveat|never]
                                                 one report and one verdict from several runs' JSON reports

Targets default to .github/cuda-targets.yml when it exists; --targets probe uses this machine.
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
Exit codes: 0 gate passed, 1 gate failed (a result at or above --fail-on), 2 bad input or unreadable image.`;

export function parseCliArgs(argv: string[]): CliArgs {
  if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') return { command: 'help' };
  if (argv[0] === '--version' || argv[0] === 'version') return { command: 'version' };
  const [command, ...rest] = argv;
  if (command === 'probe') return parseProbeArgs(rest);
  if (command !== 'check') {
    throw new GateError('BAD_ARGUMENT', `unknown command "${command}"`, 'run: cuda-gate check SOURCE... --driver VER (see cuda-gate --help)');
  }
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
      },
    });
  } catch (e) {
    throw new GateError('BAD_ARGUMENT', (e as Error).message.split('\n')[0], 'see cuda-gate --help');
  }
  const v = parsed.values;
  if (!parsed.positionals.length) throw new GateError('BAD_ARGUMENT', 'check: no image given', 'e.g. cuda-gate check docker-archive:app.tar --driver 535.104.05');
  if (v.targets && v.driver) throw new GateError('BAD_ARGUMENT', '--targets and --driver are exclusive', 'use a targets file for several targets, or --driver for one');
  if ((v.gpu || v['forward-compat']) && !v.driver) throw new GateError('BAD_ARGUMENT', '--gpu and --forward-compat need --driver', 'e.g. --driver 535.104.05 --gpu A100');
  const runtime = v.runtime as string | undefined;
  if (runtime !== undefined && !v.driver) {
    throw new GateError('BAD_ARGUMENT', '--runtime needs --driver', 'e.g. --driver 535.104.05 --runtime cdi; a targets file states it per target (runtime: cdi)');
  }
  if (runtime !== undefined && !CONTAINER_RUNTIMES.includes(runtime as ContainerRuntime)) {
    throw new GateError('BAD_ARGUMENT', `--runtime "${runtime}" is not one of ${CONTAINER_RUNTIMES.join(', ')}`, 'e.g. --runtime cdi (CDI / jit-cdi) or --runtime legacy (docker run --gpus); leave it out to judge both');
  }
  const format = v.format as string;
  if (!FORMATS.includes(format as Format)) throw new GateError('BAD_ARGUMENT', `--format "${format}" is not one of ${FORMATS.join(', ')}`, 'e.g. --format json');
  const failOn = v['fail-on'] as string | undefined;
  if (failOn !== undefined && !FAIL_ON.includes(failOn as FailOn)) throw new GateError('BAD_ARGUMENT', `--fail-on "${failOn}" is not one of ${FAIL_ON.join(', ')}`, 'e.g. --fail-on caveat');
  const noCuda = v['no-cuda'] as string | undefined;
  if (noCuda !== undefined && !NO_CUDA.includes(noCuda as NoCudaPolicy)) throw new GateError('BAD_ARGUMENT', `--no-cuda "${noCuda}" is not one of ${NO_CUDA.join(', ')}`, 'e.g. --no-cuda fail');
  const scan = v.scan as string;
  if (!SCAN.includes(scan as ScanMode)) throw new GateError('BAD_ARGUMENT', `--scan "${scan}" is not one of ${SCAN.join(', ')}`, 'e.g. --scan config');
  if (v['cache-dir'] !== undefined && v['no-cache']) throw new GateError('BAD_ARGUMENT', '--cache-dir and --no-cache are exclusive', 'give one of them');
  const jobsText = v.jobs as string | undefined;
  const jobs = jobsText === undefined ? undefined : Number(jobsText);
  if (jobs !== undefined && !(Number.isInteger(jobs) && jobs >= 1 && jobs <= 64)) {
    throw new GateError('BAD_ARGUMENT', `--jobs "${jobsText}" is not a whole number from 1 to 64`, 'e.g. --jobs 2');
  }
  const matrixOverrides = (v['matrix-overrides'] as string[] | undefined) ?? [];
  if (matrixOverrides.some((f) => !f.trim())) throw new GateError('BAD_ARGUMENT', '--matrix-overrides is empty', 'e.g. --matrix-overrides .github/cuda-matrix-overrides.yml');
  if (v['cache-dir'] === '') throw new GateError('BAD_ARGUMENT', '--cache-dir is empty', 'e.g. --cache-dir .cache/cuda-gate');
  return {
    command: 'check',
    sources: parsed.positionals,
    targets: v.targets as string | undefined,
    driver: v.driver as string | undefined,
    gpu: v.gpu as string | undefined,
    forwardCompat: !!v['forward-compat'],
    ...(runtime !== undefined && { runtime: runtime as ContainerRuntime }),
    format: format as Format,
    output: v.output as string | undefined,
    failOn: failOn as FailOn | undefined,
    noCuda: noCuda as NoCudaPolicy | undefined,
    platform: v.platform as string | undefined,
    quiet: !!v.quiet,
    matrixDir: v.matrix as string | undefined,
    matrixOverrides,
    scan: scan as ScanMode,
    cacheDir: v['cache-dir'] as string | undefined,
    noCache: !!v['no-cache'],
    insecureRegistries: (v['insecure-registry'] as string[] | undefined) ?? [],
    noSeek: !!v['no-seek'],
    ...(jobs !== undefined && { jobs }),
  };
}

function parseProbeArgs(rest: string[]): ProbeArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: rest, strict: true, options: { format: { type: 'string', short: 'f', default: 'yaml' }, matrix: { type: 'string' } } });
  } catch (e) {
    throw new GateError('BAD_ARGUMENT', (e as Error).message.split('\n')[0], 'usage: cuda-gate probe [--format yaml|json]');
  }
  const format = parsed.values.format as string;
  if (format !== 'yaml' && format !== 'json') throw new GateError('BAD_ARGUMENT', `--format "${format}" is not one of yaml, json`, 'e.g. cuda-gate probe --format json');
  return { command: 'probe', format, matrixDir: parsed.values.matrix as string | undefined };
}
