/**
 * What a pull request changed in an image's CUDA stack, against the base branch's image (baseline-images), in the
 * words a reviewer uses: "raises the driver floor from 525.60.13 to 550.54.15", "adds cuDNN 9.1.0.70".
 * Most important first: what it takes to deploy, then the runtime, then the components.
 */
import { compareVersions, versionParts } from '../common/dotted-version';
import { compareDriver, isDriverVersion } from '../common/driver-version';
import type { Evidence, EvidenceKind } from '../evidence/types';
import { CUDA_COMPONENTS } from '../model/cuda-components';
import { compareArchNames, type GpuTargets } from '../model/gpu-code';
import { md, mdCode } from './escape';
import type { Change, ReportImage } from './types';

type Direction = Change['direction'];

export function diffImages(baseline: ReportImage, current: ReportImage): Change[] {
  const changes: Change[] = [];
  const add = (kind: Change['kind'], text: string, direction: Direction) =>
    changes.push({ image: current.source, baseline: baseline.source, kind, text, direction });

  const floor = driverChange('driver floor', baseline.requirement.minDriver, current.requirement.minDriver);
  if (floor) add('driver-floor', floor.text, floor.direction);
  const compatFloor = driverChange('minor-version compatibility floor', baseline.requirement.minorCompatDriver, current.requirement.minorCompatDriver);
  if (compatFloor) add('driver-floor', compatFloor.text, compatFloor.direction);

  const runtime = runtimeChange(baseline.cuda?.runtime, current.cuda?.runtime, floor?.direction ?? 'neutral');
  if (runtime) add('runtime', runtime.text, runtime.direction);
  for (const c of majorChanges(baseline, current)) add('cuda-major', c.text, c.direction);

  for (const c of componentChanges(baseline.evidence, current.evidence)) add(c.kind, c.text, c.direction);

  const fc = forwardCompatChange(baseline, current);
  if (fc) add('forward-compat', fc.text, fc.direction);
  for (const c of gpuCodeChanges(baseline.requirement.gpuCode, current.requirement.gpuCode)) add('gpu-code', c.text, c.direction);
  return changes;
}

interface Described {
  text: string;
  direction: Direction;
}

function driverChange(what: string, before: string | undefined, after: string | undefined): Described | undefined {
  if (before === after) return undefined;
  if (!before && after) return { text: `sets a ${what} of ${after} (the baseline had none)`, direction: 'worse' };
  if (before && !after) return { text: `removes the ${what} (was ${before})`, direction: 'better' };
  if (!before || !after) return undefined;
  // driver versions are compared numerically part by part ("535.104.05" > "535.54.03"), never as strings
  const order = isDriverVersion(before) && isDriverVersion(after) ? compareDriver(after, before) : 0;
  if (order > 0) return { text: `raises the ${what} from ${before} to ${after}`, direction: 'worse' };
  if (order < 0) return { text: `lowers the ${what} from ${before} to ${after}`, direction: 'better' };
  return undefined;
}

/** A new runtime is only harder to deploy when it moves the driver floor; the floor change says which way. */
function runtimeChange(before: string | undefined, after: string | undefined, floorDirection: Direction): Described | undefined {
  if (before === after) return undefined;
  if (!before && after) return { text: `adds a CUDA runtime (${after})`, direction: floorDirection === 'neutral' ? 'worse' : floorDirection };
  if (before && !after) return { text: `removes the CUDA runtime (was ${before})`, direction: floorDirection === 'neutral' ? 'better' : floorDirection };
  if (!before || !after || compareVersions(before, after) === 0) return undefined;
  return { text: `moves the CUDA runtime from ${before} to ${after}`, direction: floorDirection };
}

