/** Layers may be read in parallel, but never more than asked (--jobs) at once, and results always come back base first. */
import { join } from 'node:path';
import { mapInOrder } from '../../src/sources/in-order';
import { openImage } from '../../src/sources/open';
import { defaultLayerJobs } from '../../src/sources/file-image';
import { layersInFlight } from '../helpers/layer-concurrency';
import { writeOciImage } from '../helpers/oci-layout';
import { tempDir } from '../helpers/tmp';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('mapInOrder', () => {
  test('keeps order whatever order the work finishes in, with at most `limit` in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const out = await mapInOrder([50, 10, 30, 0, 20], 2, async (ms, i) => {
      most = Math.max(most, ++inFlight);
      await sleep(ms);
      inFlight--;
      return i;
    });
    expect(out).toEqual([0, 1, 2, 3, 4]);
    expect(most).toBe(2);
  });

  test('the first failure rejects and no new work starts', async () => {
    const started: number[] = [];
    const run = mapInOrder([0, 1, 2, 3], 1, async (x) => {
      started.push(x);
      if (x === 1) throw new Error('boom');
      return x;
    });
    await expect(run).rejects.toThrow('boom');
    expect(started).toEqual([0, 1]);
  });
});

describe('Image.readLayers over files', () => {
  test('reads at most --jobs layers at a time (default: the CPU count) and returns results in manifest order', async () => {
    const dir = join(tempDir(), 'oci');
    await writeOciImage(dir, { layers: [0, 1, 2, 3, 4].map((i) => ({ [`f${i}`]: String(i) })) });
    const image = await openImage({ raw: `oci:${dir}`, kind: 'oci', path: dir });
    const delays = { base: 40, others: 5 };
    expect(await layersInFlight(image, delays, { jobs: 2 })).toEqual({ most: 2, results: [0, 1, 2, 3, 4] });
    expect(await layersInFlight(image, delays, { jobs: 1 })).toEqual({ most: 1, results: [0, 1, 2, 3, 4] });
    expect(await layersInFlight(image, delays)).toEqual({ most: Math.min(defaultLayerJobs(), 5), results: [0, 1, 2, 3, 4] });
  });
});
