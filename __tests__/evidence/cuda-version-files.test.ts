import { cudaVersionFileEvidence as cudaVersionFileEvidenceOf } from '../../src/evidence/cuda-version-files';
import { fakeView, shown } from './fake-view';

const cudaVersionFileEvidence = shown(cudaVersionFileEvidenceOf);

/** Shape of /usr/local/cuda-12.4/version.json as the CUDA 12.4.1 packages install it (abridged). */
const VERSION_JSON_12_4_1 = `{
   "cuda" : {
      "name" : "CUDA SDK",
      "version" : "12.4.1"
   },
   "cuda_cccl" : {
      "name" : "CUDA C++ Core Compute Libraries",
      "version" : "12.4.127"
   },
   "cuda_cudart" : {
      "name" : "CUDA Runtime (cudart)",
      "version" : "12.4.127"
   },
   "cuda_nvrtc" : {
      "name" : "CUDA NVRTC",
      "version" : "12.4.127"
   },
   "libcublas" : {
      "name" : "CUDA cuBLAS",
      "version" : "12.4.5.8"
   },
   "libnvjitlink" : {
      "name" : "JIT Linker Library",
      "version" : "12.4.127"
   },
   "nvidia_driver" : {
      "name" : "NVIDIA Linux Driver",
      "version" : "550.54.15"
   }
}
`;

describe('the toolkit version files', () => {
  test('version.json gives the release (exact) and the runtime components it lists (declared)', () => {
    const out = cudaVersionFileEvidence(
      fakeView([
        { path: 'usr/local/cuda', link: 'cuda-12.4' },
        { path: 'usr/local/cuda-12.4/version.json', content: VERSION_JSON_12_4_1, layer: 1 },
      ]),
    );
    expect(out.findings).toEqual([]);
    expect(out.evidence.map((e) => [e.kind, e.version, e.cuda, e.confidence, e.component])).toEqual([
      ['cuda-version', '12.4.1', '12.4.1', 'exact', 'cuda'],
      ['cudart', '12.4.127', '12.4', 'declared', 'cuda_cudart'],
      ['nvrtc', '12.4.127', '12.4', 'declared', 'cuda_nvrtc'],
      ['cublas', '12.4.5.8', undefined, 'declared', 'libcublas'],
      ['nvjitlink', '12.4.127', '12.4', 'declared', 'libnvjitlink'],
    ]);
    for (const e of out.evidence) {
      expect(e).toMatchObject({ from: 'file', path: '/usr/local/cuda-12.4/version.json', layer: 'sha256:bbbb', layerIndex: 1 });
    }
  });

  test('the driver named in version.json is not evidence: it ships with the runfile, not the image', () => {
    const out = cudaVersionFileEvidence(fakeView([{ path: 'usr/local/cuda-12.4/version.json', content: VERSION_JSON_12_4_1 }]));
    expect(out.evidence.some((e) => e.version === '550.54.15')).toBe(false);
  });

  test('version.txt of CUDA <= 11.0 gives the version it states', () => {
    const out = cudaVersionFileEvidence(fakeView([{ path: 'usr/local/cuda-10.2/version.txt', content: 'CUDA Version 10.2.89\n' }]));
    expect(out.evidence).toEqual([
      expect.objectContaining({ kind: 'cuda-version', version: '10.2.89', cuda: '10.2', confidence: 'exact', path: '/usr/local/cuda-10.2/version.txt' }),
    ]);
  });

  test('broken JSON is a finding, not an exception', () => {
    const out = cudaVersionFileEvidence(fakeView([{ path: 'usr/local/cuda-12.4/version.json', content: '{"cuda": {"version": "12.4.1"' }]));
    expect(out.evidence).toEqual([]);
    expect(out.findings).toEqual([
      expect.objectContaining({ code: 'EVIDENCE_BAD_VERSION_FILE', severity: 'warning', path: '/usr/local/cuda-12.4/version.json' }),
    ]);
    expect(out.findings[0].message).toContain('not valid JSON');
  });

  test('a cut-off version.json says it was too large', () => {
    const out = cudaVersionFileEvidence(
      fakeView([{ path: 'usr/local/cuda-12.4/version.json', content: VERSION_JSON_12_4_1.slice(0, 50), contentTruncated: true }]),
    );
    expect(out.findings[0].message).toContain('larger than');
  });

  test.each([
    ['[1,2]', 'not a JSON object'],
    ['{"cuda": {"version": 12.4}}', 'no "cuda"'],
    ['{"cuda": {"version": "twelve"}}', 'no "cuda"'],
  ])('%s is a finding', (content, why) => {
    const out = cudaVersionFileEvidence(fakeView([{ path: 'usr/local/cuda-12.4/version.json', content }]));
    expect(out.evidence).toEqual([]);
    expect(out.findings[0].message).toContain(why);
  });

  test('a version.txt that states no version is a finding', () => {
    const out = cudaVersionFileEvidence(fakeView([{ path: 'usr/local/cuda/version.txt', content: 'hello' }]));
    expect(out.evidence).toEqual([]);
    expect(out.findings).toHaveLength(1);
  });

  test('version files outside /usr/local/cuda* are not the toolkit', () => {
    const out = cudaVersionFileEvidence(fakeView([{ path: 'opt/app/version.json', content: '{"cuda": {"version": "12.4.1"}}' }]));
    expect(out).toEqual({ evidence: [], findings: [] });
  });

  test('a version file whose content was not read is noted', () => {
    const out = cudaVersionFileEvidence(fakeView([{ path: 'usr/local/cuda-12.4/version.json' }]));
    expect(out.findings).toEqual([expect.objectContaining({ code: 'EVIDENCE_UNREAD', severity: 'info' })]);
  });
});
