/**
 * The targets file (.github/cuda-targets.yml) and the ad-hoc --driver/--gpu flags, validated into Target[].
 * Every scalar is read as text (YAML "failsafe" schema): `driver: 535.10` must not become the number 535.1.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { isMap, isScalar, LineCounter, parseDocument, type Node, type Pair, type YAMLMap } from 'yaml';
import { GateError, messageOf } from '../common/errors';
import { isDriverVersion } from '../common/driver-version';
import { loadMatrixWithOverrides } from '../matrix/overrides';
import type { Matrix } from '../matrix/types';
import { resolveTargetGpu } from './gpu';
import { CONTAINER_RUNTIMES, type ContainerRuntime, type FailOn, type NoCudaPolicy, type Policy, type Target } from '../verdict/target';

const TARGET_KEYS = ['driver', 'gpu', 'forward-compat', 'os', 'runtime'] as const;
const POLICY_KEYS = ['fail-on', 'no-cuda'] as const;
const TOP_KEYS = ['targets', 'policy', 'matrix-overrides'] as const;
const FAIL_ON: readonly FailOn[] = ['fail', 'caveat', 'never'];
const NO_CUDA: readonly NoCudaPolicy[] = ['pass', 'warn', 'fail'];

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

export function loadTargetsFile(path: string, matrix: Matrix | MatrixFor): TargetsFile {
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

export function parseTargets(text: string, file: string, matrixOrFor: Matrix | MatrixFor): TargetsFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, schema: 'failsafe', uniqueKeys: true, prettyErrors: false });
  const at = (node: Node | null | undefined): string => {
    const offset = node?.range?.[0];
    return offset === undefined ? file : `${file}:${lines.linePos(offset).line}`;
  };
  const fail = (node: Node | null | undefined, what: string, fix: string): never => {
    throw new GateError('BAD_TARGETS', `${at(node)}: ${what}`, fix);
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
  const root = doc.contents;
  if (!isMap(root)) fail(root, 'expected a mapping with a "targets:" key', 'start the file with "targets:"');
  const top = root as YAMLMap;
  checkKeys(top, TOP_KEYS, 'top-level', fail);

  // read before the targets: their GPU names may be ones the overrides add
  const overridesNode = top.get('matrix-overrides', true) as Node | undefined;
  let matrixOverrides: string | undefined;
  if (overridesNode) {
    const path = scalarText(overridesNode);
    if (!path) fail(overridesNode, '"matrix-overrides:" must be the path of a YAML file', 'e.g. matrix-overrides: cuda-matrix-overrides.yml (relative to this file)');
    matrixOverrides = isAbsolute(path as string) ? (path as string) : join(dirname(file), path as string);
    if (!existsSync(matrixOverrides)) {
      fail(overridesNode, `matrix-overrides file ${path} not found (looked for ${matrixOverrides})`, 'the path is relative to the targets file; create it (README "Matrix overrides") or remove the key');
    }
  }
  const overrideList = matrixOverrides !== undefined ? [matrixOverrides] : [];
  const matrix =
    typeof matrixOrFor === 'function' ? matrixOrFor(overrideList) : overrideList.length ? loadMatrixWithOverrides(overrideList) : matrixOrFor;

  const targetsNode = top.get('targets', true) as Node | undefined;
  if (!targetsNode || !isMap(targetsNode) || targetsNode.items.length === 0) {
    fail(targetsNode ?? top, '"targets:" must map target names to { driver, gpu, forward-compat }', 'e.g.\ntargets:\n  prod-a100: { driver: 535.104.05, gpu: A100 }');
  }
  const targets: Target[] = [];
  for (const pair of (targetsNode as YAMLMap).items as Pair<Node, Node>[]) {
    const name = scalarText(pair.key);
    if (!name) fail(pair.key, 'a target name must be a plain string', 'e.g. prod-a100:');
    const body = pair.value;
    if (!isMap(body)) {
      fail(body ?? pair.key, `target "${name}" must be a mapping`, `e.g. ${name}: { driver: 535.104.05, gpu: A100 }`);
    }
    const map = body as YAMLMap;
    checkKeys(map, TARGET_KEYS, `target "${name}"`, fail);
    const driverNode = map.get('driver', true) as Node | undefined;
    const driver = scalarText(driverNode);
    if (driver === undefined) fail(map, `target "${name}" has no driver`, 'add the host driver as nvidia-smi prints it, e.g. driver: 535.104.05');
    if (!isDriverVersion(driver as string)) {
      fail(driverNode, `target "${name}": driver "${driver}" is not an NVIDIA driver version`, 'write it as nvidia-smi prints it, e.g. 535.104.05 (quote it if your editor reformats numbers)');
    }
    const gpuNode = map.get('gpu', true) as Node | undefined;
    const gpuText = scalarText(gpuNode);
    if (gpuNode && gpuText === undefined) fail(gpuNode, `target "${name}": gpu must be a string`, 'e.g. gpu: A100 or gpu: "8.0"');
    const fcNode = map.get('forward-compat', true) as Node | undefined;
    const forwardCompat = fcNode ? parseBool(scalarText(fcNode), () => fail(fcNode, `target "${name}": forward-compat must be true or false`, 'write forward-compat: true')) : false;
    const osNode = map.get('os', true) as Node | undefined;
    const os = osNode ? scalarText(osNode) : 'linux';
    if (os !== 'linux' && os !== 'windows') fail(osNode, `target "${name}": os must be linux or windows`, 'write os: linux');
    const runtimeNode = map.get('runtime', true) as Node | undefined;
    const runtimeText = runtimeNode ? scalarText(runtimeNode) : undefined;
    if (runtimeNode && !isContainerRuntime(runtimeText)) {
      const what = runtimeText === undefined ? 'must be a string' : runtimeText === '' ? 'is empty' : `"${runtimeText}" is not one of ${CONTAINER_RUNTIMES.join(', ')}`;
      fail(runtimeNode, `target "${name}": runtime ${what}`, runtimeFix('runtime: '));
    }
    targets.push({
      name: name as string,
      driver: driver as string,
      gpu: gpuText ? resolveTargetGpu(matrix, gpuText, `${at(gpuNode)}: target "${name}"`) : undefined,
      forwardCompat,
      os: os as 'linux' | 'windows',
      ...(runtimeText !== undefined && { runtime: runtimeText as ContainerRuntime }),
      origin: at(pair.key),
    });
  }

  const policy: Partial<Policy> = {};
  const policyNode = top.get('policy', true) as Node | undefined;
  if (policyNode) {
    if (!isMap(policyNode)) fail(policyNode, '"policy:" must be a mapping', 'e.g. policy: { fail-on: fail, no-cuda: warn }');
    const pm = policyNode as YAMLMap;
    checkKeys(pm, POLICY_KEYS, 'policy', fail);
    const failOnNode = pm.get('fail-on', true) as Node | undefined;
    if (failOnNode) {
      const v = scalarText(failOnNode);
      if (!FAIL_ON.includes(v as FailOn)) fail(failOnNode, `policy fail-on "${v}" is not one of ${FAIL_ON.join(', ')}`, 'e.g. fail-on: fail');
      policy.failOn = v as FailOn;
    }
    const noCudaNode = pm.get('no-cuda', true) as Node | undefined;
    if (noCudaNode) {
      const v = scalarText(noCudaNode);
      if (!NO_CUDA.includes(v as NoCudaPolicy)) fail(noCudaNode, `policy no-cuda "${v}" is not one of ${NO_CUDA.join(', ')}`, 'e.g. no-cuda: warn');
      policy.noCuda = v as NoCudaPolicy;
    }
  }
  return { targets, policy, matrix, ...(matrixOverrides !== undefined && { matrixOverrides }) };
}

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

/** A single target from --driver/--gpu/--forward-compat/--runtime (or the action's driver/gpu/… inputs). */
export function adHocTarget(flags: AdHocTarget, matrix: Matrix): Target {
  const labels = flags.labels ?? { driver: '--driver', gpu: '--gpu' };
  const driver = flags.driver.trim();
  if (!isDriverVersion(driver)) {
    throw new GateError('BAD_DRIVER_VERSION', `${labels.driver} "${driver}" is not an NVIDIA driver version`, 'write it as nvidia-smi prints it, e.g. 535.104.05');
  }
  const gpu = flags.gpu?.trim() ? resolveTargetGpu(matrix, flags.gpu, labels.gpu) : undefined;
  const runtimeText = flags.runtime?.trim() || undefined;
  const runtimeLabel = labels.runtime ?? '--runtime';
  if (runtimeText !== undefined && !isContainerRuntime(runtimeText)) {
    throw new GateError('BAD_ARGUMENT', `${runtimeLabel} "${runtimeText}" is not one of ${CONTAINER_RUNTIMES.join(', ')}`, runtimeFix(runtimeLabel === '--runtime' ? '--runtime ' : 'runtime: '));
  }
  const runtime = runtimeText as ContainerRuntime | undefined;
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

function scalarText(node: Node | null | undefined): string | undefined {
  if (!node || !isScalar(node)) return undefined;
  const v = node.value;
  return typeof v === 'string' ? v.trim() : v === null || v === undefined ? undefined : String(v);
}

function parseBool(v: string | undefined, onError: () => never): boolean {
  if (v === 'true' || v === 'True' || v === 'yes') return true;
  if (v === 'false' || v === 'False' || v === 'no') return false;
  return onError();
}

function checkKeys(
  map: YAMLMap,
  allowed: readonly string[],
  what: string,
  fail: (node: Node | null | undefined, what: string, fix: string) => never,
): void {
  for (const pair of map.items as Pair<Node, Node>[]) {
    const key = scalarText(pair.key);
    if (!key || !allowed.includes(key)) {
      fail(pair.key, `unknown key "${key}" in ${what}`, `allowed keys: ${allowed.join(', ')}`);
    }
  }
}
