/**
 * The dynamic loader end to end, on real binaries (scripts/make-loader-fixtures.sh: nvcc 13.0 + gcc): the layer
 * reader finds each ELF's DT_NEEDED/RUNPATH in an OCI image, the loader model resolves them in the final
 * filesystem, and the verdict says what ld.so would: a CUDA library that resolves nowhere fails the image, however
 * good its GPU code is.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyseImage } from '../../src/engine/check';
import { loadMatrix } from '../../src/matrix/load';
import { DEFAULT_POLICY } from '../../src/model/policy';
import { adHocTarget } from '../../src/targets/load';
import { judge } from '../../src/verdict/judge';
import type { LayerSpec } from '../helpers/layer-tar';
import { writeOciImage } from '../helpers/oci-layout';
import { tempDir } from '../helpers/tmp';

const matrix = loadMatrix();
const fixture = (name: string) => readFileSync(join(__dirname, '../fixtures/loader', name));

async function image(layers: LayerSpec[], name: string) {
  const dir = tempDir('cg-loader-');
  await writeOciImage(dir, { layers }, name);
  return `oci:${dir}:${name}`;
}

async function verdictOn(source: string, driver: string, gpu: string) {
  const { requirement } = await analyseImage(source, { matrix });
  return judge({ image: source, requirement, target: adHocTarget({ driver, gpu }, matrix), policy: DEFAULT_POLICY }, matrix);
}

const app: LayerSpec = {
  'opt/app/bin/app': fixture('app'),
  'opt/app/lib/libkern.so': fixture('libkern.so'),
};
const cudaRuntime: LayerSpec = {
  'usr/local/cuda-13.0/targets/x86_64-linux/lib/libcudart.so.13.0.48': 'elf',
  'usr/local/cuda-13.0/targets/x86_64-linux/lib/libcudart.so.13': { symlink: 'libcudart.so.13.0.48' },
  'etc/ld.so.conf.d/000_cuda.conf': '/usr/local/cuda-13.0/targets/x86_64-linux/lib\n',
};

describe('real binaries through the layer reader and the loader model', () => {
  test('app → $ORIGIN/../lib/libkern.so → libcudart.so.13, with no CUDA runtime in the image: the library is missing, and the reason names the chain', async () => {
    const r = await verdictOn(await image([app], 'no-cudart'), '580.95.05', 'A100');
    expect(r.verdict).toBe('fail');
    const missing = r.reasons.find((x) => x.code === 'CUDA_LIBRARY_MISSING');
    expect(missing?.verdict).toBe('fail');
    expect(missing?.message).toContain('libcudart.so.13');
    expect(missing?.message).toContain('libkern.so');
  });

  test('the same binaries with the CUDA 13.0 runtime where ld.so finds it load, and sm_80 SASS runs on an A100', async () => {
    const r = await verdictOn(await image([cudaRuntime, app], 'with-cudart'), '580.95.05', 'A100');
    expect(r.reasons.filter((x) => x.code === 'CUDA_LIBRARY_MISSING')).toEqual([]);
    expect(r.reasons.filter((x) => x.verdict === 'fail')).toEqual([]);
  });

  test('a library needing libcublas.so.13 in an image without cuBLAS fails, although its kernels would run', async () => {
    const r = await verdictOn(
      await image([cudaRuntime, app, { 'opt/app/lib/libneeds_cublas.so': fixture('libneeds_cublas.so') }], 'no-cublas'),
      '580.95.05',
      'A100',
    );
    const missing = r.reasons.filter((x) => x.code === 'CUDA_LIBRARY_MISSING');
    expect(missing.map((x) => x.verdict)).toContain('fail');
    expect(missing.some((x) => x.message.includes('libcublas.so.13'))).toBe(true);
  });

  test("the binaries' own CUDA major decides the driver even with no cudart file: libcudart.so.13 on R550 is too old", async () => {
    const r = await verdictOn(await image([app], 'dt-needed-major'), '550.54.15', 'A100');
    expect(r.reasons.map((x) => x.code)).toContain('DRIVER_TOO_OLD');
  });

  test('a library with the static CUDA runtime (no DT_NEEDED libcudart) is judged by the CUDA its PTX ISA names: CUDA 13 on R550 is too old, on R580 it runs', async () => {
    const source = await image([{ 'opt/app/lib/libstatic.so': fixture('libstatic.so') }], 'static-cudart');
    const old = await verdictOn(source, '550.54.15', 'A100');
    const tooOld = old.reasons.find((x) => x.code === 'DRIVER_TOO_OLD');
    expect(tooOld?.message).toContain('libstatic.so');
    expect((await verdictOn(source, '580.95.05', 'A100')).reasons.filter((x) => x.verdict === 'fail')).toEqual([]);
  });

  test('relocatable device code only (-rdc, never device-linked) is no kernel: on an A100 nothing can launch from it', async () => {
    const rel = await analyseImage(await image([cudaRuntime, { 'opt/app/lib/librelonly.so': fixture('librelonly.so') }], 'relonly'), { matrix });
    expect([...(rel.requirement.gpuCode?.sass ?? []), ...(rel.requirement.gpuCode?.ptx ?? [])]).toEqual([]);
    // the same reader credits the device-linked library's registered code: the check above can fail
    const kern = await analyseImage(await image([cudaRuntime, app], 'kern'), { matrix });
    expect(kern.requirement.gpuCode?.sass).toEqual(['sm_80']);
    expect(kern.requirement.gpuCode?.ptx).toEqual(['compute_90']);
  });
});
