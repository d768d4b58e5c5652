/** Stage 1 entry points: parse what the user typed, open the image it names. */
export * from './types';
export { parseSourceRef, isDockerReference } from './ref';
export { openImage } from './open';
export { DEFAULT_PLATFORM, formatPlatform, parsePlatform, platformMatches } from './platform';
export { sniffCompression, decompressedTar, type Compression } from './decompress';
export { parseImageConfig, parseEnv, MAX_JSON_BYTES } from './config';
export { registryStats, resetRegistryStats, type RegistryStats } from './registry/stats';
