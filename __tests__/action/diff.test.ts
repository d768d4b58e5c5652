/**
 * What a PR changed in an image's CUDA stack, against the baseline image: from engine reports (the committed
 * example archive against a CUDA 12.1 variant written here) and from hand-built report images.
 */
import { join } from 'node:path';
import { analyseImage } from '../../src/engine/check';
import type { Evidence } from '../../src/evidence/types';
import { loadMatrix } from '../../src/matrix/load';
import { diffImages, renderChanges } from '../../src/report/diff';
import { renderMarkdown } from '../../src/report/markdown';
import { renderText } from '../../src/report/text';
import type { Change, Report, ReportImage } from '../../src/report/types';
import { writeOciImage } from '../helpers/oci-layout';
import { tempDir } from '../helpers/tmp';

const ROOT = join(__dirname, '../..');
const EXAMPLE = `docker-archive:${join(ROOT, 'examples/images/cuda12.4-app.tar')}`;

const dpkg = (pkgs: [string, string][]) => pkgs.map(([p, v]) => `Package: ${p}\nStatus: install ok installed\nArchitecture: amd64\nVersion: ${v}\n`).join('\n');

describe('diff of engine reports: a CUDA 12.1 / cuDNN 8 base branch against the CUDA 12.4 example', () => {
  const matrix = loadMatrix();
  let changes: Change[];
  let baseline: ReportImage;
  let current: ReportImage;

  beforeAll(async () => {
    const dir = tempDir('cg-diff-');
    const lib = 'usr/local/cuda-12.1/targets/x86_64-linux/lib';
    await writeOciImage(
      dir,
      {
        layers: [
          {
            [`${lib}/libcudart.so.12.1.105`]: 'elf',
            [`${lib}/libcudart.so.12`]: { symlink: 'libcudart.so.12.1.105' },
            [`${lib}/libcublas.so.12.1.3.1`]: 'elf',
            'usr/lib/x86_64-linux-gnu/libcudnn.so.8.9.0': 'elf',
            'var/lib/dpkg/status': dpkg([
              ['cuda-cudart-12-1', '12.1.105-1'],
              ['libcublas-12-1', '12.1.3.1-1'],
              ['libcudnn8', '8.9.0.131-1+cuda12.1'],
            ]),
          },
        ],
        env: { CUDA_VERSION: '12.1.1', NV_CUDNN_VERSION: '8.9.0.131' },
      },
      'base',
    );
    baseline = (await analyseImage(`oci:${dir}:base`, { matrix })).image;
    current = (await analyseImage(EXAMPLE, { matrix })).image;
    changes = diffImages(baseline, current);
  });

  test('the driver floor comes first, raised', () => {
    expect(changes[0]).toMatchObject({ kind: 'driver-floor', direction: 'worse', image: EXAMPLE, baseline: baseline.source });
    expect(changes[0].text).toBe(`raises the driver floor from ${baseline.requirement.minDriver} to 550.54.15`);
  });

  test('the runtime moved', () => {
    expect(changes.find((c) => c.kind === 'runtime')?.text).toBe('moves the CUDA runtime from 12.1.105 to 12.4.127');
  });

  test('components: cuDNN changed (package version, not the env), NCCL added, cuBLAS changed', () => {
    const texts = changes.map((c) => c.text);
    expect(texts).toContain('changes cuDNN from 8.9.0.131 to 9.1.0.70');
    expect(texts).toContain('adds NCCL 2.21.5');
    expect(texts).toContain('changes cuBLAS from 12.1.3.1 to 12.4.5.8');
    // one line per component, however many env/file/package items say so
    expect(texts.filter((t) => t.includes('cuDNN'))).toHaveLength(1);
  });

  test('forward-compat libs added', () => {
    expect(changes.find((c) => c.kind === 'forward-compat')).toMatchObject({
      direction: 'better',
      text: 'adds forward-compat libs (libcuda 550.54.15 for CUDA 12.4)',
    });
  });

  test('the reverse diff says the opposite: floor lowered, NCCL dropped', () => {
    const back = diffImages(current, baseline);
    expect(back[0]).toMatchObject({
      kind: 'driver-floor',
      direction: 'better',
      text: `lowers the driver floor from 550.54.15 to ${baseline.requirement.minDriver}`,
    });
    expect(back.find((c) => c.kind === 'component-removed' && c.text.startsWith('drops NCCL'))?.text).toBe('drops NCCL (was 2.21.5)');
    expect(back.find((c) => c.kind === 'forward-compat')?.direction).toBe('worse');
  });

  test('an image against itself: no changes', () => {
    expect(diffImages(current, current)).toEqual([]);
    expect(diffImages(baseline, { ...baseline, source: 'other' })).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------------

function image(over: Omit<Partial<ReportImage>, 'requirement'> & { requirement?: Partial<ReportImage['requirement']> } = {}): ReportImage {
  const { requirement, ...rest } = over;
  return {
    source: 'docker-daemon:app:pr',
    ref: 'app:pr',
    platform: 'linux/amd64',
    cuda: { runtime: '12.2.140', major: 12 },
    evidence: [],
    findings: [],
    layers: [],
    scan: { mode: 'full', layersRead: 0, bytesRead: 0, seconds: 0 },
    ...rest,
    requirement: { minDriver: '535.54.03', minorCompatDriver: '525.60.13', majors: [12], needs: [], require: [], requireDisabled: false, ...requirement },
  };
}

const ev = (e: Partial<Evidence> & Pick<Evidence, 'kind'>): Evidence => ({ from: 'file', confidence: 'exact', ...e });

describe('diff of hand-built report images', () => {
  test('driver floors compare numerically: 535.104.05 is above 535.54.03', () => {
    const changes = diffImages(image(), image({ requirement: { minDriver: '535.104.05' } }));
    expect(changes).toEqual([
      {
        image: 'docker-daemon:app:pr',
        baseline: 'docker-daemon:app:pr',
        kind: 'driver-floor',
        text: 'raises the driver floor from 535.54.03 to 535.104.05',
        direction: 'worse',
      },
    ]);
    expect(diffImages(image({ requirement: { minDriver: '535.104.05' } }), image())[0].text).toBe('lowers the driver floor from 535.104.05 to 535.54.03');
  });

  test('a CUDA major change says so, and the minor-version compatibility floor moves with it', () => {
    const before = image({ cuda: { runtime: '11.8.89', major: 11 }, requirement: { minDriver: '520.61.05', minorCompatDriver: '450.80.02', majors: [11] } });
    const texts = diffImages(before, image()).map((c) => `${c.kind}: ${c.text}`);
    expect(texts).toEqual([
      'driver-floor: raises the driver floor from 520.61.05 to 535.54.03',
      'driver-floor: raises the minor-version compatibility floor from 450.80.02 to 525.60.13',
      'runtime: moves the CUDA runtime from 11.8.89 to 12.2.140',
      expect.stringMatching(/^cuda-major: moves from CUDA 11 to CUDA 12/),
    ]);
  });

  test('mixing majors is reported', () => {
    expect(diffImages(image(), image({ requirement: { majors: [11, 12] } })).map((c) => c.text)).toEqual(['now mixes CUDA majors 11 and 12']);
  });

  test('config evidence only counts where no file or package says otherwise', () => {
    const before = image({ evidence: [ev({ kind: 'cudnn', from: 'config', key: 'env:NV_CUDNN_VERSION', version: '8.9.7.29' })] });
    const after = image({
      evidence: [
        ev({ kind: 'cudnn', from: 'config', key: 'env:NV_CUDNN_VERSION', version: '8.9.7.29' }), // stale env left behind
        ev({ kind: 'cudnn', path: '/usr/lib/libcudnn.so.9.1.0', version: '9.1.0' }),
        ev({ kind: 'cudnn', from: 'package', package: 'libcudnn9-cuda-12', version: '9.1.0.70' }),
      ],
    });
    expect(diffImages(before, after).map((c) => c.text)).toEqual(['changes cuDNN from 8.9.7.29 to 9.1.0.70']);
  });

  test('a version known more precisely on one side is not a change', () => {
    const before = image({ evidence: [ev({ kind: 'nccl', from: 'package', version: '2.21.5' })] });
    const after = image({ evidence: [ev({ kind: 'nccl', version: '2.21' })] });
    expect(diffImages(before, after)).toEqual([]);
  });

  test('NCCL dropped, cuDNN added, pip wheels per package', () => {
    const before = image({
      evidence: [ev({ kind: 'nccl', version: '2.18.3' }), ev({ kind: 'pip-package', component: 'nvidia-cublas-cu12', version: '12.1.3.1' })],
    });
    const after = image({
      evidence: [ev({ kind: 'cudnn', version: '9.1.0' }), ev({ kind: 'pip-package', component: 'nvidia-cublas-cu12', version: '12.4.5.8' })],
    });
    expect(diffImages(before, after).map((c) => [c.kind, c.text, c.direction])).toEqual([
      ['component-added', 'adds cuDNN 9.1.0', 'neutral'],
      ['component-removed', 'drops NCCL (was 2.18.3)', 'neutral'],
      ['component-changed', 'changes nvidia-cublas-cu12 from 12.1.3.1 to 12.4.5.8', 'neutral'],
    ]);
  });

  test("baking in the driver's libcuda is worse, removing it better", () => {
    const withLib = image({ evidence: [ev({ kind: 'driver-lib', path: '/usr/lib/libcuda.so.1', version: '535.104.05' })] });
    expect(diffImages(image(), withLib)[0]).toMatchObject({ kind: 'component-added', direction: 'worse' });
    expect(diffImages(withLib, image())[0]).toMatchObject({ kind: 'component-removed', direction: 'better' });
  });

  test('a runtime appearing or vanishing', () => {
    const none = image({ cuda: null, requirement: { minDriver: undefined, minorCompatDriver: undefined, majors: [] } });
    const texts = diffImages(none, image()).map((c) => c.text);
    expect(texts).toContain('sets a driver floor of 535.54.03 (the baseline had none)');
    expect(texts).toContain('adds a CUDA runtime (12.2.140)');
    expect(diffImages(image(), none).map((c) => c.text)).toContain('removes the CUDA runtime (was 12.2.140)');
  });

  describe('GPU code (requirement.gpuCode, optional)', () => {
    const withCode = (sass: string[], ptx: string[]) => {
      const img = image();
      (img.requirement as { gpuCode?: unknown }).gpuCode = { sass, ptx };
      return img;
    };

    test('dropped SASS and added PTX, losses first', () => {
      const changes = diffImages(withCode(['sm_75', 'sm_80', 'sm_90'], ['compute_80']), withCode(['sm_80', 'sm_90'], ['compute_80', 'compute_90']));
      expect(changes.map((c) => [c.kind, c.text, c.direction])).toEqual([
        ['gpu-code', 'drops SASS for sm_75', 'worse'],
        ['gpu-code', 'adds PTX compute_90', 'better'],
      ]);
    });

    test('architectures sort numerically', () => {
      const changes = diffImages(withCode(['sm_90', 'sm_100', 'sm_75'], []), withCode([], []));
      expect(changes[0].text).toBe('drops SASS for sm_75, sm_90, sm_100');
    });

    test('no GPU code on either side (not scanned): nothing said', () => {
      expect(diffImages(image(), withCode(['sm_80'], []))).toEqual([]);
      expect(diffImages(withCode(['sm_80'], []), image())).toEqual([]);
    });
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('rendering', () => {
  const change = (over: Partial<Change>): Change => ({
    image: 'app:pr',
    baseline: 'app:main',
    kind: 'driver-floor',
    text: 'raises the driver floor from 525.60.13 to 550.54.15',
    direction: 'worse',
    ...over,
  });

  test('one image: a list with direction marks', () => {
    const md = renderChanges([
      change({}),
      change({ kind: 'component-added', text: 'adds cuDNN 9.1.0.70', direction: 'neutral' }),
      change({ kind: 'gpu-code', text: 'adds PTX compute_90', direction: 'better' }),
    ]);
    expect(md).toContain('- ⬆️ raises the driver floor from 525.60.13 to 550.54.15');
    expect(md).toContain('- ↔️ adds cuDNN 9.1.0.70');
    expect(md).toContain('- ⬇️ adds PTX compute&#95;90');
    expect(md).toContain('<code>app&#58;pr</code> against <code>app&#58;main</code>');
  });

  test('several images: grouped under each image', () => {
    const md = renderChanges([change({}), change({ image: 'worker:pr', baseline: 'worker:main' })]);
    expect(md).toMatch(/^- <code>app&#58;pr<\/code> \(against <code>app&#58;main<\/code>\)\n {2}- ⬆️ raises/);
    expect(md).toContain('- <code>worker&#58;pr</code>');
  });

  test('image-derived text is escaped', () => {
    const md = renderChanges([change({ image: '<img src=x onerror=alert(1)>', text: 'adds [evil](https://x) <script>|' })]);
    expect(md).not.toMatch(/<img|<script|\]\(/);
    expect(md).toContain('&lt;script&gt;&#124;');
  });

  test('no changes: nothing', () => {
    expect(renderChanges([])).toBe('');
  });

  const report = (changes?: Change[]): Report => ({
    schemaVersion: 1,
    tool: { name: 'cuda-gate', version: '0.0.0' },
    matrix: { version: 'test', date: '2026-01-01' },
    policy: { failOn: 'fail', noCuda: 'warn' },
    targets: [],
    images: [image({ source: 'app:pr' })],
    results: [],
    summary: { pass: 0, caveat: 0, fail: 0, verdict: 'pass', gatePassed: true },
    changes,
  });

  test('the markdown report puts the stack changes ("What this PR changes") first in the details', () => {
    const md = renderMarkdown(report([change({})]));
    const changesAt = md.indexOf('#### What this PR changes');
    expect(changesAt).toBeGreaterThan(md.indexOf('<details>'));
    expect(changesAt).toBeLessThan(md.indexOf('<details><summary>', md.indexOf('<details>') + 1));
    expect(renderMarkdown(report([]))).not.toContain('What this PR changes');
    expect(renderMarkdown(report())).not.toContain('What this PR changes');
  });

  test('the text report lists the changes at the top', () => {
    const text = renderText(report([change({}), change({ text: 'drops NCCL', direction: 'neutral', kind: 'component-removed' })]));
    expect(text).toContain('app:pr (against app:main):\n  + raises the driver floor from 525.60.13 to 550.54.15\n  ~ drops NCCL');
    expect(text.indexOf('raises the driver floor')).toBeLessThan(text.indexOf('IMAGE'));
  });
});
