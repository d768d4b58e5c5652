/** Layers may be read in parallel, but never more than two at once, and results always come back base first. */
import { join } from 'node:path';
import { mapInOrder } from '../../src/sources/in-order';
import { openImage } from '../../src/sources/open';
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
  test('reads layers two at a time and returns results in manifest order', async () => {
    const dir = join(tempDir(), 'oci');
    await writeOciImage(dir, { layers: [0, 1, 2, 3, 4].map((i) => ({ [`f${i}`]: String(i) })) });
    const image = await openImage({ raw: `oci:${dir}`, kind: 'oci', path: dir });
    let inFlight = 0;
    let most = 0;
    const { results } = await image.readLayers(async (layer, tar) => {
      most = Math.max(most, ++inFlight);
      const ended = new Promise((r) => tar.on('end', r));
      tar.resume();
      await sleep(layer.index === 0 ? 40 : 5); // the base layer finishes last
      await ended;
      inFlight--;
      return layer.index;
    });
    expect(results).toEqual([0, 1, 2, 3, 4]);
    expect(most).toBe(2);
  });
});
