import { loadMatrix } from '../../src/matrix/load';
import {
  cudaForDriver,
  findGpu,
  isConfirmed,
  latestRelease,
  libraryCudaMajor,
  majorCompat,
  releaseByVersion,
  releasesByCudart,
  releasesInFamily,
  resolveRelease,
  smTargetsForToolkit,
  suggestGpus,
} from '../../src/matrix/queries';

const m = loadMatrix();
const versions = (rs: { version: string }[]) => rs.map((r) => r.version);

describe('releases', () => {
  test('a CUDA_VERSION names one release exactly', () => {
    expect(releaseByVersion(m, '12.4.1')?.label).toBe('CUDA 12.4 Update 1');
    expect(releaseByVersion(m, '11.0.2')?.label).toBe('CUDA 11.0.2 GA');
    expect(releaseByVersion(m, '13.4.1')?.label).toBe('CUDA 13.4 GA');
  });

  test('a minor version is a family, not a release', () => {
    expect(releaseByVersion(m, '12.4')).toBeUndefined();
    expect(versions(releasesInFamily(m, '12.4'))).toEqual(['12.4.0', '12.4.1']);
    expect(versions(releasesInFamily(m, '12.4.99'))).toEqual(['12.4.0', '12.4.1']);
    expect(releasesInFamily(m, '12').every((r) => r.version.startsWith('12.'))).toBe(true);
  });

  test('a cudart component version finds the release that ships it', () => {
    expect(versions(releasesByCudart(m, '12.4.127'))).toEqual(['12.4.1']);
    expect(versions(releasesByCudart(m, '11.8.89-1'))).toEqual(['11.8.0']);
    expect(releasesByCudart(m, '12.4.1')).toEqual([]);
  });

  test('resolveRelease tries release, then cudart, then the whole family', () => {
    expect(resolveRelease(m, '12.4.1')).toMatchObject({ exact: true, by: 'release' });
    const byCudart = resolveRelease(m, '12.4.127');
    expect({ ...byCudart, releases: versions(byCudart.releases) }).toEqual({ releases: ['12.4.1'], exact: true, by: 'cudart' });
    const family = resolveRelease(m, '12.3.107');
    expect({ ...family, releases: versions(family.releases) }).toEqual({
      releases: ['12.3.0', '12.3.1', '12.3.2'],
      exact: false,
      by: 'family',
    });
    expect(resolveRelease(m, '12.7.0')).toEqual({ releases: [], exact: false, by: 'none' });
    expect(resolveRelease(m, 'latest')).toEqual({ releases: [], exact: false, by: 'none' });
  });

  test('a pre-11 update that Table 3 folds into its GA row resolves to that family', () => {
    expect(versions(resolveRelease(m, '10.1.243').releases)).toEqual(['10.1.105']);
  });

  test('the latest release is the newest in the table', () => {
    expect(latestRelease(m)?.version).toBe('13.5.0');
  });

  test('releases the research could not confirm are marked so', () => {
    for (const v of ['12.3.2', '12.8.2', '12.9.2', '13.0.3', '13.1.2', '13.4.1', '13.4.2', '13.4.3', '13.5.0']) {
      expect({ v, confirmed: releaseByVersion(m, v)?.confirmed }).toEqual({ v, confirmed: false });
    }
    const u1 = releaseByVersion(m, '13.3.1')!;
    expect(isConfirmed(u1, 'linuxDriver')).toBe(true);
    expect(isConfirmed(u1, 'compatDriver')).toBe(false);
  });
});

describe('minor-version compatibility per major', () => {
  test('CUDA 11, 12 and 13 have floors; 9 and 10 have none', () => {
    expect(majorCompat(m, 11)?.minorCompatFloor).toBe('450.80.02');
    expect(majorCompat(m, 12)?.minorCompatFloor).toBe('525.60.13');
    expect(majorCompat(m, 13)?.minorCompatFloor).toBe('580.65.06');
    expect(majorCompat(m, 10)).toMatchObject({ minorVersionCompat: false });
    expect(majorCompat(m, 10)?.minorCompatFloor).toBeUndefined();
    expect(majorCompat(m, 14)).toBeUndefined();
  });
});

describe('the CUDA version a driver supports', () => {
  test.each([
    ['535.104.05', '12.2'],
    ['470.57.02', '11.4'],
    ['580.65.06', '13.0'],
    ['550.54.15', '12.4'],
    ['525.60.13', '12.0'],
  ])('driver %s supports CUDA %s', (driver, cuda) => {
    expect(cudaForDriver(m, driver)).toMatchObject({ cuda, beyondKnown: false, belowKnown: false, confirmed: true });
  });

  test('a listed branch answers by its branch row', () => {
    expect(cudaForDriver(m, '535.104.05').branch?.branch).toBe(535);
  });

  test('an unlisted branch reports what the nearest listed branch below it does, unconfirmed', () => {
    const r = cudaForDriver(m, '600.10');
    expect(r).toMatchObject({ cuda: '13.2', beyondKnown: false, confirmed: false });
    expect(r.branch?.branch).toBe(595);
  });

  test.each([
    // every driver of a branch reports the branch's CUDA version, early drivers released before that toolkit too
    ['550.40.07', '12.4'],
    ['525.60.11', '12.0'],
    ['520.56.06', '11.8'],
    ['440.26', '10.2'],
    ['470.10.01', '11.4'],
  ])('early driver %s of its branch reports CUDA %s', (driver, cuda) => {
    expect(cudaForDriver(m, driver)).toMatchObject({ cuda, belowKnown: false });
  });

  test('a driver newer than every known branch is flagged beyondKnown', () => {
    const newest = m.driverBranches[m.driverBranches.length - 1];
    expect(cudaForDriver(m, '900.10.01')).toMatchObject({ cuda: newest.cuda, beyondKnown: true });
  });

  test('a driver older than every CUDA 9 era branch reports no CUDA version: 0.0', () => {
    expect(cudaForDriver(m, '375.26')).toMatchObject({ belowKnown: true, cuda: '0.0' });
  });

  test('R565 answers 12.7, marked unconfirmed', () => {
    expect(cudaForDriver(m, '565.57.01')).toMatchObject({ cuda: '12.7', confirmed: false });
  });

  test('a malformed driver version is a BAD_DRIVER_VERSION error', () => {
    expect(() => cudaForDriver(m, '535.x')).toThrow(expect.objectContaining({ code: 'BAD_DRIVER_VERSION' }));
  });
});

