/** gpu-code evidence: one item per binary the layer scan found device code in, and which paths get scanned. */
import { gpuCodeEvidence as gpuCodeEvidenceOf, mayCarryDeviceCode } from '../../src/evidence/gpu-code';
import { mergeLayers } from '../../src/layers/merge';
import type { LayerEntry, LayerResult } from '../../src/layers/types';
import { shown } from './fake-view';

const gpuCodeEvidence = shown(gpuCodeEvidenceOf);

const layer = (digest: string, entries: LayerEntry[], whiteouts: string[] = []): LayerResult => ({
  digest,
  entryCount: entries.length,
  tarBytes: 0,
  entries,
  whiteouts,
  opaqueDirs: [],
  findings: [],
});

const multi = {
  sass: ['sm_80', 'sm_90'],
  ptx: [
    { arch: 'compute_90', isa: '8.4' },
    { arch: 'compute_90', isa: '9.0' },
    { arch: 'compute_120', isa: '9.0' },
  ],
};

describe('gpuCodeEvidence', () => {
  test('one item per binary with device code, with where it came from; symlinks and plain files add nothing', () => {
    const view = mergeLayers(
      [
        layer('sha256:l0', [{ path: 'usr/lib/libplain.so.1', type: 'file', size: 9000 }]),
        layer('sha256:l1', [
          { path: 'opt/app/lib/libk.so.1', type: 'file', size: 50000, gpuCode: multi },
          { path: 'opt/app/lib/libk.so', type: 'symlink', size: 0, linkTarget: 'libk.so.1' },
        ]),
      ],
      [{ created_by: 'FROM base' }, { created_by: 'COPY --from=build /out /opt/app' }],
    );
    expect(gpuCodeEvidence(view).evidence).toEqual([
      {
        kind: 'gpu-code',
        from: 'file',
        path: '/opt/app/lib/libk.so.1',
        layer: 'sha256:l1',
        layerIndex: 1,
        instruction: 'COPY --from=build /out /opt/app',
        confidence: 'exact',
        gpuArchs: { sass: ['sm_80', 'sm_90'], ptx: ['compute_90', 'compute_120'], source: 'fatbin' },
        ptxIsa: ['8.4', '9.0'],
      },
    ]);
  });

  test('a hardlinked copy counts on its own path; a whited-out library does not count', () => {
    const code = { sass: ['sm_86'], ptx: [] };
    const view = mergeLayers(
      [
        layer('sha256:l0', [
          { path: 'usr/lib/liba.so', type: 'file', size: 50000, gpuCode: code },
          { path: 'usr/lib/libb.so', type: 'file', size: 50000, gpuCode: code },
          { path: 'srv/liba-copy.so', type: 'hardlink', size: 0, linkTarget: 'usr/lib/liba.so' },
        ]),
        layer('sha256:l1', [], ['usr/lib/libb.so']),
      ],
      [],
    );
    const evidence = gpuCodeEvidence(view).evidence;
    expect(evidence.map((e) => e.path)).toEqual(['/srv/liba-copy.so', '/usr/lib/liba.so']);
    expect(evidence[0].gpuArchs).toMatchObject({ sass: ['sm_86'], ptx: [], source: 'fatbin' });
    expect(evidence[0].ptxIsa).toBeUndefined();
  });
});

describe('which files may carry device code (asked per tar entry)', () => {
  const check = (path: string) => mayCarryDeviceCode(path, path.slice(path.lastIndexOf('/') + 1));

  test.each([
    'usr/local/lib/python3.11/site-packages/torch/lib/libtorch_cuda.so',
    'usr/local/cuda-13.0/extras/CUPTI/lib64/libcupti.so.13',
    'usr/local/lib/python3.11/site-packages/vllm/_C.abi3.so',
    'usr/lib/x86_64-linux-gnu/libcudnn_engines_precompiled.so.9.1.0',
    'usr/local/bin/llama-server',
    'usr/bin/nvidia-smi',
    'usr/sbin/daemon',
    'usr/libexec/app/worker',
    'opt/app/server',
    'app/build/solver',
    'workspace/bin/train',
  ])('%s: yes', (path) => expect(check(path)).toBe(true));

  test.each([
    'usr/local/cuda/lib64/libcudart_static.a',
    'usr/lib/x86_64-linux-gnu/libcudart.so.12.txt',
    'usr/lib/libfoo.so.',
    'usr/share/doc/libc6/copyright',
    'usr/include/c++/12/vector',
    'opt/conda/include/thrust/version',
    'opt/conda/lib/python3.11/site-packages/torch-2.8.0.dist-info/RECORD',
    'opt/conda/pkgs/cuda-cudart-12.4.127-0/info/files',
    'app/main.py',
    'etc/ld.so.conf',
    'root/.bashrc',
  ])('%s: no', (path) => expect(check(path)).toBe(false));
});
