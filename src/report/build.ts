/** Assembles the JSON report from per-image analysis and per-target results. */
import { cudaForDriver } from '../matrix/queries';
import type { Matrix } from '../matrix/types';
import { gatePassesWith, type Policy } from '../model/policy';
import type { Target } from '../model/target';
import { TOOL_VERSION } from '../model/tool-version';
import { worst, type Verdict } from '../model/verdict';
import type { Result } from '../verdict/types';
import { applyWaivers, todayUtc } from '../verdict/waivers';
import { verdictTransitions, worsened, type BaselinePair } from './transitions';
import type { Change, Report, ReportImage, ReportTarget } from './types';

export function reportTarget(t: Target, matrix: Matrix): ReportTarget {
  return {
    name: t.name,
    driver: t.driver,
    cuda: cudaForDriver(matrix, t.driver).cuda,
    gpu: t.gpu
      ? {
          input: t.gpu.input,
          name: t.gpu.gpu?.name,
          computeCapability: t.gpu.computeCapability,
          architecture: t.gpu.architecture,
          datacenter: t.gpu.datacenter,
        }
      : undefined,
    forwardCompat: t.forwardCompat,
    os: t.os,
    ...(t.runtime && { runtime: t.runtime }),
  };
}

export interface BuildOptions {
  /** today's date in UTC (YYYY-MM-DD), for waivers' expiry; default: the clock's */
  today?: string;
}

export function buildReport(images: ReportImage[], judged: Result[], targets: Target[], policy: Policy, matrix: Matrix, opts: BuildOptions = {}): Report {
  // waivers mark results (verdicts stay): a waived result is shown as such and does not gate
  const waivers = policy.waivers?.length ? applyWaivers(judged, images, policy.waivers, opts.today ?? todayUtc()) : undefined;
  const results = waivers?.results ?? judged;
  const count = (v: Verdict) => results.filter((r) => r.verdict === v).length;
  const verdict = worst(results.map((r) => r.verdict));
  const gating = results.filter((r) => !r.waived);
  return {
    schemaVersion: 1,
    tool: { name: 'cuda-gate', version: TOOL_VERSION },
    matrix: {
      version: matrix.meta.version,
      date: matrix.meta.date,
      ...(matrix.overrides?.length ? { overrides: matrix.overrides.map((o) => ({ ...o })) } : {}),
    },
    policy: {
      failOn: policy.failOn,
      noCuda: policy.noCuda,
      ...(policy.failOnNew && { failOnNew: true }),
      ...(waivers && { waivers: waivers.waivers }),
    },
    targets: targets.map((t) => reportTarget(t, matrix)),
    images,
    results,
    // no baseline yet: every image is new, and under fail-on-new a new image's failing results are what count
    summary: {
      pass: count('pass'),
      caveat: count('caveat'),
      fail: count('fail'),
      verdict,
      gatePassed: gatePassesWith(policy, gating, gating),
      ...(waivers && { waived: waivers.waived }),
    },
    ...(waivers?.warnings.length && { notes: waivers.warnings }),
  };
}

/** The base branch's images, read and judged (engine/baseline.ts), for the report of the PR's images. */
export interface BaselineComparison {
  /** each current image whose baseline could be read, and that baseline's source */
  pairs: BaselinePair[];
  /** the baseline images' results on the same targets */
  results: Result[];
  /** what the PR changed in each pair's CUDA stack (report/diff.ts) */
  changes: Change[];
  /** baselines that could not be read: their images are judged as new */
  missing: { image: string; baseline: string; message: string }[];
}

/**
 * The report with its baselines: each compared image names its baseline, `changes`, `transitions` (verdicts that
 * differ), `baselineMissing` and a note per unreadable baseline, `summary.worsened`, and gatePassed by the policy
 * (fail-on-new: only results worse than their baseline count).
 */
export function withBaselines(report: Report, cmp: BaselineComparison): Report {
  const baselineOf = new Map(cmp.pairs.map((p) => [p.image, p.baseline]));
  const notes = [
    ...(report.notes ?? []),
    ...cmp.missing.map((m) => `the baseline image ${m.baseline} (for ${m.image}) could not be read, so ${m.image} is judged as a new image: ${m.message}`),
  ];
  const next: Report = {
    ...report,
    images: report.images.map((img) => (baselineOf.has(img.source) ? { ...img, baseline: baselineOf.get(img.source)! } : img)),
    changes: cmp.changes,
    transitions: verdictTransitions(report.results, cmp.results, cmp.pairs),
    ...(cmp.missing.length && { baselineMissing: cmp.missing.map((m) => m.baseline) }),
    ...(notes.length && { notes }),
  };
  const worse = worsened(next);
  // a waived result gates neither way
  const gating = (rs: Result[]) => rs.filter((r) => !r.waived);
  next.summary = { ...report.summary, worsened: worse.length, gatePassed: gatePassesWith(report.policy, gating(report.results), gating(worse)) };
  return next;
}
