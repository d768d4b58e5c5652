/**
 * The targets file (.github/cuda-targets.yml) and the ad-hoc --driver/--gpu flags, validated into Target[].
 * Every scalar is read as text (YAML "failsafe" schema): `driver: 535.10` must not become the number 535.1.
 *
 * The file's shape is TARGETS_FILE (a zod schema); the YAML document is kept only to say at which line of the file
 * a problem is. What needs the matrix (GPU names) or the disk (the matrix-overrides file) is checked after it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { isAlias, isDocument, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type Pair } from 'yaml';
import { z } from 'zod';
import { GateError, messageOf } from '../common/errors';
import { driverInputProblem } from '../common/driver-version';
import { parseWithSchema, say, sayPerKey, unknownKeysFirst, type SchemaProblem } from '../common/schema-error';
import { loadMatrixWithOverrides } from '../matrix/overrides';
import type { Matrix } from '../matrix/types';
import { FAIL_ON_VALUES, NO_CUDA_VALUES, type Policy, type Waiver } from '../model/policy';
import { REASON_CODES } from '../model/reason-codes';
import { CONTAINER_RUNTIMES, TARGET_OSES, type ContainerRuntime, type Target } from '../model/target';
import { resolveTargetGpu } from './gpu';
import { isK8sTargets, loadK8sTargets } from './k8s';

export interface TargetsFile {
  targets: Target[];
  policy: Partial<Policy>;
  /** the matrix the targets were resolved with, and are to be judged with: the file's matrix-overrides merged in */
  matrix: Matrix;
  /** `matrix-overrides:`, the path resolved against the targets file's directory */
  matrixOverrides?: string;
}

/**
 * The matrix for a list of overrides files, in the order they apply (none: the shipped matrix). A targets file's
 * `matrix-overrides:` comes first, so the caller's own (--matrix-overrides) win over it. A plain Matrix instead: used
 * as it is, or the shipped matrix with the file's overrides when it names some.
 */
export type MatrixFor = (overrides: string[]) => Matrix;

// ---- the schema ------------------------------------------------------------------------------------------------

/** A value of the file as the user wrote it, for messages: text as is, anything else by its YAML kind. */
function shown(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'symbol') return v.description ?? 'an alias';
  if (Array.isArray(v)) return 'a list';
  return v === null || v === undefined ? String(v) : 'a mapping';
}

/** `target "a"`, from the path of an issue inside targets.a */
const targetOf = (path: readonly PropertyKey[] = []): string => `target "${keyText(String(path[1]))}"`;

type Path = readonly PropertyKey[] | undefined;

/** A mapping with these keys only: an unknown key is named with `what` holds it, a value of another kind is `notAMapping`. */
function closedMapping<S extends z.ZodRawShape>(
  shape: S,
  what: (path: Path) => string,
  notAMapping: (path: Path) => string,
  fix: (path: Path) => string,
  allowed: readonly string[] = Object.keys(shape),
) {
  return z.strictObject(shape, {
    error: (iss) =>
      iss.code === 'unrecognized_keys'
        ? sayPerKey(
            iss.keys,
            (key) => `unknown key "${keyText(key)}" in ${what(iss.path)}`,
            () => `allowed keys: ${allowed.join(', ')}`,
          )
        : say(notAMapping(iss.path), fix(iss.path)),
  });
}

const DRIVER_FIX = 'write it as nvidia-smi prints it, e.g. 535.104.05 (quote it if your editor reformats numbers)';

/** A driver value's problem (common/driver-version: the one check every driver input gets), said; `syntaxFix` for text that is no version at all. */
function driverSaid(label: string, value: string, syntaxFix: string): string {
  const problem = driverInputProblem(value, label);
  return problem
    ? say(problem.sentence, problem.kind === 'syntax' ? syntaxFix : problem.fix)
    : say(`${label} "${value}" is not an NVIDIA driver version`, syntaxFix);
}

const MATRIX_OVERRIDES_FIX = 'e.g. matrix-overrides: cuda-matrix-overrides.yml (relative to this file)';
/** how forward-compat may be written: the first three mean true */
const BOOLEAN_WORDS = ['true', 'True', 'yes', 'false', 'False', 'no'] as const;

