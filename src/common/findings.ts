import type { ShownProvenance } from '../model/provenance';

/**
 * Something noticed while reading an image that is not evidence of a CUDA component (a limit hit, a disagreement).
 * Where: `path`, and `layer`, the digest of the layer it concerns (the layer reader knows a layer by digest alone).
 */
export interface Finding extends Pick<ShownProvenance, 'path' | 'layer'> {
  code: string;
  severity: 'info' | 'warning' | 'error';
  message: string;
}
