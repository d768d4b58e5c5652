/**
 * A tiny in-memory FileSystemView for the evidence tests: entries as the layers stage would hand them over, with
 * symlink and hardlink resolution (relative and absolute targets, links in directories, bounded hops).
 */
import type { Evidence } from '../../src/evidence/types';
import type { EntryType, FileEntry, FileSystemView, LayerInfo } from '../../src/layers/types';
import { showProvenance, type ShownProvenance } from '../../src/model/provenance';
import type { ImageConfig } from '../../src/sources/types';

export interface FakeEntry {
  path: string;
  type?: EntryType;
  size?: number;
  /** symlink: target as written; hardlink: target path */
  link?: string;
  content?: string;
  contentTruncated?: boolean;
  layer?: number;
}

export const LAYER_DIGESTS = ['sha256:aaaa', 'sha256:bbbb', 'sha256:cccc', 'sha256:dddd'];
export const LAYER_INSTRUCTIONS = ['ADD rootfs.tar /', 'RUN apt-get install cuda-cudart-12-4', 'RUN pip install torch', 'COPY . /app'];

function normalize(path: string): string {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return out.join('/');
}

export function fakeView(list: FakeEntry[]): FileSystemView {
  const map = new Map<string, FileEntry>();
  for (const f of list) {
    const layerIndex = f.layer ?? 0;
    const type: EntryType = f.type ?? (f.link !== undefined ? 'symlink' : 'file');
    const e: FileEntry = {
      path: normalize(f.path),
      type,
      size: f.size ?? (f.content !== undefined ? Buffer.byteLength(f.content) : 1000),
      layerIndex,
      layerDigest: LAYER_DIGESTS[layerIndex],
      instruction: LAYER_INSTRUCTIONS[layerIndex],
    };
    if (f.link !== undefined) e.linkTarget = type === 'hardlink' ? normalize(f.link) : f.link;
    if (f.content !== undefined) e.content = f.content;
    if (f.contentTruncated) e.contentTruncated = true;
    map.set(e.path, e);
  }

  const resolve = (start: string): FileEntry | undefined => {
    let path = normalize(start);
    for (let hops = 0; hops < 40; hops++) {
      const parts = path.split('/');
      let redirected = false;
      for (let i = 0; i < parts.length; i++) {
        const prefix = parts.slice(0, i + 1).join('/');
        const e = map.get(prefix);
        if (e?.type === 'symlink' && e.linkTarget !== undefined) {
          const parent = parts.slice(0, i).join('/');
          const target = e.linkTarget.startsWith('/') ? e.linkTarget : `${parent}/${e.linkTarget}`;
          path = normalize([target, ...parts.slice(i + 1)].join('/'));
          redirected = true;
          break;
        }
      }
      if (redirected) continue;
      const e = map.get(path);
      if (e?.type === 'hardlink' && e.linkTarget !== undefined) {
        path = e.linkTarget;
        continue;
      }
      return e;
    }
    return undefined;
  };

  const layers: LayerInfo[] = LAYER_DIGESTS.map((digest, index) => ({
    index,
    digest,
    instruction: LAYER_INSTRUCTIONS[index],
    entryCount: 0,
    tarBytes: 0,
  }));
  const sorted = [...map.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return {
    layers,
    get: (p) => map.get(normalize(p)),
    resolve,
    entries: () => sorted,
    findings: [],
  };
}

export function fakeConfig(env: Record<string, string> = {}, labels: Record<string, string> = {}): ImageConfig {
  return { env, labels, history: [], diffIds: [] };
}

/** Evidence as the report shows it: each item's layer digest and instruction looked up in the view's layer list. */
export function showLayers<T extends { evidence: Evidence[] }>(out: T, view: FileSystemView): T & { evidence: (Evidence & ShownProvenance)[] } {
  return { ...out, evidence: out.evidence.map((e) => showProvenance(e, view.layers)) };
}

/** A file detector whose evidence is shown as the report shows it (showLayers). */
export function shown<A extends unknown[], T extends { evidence: Evidence[] }>(
  detect: (view: FileSystemView, ...rest: A) => T,
): (view: FileSystemView, ...rest: A) => T & { evidence: (Evidence & ShownProvenance)[] } {
  return (view, ...rest) => showLayers(detect(view, ...rest), view);
}
