/**
 * --emit node-affinity: a nodeAffinity on GPU Feature Discovery's labels that admits exactly the nodes of the targets
 * where an image runs (pass; caveat unless --fail-on caveat), checked by evaluating the YAML it prints the way the
 * scheduler does (terms ORed, expressions ANDed) against every node of the fleet file.
 */
import { parse } from 'yaml';
import type { Verdict } from '../../src/model/verdict';
import { admits, affinityYaml, nodeAffinity, termMatches, type NodeSelectorTerm } from '../../src/plan/affinity';
import { loadMatrix } from '../../src/matrix/load';
import { k8sTargetsFromText, type K8sFleet } from '../../src/targets/k8s';
import { A100, gpuNode, mixedFleetNodes, nodesJson } from '../helpers/k8s-nodes';

const m = loadMatrix();
const load = (items: object[]) => k8sTargetsFromText(nodesJson(items), { file: 'nodes.json', forwardCompat: false }, m);
const mixed = load(mixedFleetNodes());

/** Every label of every node of the file, as the scheduler sees them. */
function allLabels(items: object[]): Map<string, Map<string, string>> {
  return new Map(
    items.map((n) => {
      const meta = (n as { metadata: { name: string; labels: Record<string, string> } }).metadata;
      return [meta.name, new Map(Object.entries(meta.labels))];
    }),
  );
}

/** The nodes the printed YAML admits, evaluated on the nodes' full label sets. */
function admittedBy(yamlText: string, items: object[]): string[] {
  const doc = parse(yamlText) as { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: NodeSelectorTerm[] } } } };
  const terms = doc.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
  return [...allLabels(items)].filter(([, labels]) => terms.some((t) => termMatches(t, labels))).map(([name]) => name);
}

const verdicts = (entries: [string, Verdict][]) => new Map(entries);

// the example image (CUDA 12.4.1) on the mixed fleet: what `cuda-gate check` judged
const judged = verdicts([
  ['tesla-k80', 'fail'],
  ['tesla-v100-sxm2-16gb', 'caveat'],
  ['a100-sxm4-80gb', 'pass'],
  ['h100-80gb-hbm3', 'pass'],
  ['b200', 'fail'],
]);

test('admits exactly the nodes of passing and caveated targets, on the labels each node carries', () => {
  const plan = nodeAffinity('app.tar', mixed.fleet, judged, 'fail');
  expect(plan.admittedTargets).toEqual(['tesla-v100-sxm2-16gb', 'a100-sxm4-80gb', 'h100-80gb-hbm3']);
  expect(plan.terms).toEqual([
    {
      matchExpressions: [
        { key: 'nvidia.com/cuda.driver-version.full', operator: 'In', values: ['535.230.02'] },
        // the time-sliced node's product carries -SHARED: both spellings are admitted
        { key: 'nvidia.com/gpu.product', operator: 'In', values: ['Tesla-V100-SXM2-16GB', 'Tesla-V100-SXM2-16GB-SHARED'] },
      ],
    },
    {
      matchExpressions: [
        { key: 'nvidia.com/cuda.driver-version.full', operator: 'In', values: ['550.163.01'] },
        { key: 'nvidia.com/gpu.product', operator: 'In', values: ['NVIDIA-A100-SXM4-80GB', 'NVIDIA-A100-SXM4-80GB-MIG-1g.10gb'] },
      ],
    },
    {
      matchExpressions: [
        { key: 'nvidia.com/cuda.driver-version.full', operator: 'In', values: ['580.95.05'] },
        { key: 'nvidia.com/gpu.product', operator: 'In', values: ['NVIDIA-H100-80GB-HBM3'] },
      ],
    },
  ]);
  expect(plan.excluded).toEqual([
    { node: 'gpu-k80-1', target: 'tesla-k80', verdict: 'fail' },
    { node: 'gpu-k80-2', target: 'tesla-k80', verdict: 'fail' },
    { node: 'gpu-b200-1', target: 'b200', verdict: 'fail' },
  ]);
  expect(plan.notTargets).toEqual([
    { node: 'cp-1', status: 'no-gpu' },
    { node: 'cpu-1', status: 'no-gpu' },
    { node: 'gpu-new-1', status: 'unknown' },
  ]);
  const yaml = affinityYaml(plan, 'fail');
  expect(admittedBy(yaml, mixedFleetNodes())).toEqual(['gpu-v100-1', 'gpu-v100-2', 'gpu-a100-1', 'gpu-a100-2', 'gpu-h100-1', 'gpu-h100-2']);
  expect(yaml.split('\n').slice(0, 4)).toEqual([
    '# cuda-gate: node affinity for app.tar: the nodes of targets where it passes or passes with caveats',
    '# admits 6 node(s) of tesla-v100-sxm2-16gb, a100-sxm4-80gb, h100-80gb-hbm3',
    '# excludes 3 node(s): gpu-k80-1, gpu-k80-2 (tesla-k80: fail); gpu-b200-1 (b200: fail)',
    '# not targets, never admitted: cp-1 (no GPU), cpu-1 (no GPU), gpu-new-1 (unknown)',
  ]);
});

