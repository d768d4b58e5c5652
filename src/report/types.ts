/** Stage 6 — the JSON report (contract: design.md; fields may be added, never removed or renamed). */
import type { Finding } from '../common/findings';
import type { Evidence } from '../evidence/types';
import type { MatrixOverride } from '../matrix/types';
import type { GpuTargets } from '../model/gpu-code';
import type { FailOn, NoCudaPolicy, PolicyDiff, PolicySource } from '../model/policy';
import type { Provenance, ShownProvenance } from '../model/provenance';
import type { Verdict } from '../model/verdict';
import type { Result } from '../verdict/types';
import type { WaiverStanding } from '../verdict/waivers';

export interface ReportNeed {
  cuda: string;
  level: 'release' | 'family' | 'major';
  releases: string[];
  minDriver?: string;
  unknown: boolean;
  unconfirmed: boolean;
}

/** Evidence as the report shows it: its layer's digest and instruction looked up in the image's layer list. */
export type ReportEvidence = Evidence & ShownProvenance;

/** One binary with GPU code (its layer's instruction looked up); `source`: "fatbin", or where a framework's build info was read. */
export interface ReportGpuBinary extends Provenance, Pick<ShownProvenance, 'instruction'>, GpuTargets {
  path: string;
  /** PTX ISA versions of its PTX entries */
  ptxIsa?: string[];
  source: string;
}

/** GPU code found in the image's binaries (fatbins, framework build info); absent when none was found. sass, ptx: the union over the binaries. */
export interface ReportGpuCode extends GpuTargets {
  binaries: ReportGpuBinary[];
  /** the most demanding PTX: the driver a GPU covered only by PTX needs to JIT it */
  ptxJit?: { isa?: string; cuda?: string; minDriver?: string; beyondKnown?: boolean; unconfirmed?: boolean };
}

export interface ReportImage {
  source: string;
  /** how the source was read (docker-daemon, docker-archive, oci-archive, oci, docker); `formFromContent`: a bare path whose form was read from what it holds */
  form?: string;
  formFromContent?: boolean;
  ref: string;
  digest?: string;
  platform: string;
  cuda: { runtime?: string; major?: number; release?: string } | null;
  requirement: {
    minDriver?: string;
    minorCompatDriver?: string;
    majors: number[];
    needs: ReportNeed[];
    forwardCompat?: { compatDriver?: string; cuda?: string; branches: number[] };
    require: { name: string; value: string; synthesized?: boolean; errors?: string[] }[];
    requireDisabled: boolean;
    gpuCode?: ReportGpuCode;
    /** the minimum CUDA the image's conda/pixi environment declares its driver must report */
    declaredCuda?: string;
  };
  evidence: ReportEvidence[];
  findings: Finding[];
  layers: { index: number; digest: string; instruction?: string; entries: number; bytes: number }[];
  /**
   * How the image was read. mode config: no layer opened (a FILES_NOT_READ finding says so). layersRead: layers
   * opened and analysed; layersFromCache: layers whose analysis came from the per-layer cache; bytesRead: their
   * uncompressed tar bytes (layers read only).
   */
  scan: {
    mode: 'full' | 'config';
    layersRead: number;
    layersFromCache?: number;
    bytesRead: number;
    /** layers of the read that were read by offset (uncompressed, in a file), and the bytes those reads took */
    byOffset?: { layers: number; bytesRead: number };
    seconds: number;
  };
  /** merged reports: the other source strings this same image (digest and platform) was gated under */
  aliases?: string[];
  /** the base branch's image it was compared with (baseline-images, --baseline), when that image could be read */
  baseline?: string;
}

export interface ReportTarget {
  name: string;
  driver: string;
  /** CUDA version the driver supports, per the matrix */
  cuda: string;
  gpu?: { input: string; name?: string; computeCapability: string; architecture?: string; datacenter?: boolean };
  forwardCompat: boolean;
  os: string;
  /** the container runtime the target declared (legacy | cdi); absent: not stated, both were judged */
  runtime?: string;
}

/** One image × target whose verdict differs from its baseline's (the base branch's image on the same target). */
export interface Transition {
  /** current image's source string */
  image: string;
  baseline: string;
  target: string;
  /** the baseline's verdict */
  from: Verdict;
  /** the current image's verdict */
  to: Verdict;
  /** the decisive reason code of the new verdict: its first reason with that verdict (none when the new verdict is pass) */
  code?: string;
}

/** One thing a pull request changed relative to the baseline image (baseline-images input). */
export interface Change {
  /** current image's source string */
  image: string;
  baseline: string;
  kind: 'driver-floor' | 'runtime' | 'component-added' | 'component-removed' | 'component-changed' | 'cuda-major' | 'forward-compat' | 'gpu-code' | 'verdict';
  /** one line a reviewer reads: "raises the driver floor from 525.60.13 to 550.54.15" */
  text: string;
  /** whether it makes the image harder to deploy */
  direction: 'worse' | 'better' | 'neutral';
}

export interface Report {
  schemaVersion: 1;
  tool: { name: 'cuda-gate'; version: string };
  /** the shipped matrix's data version and date; `overrides`: the user's rows merged over it, when any */
  matrix: { version: string; date: string; overrides?: MatrixOverride[] };
  /**
   * failOnNew: set (true) when only results worse than their baseline fail the gate. source: whose targets file gated
   * (a pull request: its base commit's); changes: what the pull request changes in it (applies once merged);
   * waivers: the targets file's waivers, each with what it matched.
   */
  policy: { failOn: FailOn; noCuda: NoCudaPolicy; failOnNew?: boolean; source?: PolicySource; changes?: PolicyDiff; waivers?: WaiverStanding[] };
  targets: ReportTarget[];
  images: ReportImage[];
  results: Result[];
  /**
   * worsened: with baselines given, how many results got worse than their baseline (an image without a readable
   * baseline counts each result that fails the policy); under fail-on-new only those decide gatePassed.
   */
  summary: { pass: number; caveat: number; fail: number; verdict: Verdict; gatePassed: boolean; worsened?: number; waived?: number };
  /** what the PR changed against baseline-images, when given */
  changes?: Change[];
  /** the image × target verdicts that differ from the baseline's, when baselines were given (unchanged ones are left out) */
  transitions?: Transition[];
  /** baseline images that could not be read (the base branch never built one, …): their images are judged as new */
  baselineMissing?: string[];
  /** what a reader must know about how this report was put together (merged reports: version mismatches, renamed rows) */
  notes?: string[];
  /** a merged report: the reports it was merged from, in order */
  mergedFrom?: MergedReportSource[];
}

/** One report a merged report was made from. */
export interface MergedReportSource {
  /** the file (or artifact/file) it was read from */
  name: string;
  tool: string;
  matrix: string;
  images: number;
  targets: number;
}
