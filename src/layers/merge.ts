/**
 * Per-layer results -> the image's final filesystem (restricted to kept entries). Bottom-up: each layer first
 * deletes from the layers BELOW it (opaque dirs, whiteouts), then overlays its own entries, upper wins — the
 * OCI layer changeset semantics, which make the order of whiteouts inside a layer irrelevant.
 */
import type { Finding } from '../common/findings';
import type { HistoryEntry } from '../sources/types';
import { layerInstructions } from './history';
import { displayPath, normalisePath, splitPath } from './paths';
import type { FileEntry, FileSystemView, LayerInfo, LayerResult } from './types';

/** Linux's limit on symlinks followed while resolving one path (MAXSYMLINKS). */
export const MAX_SYMLINK_HOPS = 40;
/** SYMLINK_LOOP findings listed one by one; the rest are counted in one more. */
export const MAX_LOOP_FINDINGS = 10;

/** A directory-tree node: deleting a subtree (whiteout, opaque dir) is dropping one map entry. */
interface Node {
  entry?: FileEntry;
  children?: Map<string, Node>;
}

export function mergeLayers(results: LayerResult[], history: HistoryEntry[]): FileSystemView {
  const root: Node = {};
  const findings: Finding[] = results.flatMap((r) => r.findings);
  // A hardlink shares its target's inode: captured when the link is laid down, so a later whiteout of the target
  // path does not break it.
  const hardlinkTargets = new Map<FileEntry, FileEntry>();
  const instructions = layerInstructions(history, results.length);

  const layers: LayerInfo[] = results.map((result, index) => {
    const instruction = instructions[index];
    for (const dir of result.opaqueDirs) {
      const node = lookup(root, dir);
      if (node) {
        node.children = undefined;
        // an opaque marker means this layer has a directory there, replacing any lower symlink or file
        node.entry = undefined;
      }
    }
    for (const path of result.whiteouts) remove(root, path);
    // a directory laid where a lower layer had a file or link replaces it, even with nothing below it (umoci and
    // moby unpack it that way; found by the differential test)
    for (const dir of result.dirs ?? []) {
      const node = lookup(root, dir);
      if (node?.entry && node.entry.type !== 'dir' && node.entry.layerIndex < index) node.entry = undefined;
    }
    for (const layerEntry of result.entries) {
      const entry: FileEntry = {
        ...layerEntry,
        layerIndex: index,
        layerDigest: result.digest,
        ...(instruction !== undefined && { instruction }),
      };
      const node = ensure(root, entry.path, index);
      node.entry = entry;
      // a file or link where a lower layer had a directory replaces the whole subtree; a directory merges with it
      if (entry.type !== 'dir') node.children = undefined;
      if (entry.type === 'hardlink' && entry.linkTarget !== undefined) {
        const target = lookup(root, entry.linkTarget)?.entry;
        const content = target?.type === 'hardlink' ? (hardlinkTargets.get(target) ?? target) : target;
        if (content) hardlinkTargets.set(entry, content);
        // the link is the same file: it carries the same device code, even once the target path is deleted
        if (content?.gpuCode) entry.gpuCode = content.gpuCode;
        if (content?.relocatableGpuCode) entry.relocatableGpuCode = content.relocatableGpuCode;
        if (content?.dynamic) entry.dynamic = content.dynamic;
      }
    }
    return {
      index,
      digest: result.digest,
      ...(result.diffId !== undefined && { diffId: result.diffId }),
      ...(instruction !== undefined && { instruction }),
      entryCount: result.entryCount,
      tarBytes: result.tarBytes,
    };
  });

  const loopsReported = new Set<string>();
  // tens of thousands of links in one chain would otherwise be as many findings: the first few, then one count
  let loopsUnlisted: Finding | undefined;
  const realpath = (path: string): string | undefined => {
    const resolved = followSymlinks(root, path);
    if (resolved === undefined && !loopsReported.has(path)) {
      loopsReported.add(path);
      const shown = displayPath(normalisePath(path));
      if (loopsReported.size <= MAX_LOOP_FINDINGS) {
        findings.push({
          code: 'SYMLINK_LOOP',
          severity: 'warning',
          message: `${shown} does not resolve: more than ${MAX_SYMLINK_HOPS} symlinks (a loop)`,
          path: shown,
        });
      } else {
        loopsUnlisted ??= findings[findings.push({ code: 'SYMLINK_LOOP', severity: 'warning', message: '' }) - 1];
        const n = loopsReported.size - MAX_LOOP_FINDINGS;
        loopsUnlisted.message = `${n} more path${n === 1 ? '' : 's'} do not resolve: more than ${MAX_SYMLINK_HOPS} symlinks (a loop or a chain too long)`;
      }
    }
    return resolved;
  };

  return {
    layers,
    findings,
    get: (path) => lookup(root, normalisePath(path))?.entry,
    realpath,
    resolve(path) {
      const real = realpath(path);
      if (real === undefined) return undefined;
      const entry = lookup(root, real)?.entry;
      if (entry?.type !== 'hardlink') return entry;
      // a hardlink whose target was not kept is still a real file: hand back the link itself
      return hardlinkTargets.get(entry) ?? entry;
    },
    entries: () => collect(root),
  };
}

