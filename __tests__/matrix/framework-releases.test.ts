/**
 * matrix/frameworks.yaml rows for the releases of 2025–2026: the untagged PyPI torch wheel per release (with the
 * index variants' arch lists in the notes), vLLM's move to CUDA 13 in 0.20, TensorFlow 2.18–2.21.
 */
import { majorOf } from '../../src/common/dotted-version';
import { flavourFromLocalTag } from '../../src/evidence/cuda-tags';
import { frameworkBuild } from '../../src/matrix/framework-queries';
import { loadMatrix } from '../../src/matrix/load';

const m = loadMatrix();

/** The x86_64 TORCH_CUDA_ARCH_LIST a torch row's note gives for one index variant ("cu130"). */
function archList(note: string | undefined, variant: string): string[] | undefined {
  const list = new RegExp(`\\b${variant}(?: \\([^)]*\\))?: ([0-9.;+PTX]+)`).exec(note ?? '')?.[1];
  return list?.split(';');
}

test.each([
  ['2.9.1', '12.8', '9.10'],
  ['2.10.0', '12.8', '9.10'],
  ['2.11.0', '13.0', '9.17'],
  ['2.12.1', '13.0', '9.20'],
  ['2.13.0', '13.0', '9.20'],
  ['2.14.0', '13', '9.24'],
])('the untagged PyPI torch %s is a CUDA %s build with cuDNN %s', (version, cuda, cudnn) => {
  expect(frameworkBuild(m, 'torch', version)).toMatchObject({ cuda, cudnn, confirmed: true });
});

test('no torch row reaches past the releases the research covers', () => {
  expect(frameworkBuild(m, 'torch', '2.8.0')).toBeUndefined();
  expect(frameworkBuild(m, 'torch', '2.15.0')).toBeUndefined();
});

test("the torch 2.11+cu130 wheel's CUDA major and arch list resolve, and its tag agrees with the row", () => {
  const row = frameworkBuild(m, 'torch', '2.11.0+cu130');
  const tag = flavourFromLocalTag('2.11.0+cu130');
  expect(tag && 'cuda' in tag ? majorOf(tag.cuda) : undefined).toBe(13);
  expect(majorOf(row!.cuda)).toBe(13);
  expect(archList(row!.note, 'cu130')).toEqual(['7.5', '8.0', '8.6', '9.0', '10.0', '12.0+PTX']);
});

test('torch 2.11 dropped sm_70 from cu128; cu126 keeps Maxwell to Volta', () => {
  const before = frameworkBuild(m, 'torch', '2.10.0')!.note;
  const after = frameworkBuild(m, 'torch', '2.11.0')!.note;
  expect(archList(before, 'cu128')).toContain('7.0');
  expect(archList(after, 'cu128')).toEqual(['7.5', '8.0', '8.6', '9.0', '10.0', '12.0']);
  expect(archList(after, 'cu126')).toEqual(['5.0', '6.0', '7.0', '7.5', '8.0', '8.6', '9.0']);
});

test('torch 2.12 dropped cu128 and added cu132; 2.14 ships cu126, cu130 and cu132', () => {
  const v212 = frameworkBuild(m, 'torch', '2.12.0')!.note;
  expect(archList(v212, 'cu128')).toBeUndefined();
  expect(archList(v212, 'cu132')).toEqual(['7.5', '8.0', '8.6', '9.0', '10.0', '12.0+PTX']);
  const v214 = frameworkBuild(m, 'torch', '2.14.0')!.note;
  expect(['cu126', 'cu130', 'cu132'].map((v) => archList(v214, v)?.length)).toEqual([7, 6, 6]);
});

test('the untagged vllm wheel is CUDA 13.0 from 0.20 on, with the sources that say so', () => {
  expect(frameworkBuild(m, 'vllm', '0.19.1')).toBeUndefined();
  const row = frameworkBuild(m, 'vllm', '0.20.0');
  expect(row).toMatchObject({ from: '0.20', cuda: '13.0', confirmed: true });
  expect(row!.source).toMatch(/#39878[\s\S]*router#154/);
  expect(frameworkBuild(m, 'vllm', '0.24.0')?.cuda).toBe('13.0');
});

test('TensorFlow 2.18 to 2.21 is the hermetic CUDA 12.5 / cuDNN 9.3 build, still unconfirmed per release', () => {
  for (const v of ['2.18.0', '2.21.0']) {
    expect(frameworkBuild(m, 'tensorflow', v)).toMatchObject({ cuda: '12.5', cudnn: '9.3', confirmed: false });
  }
  expect(frameworkBuild(m, 'tensorflow', '2.21.0')!.note).toContain('sm_60, sm_70, sm_80, sm_89, compute_90');
  expect(frameworkBuild(m, 'tensorflow', '2.22.0')).toBeUndefined();
});
