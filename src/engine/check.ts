/**
 * The one pipeline both shells run: source -> layers -> evidence -> requirement -> verdict -> report.
 * This module only composes the stages; each stage's logic lives in its own folder.
 */
import type { LayerCache } from '../cache/layer-cache';
import { messageOf } from '../common/errors';
import type { Finding } from '../common/findings';
import { detectEvidence } from '../evidence/detect';
import { evidenceInterest } from '../evidence/interests';
import { mergeLayers } from '../layers/merge';
import type { FileSystemView } from '../layers/types';
import type { Matrix } from '../matrix/types';
import { buildReport } from '../report/build';
import { reportGpuCode } from '../report/gpu-code';
import type { Report, ReportImage } from '../report/types';
import { deriveRequirement } from '../requirement/derive';
import type { ImageRequirement } from '../requirement/types';
import { openImage } from '../sources/open';
import { parseSourceRef } from '../sources/ref';
import type { Image, Platform, RegistryOptions } from '../sources/types';
import type { Policy } from '../model/policy';
import { showProvenance } from '../model/provenance';
import type { Target } from '../model/target';
import { judge } from '../verdict/judge';
import type { Result } from '../verdict/types';
import { readLayersFor, readLayersThroughCache, type LayersRead } from './cached-layers';
import { linkTargetInterest, unreadLinkTargets, withLinkTargets } from './link-targets';

/** What a scan is doing (CheckOptions.onProgress; engine/progress.ts shows it). */
export interface Progress {
  image: string;
  /** layer: a layer was read, or a streamed layer's bytes arrived */
  phase: 'open' | 'layer' | 'done';
  /** layers read so far */
  layer?: number;
  /** layers to read (those the cache does not hold) */
  layers?: number;
  /** uncompressed tar bytes read so far, layers in progress included */
  bytes?: number;
}

/** full: config and files; config: the image config alone, no layer opened (fast, and says what it did not check) */
export type ScanMode = 'full' | 'config';

export interface CheckOptions {
  sources: string[];
  targets: Target[];
  policy: Policy;
  matrix: Matrix;
  platform?: Platform;
  onProgress?: (p: Progress) => void;
  /** default full */
  scan?: ScanMode;
  /** per-layer cache (openLayerCache); none: every layer is read */
  cache?: LayerCache;
  /** how docker:// sources reach their registry */
  registry?: RegistryOptions;
  /** read uncompressed layers in archives and layouts by offset (default true); false streams every byte */
  seek?: boolean;
  /** layers read at once from archives and layouts (default: CPU count, at most 8) */
  jobs?: number;
}

/** An image without layers has no files: whatever it is judged on comes from its config, and the report says so. */
export const NO_LAYERS: Finding = Object.freeze({
  code: 'NO_LAYERS',
  severity: 'warning',
  message: 'the image has no layers: it carries no files, so only its config (env, labels) was judged',
});

/** Shown on every image checked with --scan config, so nobody mistakes its verdict for a full one. */
export const FILES_NOT_READ: Finding = Object.freeze({
  code: 'FILES_NOT_READ',
  severity: 'warning',
  message:
    'files were not read (--scan config): libraries, packages and GPU code are not checked; the verdict rests on the image config (env, labels, NVIDIA_REQUIRE_*) alone',
});

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
  pruneCache(opts.cache);
  return buildReport(images, results, opts.targets, opts.policy, opts.matrix);
}

