/**
 * What a path without a source prefix holds, decided by its content (never its name): an OCI layout directory, a
 * `docker save` archive (manifest.json; Docker >= 25 writes an OCI layout beside it, which the docker-archive reader
 * also reads) or an OCI archive (oci-layout, index.json). Only tar headers are read, each body skipped by offset.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { padding, TAR_BLOCK, TarFormatError, TarHeaderSequence } from '../tar/headers';

export type SniffedForm = 'oci' | 'docker-archive' | 'oci-archive';

/** Headers read before giving up on finding an image's top-level files. */
const MAX_ENTRIES = 200_000;
const GZIP = [0x1f, 0x8b];

/** The form, or why the path is not an image (undefined: not a readable path at all). */
export function sniffPath(path: string): { form: SniffedForm } | { not: string } | undefined {
  let st;
  try {
    st = statSync(path);
  } catch {
    return undefined;
  }
  if (st.isDirectory())
    return existsSync(join(path, 'oci-layout')) ? { form: 'oci' } : { not: 'a directory without an oci-layout file (not an OCI image layout)' };
  if (!st.isFile()) return { not: 'neither a file nor a directory' };
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    return { not: `a file that cannot be opened (${(e as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  try {
    return topLevel(fd, st.size);
  } finally {
    closeSync(fd);
  }
}

function topLevel(fd: number, size: number): { form: SniffedForm } | { not: string } {
  const block = Buffer.alloc(TAR_BLOCK);
  if (readSync(fd, block, 0, TAR_BLOCK, 0) < 2) return { not: 'an empty file' };
  // docker load takes a compressed archive too; the docker-archive reader says what it makes of it
  if (block[0] === GZIP[0] && block[1] === GZIP[1]) return { form: 'docker-archive' };
  const seq = new TarHeaderSequence();
  const names = new Set<string>();
  let at = 0;
  try {
    for (let n = 0; n < MAX_ENTRIES && at + TAR_BLOCK <= size; n++) {
      if (readSync(fd, block, 0, TAR_BLOCK, at) < TAR_BLOCK) break;
      at += TAR_BLOCK;
      const step = seq.step(block);
      if (step.kind === 'end') break;
      if (step.kind === 'meta') {
        const body = Buffer.alloc(step.size);
        readSync(fd, body, 0, step.size, at);
        seq.meta(body);
        at += step.size + padding(step.size);
      } else if (step.kind === 'entry') {
        names.add(step.header.name.replace(/^(\.\/)+/, ''));
        at += step.skip;
      }
      if (names.has('manifest.json')) return { form: 'docker-archive' };
    }
  } catch (e) {
    if (!(e instanceof TarFormatError)) throw e;
    return { not: `not a tar archive (${e.message})` };
  }
  if (names.has('oci-layout') || names.has('index.json')) return { form: 'oci-archive' };
  return { not: names.size ? 'a tar without manifest.json or oci-layout (not an image archive)' : 'not a tar archive' };
}
