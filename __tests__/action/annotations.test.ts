/**
 * Annotations: one per failing or caveated image, anchored on the Dockerfile line that brought the CUDA stack in,
 * capped to what the runner keeps, and inert whatever the image says.
 */
import { join } from 'node:path';
import { ANNOTATIONS_PER_LEVEL, buildAnnotations, formatWorkflowCommand } from '../../src/action/annotations';
import { checkImages } from '../../src/engine/check';
import { loadMatrix } from '../../src/matrix/load';
import type { Report, ReportEvidence, ReportImage } from '../../src/report/types';
import { loadTargetsFile } from '../../src/targets/load';
import { DEFAULT_POLICY } from '../../src/model/policy';
import type { Reason, Result } from '../../src/verdict/types';

const ROOT = join(__dirname, '../..');
const EXAMPLE = `docker-archive:${join(ROOT, 'examples/images/cuda12.4-app.tar')}`;

describe('annotations for the example image (engine report)', () => {
  let report: Report;
  beforeAll(async () => {
    const matrix = loadMatrix();
    const { targets, policy } = loadTargetsFile(join(ROOT, 'examples/cuda-targets.yml'), matrix);
    report = await checkImages({ sources: [EXAMPLE], targets, policy: { ...DEFAULT_POLICY, ...policy }, matrix });
  });

  test('one error for the image, naming the failing target, with the reason and the fix', () => {
    const [a, ...rest] = buildAnnotations(report);
    expect(rest).toEqual([]);
    expect(a.level).toBe('error');
    expect(a.title).toBe(`cuda-gate: ${EXAMPLE} fails on edge-t4`);
    expect(a.message).toMatch(/^DRIVER_TOO_OLD: CUDA 12\.4\.127 .*needs driver >= 550\.54\.15/);
    expect(a.message).toMatch(/\nFix: upgrade the host driver/);
    expect(a.message).toMatch(/\nAlso caveats on prod-a100 \(\w+\)\.$/);
  });

  test('fail-on-new: a failure the base branch had already is a warning; one that got worse is an error', () => {
    const image = report.images[0];
    const known: Report = {
      ...report,
      policy: { ...report.policy, failOnNew: true },
      images: [{ ...image, baseline: 'docker-archive:base.tar' }],
      transitions: [],
    };
    expect(buildAnnotations(known)[0].level).toBe('warning');
    const worse: Report = {
      ...known,
      transitions: [{ image: image.source, baseline: 'docker-archive:base.tar', target: 'edge-t4', from: 'pass', to: 'fail', code: 'DRIVER_TOO_OLD' }],
    };
    expect(buildAnnotations(worse)[0].level).toBe('error');
  });

  test('no Dockerfile: unanchored', () => {
    const [a] = buildAnnotations(report);
    expect(a.file).toBeUndefined();
    expect(a.startLine).toBeUndefined();
  });

  test('the cudart layer came from the base image: anchored on the final stage FROM line', () => {
    const text = [
      'FROM nvidia/cuda:12.4.1-devel-ubuntu22.04 AS build',
      'RUN make',
      '',
      'FROM nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04',
      'COPY . /app',
    ].join('\n');
    const [a] = buildAnnotations(report, { path: './docker/Dockerfile', text });
    expect(a).toMatchObject({ file: 'docker/Dockerfile', startLine: 4 });
  });

  test('the cudart layer is a RUN of this Dockerfile: anchored on that RUN', () => {
    const text = [
      'FROM ubuntu:22.04',
      'ENV NV_CUDA_CUDART_VERSION=12.4.127-1',
      'RUN apt-get update && apt-get install -y --no-install-recommends \\',
      '      cuda-cudart-12-4=${NV_CUDA_CUDART_VERSION} cuda-compat-12-4',
      'COPY . /app',
    ].join('\n');
    expect(buildAnnotations(report, { path: 'Dockerfile', text })[0]).toMatchObject({ file: 'Dockerfile', startLine: 3 });
  });

  test('with no matching layer line, an ENV line setting the evidence key is next best', () => {
    const text = ['FROM ubuntu:22.04', 'ENV NV_CUDA_CUDART_VERSION=12.4.127-1 CUDA_VERSION=12.4.1', 'RUN ./install-cuda.sh'].join('\n');
    expect(buildAnnotations(report, { path: 'Dockerfile', text })[0].startLine).toBe(2);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Hand-built reports

function image(source: string, over: Partial<ReportImage> = {}): ReportImage {
  return {
    source,
    ref: source,
    platform: 'linux/amd64',
    cuda: { runtime: '12.4.127', major: 12, release: '12.4.1' },
    requirement: { minDriver: '550.54.15', minorCompatDriver: '525.60.13', majors: [12], needs: [], require: [], requireDisabled: false },
    evidence: [],
    findings: [],
    layers: [],
    scan: { mode: 'full', layersRead: 0, bytesRead: 0, seconds: 0 },
    ...over,
  };
}

function reason(over: Partial<Reason> = {}): Reason {
  return { code: 'DRIVER_TOO_OLD', verdict: 'fail', message: 'CUDA 12.4 needs driver >= 550.54.15', remedy: 'upgrade the driver', ...over };
}

function ev(kind: ReportEvidence['kind'], instruction: string): ReportEvidence {
  return { kind, from: 'file', path: '/x', instruction, confidence: 'exact' };
}

function report(images: ReportImage[], results: Result[], failOn: Report['policy']['failOn'] = 'fail'): Report {
  return {
    schemaVersion: 1,
    tool: { name: 'cuda-gate', version: '0.0.0' },
    matrix: { version: 'test', date: '2026-01-01' },
    policy: { failOn, noCuda: 'warn' },
    targets: [],
    images,
    results,
    summary: { pass: 0, caveat: 0, fail: 0, verdict: 'fail', gatePassed: false },
  };
}

describe('annotations from hand-built reports', () => {
  test('an image that fails on several targets gets one annotation listing them', () => {
    const r = report(
      [image('app:pr')],
      [
        { image: 'app:pr', target: 'edge-t4', verdict: 'fail', reasons: [reason()] },
        { image: 'app:pr', target: 'prod-a100', verdict: 'fail', reasons: [reason({ message: 'other' })] },
        { image: 'app:pr', target: 'dev', verdict: 'pass', reasons: [] },
      ],
    );
    const all = buildAnnotations(r);
    expect(all).toHaveLength(1);
    expect(all[0].title).toBe('cuda-gate: app:pr fails on edge-t4, prod-a100');
    expect(all[0].message).toBe('DRIVER_TOO_OLD: CUDA 12.4 needs driver >= 550.54.15\nFix: upgrade the driver');
  });

  test('caveats only: a warning; passing images: nothing', () => {
    const r = report(
      [image('a'), image('b')],
      [
        { image: 'a', target: 't', verdict: 'caveat', reasons: [reason({ code: 'MINOR_VERSION_COMPAT', verdict: 'caveat', message: 'runs through MVC' })] },
        { image: 'b', target: 't', verdict: 'pass', reasons: [] },
      ],
    );
    expect(buildAnnotations(r)).toEqual([
      { level: 'warning', title: 'cuda-gate: a has caveats on t', message: 'MINOR_VERSION_COMPAT: runs through MVC\nFix: upgrade the driver' },
    ]);
  });

  test('with fail-on: caveat a caveat fails the gate, so its annotation is an error', () => {
    const r = report(
      [image('a')],
      [{ image: 'a', target: 't', verdict: 'caveat', reasons: [reason({ verdict: 'caveat', code: 'FORWARD_COMPAT' })] }],
      'caveat',
    );
    expect(buildAnnotations(r)[0].level).toBe('error');
  });

  test('an ENV-only reason (NVIDIA_REQUIRE_CUDA) is anchored on the ENV line that sets it', () => {
    const img = image('a', {
      evidence: [
        { kind: 'cudart', from: 'file', path: '/usr/lib/libcudart.so.12', instruction: 'RUN ./not-in-this-dockerfile.sh', confidence: 'exact' },
        { kind: 'nvidia-require', from: 'config', key: 'env:NVIDIA_REQUIRE_CUDA', value: 'cuda>=12.4', confidence: 'declared' },
      ],
    });
    const r = report(
      [img],
      [{ image: 'a', target: 't', verdict: 'fail', reasons: [reason({ code: 'REQUIRE_UNSATISFIED', origin: [{ key: 'env:NVIDIA_REQUIRE_CUDA' }] })] }],
    );
    const text = 'FROM ubuntu\nENV NVIDIA_REQUIRE_CUDA="cuda>=12.4"\nRUN true\n';
    expect(buildAnnotations(r, { path: 'Dockerfile', text })[0].startLine).toBe(2);
  });

  test('a reason with no origin falls back to the image evidence, most telling kind first', () => {
    const img = image('a', {
      evidence: [
        { kind: 'nccl', from: 'file', path: '/x/libnccl.so.2', instruction: 'RUN apt-get install -y libnccl2', confidence: 'exact' },
        { kind: 'cudart', from: 'file', path: '/x/libcudart.so.12', instruction: 'RUN apt-get install -y cuda-cudart-12-4', confidence: 'exact' },
      ],
    });
    const r = report([img], [{ image: 'a', target: 't', verdict: 'fail', reasons: [reason()] }]);
    const text = 'FROM ubuntu\nRUN apt-get install -y libnccl2\nRUN apt-get install -y cuda-cudart-12-4\n';
    expect(buildAnnotations(r, { path: 'Dockerfile', text })[0].startLine).toBe(3);
  });

  test("other evidence from this Dockerfile does not pull the anchor away from the reason's own (base image) origin", () => {
    const img = image('a', { evidence: [ev('pip-package', 'RUN pip install torch')] });
    const r = report(
      [img],
      [
        {
          image: 'a',
          target: 't',
          verdict: 'fail',
          reasons: [reason({ origin: [{ instruction: 'RUN apt-get install -y cuda-cudart-12-4', key: 'env:NV_CUDA_CUDART_VERSION' }] })],
        },
      ],
    );
    expect(buildAnnotations(r, { path: 'Dockerfile', text: 'FROM nvidia/cuda:12.4.1-runtime-ubuntu22.04\nRUN pip install torch\n' })[0].startLine).toBe(1);
  });

  test('a Dockerfile without FROM still names the file', () => {
    const r = report([image('a')], [{ image: 'a', target: 't', verdict: 'fail', reasons: [reason()] }]);
    const [a] = buildAnnotations(r, { path: 'Dockerfile', text: '' });
    expect(a.file).toBe('Dockerfile');
    expect(a.startLine).toBeUndefined();
  });

  test(`at most ${ANNOTATIONS_PER_LEVEL} per level, the worst first; one notice counts the rest and points at the job summary`, () => {
    const images = Array.from({ length: 13 }, (_, i) => image(`img-${i}`));
    const results: Result[] = images.flatMap((img, i) => [
      { image: img.source, target: 't', verdict: 'fail' as const, reasons: [reason()] },
      ...(i < 2
        ? []
        : [{ image: img.source, target: 'u', verdict: 'caveat' as const, reasons: [reason({ verdict: 'caveat', code: 'MINOR_VERSION_COMPAT' })] }]),
    ]);
    // two more that only have caveats
    images.push(image('cav-1'), image('cav-2'));
    results.push(
      { image: 'cav-1', target: 'u', verdict: 'caveat', reasons: [reason({ verdict: 'caveat' })] },
      { image: 'cav-2', target: 'u', verdict: 'caveat', reasons: [reason({ verdict: 'caveat' })] },
    );
    const all = buildAnnotations(report(images, results));
    const errors = all.filter((a) => a.level === 'error');
    expect(errors.map((a) => a.title)).toEqual(Array.from({ length: ANNOTATIONS_PER_LEVEL }, (_, i) => `cuda-gate: img-${i} fails on t`));
    expect(all.filter((a) => a.level === 'warning').map((a) => a.title)).toEqual(['cuda-gate: cav-1 has caveats on u', 'cuda-gate: cav-2 has caveats on u']);
    // img-10..12 did not fit: 3 failing results, and their 3 caveats, on 3 images
    const notices = all.filter((a) => a.level === 'notice');
    expect(notices).toEqual([
      {
        level: 'notice',
        title: 'cuda-gate: … and 3 more failing results and 3 with caveats (3 more images)',
        message: expect.stringMatching(/^… and 3 more failing results and 3 with caveats \(3 more images\): see the job summary/),
      },
    ]);
    expect(all[all.length - 1]).toBe(notices[0]);
  });

  test('fail before caveat: under fail-on: caveat both are errors, and the failing image comes first whatever the image order', () => {
    const r = report(
      [image('first-caveat'), image('then-fail'), image('passes')],
      [
        { image: 'first-caveat', target: 't', verdict: 'caveat', reasons: [reason({ verdict: 'caveat', code: 'FORWARD_COMPAT' })] },
        { image: 'then-fail', target: 't', verdict: 'fail', reasons: [reason()] },
        { image: 'passes', target: 't', verdict: 'pass', reasons: [] },
      ],
      'caveat',
    );
    expect(buildAnnotations(r).map((a) => [a.level, a.title])).toEqual([
      ['error', 'cuda-gate: then-fail fails on t'],
      ['error', 'cuda-gate: first-caveat has caveats on t'],
    ]);
  });

  test("targets are named in the targets file's order, and the first of them gives the reason", () => {
    const r = report(
      [image('x')],
      [
        { image: 'x', target: 'late', verdict: 'fail', reasons: [reason({ message: 'from late' })] },
        { image: 'x', target: 'early', verdict: 'fail', reasons: [reason({ message: 'from early' })] },
      ],
    );
    r.targets = [{ name: 'early' }, { name: 'late' }] as Report['targets'];
    const [a] = buildAnnotations(r);
    expect(a.title).toBe('cuda-gate: x fails on early, late');
    expect(a.message).toMatch(/^DRIVER_TOO_OLD: from early/);
  });

  test('many caveats only: 10 warnings, then the notice; errors are not counted in it', () => {
    const images = Array.from({ length: 12 }, (_, i) => image(`c-${i}`));
    const results: Result[] = images.map((img) => ({ image: img.source, target: 't', verdict: 'caveat', reasons: [reason({ verdict: 'caveat' })] }));
    const all = buildAnnotations(report(images, results));
    expect(all.filter((a) => a.level === 'warning')).toHaveLength(ANNOTATIONS_PER_LEVEL);
    expect(all[all.length - 1].title).toBe('cuda-gate: … and 2 more results with caveats (2 more images)');
  });

  test("slots the action's own warnings took (a dockerfile that is missing) are left free", () => {
    const images = Array.from({ length: 10 }, (_, i) => image(`c-${i}`));
    const results: Result[] = images.map((img) => ({ image: img.source, target: 't', verdict: 'caveat', reasons: [reason({ verdict: 'caveat' })] }));
    const all = buildAnnotations(report(images, results), undefined, { reserved: { warning: 1 } });
    expect(all.filter((a) => a.level === 'warning')).toHaveLength(ANNOTATIONS_PER_LEVEL - 1);
    expect(all[all.length - 1]).toMatchObject({ level: 'notice', title: 'cuda-gate: … and 1 more result with caveats (1 more image)' });
  });

  test('each image is anchored in its own Dockerfile', () => {
    const cudart = (install: string) => [
      { kind: 'cudart' as const, from: 'file' as const, path: '/x/libcudart.so.12', instruction: install, confidence: 'exact' as const },
    ];
    const r = report(
      [
        image('trainer', { evidence: cudart('RUN apt-get install -y cuda-cudart-12-4') }),
        image('inference', { evidence: cudart('RUN pip install torch') }),
        image('other'),
      ],
      ['trainer', 'inference', 'other'].map((source) => ({ image: source, target: 't', verdict: 'fail' as const, reasons: [reason()] })),
    );
    const files: Record<string, { path: string; text: string }> = {
      trainer: { path: 'docker/trainer.Dockerfile', text: 'FROM ubuntu\nRUN true\nRUN apt-get install -y cuda-cudart-12-4\n' },
      inference: { path: 'docker/inference.Dockerfile', text: 'FROM python\nRUN pip install torch\n' },
    };
    expect(buildAnnotations(r, (img) => files[img.source]).map((a) => [a.file, a.startLine])).toEqual([
      ['docker/trainer.Dockerfile', 3],
      ['docker/inference.Dockerfile', 2],
      [undefined, undefined],
    ]);
  });

  test('many failing targets are summarised in the title', () => {
    const results: Result[] = ['a', 'b', 'c', 'd', 'e', 'f'].map((t) => ({ image: 'x', target: t, verdict: 'fail', reasons: [reason()] }));
    expect(buildAnnotations(report([image('x')], results))[0].title).toBe('cuda-gate: x fails on a, b, c, d and 2 more targets');
  });
});

describe('hostile image content cannot inject workflow commands', () => {
  const hostile = 'RUN echo pwned\n::error file=x::injected\r\n%0A::warning::also%0D::set-output name=verdict::pass\u001b[31m\u0007';
  const img = image('a', { evidence: [{ kind: 'cudart', from: 'file', path: `/x\n::error::p`, instruction: hostile, confidence: 'exact' }] });
  const r = report(
    [img],
    [
      {
        image: 'a',
        target: 'edge\n::error::t',
        verdict: 'fail',
        reasons: [reason({ message: `CUDA from ${hostile}`, remedy: `fix ${hostile}`, origin: [{ instruction: hostile, key: 'env:X\n::error::k' }] })],
      },
    ],
  );
  const [a] = buildAnnotations(r, { path: 'Dockerfile', text: 'FROM ubuntu\nRUN echo pwned\n' });

  test('every line of the message is one the annotation wrote, never one the image wrote', () => {
    const lines = a.message.split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^DRIVER_TOO_OLD: CUDA from RUN echo pwned ::error file=x::injected %0A::warning::also%0D::set-output/);
    expect(lines[1]).toMatch(/^Fix: fix RUN echo pwned/);
    // eslint-disable-next-line no-control-regex
    expect(a.message + a.title).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/);
    expect(a.title).toBe('cuda-gate: a fails on edge ::error::t');
  });

  test('as a workflow command it is one line, one command, with the literal %0A kept as text', () => {
    const cmd = formatWorkflowCommand(a);
    expect(cmd.split('\n')).toHaveLength(1);
    expect(cmd).not.toMatch(/\r/);
    expect(cmd.startsWith('::error file=Dockerfile,line=1,title=cuda-gate%3A a fails on edge %3A%3Aerror%3A%3At::')).toBe(true);
    // the runner decodes %25 back to %, so the image's "%0A" is shown, not turned into a line break
    expect(cmd).toContain('%250A::warning');
    expect(cmd.indexOf('::error ')).toBe(0);
    expect(cmd.lastIndexOf('\n::')).toBe(-1);
  });
});
