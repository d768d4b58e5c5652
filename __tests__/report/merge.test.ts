/** The pure merge of several reports (matrix legs) into one: rows, columns, results, summary, notes. */
import { GateError } from '../../src/common/errors';
import { TOOL_VERSION } from '../../src/model/tool-version';
import { renderMarkdown } from '../../src/report/markdown';
import { mergeReports, shortNames } from '../../src/report/merge';
import { renderText } from '../../src/report/text';
import { DIGEST_A, DIGEST_B, image, report, target } from './merge-fixtures';

const L4 = target('inference-l4', '550.54.15', 'L4');
const T4 = target('edge-t4', '470.82.01', 'T4');
const A100 = target('prod-a100', '535.104.05', 'A100');

describe('images × targets', () => {
  test('legs with different images and targets become one table of every image against every target', () => {
    const merged = mergeReports([
      { name: 'legs/trainer.json', report: report([image('docker-daemon:trainer', DIGEST_A)], [L4, T4], { 'docker-daemon:trainer edge-t4': 'fail' }) },
      {
        name: 'legs/inference.json',
        report: report([image('docker-daemon:inference', DIGEST_B)], [L4, A100], { 'docker-daemon:inference prod-a100': 'caveat' }),
      },
    ]);
    expect(merged.images.map((i) => i.source)).toEqual(['docker-daemon:trainer', 'docker-daemon:inference']);
    expect(merged.targets.map((t) => t.name)).toEqual(['inference-l4', 'edge-t4', 'prod-a100']);
    expect(merged.results.map((r) => `${r.image} ${r.target} ${r.verdict}`)).toEqual([
      'docker-daemon:trainer inference-l4 pass',
      'docker-daemon:trainer edge-t4 fail',
      'docker-daemon:inference inference-l4 pass',
      'docker-daemon:inference prod-a100 caveat',
    ]);
    expect(merged.summary).toEqual({ pass: 2, caveat: 1, fail: 1, verdict: 'fail', gatePassed: false });
    expect(merged.mergedFrom).toEqual([
      { name: 'legs/trainer.json', tool: TOOL_VERSION, matrix: '2026.11.23', images: 1, targets: 2 },
      { name: 'legs/inference.json', tool: TOOL_VERSION, matrix: '2026.11.23', images: 1, targets: 2 },
    ]);
    // two pairs nobody judged: said, not hidden
    expect(merged.notes).toEqual(['2 of 6 image × target pairs were judged by none of the reports (— in the table)']);
  });

  test('the summary is recomputed from the merged results, not copied from any report', () => {
    const a = report([image('a', DIGEST_A)], [L4], {}, { summary: { pass: 0, caveat: 0, fail: 9, verdict: 'fail', gatePassed: false } });
    expect(mergeReports([{ name: 'a.json', report: a }]).summary).toEqual({ pass: 1, caveat: 0, fail: 0, verdict: 'pass', gatePassed: true });
  });

  test('no reports at all is an error, never an empty passing gate', () => {
    expect(() => mergeReports([])).toThrow(GateError);
  });
});

