/** Verdict transitions, what got worse, fail-on-new and their rendering, on hand-made results (report/transitions.ts, build.ts). */
import { withBaselines } from '../../src/report/build';
import { renderMarkdown } from '../../src/report/markdown';
import { renderTransitionsMarkdown, renderTransitionsText, verdictTransitions, worsened } from '../../src/report/transitions';
import type { Report } from '../../src/report/types';
import type { Verdict } from '../../src/model/verdict';
import type { Result } from '../../src/verdict/types';
import { image, report, result, target } from './merge-fixtures';

const T4 = target('edge-t4', '470.82.01', 'T4');
const A100 = target('prod-a100', '535.104.05', 'A100');
const L4 = target('inference-l4', '550.54.15', 'L4');

/** The report of `app` (and `extra` images) on three targets, with baseline results for `base`. */
function compared(current: Record<string, Verdict>, base: Record<string, Verdict>, policy: Partial<Report['policy']> = {}, extra: string[] = []): Report {
  const r = report(
    ['app', ...extra].map((s) => image(s)),
    [T4, A100, L4],
    current,
    { policy: { failOn: 'fail', noCuda: 'warn', ...policy } },
  );
  const baseResults: Result[] = [T4, A100, L4].map((t) => result('base', t.name, base[`base ${t.name}`] ?? 'pass'));
  return withBaselines(r, { pairs: [{ image: 'app', baseline: 'base' }], results: baseResults, changes: [], missing: [] });
}

describe('verdictTransitions', () => {
  test('pass → fail and fail → pass are kept with the new verdict’s code; unchanged pairs and unpaired images are not', () => {
    const current = [
      result('app', 'edge-t4', 'fail'),
      result('app', 'prod-a100', 'pass'),
      result('app', 'inference-l4', 'caveat'),
      result('other', 'edge-t4', 'fail'),
    ];
    const base = [result('base', 'edge-t4', 'pass'), result('base', 'prod-a100', 'fail'), result('base', 'inference-l4', 'caveat')];
    expect(verdictTransitions(current, base, [{ image: 'app', baseline: 'base' }])).toEqual([
      { image: 'app', baseline: 'base', target: 'edge-t4', from: 'pass', to: 'fail', code: 'DRIVER_TOO_OLD' },
      { image: 'app', baseline: 'base', target: 'prod-a100', from: 'fail', to: 'pass' },
    ]);
  });

  test('the code is the first reason with the new verdict, not the first reason', () => {
    const r: Result = {
      image: 'app',
      target: 'edge-t4',
      verdict: 'fail',
      reasons: [
        { code: 'DRIVER_BRANCH_EOL', verdict: 'caveat', message: 'eol' },
        { code: 'NO_KERNEL_FOR_GPU', verdict: 'fail', message: 'no sm_75' },
      ],
    };
    expect(verdictTransitions([r], [result('base', 'edge-t4', 'pass')], [{ image: 'app', baseline: 'base' }])[0].code).toBe('NO_KERNEL_FOR_GPU');
  });

  test('a target the baseline was not judged on gives nothing', () => {
    expect(verdictTransitions([result('app', 'new-target', 'fail')], [result('base', 'edge-t4', 'pass')], [{ image: 'app', baseline: 'base' }])).toEqual([]);
  });
});

