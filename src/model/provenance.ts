/**
 * Where a fact about an image came from: a file (its absolute path) and the index of the layer that put it there,
 * or a config key. A layer's digest and Dockerfile instruction are not copied along: they are looked up from the
 * image's layer list (`ImageLayer[]`, indexed by layerIndex) where they are shown.
 */

export interface Provenance {
  /** absolute path in the image ("/usr/local/cuda/lib64/libcudart.so.12") */
  path?: string;
  /** config source: "env:CUDA_VERSION", "label:com.nvidia.cudnn.version" */
  key?: string;
  /** 0-based index into the image's layer list */
  layerIndex?: number;
}

/** One entry of an image's layer list, as far as provenance needs it. */
export interface ImageLayer {
  digest: string;
  /** the Dockerfile instruction that made the layer (from the config history) */
  instruction?: string;
}

/** What reports and reasons show: a provenance with its layer's digest and instruction looked up. */
export interface ShownProvenance extends Provenance {
  /** the layer's digest */
  layer?: string;
  instruction?: string;
}

/** `p` with its layer's digest and instruction looked up in `layers`; unchanged when the index is not in the list. */
export function showProvenance<T extends Provenance>(p: T, layers: readonly ImageLayer[]): T & ShownProvenance {
  const layer = p.layerIndex !== undefined ? layers[p.layerIndex] : undefined;
  if (!layer) return p;
  return { ...p, layer: layer.digest, ...(layer.instruction !== undefined && { instruction: layer.instruction }) };
}
