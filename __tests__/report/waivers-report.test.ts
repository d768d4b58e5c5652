/**
 * Waivers and the policy's source in the report: the gate ignores waived results (a check, baselines with fail-on-new,
 * a merge), the summary counts them, and the markdown and text show them apart; a pull request's policy changes are
 * said at the top. Hand-made results, an injected date.
 */
import { loadMatrix } from '../../src/matrix/load';
import { DEFAULT_POLICY, type Policy, type PolicyDiff } from '../../src/model/policy';
import { buildReport, withBaselines } from '../../src/report/build';
import { renderMarkdown } from '../../src/report/markdown';
import { mergeReports } from '../../src/report/merge';
import { withPolicySource } from '../../src/report/policy-note';
import { renderText } from '../../src/report/text';
import type { Report } from '../../src/report/types';
import { reportView } from '../../src/report/view';
import { parseTargets } from '../../src/targets/load';
import type { Result } from '../../src/verdict/types';
import { image, result } from './merge-fixtures';

const matrix = loadMatrix();
const TODAY = '2026-11-23';
const FILE = `targets:
  edge-t4: { driver: 470.82.01, gpu: T4 }
  prod-a100: { driver: 535.104.05, gpu: A100 }
  inference-l4: { driver: 550.54.15, gpu: L4 }
`;
const APP = 'docker-archive:build/app.tar';

/** app fails on edge-t4 (DRIVER_TOO_OLD), has a caveat on prod-a100, passes on inference-l4; `waivers` YAML appended to the file. */
function build(waivers = '', policy: Partial<Policy> = {}, today = TODAY): Report {
  const loaded = parseTargets(`${FILE}${waivers}`, '.github/cuda-targets.yml', matrix);
  const results: Result[] = [result(APP, 'edge-t4', 'fail'), result(APP, 'prod-a100', 'caveat'), result(APP, 'inference-l4', 'pass')];
  return buildReport([image(APP)], results, loaded.targets, { ...DEFAULT_POLICY, ...loaded.policy, ...policy }, matrix, { today });
}

const EDGE = `waivers:
  - { image: "build/app.tar", target: edge-t4, code: DRIVER_TOO_OLD, reason: R550 rollout (INFRA-1234), expires: 2026-12-31 }
`;
const plain = (markdown: string) => markdown.replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n))).replace(/&quot;/g, '"');