describe('worsened and the gate', () => {
  test('worse: only where the verdict went up; a fail that was a fail is not worse', () => {
    const r = compared({ 'app edge-t4': 'fail', 'app prod-a100': 'caveat' }, { 'base edge-t4': 'fail' });
    expect(worsened(r).map((x) => x.target)).toEqual(['prod-a100']);
    expect(r.summary.worsened).toBe(1);
  });

  test('fail-on-new: a still-failing result passes the gate, without fail-on-new it fails', () => {
    expect(compared({ 'app edge-t4': 'fail' }, { 'base edge-t4': 'fail' }, { failOnNew: true }).summary.gatePassed).toBe(true);
    expect(compared({ 'app edge-t4': 'fail' }, { 'base edge-t4': 'fail' }).summary.gatePassed).toBe(false);
  });

  test('fail-on-new: a newly failing result fails the gate; one that got worse below fail-on does not', () => {
    expect(compared({ 'app edge-t4': 'fail' }, {}, { failOnNew: true }).summary.gatePassed).toBe(false);
    expect(compared({ 'app edge-t4': 'caveat' }, {}, { failOnNew: true }).summary.gatePassed).toBe(true);
    expect(compared({ 'app edge-t4': 'caveat' }, {}, { failOnNew: true, failOn: 'caveat' }).summary.gatePassed).toBe(false);
    expect(compared({ 'app edge-t4': 'fail' }, {}, { failOnNew: true, failOn: 'never' }).summary.gatePassed).toBe(true);
  });

  test('an image without a baseline counts as worse only where it fails the policy', () => {
    // `new` has no baseline: its caveat is not worse under fail-on fail, its fail is
    const caveatOnly = compared({ 'new edge-t4': 'caveat' }, {}, { failOnNew: true }, ['new']);
    expect(worsened(caveatOnly)).toEqual([]);
    expect(caveatOnly.summary.gatePassed).toBe(true);
    const failing = compared({ 'new edge-t4': 'fail' }, {}, { failOnNew: true }, ['new']);
    expect(worsened(failing).map((x) => `${x.image} ${x.target}`)).toEqual(['new edge-t4']);
    expect(failing.summary.gatePassed).toBe(false);
    // under fail-on caveat the caveat fails the policy, so it is worse
    expect(worsened(compared({ 'new edge-t4': 'caveat' }, {}, { failOn: 'caveat' }, ['new'])).map((x) => x.image)).toEqual(['new']);
  });

  test('the images name their baseline; an unreadable one is listed and noted', () => {
    const r = report([image('app'), image('web')], [T4], { 'web edge-t4': 'fail' });
    const out = withBaselines(r, {
      pairs: [{ image: 'app', baseline: 'base' }],
      results: [result('base', 'edge-t4', 'pass')],
      changes: [],
      missing: [{ image: 'web', baseline: 'web-base', message: 'oci layout not found' }],
    });
    expect(out.images.map((i) => i.baseline)).toEqual(['base', undefined]);
    expect(out.baselineMissing).toEqual(['web-base']);
    expect(out.notes).toEqual([expect.stringMatching(/web-base \(for web\) could not be read.*oci layout not found/)]);
    expect(out.summary).toMatchObject({ worsened: 1, gatePassed: false });
  });
});

describe('rendering', () => {
  test('text: one line per changed target, grouped under its image', () => {
    const r = compared({ 'app edge-t4': 'fail', 'app prod-a100': 'pass' }, { 'base prod-a100': 'caveat' });
    expect(renderTransitionsText(r)).toEqual([
      'Verdicts against the base branch:',
      '  app (base: base)',
      '    + edge-t4: pass → fail (DRIVER_TOO_OLD)',
      '    - prod-a100: caveat → pass',
      '',
    ]);
  });

  test('markdown: the same lines, escaped, with the fail-on-new count when it is on', () => {
    const r = compared({ 'app edge-t4': 'fail' }, {}, { failOnNew: true });
    const lines = renderTransitionsMarkdown(r);
    expect(lines).toContain('  - ❌ edge-t4: pass → fail (DRIVER&#95;TOO&#95;OLD)');
    expect(lines).toContain('- <code>app</code> (base: <code>base</code>)');
    expect(lines.join('\n')).toMatch(/fail-on-new.*1 is worse/);
    expect(renderMarkdown(r)).toContain('edge-t4: pass → fail (DRIVER&#95;TOO&#95;OLD)');
  });

  test('nothing compared, or nothing changed without fail-on-new: no lines', () => {
    expect(renderTransitionsMarkdown(report([image('app')], [T4]))).toEqual([]);
    expect(renderTransitionsText(report([image('app')], [T4]))).toEqual([]);
    expect(renderTransitionsMarkdown(compared({}, {}))).toEqual([]);
  });

  test('image-derived strings are inert', () => {
    const r = withBaselines(report([image('<img src=x>')], [T4], { '<img src=x> edge-t4': 'fail' }), {
      pairs: [{ image: '<img src=x>', baseline: 'b\u001b[2Jase' }],
      results: [result('b\u001b[2Jase', 'edge-t4', 'pass')],
      changes: [],
      missing: [],
    });
    expect(renderTransitionsMarkdown(r).join('\n')).not.toContain('<img');
    expect(renderTransitionsText(r).join('\n')).not.toContain('\u001b');
  });

  test('a long list is cut, with a count of the rest', () => {
    const many = Array.from({ length: 60 }, (_, i) => target(`t${i}`, '470.82.01'));
    const r = report([image('app')], many, Object.fromEntries(many.map((t) => [`app ${t.name}`, 'fail' as const])));
    const out = withBaselines(r, {
      pairs: [{ image: 'app', baseline: 'base' }],
      results: many.map((t) => result('base', t.name, 'pass')),
      changes: [],
      missing: [],
    });
    expect(out.transitions).toHaveLength(60);
    const lines = renderTransitionsMarkdown(out);
    expect(lines.filter((l) => l.startsWith('  - '))).toHaveLength(50);
    expect(lines).toContain('- … and 10 more (see the JSON report)');
  });
});