export async function analyseImage(
  source: string,
  opts: Pick<CheckOptions, 'matrix' | 'platform' | 'onProgress' | 'scan' | 'cache' | 'registry' | 'seek' | 'jobs'>,
): Promise<AnalysedImage> {
  const started = Date.now();
  const ref = parseSourceRef(source);
  opts.onProgress?.({ image: source, phase: 'open' });
  const image = await openImage(ref, { platform: opts.platform, registry: opts.registry });
  const mode = opts.scan ?? 'full';
  const read: LayersRead =
    mode === 'config'
      ? { results: [], config: image.config, layersRead: 0, layersFromCache: 0, bytesRead: 0, byOffset: { layers: 0, bytesRead: 0 } }
      : await readLayersThroughCache(image, {
          cache: opts.cache,
          seek: opts.seek,
          jobs: opts.jobs,
          onLayer: (layer, bytes, of) => opts.onProgress?.({ image: source, phase: 'layer', layer, layers: of, bytes }),
        });
  const view = await withLinkTargetsRead(image, read, opts);
  const detected = detectEvidence(read.config, view, opts.matrix);
  const findings: Finding[] = [
    ...(mode === 'config' ? [{ ...FILES_NOT_READ }] : []),
    ...(image.layers.length === 0 ? [{ ...NO_LAYERS }] : []),
    ...view.findings,
    ...detected.findings,
  ];
  const requirement = deriveRequirement(
    {
      evidence: detected.evidence,
      require: detected.requirements,
      findings,
      layers: view.layers,
      ...(read.limits && { scanLimits: read.limits }),
      // step 2 of a start: the dynamic loader over the final filesystem (nothing to resolve without files)
      ...(mode !== 'config' && {
        loader: { view, env: read.config.env, architecture: read.config.architecture ?? image.platform.architecture, entrypoint: read.config.entrypoint },
      }),
    },
    opts.matrix,
  );
  opts.onProgress?.({ image: source, phase: 'done' });

  const platform = [image.platform.os, image.platform.architecture, image.platform.variant].filter(Boolean).join('/');
  return {
    requirement,
    image: {
      source,
      form: ref.kind,
      ...(ref.sniffed && { formFromContent: true }),
      ref: image.ref,
      digest: image.digest,
      platform,
      cuda: requirement.runtime ? { runtime: requirement.runtime.version, major: requirement.runtime.major, release: requirement.runtime.release } : null,
      requirement: {
        minDriver: requirement.minDriver,
        minorCompatDriver: requirement.minorCompatDriver,
        majors: requirement.majors,
        needs: requirement.needs.map((n) => ({
          cuda: n.cuda,
          level: n.level,
          releases: n.releases,
          minDriver: n.minDriver,
          unknown: n.unknown,
          unconfirmed: n.unconfirmed,
        })),
        forwardCompat: requirement.forwardCompat
          ? { compatDriver: requirement.forwardCompat.compatDriver, cuda: requirement.forwardCompat.cuda, branches: requirement.forwardCompat.branches }
          : undefined,
        require: requirement.require.expressions.map((e) => ({
          name: e.name,
          value: e.raw,
          synthesized: e.synthesized || undefined,
          errors: e.errors.length ? e.errors : undefined,
        })),
        requireDisabled: requirement.require.disabled,
        gpuCode: reportGpuCode(requirement.gpuCode, view.layers),
        declaredCuda: requirement.declaredCuda?.cuda,
      },
      // the JSON carries each item's layer digest and instruction: looked up here, at the report's edge
      evidence: detected.evidence.map((e) => showProvenance(e, view.layers)),
      findings: requirement.findings,
      layers: view.layers.map((l) => ({ index: l.index, digest: l.digest, instruction: l.instruction, entries: l.entryCount, bytes: l.tarBytes })),
      scan: {
        mode,
        layersRead: read.layersRead,
        layersFromCache: read.layersFromCache,
        bytesRead: read.bytesRead,
        ...(read.byOffset.layers > 0 && { byOffset: { ...read.byOffset } }),
        seconds: (Date.now() - started) / 1000,
      },
    },
  };
}

/**
 * The final filesystem; when interesting links lead to files the read did not keep (engine/link-targets.ts), the
 * layers are read once more for those files, so that a library is seen under every name the image gives it.
 */
async function withLinkTargetsRead(image: Image, read: LayersRead, opts: Pick<CheckOptions, 'seek' | 'jobs'>): Promise<FileSystemView> {
  const view = mergeLayers(read.results, read.config.history);
  if (read.results.length === 0) return view;
  const targets = unreadLinkTargets(view, evidenceInterest);
  if (targets.byPath.size === 0) return view;
  const second = await readLayersFor(image, linkTargetInterest(targets, evidenceInterest), opts);
  read.bytesRead += second.bytesRead;
  const merged = mergeLayers(withLinkTargets(read.results, second.results), read.config.history);
  merged.findings.push(...targets.findings);
  return merged;
}

/** Once per run, after every image: keeps the cache under its size bound. Never fails the check. */
function pruneCache(cache: LayerCache | undefined): void {
  if (!cache) return;
  try {
    cache.prune();
  } catch (err) {
    cache.log.debug(`cache: pruning ${cache.dir} failed: ${messageOf(err)}`);
  }
}
