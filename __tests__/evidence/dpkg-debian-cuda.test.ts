/**
 * Debian/Ubuntu's own CUDA packages (issue 16 item 5). Debian names its CUDA runtime after the library soname
 * (libcudart12, libcublas12) and puts the toolkit release in the version (12.4.127~12.4.1-2); the libraries Debian
 * builds with CUDA end in their own soname (libgloo-cuda-0, libtensorpipe-cuda-0), which is not a CUDA version.
 *
 * The stanzas below are Debian trixie's, copied from `apt-cache show` (deb.debian.org trixie contrib + non-free,
 * amd64 Packages; nvidia-cuda-toolkit 12.4.1-2, pytorch-cuda 2.6.0+dfsg-7, gloo-cuda, tensorpipe-cuda,
 * nvidia-nccl), with a dpkg Status line added and long Depends lines cut. The bookworm versions in the name table
 * are bookworm non-free's (nvidia-cuda-toolkit 11.8.0-5~deb12u1).
 */
import { dpkgEvidence } from '../../src/evidence/dpkg-status';
import { classifyPackage, debianCudaVersion } from '../../src/evidence/package-names';
import type { Evidence } from '../../src/evidence/types';
import { loadMatrix } from '../../src/matrix/load';
import { deriveRequirement } from '../../src/requirement/derive';
import { adHocTarget } from '../../src/targets/load';
import { DEFAULT_POLICY } from '../../src/model/policy';
import { judge } from '../../src/verdict/judge';
import { fakeView } from './fake-view';

const TRIXIE_TORCH_CUDA = `Package: python3-torch-cuda
Status: install ok installed
Architecture: amd64
Source: pytorch-cuda (2.6.0+dfsg-7)
Version: 2.6.0+dfsg-7+b1
Depends: libtorch-cuda-2.6 (= 2.6.0+dfsg-7+b1), python3 (<< 3.14), python3 (>= 3.13~), libcudart12, libtensorpipe-cuda-0 (>= 0.0~git20220513.bb1473a), libtorch-cuda-test (= 2.6.0+dfsg-7+b1)
Section: contrib/python
Description: Tensors and Dynamic neural networks in Python (Python Interface)

Package: libtorch-cuda-2.6
Status: install ok installed
Architecture: amd64
Multi-Arch: same
Source: pytorch-cuda (2.6.0+dfsg-7)
Version: 2.6.0+dfsg-7+b1
Depends: libc6 (>= 2.38), libcublas12, libcublaslt12, libcuda1 (>= 525) | libcuda.so.1 (>= 525), libcudart12, libcufft11, libcurand10, libcusolver11, libcusparse12, libgloo-cuda-0 (>= 0.0~git20231202.5354032)
Section: contrib/libs
Description: Tensors and Dynamic neural networks in Python (Shared Objects)

Package: libgloo-cuda-0
Status: install ok installed
Architecture: amd64
Source: gloo-cuda
Version: 0.0~git20231202.5354032-4
Depends: libc6 (>= 2.34), libcudart12, libgcc-s1 (>= 3.0), libhiredis1.1.0 (>= 1.2.0), libibverbs1 (>= 1.1.6), libnccl2 (>= 2.16.5), libopenmpi40 (>= 5.0.6), libstdc++6 (>= 12)
Section: contrib/libs
Description: Collective communications library (shared object)

Package: libtensorpipe-cuda-0
Status: install ok installed
Architecture: amd64
Multi-Arch: same
Source: tensorpipe-cuda
Version: 0.0~git20220513.bb1473a-6
Depends: libc6 (>= 2.38), libgcc-s1 (>= 3.0), libstdc++6 (>= 12), libuv1t64 (>= 1.18.0)
Section: contrib/libs
Description: tensor-aware point-to-point communication primitive for machine learning

Package: libnccl2
Status: install ok installed
Architecture: amd64
Source: nvidia-nccl
Version: 2.22.3-1-1
Depends: libc6 (>= 2.38), libgcc-s1 (>= 3.4), libstdc++6 (>= 4.8)
Section: contrib/libs
Description: NVIDIA Optimized primitives for inter-GPU communication

Package: libcudart12
Status: install ok installed
Architecture: amd64
Multi-Arch: same
Source: nvidia-cuda-toolkit (12.4.1-2)
Version: 12.4.127~12.4.1-2
Depends: libc6 (>= 2.34)
Section: non-free/libs
Description: NVIDIA CUDA Runtime Library

Package: libcublas12
Status: install ok installed
Architecture: amd64
Multi-Arch: same
Source: nvidia-cuda-toolkit (12.4.1-2)
Version: 12.4.5.8~12.4.1-2
Depends: libc6 (>= 2.34), libcublaslt12 (= 12.4.5.8~12.4.1-2), libgcc-s1 (>= 4.2)
Section: non-free/libs
Description: NVIDIA cuBLAS Library

Package: libcublaslt12
Status: install ok installed
Architecture: amd64
Multi-Arch: same
Source: nvidia-cuda-toolkit (12.4.1-2)
Version: 12.4.5.8~12.4.1-2
Depends: libc6 (>= 2.34), libgcc-s1 (>= 4.2)
Section: non-free/libs
Description: NVIDIA cuBLASLt Library

Package: libcurand10
Status: install ok installed
Architecture: amd64
Multi-Arch: same
Source: nvidia-cuda-toolkit (12.4.1-2)
Version: 11.1.1+~10.3.5.147~12.4.1-2
Depends: libc6 (>= 2.34), libgcc-s1 (>= 4.2)
Section: non-free/libs
Description: NVIDIA cuRAND Library
`;