describe('GPUs', () => {
  test.each([
    ['a100', 'A100'],
    ['NVIDIA A100-SXM4-80GB', 'A100'],
    ['A100 80GB PCIe', 'A100'],
    ['Tesla T4', 'T4'],
    ['t4', 'T4'],
    ['H100', 'H100'],
    ['NVIDIA H100 80GB HBM3', 'H100'],
    ['h100-nvl', 'H100'],
    ['NVIDIA GeForce RTX 4090', 'GeForce RTX 4090'],
    ['rtx4090', 'GeForce RTX 4090'],
    ['NVIDIA RTX 6000 Ada Generation', 'RTX 6000 Ada'],
    ['Tesla V100-SXM2-16GB', 'Tesla V100'],
    ['NVIDIA L40S', 'L40S'],
    ['NVIDIA L40', 'L40'],
    ['Jetson Orin Nano', 'Jetson Orin'],
  ])('"%s" is the %s', (query, name) => {
    expect(findGpu(m, query)).toMatchObject({ name, catalogued: true });
  });

  test('the catalogue carries compute capability, data-center flag and brands', () => {
    expect(findGpu(m, 'A100')).toMatchObject({
      computeCapability: '8.0',
      architecture: 'Ampere',
      datacenter: true,
      brands: ['tesla', 'nvidia', 'unknown'],
      firstDriverBranch: 450,
    });
    expect(findGpu(m, 'Tesla K80')).toMatchObject({ computeCapability: '3.7', lastDriverBranch: 470 });
    expect(findGpu(m, 'RTX 5090')).toMatchObject({ computeCapability: '12.0', datacenter: false, firstDriverBranch: 570 });
  });

  test('a compute capability gives a bare entry that callers can tell from a catalogued GPU', () => {
    const bare = findGpu(m, '8.0');
    expect(bare).toMatchObject({
      name: 'sm_80 (compute capability 8.0)',
      computeCapability: '8.0',
      architecture: 'Ampere',
      catalogued: false,
      matchedBy: 'computeCapability',
      datacenter: false,
      brands: [],
    });
    expect(findGpu(m, 'sm_90')).toMatchObject({ computeCapability: '9.0', catalogued: false });
    expect(findGpu(m, '10.3')).toMatchObject({ firstDriverBranch: 575 });
  });

  test('a compute capability no toolkit or GPU has is unknown', () => {
    expect(findGpu(m, '4.2')).toBeUndefined();
  });

  test('an unknown or ambiguous name is not guessed', () => {
    expect(findGpu(m, 'A10X')).toBeUndefined();
    expect(findGpu(m, 'RTX 6000')).toBeUndefined();
    expect(findGpu(m, 'Tesla')).toBeUndefined();
  });

  test('close names are suggested for an unknown one', () => {
    expect(suggestGpus(m, 'A10X')).toContain('A10');
    expect(suggestGpus(m, 'H10')).toContain('H100');
    expect(suggestGpus(m, 'RTX 6000').length).toBeGreaterThan(0);
    expect(suggestGpus(m, 'RTX 6000').length).toBeLessThanOrEqual(3);
    expect(suggestGpus(m, 'zzzzzzzz')).toEqual([]);
  });
});

describe('libraries', () => {
  test('a soname major maps to its CUDA major', () => {
    expect(libraryCudaMajor(m, 'cublas', 12)).toEqual([12]);
    expect(libraryCudaMajor(m, 'libcudart', 13)).toEqual([13]);
    expect(libraryCudaMajor(m, 'nvjitlink', 12)).toEqual([12]);
    expect(libraryCudaMajor(m, 'cublasLt', 11)).toEqual([11]);
  });

  test('libraries whose major is their own have no rule', () => {
    expect(libraryCudaMajor(m, 'cufft', 11)).toBeUndefined();
    expect(libraryCudaMajor(m, 'cudnn', 9)).toBeUndefined();
    expect(libraryCudaMajor(m, 'nccl', 2)).toBeUndefined();
  });
});

describe('GPU targets per toolkit', () => {
  test('CUDA 12.0 dropped Kepler 3.5/3.7 and CUDA 13.0 dropped Maxwell to Volta', () => {
    expect(smTargetsForToolkit(m, '11.8')).toEqual(expect.arrayContaining(['sm_35', 'sm_37', 'sm_89', 'sm_90']));
    expect(smTargetsForToolkit(m, '12.0')).not.toContain('sm_35');
    expect(smTargetsForToolkit(m, '12.8.1')).toEqual(expect.arrayContaining(['sm_70', 'sm_100', 'sm_120']));
    const cuda13 = smTargetsForToolkit(m, '13.0');
    expect(cuda13).not.toContain('sm_70');
    expect(cuda13[0]).toBe('sm_75');
    expect(cuda13).toContain('sm_110');
    expect(cuda13).not.toContain('sm_101');
  });
});
