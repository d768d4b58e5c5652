/**
 * The PR comment as a reviewer sees it: rendered in headless Chromium at GitHub's 880-px comment column
 * (scripts/render-markdown.cjs), it must fit one screen for the example image and stay readable for 40 images × 8
 * targets — measured in pixels, not characters. Skipped, saying so, where Chromium is not installed.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderCommentBody, resolvedBody } from '../../src/action/comment-body';
import type { Report } from '../../src/report/types';
import { ROOT } from '../action/run-action';
import { writeBaselineFixture } from '../helpers/baseline-fixture';
import { testIf } from '../helpers/skip';
import { tempDir } from '../helpers/tmp';

const { renderMarkdown, chromium } = require('../../scripts/render-markdown.cjs') as {
  renderMarkdown: (markdown: string, png?: string) => { height: number; width: number; html: string };
  chromium: () => string | undefined;
};

/** One screen: what GitHub shows of a comment at 880 px before a reviewer scrolls. */
const ONE_SCREEN_PX = 900;
const RUN = 'https://github.com/octo-org/gpu-service/actions/runs/11922334455';
const EIGHT_TARGETS = `targets:
  prod-a100: { driver: 535.104.05, gpu: A100, forward-compat: true }
  inference-l4: { driver: 550.54.15, gpu: L4 }
  edge-t4: { driver: 470.82.01, gpu: T4 }
  dev-rtx4090: { driver: 560.35.03, gpu: RTX 4090 }
  train-h100: { driver: 570.86.15, gpu: H100 }
  old-v100: { driver: 450.80.02, gpu: V100 }
  batch-a10: { driver: 535.183.01, gpu: A10 }
  b200: { driver: 575.57.08, gpu: B200 }
`;

function check(targets: string, source = 'docker-archive:examples/images/cuda12.4-app.tar', ...more: string[]): Report {
  const r = spawnSync(process.execPath, ['dist/cli.js', 'check', source, ...more, '--targets', targets, '--format', 'json'], { cwd: ROOT, encoding: 'utf8' });
  return JSON.parse(r.stdout) as Report;
}

/** RENDER_OUT=docs/comment npx jest rendered-height: also writes the screenshots README shows. */
function render(body: string, name: string) {
  const out = process.env.RENDER_OUT;
  if (out) writeFileSync(join(out, `${name}.md`), body);
  return renderMarkdown(body, out ? join(out, `${name}.png`) : undefined);
}

/** The example image under `count` names, as a 40-service monorepo would gate them. */
function fleet(one: Report, count: number): Report {
  const images = Array.from({ length: count }, (_, i) => ({ ...one.images[0], source: `ghcr.io/acme/service-${String(i).padStart(2, '0')}:pr-123` }));
  const results = images.flatMap((img) => one.results.map((r) => ({ ...r, image: img.source })));
  const count_ = (v: string) => results.filter((r) => r.verdict === v).length;
  return { ...one, images, results, summary: { ...one.summary, pass: count_('pass'), caveat: count_('caveat'), fail: count_('fail') } };
}

const installed = chromium() !== undefined;
const maybe = testIf(installed, 'chromium is not installed (apt-get install chromium fonts-noto-color-emoji)');

describe('the PR comment rendered at 880 px', () => {
  maybe(
    'the example image (4 targets, one failing, one caveat): one screen, nothing cut at the right',
    () => {
      const body = renderCommentBody(check('examples/cuda-targets.yml'), { key: 'gate', runUrl: RUN, commit: '0123456789abcdef' });
      const { height, width } = render(body, 'failing');
      expect(height).toBeLessThanOrEqual(ONE_SCREEN_PX);
      expect(width).toBeLessThanOrEqual(880);
    },
    60_000,
  );

  maybe(
    '40 images × 8 targets: grouped by target and reason, under a screen and a half (was 14,500 px)',
    () => {
      const dir = tempDir('cg-render-');
      writeFileSync(join(dir, 'targets.yml'), EIGHT_TARGETS);
      const body = renderCommentBody(fleet(check(join(dir, 'targets.yml')), 40), { key: 'gate', runUrl: RUN });
      const { height, width } = render(body, 'fleet-40x8');
      expect(height).toBeLessThanOrEqual(1.5 * ONE_SCREEN_PX);
      expect(width).toBeLessThanOrEqual(880);
    },
    60_000,
  );

  maybe(
    'a pull request that moves to CUDA 12.4: the verdict changes first, one screen',
    async () => {
      const f = await writeBaselineFixture();
      const body = renderCommentBody(check(f.targetsFile, f.cuda124, '--baseline', f.cuda118), { key: 'gate', runUrl: RUN });
      expect(body.indexOf('pass → fail')).toBeGreaterThan(0);
      expect(body.indexOf('pass → fail')).toBeLessThan(body.indexOf('**Fails**'));
      expect(render(body, 'baseline-change').height).toBeLessThanOrEqual(ONE_SCREEN_PX);
    },
    60_000,
  );

  maybe(
    'resolved: the banner over the last table, one screen',
    () => {
      const dir = tempDir('cg-render-');
      writeFileSync(
        join(dir, 'targets.yml'),
        'targets:\n  inference-l4: { driver: 550.54.15, gpu: L4 }\n  dev-rtx4090: { driver: 560.35.03, gpu: RTX 4090 }\n',
      );
      const body = resolvedBody(renderCommentBody(check(join(dir, 'targets.yml')), { key: 'gate', runUrl: RUN }), 'pass');
      expect(body).toContain('✅ **Resolved**');
      expect(render(body, 'resolved').height).toBeLessThanOrEqual(ONE_SCREEN_PX);
    },
    60_000,
  );
});
