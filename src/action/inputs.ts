/**
 * The action's inputs, typed and validated at the edge. Read exactly as the runner passes them (INPUT_<NAME>
 * environment variables, as @actions/core's getInput does) so this module has no dependency on the toolkit and
 * tests set real INPUT_* variables.
 */
import { GateError } from '../common/errors';
import type { ScanMode } from '../engine/check';
import { CONTAINER_RUNTIMES, type ContainerRuntime, type FailOn, type NoCudaPolicy } from '../verdict/target';

export type CommentMode = 'auto' | 'always' | 'on-failure' | 'never';
/** check: gate the images; aggregate: merge the JSON reports of other jobs (matrix legs) into one verdict */
export type ActionMode = 'check' | 'aggregate';

export interface Inputs {
  mode: ActionMode;
  images: string[];
  targets: string;
  driver?: string;
  gpu?: string;
  forwardCompat: boolean;
  /** with driver: the ad-hoc target's container runtime; undefined = judge both */
  runtime?: ContainerRuntime;
  failOn?: FailOn;
  noCuda?: NoCudaPolicy;
  comment: CommentMode;
  commentKey: string;
  baselineImages: string[];
  platform?: string;
  githubToken: string;
  reportPath: string;
  dockerfile?: string;
  /** full: config and files; config: the image config alone (no layer read) */
  scan: ScanMode;
  /** keep per-layer analyses between runs with the Actions cache (default true) */
  cache: boolean;
  /** aggregate mode: report files (globs, directories) and artifact:NAME-PATTERN lines */
  reports: string[];
  /** check mode: upload the JSON report as an artifact of this name */
  reportArtifact?: string;
  /** matrix overrides files merged over the shipped matrix, after the targets file's own (matrix-overrides:) */
  matrixOverrides: string[];
}

export function readInput(name: string, env: NodeJS.ProcessEnv = process.env): string {
  return (env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
}

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[], fallback?: T): T | undefined {
  if (!value) return fallback;
  if (!allowed.includes(value as T)) {
    throw new GateError('BAD_ARGUMENT', `input "${name}": "${value}" is not one of ${allowed.join(', ')}`, `set ${name}: ${allowed[0]}`);
  }
  return value as T;
}

function bool(name: string, value: string): boolean {
  if (!value) return false;
  if (['true', 'True', 'TRUE'].includes(value)) return true;
  if (['false', 'False', 'FALSE'].includes(value)) return false;
  throw new GateError('BAD_ARGUMENT', `input "${name}": "${value}" is not a boolean`, `set ${name}: true or false`);
}

/** Multiline or comma-separated list; blank lines and # comments dropped. */
export function listInput(value: string): string[] {
  return value
    .split(/\r?\n/)
    .flatMap((line) => line.replace(/(^|\s)#.*$/, '').split(','))
    .map((s) => s.trim())
    .filter(Boolean);
}

export function getInputs(env: NodeJS.ProcessEnv = process.env): Inputs {
  const get = (n: string) => readInput(n, env);
  const mode = oneOf<ActionMode>('mode', get('mode'), ['check', 'aggregate'], 'check')!;
  const images = listInput(get('images'));
  const reports = listInput(get('reports'));
  if (mode === 'aggregate' && !reports.length) {
    throw new GateError('BAD_ARGUMENT', 'input "reports" is empty (mode: aggregate)', 'list the legs\' report files, e.g. reports: reports/**/*.json');
  }
  if (mode === 'check' && !images.length) {
    throw new GateError('BAD_ARGUMENT', 'input "images" is empty', 'list one image per line, e.g. images: docker-daemon:app:pr-${{ github.event.number }}');
  }
  const runtime = oneOf<ContainerRuntime>('runtime', get('runtime'), CONTAINER_RUNTIMES);
  if (runtime && !get('driver')) {
    throw new GateError('BAD_ARGUMENT', `input "runtime" (${runtime}) needs input "driver"`, 'set driver: too, or state the runtime per target in the targets file (runtime: cdi)');
  }
  return {
    mode,
    images,
    targets: get('targets') || '.github/cuda-targets.yml',
    driver: get('driver') || undefined,
    gpu: get('gpu') || undefined,
    forwardCompat: bool('forward-compat', get('forward-compat')),
    ...(runtime && { runtime }),
    failOn: oneOf<FailOn>('fail-on', get('fail-on'), ['fail', 'caveat', 'never']),
    noCuda: oneOf<NoCudaPolicy>('no-cuda', get('no-cuda'), ['pass', 'warn', 'fail']),
    comment: oneOf<CommentMode>('comment', get('comment'), ['auto', 'always', 'on-failure', 'never'], 'auto')!,
    commentKey: get('comment-key'),
    baselineImages: listInput(get('baseline-images')),
    platform: get('platform') || undefined,
    githubToken: get('github-token'),
    reportPath: get('report-path') || 'cuda-gate-report.json',
    dockerfile: get('dockerfile') || undefined,
    scan: oneOf<ScanMode>('scan', get('scan'), ['full', 'config'], 'full')!,
    cache: get('cache') ? bool('cache', get('cache')) : true,
    reports,
    reportArtifact: get('report-artifact') || undefined,
    matrixOverrides: listInput(get('matrix-overrides')),
  };
}
