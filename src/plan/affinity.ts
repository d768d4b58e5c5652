/**
 * Where an image may run: a Kubernetes `affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution` on
 * GPU Feature Discovery's labels that admits exactly the nodes of the targets where the image runs, as the fleet file
 * (k8s:FILE) lists them. One node selector term per driver label set and GPU kind (terms are ORed, the expressions of
 * a term ANDed): `nvidia.com/cuda.driver-version.full In [driver]` (or the older major / minor / rev labels a node
 * carries instead) and `nvidia.com/gpu.product In [its product values]` — or the compute capability labels, or none
 * for a node without GPU labels, each pinned with DoesNotExist so no other node's labels match. The terms are then
 * evaluated against every node of the file: the nodes they admit must be exactly the intended ones.
 *
 * Which results admit a target: pass always; caveat (runs, with limits) unless --fail-on caveat; fail never, waived
 * or not (a waiver accepts a failure, it does not make the image run).
 */
import type { Verdict } from '../model/verdict';
import { GFD_LABELS, type FleetNode, type K8sFleet } from '../targets/k8s';

export interface NodeSelectorRequirement {
  key: string;
  operator: 'In' | 'DoesNotExist' | 'Exists';
  values?: string[];
}

export interface NodeSelectorTerm {
  matchExpressions: NodeSelectorRequirement[];
}

export interface NodeAffinityPlan {
  image: string;
  terms: NodeSelectorTerm[];
  /** the targets whose nodes are admitted */
  admittedTargets: string[];
  admitted: string[];
  /** nodes of targets where the image does not run (or not within the policy), with the verdict */
  excluded: { node: string; target: string; verdict: Verdict }[];
  /** nodes that are no target (unknown, or without GPUs): no term admits them */
  notTargets: { node: string; status: 'unknown' | 'no-gpu' }[];
}

/** Whether a verdict admits its target's nodes: pass, and caveat unless the gate fails on caveats. */
export function admits(verdict: Verdict, failOn: 'fail' | 'caveat' | 'never'): boolean {
  return verdict === 'pass' || (verdict === 'caveat' && failOn !== 'caveat');
}

/** The node affinity for one image from its verdict per target (by target name). */
export function nodeAffinity(image: string, fleet: K8sFleet, verdicts: ReadonlyMap<string, Verdict>, failOn: 'fail' | 'caveat' | 'never'): NodeAffinityPlan {
  const admittedTargets = [...verdicts].filter(([, v]) => admits(v, failOn)).map(([name]) => name);
  const admittedSet = new Set(admittedTargets);
  const intended = fleet.nodes.filter((n) => n.target !== undefined && admittedSet.has(n.target));

  // one term per (driver labels, GPU kind and its fixed values): the product values of its nodes collected into one In
  const terms = new Map<string, { fixed: NodeSelectorRequirement[]; products: string[] }>();
  for (const node of intended) {
    const { fixed, product } = selectorOf(node);
    const key = JSON.stringify(fixed);
    const term = terms.get(key) ?? { fixed, products: [] };
    if (product !== undefined && !term.products.includes(product)) term.products.push(product);
    terms.set(key, term);
  }
  const out: NodeSelectorTerm[] = [...terms.values()].map(({ fixed, products }) => ({
    matchExpressions: products.length ? [...fixed, { key: GFD_LABELS.product, operator: 'In', values: products.sort() }] : fixed,
  }));

  // the terms, evaluated as the scheduler does, must admit exactly the intended nodes
  const admittedNodes = fleet.nodes.filter((n) => out.some((term) => termMatches(term, labelsOf(n))));
  const want = new Set(intended.map((n) => n.name));
  if (admittedNodes.length !== want.size || admittedNodes.some((n) => !want.has(n.name))) {
    throw new Error(`node affinity for ${image} admits ${admittedNodes.map((n) => n.name).join(', ')} instead of ${[...want].join(', ')}`);
  }
  return {
    image,
    terms: out,
    admittedTargets,
    admitted: admittedNodes.map((n) => n.name),
    excluded: fleet.nodes.flatMap((n) =>
      n.target !== undefined && !admittedSet.has(n.target) ? [{ node: n.name, target: n.target, verdict: verdicts.get(n.target) ?? 'fail' }] : [],
    ),
    notTargets: fleet.nodes.flatMap((n) => (n.status !== 'target' ? [{ node: n.name, status: n.status }] : [])),
  };
}

