/**
 * The one pipeline both shells run: source -> layers -> evidence -> requirement -> verdict -> report.
 * This module only composes the stages; each stage's logic lives in its own folder.
 */
import type { Finding } from '../common/findings';
import { detectEvidence } from '../evidence/detect';
import { evidenceInterest } from '../evidence/interests';
import { analyseLayer } from '../layers/analyse-layer';
import { mergeLayers } from '../layers/merge';
import type { LayerResult } from '../layers/types';
import type { Matrix } from '../matrix/types';
import { buildReport } from '../report/build';
import { reportGpuCode } from '../report/gpu-code';
import type { Report, ReportImage } from '../report/types';
import { deriveRequirement } from '../requirement/derive';
import type { ImageRequirement } from '../requirement/types';
import { openImage } from '../sources/open';
import { parseSourceRef } from '../sources/ref';
import type { Platform } from '../sources/types';
import type { Policy, Target } from '../targets/types';
import { judge } from '../verdict/judge';
import type { Result } from '../verdict/types';

export interface Progress {
  image: string;
  phase: 'open' | 'layer' | 'done';
  layer?: number;
  layers?: number;
  bytes?: number;
}

export interface CheckOptions {
  sources: string[];
  targets: Target[];
  policy: Policy;
  matrix: Matrix;
  platform?: Platform;
  onProgress?: (p: Progress) => void;
}

export interface AnalysedImage {
  image: ReportImage;
  requirement: ImageRequirement;
}

export async function checkImages(opts: CheckOptions): Promise<Report> {
  const images: ReportImage[] = [];
  const results: Result[] = [];
  for (const source of opts.sources) {
    const analysed = await analyseImage(source, opts);
    images.push(analysed.image);
    for (const target of opts.targets) {
      results.push(judge({ image: source, requirement: analysed.requirement, target, policy: opts.policy }, opts.matrix));
    }
  }
  return buildReport(images, results, opts.targets, opts.policy, opts.matrix);
}

export async function analyseImage(source: string, opts: Pick<CheckOptions, 'matrix' | 'platform' | 'onProgress'>): Promise<AnalysedImage> {
  const started = Date.now();
  const ref = parseSourceRef(source);
  opts.onProgress?.({ image: source, phase: 'open' });
  const image = await openImage(ref, { platform: opts.platform });
  let bytes = 0;
  let done = 0;
  const { results: layerResults, config } = await image.readLayers<LayerResult>(async (layer, tar) => {
    // pass the descriptor itself: a daemon export may only learn the layer digest at the end of its stream
    const result = await analyseLayer(tar, layer.descriptor, evidenceInterest);
    bytes += result.tarBytes;
    done++;
    opts.onProgress?.({ image: source, phase: 'layer', layer: done, layers: image.layers.length, bytes });
    return result;
  });
  // no layer is skipped yet, so every slot holds a result
  const view = mergeLayers(layerResults as LayerResult[], config.history);
  const detected = detectEvidence(config, view, opts.matrix);
  const findings: Finding[] = [...view.findings, ...detected.findings];
  const requirement = deriveRequirement({ evidence: detected.evidence, require: detected.requirements, findings }, opts.matrix);
  opts.onProgress?.({ image: source, phase: 'done' });

  const platform = [image.platform.os, image.platform.architecture, image.platform.variant].filter(Boolean).join('/');
  return {
    requirement,
    image: {
      source,
      ref: image.ref,
      digest: image.digest,
      platform,
      cuda: requirement.runtime ? { runtime: requirement.runtime.version, major: requirement.runtime.major, release: requirement.runtime.release } : null,
      requirement: {
        minDriver: requirement.minDriver,
        minorCompatDriver: requirement.minorCompatDriver,
        majors: requirement.majors,
        needs: requirement.needs.map((n) => ({ cuda: n.cuda, level: n.level, releases: n.releases, minDriver: n.minDriver, unknown: n.unknown, unconfirmed: n.unconfirmed })),
        forwardCompat: requirement.forwardCompat
          ? { compatDriver: requirement.forwardCompat.compatDriver, cuda: requirement.forwardCompat.cuda, branches: requirement.forwardCompat.branches }
          : undefined,
        require: requirement.require.expressions.map((e) => ({ name: e.name, value: e.raw, synthesized: e.synthesized || undefined, errors: e.errors.length ? e.errors : undefined })),
        requireDisabled: requirement.require.disabled,
        gpuCode: reportGpuCode(requirement.gpuCode),
        declaredCuda: requirement.declaredCuda?.cuda,
      },
      evidence: detected.evidence,
      findings: requirement.findings,
      layers: view.layers.map((l) => ({ index: l.index, digest: l.digest, instruction: l.instruction, entries: l.entryCount, bytes: l.tarBytes })),
      scan: { mode: 'full', layersRead: layerResults.length, bytesRead: bytes, seconds: (Date.now() - started) / 1000 },
    },
  };
}
