/** `oci-archive:PATH[:REF]`: an OCI image layout in a tar file on disk. */
import { checkInputPath, imageFromResolved, resolveImageFiles } from './file-image';
import { tarFileImageFiles } from './image-files';
import type { Image, OpenOptions, SourceRef } from './types';

export async function openOciArchive(source: SourceRef & { path: string }, opts: OpenOptions): Promise<Image> {
  await checkInputPath(source.path, 'file', source);
  const files = await tarFileImageFiles(source.path);
  return imageFromResolved(source, files, await resolveImageFiles(files, 'oci', source.reference, opts));
}