/** What identifies a node's target: its driver labels and GPU labels (fixed), and its product value (collected). */
function selectorOf(node: FleetNode): { fixed: NodeSelectorRequirement[]; product?: string } {
  const driver: NodeSelectorRequirement[] = node.driverLabels.map((l) => ({ key: l.key, operator: 'In', values: [l.value] }));
  if (node.product !== undefined) return { fixed: driver, product: node.product };
  if (node.compute) {
    return {
      fixed: [
        ...driver,
        { key: GFD_LABELS.computeMajor, operator: 'In', values: [node.compute.major] },
        { key: GFD_LABELS.computeMinor, operator: 'In', values: [node.compute.minor] },
        { key: GFD_LABELS.product, operator: 'DoesNotExist' },
      ],
    };
  }
  return { fixed: [...driver, { key: GFD_LABELS.product, operator: 'DoesNotExist' }, { key: GFD_LABELS.computeMajor, operator: 'DoesNotExist' }] };
}

/** The node's nvidia.com/ labels as the file gives them: what the terms are evaluated on. */
function labelsOf(n: FleetNode): Map<string, string> {
  return new Map(Object.entries(n.labels));
}

/** A node selector term as the scheduler evaluates it: every expression must hold. */
export function termMatches(term: NodeSelectorTerm, labels: ReadonlyMap<string, string>): boolean {
  return term.matchExpressions.every((e) => {
    const v = labels.get(e.key);
    if (e.operator === 'Exists') return v !== undefined;
    if (e.operator === 'DoesNotExist') return v === undefined;
    return v !== undefined && (e.values ?? []).includes(v);
  });
}

/** JSON strings are YAML double-quoted scalars: every value stays text ("02", "13.0"), whatever YAML version reads it. */
const q = (s: string): string => JSON.stringify(s);

/**
 * The affinity as YAML to paste under a pod template's `spec:`, with comments naming what it admits and excludes.
 * No admitted node: a term no node can satisfy (the same label must exist and not exist), with a comment saying so.
 */
export function affinityYaml(plan: NodeAffinityPlan, failOn: 'fail' | 'caveat' | 'never'): string {
  const comment = (s: string) => `# ${s.replace(/[\r\n]+/g, ' ')}`;
  const lines: string[] = [];
  const admittedBy = failOn === 'caveat' ? 'passes' : 'passes or passes with caveats';
  lines.push(comment(`cuda-gate: node affinity for ${plan.image}: the nodes of targets where it ${admittedBy}`));
  lines.push(comment(`admits ${plan.admitted.length} node(s)${plan.admittedTargets.length ? ` of ${plan.admittedTargets.join(', ')}` : ''}`));
  if (plan.excluded.length) {
    const byTarget = new Map<string, { verdict: Verdict; nodes: string[] }>();
    for (const e of plan.excluded) byTarget.set(e.target, { verdict: e.verdict, nodes: [...(byTarget.get(e.target)?.nodes ?? []), e.node] });
    lines.push(
      comment(`excludes ${plan.excluded.length} node(s): ${[...byTarget].map(([target, x]) => `${x.nodes.join(', ')} (${target}: ${x.verdict})`).join('; ')}`),
    );
  }
  if (plan.notTargets.length) {
    lines.push(
      comment(`not targets, never admitted: ${plan.notTargets.map((n) => `${n.node} (${n.status === 'unknown' ? 'unknown' : 'no GPU'})`).join(', ')}`),
    );
  }
  lines.push('affinity:', '  nodeAffinity:', '    requiredDuringSchedulingIgnoredDuringExecution:', '      nodeSelectorTerms:');
  const terms: NodeSelectorTerm[] = plan.terms.length
    ? plan.terms
    : [
        {
          matchExpressions: [
            { key: GFD_LABELS.driverFull, operator: 'Exists' },
            { key: GFD_LABELS.driverFull, operator: 'DoesNotExist' },
          ],
        },
      ];
  if (!plan.terms.length) lines.splice(lines.length - 4, 0, comment('no node of the fleet runs it: this affinity admits none'));
  for (const term of terms) {
    lines.push('        - matchExpressions:');
    for (const e of term.matchExpressions) {
      lines.push(`            - key: ${q(e.key)}`, `              operator: ${e.operator}`);
      if (e.values) lines.push(`              values: [${e.values.map(q).join(', ')}]`);
    }
  }
  return `${lines.join('\n')}\n`;
}
