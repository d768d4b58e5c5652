/**
 * The GPU catalogue (matrix/gpus.yaml, issue 14): every GPU on NVIDIA's CUDA GPUs pages that users deploy to, the
 * spellings nvidia-smi prints for them (cloud SKUs included), and the per-GPU minimum driver.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isGateError } from '../../src/common/errors';
import { type BadMatrixError, loadMatrix } from '../../src/matrix/load';
import { findGpu } from '../../src/matrix/queries';
import { tempDir } from '../helpers/tmp';

const m = loadMatrix();

describe('what nvidia-smi --query-gpu=name prints resolves to the catalogued GPU', () => {
  test.each([
    // cloud SKUs (AWS, GCP, Azure)
    ['NVIDIA A10G', 'A10G', '8.6'],
    ['NVIDIA T4G', 'T4G', '7.5'],
    ['Tesla T4', 'T4', '7.5'],
    ['NVIDIA L4', 'L4', '8.9'],
    ['NVIDIA L40S', 'L40S', '8.9'],
    ['NVIDIA A100-SXM4-40GB', 'A100', '8.0'],
    ['NVIDIA A100-SXM4-80GB', 'A100', '8.0'],
    ['NVIDIA A100 80GB PCIe', 'A100', '8.0'],
    ['NVIDIA A100-PCIE-40GB', 'A100', '8.0'],
    ['NVIDIA H100 80GB HBM3', 'H100', '9.0'],
    ['NVIDIA H100 PCIe', 'H100', '9.0'],
    ['NVIDIA H100 NVL', 'H100', '9.0'],
    ['NVIDIA H200', 'H200', '9.0'],
    ['NVIDIA GH200 480GB', 'GH200', '9.0'],
    ['NVIDIA B200', 'B200', '10.0'],
    ['NVIDIA A10-4Q', 'A10', '8.6'],
    ['Tesla V100-SXM2-16GB', 'Tesla V100', '7.0'],
    ['Tesla V100S-PCIE-32GB', 'Tesla V100', '7.0'],
    ['Tesla P100-PCIE-16GB', 'Tesla P100', '6.0'],
    ['Tesla K80', 'Tesla K80', '3.7'],
    ['Tesla M60', 'Tesla M60', '5.2'],
    ['NVIDIA RTX PRO 6000 Blackwell Server Edition', 'RTX PRO 6000 Blackwell Server Edition', '12.0'],
    ['NVIDIA RTX PRO 4500 Blackwell Server Edition', 'RTX PRO 4500 Blackwell Server Edition', '12.0'],
    // workstation, consumer, DGX Spark, Jetson
    ['NVIDIA RTX PRO 6000 Blackwell Workstation Edition', 'RTX PRO 6000 Blackwell', '12.0'],
    ['NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition', 'RTX PRO 6000 Blackwell', '12.0'],
    ['NVIDIA RTX PRO 4500 Blackwell', 'RTX PRO 4500 Blackwell', '12.0'],
    ['NVIDIA RTX PRO 4000 Blackwell SFF Edition', 'RTX PRO 4000 Blackwell', '12.0'],
    ['NVIDIA RTX PRO 3000 Blackwell Generation Laptop GPU', 'RTX PRO 3000 Blackwell Laptop', '12.0'],
    ['NVIDIA RTX PRO 2000 Blackwell Generation Laptop GPU', 'RTX PRO 2000 Blackwell Laptop', '12.0'],
    ['NVIDIA GeForce RTX 5090', 'GeForce RTX 5090', '12.0'],
    ['NVIDIA GB10', 'GB10', '12.1'],
    ['NVIDIA Thor', 'Jetson Thor', '11.0'],
    ['Orin (nvgpu)', 'Jetson Orin', '8.7'],
    ['NVIDIA RTX 6000 Ada Generation', 'RTX 6000 Ada', '8.9'],
    ['NVIDIA RTX 4000 SFF Ada Generation', 'RTX 4000 SFF Ada', '8.9'],
    ['NVIDIA RTX 2000 Ada Generation', 'RTX 2000 Ada', '8.9'],
    ['NVIDIA GeForce RTX 4070 Ti', 'GeForce RTX 4070', '8.9'],
    ['NVIDIA GeForce RTX 4050 Laptop GPU', 'GeForce RTX 4050', '8.9'],
    ['NVIDIA RTX A2000 12GB', 'RTX A2000', '8.6'],
    ['NVIDIA RTX A2000 8GB Laptop GPU', 'RTX A2000', '8.6'],
    ['NVIDIA RTX A3000 12GB Laptop GPU', 'RTX A3000', '8.6'],
    ['NVIDIA GeForce RTX 3090 Ti', 'GeForce RTX 3090', '8.6'],
    ['NVIDIA GeForce RTX 3070', 'GeForce RTX 3070', '8.6'],
    ['NVIDIA GeForce RTX 3050 Ti Laptop GPU', 'GeForce RTX 3050', '8.6'],
    ['NVIDIA TITAN RTX', 'TITAN RTX', '7.5'],
    ['TITAN RTX', 'TITAN RTX', '7.5'],
    ['Quadro RTX 5000', 'Quadro RTX 5000', '7.5'],
    ['NVIDIA T1000 8GB', 'T1000', '7.5'],
    ['NVIDIA T400 4GB', 'T400', '7.5'],
    ['NVIDIA GeForce RTX 2070 SUPER', 'GeForce RTX 2070', '7.5'],
    ['NVIDIA GeForce RTX 2060', 'GeForce RTX 2060', '7.5'],
    ['NVIDIA GeForce GTX 1650 Ti', 'GeForce GTX 1650 Ti', '7.5'],
    ['TITAN V', 'TITAN V', '7.0'],
    ['NVIDIA TITAN V', 'TITAN V', '7.0'],
    ['NVIDIA TITAN Xp', 'TITAN Xp', '6.1'],
    ['NVIDIA TITAN X (Pascal)', 'TITAN X (Pascal)', '6.1'],
    ['NVIDIA GeForce GTX 1080 Ti', 'GeForce GTX 1080 Ti', '6.1'],
    ['GeForce GTX 1080', 'GeForce GTX 1080', '6.1'],
    ['NVIDIA GeForce GTX 1070 Ti', 'GeForce GTX 1070 Ti', '6.1'],
    ['NVIDIA GeForce GTX 1060 6GB', 'GeForce GTX 1060', '6.1'],
    ['NVIDIA GeForce GTX 1050 Ti', 'GeForce GTX 1050', '6.1'],
    ['Quadro P4000', 'Quadro P4000', '6.1'],
    ['Quadro GP100', 'Quadro GP100', '6.0'],
  ])('"%s" is %s (compute capability %s)', (printed, name, cc) => {
    expect(findGpu(m, printed)).toMatchObject({ name, computeCapability: cc, catalogued: true });
  });

  test('every row resolves from its name with the "NVIDIA " nvidia-smi puts in front, and from each alias', () => {
    for (const g of m.gpus) {
      for (const spelling of [g.name, `NVIDIA ${g.name}`, ...g.aliases, ...g.aliases.map((a) => `NVIDIA ${a}`)]) {
        expect({ spelling, gpu: findGpu(m, spelling)?.name }).toEqual({ spelling, gpu: g.name });
      }
    }
  });
});

describe('rows the issue names', () => {
  test('--gpu A10G (AWS G5) is a compute capability 8.6 Ampere data-center part', () => {
    expect(findGpu(m, 'A10G')).toMatchObject({ computeCapability: '8.6', architecture: 'Ampere', segment: 'datacenter', datacenter: true, confirmed: true });
  });

  test('GB10 (DGX Spark) is 12.1 and Rubin is 10.7', () => {
    expect(findGpu(m, 'GB10')).toMatchObject({ computeCapability: '12.1', architecture: 'Blackwell', datacenter: false });
    expect(findGpu(m, 'DGX Spark')).toMatchObject({ name: 'GB10', computeCapability: '12.1' });
    expect(findGpu(m, 'Rubin')).toMatchObject({ computeCapability: '10.7', architecture: 'Rubin', datacenter: true, firstDriverBranch: 615 });
  });

  test('Jetson T4000 has its own row (JetPack 7.1), compute capability 11.0', () => {
    expect(findGpu(m, 'Jetson T4000')).toMatchObject({ name: 'Jetson T4000', computeCapability: '11.0', segment: 'jetson', datacenter: false });
    expect(findGpu(m, 'Jetson T4000')!.source).toContain('JetPack 7.1');
    expect(findGpu(m, 'Jetson T5000')).toMatchObject({ name: 'Jetson Thor', computeCapability: '11.0' });
  });

  test('the RTX PRO Blackwell Server Editions are in the data-center column: forward-compat eligible; the workstation parts are not', () => {
    for (const name of ['RTX PRO 6000 Blackwell Server Edition', 'RTX PRO 4500 Blackwell Server Edition']) {
      expect(findGpu(m, name)).toMatchObject({ name, computeCapability: '12.0', segment: 'datacenter', datacenter: true });
    }
    for (const name of ['RTX PRO 6000 Blackwell Workstation Edition', 'RTX PRO 6000', 'RTX PRO 4500 Blackwell', 'RTX PRO 5000 Blackwell Laptop']) {
      expect(findGpu(m, name)).toMatchObject({ segment: 'workstation', datacenter: false });
    }
  });

  test('Volta, Turing and Pascal workstation and consumer parts carry their architecture and driver branches', () => {
    expect(findGpu(m, 'TITAN V')).toMatchObject({ architecture: 'Volta', firstDriverBranch: 384, lastDriverBranch: 580, brands: ['titan'] });
    expect(findGpu(m, 'TITAN RTX')).toMatchObject({ architecture: 'Turing', firstDriverBranch: 410, brands: ['titan'] });
    expect(findGpu(m, 'GTX 1080 Ti')).toMatchObject({ architecture: 'Pascal', lastDriverBranch: 580, segment: 'consumer' });
    expect(findGpu(m, 'Quadro RTX 4000')).toMatchObject({ architecture: 'Turing', firstDriverBranch: 410, segment: 'workstation' });
    expect(findGpu(m, 'RTX A3000')).toMatchObject({ architecture: 'Ampere', firstDriverBranch: 455 });
    expect(findGpu(m, 'RTX 2000 Ada')).toMatchObject({ architecture: 'Ada', firstDriverBranch: 520 });
  });

  test('the RTX PRO 4500 Blackwell Server Edition has a per-GPU minimum driver above its architecture: 595, from AWS', () => {
    const g = findGpu(m, 'NVIDIA RTX PRO 4500 Blackwell Server Edition')!;
    expect(g).toMatchObject({ firstDriverBranch: 570, minDriver: '595' });
    expect(g.minDriverSource).toContain('595 or later');
    expect(g.minDriverSource).toContain('docs.aws.amazon.com');
    // a per-SKU floor is not a property of the compute capability
    expect(findGpu(m, '12.0')?.minDriver).toBeUndefined();
  });
});

describe('minDriver in gpus.yaml is checked', () => {
  const ROW = 'minDriver: "595"\n    minDriverSource: aws-g7\n';
  function problemsWith(edit: (t: string) => string): string[] {
    const dir = tempDir('cuda-gate-gpus-');
    cpSync(resolve(__dirname, '../../matrix'), dir, { recursive: true });
    const path = join(dir, 'gpus.yaml');
    const before = readFileSync(path, 'utf8');
    const after = edit(before);
    expect(after).not.toBe(before);
    writeFileSync(path, after);
    try {
      loadMatrix(dir);
    } catch (e) {
      expect(isGateError(e) && e.code).toBe('BAD_MATRIX');
      return (e as BadMatrixError).problems;
    }
    throw new Error('the matrix loaded although it is broken');
  }

  test('a minDriver without its source is refused', () => {
    const problems = problemsWith((t) => t.replace(ROW, 'minDriver: "595"\n'));
    expect(problems).toEqual([expect.stringMatching(/gpus\.yaml:\d+: row \d+ \(RTX PRO 4500 Blackwell Server Edition\): minDriverSource is missing/)]);
  });

  test('a minDriver below the first driver branch, or not a driver version, is refused', () => {
    expect(problemsWith((t) => t.replace(ROW, 'minDriver: "560.35.03"\n    minDriverSource: aws-g7\n'))).toEqual([
      expect.stringMatching(/minDriver "560\.35\.03" is older than firstDriverBranch 570$/),
    ]);
    expect(problemsWith((t) => t.replace(ROW, 'minDriver: 595\n    minDriverSource: aws-g7\n'))).toEqual([
      expect.stringMatching(/minDriver 595 must be a quoted string/),
    ]);
  });
});
