import { dpkgEvidence as dpkgEvidenceOf, parseDpkgStatus } from '../../src/evidence/dpkg-status';
import { classifyPackage } from '../../src/evidence/package-names';
import { fakeView, shown } from './fake-view';

const dpkgEvidence = shown(dpkgEvidenceOf);

/** A /var/lib/dpkg/status as an nvidia/cuda 12.4.1 cudnn runtime image has it, with a few leftovers (abridged). */
const STATUS = `Package: libc6
Status: install ok installed
Priority: optional
Section: libs
Installed-Size: 13592
Maintainer: Ubuntu Developers <ubuntu-devel-discuss@lists.ubuntu.com>
Architecture: amd64
Multi-Arch: same
Source: glibc
Version: 2.35-0ubuntu3.8
Depends: libgcc-s1, libcrypt1 (>= 1:4.4.10-10ubuntu4)
Conffiles:
 /etc/ld.so.conf.d/x86_64-linux-gnu.conf d4e7a7b88a71b5ffd9e2644e71a0cfab
Description: GNU C Library: Shared libraries
 Contains the standard libraries that are used by nearly all programs on
 the system.

Package: cuda-keyring
Status: install ok installed
Architecture: all
Version: 1.1-1
Description: GPG keyring for the CUDA repository

Package: cuda-cudart-12-4
Status: install ok installed
Priority: optional
Section: devel
Installed-Size: 741
Maintainer: cudatools <cudatools@nvidia.com>
Architecture: amd64
Source: cuda-cudart
Version: 12.4.127-1
Depends: cuda-toolkit-12-4-config-common, cuda-toolkit-12-config-common, cuda-toolkit-config-common
Description: CUDA Runtime native Libraries
 CUDA Runtime native Libraries

Package: cuda-compat-12-4
Status: install ok installed
Architecture: amd64
Version: 550.54.15-1
Description: CUDA Compatibility Platform
 CUDA Compatibility Platform

Package: cuda-toolkit-12-4-config-common
Status: install ok installed
Architecture: all
Version: 12.4.127-1

Package: cuda-toolkit-config-common
Status: install ok installed
Architecture: all
Version: 12.4.127-1

Package: cuda-libraries-12-4
Status: install ok installed
Architecture: amd64
Version: 12.4.1-1

Package: cuda-nvrtc-12-4
Status: install ok installed
Architecture: amd64
Version: 12.4.127-1

Package: libcublas-12-4
Status: hold ok installed
Architecture: amd64
Version: 12.4.5.8-1

Package: libcufft-12-4
Status: install ok installed
Architecture: amd64
Version: 11.2.1.3-1

Package: libcurand-12-4
Status: install ok installed
Architecture: amd64
Version: 10.3.5.147-1

Package: libcusolver-12-4
Status: install ok installed
Architecture: amd64
Version: 11.6.1.9-1

Package: libcusparse-12-4
Status: install ok installed
Architecture: amd64
Version: 12.3.1.170-1

Package: libnvjitlink-12-4
Status: install ok installed
Architecture: amd64
Version: 12.4.127-1

Package: libnpp-12-4
Status: install ok installed
Architecture: amd64
Version: 12.2.5.30-1

Package: libnccl2
Status: hold ok installed
Architecture: amd64
Source: nccl
Version: 2.21.5-1+cuda12.4
Description: NVIDIA Collective Communication Library (NCCL) Runtime

Package: libcudnn9-cuda-12
Status: hold ok installed
Architecture: amd64
Source: cudnn
Version: 9.1.0.70-1

Package: libcudnn8
Status: deinstall ok config-files
Architecture: amd64
Version: 8.9.6.50-1+cuda11.8

Package: cuda-cudart-11-8
Status: purge ok not-installed
Architecture: amd64
Version: 11.8.89-1

Package: cuda-runtime-12-4
Status: install ok half-configured
Architecture: amd64
Version: 12.4.1-1

Package: libcurl4
Status: install ok installed
Architecture: amd64
Version: 7.81.0-1ubuntu1.16
`;

