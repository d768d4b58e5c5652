/** Whether the image was read completely: a verdict on part of an image must not pass a required check. */
import type { Finding } from '../common/findings';
import type { LayerLimits } from '../layers/analyse-layer';
import { formatBytes, isScanIncomplete, MAX_FATBIN_WORK } from '../layers/limits';
import type { Reason } from './types';

/** `limits`: what the layer reader applied to this image (quoted in the remedy), when layers were read. */
export function checkScanComplete(findings: readonly Finding[], limits?: LayerLimits): Reason[] {
  const hits = findings.filter(isScanIncomplete);
  if (hits.length === 0) return [];
  const first = hits[0];
  const where = first.layer !== undefined ? `layer ${first.layer}` : 'a layer';
  const more = hits.length > 1 ? ` (and ${hits.length - 1} more limit hit${hits.length > 2 ? 's' : ''})` : '';
  const l = limits;
  const quoted = l
    ? ` (limits per layer: ${formatBytes(l.maxDecompressedBytes)} decompressed, ${Math.round(l.maxLayerMs / 60000)} min, ${l.maxEntries} entries per layer, ${l.maxPathBytes}-byte paths, ${MAX_FATBIN_WORK} fatbin signatures and entry headers per binary)`
    : '';
  return [
    {
      code: 'SCAN_INCOMPLETE',
      verdict: 'fail',
      message: `the image was not read completely: ${where} hit ${first.code}: ${first.message}${more}; a verdict on the part that was read could hide what the rest holds`,
      remedy: `check the image; if the layer is legitimate, report it${quoted}`,
      origin: hits.map((f) => ({ ...(f.layer !== undefined && { layer: f.layer }), ...(f.path !== undefined && { path: f.path }) })),
    },
  ];
}
