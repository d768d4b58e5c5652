/**
 * --scan config: the verdict from the image config alone. No layer is opened — proved with sources whose layers
 * would fail if read (garbage blobs, a daemon whose export throws) — and every image says, in JSON, text and
 * markdown, that its files were not read.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyseImage, checkImages, FILES_NOT_READ } from '../../src/engine/check';
import { loadMatrix } from '../../src/matrix/load';
import { renderMarkdown } from '../../src/report/markdown';
import { renderText } from '../../src/report/text';
import type { Report } from '../../src/report/types';
import { adHocTarget } from '../../src/targets/load';
import { DEFAULT_POLICY } from '../../src/model/policy';
import { probeReads, type ReadProbe } from '../cache/probes';
import { runCli } from '../cli/run-cli';
import { tarDirectory, writeDocker25Archive } from '../helpers/archives';
import { CUDA_FIXTURE } from '../helpers/cuda-fixture';
import { buildImage, removeImages, uniqueTag } from '../helpers/docker-cli';
import { describeWithEngines } from '../helpers/engines';
import { writeOciImage, type WrittenImage } from '../helpers/oci-layout';
import { tempDir } from '../helpers/tmp';

const DockerodeImage = require('dockerode/lib/image') as { prototype: { get: (...args: unknown[]) => unknown } };

const matrix = loadMatrix();
const targets = [
  adHocTarget({ driver: '550.54.15', gpu: 'A100', name: 'r550' }, matrix),
  adHocTarget({ driver: '470.82.01', gpu: 'T4', name: 'r470' }, matrix),
];

let layout: string;
let written: WrittenImage;
const sources: Record<string, string> = {};
let probe: ReadProbe;

beforeAll(async () => {
  const dir = tempDir('cg-scan-config-');
  layout = join(dir, 'layout');
  written = await writeOciImage(layout, { ...CUDA_FIXTURE, gzip: true }, 'app');
  await tarDirectory(layout, join(dir, 'oci.tar'));
  await writeDocker25Archive(layout, join(dir, 'docker25.tar'), 'cg/app:1');
  // every layer blob is now garbage: reading any of them fails (the archives above were written before)
  for (const d of written.layerDigests) writeFileSync(join(layout, 'blobs', 'sha256', d.slice('sha256:'.length)), 'not a layer');
  Object.assign(sources, {
    oci: `oci:${layout}:app`,
    'oci-archive': `oci-archive:${join(dir, 'oci.tar')}`,
    'docker-archive': `docker-archive:${join(dir, 'docker25.tar')}`,
  });
});
beforeEach(() => {
  probe = probeReads();
});
afterEach(() => probe.restore());

describe('--scan config over files', () => {
  test('a layout whose layers cannot be read: the full scan fails, the config scan answers without opening one', async () => {
    await expect(analyseImage(sources.oci, { matrix })).rejects.toMatchObject({ code: 'CORRUPT_LAYER' });
    probe.reset();
    const { image, requirement } = await analyseImage(sources.oci, { matrix, scan: 'config' });
    expect({ opened: probe.opened, analysed: probe.analysed }).toEqual({ opened: 0, analysed: 0 });
    expect(image.scan).toMatchObject({ mode: 'config', layersRead: 0, layersFromCache: 0, bytesRead: 0 });
    expect(image.layers).toEqual([]);
    // evidence from env, labels and NVIDIA_REQUIRE_* only
    expect(image.evidence.length).toBeGreaterThan(0);
    expect(image.evidence.every((e) => e.from === 'config')).toBe(true);
    expect(image.evidence.map((e) => e.key)).toEqual(expect.arrayContaining(['env:CUDA_VERSION', 'env:NVIDIA_REQUIRE_CUDA']));
    expect(requirement.majors).toEqual([12]);
    expect(image.findings).toContainEqual(
      expect.objectContaining({ code: 'FILES_NOT_READ', message: expect.stringContaining('files were not read (--scan config)') }),
    );
  });

  test.each(['oci-archive', 'docker-archive'])('%s: no layer is opened', async (kind) => {
    const { image } = await analyseImage(sources[kind], { matrix, scan: 'config' });
    expect({ opened: probe.opened, analysed: probe.analysed }).toEqual({ opened: 0, analysed: 0 });
    expect(image.findings.map((f) => f.code)).toContain('FILES_NOT_READ');
  });

  test('every image of a config scan carries the note; the renderers show it above the verdicts', async () => {
    const report: Report = await checkImages({
      sources: [sources['oci-archive'], sources['docker-archive']],
      targets,
      policy: DEFAULT_POLICY,
      matrix,
      scan: 'config',
    });
    for (const img of report.images) {
      expect(img.scan.mode).toBe('config');
      expect(img.findings.filter((f) => f.code === FILES_NOT_READ.code)).toHaveLength(1);
    }
    expect(report.results).toHaveLength(4);
    const text = renderText(report);
    expect(text.indexOf('files were not read (--scan config) for any image')).toBeGreaterThan(-1);
    expect(text.indexOf('files were not read (--scan config)')).toBeLessThan(text.indexOf('IMAGE'));
    expect(text.match(/note: files were not read \(--scan config\)/g)).toHaveLength(2);
    const markdown = renderMarkdown(report, { details: false });
    expect(markdown).toContain('> ⚠️ Files were not read (--scan config) for any image');
  });

  test('the full scan says nothing of the kind', async () => {
    const report = await checkImages({ sources: [sources['oci-archive']], targets, policy: DEFAULT_POLICY, matrix });
    expect(report.images[0].scan.mode).toBe('full');
    expect(report.images[0].findings.map((f) => f.code)).not.toContain('FILES_NOT_READ');
    expect(renderText(report)).not.toContain('--scan config');
    expect(renderMarkdown(report)).not.toContain('--scan config');
  });
});

describe('cuda-gate check --scan config', () => {
  const xdg = tempDir('cg-xdg-');
  let saved: string | undefined;
  beforeAll(() => {
    saved = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = xdg;
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = saved;
  });

  test('JSON: scan.mode config and the FILES_NOT_READ finding; no layer opened, no cache created', async () => {
    const out = await runCli('check', sources['docker-archive'], '--driver', '550.54.15', '--scan', 'config', '--format', 'json');
    expect(out.stderr).toBe('');
    const report = JSON.parse(out.stdout) as Report;
    expect(report.images[0].scan).toMatchObject({ mode: 'config', layersRead: 0 });
    expect(report.images[0].findings.map((f) => f.code)).toContain('FILES_NOT_READ');
    expect(probe.opened).toBe(0);
    expect(existsSync(join(xdg, 'cuda-gate'))).toBe(false);
  });

  test('text: the note is printed', async () => {
    const out = await runCli('check', sources.oci, '--driver', '550.54.15', '--scan', 'config');
    expect(out.stdout).toContain('files were not read (--scan config)');
    expect(out.stdout).toContain('note: files were not read (--scan config): libraries, packages and GPU code are not checked');
  });

  test('markdown: the note is shown', async () => {
    const out = await runCli('check', sources.oci, '--driver', '550.54.15', '--scan', 'config', '--format', 'markdown');
    expect(out.stdout).toContain('Files were not read (--scan config)');
  });

  test('a scan mode that does not exist is bad input (exit 2)', async () => {
    const out = await runCli('check', sources.oci, '--driver', '550.54.15', '--scan', 'quick');
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/--scan "quick" is not one of full, config/);
  });
});

describeWithEngines('--scan config over the daemon', ['docker'], () => {
  const tag = uniqueTag('scan-config');
  beforeAll(() =>
    buildImage(tag, { 'usr/local/cuda-12.4/lib64/libcudart.so.12.4.127': 'cudart' }, 'ENV CUDA_VERSION=12.4.127 NVIDIA_REQUIRE_CUDA="cuda>=12.4"'),
  );
  afterAll(() => removeImages(tag));

  test('inspect alone answers: an export that would throw is never asked for', async () => {
    const exportImage = jest.spyOn(DockerodeImage.prototype, 'get').mockImplementation(() => {
      throw new Error('the export must not be called');
    });
    try {
      await expect(analyseImage(`docker-daemon:${tag}`, { matrix })).rejects.toThrow();
      exportImage.mockClear();
      const { image } = await analyseImage(`docker-daemon:${tag}`, { matrix, scan: 'config' });
      expect(exportImage).not.toHaveBeenCalled();
      expect(image.scan.mode).toBe('config');
      expect(image.cuda).toMatchObject({ major: 12 });
      expect(image.findings.map((f) => f.code)).toContain('FILES_NOT_READ');
    } finally {
      exportImage.mockRestore();
    }
  });
});
