/**
 * `mkdir -p` that always ends. Node's `mkdirSync(path, { recursive: true })` (libuv's walk) steps back to the parent
 * on ENOENT and forward again once the parent exists: under a parent that exists but cannot hold a new directory
 * (`/proc/x`, `/proc/self/x`, a dangling symlink's target on some systems) it never returns — the same walk bun
 * fixed in oven-sh/bun#36162. This walk goes up once, to the nearest existing ancestor, and down once: a step that
 * fails is the error, with the path that failed.
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Creates `path` and its missing parents; throws the first error (ENOTDIR, EEXIST for a file, EACCES, ENOENT …). */
export function makeDirs(path: string): void {
  const missing: string[] = [];
  let at = resolve(path);
  // up: at most one step per path component, so this ends
  for (;;) {
    const kind = kindOf(at);
    if (kind === 'directory') break;
    if (kind === 'other') throw fsError('ENOTDIR', 'not a directory (a file is there)', at);
    missing.push(at);
    const parent = dirname(at);
    if (parent === at) break;
    at = parent;
  }
  // down: each missing directory once, parents first
  for (const dir of missing.reverse()) {
    try {
      mkdirSync(dir);
    } catch (err) {
      // made meanwhile by another process: fine when it is a directory
      if ((err as NodeJS.ErrnoException).code === 'EEXIST' && kindOf(dir) === 'directory') continue;
      throw err;
    }
  }
}

function kindOf(path: string): 'directory' | 'other' | 'missing' {
  try {
    return statSync(path).isDirectory() ? 'directory' : 'other';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'missing';
    // ENOTDIR (a file on the way), EACCES, ELOOP: nothing can be made here
    throw err;
  }
}

function fsError(code: string, what: string, path: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`${code}: ${what}, mkdir '${path}'`);
  err.code = code;
  err.path = path;
  err.syscall = 'mkdir';
  return err;
}
