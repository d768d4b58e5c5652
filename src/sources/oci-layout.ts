/** `oci:DIR[:REF]`: an OCI image layout directory (oci-layout, index.json, blobs/<alg>/<hex>). */
import { openFileSource } from './file-image';
import type { Image, OpenOptions, SourceRef } from './types';

export function openOciLayout(source: SourceRef & { path: string }, opts: OpenOptions): Promise<Image> {
  return openFileSource(source, opts, { holder: 'dir', prefer: 'oci' });
}
