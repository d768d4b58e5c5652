/**
 * Targets from a Kubernetes cluster: `--targets k8s:FILE` reads what `kubectl get nodes -o json` (or `-o yaml`) prints
 * — a v1 List (or NodeList) of Node objects, or a single Node — and makes one target per distinct driver × GPU, from
 * the labels NVIDIA GPU Feature Discovery (GFD, part of NVIDIA/k8s-device-plugin and the GPU Operator) puts on each
 * GPU node. The labels and their meaning, as GFD documents and writes them (NVIDIA/k8s-device-plugin
 * docs/gpu-feature-discovery/README.md "Generated Labels"; internal/lm/nvml.go newVersionLabeler; internal/lm/resource.go
 * productLabel / newArchitectureLabels):
 *
 * - `nvidia.com/cuda.driver-version.full` — the driver version NVML reports, "550.54.15" (with `.major`, `.minor`,
 *   `.revision` beside it). Older GFD releases wrote only `nvidia.com/cuda.driver.major` / `.minor` / `.rev` (still
 *   written, "deprecated labels" in nvml.go; the README's example shows rev "" for a two-part version).
 * - `nvidia.com/gpu.product` — the GPU's NVML name with spaces replaced by hyphens ("NVIDIA-A100-SXM4-80GB",
 *   "Tesla-V100-SXM2-16GB"); under the MIG `single` strategy "-MIG-<profile>" follows ("A100-SXM4-40GB-MIG-1g.5gb"),
 *   and with time-slicing replicas (not renamed) "-SHARED" is appended. Both are stripped to find the GPU.
 * - `nvidia.com/gpu.compute.major` / `.minor` — the compute capability: used when the product is not in
 *   matrix/gpus.yaml (or is missing).
 *
 * A node whose driver cannot be read is listed as unknown (a warning naming it and what is missing), never dropped
 * silently; a node with no sign of an NVIDIA GPU at all (no `nvidia.com/…` label, capacity or allocatable) is listed
 * as a node without GPUs. Forward compatibility and the container runtime cannot be read from the labels: they are
 * given for the whole file, `k8s:nodes.json?forward-compat=true&runtime=cdi`.
 */
