/** Where the per-layer cache lives when no --cache-dir is given: the XDG cache directory, as other CLI tools use. */
import { homedir } from 'node:os';
import { join } from 'node:path';

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  const xdg = env.XDG_CACHE_HOME?.trim();
  // the XDG spec says a relative XDG_CACHE_HOME is invalid and must be ignored
  if (xdg && xdg.startsWith('/')) return join(xdg, 'cuda-gate');
  return join(home, '.cache', 'cuda-gate');
}
