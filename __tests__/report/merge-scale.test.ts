/**
 * Issue 17: merging and rendering a large matrix is linear. 600 matrix legs (one image each) × 500 targets is
 * 300,000 cells: a search of every column per target (merge) or of every result per cell (the verdict table) never
 * finishes; an index per name and per cell does it in seconds.
 */
import { mergeReports } from '../../src/report/merge';
import { indexResults } from '../../src/report/cells';
import { verdictTable } from '../../src/report/markdown';
import { image, report, target } from './merge-fixtures';

const IMAGES = 600;
const TARGETS = 500;

describe('merge at scale (issue 17)', () => {
  test(
    `${IMAGES} reports × ${TARGETS} targets merge and render their verdict table in seconds`,
    () => {
      const targets = Array.from({ length: TARGETS }, (_, t) => target(`t${t}`, '550.54.15', t % 2 ? 'A100' : undefined));
      const inputs = Array.from({ length: IMAGES }, (_, i) => ({
        name: `reports/leg-${i}/cuda-gate-report.json`,
        report: report([image(`docker://r/app-${i}:1`)], targets, { [`docker://r/app-${i}:1 t${i % TARGETS}`]: 'fail' }),
      }));
      const started = Date.now();
      const merged = mergeReports(inputs);
      expect(merged.images).toHaveLength(IMAGES);
      expect(merged.targets).toHaveLength(TARGETS);
      expect(merged.results).toHaveLength(IMAGES * TARGETS);
      expect(merged.summary).toMatchObject({ fail: IMAGES, verdict: 'fail' });
      const table = verdictTable(merged);
      expect(table.split('\n')).toHaveLength(IMAGES + 2);
      expect(Date.now() - started).toBeLessThan(15_000);
    },
    // without the indexes this runs for hours: the jest timeout is the failure
    30_000,
  );

  test('a cell is the first result of its pair, as a search would find it; a pair none judged is undefined', () => {
    const index = indexResults({
      results: [
        { image: 'a', target: 't', verdict: 'pass', reasons: [] },
        { image: 'a', target: 't', verdict: 'fail', reasons: [] },
        { image: 'b', target: 't', verdict: 'caveat', reasons: [] },
      ],
    });
    expect(index.cell('a', 't')?.verdict).toBe('pass');
    expect(index.cell('b', 'u')).toBeUndefined();
    expect(index.ofImage('a').map((r) => r.verdict)).toEqual(['pass', 'fail']);
    expect(index.ofImage('c')).toEqual([]);
  });
});
