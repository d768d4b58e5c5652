import { classifyCondaRecord, condaMetaEvidence as condaMetaEvidenceOf, parseRecordFileName, parseRecordJson } from '../../src/evidence/conda-meta';
import { evidenceInterest } from '../../src/evidence/interests';
import { lowerBound, parseMatchSpec } from '../../src/evidence/match-spec';
import type { Evidence } from '../../src/evidence/types';
import { fakeView, shown, type FakeEntry } from './fake-view';
import { CONDA_FORGE_CUDA129, condaRecord, condaRecordName, PYTORCH_CHANNEL_CUDA118, type CondaRecordSpec } from './python-stack-fixtures';

const condaMetaEvidence = shown(condaMetaEvidenceOf);

function env(prefix: string, records: CondaRecordSpec[], opts: { readLargerThan?: number } = {}): FakeEntry[] {
  const limit = opts.readLargerThan ?? 64 * 1024;
  return records.map((r) => {
    const text = condaRecord(r);
    // as the walker hands them over: small records with their text, large ones by name only
    return Buffer.byteLength(text) <= limit
      ? { path: `${prefix}/conda-meta/${condaRecordName(r)}`, content: text, layer: 1 }
      : { path: `${prefix}/conda-meta/${condaRecordName(r)}`, size: Buffer.byteLength(text), layer: 1 };
  });
}

const brief = (e: Evidence) => [e.kind, e.package, e.version, e.cuda ?? e.detail];

describe('conda-meta records', () => {
  test('conda-forge CUDA 12.9 env (pixi): cuda-version, runtime libraries, cuDNN, NCCL and pytorch built for 12.9', () => {
    const out = condaMetaEvidence(fakeView(env('app/.pixi/envs/default', CONDA_FORGE_CUDA129)));
    expect(out.findings).toEqual([]);
    const items = out.evidence.filter((e) => e.kind !== 'cuda-system-requirement');
    expect(items.map(brief)).toEqual([
      ['cudart', 'cuda-cudart', '12.9.79', '12.9'],
      ['nvrtc', 'cuda-nvrtc', '12.9.86', '12.9'],
      ['cuda-version', 'cuda-version', '12.9', '12.9'],
      ['cudnn', 'cudnn', '9.10.1.4', '12'],
      ['cublas', 'libcublas', '12.9.1.4', '12.9'],
      ['framework', 'libtorch', '2.7.1', '12.9'],
      ['nccl', 'nccl', '2.27.3.1', '12.0'],
      ['framework', 'pytorch', '2.7.1', '12.9'],
      ['framework', 'pytorch-gpu', '2.7.1', '12.9'],
    ]);
    const pytorch = items.find((e) => e.package === 'pytorch')!;
    expect(pytorch).toMatchObject({
      from: 'package',
      component: 'pytorch',
      path: '/app/.pixi/envs/default/conda-meta/pytorch-2.7.1-cuda129_mkl_py313_h1e53aa0_304.json',
      value: 'pytorch-2.7.1-cuda129_mkl_py313_h1e53aa0_304',
      confidence: 'exact',
      layer: 'sha256:bbbb',
    });
    expect(pytorch.detail).toBe('conda env /app/.pixi/envs/default');
  });

  test('__cuda in depends / constrains is a declared requirement, not a need: cuda-version constrains __cuda >=12', () => {
    const out = condaMetaEvidence(fakeView(env('opt/conda', CONDA_FORGE_CUDA129, { readLargerThan: 1 << 30 })));
    const declared = out.evidence.filter((e) => e.kind === 'cuda-system-requirement');
    expect(declared.map((e) => [e.package, e.value, e.cuda, e.confidence])).toEqual([
      ['cuda-version', '__cuda >=12', '12', 'declared'],
      ['libtorch', '__cuda', undefined, 'declared'],
      ['pytorch', '__cuda', undefined, 'declared'],
    ]);
    expect(declared[0].detail).toBe('conda package cuda-version constrains __cuda >=12 (conda env /opt/conda): the host driver must report CUDA >= 12');
    expect(declared[1].detail).toMatch(/depends on __cuda .*needs an NVIDIA driver, no minimum given/);
  });

  test('the big records (pytorch, libtorch) are not read: the file name alone gives the build', () => {
    const out = condaMetaEvidence(fakeView(env('opt/conda', CONDA_FORGE_CUDA129)));
    // only cuda-version's __cuda >=12 survives; pytorch's bare __cuda is in a record too big to read
    expect(out.evidence.filter((e) => e.kind === 'cuda-system-requirement').map((e) => e.package)).toEqual(['cuda-version']);
    expect(out.evidence.find((e) => e.package === 'pytorch')?.cuda).toBe('12.9');
  });

  test("the pytorch channel's CUDA 11.8 build and anaconda's cudatoolkit 11.8.0 (conda-era images)", () => {
    const out = condaMetaEvidence(fakeView(env('opt/conda', PYTORCH_CHANNEL_CUDA118)));
    expect(out.evidence.map((e) => [e.kind, e.package, e.version, e.cuda, e.cudnn])).toEqual([
      ['cudart', 'cudatoolkit', '11.8.0', '11.8', undefined],
      ['framework', 'pytorch', '2.0.1', '11.8', '8.7.0'],
    ]);
  });

  test('CPU builds of frameworks are listed as CPU-only; micromamba named envs are found too', () => {
    const out = condaMetaEvidence(
      fakeView(
        env('opt/conda/envs/cpu', [
          { name: 'pytorch', version: '2.7.1', build: 'cpu_mkl_py313_h58dab0e_104' },
          { name: 'pytorch', version: '1.12.1', build: 'py3.9_cpu_0', channel: 'https://conda.anaconda.org/pytorch/', writer: 'conda' },
        ]),
      ),
    );
    expect(out.evidence.map(brief)).toEqual([
      ['framework', 'pytorch', '1.12.1', 'CPU-only build'],
      ['framework', 'pytorch', '2.7.1', 'CPU-only build'],
    ]);
  });

  test('a record that is not JSON is reported and its file name still used', () => {
    const out = condaMetaEvidence(fakeView([{ path: 'opt/conda/conda-meta/cuda-cudart-12.4.127-he02047a_2.json', content: '{"build": "he02' }]));
    expect(out.evidence.map(brief)).toEqual([['cudart', 'cuda-cudart', '12.4.127', '12.4']]);
    expect(out.findings.map((f) => f.code)).toEqual(['EVIDENCE_CONDA_META_UNREADABLE']);
  });

  test('a head cut short still yields its depends', () => {
    const text = condaRecord({
      name: 'jaxlib',
      version: '0.6.0',
      build: 'cuda126py313h1234567_200',
      depends: ['__cuda >=12.6', 'cuda-version >=12.6,<13'],
      files: 3000,
    });
    expect(parseRecordJson(text.slice(0, 4096))).toEqual({ depends: ['__cuda >=12.6', 'cuda-version >=12.6,<13'], constrains: [] });
  });

  test('other files in conda-meta (history, the pixi record) and json elsewhere are not records', () => {
    const out = condaMetaEvidence(
      fakeView([
        { path: 'opt/conda/conda-meta/history', content: '+conda-forge/linux-64::pytorch-2.7.1-cuda129_mkl_py313_h1e53aa0_304' },
        { path: 'opt/app/config/cuda-version-12.9-h4f385c5_3.json', content: '{}' },
      ]),
    );
    expect(out.evidence).toEqual([]);
  });
});

