/**
 * matrix.overrides in the JSON report (additive), and what the renderers say about it: text, markdown (job summary),
 * the PR comment (whatever it has to leave out), merged reports and the report reader.
 */
import { renderCommentBody } from '../../src/action/comment-body';
import type { MatrixOverride } from '../../src/matrix/types';
import { renderMarkdown } from '../../src/report/markdown';
import { mergeReports } from '../../src/report/merge';
import { parseReport } from '../../src/report/parse-report';
import { renderText } from '../../src/report/text';
import type { Report } from '../../src/report/types';
import { image, report, target } from './merge-fixtures';

const ROWS: MatrixOverride[] = [
  { file: '.github/cuda-matrix.yml', table: 'releases', id: '13.9.0', action: 'added', source: 'CUDA 13.9 release notes' },
  { file: '.github/cuda-matrix.yml', table: 'gpus', id: 'A100', action: 'replaced', source: 'our lab' },
];

function withOverrides(rows: MatrixOverride[] | undefined, name = 'docker-archive:app.tar'): Report {
  const r = report([image(name)], [target('prod', '550.54.15', 'A100')]);
  return rows ? { ...r, matrix: { ...r.matrix, overrides: rows } } : r;
}

test('text and markdown say overrides were used, and which rows; nothing is said without them', () => {
  const text = renderText(withOverrides(ROWS)).replace(/\s+/g, ' ');
  expect(text).toContain('matrix 2026.11.23 (2026-11-23) + 2 override rows');
  expect(text).toContain(
    'note: matrix overrides used (.github/cuda-matrix.yml): 2 rows merged over matrix 2026.11.23 — releases 13.9.0 (added), gpus A100 (replaced)',
  );
  const md = renderMarkdown(withOverrides(ROWS));
  expect(md).toMatch(/^> ℹ️ \*\*Matrix overrides:\*\* matrix overrides used .*releases 13\.9\.0 \(added\), gpus A100 \(replaced\)/m);
  expect(md).toContain('matrix 2026.11.23 + 2 override rows · fail-on');
  // above the verdict table
  expect(md.indexOf('Matrix overrides')).toBeLessThan(md.indexOf('| Image |'));

  for (const out of [renderText(withOverrides(undefined)), renderMarkdown(withOverrides(undefined))]) {
    expect(out).not.toMatch(/override/i);
  }
});

test('the PR comment carries the note, even when it has to drop the details and most rows', () => {
  expect(renderCommentBody(withOverrides(ROWS), { key: '' })).toContain('**Matrix overrides:**');
  const many = report(
    Array.from({ length: 3000 }, (_, i) => image(`docker-archive:app-${i}-${'x'.repeat(40)}.tar`)),
    [target('prod', '550.54.15', 'A100')],
  );
  const body = renderCommentBody({ ...many, matrix: { ...many.matrix, overrides: ROWS } }, { key: '' });
  expect(body).toContain('**Matrix overrides:**');
  expect(body.length).toBeLessThanOrEqual(60_000);
});

test('ids, files and counts from the user are escaped and bounded', () => {
  const hostile: MatrixOverride[] = Array.from({ length: 40 }, (_, i) => ({
    file: 'x.yml',
    table: 'gpus',
    id: `<img src=x onerror=alert(${i})>|${'y'.repeat(200)}`,
    action: 'added',
    source: 's',
  }));
  const md = renderMarkdown(withOverrides(hostile));
  const line = md.split('\n').find((l) => l.includes('Matrix overrides'))!;
  expect(line).not.toContain('<img');
  expect(line).not.toContain('|');
  expect(line.length).toBeLessThan(4000);
  expect(renderText(withOverrides([{ ...ROWS[0], id: 'a\x1b[31mb\nc' }]))).not.toContain('\x1b[31m');
});

test('merging: every override row any report used, once; a note when the reports used different ones', () => {
  const a = withOverrides(ROWS, 'docker-archive:a.tar');
  const b = withOverrides([ROWS[0]], 'docker-archive:b.tar');
  const c = withOverrides(undefined, 'docker-archive:c.tar');
  const merged = mergeReports([
    { name: 'a.json', report: a },
    { name: 'b.json', report: b },
    { name: 'c.json', report: c },
  ]);
  expect(merged.matrix.overrides).toEqual(ROWS);
  expect(merged.notes!.join('\n')).toMatch(/the reports used different matrix overrides — .*\(a\.json\); .*\(b\.json\); no matrix overrides \(c\.json\)/);

  const same = mergeReports([
    { name: 'a.json', report: a },
    { name: 'b.json', report: withOverrides(ROWS, 'docker-archive:b.tar') },
  ]);
  expect(same.matrix.overrides).toEqual(ROWS);
  expect((same.notes ?? []).join('\n')).not.toMatch(/overrides/);
  expect(mergeReports([{ name: 'c.json', report: c }]).matrix).toEqual({ version: '2026.11.23', date: '2026-11-23' });
});

test('the report reader takes matrix.overrides and refuses a malformed one, naming the field', () => {
  expect(parseReport(JSON.stringify(withOverrides(ROWS)), 'r.json').matrix.overrides).toEqual(ROWS);
  const bad = withOverrides([{ ...ROWS[0], action: 'removed' as 'added' }]);
  expect(() => parseReport(JSON.stringify(bad), 'r.json')).toThrow(/matrix\.overrides\[0\]\.action is "removed"/);
  const notList = { ...withOverrides(undefined), matrix: { version: 'v', date: 'd', overrides: 'x' } };
  expect(() => parseReport(JSON.stringify(notList), 'r.json')).toThrow(/matrix\.overrides has the wrong type/);
});