const TARGET = closedMapping(
  {
    driver: z
      .string({
        error: (iss) =>
          iss.input === undefined
            ? say(`${targetOf(iss.path)} has no driver`, 'add the host driver as nvidia-smi prints it, e.g. driver: 535.104.05')
            : say(`${targetOf(iss.path)}: driver must be a string, not ${shown(iss.input)}`, DRIVER_FIX),
      })
      .refine((v) => driverInputProblem(v, 'driver') === undefined, {
        error: (iss) => driverSaid(`${targetOf(iss.path)}: driver`, shown(iss.input), DRIVER_FIX),
      }),
    gpu: z.string({ error: (iss) => say(`${targetOf(iss.path)}: gpu must be a string`, 'e.g. gpu: A100 or gpu: "8.0"') }).optional(),
    'forward-compat': z
      .enum(BOOLEAN_WORDS, { error: (iss) => say(`${targetOf(iss.path)}: forward-compat must be true or false`, 'write forward-compat: true') })
      .transform((v) => BOOLEAN_WORDS.indexOf(v) < 3)
      .optional(),
    os: z.enum(TARGET_OSES, { error: (iss) => say(`${targetOf(iss.path)}: os must be linux or windows`, 'write os: linux') }).optional(),
    runtime: z
      .enum(CONTAINER_RUNTIMES, {
        error: (iss) => {
          const v = iss.input;
          const what = typeof v !== 'string' ? 'must be a string' : v === '' ? 'is empty' : `"${v}" is not one of ${CONTAINER_RUNTIMES.join(', ')}`;
          return say(`${targetOf(iss.path)}: runtime ${what}`, runtimeFix('runtime: '));
        },
      })
      .optional(),
  },
  targetOf,
  (path) => `${targetOf(path)} must be a mapping`,
  (path = []) => `e.g. ${String(path[1])}: { driver: 535.104.05, gpu: A100 }`,
);

const TARGETS_SHAPE = 'must map target names to { driver, gpu, forward-compat }';
const TARGETS_FIX = 'e.g.\ntargets:\n  prod-a100: { driver: 535.104.05, gpu: A100 }';

const POLICY = closedMapping(
  {
    'fail-on': z
      .enum(FAIL_ON_VALUES, { error: (iss) => say(`policy fail-on "${shown(iss.input)}" is not one of ${FAIL_ON_VALUES.join(', ')}`, 'e.g. fail-on: fail') })
      .optional(),
    'no-cuda': z
      .enum(NO_CUDA_VALUES, { error: (iss) => say(`policy no-cuda "${shown(iss.input)}" is not one of ${NO_CUDA_VALUES.join(', ')}`, 'e.g. no-cuda: warn') })
      .optional(),
  },
  () => 'policy',
  () => '"policy:" must be a mapping',
  () => 'e.g. policy: { fail-on: fail, no-cuda: warn }',
);

/** `waiver 2`, from the path of an issue inside waivers[1] */
const waiverOf = (path: readonly PropertyKey[] = []): string => `waiver ${typeof path[1] === 'number' ? path[1] + 1 : '?'}`;

const WAIVER_EXAMPLE = 'e.g.\nwaivers:\n  - { image: "app:*", target: edge-t4, code: DRIVER_TOO_OLD, reason: "R550 rollout, INFRA-123", expires: 2026-06-30 }';
const EXPIRES_FIX = 'write the last day the waiver holds as YYYY-MM-DD, e.g. expires: 2026-06-30 (a waiver needs an end date)';

