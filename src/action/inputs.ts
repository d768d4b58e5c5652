/**
 * The action's inputs, typed and validated at the edge. Read exactly as the runner passes them (INPUT_<NAME>
 * environment variables, as @actions/core's getInput does) so this module has no dependency on the toolkit and
 * tests set real INPUT_* variables. INPUTS (a zod schema) checks the text of every input; an empty input is unset.
 */
import { z } from 'zod';
import { parseWithSchema, say } from '../common/schema-error';
import type { ScanMode } from '../engine/check';
import { FAIL_ON_VALUES, NO_CUDA_VALUES, POLICY_FROM_VALUES, type FailOn, type NoCudaPolicy, type PolicyFrom } from '../model/policy';
import { CONTAINER_RUNTIMES, type ContainerRuntime } from '../model/target';

export const COMMENT_MODES = ['auto', 'always', 'on-failure', 'never'] as const;
export type CommentMode = (typeof COMMENT_MODES)[number];
/**
 * check: gate the images; aggregate: merge the JSON reports of other jobs (matrix legs) into one verdict; comment: in
 * a workflow_run job, post the sticky comment from the report artifact of the run that finished (fork pull requests)
 */
export const ACTION_MODES = ['check', 'aggregate', 'comment'] as const;
export type ActionMode = (typeof ACTION_MODES)[number];
const SCAN_MODES = ['full', 'config'] as const satisfies readonly ScanMode[];

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
  /** fail-on-new: only results worse than their baseline-images counterpart fail the gate */
  failOnNew: boolean;
  comment: CommentMode;
  commentKey: string;
  baselineImages: string[];
  platform?: string;
  githubToken: string;
  reportPath: string;
  /** where to write the report as a SARIF 2.1.0 log for code scanning (unset: none) */
  sarifFile?: string;
  /** the Dockerfile(s) the images were built from: none (./Dockerfile when it exists), one for all, or one per image */
  dockerfile: string[];
  /** full: config and files; config: the image config alone (no layer read) */
  scan: ScanMode;
  /** keep per-layer analyses between runs with the Actions cache (default true) */
  cache: boolean;
  /** names this job's matrix leg in the layer cache key (default: a hash of the leg's inputs) */
  cacheKeySuffix?: string;
  /** aggregate mode: report files (globs, directories) and artifact:NAME-PATTERN lines */
  reports: string[];
  /** check mode: upload the JSON report as an artifact of this name; comment mode: the artifact (pattern) to read */
  reportArtifact?: string;
  /** matrix overrides files merged over the shipped matrix, after the targets file's own (matrix-overrides:) */
  matrixOverrides: string[];
  /** on a pull request, the targets file as of the base commit (base, default) or as checked out (head) */
  policyFrom: PolicyFrom;
}