describe('the gate', () => {
  test('a waived failure does not fail the gate; its verdict stays and the summary counts it', () => {
    const report = build(EDGE);
    expect(report.results[0]).toMatchObject({
      target: 'edge-t4',
      verdict: 'fail',
      waived: { reason: 'R550 rollout (INFRA-1234)', expires: '2026-12-31', codes: ['DRIVER_TOO_OLD'] },
    });
    expect(report.summary).toEqual({ pass: 1, caveat: 1, fail: 1, verdict: 'fail', gatePassed: true, waived: 1 });
    expect(report.policy.waivers).toEqual([expect.objectContaining({ image: 'build/app.tar', matched: 1, expired: false, stale: false })]);
    // without the waiver the same results fail it
    expect(build().summary).toEqual({ pass: 1, caveat: 1, fail: 1, verdict: 'fail', gatePassed: false });
  });

  test('fail-on: caveat still fails on the caveat nobody waived', () => {
    expect(build(EDGE, { failOn: 'caveat' }).summary.gatePassed).toBe(false);
    const both = `${EDGE}  - { image: "*", target: prod-a100, reason: R550 rollout, expires: 2026-12-31 }\n`;
    expect(build(both, { failOn: 'caveat' }).summary).toMatchObject({ gatePassed: true, waived: 2 });
  });

  test('the day after it expires the waiver stops: the gate fails, the result and a note say when', () => {
    const report = build(EDGE, {}, '2027-01-01');
    expect(report.summary).toMatchObject({ gatePassed: false, waived: 0 });
    expect(report.results[0].waiverExpired).toEqual({ reason: 'R550 rollout (INFRA-1234)', expires: '2026-12-31', codes: ['DRIVER_TOO_OLD'] });
    expect(report.notes).toEqual([expect.stringContaining('expired on 2026-12-31: 1 result it waived counts again')]);
  });

  test('a stale waiver is a note', () => {
    const report = build(`waivers:\n  - { image: "gone:*", reason: old, expires: 2026-12-31 }\n`);
    expect(report.notes).toEqual([
      expect.stringContaining('the waiver for image "gone:*", target "*", code "*" (.github/cuda-targets.yml:6) matches no failing or caveated result'),
    ]);
    expect(report.summary).toMatchObject({ gatePassed: false, waived: 0 });
  });

  test('fail-on-new: a waived result that got worse does not fail the gate either', () => {
    const report = build(EDGE, { failOnNew: true });
    const compared = withBaselines(report, {
      pairs: [{ image: APP, baseline: 'base' }],
      results: [result('base', 'edge-t4', 'pass'), result('base', 'prod-a100', 'caveat'), result('base', 'inference-l4', 'pass')],
      changes: [],
      missing: [],
    });
    expect(compared.summary).toMatchObject({ worsened: 1, gatePassed: true });
    const unwaived = withBaselines(build('', { failOnNew: true }), {
      pairs: [{ image: APP, baseline: 'base' }],
      results: [result('base', 'edge-t4', 'pass')],
      changes: [],
      missing: [],
    });
    expect(unwaived.summary.gatePassed).toBe(false);
  });

  test("a merge keeps each leg's waived results out of the gate", () => {
    const merged = mergeReports([{ name: 'leg.json', report: build(EDGE) }]);
    expect(merged.results[0].waived).toBeDefined();
    expect(merged.summary).toMatchObject({ verdict: 'fail', gatePassed: true, waived: 1 });
    expect(mergeReports([{ name: 'leg.json', report: build() }]).summary.gatePassed).toBe(false);
  });
});

