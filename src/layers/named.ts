/**
 * A layer's analysis under the name its read gave the layer. What a layer holds does not depend on what it is called,
 * and the name is not always known while it is read (an export may name a layer only by its entry, the cache files an
 * analysis under the diffID whatever digest the layer was stored under): the final name is put on once, at the end,
 * from the descriptor the source returned — on fresh and cached analyses alike.
 */
import type { LayerDescriptor } from '../sources/types';
import type { LayerResult } from './types';

export function namedLayer(analysis: LayerResult, layer: Pick<LayerDescriptor, 'digest' | 'diffId'>): LayerResult {
  return {
    ...analysis,
    digest: layer.digest,
    ...(layer.diffId !== undefined && { diffId: layer.diffId }),
    findings: analysis.findings.map((f) => (f.layer !== undefined ? { ...f, layer: layer.digest } : f)),
  };
}
