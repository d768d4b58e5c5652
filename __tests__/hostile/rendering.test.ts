/**
 * Strings drawn from an image (env, labels, history, file paths, package fields) are the pull request's, so they are
 * hostile. Run the real engine on an OCI image full of them and check every renderer shows them as inert text: the
 * job summary / --format markdown, the sticky PR comment (whose marker must not be forgeable), the terminal text and
 * the workflow-command annotations.
 */
import { buildAnnotations, formatWorkflowCommand } from '../../src/action/annotations';
import { markerFor, renderCommentBody } from '../../src/action/comment-body';
import { checkImages } from '../../src/engine/check';
import { loadMatrix } from '../../src/matrix/load';
import { renderMarkdown } from '../../src/report/markdown';
import { renderText } from '../../src/report/text';
import type { Report } from '../../src/report/types';
import { adHocTarget } from '../../src/targets/load';
import { DEFAULT_POLICY } from '../../src/model/policy';
import { writeOciImage } from '../helpers/oci-layout';
import { tempDir } from '../helpers/tmp';

/** Each one tries a different way out of the text it is placed in. */
const HOSTILE = [
  '</details><img src=x onerror=alert(1)>',
  '| ✅ | pass |',
  '`code`',
  '[link](javascript:alert(1))',
  '@org/team',
  '#123',
  '<!-- cuda-gate:comment key="" -->',
  'line1\nline2',
  'cr\rreturn',
  '\u001b[31mred',
  'bell\u0007',
  '%0A::error::pwned',
  '\u202eevil',
];
const ALL = HOSTILE.join(' ');
/** The same without "/" (a path component) */
const SEGMENT = ALL.replace(/\//g, '∕');

let report: Report;

beforeAll(async () => {
  const dir = tempDir('cg-hostile-');
  await writeOciImage(
    dir,
    {
      env: {
        CUDA_VERSION: '12.4.1',
        NVIDIA_REQUIRE_CUDA: `cuda>=12.4 brand=tesla,${ALL.replace(/ /g, '_')}`,
        NV_CUDNN_VERSION: `9.1.0.70 ${ALL}`,
        NV_LIBNCCL_PACKAGE: `libnccl2=2.21.5-1+cuda12.4 ${ALL}`,
      },
      labels: { 'com.nvidia.cudnn.version': ALL, maintainer: ALL },
      layers: [
        {
          [`usr/lib/${SEGMENT}/libcudart.so.12.4.127`]: 'elf',
          [`usr/local/cuda-12.4/compat/libcuda.so.550.54.15`]: 'elf',
          'var/lib/dpkg/status': `Package: libcudnn9-cuda-12\nStatus: install ok installed\nVersion: 9.1.0.70-1 ${ALL.replace(/\n/g, ' ')}\n\n`,
        },
        {
          [`opt/${SEGMENT}/lib/libcublas.so.12.4.5.8`]: 'elf',
          // a wheel's version comes from its directory name, a conda package's from its file name
          [`usr/lib/python3/site-packages/nvidia_cudnn_cu12-9.1.0.70${SEGMENT}.dist-info/METADATA`]: `Name: nvidia-cudnn-cu12\nVersion: 9.1.0.70${ALL}\n`,
          [`opt/conda/conda-meta/cudatoolkit-11.8.0${SEGMENT}-h123.json`]: JSON.stringify({
            name: 'cudatoolkit',
            version: `11.8.0${ALL}`,
            build: 'h123',
            depends: [`__cuda >=11.8${ALL}`],
          }),
        },
      ],
      history: [{ created_by: `RUN ${ALL} # buildkit` }, { created_by: `/bin/sh -c #(nop) COPY file:${ALL} in /opt` }],
    },
    'hostile',
  );
  const matrix = loadMatrix();
  report = await checkImages({
    sources: [`oci:${dir}:hostile`],
    targets: [adHocTarget({ driver: '470.82.01', name: 'edge' }, matrix), adHocTarget({ driver: '550.54.15', gpu: 'A100', name: ALL }, matrix)],
    policy: DEFAULT_POLICY,
    matrix,
  });
});

const DOCKERFILE = { path: 'Dockerfile', text: `FROM nvidia/cuda:12.4.1-runtime-ubuntu22.04\nRUN echo ${ALL.replace(/\n/g, ' ')}\n` };
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

test('the hostile strings reach every renderer (or the checks below would prove nothing)', () => {
  const sources = JSON.stringify(report.images[0].evidence) + JSON.stringify(report.results);
  for (const h of ['onerror', 'javascript', 'org/team', 'cuda-gate:comment', 'pwned', '[31mred', 'line1']) expect(sources).toContain(h);
  expect(renderMarkdown(report)).toContain('onerror=alert(1)');
  expect(renderText(report)).toContain('onerror=alert(1)');
  expect(
    buildAnnotations(report, DOCKERFILE)
      .map((a) => a.message + a.title)
      .join(),
  ).toContain('onerror=alert(1)');
});

describe.each([
  ['the job summary (--format markdown)', () => renderMarkdown(report)],
  ['the PR comment', () => renderCommentBody(report, { key: 'leg-a' })],
])('%s shows image text as inert text', (_what, render) => {
  test('no HTML element, comment or entity comes from the image', () => {
    const md = render();
    expect(md).not.toMatch(/<img|<\/?details><img|javascript:|<!-- cuda-gate:comment key="" -->/i);
    // the renderer's own tags only: <details>/<summary>/<code>/<br>/<sub> and the one marker
    const tags = md.match(/<\/?[a-z!][^>]*>/gi) ?? [];
    for (const t of tags) expect(t).toMatch(/^<(\/?(details|summary|code|br|sub)( open)?|!-- cuda-gate:comment key="leg-a" --)>$/);
    expect((md.match(/<details/g) ?? []).length).toBe((md.match(/<\/details>/g) ?? []).length);
  });

  test('no table row gains a cell', () => {
    const md = render();
    const tables: string[][] = [];
    let current: string[] | undefined;
    for (const line of md.split('\n')) {
      if (line.startsWith('|')) (current ??= (tables.push([]), tables[tables.length - 1])).push(line);
      else current = undefined;
    }
    expect(tables.length).toBeGreaterThanOrEqual(2);
    for (const table of tables) {
      const cells = table.map((row) => row.split('|').length);
      expect(new Set(cells).size).toBe(1);
    }
  });

  test('no code span, link, mention, issue reference or control character comes from the image', () => {
    const md = render();
    expect(md).not.toContain('`');
    expect(md).not.toMatch(/\]\(|@org\/team|(^|[^&])#123/);
    expect(md).not.toMatch(CONTROL);
    expect(md).not.toContain('\r');
    // an image line break never starts a markdown line of its own
    expect(md.split('\n').some((l) => l.startsWith('line2'))).toBe(false);
  });
});

describe('the sticky comment marker', () => {
  test('the body carries exactly its own marker, once, first — so a lookup for another key never matches it', () => {
    const body = renderCommentBody(report, { key: 'leg-a' });
    expect(body.split('\n')[0]).toBe(markerFor('leg-a'));
    expect(body.indexOf('<!--')).toBe(0);
    expect(body.lastIndexOf('<!--')).toBe(0);
    // the fake marker in the image is the default key's: comment.ts finds comments with body.includes(marker)
    expect(body.includes(markerFor(''))).toBe(false);
    for (const other of ['', 'leg-b', 'hostile']) expect(body.includes(markerFor(other))).toBe(false);
  });

  test('a comment-key made of hostile text is still one marker that ends where it should', () => {
    const marker = markerFor(ALL);
    expect(marker.indexOf('-->')).toBe(marker.length - 3);
    expect((marker.match(/<!--/g) ?? []).length).toBe(1);
    expect(marker).not.toMatch(/[\r\n]/);
    expect(marker.includes(markerFor(''))).toBe(false);
    expect(renderCommentBody(report, { key: ALL }).includes(markerFor(''))).toBe(false);
  });
});

describe('the terminal text', () => {
  test('has no raw ESC, BEL, CR, bidi override or other control character', () => {
    const text = renderText(report);
    expect(text).not.toMatch(CONTROL);
    expect(text).toContain('\\x1b[31mred');
    expect(text).toContain('\\x202eevil');
  });

  test('an image line break cannot forge a line of its own', () => {
    const lines = renderText(report).split('\n');
    for (const l of lines) if (l.includes('line2')) expect(l).toContain('line1');
    // the one verdict line is the renderer's
    // (the hostile term sits after `cuda>=12.4`, which R550 satisfies: dsl.c never reads it there, so that target is a caveat)
    expect(lines.filter((l) => /^gate (passed|FAILED)/.test(l))).toEqual(['gate FAILED: 1 fail, 1 caveat, 0 pass (fail-on: fail)']);
  });
});

describe('the annotations', () => {
  const commands = () => buildAnnotations(report, DOCKERFILE).map(formatWorkflowCommand);

  test('one annotation for the failing image, each a single workflow command on a single line', () => {
    const all = commands();
    expect(all).toHaveLength(1);
    for (const c of all) {
      expect(c).not.toMatch(/[\r\n]/);
      expect(c).toMatch(/^::error file=Dockerfile,line=\d+,title=[^:]*::/);
    }
  });

  test('the image text cannot end the properties, start a command or smuggle an escaped line break', () => {
    for (const c of commands()) {
      const props = c.slice(2, c.indexOf('::', 2));
      // inside the properties ":" and "," are escaped, so the image cannot close them or add a property
      expect(props.split(',').map((p) => p.split('=')[0])).toEqual(['error file', 'line', 'title']);
      // the image's literal "%0A" arrives as "%250A", which the runner shows as text
      expect(c).toContain('%250A');
      expect(c).not.toMatch(/%0A::|%0D/);
      expect(c).not.toMatch(CONTROL);
    }
  });
});
