/** The comment's text: its marker, and how it shrinks to fit GitHub's limit without losing the verdicts. */
import { spawnSync } from 'node:child_process';
import { COMMENT_LIMIT, fitsBudget, markerFor, renderCommentBody, resolvedBody } from '../../src/action/comment-body';
import type { Report } from '../../src/report/types';
import type { Verdict } from '../../src/model/verdict';
import { ROOT } from './run-action';

/** The example image against the example fleet (4 targets), as the bundled CLI reports it. */
function exampleReport(): Report {
  const r = spawnSync(
    process.execPath,
    ['dist/cli.js', 'check', 'docker-archive:examples/images/cuda12.4-app.tar', '--targets', 'examples/cuda-targets.yml', '--format', 'json'],
    {
      cwd: ROOT,
      encoding: 'utf8',
    },
  );
  return JSON.parse(r.stdout) as Report;
}

const base = exampleReport();

/** `count` copies of the example image under names made of `name(i)`, the i-th failing when `failing(i)`. */
function manyImages(count: number, name: (i: number) => string, failing: (i: number) => boolean = () => false): Report {
  const images = Array.from({ length: count }, (_, i) => ({ ...base.images[0], source: name(i) }));
  const results = images.flatMap((img, i) =>
    base.results.map((r) => {
      const verdict: Verdict = failing(i) ? r.verdict : 'pass';
      return { ...r, image: img.source, verdict, reasons: verdict === 'pass' ? [] : r.reasons };
    }),
  );
  const fail = results.filter((r) => r.verdict === 'fail').length;
  const caveat = results.filter((r) => r.verdict === 'caveat').length;
  const verdict: Verdict = fail ? 'fail' : caveat ? 'caveat' : 'pass';
  return { ...base, images, results, summary: { pass: results.length - fail - caveat, caveat, fail, verdict, gatePassed: !fail } };
}

const RUN = 'https://github.com/octo-org/gpu-service/actions/runs/11922334455';

describe('markerFor', () => {
  test('each key has its own marker and no key is a prefix match for another', () => {
    expect(markerFor('')).toBe('<!-- cuda-gate:comment key="" -->');
    expect(markerFor('gpu')).toBe('<!-- cuda-gate:comment key="gpu" -->');
    expect(markerFor('gpu-arm64').includes(markerFor('gpu'))).toBe(false);
  });

  test('a key cannot end the HTML comment or its quoted value', () => {
    const marker = markerFor('x" --> <img src=y> "');
    expect(marker.indexOf('-->')).toBe(marker.length - 3);
    expect(marker.slice(4, -3)).not.toMatch(/[<>]/);
    expect(marker.match(/"/g)).toHaveLength(2);
    expect(markerFor('a%22b')).not.toBe(markerFor('a"b'));
  });
});

describe('renderCommentBody', () => {
  test('the marker is the first line; the headline says what breaks; failures, then caveats, then the table; the rest folded', () => {
    const body = renderCommentBody(base, { key: 'fleet', runUrl: RUN, commit: '0123456789abcdef0123' });
    const lines = body.split('\n');
    expect(lines[0]).toBe(markerFor('fleet'));
    expect(lines[1]).toBe('### ❌ <code>cuda12.4-app.tar</code> will not run on <code>edge-t4</code>');
    const at = (s: string) => body.indexOf(s);
    expect(at('**Fails** (1)')).toBeGreaterThan(0);
    expect(at('**Fails** (1)')).toBeLessThan(at('**Caveats** (1)'));
    expect(at('**Caveats** (1)')).toBeLessThan(at('| Image |'));
    expect(at('| Image |')).toBeLessThan(at('<details>'));
    expect(body).not.toContain('<details open>');
    // the one fix that works first: an upgrade to the minor-version floor, never a switch that cannot help
    expect(body).toMatch(
      /- ❌ \*\*edge-t4\*\* — at CUDA initialisation: CUDA 12\.4\.1 needs driver ≥ 525\.60\.13; the host has 470\.82\.01 \(CUDA 11\.4\)<br>\*\*Fix:\*\* upgrade the host driver/,
    );
    expect(body).not.toMatch(/\*\*Fix:\*\* set NVIDIA_DISABLE_REQUIRE/);
    // the end-of-life notes of passing targets are details, not headlines
    expect(body.slice(0, at('<details>'))).not.toContain('BRANCH&#95;EOL');
    expect(body).toContain('commit <code>0123456789ab</code>');
    expect(body).toContain(`<a href="${RUN}">run</a>`);
  });

  test('many images: one line per target and reason, the table folded into the details with every row', () => {
    const report = manyImages(
      150,
      (i) => `docker-archive:images/service-${i}.tar`,
      (i) => i % 10 === 0,
    );
    const body = renderCommentBody(report, { key: '', runUrl: RUN });
    expect(fitsBudget(body)).toBe(true);
    expect(body.split('\n')[1]).toBe('### ❌ 15 of 150 images will not run on <code>edge-t4</code>');
    expect(body).toMatch(
      /- ❌ \*\*edge-t4\*\* · <code>service-0\.tar<\/code> — .* <sub>and 14 more images: <code>service-10\.tar<\/code>, <code>service-20\.tar<\/code>, <code>service-30\.tar<\/code>, …<\/sub>/,
    );
    expect(body.indexOf('| Image |')).toBeGreaterThan(body.indexOf('<details>'));
    expect(body.match(/^\| <code>service-/gm)).toHaveLength(150);
    expect(body).toContain(RUN);
  });

  test('hundreds of images: table rows are cut worst first, with a line counting the rest; the headline counts all', () => {
    const report = manyImages(
      800,
      (i) => `docker-archive:/builds/monorepo/services/inference-worker-${i}/image-cuda12.4-ubuntu22.04.tar`,
      (i) => i % 100 === 7,
    );
    const body = renderCommentBody(report, { key: '', runUrl: RUN });
    expect(body.length).toBeLessThan(COMMENT_LIMIT);
    expect(fitsBudget(body)).toBe(true);
    expect(body.split('\n')[1]).toBe('### ❌ 8 of 800 images will not run on <code>edge-t4</code>');
    // the same file name in every directory: the names shown are the full sources, so no two rows look alike
    const rows = body.match(/^\| <code>docker-archive.*$/gm) ?? [];
    expect(rows.length).toBeGreaterThan(50);
    expect(rows.length).toBeLessThan(800);
    expect(rows.slice(0, 8).every((row) => row.includes('❌'))).toBe(true);
    expect(body).toContain(`_… ${800 - rows.length} more images (${800 - rows.length} pass): see the job summary or the JSON report._`);
  });

  test('multi-byte names are budgeted in UTF-8 bytes as well as characters', () => {
    const report = manyImages(400, (i) => `docker-archive:/srv/推論サービス/モデル-${i}/画像-cuda12.4-推論ワーカー.tar`);
    const body = renderCommentBody(report, { key: '' });
    expect(Buffer.byteLength(body, 'utf8')).toBeLessThanOrEqual(60_000);
    expect(body).toContain('more images');
  });
});

describe('resolvedBody', () => {
  test('puts the banner under the marker and keeps the table', () => {
    const pass = manyImages(1, () => 'docker-archive:app.tar');
    const body = renderCommentBody(pass, { key: 'k' });
    const resolved = resolvedBody(body, 'pass');
    const lines = resolved.split('\n');
    expect(lines[0]).toBe(markerFor('k'));
    expect(lines[1]).toBe('✅ **Resolved** — every image now runs on every target.');
    expect(resolved.endsWith(body.slice(body.indexOf('\n') + 1))).toBe(true);
  });
});