describe('the dpkg database', () => {
  const out = dpkgEvidence(fakeView([{ path: 'var/lib/dpkg/status', content: STATUS, layer: 2 }]));
  const by = new Map(out.evidence.map((e) => [e.package, e]));

  test('installed CUDA packages become exact package evidence at the status file', () => {
    expect(out.findings).toEqual([]);
    for (const e of out.evidence) {
      expect(e).toMatchObject({ from: 'package', confidence: 'exact', path: '/var/lib/dpkg/status', layer: 'sha256:cccc', layerIndex: 2 });
    }
  });

  test.each([
    ['cuda-cudart-12-4', 'cudart', '12.4.127', '12.4'],
    ['cuda-compat-12-4', 'cuda-compat', '550.54.15', '12.4'],
    ['libcudnn9-cuda-12', 'cudnn', '9.1.0.70', '12'],
    ['libnccl2', 'nccl', '2.21.5', '12.4'],
    ['libcublas-12-4', 'cublas', '12.4.5.8', '12.4'],
    ['libcufft-12-4', 'cufft', '11.2.1.3', '12.4'],
    ['libcurand-12-4', 'curand', '10.3.5.147', '12.4'],
    ['libcusolver-12-4', 'cusolver', '11.6.1.9', '12.4'],
    ['libcusparse-12-4', 'cusparse', '12.3.1.170', '12.4'],
    ['cuda-nvrtc-12-4', 'nvrtc', '12.4.127', '12.4'],
    ['libnvjitlink-12-4', 'nvjitlink', '12.4.127', '12.4'],
    ['cuda-libraries-12-4', 'cuda-package', '12.4.1', '12.4'],
    ['cuda-toolkit-12-4-config-common', 'cuda-package', '12.4.127', '12.4'],
    ['libnpp-12-4', 'cuda-package', '12.2.5.30', '12.4'],
  ])('%s is %s %s for CUDA %s', (pkg, kind, version, cuda) => {
    expect(by.get(pkg)).toMatchObject({ kind, version, cuda });
  });

  test('"hold ok installed" counts as installed (NVIDIA images apt-mark hold cuBLAS, NCCL, cuDNN)', () => {
    expect(by.get('libnccl2')?.value).toBe('2.21.5-1+cuda12.4');
  });

  test('removed packages ("deinstall ok config-files", "purge ok not-installed") and half-configured ones are ignored', () => {
    expect(by.has('libcudnn8')).toBe(false);
    expect(by.has('cuda-cudart-11-8')).toBe(false);
    expect(by.has('cuda-runtime-12-4')).toBe(false);
  });

  test('packages that say nothing about CUDA are not evidence', () => {
    for (const p of ['libc6', 'cuda-keyring', 'cuda-toolkit-config-common', 'libcurl4']) expect(by.has(p)).toBe(false);
    expect(out.evidence).toHaveLength(14);
  });
});

describe('package names', () => {
  test.each([
    ['libcudnn8', '8.9.6.50-1+cuda11.8', { kind: 'cudnn', version: '8.9.6.50', cuda: '11.8' }],
    ['libcudnn9-cuda-13', '9.12.0.46-1', { kind: 'cudnn', version: '9.12.0.46', cuda: '13' }],
    ['libcudnn9-dev-cuda-12', '9.1.0.70-1', { kind: 'cuda-package', component: 'libcudnn9-dev', cuda: '12' }],
    ['libnccl-dev', '2.21.5-1+cuda12.4', { kind: 'cuda-package', component: 'libnccl-dev', cuda: '12.4' }],
    ['cuda-runtime-12-4', '12.4.1-1', { kind: 'cuda-package', component: 'cuda-runtime', version: '12.4.1', cuda: '12.4' }],
    ['cuda-toolkit-12-4', '12.4.1-1', { kind: 'cuda-package', component: 'cuda-toolkit', cuda: '12.4' }],
    ['cuda-12-4', '12.4.1-1', { kind: 'cuda-package', component: 'cuda', cuda: '12.4' }],
    ['cuda-toolkit-12', '12.4.1-1', { kind: 'cuda-package', component: 'cuda-toolkit', cuda: '12' }],
    ['cuda-cudart-dev-12-4', '12.4.127-1', { kind: 'cuda-package', component: 'cuda-cudart-dev', cuda: '12.4' }],
    ['libcublas-dev-12-4', '12.4.5.8-1', { kind: 'cuda-package', component: 'libcublas-dev', cuda: '12.4' }],
    ['libnvinfer10', '10.0.1.6-1+cuda12.4', { kind: 'cuda-package', component: 'libnvinfer10', cuda: '12.4' }],
    ['libnvidia-compute-535', '535.183.01-0ubuntu0.22.04.1', { kind: 'driver-lib', version: '535.183.01' }],
  ])('%s %s', (name, version, expected) => {
    expect(classifyPackage(name, version)).toMatchObject(expected);
  });

  test.each([
    ['libcups2', '2.4.1-1'],
    ['libcurl3-gnutls', '7.81.0-1'],
    ['cuda-keyring', '1.1-1'],
    ['python3-numpy', '1:1.21.5-1'],
  ])('%s is not a CUDA package', (name, version) => {
    expect(classifyPackage(name, version)).toBeUndefined();
  });
});

