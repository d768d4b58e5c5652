/**
 * --targets k8s:FILE: `kubectl get nodes -o json` -> one target per distinct driver x GPU, from GPU Feature Discovery's
 * labels (nvidia.com/cuda.driver-version.full, the older nvidia.com/cuda.driver.major / minor / rev,
 * nvidia.com/gpu.product without -MIG-… / -SHARED, nvidia.com/gpu.compute.major / minor). Unknown nodes are named.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { GateError } from '../../src/common/errors';
import { loadMatrix } from '../../src/matrix/load';
import { k8sTargetsFromText, loadK8sTargets, parseK8sSpec, type K8sTarget } from '../../src/targets/k8s';
import { loadTargetsFile } from '../../src/targets/load';
import { A100, cpuNode, gpuNode, H100, mixedFleetNodes, nodeList, nodesJson, unlabelledGpuNode, V100 } from '../helpers/k8s-nodes';
import { tempDir } from '../helpers/tmp';

const matrix = loadMatrix();
const fromNodes = (items: object[], opts: { forwardCompat?: boolean; runtime?: 'cdi' | 'legacy' } = {}) =>
  k8sTargetsFromText(
    nodesJson(items),
    { file: 'nodes.json', forwardCompat: opts.forwardCompat ?? false, ...(opts.runtime && { runtime: opts.runtime }) },
    matrix,
  );

function gateError(f: () => unknown): GateError {
  try {
    f();
  } catch (e) {
    if (e instanceof GateError) return e;
    throw e;
  }
  throw new Error('no error thrown');
}

const summary = (t: K8sTarget) => ({
  name: t.name,
  driver: t.driver,
  gpu: t.gpu?.gpu?.name,
  cc: t.gpu?.computeCapability,
  nodes: t.nodes,
  gpuCount: t.gpuCount,
  product: t.product,
});

describe('the mixed fleet', () => {
  const fleet = fromNodes(mixedFleetNodes());

  test('one target per driver x GPU, named after the product, with its nodes and GPUs', () => {
    expect(fleet.targets.map(summary)).toEqual([
      // an older GFD: the driver from nvidia.com/cuda.driver.major / minor / rev alone
      { name: 'tesla-k80', driver: '470.256.02', gpu: 'Tesla K80', cc: '3.7', nodes: ['gpu-k80-1', 'gpu-k80-2'], gpuCount: 16, product: 'Tesla-K80' },
      // gpu-v100-2 is time-sliced (4 replicas): its product ends in -SHARED and it offers 32 nvidia.com/gpu
      {
        name: 'tesla-v100-sxm2-16gb',
        driver: '535.230.02',
        gpu: 'Tesla V100',
        cc: '7.0',
        nodes: ['gpu-v100-1', 'gpu-v100-2'],
        gpuCount: 40,
        product: 'Tesla-V100-SXM2-16GB',
      },
      // gpu-a100-2 runs the MIG single strategy: NVIDIA-A100-SXM4-80GB-MIG-1g.10gb
      {
        name: 'a100-sxm4-80gb',
        driver: '550.163.01',
        gpu: 'A100',
        cc: '8.0',
        nodes: ['gpu-a100-1', 'gpu-a100-2'],
        gpuCount: 16,
        product: 'NVIDIA-A100-SXM4-80GB',
      },
      {
        name: 'h100-80gb-hbm3',
        driver: '580.95.05',
        gpu: 'H100',
        cc: '9.0',
        nodes: ['gpu-h100-1', 'gpu-h100-2'],
        gpuCount: 16,
        product: 'NVIDIA-H100-80GB-HBM3',
      },
      { name: 'b200', driver: '575.57.08', gpu: 'B200', cc: '10.0', nodes: ['gpu-b200-1'], gpuCount: 8, product: 'NVIDIA-B200' },
    ]);
    expect(fleet.targets.map((t) => t.nodeCount)).toEqual([2, 2, 2, 2, 1]);
    expect(fleet.targets.every((t) => t.forwardCompat === false && t.runtime === undefined && t.os === 'linux')).toBe(true);
    expect(fleet.targets[0].origin).toBe('nodes.json: node gpu-k80-1 and 1 more');
  });

  test('no node is dropped silently: the unlabelled GPU node is a warning naming what is missing, CPU nodes a note', () => {
    expect(fleet.fleet.nodes.map((n) => [n.name, n.status, n.target ?? null])).toEqual([
      ['cp-1', 'no-gpu', null],
      ['cpu-1', 'no-gpu', null],
      ['gpu-k80-1', 'target', 'tesla-k80'],
      ['gpu-k80-2', 'target', 'tesla-k80'],
      ['gpu-v100-1', 'target', 'tesla-v100-sxm2-16gb'],
      ['gpu-v100-2', 'target', 'tesla-v100-sxm2-16gb'],
      ['gpu-a100-1', 'target', 'a100-sxm4-80gb'],
      ['gpu-a100-2', 'target', 'a100-sxm4-80gb'],
      ['gpu-h100-1', 'target', 'h100-80gb-hbm3'],
      ['gpu-h100-2', 'target', 'h100-80gb-hbm3'],
      ['gpu-b200-1', 'target', 'b200'],
      ['gpu-new-1', 'unknown', null],
    ]);
    expect(fleet.warnings).toEqual([
      'nodes.json: node gpu-new-1 is not a target: no driver labels (nvidia.com/cuda.driver-version.full, or nvidia.com/cuda.driver.major / .minor / .rev): is GPU Feature Discovery running on it?',
    ]);
    expect(fleet.notes).toEqual(['nodes.json: 2 node(s) show no NVIDIA GPU (no nvidia.com/ label, capacity or allocatable), not targets: cp-1, cpu-1']);
  });

  test('MIG and SHARED product names keep their raw values on the nodes (what a node selector matches)', () => {
    const byName = new Map(fleet.fleet.nodes.map((n) => [n.name, n]));
    expect(byName.get('gpu-a100-2')?.product).toBe('NVIDIA-A100-SXM4-80GB-MIG-1g.10gb');
    expect(byName.get('gpu-v100-2')?.product).toBe('Tesla-V100-SXM2-16GB-SHARED');
    expect(byName.get('gpu-k80-1')?.driverLabels).toEqual([
      { key: 'nvidia.com/cuda.driver.major', value: '470' },
      { key: 'nvidia.com/cuda.driver.minor', value: '256' },
      { key: 'nvidia.com/cuda.driver.rev', value: '02' },
    ]);
    expect(byName.get('gpu-h100-1')?.driverLabels).toEqual([{ key: 'nvidia.com/cuda.driver-version.full', value: '580.95.05' }]);
  });
});

test('the same GPU on two drivers: two targets, each name saying its driver', () => {
  const fleet = fromNodes([
    gpuNode({ name: 'a', ...A100 }, 0),
    gpuNode({ name: 'b', ...A100, driver: '535.261.03', cuda: '12.2' }, 1),
    gpuNode({ name: 'c', ...A100 }, 2),
  ]);
  expect(fleet.targets.map((t) => [t.name, t.nodes])).toEqual([
    ['a100-sxm4-80gb-550.163.01', ['a', 'c']],
    ['a100-sxm4-80gb-535.261.03', ['b']],
  ]);
});

test('a MIG-only pool is the same GPU: the product without its -MIG-<profile> suffix is looked up', () => {
  const fleet = fromNodes([gpuNode({ name: 'm1', ...H100, mig: '1g.10gb' }, 0), gpuNode({ name: 'm2', ...H100, mig: '3g.40gb', replicas: 2 }, 1)]);
  expect(fleet.targets.map(summary)).toEqual([
    { name: 'h100-80gb-hbm3', driver: '580.95.05', gpu: 'H100', cc: '9.0', nodes: ['m1', 'm2'], gpuCount: 24, product: 'NVIDIA-H100-80GB-HBM3' },
  ]);
});

test('a product the catalogue lacks is judged by the compute capability labels, with a warning', () => {
  const fleet = fromNodes([gpuNode({ name: 'x1', ...A100, nvmlName: 'NVIDIA Future-GPU 96GB', cc: '8.6' }, 0)]);
  expect(fleet.targets.map(summary)).toEqual([
    { name: 'future-gpu-96gb', driver: '550.163.01', gpu: undefined, cc: '8.6', nodes: ['x1'], gpuCount: 8, product: 'NVIDIA-Future-GPU-96GB' },
  ]);
  expect(fleet.targets[0].gpu?.datacenter).toBeUndefined();
  expect(fleet.warnings).toEqual([
    'nodes.json: target "future-gpu-96gb" (node x1): nvidia.com/gpu.product "NVIDIA-Future-GPU-96GB" is not in matrix/gpus.yaml: judged by compute capability 8.6 (not known to be a data-center GPU: no forward compatibility)',
  ]);
});

test('a product whose catalogue entry contradicts the node’s compute capability: the node’s labels win, with a warning', () => {
  const fleet = fromNodes([gpuNode({ name: 'x1', ...A100, cc: '9.0' }, 0)]);
  expect(fleet.targets[0].gpu?.computeCapability).toBe('9.0');
  expect(fleet.targets[0].gpu?.gpu).toBeUndefined();
  expect(fleet.warnings[0]).toMatch(/is A100 \(compute capability 8\.0\) in matrix\/gpus\.yaml, but the nodes report 9\.0: judged by compute capability 9\.0$/);
});

test('a node with a driver but no GPU labels is judged on the driver alone, with a warning', () => {
  const node = gpuNode({ name: 'bare', ...A100 }, 0) as { metadata: { labels: Record<string, string> } };
  for (const key of ['nvidia.com/gpu.product', 'nvidia.com/gpu.compute.major', 'nvidia.com/gpu.compute.minor']) delete node.metadata.labels[key];
  const fleet = fromNodes([node]);
  expect(fleet.targets.map((t) => [t.name, t.driver, t.gpu])).toEqual([['gpu-unknown', '550.163.01', undefined]]);
  expect(fleet.warnings).toEqual([
    'nodes.json: target "gpu-unknown" (node bare): no nvidia.com/gpu.product and no usable nvidia.com/gpu.compute.major / nvidia.com/gpu.compute.minor: judged on the driver alone (no GPU checks)',
  ]);
});

test('a driver label that is not a driver version makes the node unknown, saying so', () => {
  const node = gpuNode({ name: 'odd', ...V100 }, 0) as { metadata: { labels: Record<string, string> } };
  node.metadata.labels['nvidia.com/cuda.driver-version.full'] = 'latest';
  for (const key of Object.keys(node.metadata.labels)) if (key.startsWith('nvidia.com/cuda.driver.')) delete node.metadata.labels[key];
  delete node.metadata.labels['nvidia.com/cuda.driver-version.major'];
  const fleet = fromNodes([node, gpuNode({ name: 'ok', ...V100 }, 1)]);
  expect(fleet.warnings).toEqual(['nodes.json: node odd is not a target: nvidia.com/cuda.driver-version.full "latest" is not a driver version']);
  expect(fleet.targets.map((t) => t.nodes)).toEqual([['ok']]);
});

test('forward-compat and runtime are given for the whole file after "?"', () => {
  expect(parseK8sSpec('k8s:nodes.json?forward-compat=true&runtime=cdi')).toEqual({ file: 'nodes.json', forwardCompat: true, runtime: 'cdi' });
  expect(parseK8sSpec('k8s:nodes.json')).toEqual({ file: 'nodes.json', forwardCompat: false });
  // a "?" that does not start name=value options is part of the file name
  expect(parseK8sSpec('k8s:what?.json')).toEqual({ file: 'what?.json', forwardCompat: false });
  expect(gateError(() => parseK8sSpec('k8s:nodes.json?forward-compat=yes')).message).toBe(
    'targets "k8s:nodes.json?forward-compat=yes": option forward-compat=yes is not known',
  );
  expect(gateError(() => parseK8sSpec('k8s:nodes.json?gpu=A100')).message).toBe('targets "k8s:nodes.json?gpu=A100": option gpu=A100 is not known');
  expect(gateError(() => parseK8sSpec('k8s:')).message).toBe('targets "k8s:" names no file');

  const fleet = fromNodes([gpuNode({ name: 'a', ...A100 }, 0)], { forwardCompat: true, runtime: 'cdi' });
  expect(fleet.targets.map((t) => [t.forwardCompat, t.runtime])).toEqual([[true, 'cdi']]);
});

test('--targets k8s:FILE reaches the k8s reader through loadTargetsFile, with the shipped matrix', () => {
  const dir = tempDir('cg-k8s-');
  const file = join(dir, 'nodes.json');
  writeFileSync(file, nodesJson(mixedFleetNodes()));
  const loaded = loadTargetsFile(`k8s:${file}?runtime=legacy`, matrix);
  expect(loaded.targets.map((t) => [t.name, t.runtime])).toEqual([
    ['tesla-k80', 'legacy'],
    ['tesla-v100-sxm2-16gb', 'legacy'],
    ['a100-sxm4-80gb', 'legacy'],
    ['h100-80gb-hbm3', 'legacy'],
    ['b200', 'legacy'],
  ]);
  expect(loaded.policy).toEqual({});
  expect(loaded.matrix).toBe(matrix);
  expect(gateError(() => loadK8sTargets(`k8s:${join(dir, 'missing.json')}`, matrix)).code).toBe('FILE_NOT_FOUND');
});

test('kubectl get nodes -o yaml, and a single Node (kubectl get node NAME -o json), read alike', () => {
  const yamlText = stringify(nodeList(mixedFleetNodes()));
  const fromYaml = k8sTargetsFromText(yamlText, { file: 'nodes.yaml', forwardCompat: false }, matrix);
  expect(fromYaml.targets.map(summary)).toEqual(fromNodes(mixedFleetNodes()).targets.map(summary));
  const one = k8sTargetsFromText(JSON.stringify(gpuNode({ name: 'solo', ...H100 }, 0)), { file: 'node.json', forwardCompat: false }, matrix);
  expect(one.targets.map((t) => [t.name, t.nodes])).toEqual([['h100-80gb-hbm3', ['solo']]]);
});

test('what is not a node list is an error naming the file and the fix', () => {
  const read = (text: string) => gateError(() => k8sTargetsFromText(text, { file: 'n.json', forwardCompat: false }, matrix));
  expect(read('{"kind": "PodList", "items": []}').message).toBe('n.json: kind "PodList", not a List of Nodes or a Node');
  expect(read('{"kind": "List", "items": [{"kind": "Pod", "metadata": {"name": "p"}}]}').message).toBe('n.json: item 1 is a Pod, not a Node');
  expect(read('{"kind": "List", "items": [{"kind": "Node", "metadata": {"name": "Bad Name\\u001b[31m"}}]}').message).toBe(
    'n.json: item 1: metadata.name "Bad Name\u001b[31m" is not a node name',
  );
  expect(read('{"kind": "List", "items": [').message).toMatch(/^n\.json: not valid JSON: /);
  const twice = read(nodesJson([gpuNode({ name: 'a', ...A100 }, 0), gpuNode({ name: 'a', ...A100 }, 1)]));
  expect(twice.message).toBe('n.json: node "a" is listed twice');
  const none = read(nodesJson([cpuNode('cpu-1', 0), unlabelledGpuNode('gpu-new-1', 1)]));
  expect(none.code).toBe('BAD_TARGETS');
  expect(none.message).toMatch(
    /^n\.json: no GPU node with a readable driver among 2 node\(s\) \(1 unknown: n\.json: node gpu-new-1 is not a target: no driver labels/,
  );
  expect(none.hint).toMatch(/GPU Feature Discovery/);
});

test('a label value the API server would refuse is not read (no text from the file beyond label syntax reaches a name)', () => {
  const node = gpuNode({ name: 'x', ...A100 }, 0) as { metadata: { labels: Record<string, string> } };
  node.metadata.labels['nvidia.com/gpu.product'] = 'A100\n##[error]forged';
  const fleet = fromNodes([node]);
  expect(fleet.targets.map((t) => [t.name, t.product, t.gpu?.computeCapability])).toEqual([['gpu-cc8.0', undefined, '8.0']]);
});
