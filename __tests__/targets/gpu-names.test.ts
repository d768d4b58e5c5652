/**
 * GPU names as users type them: every spelling `nvidia-smi --query-gpu=name` prints for a catalogued GPU (cloud SKUs
 * included) resolves; a compute capability only in X.Y (or sm_XY) form; a bare number is asked about, not guessed.
 */
import { GateError } from '../../src/common/errors';
import { loadMatrix } from '../../src/matrix/load';
import { resolveTargetGpu } from '../../src/targets/gpu';

const matrix = loadMatrix();
const resolve = (name: string) => resolveTargetGpu(matrix, name, '--gpu');

describe('GPU names', () => {
  test.each([
    ['NVIDIA A10G', 'A10G', '8.6'],
    ['A10G', 'A10G', '8.6'],
    ['Tesla T4', 'T4', '7.5'],
    ['NVIDIA H100 80GB HBM3', 'H100', '9.0'],
    ['NVIDIA A100-SXM4-80GB', 'A100', '8.0'],
    ['Tesla V100-SXM2-16GB', 'Tesla V100', '7.0'],
    ['NVIDIA GeForce RTX 4090', 'GeForce RTX 4090', '8.9'],
    ['NVIDIA GH200 480GB', 'GH200', '9.0'],
    ['NVIDIA B200', 'B200', '10.0'],
  ])('nvidia-smi prints "%s": %s, compute capability %s', (input, name, cc) => {
    const gpu = resolve(input);
    expect(gpu.gpu?.name).toBe(name);
    expect(gpu.computeCapability).toBe(cc);
  });

  test.each([
    ['9.0', '9.0'],
    ['sm_90', '9.0'],
    ['12.0', '12.0'],
  ])('a compute capability "%s" is %s', (input, cc) => {
    expect(resolve(input).computeCapability).toBe(cc);
  });

  test('a bare number is asked about: "90" suggests "9.0", not GPUs whose names share a digit', () => {
    let error: unknown;
    try {
      resolve('90');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(GateError);
    const e = error as GateError;
    expect(e.message).toBe('--gpu: "90" is a number, not a GPU name');
    expect(e.hint).toMatch(/^for compute capability 9\.0 write "9\.0" \(or sm_90\)/);
    expect(e.hint).not.toMatch(/A10/);
  });
});