describe('distroless status.d', () => {
  test('one file per package, without Status, counts; .md5sums files are not stanzas', () => {
    const out = dpkgEvidence(
      fakeView([
        { path: 'var/lib/dpkg/status.d/libcudnn9-cuda-12', content: 'Package: libcudnn9-cuda-12\nVersion: 9.1.0.70-1\nArchitecture: amd64\n' },
        { path: 'var/lib/dpkg/status.d/libcudnn9-cuda-12.md5sums', content: 'Package: libnccl2\nVersion: 2.21.5-1+cuda12.4\n' },
        { path: 'var/lib/dpkg/status.d/libc6', content: 'Package: libc6\nVersion: 2.36-9\n' },
        { path: 'var/lib/dpkg/status.d/cuda-cudart-11-8', content: 'Package: cuda-cudart-11-8\nStatus: deinstall ok config-files\nVersion: 11.8.89-1\n' },
      ]),
    );
    expect(out.evidence).toEqual([
      expect.objectContaining({
        kind: 'cudnn',
        package: 'libcudnn9-cuda-12',
        version: '9.1.0.70',
        cuda: '12',
        path: '/var/lib/dpkg/status.d/libcudnn9-cuda-12',
      }),
    ]);
  });

  test('in the main status file a stanza without Status is not installed', () => {
    expect(parseDpkgStatus('Package: libnccl2\nVersion: 2.21.5-1+cuda12.4\n')).toEqual([]);
    expect(parseDpkgStatus('Package: libnccl2\nVersion: 2.21.5-1+cuda12.4\n', { statusOptional: true })).toHaveLength(1);
  });
});

describe('damaged status files', () => {
  test('malformed stanzas are skipped, the rest still read', () => {
    const text =
      'Package: libnccl2\nStatus: install ok installed\nthis line is not a field\nVersion: 2.21.5-1+cuda12.4\n\nVersion: 1\nStatus: install ok installed\n\nPackage: cuda-cudart-12-4\r\nStatus: install ok installed\r\nVersion: 12.4.127-1\r\n';
    expect(parseDpkgStatus(text).map((p) => p.package)).toEqual(['cuda-cudart-12-4']);
  });

  test('a status file cut at the size cap drops its partial last stanza', () => {
    const cut = STATUS.slice(0, STATUS.indexOf('Version: 2.21.5'));
    const out = dpkgEvidence(fakeView([{ path: 'var/lib/dpkg/status', content: cut, contentTruncated: true }]));
    expect(out.evidence.some((e) => e.package === 'libnccl2')).toBe(false);
    expect(out.evidence.some((e) => e.package === 'libnpp-12-4')).toBe(true);
  });

  test('binary junk never throws', () => {
    expect(() => parseDpkgStatus('\u0000\u0001::\n\n:\n Package: x\n\n\n')).not.toThrow();
    expect(parseDpkgStatus('')).toEqual([]);
  });

  test('a status file whose content was not read is noted', () => {
    const out = dpkgEvidence(fakeView([{ path: 'var/lib/dpkg/status' }]));
    expect(out.findings).toEqual([expect.objectContaining({ code: 'EVIDENCE_UNREAD' })]);
  });
});