/** The toolkit itself, for an image that compiles with Debian's nvcc (trixie non-free). */
const TRIXIE_TOOLKIT = `Package: nvidia-cuda-toolkit
Status: install ok installed
Architecture: amd64
Version: 12.4.131~12.4.1-2
Depends: nvidia-profiler (= 12.4.127~12.4.1-2), nvidia-cuda-dev (= 12.4.127~12.4.1-2), libc6 (>= 2.34)
Section: non-free/devel
Description: NVIDIA CUDA development toolkit
`;

const matrix = loadMatrix();
const LAYERS = [{ digest: 'sha256:aaaa', instruction: 'RUN apt-get install python3-torch-cuda' }];

function imageOf(status: string) {
  const out = dpkgEvidence(fakeView([{ path: 'var/lib/dpkg/status', content: status }]));
  const requirement = deriveRequirement({ evidence: out.evidence, require: { expressions: [], disabled: false }, layers: LAYERS }, matrix);
  const verdict = (driver: string) => judge({ image: 'debian-torch', requirement, target: adHocTarget({ driver }, matrix), policy: DEFAULT_POLICY }, matrix);
  return { evidence: out.evidence, findings: out.findings, requirement, verdict };
}

describe("an image with Debian's PyTorch (python3-torch-cuda, libgloo-cuda-0, libtensorpipe-cuda-0, libcudart12)", () => {
  const image = imageOf(TRIXIE_TORCH_CUDA);
  const by = new Map(image.evidence.map((e) => [e.package, e]));

  test('the soname-suffixed libraries built with CUDA, PyTorch itself and a suffix-less NCCL name no CUDA version', () => {
    for (const p of ['libgloo-cuda-0', 'libtensorpipe-cuda-0', 'python3-torch-cuda', 'libtorch-cuda-2.6']) expect(by.has(p)).toBe(false);
    expect(by.get('libnccl2')).toMatchObject({ kind: 'nccl', version: '2.22.3', value: '2.22.3-1-1' });
    expect(by.get('libnccl2')?.cuda).toBeUndefined();
    expect(image.evidence.some((e) => e.cuda !== undefined && e.cuda.split('.')[0] === '0')).toBe(false);
  });

  test.each([
    ['libcudart12', 'cudart', '12.4.127', '12.4.1', 12],
    ['libcublas12', 'cublas', '12.4.5.8', '12.4.1', 12],
    ['libcublaslt12', 'cublasLt', '12.4.5.8', '12.4.1', 12],
    // cuRAND's version went backwards, so Debian prefixes it: 11.1.1+~<curand>~<toolkit>
    ['libcurand10', 'curand', '10.3.5.147', '12.4.1', 10],
  ])("Debian's %s is %s %s of CUDA %s (soname %s)", (pkg, kind, version, cuda, soname) => {
    expect(by.get(pkg)).toMatchObject({ kind, version, cuda, sonameMajor: soname, from: 'package', confidence: 'exact', path: '/var/lib/dpkg/status' });
  });

  test('CUDA 12 only: the cudart version resolves to the 12.4.1 release through the cudart lists', () => {
    expect(image.requirement.majors).toEqual([12]);
    expect(image.requirement.needs.every((n) => n.major === 12 && !n.unknown)).toBe(true);
    expect(image.requirement.runtime).toEqual({ version: '12.4.127', major: 12, release: '12.4.1' });
    const cudartNeed = image.requirement.needs.find((n) => n.evidence.some((e) => e.package === 'libcudart12'));
    expect(cudartNeed).toMatchObject({ cuda: '12.4.127', level: 'release', releases: ['12.4.1'], minDriver: '550.54.15' });
  });

  test.each(['550.54.15', '535.104.05', '470.82.01'])('no MIXED_CUDA_MAJORS or UNKNOWN_CUDA_RELEASE on driver %s', (driver) => {
    const codes = image.verdict(driver).reasons.map((r) => r.code);
    expect(codes).not.toContain('MIXED_CUDA_MAJORS');
    expect(codes).not.toContain('UNKNOWN_CUDA_RELEASE');
  });

  test('on the release minimum driver the image passes', () => {
    expect(image.verdict('550.54.15').verdict).toBe('pass');
  });

  test('the checks above would see the old misreading ("CUDA 0" from libgloo-cuda-0)', () => {
    const cuda0: Evidence = {
      kind: 'cuda-package',
      component: 'libgloo',
      cuda: '0',
      from: 'package',
      package: 'libgloo-cuda-0',
      path: '/var/lib/dpkg/status',
      layerIndex: 0,
      confidence: 'exact',
    };
    const req = deriveRequirement({ evidence: [...image.evidence, cuda0], require: { expressions: [], disabled: false }, layers: LAYERS }, matrix);
    const codes = judge({ image: 'x', requirement: req, target: adHocTarget({ driver: '550.54.15' }, matrix), policy: DEFAULT_POLICY }, matrix).reasons.map(
      (r) => r.code,
    );
    expect(codes).toEqual(expect.arrayContaining(['MIXED_CUDA_MAJORS', 'UNKNOWN_CUDA_RELEASE']));
  });
});

