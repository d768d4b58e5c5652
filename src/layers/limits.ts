/**
 * What a layer may cost before the reader stops. Layers come from pull requests: a gzip bomb, a tar of millions of
 * empty entries or a 1 MB path must not take the gate down, and must not pass either. A limit hit is an error
 * finding on the layer (codes LIMIT_*), which the verdict turns into SCAN_INCOMPLETE.
 */
import type { Finding } from '../common/findings';

/** Error findings with this prefix mean some of the image was not read. */
export const LIMIT_PREFIX = 'LIMIT_';
export const LIMIT_DECOMPRESSED_BYTES = 'LIMIT_DECOMPRESSED_BYTES';
export const LIMIT_LAYER_TIME = 'LIMIT_LAYER_TIME';
export const LIMIT_ENTRIES = 'LIMIT_ENTRIES';
export const LIMIT_PATH_LENGTH = 'LIMIT_PATH_LENGTH';
/** a binary held more fatbin signatures and entry headers than MAX_FATBIN_WORK; its device code is not reported */
export const LIMIT_FATBIN_WORK = 'LIMIT_FATBIN_WORK';

/**
 * Fatbin signatures met plus entry headers read in one file before its scan gives up (2^18). Real libraries stay far
 * below: the nvcc fixtures have 1-2 containers and 1-13 entries; libcupti.so.13 and libcheckpoint.so (CUDA 13.0,
 * measured here) 3 containers, 33 entries; libcublasLt.so.13 holds ~2,775 containers (nvopen-tools) and
 * libcublasLt.so.12.8 ~6,000 cubins; libtorch_cuda.so a few ten thousand entries — 5x under the limit. A body of
 * back-to-back signatures reaches it within 2 MiB (one unit per 8 bytes) and a body of minimal containers within
 * 11 MiB (two units per 80 bytes).
 */
export const MAX_FATBIN_WORK = 1 << 18;

/**
 * How much a layer may cost to decompress. Not a ratio: a legitimate layer can compress 1000:1 (a sparse
 * /var/log/lastlog that useradd leaves, a zero-filled model file) and must never fail the gate for it, while inflating
 * a run of zeros costs about a second per GB. So a layer is bounded by what reading it actually costs: its
 * decompressed bytes (absolute) and the time spent on it. A bomb hits one of the two, never a legitimate image of
 * sane size; memory is constant either way (the reader streams).
 */
export interface DecompressionLimits {
  /** no layer is read past this many tar bytes, whatever its declared size (and when no size is declared) */
  maxDecompressedBytes: number;
  /** no layer is read for longer than this (decompression, tar walk, scans) */
  maxLayerMs: number;
}

/** Most tar bytes read from one layer. */
export function decompressedCap(limits: DecompressionLimits): number {
  return limits.maxDecompressedBytes;
}

/** A finding that says part of the image was not read: the image must not pass on what was. */
/** A layer tar that ends without its end-of-archive marker: cut short, so the read is incomplete. */
export const LAYER_TRUNCATED = 'LAYER_TRUNCATED';

export function isScanIncomplete(finding: Finding): boolean {
  return finding.severity === 'error' && (finding.code.startsWith(LIMIT_PREFIX) || finding.code === LAYER_TRUNCATED);
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${Number.isInteger(n) ? n : n.toFixed(1)} ${units[i]}`;
}
