/** `docker-archive:PATH[:REF]`: a `docker save` / `podman save` / skopeo tar on disk (legacy, Docker >= 25, podman). */
import { openFileSource } from './file-image';
import type { Image, OpenOptions, SourceRef } from './types';

export function openDockerArchive(source: SourceRef & { path: string }, opts: OpenOptions): Promise<Image> {
  return openFileSource(source, opts, { holder: 'tar', prefer: 'docker' });
}