/** A real calendar day written YYYY-MM-DD (2026-02-30 is not one). */
function isIsoDate(v: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) return false;
  const d = new Date(`${v}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v;
}

/** A required text field of a waiver: its absence and its emptiness say which field and the fix. */
function waiverText(field: string, fix: string) {
  return z
    .string({
      error: (iss) =>
        iss.input === undefined
          ? say(`${waiverOf(iss.path)} has no ${field}`, fix)
          : say(`${waiverOf(iss.path)}: ${field} must be a string, not ${shown(iss.input)}`, fix),
    })
    .min(1, { error: (iss) => say(`${waiverOf(iss.path)}: ${field} is empty`, fix) });
}

/** The closest reason code to a misspelt one (same letters mostly), for "did you mean". */
function closestCode(v: string): string | undefined {
  const upper = v.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
  const exact = REASON_CODES.find((c) => c === upper);
  if (exact) return exact;
  const words = new Set(upper.split('_').filter(Boolean));
  let best: { code: string; score: number } | undefined;
  for (const code of REASON_CODES) {
    const score = code.split('_').filter((w) => words.has(w)).length;
    if (score > 0 && (!best || score > best.score)) best = { code, score };
  }
  return best?.code;
}

const WAIVER = closedMapping(
  {
    image: waiverText('image', 'name the image by a glob on its source or ref (* and ?), e.g. image: "docker-archive:build/*.tar" or image: "app:*"'),
    target: waiverText('target', 'name one target of this file, or * for every target').optional(),
    code: waiverText('code', 'give a reason code, e.g. code: DRIVER_TOO_OLD, or * for any').optional(),
    reason: waiverText('reason', 'say why the failure is accepted, e.g. reason: "edge fleet moves to R550 in Q3 (INFRA-123)"'),
    expires: z
      .string({
        error: (iss) =>
          iss.input === undefined
            ? say(`${waiverOf(iss.path)} has no expires date`, EXPIRES_FIX)
            : say(`${waiverOf(iss.path)}: expires must be a date`, EXPIRES_FIX),
      })
      .refine(isIsoDate, { error: (iss) => say(`${waiverOf(iss.path)}: expires "${shown(iss.input)}" is not a date written YYYY-MM-DD`, EXPIRES_FIX) }),
  },
  waiverOf,
  (path) => `${waiverOf(path)} must be a mapping`,
  () => WAIVER_EXAMPLE,
);

const WAIVERS = z.array(WAIVER, { error: () => say('"waivers:" must be a list of waivers', WAIVER_EXAMPLE) });

/**
 * The targets file as its YAML reads (every scalar a string), before GPU names are looked up. Keys in the order the
 * file is checked: matrix-overrides first (the targets' GPU names may be ones it adds), then the targets, the policy.
 */
export const TARGETS_FILE = closedMapping(
  {
    'matrix-overrides': z
      .string({ error: () => say('"matrix-overrides:" must be the path of a YAML file', MATRIX_OVERRIDES_FIX) })
      .min(1, { error: () => say('"matrix-overrides:" must be the path of a YAML file', MATRIX_OVERRIDES_FIX) })
      .optional(),
    targets: z
      .record(z.string().regex(/^[^\0]/, { error: () => say('a target name must be a plain string', 'e.g. prod-a100:') }), TARGET, {
        // a bad name is said by the key's schema
        error: (iss) => (iss.code === 'invalid_key' ? undefined : say(`"targets:" ${TARGETS_SHAPE}`, TARGETS_FIX)),
      })
      .refine((targets) => Object.keys(targets).length > 0, { error: () => say(`"targets:" ${TARGETS_SHAPE}`, TARGETS_FIX) }),
    policy: POLICY.optional(),
    waivers: WAIVERS.optional(),
  },
  () => 'top-level',
  () => 'expected a mapping with a "targets:" key',
  () => 'start the file with "targets:"',
  ['targets', 'policy', 'waivers', 'matrix-overrides'],
);
export type TargetsFileData = z.output<typeof TARGETS_FILE>;

// ---- reading a file ---------------------------------------------------------------------------------------------

export function loadTargetsFile(path: string, matrix: Matrix | MatrixFor): TargetsFile {
  // k8s:FILE[?options]: a cluster's nodes as `kubectl get nodes -o json` prints them, one target per driver x GPU
  if (isK8sTargets(path)) return loadK8sTargets(path, matrix);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new GateError(
      code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'BAD_TARGETS',
      `targets file ${path}: ${code === 'ENOENT' ? 'not found' : messageOf(e)}`,
      'create it (see README "Targets file") or pass --driver VERSION [--gpu NAME] instead',
    );
  }
  return parseTargets(text, path, matrix);
}

/** A targets file is a few hundred bytes; the YAML parser is linear but not fast (about 70 ms per 1,000 targets). */
export const MAX_TARGETS_FILE_BYTES = 1024 * 1024;
/** Every target is judged against every image: a report of more is not one anyone reads. */
export const MAX_TARGETS = 10_000;

export interface ParseOptions {
  /** the directory `matrix-overrides:` is relative to (default: the file's): a base commit's copy lives elsewhere than its name says */
  dir?: string;
}

export function parseTargets(text: string, file: string, matrixOrFor: Matrix | MatrixFor, opts: ParseOptions = {}): TargetsFile {
  if (Buffer.byteLength(text, 'utf8') > MAX_TARGETS_FILE_BYTES) {
    throw new GateError(
      'BAD_TARGETS',
      `${file}: ${Buffer.byteLength(text, 'utf8')} bytes, more than the ${MAX_TARGETS_FILE_BYTES}-byte limit for a targets file`,
      `list at most ${MAX_TARGETS} targets; a targets file is a few hundred bytes`,
    );
  }
  const lines = new LineCounter();
  // the library's own duplicate-key check compares every key with every earlier one (quadratic): uniqueKeys() below is linear
  const doc = parseDocument(text, { lineCounter: lines, schema: 'failsafe', uniqueKeys: false, prettyErrors: false });
  const at = (node: Node | null | undefined): string => {
    const offset = node?.range?.[0];
    return offset === undefined ? file : `${file}:${lines.linePos(offset).line}`;
  };
  if (doc.errors.length) {
    const e = doc.errors[0];
    const line = e.pos?.[0] !== undefined ? lines.linePos(e.pos[0]).line : undefined;
    throw new GateError(
      'BAD_TARGETS',
      `${line ? `${file}:${line}` : file}: not valid YAML: ${e.message.split('\n')[0]}`,
      'fix the YAML syntax (indentation, unclosed brackets or quotes)',
    );
  }
  const duplicate = firstDuplicateKey(doc.contents);
  if (duplicate) {
    throw new GateError(
      'BAD_TARGETS',
      `${at(duplicate.key)}: not valid YAML: Map keys must be unique ("${keyText(keyOf(duplicate.key)).slice(0, 100)}" is also at line ${lines.linePos(duplicate.first.range?.[0] ?? 0).line})`,
      'give each key once; the same target name twice is one name for two targets',
    );
  }
  const targetsNode = isMap(doc.contents) ? doc.contents.get('targets', true) : undefined;
  if (isMap(targetsNode) && targetsNode.items.length > MAX_TARGETS) {
    throw new GateError(
      'BAD_TARGETS',
      `${at(targetsNode)}: ${targetsNode.items.length} targets, more than the limit of ${MAX_TARGETS}`,
      'list the drivers and GPUs you deploy to; split a larger fleet into several targets files and runs',
    );
  }
  const targetPairs = new Map<string, Pair<Node | null, Node | null>>();
  if (isMap(targetsNode)) {
    for (const pair of targetsNode.items as Pair<Node | null, Node | null>[]) targetPairs.set(keyOf(pair.key), pair);
  }

  const data = parseWithSchema(TARGETS_FILE, yamlData(doc.contents), {
    what: file,
    code: 'BAD_TARGETS',
    place: (problem) => at(problemNode(doc, problem)),
    // the first problem met reading the file top-down, an object's keys before its values
    pick: (problems) => unknownKeysFirst(problems)[0],
  });

  // read before the targets: their GPU names may be ones the overrides add
  let matrixOverrides: string | undefined;
  const path = data['matrix-overrides'];
  if (path !== undefined) {
    matrixOverrides = isAbsolute(path) ? path : join(opts.dir ?? dirname(file), path);
    if (!existsSync(matrixOverrides)) {
      throw new GateError(
        'BAD_TARGETS',
        `${at(nodeAt(doc, ['matrix-overrides']))}: matrix-overrides file ${path} not found (looked for ${matrixOverrides})`,
        'the path is relative to the targets file; create it (README "Matrix overrides") or remove the key',
      );
    }
  }
  const overrideList = matrixOverrides !== undefined ? [matrixOverrides] : [];
  const matrix = typeof matrixOrFor === 'function' ? matrixOrFor(overrideList) : overrideList.length ? loadMatrixWithOverrides(overrideList) : matrixOrFor;

  const targets = Object.entries(data.targets).map(([name, t]): Target => {
    // looked up by name once, not by a walk of the mapping per target (quadratic in the targets)
    const pair = targetPairs.get(name);
    const gpuNode = isMap(pair?.value) ? nodeAt(pair.value, ['gpu']) : undefined;
    return {
      name,
      driver: t.driver,
      gpu: t.gpu ? resolveTargetGpu(matrix, t.gpu, `${at(gpuNode)}: target "${name}"`) : undefined,
      forwardCompat: t['forward-compat'] ?? false,
      os: t.os ?? 'linux',
      ...(t.runtime !== undefined && { runtime: t.runtime }),
      origin: at(pair?.key),
    };
  });
  const policy: Partial<Policy> = {};
  if (data.policy?.['fail-on'] !== undefined) policy.failOn = data.policy['fail-on'];
  if (data.policy?.['no-cuda'] !== undefined) policy.noCuda = data.policy['no-cuda'];
  if (data.waivers !== undefined)
    policy.waivers = checkWaivers(data.waivers, targets, (i, field) => at(nodeAt(doc, ['waivers', i, ...(field ? [field] : [])])));
  return { targets, policy, matrix, ...(matrixOverrides !== undefined && { matrixOverrides }) };
}

/** The waivers, each target and code checked against the file's targets and the known reason codes. */
function checkWaivers(list: TargetsFileData['waivers'] & object, targets: Target[], at: (index: number, field?: string) => string): Waiver[] {
  const names = new Set(targets.map((t) => t.name));
  return list.map((w, i): Waiver => {
    const target = w.target ?? '*';
    const code = w.code ?? '*';
    if (target !== '*' && !names.has(target)) {
      throw new GateError(
        'BAD_TARGETS',
        `${at(i, 'target')}: waiver ${i + 1}: target "${target}" is not a target of this file`,
        `name one of ${[...names].slice(0, 10).join(', ')}${names.size > 10 ? ', …' : ''}, or * for every target`,
      );
    }
    if (code !== '*' && !(REASON_CODES as readonly string[]).includes(code)) {
      const near = closestCode(code);
      throw new GateError(
        'BAD_TARGETS',
        `${at(i, 'code')}: waiver ${i + 1}: code "${code}" is not a reason code`,
        `${near ? `did you mean ${near}? ` : ''}write a code as the report gives it (README "Verdicts and reason codes"), e.g. code: DRIVER_TOO_OLD, or * for any`,
      );
    }
    return { image: w.image, target, code, reason: w.reason, expires: w.expires, origin: at(i) };
  });
}

/**
 * The `matrix-overrides:` path a targets file names, read without checking the rest (undefined: none, or a file that
 * does not parse — parseTargets then says what is wrong): what else must be fetched with a base commit's copy.
 */
export function matrixOverridesKey(text: string): string | undefined {
  if (Buffer.byteLength(text, 'utf8') > MAX_TARGETS_FILE_BYTES) return undefined;
  const doc = parseDocument(text, { schema: 'failsafe', uniqueKeys: false, prettyErrors: false });
  if (doc.errors.length || !isMap(doc.contents)) return undefined;
  const node = doc.contents.get('matrix-overrides', true);
  const value = isScalar(node) ? scalarText(node) : undefined;
  return value ? value : undefined;
}

/**
 * The document as data for the schema: mappings as objects (keys and scalars as trimmed text), sequences as arrays.
 * An alias stays an alias (a symbol no schema accepts): it is never expanded, so an alias bomb costs nothing.
 */
function yamlData(node: Node | null | undefined): unknown {
  if (node === null || node === undefined) return undefined;
  if (isScalar(node)) return scalarText(node);
  if (isAlias(node)) return Symbol(`an alias (*${node.source})`);
  if (isSeq(node)) return node.items.map((item) => yamlData(item as Node | null));
  if (isMap(node)) {
    const out: Record<string, unknown> = {};
    for (const pair of node.items as Pair<Node | null, Node | null>[]) {
      // defineProperty: a key named __proto__ is a key like any other
      Object.defineProperty(out, keyOf(pair.key), { value: yamlData(pair.value), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return undefined;
}

/**
 * A mapping key as data: its text, or for a key that is not plain text (a sequence, a mapping, an alias: `? [a]`)
 * NUL and its YAML, which no target name or known key matches; keyText shows it.
 */
function keyOf(node: Node | null): string {
  if (isScalar(node)) return scalarText(node) ?? '';
  return `\0${node === null ? '' : String(node)}`;
}

function keyText(key: string): string {
  return key.startsWith('\0') ? key.slice(1) : key;
}

function scalarText(node: Node): string | undefined {
  const v = isScalar(node) ? node.value : undefined;
  return typeof v === 'string' ? v.trim() : v === null || v === undefined ? undefined : String(v);
}

/**
 * The first key (in the file) that an earlier key of the same mapping equals, as YAML compares them: scalars by
 * value, other nodes by identity. One Map per mapping: linear in the document.
 */
function firstDuplicateKey(root: Node | null | undefined): { key: Node; first: Node } | undefined {
  let found: { key: Node; first: Node } | undefined;
  const offset = (n: Node): number => n.range?.[0] ?? Infinity;
  const stack: Array<Node | null | undefined> = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isSeq(node)) {
      for (const item of node.items) stack.push(item as Node | null);
    } else if (isMap(node)) {
      const seen = new Map<unknown, Node>();
      for (const pair of node.items as Pair<Node | null, Node | null>[]) {
        const key = pair.key;
        if (key !== null) {
          const id = isScalar(key) ? key.value : key;
          const first = seen.get(id);
          if (first === undefined) seen.set(id, key);
          else if (!found || offset(key) < offset(found.key)) found = { key, first };
          stack.push(key);
        }
        stack.push(pair.value);
      }
    }
  }
  return found;
}

/** The node at a path of the data (the key's node with `which: 'key'`); undefined where the path ends. */
function nodeAt(from: Document | Node, path: readonly PropertyKey[], which: 'value' | 'key' = 'value'): Node | undefined {
  let node: Node | null | undefined = isDocument(from) ? from.contents : from;
  let key: Node | null | undefined;
  for (const step of path) {
    if (isMap(node)) {
      const pair: Pair<Node | null, Node | null> | undefined = (node.items as Pair<Node | null, Node | null>[]).find((p) => keyOf(p.key) === String(step));
      if (!pair) return undefined;
      key = pair.key;
      node = pair.value;
    } else if (isSeq(node) && typeof step === 'number') {
      key = undefined;
      node = node.items[step] as Node | null;
    } else {
      return undefined;
    }
  }
  return (which === 'key' ? key : (node ?? key)) ?? undefined;
}

/** The node a problem is about: the key itself for an unknown key, the value for a bad one, else the nearest parent. */
function problemNode(doc: Document, problem: SchemaProblem): Node | undefined {
  if (problem.code === 'unrecognized_keys' || problem.code === 'invalid_key') return nodeAt(doc, problem.path, 'key');
  for (let n = problem.path.length; n >= 0; n--) {
    const node = nodeAt(doc, problem.path.slice(0, n));
    if (node) return node;
  }
  return undefined;
}

// ---- one target from flags or inputs ----------------------------------------------------------------------------

export interface AdHocTarget {
  driver: string;
  gpu?: string;
  forwardCompat?: boolean;
  /** legacy | cdi; undefined (or empty) = not stated, both are judged. Validated here too: callers pass text. */
  runtime?: string;
  name?: string;
  /** how errors name the inputs: "--driver" for the CLI, 'input "driver"' for the action */
  labels?: { driver: string; gpu: string; runtime?: string };
}

const AD_HOC_DRIVER_FIX = 'write it as nvidia-smi prints it, e.g. 535.104.05';

/** A single target from --driver/--gpu/--forward-compat/--runtime (or the action's driver/gpu/… inputs). */
export function adHocTarget(flags: AdHocTarget, matrix: Matrix): Target {
  const labels = flags.labels ?? { driver: '--driver', gpu: '--gpu' };
  const runtimeLabel = labels.runtime ?? '--runtime';
  // the labels are the place: the flag or input the value came from
  const driver = parseWithSchema(
    z
      .string()
      .refine((v) => driverInputProblem(v, labels.driver) === undefined, { error: (iss) => driverSaid(labels.driver, String(iss.input), AD_HOC_DRIVER_FIX) }),
    flags.driver.trim(),
    { what: '', code: 'BAD_DRIVER_VERSION' },
  );
  const gpu = flags.gpu?.trim() ? resolveTargetGpu(matrix, flags.gpu, labels.gpu) : undefined;
  const runtime = parseWithSchema(
    z
      .enum(CONTAINER_RUNTIMES, {
        error: (iss) =>
          say(
            `${runtimeLabel} "${String(iss.input)}" is not one of ${CONTAINER_RUNTIMES.join(', ')}`,
            runtimeFix(runtimeLabel === '--runtime' ? '--runtime ' : 'runtime: '),
          ),
      })
      .optional(),
    flags.runtime?.trim() || undefined,
    { what: '', code: 'BAD_ARGUMENT' },
  );
  const name = flags.name ?? [`driver ${driver}`, gpu ? gpu.input : undefined].filter(Boolean).join(' ');
  return { name, driver, gpu, forwardCompat: !!flags.forwardCompat, os: 'linux', ...(runtime && { runtime }), origin: '--driver' };
}

/** The fix for a bad runtime value, written as the place it came from writes it ("runtime: " or "--runtime "). */
export function runtimeFix(prefix: string): string {
  return `write ${prefix}cdi (CDI / jit-cdi injection, the default of nvidia-container-toolkit >= 1.18 and GPU Operator >= v25.10) or ${prefix}legacy (docker run --gpus), in lower case; leave it out to judge both`;
}

export function isContainerRuntime(v: string | undefined): v is ContainerRuntime {
  return v !== undefined && (CONTAINER_RUNTIMES as readonly string[]).includes(v);
}
