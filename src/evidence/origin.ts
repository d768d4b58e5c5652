/** Where a file's evidence came from: its absolute path in the image and the index of the layer that put it there. */
import type { Finding } from '../common/findings';
import type { FileEntry, FileSystemView } from '../layers/types';
import type { Provenance } from '../model/provenance';
import type { Evidence } from './types';

export function originOf(entry: FileEntry): Provenance {
  return { path: `/${entry.path}`, layerIndex: entry.layerIndex };
}

export function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export function dirname(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

/** The regular file holding an entry's content (itself, or what its links lead to); undefined when dangling. */
export function contentEntry(view: FileSystemView, entry: FileEntry): FileEntry | undefined {
  const real = entry.type === 'file' ? entry : entry.type === 'symlink' || entry.type === 'hardlink' ? view.resolve(entry.path) : undefined;
  return real && real.type === 'file' ? real : undefined;
}

/** What every file detector returns. */
export interface DetectorOutput {
  evidence: Evidence[];
  findings: Finding[];
}
