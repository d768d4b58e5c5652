/**
 * The base branch's images (the action's baseline-images, the CLI's --baseline), paired by position with the
 * images of a report: each read and judged on the same targets, so the report says what the PR changes in the CUDA
 * stack (report/diff.ts) and in the verdicts (report/transitions.ts). A baseline that cannot be read — the base
 * branch never built that image — is a warning and a note, never a failed gate: its image is judged as new.
 */
import { isGateError, messageOf } from '../common/errors';
import { sanitizeControl } from '../common/control-chars';
import { withBaselines, type BaselineComparison } from '../report/build';
import { diffImages } from '../report/diff';
import type { Report } from '../report/types';
import { judge } from '../verdict/judge';
import { analyseImage, type CheckOptions } from './check';

export interface BaselineOutcome {
  report: Report;
  /** one line each, for the log: unreadable baselines, baselines without an image to pair with */
  warnings: string[];
}

export async function compareWithBaselines(
  report: Report,
  baselines: string[],
  opts: Pick<CheckOptions, 'targets' | 'policy' | 'matrix' | 'platform' | 'onProgress' | 'scan' | 'cache' | 'registry' | 'seek' | 'jobs'>,
): Promise<BaselineOutcome> {
  const cmp: BaselineComparison = { pairs: [], results: [], changes: [], missing: [] };
  const warnings: string[] = [];
  const judged = new Set<string>();
  for (const [i, img] of report.images.entries()) {
    const baseline = baselines[i];
    if (baseline === undefined) break;
    let analysed;
    try {
      analysed = await analyseImage(baseline, opts);
    } catch (e) {
      const message = oneLine(e);
      cmp.missing.push({ image: img.source, baseline, message });
      warnings.push(`the baseline image ${baseline} (for ${img.source}) could not be read, so ${img.source} is judged as a new image: ${message}`);
      continue;
    }
    cmp.pairs.push({ image: img.source, baseline });
    cmp.changes.push(...diffImages(analysed.image, img));
    // the same baseline paired twice is judged once
    if (judged.has(baseline)) continue;
    judged.add(baseline);
    for (const target of opts.targets) {
      cmp.results.push(judge({ image: baseline, requirement: analysed.requirement, target, policy: opts.policy }, opts.matrix));
    }
  }
  if (baselines.length > report.images.length) {
    const extra = baselines.slice(report.images.length);
    warnings.push(
      `${extra.length} baseline image(s) have no image to pair with (baselines pair by position with the images) and were not read: ${extra.join(', ')}`,
    );
  }
  return { report: withBaselines(report, cmp), warnings };
}

/** The error as one line: a GateError's message and fix, anything else its message (line breaks folded, controls escaped). */
function oneLine(e: unknown): string {
  if (isGateError(e)) return e.toLine();
  return sanitizeControl(messageOf(e).replace(/\s*[\r\n\u2028\u2029]+\s*/g, ' '), { as: 'escape' });
}
