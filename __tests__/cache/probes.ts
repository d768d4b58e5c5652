/**
 * What a scan really touched, counted where it happens: layers analysed (analyseLayer streaming, analyseLayerAt by
 * offset), layer blobs opened (decompressedTar, which every streamed layer goes through, or the seek path), and
 * daemon exports (dockerode's Image#get). Each count fails its test if the cache's protection is removed.
 */
import * as analyseModule from '../../src/layers/analyse-layer';
import * as analyseAtModule from '../../src/layers/analyse-layer-at';
import * as decompressModule from '../../src/sources/decompress';
import type { Report, ReportImage } from '../../src/report/types';

// dockerode has no types for its internal modules; Image#get is the export (`docker save`) call
const DockerodeImage = require('dockerode/lib/image') as { prototype: { get: (...args: unknown[]) => unknown } };

export interface ReadProbe {
  readonly analysed: number;
  readonly opened: number;
  readonly exports: number;
  reset(): void;
  restore(): void;
}

export function probeReads(): ReadProbe {
  const analyse = jest.spyOn(analyseModule, 'analyseLayer');
  const analyseAt = jest.spyOn(analyseAtModule, 'analyseLayerAt');
  const open = jest.spyOn(decompressModule, 'decompressedTar');
  const exp = jest.spyOn(DockerodeImage.prototype, 'get');
  return {
    get analysed() {
      return analyse.mock.calls.length + analyseAt.mock.calls.length;
    },
    get opened() {
      return open.mock.calls.length + analyseAt.mock.calls.length;
    },
    get exports() {
      return exp.mock.calls.length;
    },
    reset() {
      for (const s of [analyse, analyseAt, open, exp]) s.mockClear();
    },
    restore() {
      for (const s of [analyse, analyseAt, open, exp]) s.mockRestore();
    },
  };
}

/** An image's report without what legitimately differs between two scans of it (timing, where results came from). */
export function comparable(image: ReportImage): Omit<ReportImage, 'scan'> {
  const { scan: _scan, ...rest } = image;
  return rest;
}

/** A whole report the same way: images without their scan stats, results and summary as they are. */
export function comparableReport(report: Report): unknown {
  return { images: report.images.map(comparable), results: report.results, summary: report.summary };
}