describe("Debian's nvidia-cuda-toolkit", () => {
  test('is the toolkit package of its release, versioned by nvcc', () => {
    const image = imageOf(TRIXIE_TOOLKIT);
    expect(image.evidence).toEqual([
      expect.objectContaining({ kind: 'cuda-package', component: 'nvidia-cuda-toolkit', version: '12.4.131', cuda: '12.4.1', value: '12.4.131~12.4.1-2' }),
    ]);
    expect(image.requirement.majors).toEqual([12]);
    expect(image.requirement.needs).toEqual([expect.objectContaining({ cuda: '12.4.1', level: 'release', releases: ['12.4.1'], unknown: false })]);
  });
});

describe('package names ending in a number', () => {
  test.each([
    ['libgloo-cuda-0', '0.0~git20231202.5354032-4', 'gloo-cuda'],
    ['libtensorpipe-cuda-0', '0.0~git20220513.bb1473a-6', 'tensorpipe-cuda'],
    ['libstdgpu-cuda0d', '1.3.0+git20220507.32e0517-3', 'stdgpu-contrib'],
    // made-up Debian-style names: a soname, with or without Debian's dash
    ['libfoo-cuda1', '1.0-1', undefined],
    ['libfoo-cuda-1', '1.0-1', undefined],
    ['libcupt4-2', '2.10.4+nmu1+b1', 'cupt (2.10.4+nmu1)'],
    ['libtorch-cuda-2.6', '2.6.0+dfsg-7+b1', 'pytorch-cuda (2.6.0+dfsg-7)'],
    ['python3-torch-cuda', '2.6.0+dfsg-7+b1', 'pytorch-cuda (2.6.0+dfsg-7)'],
    ['libcudnn-frontend-dev', '1.8.0+ds-1', 'nvidia-cudnn-frontend'],
    ['libcuneiform0', '1.1.0+dfsg-12', 'cuneiform'],
    ['libfoo-cuda-0', '1.0+cuda0-1', undefined],
    ['constructor1', '1.0~12.4.1-1', undefined],
  ])('%s %s (Source %s) says nothing about CUDA', (name, version, source) => {
    expect(classifyPackage(name, version, source)).toBeUndefined();
  });

  test.each([
    ['libcusparselt0-cuda-12', '0.6.3.2-1', { kind: 'cuda-package', component: 'libcusparselt0', cuda: '12' }],
    ['cudnn9-cuda-12', '9.1.0.70-1', { kind: 'cuda-package', component: 'cudnn9', cuda: '12' }],
    ['libcudss0-cuda-12', '0.3.0.9-1', { kind: 'cuda-package', component: 'libcudss0', cuda: '12' }],
    ['libnvshmem3-cuda-12', '3.1.7-1', { kind: 'cuda-package', component: 'libnvshmem3', cuda: '12' }],
    ['cuda-12', '12.4.1-1', { kind: 'cuda-package', component: 'cuda', cuda: '12' }],
  ])("NVIDIA's %s %s still names its CUDA major", (name, version, expected) => {
    expect(classifyPackage(name, version)).toMatchObject(expected);
  });
});