describe('the same image gated by several legs', () => {
  test('identical digests are one row: the first source string stays, the others are listed and noted', () => {
    const merged = mergeReports([
      { name: 'a.json', report: report([image('docker-archive:app.tar', DIGEST_A)], [L4]) },
      { name: 'b.json', report: report([image('docker-archive:/tmp/copy.tar', DIGEST_A)], [T4], { 'docker-archive:/tmp/copy.tar edge-t4': 'fail' }) },
    ]);
    expect(merged.images).toHaveLength(1);
    expect(merged.images[0]).toMatchObject({ source: 'docker-archive:app.tar', aliases: ['docker-archive:/tmp/copy.tar'] });
    expect(merged.results.map((r) => `${r.image} ${r.target} ${r.verdict}`)).toEqual([
      'docker-archive:app.tar inference-l4 pass',
      'docker-archive:app.tar edge-t4 fail',
    ]);
    expect(merged.notes).toEqual([
      expect.stringContaining('docker-archive:/tmp/copy.tar (b.json) is the same image as docker-archive:app.tar (sha256:aaaaaaaaaaaa, linux/amd64): one row'),
    ]);
  });

  test('the same source and digest in two legs (one image, several driver legs) is one row without a note', () => {
    const merged = mergeReports([
      { name: 'a.json', report: report([image('app', DIGEST_A)], [L4]) },
      { name: 'b.json', report: report([image('app', DIGEST_A)], [T4]) },
    ]);
    expect(merged.images.map((i) => i.source)).toEqual(['app']);
    expect(merged.images[0].aliases).toBeUndefined();
    expect(merged.notes).toBeUndefined();
  });

  test('the same digest on another platform is another image', () => {
    const merged = mergeReports([
      { name: 'amd64.json', report: report([image('app', DIGEST_A)], [L4]) },
      { name: 'arm64.json', report: report([image('app', DIGEST_A, { platform: 'linux/arm64' })], [L4]) },
    ]);
    expect(merged.images.map((i) => i.source)).toEqual(['app', 'app (arm64)']);
    expect(merged.notes).toEqual([expect.stringContaining('their platforms differ (linux/amd64, linux/arm64)')]);
  });

  test('different images under one source string (each leg built app:candidate) are both kept, the second renamed', () => {
    const merged = mergeReports([
      { name: 'reports/cuda-11/cuda-gate-report.json', report: report([image('docker-daemon:app:candidate', DIGEST_A)], [L4]) },
      {
        name: 'reports/cuda-12/cuda-gate-report.json',
        report: report([image('docker-daemon:app:candidate', DIGEST_B)], [L4], { 'docker-daemon:app:candidate inference-l4': 'fail' }),
      },
    ]);
    expect(merged.images.map((i) => i.source)).toEqual(['docker-daemon:app:candidate', 'docker-daemon:app:candidate (cuda-12)']);
    expect(merged.results.map((r) => `${r.image}: ${r.verdict}`)).toEqual(['docker-daemon:app:candidate: pass', 'docker-daemon:app:candidate (cuda-12): fail']);
    expect(merged.notes).toEqual([
      expect.stringMatching(
        /both gated an image called docker-daemon:app:candidate, and their digests differ: .* shown as docker-daemon:app:candidate \(cuda-12\)/,
      ),
    ]);
  });

  test('without digests the same source string cannot be proved the same image: two rows, and the note says why', () => {
    const merged = mergeReports([
      { name: 'a.json', report: report([image('app')], [L4]) },
      { name: 'b.json', report: report([image('app')], [L4]) },
    ]);
    expect(merged.images.map((i) => i.source)).toEqual(['app', 'app (b)']);
    expect(merged.notes?.[0]).toContain('cannot be told to be the same');
  });

  test('one image judged twice on one target with different verdicts: the worse counts, with a note', () => {
    const merged = mergeReports([
      { name: 'a.json', report: report([image('app', DIGEST_A)], [L4]) },
      { name: 'b.json', report: report([image('app', DIGEST_A)], [L4], { 'app inference-l4': 'caveat' }) },
    ]);
    expect(merged.results).toHaveLength(1);
    expect(merged.results[0].verdict).toBe('caveat');
    expect(merged.notes).toEqual(['app on inference-l4 is pass in one report and caveat in b.json: the worse verdict counts']);
  });
});

