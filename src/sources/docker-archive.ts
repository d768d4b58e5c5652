/** `docker-archive:PATH[:REF]`: a `docker save` / `podman save` / skopeo tar on disk (all three layouts). */
import { checkInputPath, imageFromResolved, resolveImageFiles } from './file-image';
import { tarFileImageFiles } from './image-files';
import type { Image, OpenOptions, SourceRef } from './types';

export async function openDockerArchive(source: SourceRef & { path: string }, opts: OpenOptions): Promise<Image> {
  await checkInputPath(source.path, 'file', source);
  const files = await tarFileImageFiles(source.path);
  return imageFromResolved(source, files, await resolveImageFiles(files, 'docker', source.reference, opts));
}