describe('rendering', () => {
  test('markdown: the headline says the gate passes with the waived result; a Waived section; the table and details mark it', () => {
    const md = plain(renderMarkdown(build(EDGE)));
    expect(md).toMatch(/^### ⚠️ <code>app\.tar<\/code> runs on every target, with caveats on <code>prod-a100<\/code>$/m);
    expect(md).not.toContain('**Fails**');
    expect(md).toContain('**Waived** (1: they do not gate)\n\n- 🔕 **edge-t4** — ❌ DRIVER_TOO_OLD waived until 2026-12-31: R550 rollout (INFRA-1234)');
    expect(md).toMatch(/\| <code>app\.tar<\/code><br><sub>[^|]*<\/sub> \| 🔕 \| ⚠️ \| ✅ \|/);
    expect(md).toContain('- 🔕 **edge-t4** — DRIVER_TOO_OLD waived until 2026-12-31: R550 rollout (INFRA-1234)\n- ❌ **edge-t4** — <code>');
    const onlyWaived = plain(renderMarkdown(build(`${EDGE}  - { image: "*", target: prod-a100, reason: R550 rollout, expires: 2026-12-31 }\n`)));
    expect(onlyWaived).toMatch(/^### 🔕 <code>app\.tar<\/code> passes the gate: 2 waived results on <code>edge-t4<\/code> and <code>prod-a100<\/code>$/m);
  });

  test('markdown and text: an expired waiver is said on the failing line', () => {
    const report = build(EDGE, {}, '2027-01-01');
    expect(plain(renderMarkdown(report))).toMatch(
      /^- ❌ \*\*edge-t4\*\* — .*<sub>\(the waiver of DRIVER_TOO_OLD expired on 2026-12-31 \(R550 rollout \(INFRA-1234\)\): it counts again\)<\/sub>/m,
    );
    expect(renderText(report).replace(/\n +/g, ' ')).toContain(
      '(the waiver of DRIVER_TOO_OLD expired on 2026-12-31 (R550 rollout (INFRA-1234)): it counts again)',
    );
  });

  test('text: the waived result in its own line, in the table and in the gate line', () => {
    const text = renderText(build(EDGE));
    expect(text).toContain('  ~ edge-t4: FAIL, DRIVER_TOO_OLD waived until 2026-12-31: R550 rollout (INFRA-1234)');
    expect(text).toMatch(/FAIL \(waived\)/);
    expect(text).toContain('gate passed: 1 fail, 1 caveat, 1 pass, 1 waived (fail-on: fail)');
  });

  test('the view keeps waived cells out of the failures', () => {
    const view = reportView(build(EDGE));
    expect(view.failing).toEqual([]);
    expect(view.waived.map((c) => c.target)).toEqual(['edge-t4']);
    expect(view.blamed.targets).toEqual(['prod-a100']);
  });
});

describe('the policy a pull request changes', () => {
  const changes: PolicyDiff = {
    added: [],
    removed: [{ subject: 'target', name: 'edge-t4', effect: 'looser', text: 'target edge-t4 removed (driver 470.82.01, T4): its results no longer gate' }],
    loosened: [{ subject: 'fail-on', from: 'fail', to: 'never', effect: 'looser', text: 'fail-on loosened: fail → never' }],
    tightened: [],
    changed: [{ subject: 'matrix-overrides', name: 'o.yml', effect: 'neutral', text: 'matrix overrides o.yml changed: its rows can change verdicts' }],
  };
  const source = { from: 'base' as const, file: '.github/cuda-targets.yml', commit: '9049f1265b7d61be4a8904a9a27120d2064dab3b', via: 'api' as const };

  test('markdown: right under the headline, every change with its effect', () => {
    const md = plain(renderMarkdown(withPolicySource(build(), source, changes, ['a note'])));
    const lines = md.split('\n');
    expect(lines[2]).toBe(
      "> 🔒 **This PR changes the gate's policy** (<code>.github/cuda-targets.yml</code>): it is judged with the base branch's policy (<code>9049f12</code>); the PR's applies once merged.",
    );
    expect(lines.slice(3, 6)).toEqual([
      '> - **loosens:** target edge-t4 removed (driver 470.82.01, T4): its results no longer gate',
      '> - **loosens:** fail-on loosened: fail → never',
      '> - **changes:** matrix overrides o.yml changed: its rows can change verdicts',
    ]);
    expect(md).toContain('> **Note:** a note');
  });

  test('text: under the headline', () => {
    const text = renderText(withPolicySource(build(), source, changes));
    expect(text).toContain(
      "\n\npolicy: this PR changes the gate's policy (.github/cuda-targets.yml); it is judged with the base branch's\n(9049f12), and the PR's applies once merged:\n  loosens: target edge-t4 removed (driver 470.82.01, T4): its results no longer gate\n  loosens: fail-on",
    );
  });

  test('a merge of legs gated with the base policy keeps its source and changes on top', () => {
    const leg = withPolicySource(build(), source, changes);
    const merged = mergeReports([
      { name: 'a.json', report: leg },
      { name: 'b.json', report: leg },
    ]);
    expect(merged.policy).toMatchObject({ source, changes });
    expect(renderMarkdown(merged)).toContain("**This PR changes the gate's policy**");
  });

  test("no change, or the head's policy: no note; the JSON still says whose policy gated", () => {
    const empty: PolicyDiff = { added: [], removed: [], loosened: [], tightened: [], changed: [] };
    const same = withPolicySource(build(), source, empty);
    expect(same.policy.source).toEqual(source);
    expect(same.policy).not.toHaveProperty('changes');
    expect(renderMarkdown(same)).not.toContain("changes the gate's policy");
    const head = withPolicySource(build(), { from: 'head', file: 'x.yml', reason: 'policy-from: head' }, changes);
    expect(renderMarkdown(head)).not.toContain("changes the gate's policy");
  });
});
