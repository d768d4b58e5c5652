import { evidenceInterest } from '../../src/evidence/interests';
import { pixiEvidence as pixiEvidenceOf, pixiSystemRequirements } from '../../src/evidence/pixi';
import { fakeView, shown } from './fake-view';
import { PIXI_TOML_CUDA12, pixiEnvRecord, PYPROJECT_PIXI_FEATURE } from './python-stack-fixtures';

const pixiEvidence = shown(pixiEvidenceOf);

describe('pixi system requirements', () => {
  test('pixi.toml [system-requirements] cuda = "12": a declared floor on the driver\'s CUDA', () => {
    const out = pixiEvidence(fakeView([{ path: 'app/pixi.toml', content: PIXI_TOML_CUDA12, layer: 3 }]));
    expect(out.evidence).toEqual([
      {
        kind: 'cuda-system-requirement',
        from: 'file',
        path: '/app/pixi.toml',
        layer: 'sha256:dddd',
        layerIndex: 3,
        instruction: 'COPY . /app',
        confidence: 'declared',
        component: 'pixi',
        cuda: '12',
        value: 'cuda = "12"',
        detail: 'pixi [system-requirements] cuda = "12": the project declares its environments need a driver that reports CUDA >= 12',
      },
    ]);
  });

  test('pyproject.toml [tool.pixi.feature.gpu.system-requirements]; text inside a multi-line string is not TOML', () => {
    expect(pixiSystemRequirements(PYPROJECT_PIXI_FEATURE, true)).toEqual([{ cuda: '12.4', feature: 'gpu', line: 'cuda = "12.4"' }]);
    const out = pixiEvidence(fakeView([{ path: 'srv/serve/pyproject.toml', content: PYPROJECT_PIXI_FEATURE }]));
    expect(out.evidence.map((e) => [e.cuda, e.detail])).toEqual([
      [
        '12.4',
        'pixi [tool.pixi.feature.gpu.system-requirements] cuda = "12.4": the project declares its environments using feature gpu need a driver that reports CUDA >= 12.4',
      ],
    ]);
  });

  test("dotted keys and inline tables; a plain pyproject.toml [system-requirements] is not pixi's", () => {
    expect(pixiSystemRequirements('system-requirements.cuda = "12.0"\n', false).map((d) => d.cuda)).toEqual(['12.0']);
    expect(pixiSystemRequirements('[feature.gpu]\nsystem-requirements = { cuda = "12", libc = "2.28" }\n', false)).toEqual([
      { cuda: '12', feature: 'gpu', line: 'system-requirements = { cuda = "12", libc = "2.28" }' },
    ]);
    expect(pixiSystemRequirements('[tool.pixi]\nsystem-requirements = { cuda = "11.8" }\n', true).map((d) => d.cuda)).toEqual(['11.8']);
    expect(pixiSystemRequirements('[system-requirements]\ncuda = "12"\n', true)).toEqual([]);
    expect(pixiSystemRequirements('[dependencies]\ncuda = "12"\n', false)).toEqual([]);
    expect(pixiSystemRequirements('# [system-requirements]\n[system-requirements]\ncuda = "not a version"\n', false)).toEqual([]);
  });

  test("pixi's environment record: minimum_supported_platform requirements are declared; what it resolved for is not", () => {
    const out = pixiEvidence(
      fakeView([
        { path: 'app/.pixi/envs/prod/conda-meta/pixi', content: pixiEnvRecord('prod', ['__glibc >=2.28', '__cuda >=12']) },
        { path: 'app/.pixi/envs/old/conda-meta/pixi', content: pixiEnvRecord('old') },
      ]),
    );
    expect(out.evidence.map((e) => [e.path, e.cuda, e.value])).toEqual([['/app/.pixi/envs/prod/conda-meta/pixi', '12', '__cuda >=12']]);
    expect(out.evidence[0].detail).toBe('pixi environment prod records the minimum platform __cuda >=12: the host driver must report CUDA >= 12');
  });

  test('malformed files give a finding or nothing, never an error', () => {
    const out = pixiEvidence(
      fakeView([
        { path: 'app/.pixi/envs/prod/conda-meta/pixi', content: '{"manifest_path": ' },
        { path: 'app/pixi.toml', content: '[[[\n= = =\n\u0000' },
      ]),
    );
    expect(out.evidence).toEqual([]);
    expect(out.findings.map((f) => f.code)).toEqual(['EVIDENCE_PIXI_RECORD_UNREADABLE']);
  });

  test("the walker reads manifests and env records, bounded; installed packages' pyproject.toml files are not asked for", () => {
    expect(evidenceInterest('app/pixi.toml', 800)).toEqual({ content: 64 * 1024 });
    expect(evidenceInterest('app/pyproject.toml', 800)).toEqual({ content: 64 * 1024 });
    expect(evidenceInterest('app/.pixi/envs/default/conda-meta/pixi', 300)).toEqual({ content: 16 * 1024 });
    expect(evidenceInterest('usr/local/lib/python3.11/site-packages/foo/pyproject.toml', 800)).toBeUndefined();
    expect(evidenceInterest('usr/bin/pixi', 30_000_000)).toBeUndefined();
  });
});
