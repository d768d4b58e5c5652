import type { Image, ReadLayersOptions } from '../../src/sources/types';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Reads every layer of `image`, the base layer slowest (it finishes last), and reports the most layers that were in
 * flight at once and the results in the order readLayers returned them.
 */
export async function layersInFlight(
  image: Image,
  delays: { base: number; others: number },
  opts?: ReadLayersOptions<number>,
): Promise<{ most: number; results: unknown[] }> {
  let inFlight = 0;
  let most = 0;
  const { results } = await image.readLayers(async (layer, tar) => {
    most = Math.max(most, ++inFlight);
    const ended = new Promise((r) => tar.on('end', r));
    tar.resume();
    await sleep(layer.index === 0 ? delays.base : delays.others);
    await ended;
    inFlight--;
    return layer.index;
  }, opts);
  return { most, results };
}
