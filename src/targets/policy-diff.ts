/**
 * What a pull request changes in the gate's policy: the base branch's targets file (and its matrix overrides) against
 * the pull request's, as plain data (model/policy.ts's PolicyDiff). Pure. Each change says whether it lets more
 * results through (looser: a driver raised, fail-on relaxed, a target dropped, a waiver added), fewer (stricter), or
 * cannot be told (neutral: another GPU, changed matrix overrides). The action gates with the base's policy and shows
 * this at the top of the summary and the comment; the pull request's applies once merged.
 */
import { compareDriver } from '../common/driver-version';
import { DEFAULT_POLICY, failOnStrictness, noCudaStrictness, type Policy, type PolicyChange, type PolicyDiff, type Waiver } from '../model/policy';
import type { Target } from '../model/target';

/** One side of the comparison: a targets file as loaded, and the text of each matrix overrides file it uses. */
export interface PolicySide {
  targets: readonly Target[];
  policy: Partial<Policy>;
  /** matrix overrides files (the targets file's `matrix-overrides:` and the input's), by a name both sides share */
  overrides?: readonly { name: string; text: string }[];
}

export function emptyPolicyDiff(): PolicyDiff {
  return { added: [], removed: [], loosened: [], tightened: [], changed: [] };
}

export function isEmptyPolicyDiff(d: PolicyDiff): boolean {
  return !d.added.length && !d.removed.length && !d.loosened.length && !d.tightened.length && !d.changed.length;
}

/**
 * The base's policy against the head's. `head` undefined: the pull request deletes the targets file (`file` names it).
 * Targets are matched by name, waivers by image, target and code.
 */
export function diffPolicies(base: PolicySide, head: PolicySide | undefined, file = 'the targets file'): PolicyDiff {
  const diff = emptyPolicyDiff();
  if (!head) {
    diff.removed.push({ subject: 'targets-file', name: file, effect: 'looser', text: `deletes ${file}: no targets, no policy, no waivers once merged` });
    return diff;
  }
  diffTargets(base.targets, head.targets, diff);
  diffSettings(base.policy, head.policy, diff);
  diffWaivers(base.policy.waivers ?? [], head.policy.waivers ?? [], diff);
  diffOverrides(base.overrides ?? [], head.overrides ?? [], diff);
  return diff;
}

const gpuLabel = (t: Target): string | undefined => (t.gpu ? (t.gpu.gpu?.name ?? `compute capability ${t.gpu.computeCapability}`) : undefined);

function describeTarget(t: Target): string {
  const gpu = gpuLabel(t);
  return [`driver ${t.driver}`, gpu, t.forwardCompat ? 'forward-compat' : undefined, t.runtime ? `runtime ${t.runtime}` : undefined].filter(Boolean).join(', ');
}

function push(diff: PolicyDiff, list: keyof PolicyDiff, change: PolicyChange): void {
  diff[list].push(change);
}

/** A field change goes to loosened, tightened or changed by its effect. */
function fieldChange(diff: PolicyDiff, change: PolicyChange): void {
  push(diff, change.effect === 'looser' ? 'loosened' : change.effect === 'stricter' ? 'tightened' : 'changed', change);
}

function diffTargets(base: readonly Target[], head: readonly Target[], diff: PolicyDiff): void {
  const before = new Map(base.map((t) => [t.name, t]));
  const after = new Map(head.map((t) => [t.name, t]));
  for (const t of base) {
    if (!after.has(t.name)) {
      push(diff, 'removed', {
        subject: 'target',
        name: t.name,
        effect: 'looser',
        text: `target ${t.name} removed (${describeTarget(t)}): its results no longer gate`,
      });
    }
  }
  for (const t of head) {
    if (!before.has(t.name))
      push(diff, 'added', { subject: 'target', name: t.name, effect: 'stricter', text: `target ${t.name} added (${describeTarget(t)})` });
  }
  for (const b of base) {
    const h = after.get(b.name);
    if (!h) continue;
    const name = b.name;
    const order = compareDriver(h.driver, b.driver);
    if (order !== 0) {
      const raised = order > 0;
      fieldChange(diff, {
        subject: 'target',
        name,
        field: 'driver',
        from: b.driver,
        to: h.driver,
        effect: raised ? 'looser' : 'stricter',
        text: `target ${name}: driver ${raised ? 'raised' : 'lowered'} from ${b.driver} to ${h.driver}`,
      });
    } else if (b.driver !== h.driver) {
      fieldChange(diff, {
        subject: 'target',
        name,
        field: 'driver',
        from: b.driver,
        to: h.driver,
        effect: 'neutral',
        text: `target ${name}: driver written ${h.driver} (was ${b.driver})`,
      });
    }
    const [gb, gh] = [gpuLabel(b), gpuLabel(h)];
    if (gb !== gh) {
      const effect = gb && !gh ? 'looser' : !gb && gh ? 'stricter' : 'neutral';
      const text =
        effect === 'looser'
          ? `target ${name}: no longer names a GPU (was ${gb}): the checks that need one are left out`
          : effect === 'stricter'
            ? `target ${name}: now names the GPU ${gh}`
            : `target ${name}: GPU ${gb} → ${gh}`;
      fieldChange(diff, { subject: 'target', name, field: 'gpu', ...(gb && { from: gb }), ...(gh && { to: gh }), effect, text });
    }
    if (b.forwardCompat !== h.forwardCompat) {
      fieldChange(diff, {
        subject: 'target',
        name,
        field: 'forward-compat',
        from: String(b.forwardCompat),
        to: String(h.forwardCompat),
        effect: h.forwardCompat ? 'looser' : 'stricter',
        text: `target ${name}: forward-compat turned ${h.forwardCompat ? 'on' : 'off'}`,
      });
    }
    if (b.runtime !== h.runtime) {
      // unset judges both runtimes and keeps the worse: naming one can only let more through
      const effect = !b.runtime ? 'looser' : !h.runtime ? 'stricter' : 'neutral';
      const shown = (r: string | undefined) => r ?? 'unset (both judged)';
      fieldChange(diff, {
        subject: 'target',
        name,
        field: 'runtime',
        from: shown(b.runtime),
        to: shown(h.runtime),
        effect,
        text: `target ${name}: runtime ${shown(b.runtime)} → ${shown(h.runtime)}`,
      });
    }
    if (b.os !== h.os) {
      fieldChange(diff, { subject: 'target', name, field: 'os', from: b.os, to: h.os, effect: 'neutral', text: `target ${name}: os ${b.os} → ${h.os}` });
    }
  }
}

