/**
 * Architecture families and old target names (matrix/archs.yaml `families:`, `aliases:`): sm_101 is Thor's sm_110
 * (compute capability 11.0), not a "10.1"; family code (sm_XYf, compute_XYf) runs on the members of its family with an
 * equal or higher minor; arch-specific code (sm_XYa) only on its own compute capability. Over the real matrix, and
 * over a copy of it with a row removed, to show the verdict rests on the data.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Evidence } from '../../src/evidence/types';
import { loadMatrix } from '../../src/matrix/load';
import { findGpu } from '../../src/matrix/queries';
import type { Matrix } from '../../src/matrix/types';
import { deriveRequirement } from '../../src/requirement/derive';
import { archRules, NO_ARCH_RULES, parseArch, parseComputeCapability, runsOn } from '../../src/requirement/gpu-arch';
import { adHocTarget } from '../../src/targets/load';
import { DEFAULT_POLICY } from '../../src/model/policy';
import { judge } from '../../src/verdict/judge';
import type { Reason } from '../../src/verdict/types';

const REPO_MATRIX = resolve(__dirname, '../../matrix');
const matrix = loadMatrix();
const DRIVER = '615.10';
const GPU_CODES = new Set(['NO_KERNEL_FOR_GPU', 'PTX_JIT', 'PTX_JIT_NEEDS_NEWER_DRIVER', 'GPU_UNSUPPORTED_BY_TOOLKIT']);

function binary(path: string, sass: string[], ptx: string[] = []): Evidence {
  return {
    kind: 'gpu-code',
    from: 'file',
    path,
    layerIndex: 0,
    confidence: 'exact',
    gpuArchs: { sass, ptx, source: 'fatbin' },
    ...(ptx.length && { ptxIsa: ['8.8'] }),
  };
}

function gpuReasons(evidence: Evidence[], gpu: string, m: Matrix = matrix): Reason[] {
  const requirement = deriveRequirement(
    { evidence, require: { expressions: [], disabled: false }, layers: [{ digest: 'sha256:l0', instruction: 'RUN pip install my-kernels' }] },
    m,
  );
  const result = judge({ image: 'img', requirement, target: adHocTarget({ driver: DRIVER, gpu }, m), policy: DEFAULT_POLICY }, m);
  return result.reasons.filter((r) => GPU_CODES.has(r.code));
}
const codes = (evidence: Evidence[], gpu: string, m: Matrix = matrix) => gpuReasons(evidence, gpu, m).map((r) => r.code);

/** runsOn over the real matrix's rules: "sm_100f" on "10.3" */
function runs(target: string, cc: string, rules = archRules(matrix)): boolean {
  const arch = parseArch(target, target.startsWith('compute_') ? 'ptx' : 'sass');
  return runsOn(arch!, parseComputeCapability(cc)!, rules);
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The real matrix loaded from a copy whose archs.yaml was edited. */
function matrixWithArchs(edit: (text: string) => string): Matrix {
  const dir = mkdtempSync(join(tmpdir(), 'cuda-gate-archs-'));
  dirs.push(dir);
  cpSync(REPO_MATRIX, dir, { recursive: true });
  const file = join(dir, 'archs.yaml');
  const before = readFileSync(file, 'utf8');
  const after = edit(before);
  if (after === before) throw new Error('the edit changed nothing in archs.yaml');
  writeFileSync(file, after);
  return loadMatrix(dir);
}

/** Removes the list item of `list:` whose first line is `  - <first>` (up to the next item or top-level key). */
function withoutRow(text: string, first: string): string {
  return text.replace(new RegExp(`\\n  - ${first.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n[\\s\\S]*?(?=\\n  - |\\n\\S|$)`), '');
}

const SM101 = binary('/opt/app/libthor.so', ['sm_101']);

describe('sm_101 is Thor (compute capability 11.0), named sm_110 from CUDA 13.0', () => {
  test('an sm_101-only binary fails on a B300 (10.3): it was never code for 10.x', () => {
    const [reason, ...rest] = gpuReasons([SM101], 'B300');
    expect(rest).toEqual([]);
    expect(reason).toMatchObject({ code: 'NO_KERNEL_FOR_GPU', verdict: 'fail' });
    expect(reason.message).toContain('SASS sm_101 (now sm_110) and no PTX');
    expect(codes([SM101], '10.3')).toEqual(['NO_KERNEL_FOR_GPU']);
  });

  test('…and runs on Jetson Thor (11.0)', () => {
    expect(findGpu(matrix, 'Jetson Thor')?.computeCapability).toBe('11.0');
    expect(codes([SM101], 'Jetson Thor')).toEqual([]);
    expect(codes([SM101], '11.0')).toEqual([]);
    expect(codes([binary('/a.so', ['sm_110'])], '11.0')).toEqual([]);
  });

  test('the a and f variants follow the rename; compute_101 PTX is JIT-compiled from 11.0 up, never for 10.x', () => {
    expect(runs('sm_101a', '11.0')).toBe(true);
    expect(runs('sm_101a', '10.1')).toBe(false);
    expect(runs('sm_101f', '11.0')).toBe(true);
    expect(runs('sm_101f', '10.3')).toBe(false);
    expect(runs('compute_101', '10.3')).toBe(false);
    expect(runs('compute_101', '11.0')).toBe(true);
    expect(runs('compute_101', '12.0')).toBe(true);
    expect(codes([binary('/a.so', [], ['compute_101'])], 'B300')).toEqual(['NO_KERNEL_FOR_GPU']);
  });

  test('the rebuild remedy for Thor names the old target and the toolkits that wrote it', () => {
    const [reason] = gpuReasons([binary('/a.so', ['sm_90'])], 'Jetson Thor');
    expect(reason.remedy).toContain('-gencode arch=compute_110,code=sm_110');
    expect(reason.remedy).toContain('CUDA 12.8-12.9 call it sm_101');
  });

  test('there is no GPU of compute capability 10.1 to target', () => {
    expect(findGpu(matrix, '10.1')).toBeUndefined();
    expect(findGpu(matrix, '11.0')).toBeDefined();
  });
});

describe('family-specific targets run on their family from their own minor up', () => {
  test.each([
    ['sm_100f', '10.0', true],
    ['sm_100f', '10.3', true],
    ['sm_100f', '10.7', true],
    ['sm_100f', '12.0', false],
    ['sm_100f', '11.0', false],
    ['sm_103f', '10.0', false],
    ['sm_103f', '10.3', true],
    ['sm_103f', '10.7', true],
    ['sm_107f', '10.3', false],
    ['sm_110f', '11.0', true],
    ['sm_120f', '12.0', true],
    ['sm_120f', '12.1', true],
    ['sm_121f', '12.0', false],
    ['sm_120f', '10.0', false],
  ])('%s on %s: %s', (target, cc, want) => {
    expect(runs(target, cc)).toBe(want);
  });

  test('through the verdict: sm_100f on B200, B300 and Rubin, not on an RTX 5090; sm_103f not on a B200', () => {
    const f100 = binary('/opt/app/libf100.so', ['sm_100f']);
    for (const gpu of ['B200', 'B300', '10.7']) expect({ gpu, codes: codes([f100], gpu) }).toEqual({ gpu, codes: [] });
    expect(codes([f100], 'RTX 5090')).toEqual(['NO_KERNEL_FOR_GPU']);
    expect(codes([binary('/a.so', ['sm_103f'])], 'B200')).toEqual(['NO_KERNEL_FOR_GPU']);
    expect(codes([binary('/a.so', ['sm_120f'])], '12.1')).toEqual([]);
  });

  test('compute_100f PTX is JIT-compiled within the family only', () => {
    const ptx = binary('/opt/app/libptx100f.so', [], ['compute_100f']);
    for (const cc of ['10.0', '10.3', '10.7']) expect({ cc, codes: codes([ptx], cc) }).toEqual({ cc, codes: ['PTX_JIT'] });
    for (const cc of ['9.0', '11.0', '12.0']) expect({ cc, codes: codes([ptx], cc) }).toEqual({ cc, codes: ['NO_KERNEL_FOR_GPU'] });
    expect(runs('compute_103f', '10.0')).toBe(false);
    expect(runs('compute_120f', '12.1')).toBe(true);
  });
});

describe('arch-specific and plain targets', () => {
  test('sm_100a runs only on 10.0', () => {
    expect(runs('sm_100a', '10.0')).toBe(true);
    for (const cc of ['10.3', '10.7', '11.0', '12.0']) expect({ cc, runs: runs('sm_100a', cc) }).toEqual({ cc, runs: false });
    expect(codes([binary('/a.so', ['sm_100a'])], 'B300')).toEqual(['NO_KERNEL_FOR_GPU']);
    expect(runs('compute_100a', '10.3')).toBe(false);
  });

  test('plain SASS: same major, equal or higher minor (sm_100 on 10.3 and 10.7, sm_103 not on 10.0, never across a major)', () => {
    expect(runs('sm_100', '10.3')).toBe(true);
    expect(runs('sm_100', '10.7')).toBe(true);
    expect(runs('sm_103', '10.0')).toBe(false);
    expect(runs('sm_100', '11.0')).toBe(false);
    expect(runs('sm_120', '12.1')).toBe(true);
    expect(runs('sm_80', '8.8')).toBe(true);
    expect(runs('sm_88', '8.6')).toBe(false);
  });

  test('without the matrix rules a family target is held to its own compute capability (cautious)', () => {
    expect(runs('sm_100f', '10.0', NO_ARCH_RULES)).toBe(true);
    expect(runs('sm_100f', '10.3', NO_ARCH_RULES)).toBe(false);
    expect(runs('sm_101', '11.0', NO_ARCH_RULES)).toBe(false);
  });
});

describe('the verdict rests on archs.yaml', () => {
  test('the families and aliases are loaded with their sources', () => {
    expect(matrix.archFamilies?.map((f) => [f.family, f.members])).toEqual([
      ['sm_10x', ['10.0', '10.3', '10.7']],
      ['sm_11x', ['11.0']],
      ['sm_12x', ['12.0', '12.1']],
    ]);
    expect(matrix.archAliases?.map((a) => [a.from, a.to])).toEqual([
      ['sm_101', 'sm_110'],
      ['sm_101a', 'sm_110a'],
      ['sm_101f', 'sm_110f'],
    ]);
    for (const row of [...matrix.archFamilies!, ...matrix.archAliases!]) expect(row.source).toMatch(/NVPTX\.td/);
  });

  test('removing the sm_10x family row turns sm_100f on a B300 into a failure', () => {
    const f100 = binary('/opt/app/libf100.so', ['sm_100f']);
    expect(codes([f100], 'B300')).toEqual([]);
    const without = matrixWithArchs((t) => withoutRow(t, 'family: sm_10x'));
    expect(without.archFamilies?.map((f) => f.family)).toEqual(['sm_11x', 'sm_12x']);
    expect(codes([f100], 'B300', without)).toEqual(['NO_KERNEL_FOR_GPU']);
    expect(codes([f100], 'B200', without)).toEqual([]);
  });

  test('removing the sm_101 alias row brings back the old misreading (10.1): Thor fails, and the verdict changes', () => {
    const without = matrixWithArchs((t) => withoutRow(t, 'from: sm_101'));
    expect(without.archAliases?.map((a) => a.from)).toEqual(['sm_101a', 'sm_101f']);
    expect(codes([SM101], 'Jetson Thor')).toEqual([]);
    expect(codes([SM101], 'Jetson Thor', without)).toEqual(['NO_KERNEL_FOR_GPU']);
  });
});
