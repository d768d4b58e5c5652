/**
 * Keeps the cache directory under a size bound: least recently used entries go first (a hit touches its file),
 * so layers of the images a project keeps checking stay while those of old versions and old base images leave.
 */
import { readdirSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TEMP_MARK } from './entry-file';

/** A temp file this old belongs to a writer that died. */
const STALE_TEMP_MS = 60 * 60 * 1000;

export interface PruneOutcome {
  removed: number;
  totalBytes: number;
}

interface CacheFile {
  path: string;
  size: number;
  mtimeMs: number;
}

export function pruneCache(root: string, maxBytes: number, now: number = Date.now()): PruneOutcome {
  const files: CacheFile[] = [];
  const dirs: string[] = [];
  walk(root, files, dirs);
  let removed = 0;
  let totalBytes = 0;
  const live: CacheFile[] = [];
  for (const f of files) {
    if (f.path.includes(TEMP_MARK) && now - f.mtimeMs > STALE_TEMP_MS) {
      if (remove(f.path)) removed++;
    } else {
      live.push(f);
      totalBytes += f.size;
    }
  }
  live.sort((a, b) => a.mtimeMs - b.mtimeMs);
  for (const f of live) {
    if (totalBytes <= maxBytes) break;
    if (remove(f.path)) {
      removed++;
      totalBytes -= f.size;
    }
  }
  // deepest first; rmdir refuses directories that still hold something, which is what we want
  for (const dir of dirs.reverse()) {
    try {
      rmdirSync(dir);
    } catch {
      // not empty, or gone
    }
  }
  return { removed, totalBytes };
}

function walk(dir: string, files: CacheFile[], dirs: string[]): void {
  let names;
  try {
    names = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const d of names) {
    const path = join(dir, d.name);
    if (d.isDirectory()) {
      dirs.push(path);
      walk(path, files, dirs);
    } else if (d.isFile()) {
      try {
        const s = statSync(path);
        files.push({ path, size: s.size, mtimeMs: s.mtimeMs });
      } catch {
        // removed by another process meanwhile
      }
    }
  }
}

function remove(path: string): boolean {
  try {
    rmSync(path, { force: true });
    return true;
  } catch {
    return false;
  }
}
