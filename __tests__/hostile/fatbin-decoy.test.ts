/**
 * A decoy fatbin must not turn a failing image into a passing one: an nvcc library with sm_80 SASS only, plus a real
 * nvcc container claiming sm_90 SASS + compute_90 PTX planted in its .rodata (scripts/make-decoy-fixtures.sh), or
 * appended after its last section, still has no kernel for an H100 — read by offset (plain layers) and streamed (gzip).
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
const decoy = (name: string) => readFileSync(join(__dirname, '../fixtures/decoy', name));

// the CUDA 13.0 runtime the nvcc 13.0 library links, where ld.so finds it
const base: LayerSpec = {
  'usr/local/cuda-13.0/targets/x86_64-linux/lib/libcudart.so.13.0.48': 'elf',
  'usr/local/cuda-13.0/targets/x86_64-linux/lib/libcudart.so.13': { symlink: 'libcudart.so.13.0.48' },
  'etc/ld.so.conf.d/000_cuda.conf': '/usr/local/cuda-13.0/targets/x86_64-linux/lib\n',
};

async function verdictOn(lib: Buffer, gpu: string, gzip: boolean) {
  const dir = tempDir('cg-decoy-');
  await writeOciImage(dir, { gzip, layers: [base, { 'opt/app/lib/libkern.so': lib }] }, 'decoy');
  const source = `oci:${dir}:decoy`;
  const { image, requirement } = await analyseImage(source, { matrix });
  const result = judge({ image: source, requirement, target: adHocTarget({ driver: '580.95.05', gpu }, matrix), policy: DEFAULT_POLICY }, matrix);
  return { sass: image.requirement.gpuCode?.sass, ptx: image.requirement.gpuCode?.ptx, verdict: result.verdict, codes: result.reasons.map((r) => r.code) };
}

describe.each([
  ['by offset', false],
  ['streamed', true],
])('a decoy in an nvcc library (%s)', (_how, gzip) => {
  test.each([
    ['in .rodata', decoy('libdecoy_rodata.so')],
    ['in a loaded section of its own', decoy('libdecoy_section.so')],
    ['appended after the last section', Buffer.concat([readFileSync(join(__dirname, '../fixtures/fatbin/libsass_sm80.so')), decoy('decoy.fatbin')])],
  ])(
    '%s: sm_80 only, no kernel for H100 (fail)',
    async (_where, lib) => {
      const got = await verdictOn(lib, 'H100', gzip);
      expect(got).toMatchObject({ sass: ['sm_80'], ptx: [], verdict: 'fail' });
      expect(got.codes).toContain('NO_KERNEL_FOR_GPU');
      // the code that does load still runs where it was built for
      expect((await verdictOn(lib, 'A100', gzip)).codes).not.toContain('NO_KERNEL_FOR_GPU');
    },
    20_000,
  );
});
