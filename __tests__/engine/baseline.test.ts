/**
 * Verdicts against the base branch, from real OCI layouts: the baseline images judged on every target, the verdicts
 * that changed (transitions), fail-on-new, and a baseline the base branch never built.
 */
import { compareWithBaselines, type BaselineOutcome } from '../../src/engine/baseline';
import { checkImages } from '../../src/engine/check';
import { loadMatrix } from '../../src/matrix/load';
import { DEFAULT_POLICY, type Policy } from '../../src/model/policy';
import type { Target } from '../../src/model/target';
import { renderMarkdown } from '../../src/report/markdown';
import { fleetTargets, writeBaselineFixture, type BaselineFixture } from '../helpers/baseline-fixture';

const matrix = loadMatrix();
let fx: BaselineFixture;
let targets: Target[];

beforeAll(async () => {
  fx = await writeBaselineFixture();
  targets = fleetTargets(matrix);
});

async function gate(sources: string[], baselines: string[], policy: Partial<Policy> = {}): Promise<BaselineOutcome> {
  const opts = { targets, policy: { ...DEFAULT_POLICY, ...policy }, matrix };
  return compareWithBaselines(await checkImages({ sources, ...opts }), baselines, opts);
}

describe('transitions', () => {
  test('a PR that moves to CUDA 12.4: pass → fail and caveat → fail with the new verdict’s code; unchanged verdicts left out', async () => {
    const { report, warnings } = await gate([fx.cuda124], [fx.cuda118]);
    expect(warnings).toEqual([]);
    expect(report.transitions).toEqual([
      { image: fx.cuda124, baseline: fx.cuda118, target: 't4-470', from: 'caveat', to: 'fail', code: 'DRIVER_TOO_OLD' },
      { image: fx.cuda124, baseline: fx.cuda118, target: 'r520', from: 'pass', to: 'fail', code: 'DRIVER_TOO_OLD' },
      { image: fx.cuda124, baseline: fx.cuda118, target: 'r535', from: 'pass', to: 'caveat', code: 'MINOR_VERSION_COMPAT' },
    ]);
    // r450 fails before and after, r560 passes before and after: neither is a transition
    expect(report.transitions!.map((t) => t.target)).not.toContain('r450');
    expect(report.transitions!.map((t) => t.target)).not.toContain('r560');
    expect(report.images[0].baseline).toBe(fx.cuda118);
    expect(report.summary.worsened).toBe(3);
    // the stack diff is still made from the same baseline
    expect(report.changes?.[0]).toMatchObject({ kind: 'driver-floor', direction: 'worse', baseline: fx.cuda118 });
    // the results are the PR image's alone: the baseline's are not in the table
    expect(new Set(report.results.map((r) => r.image))).toEqual(new Set([fx.cuda124]));
  });

  test('the other way round: fail → pass (no code: a pass has no decisive reason), fail → caveat, caveat → pass', async () => {
    const { report } = await gate([fx.cuda118], [fx.cuda124]);
    expect(report.transitions).toEqual([
      { image: fx.cuda118, baseline: fx.cuda124, target: 't4-470', from: 'fail', to: 'caveat', code: 'MINOR_VERSION_COMPAT' },
      { image: fx.cuda118, baseline: fx.cuda124, target: 'r520', from: 'fail', to: 'pass' },
      { image: fx.cuda118, baseline: fx.cuda124, target: 'r535', from: 'caveat', to: 'pass' },
    ]);
    expect(report.summary.worsened).toBe(0);
  });

  test('the same image as its own baseline: no transition, nothing worse', async () => {
    const { report } = await gate([fx.cuda124], [fx.cuda124]);
    expect(report.transitions).toEqual([]);
    expect(report.summary.worsened).toBe(0);
  });

  test('the markdown lists the changed verdicts per image, above the table', async () => {
    const { report } = await gate([fx.cuda124], [fx.cuda118]);
    const text = renderMarkdown(report);
    expect(text).toContain('r520: pass → fail (DRIVER&#95;TOO&#95;OLD)');
    expect(text).toContain('t4-470: caveat → fail (DRIVER&#95;TOO&#95;OLD)');
    expect(text).not.toContain('r450: fail → fail');
    expect(text.indexOf('Verdicts against the base branch')).toBeLessThan(text.indexOf('| Image |'));
  });
});

