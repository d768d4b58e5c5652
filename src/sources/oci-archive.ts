/** `oci-archive:PATH[:REF]`: an OCI image layout in a tar file on disk. */
import { openFileSource } from './file-image';
import type { Image, OpenOptions, SourceRef } from './types';

export function openOciArchive(source: SourceRef & { path: string }, opts: OpenOptions): Promise<Image> {
  return openFileSource(source, opts, { holder: 'tar', prefer: 'oci' });
}