function lookup(root: Node, path: string): Node | undefined {
  let node: Node | undefined = root;
  for (const part of splitPath(path)) {
    node = node.children?.get(part);
    if (!node) return undefined;
  }
  return node;
}

/**
 * The node for `path`, creating directories on the way. An ancestor holding a non-directory from a lower layer
 * must have become a directory in this layer (tars list real paths, never paths through a symlink), so it goes.
 */
function ensure(root: Node, path: string, layerIndex: number): Node {
  let node = root;
  for (const part of splitPath(path)) {
    if (node.entry && node.entry.layerIndex < layerIndex && node.entry.type !== 'dir') node.entry = undefined;
    node.children ??= new Map();
    let child = node.children.get(part);
    if (!child) {
      child = {};
      node.children.set(part, child);
    }
    node = child;
  }
  return node;
}

function remove(root: Node, path: string): void {
  const parts = splitPath(path);
  const name = parts.pop();
  if (name === undefined) return;
  lookup(root, parts.join('/'))?.children?.delete(name);
}

/**
 * Resolves symlinks in every component of `path`; undefined after too many hops (a loop). Linear in the components
 * walked: a hostile link target can be megabytes of "../" (a pax linkpath), so the walk keeps the node it stands on
 * instead of looking each prefix up from the root, and a stack instead of shift()/unshift(...) (quadratic, and a
 * spread of that many arguments overflows the call stack).
 */
function followSymlinks(root: Node, path: string): string | undefined {
  // components still to walk, the next one last
  const pending = splitPath(normalisePath(path)).reverse();
  const resolved: string[] = [];
  // nodes[i] is the node of resolved[0..i) (undefined once the walk has left the kept tree); nodes[0] is the root
  const nodes: (Node | undefined)[] = [root];
  let hops = 0;
  while (pending.length > 0) {
    const part = pending.pop()!;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (resolved.length > 0) {
        resolved.pop();
        nodes.pop();
      }
      continue;
    }
    const node = nodes[nodes.length - 1]?.children?.get(part);
    const entry = node?.entry;
    if (entry?.type === 'symlink' && entry.linkTarget !== undefined) {
      if (++hops > MAX_SYMLINK_HOPS) return undefined;
      if (entry.linkTarget.startsWith('/')) {
        resolved.length = 0;
        nodes.length = 1;
      }
      const target = entry.linkTarget.split('/');
      for (let i = target.length - 1; i >= 0; i--) pending.push(target[i]);
      continue;
    }
    resolved.push(part);
    nodes.push(node);
  }
  return resolved.join('/');
}

function collect(root: Node): FileEntry[] {
  const out: FileEntry[] = [];
  const walk = (node: Node): void => {
    if (node.entry) out.push(node.entry);
    if (node.children) for (const child of node.children.values()) walk(child);
  };
  walk(root);
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
