/** Short, human descriptions of evidence for reason messages. */
import type { Evidence } from '../evidence/types';
import type { ReasonOrigin } from './types';

export function describeEvidence(ev: Evidence): string {
  if (ev.from === 'config') return `${ev.key ?? 'config'}=${ev.value ?? ev.version ?? ''}`.replace(/^env:/, '');
  const where = ev.path ?? ev.package ?? '';
  const what = ev.from === 'package' && ev.package ? `package ${ev.package} ${ev.version ?? ''}`.trim() : where;
  const layer = ev.layerIndex !== undefined ? `layer ${ev.layerIndex + 1}` : undefined;
  const instr = ev.instruction ? `\`${shorten(ev.instruction, 70)}\`` : undefined;
  const loc = [ev.from === 'package' ? ev.path : undefined, layer, instr].filter(Boolean).join(', ');
  return loc ? `${what} (${loc})` : what;
}

/** The most telling evidence first: shipped files and packages before what the config declares. */
export function strongest(evidence: Evidence[]): Evidence | undefined {
  const rank = (e: Evidence) => (e.from === 'file' ? 0 : e.from === 'package' ? 1 : 2) + (e.confidence === 'exact' ? 0 : 0.5);
  return [...evidence].sort((a, b) => rank(a) - rank(b))[0];
}

export function originOf(evidence: Evidence[]): ReasonOrigin[] {
  const seen = new Set<string>();
  const out: ReasonOrigin[] = [];
  for (const e of evidence) {
    const o: ReasonOrigin = { path: e.path, key: e.key, layer: e.layer, layerIndex: e.layerIndex, instruction: e.instruction };
    const k = JSON.stringify(o);
    if (!seen.has(k)) {
      seen.add(k);
      out.push(o);
    }
  }
  return out.slice(0, 5);
}

export function shorten(s: string, n: number): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
}

export function listBranches(branches: number[]): string {
  return branches.map((b) => `R${b}`).join(', ');
}