function majorChanges(baseline: ReportImage, current: ReportImage): Described[] {
  const out: Described[] = [];
  const before = baseline.cuda?.major;
  const after = current.cuda?.major;
  if (before !== undefined && after !== undefined && before !== after) {
    out.push({
      text: `moves from CUDA ${before} to CUDA ${after}, another major (minor-version compatibility never crosses a major)`,
      direction: after > before ? 'worse' : 'better',
    });
  }
  const mixedBefore = baseline.requirement.majors.length > 1;
  const mixedAfter = current.requirement.majors.length > 1;
  if (mixedAfter && !mixedBefore) out.push({ text: `now mixes CUDA majors ${current.requirement.majors.join(' and ')}`, direction: 'worse' });
  if (mixedBefore && !mixedAfter) out.push({ text: `no longer mixes CUDA majors (was ${baseline.requirement.majors.join(' and ')})`, direction: 'better' });
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Components: one entry per kind (per wheel for pip packages), whatever mix of env, files and packages said so

/** The CUDA component table in its order (the runtime has a change of its own), then pip wheels and driver libraries. */
const COMPONENT_NAMES: Partial<Record<EvidenceKind, string>> = {
  ...Object.fromEntries(CUDA_COMPONENTS.filter((c) => c.kind !== 'cudart').map((c) => [c.kind, c.name])),
  'pip-package': 'pip package',
  'driver-lib': "the driver's own libcuda",
};

interface Component {
  name: string;
  kind: EvidenceKind;
  versions: string[];
}

function componentsOf(evidence: Evidence[]): Map<string, Component> {
  const groups = new Map<string, { name: string; kind: EvidenceKind; items: Evidence[] }>();
  for (const e of evidence) {
    const label = COMPONENT_NAMES[e.kind];
    if (!label) continue;
    const name = e.kind === 'pip-package' ? (e.component ?? e.package ?? label) : label;
    const id = e.kind === 'pip-package' ? `pip:${name}` : name;
    const g = groups.get(id) ?? { name, kind: e.kind, items: [] };
    g.items.push(e);
    groups.set(id, g);
  }
  const out = new Map<string, Component>();
  for (const [id, g] of groups) out.set(id, { name: g.name, kind: g.kind, versions: bestVersions(g.items) });
  return out;
}

/** What ships (files, packages) outranks what the config declares; within that, the most precise versions. */
function bestVersions(items: Evidence[]): string[] {
  const tier = (e: Evidence) => (e.from === 'config' ? 1 : 0);
  const top = Math.min(...items.map(tier));
  const versions = items.filter((e) => tier(e) === top && e.version).map((e) => e.version!);
  // 9.1.0 (from the soname) and 9.1.0.70 (from dpkg) are one version: keep the longer
  const kept: string[] = [];
  for (const v of [...new Set(versions)].sort((a, b) => versionParts(b).length - versionParts(a).length)) {
    if (!kept.some((k) => sameVersion(k, v))) kept.push(v);
  }
  return kept.sort(compareVersions);
}

/** Equal on the parts both give: "9.1.0" and "9.1.0.70" are the same cuDNN. */
function sameVersion(a: string, b: string): boolean {
  const x = versionParts(a);
  const y = versionParts(b);
  if (!x.length || !y.length) return a === b;
  const n = Math.min(x.length, y.length);
  return x.slice(0, n).every((p, i) => p === y[i]);
}

function sameVersions(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((v, i) => sameVersion(v, b[i]));
}

function versionText(c: Component): string {
  return c.versions.length ? `${c.name} ${c.versions.join(' + ')}` : c.name;
}

/** Baked-in driver libraries shadow the host's: adding them is worse, removing them better. */
function addedDirection(kind: EvidenceKind): Direction {
  return kind === 'driver-lib' ? 'worse' : 'neutral';
}

function componentChanges(before: Evidence[], after: Evidence[]): (Described & { kind: Change['kind'] })[] {
  const was = componentsOf(before);
  const now = componentsOf(after);
  const out: (Described & { kind: Change['kind']; rank: number })[] = [];
  const rank = (c: Component) => Object.keys(COMPONENT_NAMES).indexOf(c.kind);
  for (const [id, c] of now) {
    const old = was.get(id);
    if (!old) out.push({ kind: 'component-added', text: `adds ${versionText(c)}`, direction: addedDirection(c.kind), rank: rank(c) });
    else if (old.versions.length && c.versions.length && !sameVersions(old.versions, c.versions)) {
      out.push({
        kind: 'component-changed',
        text: `changes ${c.name} from ${old.versions.join(' + ')} to ${c.versions.join(' + ')}`,
        direction: 'neutral',
        rank: rank(c),
      });
    }
  }
  for (const [id, c] of was) {
    if (!now.has(id)) {
      const direction: Direction = addedDirection(c.kind) === 'worse' ? 'better' : 'neutral';
      out.push({ kind: 'component-removed', text: `drops ${c.name}${c.versions.length ? ` (was ${c.versions.join(' + ')})` : ''}`, direction, rank: rank(c) });
    }
  }
  // cuDNN and NCCL before the math libraries, before pip wheels; stable within a component
  return out.sort((a, b) => a.rank - b.rank).map(({ rank: _rank, ...c }) => c);
}

// ---------------------------------------------------------------------------------------------------------------

/** Forward-compat libs let an older data-center driver run a newer CUDA: gaining them helps, losing them hurts. */
function forwardCompatChange(baseline: ReportImage, current: ReportImage): Described | undefined {
  const before = baseline.requirement.forwardCompat;
  const after = current.requirement.forwardCompat;
  const describe = (fc: NonNullable<typeof after>) =>
    [fc.compatDriver ? `libcuda ${fc.compatDriver}` : undefined, fc.cuda ? `for CUDA ${fc.cuda}` : undefined].filter(Boolean).join(' ');
  if (!before && after) return { text: `adds forward-compat libs${describe(after) ? ` (${describe(after)})` : ''}`, direction: 'better' };
  if (before && !after) return { text: `drops the forward-compat libs${describe(before) ? ` (were ${describe(before)})` : ''}`, direction: 'worse' };
  if (before && after && before.compatDriver && after.compatDriver && before.compatDriver !== after.compatDriver) {
    return { text: `changes the forward-compat libs from libcuda ${before.compatDriver} to ${after.compatDriver}`, direction: 'neutral' };
  }
  return undefined;
}

/** Older reports carry no gpuCode, or lists only in part. Dropping SASS or PTX can leave a GPU without a kernel; adding them can only help. Unknown on either side: silent. */
function gpuCodeChanges(before: Partial<GpuTargets> | undefined, after: Partial<GpuTargets> | undefined): Described[] {
  if (!before || !after) return [];
  const out: Described[] = [];
  for (const [field, label] of [
    ['sass', 'SASS for'],
    ['ptx', 'PTX'],
  ] as const) {
    const was = new Set(before[field] ?? []);
    const now = new Set(after[field] ?? []);
    const dropped = [...was].filter((a) => !now.has(a)).sort(compareArchNames);
    const added = [...now].filter((a) => !was.has(a)).sort(compareArchNames);
    if (dropped.length) out.push({ text: `drops ${label} ${dropped.join(', ')}`, direction: 'worse' });
    if (added.length) out.push({ text: `adds ${label} ${added.join(', ')}`, direction: 'better' });
  }
  // a reviewer reads the losses first
  return out.sort((a, b) => (a.direction === b.direction ? 0 : a.direction === 'worse' ? -1 : 1));
}

// ---------------------------------------------------------------------------------------------------------------
// Rendering

export const CHANGE_MARK: Record<Direction, string> = { worse: '⬆️', better: '⬇️', neutral: '↔️' };
/** Changes listed per image before "and N more". */
const MAX_LISTED = 25;

/** A markdown list of the changes, grouped per image when there are several; every string escaped. */
export function renderChanges(changes: Change[]): string {
  if (!changes.length) return '';
  const byImage = new Map<string, Change[]>();
  for (const c of changes) byImage.set(c.image, [...(byImage.get(c.image) ?? []), c]);
  const lines: string[] = [];
  const grouped = byImage.size > 1;
  for (const [image, list] of byImage) {
    const indent = grouped ? '  ' : '';
    if (grouped) lines.push(`- ${mdCode(image)} (against ${mdCode(list[0].baseline)})`);
    for (const c of list.slice(0, MAX_LISTED)) lines.push(`${indent}- ${CHANGE_MARK[c.direction]} ${md(c.text)}`);
    if (list.length > MAX_LISTED) lines.push(`${indent}- … and ${list.length - MAX_LISTED} more (see the JSON report)`);
  }
  if (!grouped) {
    const only = changes[0];
    lines.unshift(`${mdCode(only.image)} against ${mdCode(only.baseline)}:`, '');
  }
  lines.push('', `<sub>${CHANGE_MARK.worse} harder to deploy · ${CHANGE_MARK.better} easier · ${CHANGE_MARK.neutral} neither</sub>`);
  return lines.join('\n');
}

/** Plain-text lines for terminals (the caller escapes with term()). */
export function changeLines(changes: Change[]): string[] {
  const mark: Record<Direction, string> = { worse: '+', better: '-', neutral: '~' };
  const lines: string[] = [];
  let image: string | undefined;
  for (const c of changes) {
    if (c.image !== image) {
      image = c.image;
      lines.push(`${c.image} (against ${c.baseline}):`);
    }
    lines.push(`  ${mark[c.direction]} ${c.text}`);
  }
  return lines;
}