describe("Debian/Ubuntu's CUDA package names and versions", () => {
  test.each([
    // bookworm non-free (nvidia-cuda-toolkit 11.8.0-5~deb12u1): a stable update's revision has its own "~"
    [
      'libcudart11.0',
      '11.8.89~11.8.0-5~deb12u1',
      'nvidia-cuda-toolkit (11.8.0-5~deb12u1)',
      { kind: 'cudart', version: '11.8.89', cuda: '11.8.0', sonameMajor: 11 },
    ],
    [
      'libcufft10',
      '11.1.1+~10.9.0.58~11.8.0-5~deb12u1',
      'nvidia-cuda-toolkit (11.8.0-5~deb12u1)',
      { kind: 'cufft', version: '10.9.0.58', cuda: '11.8.0', sonameMajor: 10 },
    ],
    [
      'libnvrtc11.2',
      '11.8.89~11.8.0-5~deb12u1',
      'nvidia-cuda-toolkit (11.8.0-5~deb12u1)',
      { kind: 'nvrtc', version: '11.8.89', cuda: '11.8.0', sonameMajor: 11 },
    ],
    // trixie non-free (nvidia-cuda-toolkit 12.4.1-2)
    ['libnvrtc-builtins12.4', '12.4.127~12.4.1-2', 'nvidia-cuda-toolkit (12.4.1-2)', { kind: 'nvrtc', version: '12.4.127', cuda: '12.4.1', sonameMajor: 12 }],
    ['libcusolvermg11', '11.6.1.9~12.4.1-2', 'nvidia-cuda-toolkit (12.4.1-2)', { kind: 'cusolver', version: '11.6.1.9', cuda: '12.4.1', sonameMajor: 11 }],
    ['libnvjitlink12', '12.4.127~12.4.1-2', 'nvidia-cuda-toolkit (12.4.1-2)', { kind: 'nvjitlink', version: '12.4.127', cuda: '12.4.1', sonameMajor: 12 }],
    // any other binary of the nvidia-cuda-toolkit source is a CUDA package of the release
    ['libnppc12', '12.2.5.30~12.4.1-2', 'nvidia-cuda-toolkit (12.4.1-2)', { kind: 'cuda-package', component: 'libnppc', version: '12.2.5.30', cuda: '12.4.1' }],
    [
      'nvidia-cuda-dev',
      '12.4.127~12.4.1-2',
      'nvidia-cuda-toolkit (12.4.1-2)',
      { kind: 'cuda-package', component: 'nvidia-cuda-dev', version: '12.4.127', cuda: '12.4.1' },
    ],
    ['nvidia-cuda-toolkit-doc', '12.4.1-2', 'nvidia-cuda-toolkit', { kind: 'cuda-package', version: '12.4.1', cuda: '12.4.1' }],
    // the driver library of Debian's Tesla branches
    ['libnvidia-tesla-535-cuda1', '535.216.03-3~deb12u1', 'nvidia-graphics-drivers-tesla-535', { kind: 'driver-lib', version: '535.216.03' }],
  ])('%s %s', (name, version, source, expected) => {
    expect(classifyPackage(name, version, source)).toMatchObject(expected);
  });

  test('a runtime library name without a Debian version keeps its soname major for the matrix rules', () => {
    const facts = classifyPackage('libcublas12', '12.4.5.8-1');
    expect(facts).toEqual({ kind: 'cublas', component: 'cublas', version: '12.4.5.8', sonameMajor: 12 });
    const ev: Evidence = {
      kind: 'cublas',
      version: '12.4.5.8',
      sonameMajor: 12,
      from: 'package',
      package: 'libcublas12',
      path: '/var/lib/dpkg/status',
      layerIndex: 0,
      confidence: 'exact',
    };
    const req = deriveRequirement({ evidence: [ev], require: { expressions: [], disabled: false }, layers: LAYERS }, matrix);
    expect(req.needs).toEqual([expect.objectContaining({ cuda: '12', level: 'major', unknown: false })]);
  });

  test.each([
    ['12.4.127~12.4.1-2', { release: '12.4.1', component: '12.4.127' }],
    ['11.8.89~11.8.0-5~deb12u1', { release: '11.8.0', component: '11.8.89' }],
    ['11.1.1+~10.3.5.147~12.4.1-2', { release: '12.4.1', component: '10.3.5.147' }],
    ['9.+8u452-ga-1~12.4.1-2', { release: '12.4.1' }],
    ['12.4.127-1', undefined],
    ['0.0~git20231202.5354032-4', undefined],
    ['2.21.5-1+cuda12.4', undefined],
  ])('debianCudaVersion(%s)', (v, expected) => {
    expect(debianCudaVersion(v)).toEqual(expected);
  });
});
