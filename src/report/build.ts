/** Assembles the JSON report from per-image analysis and per-target results. */
import { cudaForDriver } from '../matrix/queries';
import type { Matrix } from '../matrix/types';
import { gatePasses, type Policy } from '../model/policy';
import type { Target } from '../model/target';
import { TOOL_VERSION } from '../model/tool-version';
import { worst, type Verdict } from '../model/verdict';
import type { Result } from '../verdict/types';
import type { Report, ReportImage, ReportTarget } from './types';

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

export function buildReport(images: ReportImage[], results: Result[], targets: Target[], policy: Policy, matrix: Matrix): Report {
  const count = (v: Verdict) => results.filter((r) => r.verdict === v).length;
  const verdict = worst(results.map((r) => r.verdict));
  return {
    schemaVersion: 1,
    tool: { name: 'cuda-gate', version: TOOL_VERSION },
    matrix: {
      version: matrix.meta.version,
      date: matrix.meta.date,
      ...(matrix.overrides?.length ? { overrides: matrix.overrides.map((o) => ({ ...o })) } : {}),
    },
    policy: { failOn: policy.failOn, noCuda: policy.noCuda },
    targets: targets.map((t) => reportTarget(t, matrix)),
    images,
    results,
    summary: { pass: count('pass'), caveat: count('caveat'), fail: count('fail'), verdict, gatePassed: gatePasses(verdict, policy.failOn) },
  };
}