describe('conda naming', () => {
  test.each([
    ['pytorch-2.7.1-cuda129_mkl_py313_h1e53aa0_304.json', { name: 'pytorch', version: '2.7.1', build: 'cuda129_mkl_py313_h1e53aa0_304' }],
    ['cuda-version-12.9-h4f385c5_3.json', { name: 'cuda-version', version: '12.9', build: 'h4f385c5_3' }],
    ['_libgcc_mutex-0.1-conda_forge.json', { name: '_libgcc_mutex', version: '0.1', build: 'conda_forge' }],
    ['pytorch-mutex-1.0-cuda.json', { name: 'pytorch-mutex', version: '1.0', build: 'cuda' }],
  ])('%s', (file, record) => {
    expect(parseRecordFileName(file)).toEqual(record);
  });

  test.each(['nodash.json', '-1.0-x.json', 'a-1.0-.json'])('%s is not a record name', (file) => {
    expect(parseRecordFileName(file)).toBeUndefined();
  });

  test('a package with a cuda build string but no dedicated rule is a cuda-package; cuda-nvcc is versioned like the toolkit', () => {
    expect(classifyCondaRecord({ name: 'faiss-gpu', version: '1.9.0', build: 'py3.12_h0123456_cuda12.4_0' })).toEqual({
      kind: 'cuda-package',
      cuda: '12.4',
      confidence: 'exact',
    });
    expect(classifyCondaRecord({ name: 'cuda-nvcc', version: '12.9.86', build: 'hcdd1206_1' })).toEqual({
      kind: 'cuda-package',
      cuda: '12.9',
      confidence: 'exact',
    });
    expect(classifyCondaRecord({ name: 'cuda-compat', version: '12.9.1', build: 'h8c9c3d8_0' })).toBeUndefined();
    expect(classifyCondaRecord({ name: 'numpy', version: '2.3.1', build: 'py313h17eae1a_0' })).toBeUndefined();
  });

  test.each([
    ['__cuda >=12', '__cuda', '12'],
    ['__cuda>=12.4', '__cuda', '12.4'],
    ['__cuda', '__cuda', undefined],
    ['cuda-version >=12.9,<13', 'cuda-version', '12.9'],
    ['cuda-version >=12.9,<12.10.0a0', 'cuda-version', '12.9'],
    ['cudatoolkit 12.9|12.9.*', 'cudatoolkit', '12.9'],
    ['__cuda >=11.2|>=12', '__cuda', '11.2'],
    ['__cuda <13', '__cuda', undefined],
    ['pytorch 2.7.1 cuda*_mkl*304', 'pytorch', '2.7.1'],
  ])('match spec %s: %s, lowest %s', (text, name, low) => {
    const spec = parseMatchSpec(text)!;
    expect(spec.name).toBe(name);
    expect(lowerBound(spec.version)).toBe(low);
  });

  test('the walker reads small records whole and only names the big ones, so nothing is reported as truncated', () => {
    expect(evidenceInterest('opt/conda/conda-meta/cuda-version-12.9-h4f385c5_3.json', 900)).toEqual({ content: 64 * 1024 });
    expect(evidenceInterest('opt/conda/conda-meta/pytorch-2.7.1-cuda129_mkl_py313_h1e53aa0_304.json', 3_000_000)).toEqual({});
    expect(evidenceInterest('app/.pixi/envs/prod/conda-meta/cudnn-9.10.1.4-hbcb9cd8_1.json', 60_000)).toEqual({ content: 64 * 1024 });
    expect(evidenceInterest('opt/conda/pkgs/pytorch-2.7.1-cuda129_mkl_py313_h1e53aa0_304/info/index.json', 900)).toBeUndefined();
  });
});
