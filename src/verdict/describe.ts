/** Short, human descriptions of evidence for reason messages. */
import type { Evidence } from '../evidence/types';
import { showProvenance, type ImageLayer, type Provenance, type ShownProvenance } from '../model/provenance';

export function describeEvidence(ev: Evidence, layers: readonly ImageLayer[]): string {
  if (ev.from === 'config') return `${ev.key ?? 'config'}=${ev.value ?? ev.version ?? ''}`.replace(/^env:/, '');
  const where = ev.path ?? ev.package ?? '';
  const what = ev.from === 'package' && ev.package ? `package ${ev.package} ${ev.version ?? ''}`.trim() : where;
  if (ev.kind === 'dt-needed') return `${where} (${[ev.detail, ...layerWords(ev, layers)].filter(Boolean).join(', ')})`;
  const loc = [ev.from === 'package' ? ev.path : undefined, ...layerWords(ev, layers)].filter(Boolean).join(', ');
  return loc ? `${what} (${loc})` : what;
}

/** ["layer 3", "`RUN pip install …`"]: the layer's number and its instruction, looked up in the image's layer list */
export function layerWords(p: Provenance, layers: readonly ImageLayer[]): string[] {
  if (p.layerIndex === undefined) return [];
  const instruction = layers[p.layerIndex]?.instruction;
  return [`layer ${p.layerIndex + 1}`, ...(instruction ? [`"${shorten(instruction, 70)}"`] : [])];
}

/** The most telling evidence first: shipped files and packages before what the config declares. */
export function strongest(evidence: Evidence[]): Evidence | undefined {
  const rank = (e: Evidence) => (e.from === 'file' ? 0 : e.from === 'package' ? 1 : 2) + (e.confidence === 'exact' ? 0 : 0.5);
  return [...evidence].sort((a, b) => rank(a) - rank(b))[0];
}

export function originOf(evidence: Evidence[], layers: readonly ImageLayer[]): ShownProvenance[] {
  const seen = new Set<string>();
  const out: ShownProvenance[] = [];
  for (const e of evidence) {
    const o = showProvenance({ path: e.path, key: e.key, layerIndex: e.layerIndex }, layers);
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
