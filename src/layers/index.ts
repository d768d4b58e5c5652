/** Stage 2 entry points: analyse each layer on its own, then merge them into the image's final filesystem. */
export * from './types';
export { analyseLayer, DEFAULT_LAYER_LIMITS, type LayerIdentity, type LayerLimits } from './analyse-layer';
export { mergeLayers, MAX_SYMLINK_HOPS } from './merge';
export { instructionOf, layerInstructions } from './history';
export { basenameOf, dirnameOf, displayPath, isAtOrUnder, joinPath, normaliseEntryName, normalisePath, resolveLinkTarget, splitPath } from './paths';