export function readInput(name: string, env: NodeJS.ProcessEnv = process.env): string {
  return (env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
}

/** Multiline or comma-separated list; blank lines and # comments dropped. */
export function listInput(value: string): string[] {
  return value
    .split(/\r?\n/)
    .flatMap((line) => line.replace(/(^|\s)#.*$/, '').split(','))
    .map((s) => s.trim())
    .filter(Boolean);
}

/** An input left empty is unset: its default applies. */
const unset = (v: unknown) => (v === '' ? undefined : v);

/** One of `values`, or unset. */
function choice<const T extends readonly [string, ...string[]]>(name: string, values: T) {
  return z.preprocess(
    unset,
    z
      .enum(values, { error: (iss) => say(`input "${name}": "${String(iss.input)}" is not one of ${values.join(', ')}`, `set ${name}: ${values[0]}`) })
      .optional(),
  );
}

/** true or false as YAML 1.2 core writes them, or unset. */
function boolean(name: string) {
  return z.preprocess(
    unset,
    z
      .enum(['true', 'True', 'TRUE', 'false', 'False', 'FALSE'], {
        error: (iss) => say(`input "${name}": "${String(iss.input)}" is not a boolean`, `set ${name}: true or false`),
      })
      .transform((v) => v.toLowerCase() === 'true')
      .optional(),
  );
}

const text = z.string();
const optionalText = z.string().transform((v) => v || undefined);
const list = z.string().transform(listInput);

/** Every input of action.yml, as text (trimmed; empty = unset), each checked alone. */
const INPUT_TEXTS = z.object({
  mode: choice('mode', ACTION_MODES),
  images: list,
  reports: list,
  targets: optionalText,
  driver: optionalText,
  gpu: optionalText,
  'forward-compat': boolean('forward-compat'),
  runtime: choice('runtime', CONTAINER_RUNTIMES),
  'fail-on': choice('fail-on', FAIL_ON_VALUES),
  'no-cuda': choice('no-cuda', NO_CUDA_VALUES),
  'fail-on-new': boolean('fail-on-new'),
  comment: choice('comment', COMMENT_MODES),
  'comment-key': text,
  'baseline-images': list,
  platform: optionalText,
  'github-token': text,
  'report-path': optionalText,
  'sarif-file': optionalText,
  dockerfile: list,
  scan: choice('scan', SCAN_MODES),
  cache: boolean('cache'),
  'cache-key-suffix': optionalText,
  'report-artifact': optionalText,
  'matrix-overrides': list,
  'policy-from': choice('policy-from', POLICY_FROM_VALUES),
});

/** What the mode needs (images to check, or reports to merge): checked before any other input. */
const INPUT_MODE = z.looseObject({ mode: choice('mode', ACTION_MODES), images: z.string(), reports: z.string() }).superRefine((v, ctx) => {
  const mode = v.mode ?? 'check';
  if (mode === 'aggregate' && !listInput(v.reports).length) {
    ctx.addIssue({
      code: 'custom',
      message: say('input "reports" is empty (mode: aggregate)', "list the legs' report files, e.g. reports: reports/**/*.json"),
    });
  }
  if (mode === 'check' && !listInput(v.images).length) {
    ctx.addIssue({
      code: 'custom',
      message: say('input "images" is empty', 'list one image per line, e.g. images: docker-daemon:app:pr-${{ github.event.number }}'),
    });
  }
});

/** The inputs, checked and typed (after INPUT_MODE): each value, then the ones that go together. */
export const INPUTS = INPUT_TEXTS.superRefine((v, ctx) => {
  if ((v.mode ?? 'check') === 'check' && v.dockerfile.length > 1 && v.dockerfile.length !== v.images.length) {
    ctx.addIssue({
      code: 'custom',
      message: say(
        `input "dockerfile": ${v.dockerfile.length} Dockerfiles for ${v.images.length} images`,
        'give one Dockerfile for all images, or one per line of images, in the same order',
      ),
    });
  }
  if (v.runtime && !v.driver) {
    ctx.addIssue({
      code: 'custom',
      message: say(
        `input "runtime" (${v.runtime}) needs input "driver"`,
        'set driver: too, or state the runtime per target in the targets file (runtime: cdi)',
      ),
    });
  }
}).transform((v): Inputs => ({
  mode: v.mode ?? 'check',
  images: v.images,
  targets: v.targets ?? '.github/cuda-targets.yml',
  driver: v.driver,
  gpu: v.gpu,
  forwardCompat: v['forward-compat'] ?? false,
  ...(v.runtime && { runtime: v.runtime }),
  failOn: v['fail-on'],
  noCuda: v['no-cuda'],
  failOnNew: v['fail-on-new'] ?? false,
  comment: v.comment ?? 'auto',
  commentKey: v['comment-key'],
  baselineImages: v['baseline-images'],
  platform: v.platform,
  githubToken: v['github-token'],
  reportPath: v['report-path'] ?? 'cuda-gate-report.json',
  ...(v['sarif-file'] && { sarifFile: v['sarif-file'] }),
  dockerfile: v.dockerfile,
  scan: v.scan ?? 'full',
  cache: v.cache ?? true,
  cacheKeySuffix: v['cache-key-suffix'],
  reports: v.reports,
  reportArtifact: v['report-artifact'],
  matrixOverrides: v['matrix-overrides'],
  // k8s:FILE is the cluster's nodes as a job step saved them (kubectl get nodes -o json), not a policy file of the
  // repository: it is read as given, there is no base-commit version of it
  policyFrom: v.targets?.startsWith('k8s:') ? 'head' : (v['policy-from'] ?? 'base'),
}));

export function getInputs(env: NodeJS.ProcessEnv = process.env): Inputs {
  const raw = Object.fromEntries(Object.keys(INPUT_TEXTS.shape).map((name) => [name, readInput(name, env)]));
  // the sentence names the input; the fix says what to set
  parseWithSchema(INPUT_MODE, raw, { what: '', code: 'BAD_ARGUMENT' });
  return parseWithSchema(INPUTS, raw, { what: '', code: 'BAD_ARGUMENT' });
}