import { readFileSync, statSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { isDriverVersion } from '../common/driver-version';
import { GateError, messageOf } from '../common/errors';
import type { Matrix } from '../matrix/types';
import { CONTAINER_RUNTIMES, type ContainerRuntime, type Target, type TargetGpu } from '../model/target';
import { resolveTargetGpu } from './gpu';
import type { MatrixFor, TargetsFile } from './load';

/** The GFD labels read, by what they say. */
export const GFD_LABELS = {
  driverFull: 'nvidia.com/cuda.driver-version.full',
  driverMajor: 'nvidia.com/cuda.driver-version.major',
  driverMinor: 'nvidia.com/cuda.driver-version.minor',
  driverRevision: 'nvidia.com/cuda.driver-version.revision',
  oldDriverMajor: 'nvidia.com/cuda.driver.major',
  oldDriverMinor: 'nvidia.com/cuda.driver.minor',
  oldDriverRev: 'nvidia.com/cuda.driver.rev',
  product: 'nvidia.com/gpu.product',
  computeMajor: 'nvidia.com/gpu.compute.major',
  computeMinor: 'nvidia.com/gpu.compute.minor',
} as const;

/** The `k8s:` prefix of a --targets value (and of the action's targets input). */
export const K8S_PREFIX = 'k8s:';

export function isK8sTargets(spec: string | undefined): spec is string {
  return spec !== undefined && spec.startsWith(K8S_PREFIX);
}

/** A label a node carries and its value: what a node selector matches on. */
export interface LabelValue {
  key: string;
  value: string;
}

/** A node of the file, and what became of it. */
export interface FleetNode {
  name: string;
  /** the target it belongs to; absent for an unknown node or a node without GPUs */
  target?: string;
  status: 'target' | 'unknown' | 'no-gpu';
  /** for an unknown node: what is missing or wrong */
  missing?: string;
  /** the labels that identify its driver (the full version, else the major / minor / rev trio) */
  driverLabels: LabelValue[];
  /** the raw `nvidia.com/gpu.product` value (with any -MIG-… / -SHARED suffix), when the node has one */
  product?: string;
  /** the compute capability labels, when the node has both */
  compute?: { major: string; minor: string };
  /** GPUs the node offers: status.capacity["nvidia.com/gpu"] (else the gpu.count label) */
  gpus?: number;
  /** the node's nvidia.com/ labels, as the file gives them (what a node selector on GFD labels sees) */
  labels: Record<string, string>;
}

/** A target made from nodes: the fields of a target, and the nodes it stands for (additive). */
export interface K8sTarget extends Target {
  /** how many nodes have this driver × GPU */
  nodeCount: number;
  /** their names, in file order */
  nodes: string[];
  /** GPUs on those nodes (status.capacity nvidia.com/gpu), when the nodes say */
  gpuCount?: number;
  /** the GPU product as the nodes' label writes it, without -MIG-… / -SHARED ("NVIDIA-A100-SXM4-80GB") */
  product?: string;
}

export interface K8sFleet {
  /** the file read */
  file: string;
  /** every node of the file, in file order */
  nodes: FleetNode[];
}

export function isK8sTargetsFile(file: TargetsFile): file is K8sTargetsFile {
  return 'fleet' in file;
}

export interface K8sTargetsFile extends TargetsFile {
  targets: K8sTarget[];
  fleet: K8sFleet;
  /** nodes that could not become targets, GPUs judged by compute capability only, …: one line each */
  warnings: string[];
  /** nodes without any NVIDIA GPU (not targets): one line, or none */
  notes: string[];
}

export interface K8sSpec {
  file: string;
  forwardCompat: boolean;
  runtime?: ContainerRuntime;
}

const OPTION_FIX = 'write k8s:FILE, or k8s:FILE?forward-compat=true&runtime=cdi (options: forward-compat=true|false, runtime=legacy|cdi)';

/**
 * `k8s:nodes.json?forward-compat=true&runtime=cdi` -> the file and the options for all of its targets. A `?` only
 * starts options when what follows it reads as `name=value[&…]`; otherwise it is part of the file name.
 */
export function parseK8sSpec(spec: string): K8sSpec {
  const rest = spec.startsWith(K8S_PREFIX) ? spec.slice(K8S_PREFIX.length) : spec;
  const q = rest.lastIndexOf('?');
  const query = q >= 0 ? rest.slice(q + 1) : '';
  const hasOptions = q >= 0 && /^[a-z-]+=[^&=]*(&[a-z-]+=[^&=]*)*$/.test(query);
  const file = hasOptions ? rest.slice(0, q) : rest;
  if (!file.trim()) throw new GateError('BAD_TARGETS', `targets "${spec}" names no file`, OPTION_FIX);
  const out: K8sSpec = { file, forwardCompat: false };
  if (!hasOptions) return out;
  for (const pair of query.split('&')) {
    const [name, value] = pair.split('=');
    if (name === 'forward-compat' && (value === 'true' || value === 'false')) out.forwardCompat = value === 'true';
    else if (name === 'runtime' && (CONTAINER_RUNTIMES as readonly string[]).includes(value)) out.runtime = value as ContainerRuntime;
    else throw new GateError('BAD_TARGETS', `targets "${spec}": option ${name}=${value} is not known`, OPTION_FIX);
  }
  return out;
}

/** `kubectl get nodes -o json` of a large cluster lists every image of every node: generous, but bounded. */
export const MAX_K8S_FILE_BYTES = 512 * 1024 * 1024;
export const MAX_K8S_NODES = 100_000;

/** Reads `k8s:FILE[?options]` into targets (one per distinct driver × GPU), with the fleet's nodes. */
export function loadK8sTargets(spec: string, matrixOrFor: Matrix | MatrixFor): K8sTargetsFile {
  const opts = parseK8sSpec(spec);
  let text: string;
  try {
    const size = statSync(opts.file).size;
    if (size > MAX_K8S_FILE_BYTES) {
      throw new GateError(
        'BAD_TARGETS',
        `${opts.file}: ${size} bytes, more than the ${MAX_K8S_FILE_BYTES}-byte limit`,
        'save only the nodes: kubectl get nodes -o json > nodes.json',
      );
    }
    text = readFileSync(opts.file, 'utf8');
  } catch (e) {
    if (e instanceof GateError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new GateError(
      code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'BAD_TARGETS',
      `k8s nodes file ${opts.file}: ${code === 'ENOENT' ? 'not found' : messageOf(e)}`,
      'write it with: kubectl get nodes -o json > nodes.json',
    );
  }
  const matrix = typeof matrixOrFor === 'function' ? matrixOrFor([]) : matrixOrFor;
  return { ...k8sTargetsFromText(text, opts, matrix), matrix, policy: {} };
}

/** The nodes of a `kubectl get nodes` document (JSON or YAML) as targets; `opts.file` names it in messages. */
export function k8sTargetsFromText(text: string, opts: K8sSpec, matrix: Matrix): Omit<K8sTargetsFile, 'matrix' | 'policy'> {
  const items = nodeItems(parseNodesDocument(text, opts.file), opts.file);
  const warnings: string[] = [];
  const nodes: FleetNode[] = [];
  const groups = new Map<string, { driver: string; productKey?: string; cc?: string; nodes: FleetNode[] }>();
  const seen = new Set<string>();
  items.forEach((item, index) => {
    const node = readNode(item, index, opts.file);
    if (seen.has(node.name))
      throw new GateError('BAD_TARGETS', `${opts.file}: node "${node.name}" is listed twice`, 'save the nodes once: kubectl get nodes -o json > nodes.json');
    seen.add(node.name);
    nodes.push(node);
    if (node.status !== 'target') {
      if (node.status === 'unknown') warnings.push(`${opts.file}: node ${node.name} is not a target: ${node.missing}`);
      return;
    }
    const productKey = node.product !== undefined ? baseProduct(node.product) : undefined;
    const cc = node.compute ? `${Number(node.compute.major)}.${Number(node.compute.minor)}` : undefined;
    const driver = driverOf(node)!;
    const key = JSON.stringify([driver, productKey !== undefined ? `p:${productKey}` : cc !== undefined ? `cc:${cc}` : '']);
    const group = groups.get(key) ?? { driver, productKey, cc, nodes: [] };
    group.nodes.push(node);
    groups.set(key, group);
  });

  // the same GPU on two drivers: each target's name says its driver
  const perGpu = new Map<string, number>();
  for (const g of groups.values()) perGpu.set(gpuKey(g), (perGpu.get(gpuKey(g)) ?? 0) + 1);
  const names = new Set<string>();
  const targets: K8sTarget[] = [];
  for (const g of groups.values()) {
    const base = readableName(g.productKey, g.cc);
    let name = (perGpu.get(gpuKey(g)) ?? 0) > 1 ? `${base}-${g.driver}` : base;
    for (let n = 2; names.has(name); n++) name = `${base}-${n}`;
    names.add(name);
    for (const node of g.nodes) node.target = name;
    const gpu = targetGpu(g, matrix, name, opts.file, warnings);
    const gpuCounts = g.nodes.map((n) => n.gpus);
    targets.push({
      name,
      driver: g.driver,
      ...(gpu && { gpu }),
      forwardCompat: opts.forwardCompat,
      os: 'linux',
      ...(opts.runtime && { runtime: opts.runtime }),
      origin: `${opts.file}: node ${g.nodes[0].name}${g.nodes.length > 1 ? ` and ${g.nodes.length - 1} more` : ''}`,
      nodeCount: g.nodes.length,
      nodes: g.nodes.map((n) => n.name),
      ...(gpuCounts.every((c) => c !== undefined) && { gpuCount: gpuCounts.reduce((a: number, c) => a + (c ?? 0), 0) }),
      ...(g.productKey !== undefined && { product: g.productKey }),
    });
  }
  if (targets.length === 0) {
    const unknown = nodes.filter((n) => n.status === 'unknown').length;
    throw new GateError(
      'BAD_TARGETS',
      `${opts.file}: no GPU node with a readable driver among ${nodes.length} node(s)${unknown ? ` (${unknown} unknown: ${warnings[0]})` : ''}`,
      `run NVIDIA GPU Feature Discovery (GPU Operator, or the device plugin with gfd.enabled=true) so GPU nodes carry ${GFD_LABELS.driverFull} and ${GFD_LABELS.product}; or write a targets file`,
    );
  }
  const noGpu = nodes.filter((n) => n.status === 'no-gpu').map((n) => n.name);
  const notes = noGpu.length
    ? [`${opts.file}: ${noGpu.length} node(s) show no NVIDIA GPU (no nvidia.com/ label, capacity or allocatable), not targets: ${listNames(noGpu)}`]
    : [];
  return { targets, fleet: { file: opts.file, nodes }, warnings, notes };
}

function listNames(names: string[], max = 10): string {
  return names.length > max ? `${names.slice(0, max).join(', ')} and ${names.length - max} more` : names.join(', ');
}

function gpuKey(g: { productKey?: string; cc?: string }): string {
  return g.productKey !== undefined ? `p:${g.productKey}` : g.cc !== undefined ? `cc:${g.cc}` : '';
}

/** "NVIDIA-A100-SXM4-80GB-MIG-1g.10gb-SHARED" -> "NVIDIA-A100-SXM4-80GB" */
export function baseProduct(product: string): string {
  return product.replace(/-SHARED$/i, '').replace(/-MIG-.*$/i, '');
}

/** "NVIDIA-A100-SXM4-80GB" -> "a100-sxm4-80gb"; a compute capability alone -> "gpu-cc8.0"; neither -> "gpu-unknown" */
export function readableName(product: string | undefined, cc: string | undefined): string {
  if (product !== undefined) {
    const words = product
      .toLowerCase()
      .split(/[^a-z0-9.]+/)
      .filter(Boolean);
    while (words.length > 1 && words[0] === 'nvidia') words.shift();
    return words.join('-') || 'gpu';
  }
  return cc !== undefined ? `gpu-cc${cc}` : 'gpu-unknown';
}

/** The GPU of a target: its product when the catalogue knows it, else its compute capability, else none. */
function targetGpu(
  g: { productKey?: string; cc?: string; nodes: FleetNode[] },
  matrix: Matrix,
  name: string,
  file: string,
  warnings: string[],
): TargetGpu | undefined {
  const where = `${file}: target "${name}"`;
  let byProduct: TargetGpu | undefined;
  if (g.productKey !== undefined) {
    try {
      byProduct = resolveTargetGpu(matrix, g.productKey, where);
    } catch {
      byProduct = undefined;
    }
  }
  if (byProduct?.gpu && (g.cc === undefined || byProduct.computeCapability === g.cc)) return byProduct;
  const byCc = g.cc !== undefined ? ccGpu(matrix, g.cc, where) : undefined;
  const nodes = `node${g.nodes.length > 1 ? 's' : ''} ${listNames(
    g.nodes.map((n) => n.name),
    3,
  )}`;
  if (byProduct?.gpu && byCc) {
    warnings.push(
      `${where} (${nodes}): ${GFD_LABELS.product} "${g.productKey}" is ${byProduct.gpu.name} (compute capability ${byProduct.computeCapability}) in matrix/gpus.yaml, but the nodes report ${g.cc}: judged by compute capability ${g.cc}`,
    );
    return byCc;
  }
  if (byCc) {
    if (g.productKey !== undefined) {
      warnings.push(
        `${where} (${nodes}): ${GFD_LABELS.product} "${g.productKey}" is not in matrix/gpus.yaml: judged by compute capability ${g.cc} (not known to be a data-center GPU: no forward compatibility)`,
      );
    }
    return byCc;
  }
  const missing = g.productKey !== undefined ? `${GFD_LABELS.product} "${g.productKey}" is not in matrix/gpus.yaml and` : `no ${GFD_LABELS.product} and`;
  warnings.push(
    `${where} (${nodes}): ${missing} no usable ${GFD_LABELS.computeMajor} / ${GFD_LABELS.computeMinor}: judged on the driver alone (no GPU checks)`,
  );
  return undefined;
}

function ccGpu(matrix: Matrix, cc: string, where: string): TargetGpu | undefined {
  try {
    return resolveTargetGpu(matrix, cc, where);
  } catch {
    return undefined;
  }
}

// ---- the document -----------------------------------------------------------------------------------------------

const FILE_FIX = 'give the output of: kubectl get nodes -o json > nodes.json (a List of Node objects, or one Node)';

function parseNodesDocument(text: string, file: string): unknown {
  const start = text.trimStart()[0];
  if (start === '{' || start === '[') {
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new GateError('BAD_TARGETS', `${file}: not valid JSON: ${messageOf(e)}`, FILE_FIX);
    }
  }
  // kubectl get nodes -o yaml; every scalar read as text, as label values are
  const doc = parseDocument(text, { schema: 'failsafe', prettyErrors: false });
  if (doc.errors.length) throw new GateError('BAD_TARGETS', `${file}: not valid JSON or YAML: ${doc.errors[0].message.split('\n')[0]}`, FILE_FIX);
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw new GateError('BAD_TARGETS', `${file}: ${messageOf(e)}`, FILE_FIX);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The Node objects of a List / NodeList, or the one Node. */
function nodeItems(doc: unknown, file: string): unknown[] {
  if (!isRecord(doc)) throw new GateError('BAD_TARGETS', `${file}: not a Kubernetes object`, FILE_FIX);
  if (doc.kind === 'Node') return [doc];
  if ((doc.kind === 'List' || doc.kind === 'NodeList') && Array.isArray(doc.items)) {
    if (doc.items.length > MAX_K8S_NODES)
      throw new GateError(
        'BAD_TARGETS',
        `${file}: ${doc.items.length} nodes, more than the limit of ${MAX_K8S_NODES}`,
        'split the fleet by a label selector: kubectl get nodes -l … -o json',
      );
    return doc.items;
  }
  const kind = typeof doc.kind === 'string' ? `kind ${JSON.stringify(doc.kind).slice(0, 60)}` : 'no kind';
  throw new GateError('BAD_TARGETS', `${file}: ${kind}, not a List of Nodes or a Node`, FILE_FIX);
}

/** RFC 1123 subdomain: what the API server accepts as a node name */
const NODE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** a label value as the API server accepts it (at most 63 characters) */
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function readNode(item: unknown, index: number, file: string): FleetNode {
  const at = `${file}: item ${index + 1}`;
  if (!isRecord(item)) throw new GateError('BAD_TARGETS', `${at} is not a Kubernetes object`, FILE_FIX);
  if (item.kind !== undefined && item.kind !== 'Node') throw new GateError('BAD_TARGETS', `${at} is a ${String(item.kind).slice(0, 60)}, not a Node`, FILE_FIX);
  const metadata = isRecord(item.metadata) ? item.metadata : {};
  const name = metadata.name;
  if (typeof name !== 'string' || name.length > 253 || !NODE_NAME.test(name)) {
    throw new GateError(
      'BAD_TARGETS',
      `${at}: metadata.name ${typeof name === 'string' ? `"${name.slice(0, 80)}" is not a node name` : 'is missing'}`,
      FILE_FIX,
    );
  }
  const labels: Record<string, string> = {};
  if (isRecord(metadata.labels)) {
    for (const [k, v] of Object.entries(metadata.labels)) if (typeof v === 'string') labels[k] = v;
  }
  const label = (key: string): string | undefined => {
    const v = labels[key];
    return v !== undefined && v.length <= 63 && LABEL_VALUE.test(v) ? v : undefined;
  };
  const status = isRecord(item.status) ? item.status : {};
  const resources = [status.capacity, status.allocatable].filter(isRecord);
  const gpus = gpuCount(resources, label('nvidia.com/gpu.count'));
  const hasGpuSign =
    Object.keys(labels).some((k) => k.startsWith('nvidia.com/')) || resources.some((r) => Object.keys(r).some((k) => k.startsWith('nvidia.com/')));

  const product = label(GFD_LABELS.product) || undefined;
  const cMajor = label(GFD_LABELS.computeMajor);
  const cMinor = label(GFD_LABELS.computeMinor);
  const compute = cMajor && cMinor && /^\d{1,2}$/.test(cMajor) && /^\d$/.test(cMinor) ? { major: cMajor, minor: cMinor } : undefined;
  const gpu = { ...(product !== undefined && { product }), ...(compute && { compute }), ...(gpus !== undefined && { gpus }) };

  const nvidia = Object.fromEntries(Object.entries(labels).filter(([k]) => k.startsWith('nvidia.com/')));
  const driver = driverLabels(label, labels);
  if ('missing' in driver) {
    if (!hasGpuSign) return { name, status: 'no-gpu', driverLabels: [], labels: nvidia };
    return { name, status: 'unknown', missing: driver.missing, driverLabels: [], ...gpu, labels: nvidia };
  }
  return { name, status: 'target', driverLabels: driver.labels, ...gpu, labels: nvidia };
}

function gpuCount(resources: Record<string, unknown>[], countLabel: string | undefined): number | undefined {
  const capacity = resources[0]?.['nvidia.com/gpu'];
  const text = typeof capacity === 'string' || typeof capacity === 'number' ? String(capacity) : countLabel;
  return text !== undefined && /^\d{1,6}$/.test(text) ? Number(text) : undefined;
}

/** The labels that say a node's driver: the full version, else a major / minor / revision trio (new names, then old). */
function driverLabels(label: (key: string) => string | undefined, raw: Record<string, string>): { labels: LabelValue[] } | { missing: string } {
  const full = label(GFD_LABELS.driverFull);
  if (full !== undefined && isDriverVersion(full)) return { labels: [{ key: GFD_LABELS.driverFull, value: full }] };
  for (const [major, minor, rev] of [
    [GFD_LABELS.driverMajor, GFD_LABELS.driverMinor, GFD_LABELS.driverRevision],
    [GFD_LABELS.oldDriverMajor, GFD_LABELS.oldDriverMinor, GFD_LABELS.oldDriverRev],
  ]) {
    const parts = [label(major), label(minor), label(rev)];
    if (parts[0] === undefined || parts[1] === undefined) continue;
    const version = parts.filter((p) => p !== undefined && p !== '').join('.');
    if (!isDriverVersion(version)) continue;
    return { labels: [major, minor, rev].flatMap((key, i) => (parts[i] !== undefined ? [{ key, value: parts[i] }] : [])) };
  }
  if (raw[GFD_LABELS.driverFull] !== undefined)
    return { missing: `${GFD_LABELS.driverFull} "${raw[GFD_LABELS.driverFull].slice(0, 40)}" is not a driver version` };
  return {
    missing: `no driver labels (${GFD_LABELS.driverFull}, or ${GFD_LABELS.oldDriverMajor} / .minor / .rev): is GPU Feature Discovery running on it?`,
  };
}

/** The driver version a node's driver labels say ("470.256.02"); undefined for a node without them. */
export function driverOf(node: Pick<FleetNode, 'driverLabels'>): string | undefined {
  const labels = node.driverLabels;
  if (labels.length === 0) return undefined;
  if (labels[0].key === GFD_LABELS.driverFull) return labels[0].value;
  return labels
    .map((l) => l.value)
    .filter((v) => v !== '')
    .join('.');
}
