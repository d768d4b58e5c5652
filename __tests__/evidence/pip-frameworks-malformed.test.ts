/** Whatever the files hold, the Python / conda / pixi detectors never throw: bad content is skipped or reported. */
import fc from 'fast-check';
import { condaMetaEvidence } from '../../src/evidence/conda-meta';
import { pipFrameworkEvidence } from '../../src/evidence/pip-frameworks';
import { pixiEvidence } from '../../src/evidence/pixi';
import { loadMatrix } from '../../src/matrix/load';
import { fakeView, type FakeEntry } from './fake-view';
import { condaRecord, TF_2161_BUILD_INFO, TORCH_240_CU121_METADATA, TORCH_240_CU121_VERSION_PY } from './python-stack-fixtures';

const matrix = loadMatrix();
const SP = 'usr/local/lib/python3.11/site-packages';
const PATHS = [
  `${SP}/torch-2.4.0+cu121.dist-info/METADATA`,
  `${SP}/torch/version.py`,
  `${SP}/tensorflow/python/platform/build_info.py`,
  `${SP}/paddle/version/__init__.py`,
  `${SP}/onnxruntime_gpu-1.20.1.dist-info/METADATA`,
  `${SP}/nvidia_cublas-13.1.0.3.dist-info/RECORD`,
  'opt/conda/conda-meta/cuda-version-12.9-h4f385c5_3.json',
  'opt/conda/conda-meta/pixi',
  'app/pixi.toml',
  'app/pyproject.toml',
];
const SAMPLES = [
  TORCH_240_CU121_METADATA,
  TORCH_240_CU121_VERSION_PY,
  TF_2161_BUILD_INFO,
  condaRecord({ name: 'cuda-version', version: '12.9', build: 'h4f385c5_3', constrains: ['__cuda >=12'] }),
  '[system-requirements]\ncuda = "12"\n',
];

/** Real content cut anywhere and spliced with noise, or noise alone. */
const content = fc.oneof(
  fc.string({ maxLength: 400 }),
  fc.tuple(fc.constantFrom(...SAMPLES), fc.nat(), fc.string({ maxLength: 40 })).map(([s, cut, noise]) => s.slice(0, cut % (s.length + 1)) + noise),
  fc.json(),
);

test('random and truncated content in every file the detectors read', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.constantFrom(...PATHS), content), { maxLength: 8 }), (files) => {
      const entries: FakeEntry[] = files.map(([path, text]) => ({ path, content: text, contentTruncated: text.length % 2 === 0 }));
      const view = fakeView(entries);
      for (const out of [pipFrameworkEvidence(view, matrix), condaMetaEvidence(view), pixiEvidence(view)]) {
        for (const ev of out.evidence) {
          // a claimed CUDA is always a dotted number: nothing malformed leaks into a need
          if (ev.cuda !== undefined) expect(ev.cuda).toMatch(/^\d+(\.\d+)*$/);
        }
      }
    }),
    { numRuns: 300 },
  );
});
