/** Small hand-made reports for the merge tests: one image row or target column is one line of a test. */
import { TOOL_VERSION } from '../../src/model/tool-version';
import type { Report, ReportImage, ReportTarget } from '../../src/report/types';
import type { Verdict } from '../../src/model/verdict';
import type { Result } from '../../src/verdict/types';

export const DIGEST_A = `sha256:${'a'.repeat(64)}`;
export const DIGEST_B = `sha256:${'b'.repeat(64)}`;

export function image(source: string, digest?: string, extra: Partial<ReportImage> = {}): ReportImage {
  return {
    source,
    ref: source.replace(/^[a-z-]+:/, ''),
    ...(digest ? { digest } : {}),
    platform: 'linux/amd64',
    cuda: { runtime: '12.4.127', major: 12, release: '12.4.1' },
    requirement: { minDriver: '550.54.15', minorCompatDriver: '525.60.13', majors: [12], needs: [], require: [], requireDisabled: false },
    evidence: [],
    findings: [],
    layers: [],
    scan: { mode: 'full', layersRead: 1, bytesRead: 100, seconds: 0.01 },
    ...extra,
  };
}

export function target(name: string, driver: string, gpu?: string): ReportTarget {
  return {
    name,
    driver,
    cuda: '12.4',
    ...(gpu ? { gpu: { input: gpu, name: gpu, computeCapability: '8.0' } } : {}),
    forwardCompat: false,
    os: 'linux',
  };
}

export function result(img: string, tgt: string, verdict: Verdict): Result {
  return {
    image: img,
    target: tgt,
    verdict,
    reasons: verdict === 'pass' ? [] : [{ code: verdict === 'fail' ? 'DRIVER_TOO_OLD' : 'MINOR_VERSION_COMPAT', verdict, message: `${img} on ${tgt}` }],
  };
}

/** A report of `images` × `targets` with the given verdicts (default pass), as a check would write it. */
export function report(images: ReportImage[], targets: ReportTarget[], verdicts: Record<string, Verdict> = {}, extra: Partial<Report> = {}): Report {
  const results = images.flatMap((i) => targets.map((t) => result(i.source, t.name, verdicts[`${i.source} ${t.name}`] ?? 'pass')));
  return {
    schemaVersion: 1,
    tool: { name: 'cuda-gate', version: TOOL_VERSION },
    matrix: { version: '2026.11.23', date: '2026-11-23' },
    policy: { failOn: 'fail', noCuda: 'warn' },
    targets,
    images,
    results,
    // deliberately stale: the merge recomputes it
    summary: { pass: 0, caveat: 0, fail: 0, verdict: 'pass', gatePassed: true },
    ...extra,
  };
}