test('--fail-on caveat: a caveated target is not admitted', () => {
  expect([admits('pass', 'caveat'), admits('caveat', 'caveat'), admits('caveat', 'fail'), admits('caveat', 'never'), admits('fail', 'never')]).toEqual([
    true,
    false,
    true,
    true,
    false,
  ]);
  const plan = nodeAffinity('app.tar', mixed.fleet, judged, 'caveat');
  expect(plan.admittedTargets).toEqual(['a100-sxm4-80gb', 'h100-80gb-hbm3']);
  expect(admittedBy(affinityYaml(plan, 'caveat'), mixedFleetNodes())).toEqual(['gpu-a100-1', 'gpu-a100-2', 'gpu-h100-1', 'gpu-h100-2']);
});

test('nodes labelled by an older GFD are selected on nvidia.com/cuda.driver.major / minor / rev', () => {
  const plan = nodeAffinity('old.tar', mixed.fleet, verdicts([['tesla-k80', 'pass']]), 'fail');
  expect(plan.terms).toEqual([
    {
      matchExpressions: [
        { key: 'nvidia.com/cuda.driver.major', operator: 'In', values: ['470'] },
        { key: 'nvidia.com/cuda.driver.minor', operator: 'In', values: ['256'] },
        { key: 'nvidia.com/cuda.driver.rev', operator: 'In', values: ['02'] },
        { key: 'nvidia.com/gpu.product', operator: 'In', values: ['Tesla-K80'] },
      ],
    },
  ]);
  const yaml = affinityYaml(plan, 'fail');
  // "02" stays text however the YAML is read (quoted)
  expect(yaml).toContain('values: ["02"]');
  expect(admittedBy(yaml, mixedFleetNodes())).toEqual(['gpu-k80-1', 'gpu-k80-2']);
});

test('a GPU known by compute capability only: its term says the node has no product label, so no other node matches', () => {
  const unnamed = gpuNode({ name: 'cc-only', ...A100 }, 0) as { metadata: { labels: Record<string, string> } };
  delete unnamed.metadata.labels['nvidia.com/gpu.product'];
  const items = [unnamed, gpuNode({ name: 'named', ...A100 }, 1)];
  const fleet = load(items);
  expect(fleet.targets.map((t) => t.name)).toEqual(['gpu-cc8.0', 'a100-sxm4-80gb']);
  const plan = nodeAffinity(
    'x',
    fleet.fleet,
    verdicts([
      ['gpu-cc8.0', 'pass'],
      ['a100-sxm4-80gb', 'fail'],
    ]),
    'fail',
  );
  expect(plan.terms[0].matchExpressions.slice(1)).toEqual([
    { key: 'nvidia.com/gpu.compute.major', operator: 'In', values: ['8'] },
    { key: 'nvidia.com/gpu.compute.minor', operator: 'In', values: ['0'] },
    { key: 'nvidia.com/gpu.product', operator: 'DoesNotExist' },
  ]);
  // same driver, same compute capability: without the DoesNotExist the A100 node would be admitted too
  expect(admittedBy(affinityYaml(plan, 'fail'), items)).toEqual(['cc-only']);
});

test('the same GPU on two drivers, only one of them passing: the driver decides', () => {
  const items = [gpuNode({ name: 'new', ...A100 }, 0), gpuNode({ name: 'old', ...A100, driver: '535.261.03', cuda: '12.2' }, 1)];
  const fleet = load(items);
  const plan = nodeAffinity(
    'x',
    fleet.fleet,
    verdicts([
      ['a100-sxm4-80gb-550.163.01', 'pass'],
      ['a100-sxm4-80gb-535.261.03', 'fail'],
    ]),
    'fail',
  );
  expect(admittedBy(affinityYaml(plan, 'fail'), items)).toEqual(['new']);
});

test('no node runs the image: a term no node can satisfy, and a comment saying so', () => {
  const none = new Map([...judged].map(([k]) => [k, 'fail' as Verdict]));
  const plan = nodeAffinity('bad.tar', mixed.fleet, none, 'fail');
  const yaml = affinityYaml(plan, 'fail');
  expect(plan.admitted).toEqual([]);
  expect(yaml).toContain('# no node of the fleet runs it: this affinity admits none');
  expect(admittedBy(yaml, mixedFleetNodes())).toEqual([]);
  // a valid nodeSelectorTerm (In needs values; Exists and DoesNotExist none)
  const doc = parse(yaml) as { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: NodeSelectorTerm[] } } } };
  expect(doc.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([
    {
      matchExpressions: [
        { key: 'nvidia.com/cuda.driver-version.full', operator: 'Exists' },
        { key: 'nvidia.com/cuda.driver-version.full', operator: 'DoesNotExist' },
      ],
    },
  ]);
});

test('the terms are checked against the fleet: a node the terms would admit by mistake is an internal error, not a wrong YAML', () => {
  // two nodes of one target, one of them hand-edited afterwards to look like another target: the check must notice
  const fleet: K8sFleet = JSON.parse(JSON.stringify(mixed.fleet)) as K8sFleet;
  const k80 = fleet.nodes.find((n) => n.name === 'gpu-k80-1')!;
  k80.labels['nvidia.com/cuda.driver-version.full'] = '580.95.05';
  k80.labels['nvidia.com/gpu.product'] = 'NVIDIA-H100-80GB-HBM3';
  expect(() => nodeAffinity('x', fleet, verdicts([['h100-80gb-hbm3', 'pass']]), 'fail')).toThrow(
    /admits gpu-k80-1, gpu-h100-1, gpu-h100-2 instead of gpu-h100-1, gpu-h100-2/,
  );
});