describe('targets', () => {
  test('the same name and definition in several legs is one column', () => {
    const merged = mergeReports([
      { name: 'a.json', report: report([image('a', DIGEST_A)], [L4, T4]) },
      { name: 'b.json', report: report([image('b', DIGEST_B)], [target('inference-l4', '550.54.15', 'L4')]) },
    ]);
    expect(merged.targets.map((t) => t.name)).toEqual(['inference-l4', 'edge-t4']);
  });

  test('the same name with another driver is kept as a second column, disambiguated, with a visible note', () => {
    const merged = mergeReports([
      { name: 'reports/east.json', report: report([image('a', DIGEST_A)], [target('prod', '535.104.05', 'A100')]) },
      { name: 'reports/west.json', report: report([image('b', DIGEST_B)], [target('prod', '550.54.15', 'A100')], { 'b prod': 'fail' }) },
    ]);
    expect(merged.targets.map((t) => `${t.name} ${t.driver}`)).toEqual(['prod 535.104.05', 'prod (west) 550.54.15']);
    expect(merged.results.find((r) => r.image === 'b')).toMatchObject({ target: 'prod (west)', verdict: 'fail' });
    const note = merged.notes?.find((n) => n.startsWith('target prod differs'));
    expect(note).toBe(
      'target prod differs between reports — driver 535.104.05, GPU A100 in reports/east.json, driver 550.54.15, GPU A100 in reports/west.json: both are kept, the second as prod (west)',
    );
    expect(renderMarkdown(merged)).toContain('prod (west)');
  });

  test('the same name with another GPU is another target too', () => {
    const h100 = { ...target('prod', '550.54.15', 'H100'), gpu: { input: 'H100', name: 'H100', computeCapability: '9.0' } };
    const merged = mergeReports([
      { name: 'a.json', report: report([image('a', DIGEST_A)], [target('prod', '550.54.15', 'A100')]) },
      { name: 'b.json', report: report([image('a', DIGEST_A)], [h100]) },
    ]);
    expect(merged.targets.map((t) => t.name)).toEqual(['prod', 'prod (b)']);
  });
});

describe('policy', () => {
  test('the strictest fail-on of the reports decides; legs that disagree are noted', () => {
    const merged = mergeReports([
      { name: 'a.json', report: report([image('a', DIGEST_A)], [L4], { 'a inference-l4': 'caveat' }) },
      { name: 'b.json', report: report([image('b', DIGEST_B)], [L4], {}, { policy: { failOn: 'caveat', noCuda: 'warn' } }) },
    ]);
    expect(merged.policy.failOn).toBe('caveat');
    expect(merged.summary.gatePassed).toBe(false);
    expect(merged.notes).toContain(
      'the reports were gated with different fail-on — fail (a.json); caveat (b.json): the merged gate uses caveat (the strictest)',
    );
  });

  test('fail-on given to the merge overrides the reports', () => {
    const failing = report([image('a', DIGEST_A)], [T4], { 'a edge-t4': 'fail' });
    expect(mergeReports([{ name: 'a.json', report: failing }], { failOn: 'never' }).summary.gatePassed).toBe(true);
    const legsReportOnly = report([image('a', DIGEST_A)], [T4], { 'a edge-t4': 'fail' }, { policy: { failOn: 'never', noCuda: 'warn' } });
    expect(mergeReports([{ name: 'a.json', report: legsReportOnly }], { failOn: 'fail' }).summary).toMatchObject({ verdict: 'fail', gatePassed: false });
  });
});