describe('fail-on-new', () => {
  test('an image that already failed on the base branch and still fails passes the gate; without fail-on-new it fails', async () => {
    // 12.4 → 11.8 improves every target but r450, which fails before and after
    const plain = await gate([fx.cuda118], [fx.cuda124]);
    expect(plain.report.summary).toMatchObject({ fail: 1, verdict: 'fail', gatePassed: false });
    const onNew = await gate([fx.cuda118], [fx.cuda124], { failOnNew: true });
    expect(onNew.report.summary).toMatchObject({ fail: 1, verdict: 'fail', worsened: 0, gatePassed: true });
    expect(onNew.report.policy.failOnNew).toBe(true);
  });

  test('a newly failing image fails the gate', async () => {
    const { report } = await gate([fx.cuda124], [fx.cuda118], { failOnNew: true });
    expect(report.summary).toMatchObject({ worsened: 3, gatePassed: false });
  });

  test('a result that got worse but stays below fail-on does not fail the gate', async () => {
    // r535 pass → caveat alone: the same pair judged only there
    const r535 = targets.filter((t) => t.name === 'r535');
    const opts = { targets: r535, policy: { ...DEFAULT_POLICY, failOnNew: true }, matrix };
    const { report } = await compareWithBaselines(await checkImages({ sources: [fx.cuda124], ...opts }), [fx.cuda118], opts);
    expect(report.summary).toMatchObject({ worsened: 1, verdict: 'caveat', gatePassed: true });
    const strict = { ...opts, policy: { ...opts.policy, failOn: 'caveat' as const } };
    const again = await compareWithBaselines(await checkImages({ sources: [fx.cuda124], ...strict }), [fx.cuda118], strict);
    expect(again.report.summary.gatePassed).toBe(false);
  });

  test('an image without a baseline is new: it fails the gate when it fails the policy', async () => {
    // the 11.8 image is paired with the 12.4 baseline (nothing worse); the 12.4 image has no baseline and fails
    const { report } = await gate([fx.cuda118, fx.cuda124], [fx.cuda124], { failOnNew: true });
    expect(report.images.map((i) => i.baseline)).toEqual([fx.cuda124, undefined]);
    expect(report.summary.gatePassed).toBe(false);
    // worse: the 12.4 image's three failing results, nothing of the 11.8 image
    expect(report.summary.worsened).toBe(3);
  });
});

describe('a baseline the base branch never built', () => {
  test('is a warning and a note naming it and the error; the gate is judged on the images', async () => {
    const { report, warnings } = await gate([fx.cuda124], [fx.missing]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`the baseline image ${fx.missing} (for ${fx.cuda124}) could not be read`);
    expect(warnings[0]).not.toContain('\n');
    expect(report.baselineMissing).toEqual([fx.missing]);
    expect(report.notes).toEqual([warnings[0]]);
    expect(report.images[0].baseline).toBeUndefined();
    expect(report.transitions).toEqual([]);
    expect(report.changes).toEqual([]);
    // judged as usual: the 12.4 image fails on r450, t4-470 and r520
    expect(report.summary).toMatchObject({ fail: 3, gatePassed: false, worsened: 3 });
    expect(renderMarkdown(report)).toContain('could not be read');
  });

  test('under fail-on-new its image is new: a still-failing image still fails the gate', async () => {
    const { report } = await gate([fx.cuda118], [fx.missing], { failOnNew: true });
    expect(report.summary).toMatchObject({ fail: 1, worsened: 1, gatePassed: false });
  });

  test('baselines past the images are named in a warning and not read', async () => {
    const { report, warnings } = await gate([fx.cuda124], [fx.cuda118, fx.missing]);
    expect(warnings).toEqual([expect.stringContaining(`have no image to pair with`)]);
    expect(warnings[0]).toContain(fx.missing);
    expect(report.baselineMissing).toBeUndefined();
    expect(report.transitions).toHaveLength(3);
  });
});
