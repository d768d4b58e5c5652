import type { Evidence } from '../../src/evidence/types';

/** A shipped libcudart file of `version` in layer 0: the commonest CUDA evidence in verdict tests. */
export function cudartFile(version: string): Evidence {
  return { kind: 'cudart', version, cuda: version, from: 'file', path: `/usr/local/cuda/lib64/libcudart.so.${version}`, layerIndex: 0, confidence: 'exact' };
}
