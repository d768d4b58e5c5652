/** `oci:DIR[:REF]`: an OCI image layout directory (oci-layout, index.json, blobs/<alg>/<hex>). */
import { checkInputPath, imageFromResolved, resolveImageFiles } from './file-image';
import { directoryImageFiles } from './image-files';
import type { Image, OpenOptions, SourceRef } from './types';

export async function openOciLayout(source: SourceRef & { path: string }, opts: OpenOptions): Promise<Image> {
  await checkInputPath(source.path, 'dir', source);
  const files = directoryImageFiles(source.path);
  return imageFromResolved(source, files, await resolveImageFiles(files, 'oci', source.reference, opts));
}
