/**
 * Path arithmetic for paths inside an image. Every path the layers stage stores is "normalised": relative to the
 * image root, no leading "/" or "./", no "//", no "." or ".." components, no trailing "/". The root itself is "".
 */
import { normaliseMemberName } from '../tar/file-index';

/** A tar entry name normalised, or `escapes: true` when its ".." components climb above the root. */
export interface NormalisedName {
  path: string;
  escapes: boolean;
}

/**
 * Normalises a tar entry name. Unlike symlink resolution, a ".." that climbs above the root is not clamped: a layer
 * that tries it is malformed (or hostile), so the caller drops the entry and records a finding.
 */
export function normaliseEntryName(raw: string): NormalisedName {
  const out: string[] = [];
  let escapes = false;
  for (const part of raw.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length === 0) escapes = true;
      else out.pop();
      continue;
    }
    out.push(part);
  }
  return { path: out.join('/'), escapes };
}

/** Normalises a path the way the kernel does inside a chroot: ".." at the root stays at the root (as archive members). */
export const normalisePath = normaliseMemberName;

/** Parent directory of a normalised path ("" for a top-level name and for the root). */
export function dirnameOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

export function basenameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export function joinPath(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

/** Components of a normalised path; the root has none. */
export function splitPath(path: string): string[] {
  return path === '' ? [] : path.split('/');
}

/**
 * Where a symlink at `linkPath` points, as a normalised path: absolute targets start from the image root (never the
 * host's), relative ones from the link's own directory.
 */
export function resolveLinkTarget(linkPath: string, target: string): string {
  if (target.startsWith('/')) return normalisePath(target);
  return normalisePath(joinPath(dirnameOf(linkPath), target));
}

/** True when `path` is `dir` itself or lies below it. */
export function isAtOrUnder(path: string, dir: string): boolean {
  if (dir === '') return true;
  return path === dir || path.startsWith(`${dir}/`);
}

/** Absolute form for messages and reports ("usr/lib" -> "/usr/lib"). */
export function displayPath(path: string): string {
  return `/${path}`;
}