function diffSettings(base: Partial<Policy>, head: Partial<Policy>, diff: PolicyDiff): void {
  const failOn = { from: base.failOn ?? DEFAULT_POLICY.failOn, to: head.failOn ?? DEFAULT_POLICY.failOn };
  if (failOn.from !== failOn.to) {
    const looser = failOnStrictness(failOn.to) < failOnStrictness(failOn.from);
    fieldChange(diff, {
      subject: 'fail-on',
      ...failOn,
      effect: looser ? 'looser' : 'stricter',
      text: `fail-on ${looser ? 'loosened' : 'tightened'}: ${failOn.from} → ${failOn.to}`,
    });
  }
  const noCuda = { from: base.noCuda ?? DEFAULT_POLICY.noCuda, to: head.noCuda ?? DEFAULT_POLICY.noCuda };
  if (noCuda.from !== noCuda.to) {
    const looser = noCudaStrictness(noCuda.to) < noCudaStrictness(noCuda.from);
    fieldChange(diff, {
      subject: 'no-cuda',
      ...noCuda,
      effect: looser ? 'looser' : 'stricter',
      text: `no-cuda ${looser ? 'loosened' : 'tightened'}: ${noCuda.from} → ${noCuda.to}`,
    });
  }
}

const waiverKey = (w: Waiver) => `${w.image}\u0000${w.target}\u0000${w.code}`;
const waiverName = (w: Waiver) => `image ${w.image}, target ${w.target}, code ${w.code}`;

function diffWaivers(base: readonly Waiver[], head: readonly Waiver[], diff: PolicyDiff): void {
  const before = new Map(base.map((w) => [waiverKey(w), w]));
  const after = new Map(head.map((w) => [waiverKey(w), w]));
  for (const [key, w] of after) {
    if (!before.has(key)) {
      push(diff, 'added', {
        subject: 'waiver',
        name: waiverName(w),
        to: w.expires,
        effect: 'looser',
        text: `waiver added (${waiverName(w)}, until ${w.expires}): ${w.reason}`,
      });
    }
  }
  for (const [key, w] of before) {
    const h = after.get(key);
    if (!h) {
      push(diff, 'removed', { subject: 'waiver', name: waiverName(w), from: w.expires, effect: 'stricter', text: `waiver removed (${waiverName(w)})` });
      continue;
    }
    if (h.expires !== w.expires) {
      const later = h.expires > w.expires;
      fieldChange(diff, {
        subject: 'waiver',
        name: waiverName(w),
        field: 'expires',
        from: w.expires,
        to: h.expires,
        effect: later ? 'looser' : 'stricter',
        text: `waiver (${waiverName(w)}) ${later ? 'extended' : 'shortened'}: ${w.expires} → ${h.expires}`,
      });
    }
    if (h.reason !== w.reason) {
      fieldChange(diff, { subject: 'waiver', name: waiverName(w), field: 'reason', effect: 'neutral', text: `waiver (${waiverName(w)}): reason reworded` });
    }
  }
}

function diffOverrides(base: readonly { name: string; text: string }[], head: readonly { name: string; text: string }[], diff: PolicyDiff): void {
  const before = new Map(base.map((o) => [o.name, o.text]));
  const after = new Map(head.map((o) => [o.name, o.text]));
  for (const [name, text] of after) {
    const was = before.get(name);
    if (was === undefined) {
      fieldChange(diff, { subject: 'matrix-overrides', name, effect: 'neutral', text: `matrix overrides ${name} added: its rows can change verdicts` });
    } else if (was !== text) {
      fieldChange(diff, { subject: 'matrix-overrides', name, effect: 'neutral', text: `matrix overrides ${name} changed: its rows can change verdicts` });
    }
  }
  for (const name of before.keys()) {
    if (!after.has(name)) fieldChange(diff, { subject: 'matrix-overrides', name, effect: 'neutral', text: `matrix overrides ${name} no longer used` });
  }
}