describe('versions', () => {
  test('reports of another cuda-gate or matrix version are merged with a visible note, in markdown and text', () => {
    const old = report(
      [image('old', DIGEST_B)],
      [L4],
      {},
      { tool: { name: 'cuda-gate', version: '0.0.9' }, matrix: { version: '2026.10.01', date: '2026-10-01' } },
    );
    const merged = mergeReports([
      { name: 'new.json', report: report([image('new', DIGEST_A)], [L4]) },
      { name: 'old.json', report: old },
    ]);
    expect(merged.notes).toEqual([
      `the reports were written by different cuda-gate versions — ${TOOL_VERSION} (new.json); 0.0.9 (old.json); merged by ${TOOL_VERSION}: their verdicts may rest on different rules`,
      'the reports were judged against different compatibility matrices — 2026.11.23 (2026-11-23) (new.json); 2026.10.01 (2026-10-01) (old.json): their verdicts may rest on different facts; the footer shows the newest',
    ]);
    expect(merged.matrix).toEqual({ version: '2026.11.23', date: '2026-11-23' });
    expect(renderMarkdown(merged)).toContain('> **Note:** the reports were written by different cuda-gate versions');
    expect(renderText(merged)).toContain('note: the reports were judged against different compatibility matrices');
  });

  test('reports all from one older cuda-gate say so', () => {
    const old = report([image('a', DIGEST_A)], [L4], {}, { tool: { name: 'cuda-gate', version: '0.0.9' } });
    expect(mergeReports([{ name: 'a.json', report: old }]).notes).toEqual([
      `the reports were written by cuda-gate 0.0.9 and merged by cuda-gate ${TOOL_VERSION}`,
    ]);
  });

  test('a merged report merged again keeps the notes of the first merge, naming where they came from', () => {
    const first = mergeReports([
      { name: 'a.json', report: report([image('app', DIGEST_A)], [L4]) },
      { name: 'b.json', report: report([image('copy', DIGEST_A)], [L4]) },
    ]);
    const again = mergeReports([{ name: 'merged.json', report: first }]);
    expect(again.notes).toEqual([expect.stringMatching(/^merged\.json: copy \(b\.json\) is the same image as app/)]);
  });
});

describe('changes (baseline-images) and rendering', () => {
  test('changes are carried over, re-keyed to the merged row, each once', () => {
    const change = {
      image: 'copy',
      baseline: 'base',
      kind: 'runtime' as const,
      text: 'moves the CUDA runtime from 12.1.105 to 12.4.127',
      direction: 'worse' as const,
    };
    const merged = mergeReports([
      { name: 'a.json', report: report([image('app', DIGEST_A)], [L4], {}, { changes: [{ ...change, image: 'app' }] }) },
      { name: 'b.json', report: report([image('copy', DIGEST_A)], [T4], {}, { changes: [change] }) },
    ]);
    expect(merged.changes).toEqual([{ ...change, image: 'app' }]);
  });

  test('the markdown table has a row per merged image and the footer says it is a merge', () => {
    const merged = mergeReports([
      { name: 'a.json', report: report([image('docker-daemon:trainer', DIGEST_A)], [L4]) },
      { name: 'b.json', report: report([image('docker-daemon:inference', DIGEST_B)], [L4]) },
    ]);
    const markdown = renderMarkdown(merged);
    expect(markdown).toContain('<code>docker-daemon&#58;trainer</code>');
    expect(markdown).toContain('<code>docker-daemon&#58;inference</code>');
    expect(markdown).toContain('merged from 2 reports');
    expect(renderText(merged)).toMatch(/^cuda-gate .* · merged from 2 reports/);
  });

  test('notes are escaped like any image-derived text', () => {
    const merged = mergeReports([
      { name: 'a.json', report: report([image('x', DIGEST_A)], [L4]) },
      { name: 'b.json', report: report([image('<img src=x onerror=alert(1)>|', DIGEST_A)], [L4]) },
    ]);
    const markdown = renderMarkdown(merged);
    expect(markdown).not.toContain('<img');
    expect(markdown).toContain('&lt;img src=x onerror=alert(1)&gt;&#124;');
  });
});

describe('shortNames', () => {
  test('drops the path segments every name shares, and .json', () => {
    expect(shortNames(['reports/cuda-gate-trainer/cuda-gate-report.json', 'reports/cuda-gate-inference/cuda-gate-report.json'])).toEqual([
      'cuda-gate-trainer',
      'cuda-gate-inference',
    ]);
    expect(shortNames(['a.json', 'dir/b.json'])).toEqual(['a', 'dir/b']);
    expect(shortNames(['reports/only.json'])).toEqual(['reports/only']);
  });
});
