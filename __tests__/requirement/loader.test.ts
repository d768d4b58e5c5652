/**
 * The dynamic-loader model (requirement/loader.ts) and its reasons (verdict/loader-checks.ts), over hand-built final
 * filesystems whose ELF dynamic sections are those of the real fixtures (__tests__/fixtures/loader/expected.json,
 * read from nvcc/gcc-built binaries with GNU readelf).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Evidence } from '../../src/evidence/types';
import { mergeLayers } from '../../src/layers/merge';
import type { LayerEntry } from '../../src/layers/types';
import { loadMatrix } from '../../src/matrix/load';
import { deriveRequirement } from '../../src/requirement/derive';
import { analyseLoader, type DynamicSection } from '../../src/requirement/loader';
import { adHocTarget } from '../../src/targets/load';
import { DEFAULT_POLICY } from '../../src/model/policy';
import { judge } from '../../src/verdict/judge';

const matrix = loadMatrix();
const FIXTURES = JSON.parse(readFileSync(join(__dirname, '../fixtures/loader/expected.json'), 'utf8')) as Record<
  string,
  { soname: string | null; needed: string[]; rpath: string[]; runpath: string[] }
>;

/** The dynamic section of a fixture binary, as the layer reader records it. */
function dyn(name: string): DynamicSection {
  const f = FIXTURES[name];
  return { ...(f.soname && { soname: f.soname }), needed: f.needed, rpath: f.rpath, runpath: f.runpath };
}

type Spec = { path: string; dynamic?: DynamicSection; link?: string; content?: string };

function viewOf(specs: Spec[]) {
  const entries: LayerEntry[] = specs.map((s) =>
    s.link !== undefined
      ? { path: s.path, type: 'symlink', size: 0, linkTarget: s.link }
      : ({
          path: s.path,
          type: 'file',
          size: 1000,
          ...(s.content !== undefined && { content: s.content }),
          ...(s.dynamic && { dynamic: s.dynamic }),
        } as LayerEntry),
  );
  return mergeLayers([{ digest: 'sha256:l0', entryCount: entries.length, tarBytes: 0, entries, whiteouts: [], opaqueDirs: [], findings: [] }], []);
}

const LIBC: Spec[] = [
  { path: 'lib/x86_64-linux-gnu/libc.so.6', dynamic: { needed: [], rpath: [], runpath: [] } },
  { path: 'lib/x86_64-linux-gnu/libstdc++.so.6', dynamic: { needed: ['libc.so.6'], rpath: [], runpath: [] } },
  { path: 'lib/x86_64-linux-gnu/libgcc_s.so.1', dynamic: { needed: ['libc.so.6'], rpath: [], runpath: [] } },
  { path: 'etc/ld.so.conf', content: 'include /etc/ld.so.conf.d/*.conf\n' },
  {
    path: 'etc/ld.so.conf.d/x86_64-linux-gnu.conf',
    content: '# Multiarch support\n/usr/local/lib/x86_64-linux-gnu\n/lib/x86_64-linux-gnu\n/usr/lib/x86_64-linux-gnu\n',
  },
];
const CUDART13: Spec[] = [
  {
    path: 'usr/local/cuda-13.0/targets/x86_64-linux/lib/libcudart.so.13.0.48',
    dynamic: { soname: 'libcudart.so.13', needed: ['libc.so.6'], rpath: [], runpath: [] },
  },
  { path: 'usr/local/cuda-13.0/targets/x86_64-linux/lib/libcudart.so.13', link: 'libcudart.so.13.0.48' },
  { path: 'usr/local/cuda', link: 'cuda-13.0' },
  { path: 'etc/ld.so.conf.d/000_cuda.conf', content: '/usr/local/cuda/targets/x86_64-linux/lib\n' },
];

function analyse(specs: Spec[], env: Record<string, string> = {}) {
  return analyseLoader({ view: viewOf(specs), env, architecture: 'amd64', hostLibs: matrix.hostLibs! });
}

function verdict(specs: Spec[], t: { driver: string; gpu?: string; forwardCompat?: boolean }, evidence: Evidence[] = [], env: Record<string, string> = {}) {
  const view = viewOf(specs);
  const req = deriveRequirement(
    {
      evidence,
      require: { expressions: [], disabled: false },
      layers: [{ digest: 'sha256:l0', instruction: 'COPY rootfs/ /' }],
      loader: { view, env, architecture: 'amd64' },
    },
    matrix,
  );
  return {
    req,
    result: judge({ image: 'img', requirement: req, target: adHocTarget({ ...t, runtime: 'cdi' } as never, matrix), policy: DEFAULT_POLICY }, matrix),
  };
}

describe('resolution as ld.so does it', () => {
  const app: Spec[] = [...LIBC, ...CUDART13, { path: 'opt/app/bin/app', dynamic: dyn('app') }, { path: 'opt/app/lib/libkern.so', dynamic: dyn('libkern.so') }];
  test('app → $ORIGIN/../lib/libkern.so (RUNPATH) → libcudart.so.13 (ld.so.conf.d): nothing missing, the chain recorded', () => {
    const m = analyse(app);
    expect(m.missing).toEqual([]);
    expect(m.roots).toContain('/opt/app/bin/app');
    expect(m.chains['/opt/app/lib/libkern.so']).toEqual(['/opt/app/bin/app', '/opt/app/lib/libkern.so']);
    expect(m.chains['/usr/local/cuda-13.0/targets/x86_64-linux/lib/libcudart.so.13.0.48']).toEqual([
      '/opt/app/bin/app',
      '/opt/app/lib/libkern.so',
      '/usr/local/cuda/targets/x86_64-linux/lib/libcudart.so.13',
    ]);
    expect(m.confFiles).toEqual(['/etc/ld.so.conf', '/etc/ld.so.conf.d/000_cuda.conf', '/etc/ld.so.conf.d/x86_64-linux-gnu.conf']);
  });
  test('the executable RPATH ($ORIGIN/../lib) serves the library it loads as well; an executable reached through a symlink takes $ORIGIN from its real directory', () => {
    const m = analyse([
      ...LIBC,
      { path: 'opt/app/bin/app-rpath', dynamic: dyn('app-rpath') },
      { path: 'usr/local/bin/app', link: '/opt/app/bin/app-rpath' },
      { path: 'opt/app/lib/libkern.so', dynamic: dyn('libkern.so') },
      { path: 'opt/app/lib/libcudart.so.13', dynamic: { soname: 'libcudart.so.13', needed: [], rpath: [], runpath: [] } },
    ]);
    // libkern.so has no RPATH of its own: the executable's RPATH finds libcudart.so.13 beside it
    expect(m.missing).toEqual([]);
  });
  test('without the ld.so.conf.d entry, libcudart.so.13 in /usr/local/cuda is off the search path: missing (on disk elsewhere)', () => {
    const m = analyse([
      ...LIBC,
      ...CUDART13.filter((s) => !s.path.startsWith('etc/')),
      { path: 'opt/app/bin/app', dynamic: dyn('app') },
      { path: 'opt/app/lib/libkern.so', dynamic: dyn('libkern.so') },
    ]);
    expect(m.missing.map((x) => [x.binary, x.soname, x.chain])).toEqual([
      ['/opt/app/lib/libkern.so', 'libcudart.so.13', ['/opt/app/bin/app', '/opt/app/lib/libkern.so', 'libcudart.so.13']],
    ]);
    expect(m.missing[0].elsewhere).toEqual(['/usr/local/cuda-13.0/targets/x86_64-linux/lib/libcudart.so.13']);
  });
  test('LD_LIBRARY_PATH from the image env is searched', () => {
    const specs = [
      ...LIBC,
      ...CUDART13.filter((s) => !s.path.startsWith('etc/')),
      { path: 'opt/app/bin/app', dynamic: dyn('app') },
      { path: 'opt/app/lib/libkern.so', dynamic: dyn('libkern.so') },
    ];
    expect(analyse(specs, { LD_LIBRARY_PATH: '/usr/local/cuda/lib64:/usr/local/cuda/targets/x86_64-linux/lib' }).missing).toEqual([]);
  });
  test('driver libraries come from the host; the CUDA runtime and cuBLAS never do', () => {
    const m = analyse([
      ...LIBC,
      { path: 'usr/bin/tool', dynamic: { needed: ['libcuda.so.1', 'libnvidia-ml.so.1', 'libcublas.so.13', 'libcudart.so.13'], rpath: [], runpath: [] } },
    ]);
    expect(m.missing.map((x) => x.soname)).toEqual(['libcublas.so.13', 'libcudart.so.13']);
  });
  test('mixed majors: libcudart.so.13 needed, only libcudart.so.12 in the image', () => {
    const m = analyse([
      ...LIBC,
      { path: 'usr/lib/x86_64-linux-gnu/libcudart.so.12', dynamic: { soname: 'libcudart.so.12', needed: [], rpath: [], runpath: [] } },
      { path: 'opt/app/bin/app', dynamic: dyn('app') },
      { path: 'opt/app/lib/libkern.so', dynamic: dyn('libkern.so') },
    ]);
    expect(m.missing).toHaveLength(1);
    expect(m.missing[0]).toMatchObject({ soname: 'libcudart.so.13', elsewhere: [], otherMajors: ['/usr/lib/x86_64-linux-gnu/libcudart.so.12'] });
  });
  test('$LIB and $PLATFORM expand; a Python extension module is a root', () => {
    const m = analyse([
      ...LIBC,
      { path: 'usr/lib64/cudart/libcudart.so.13', dynamic: { soname: 'libcudart.so.13', needed: [], rpath: [], runpath: [] } },
      {
        path: 'usr/lib/python3/dist-packages/ext/_k.cpython-312-x86_64-linux-gnu.so',
        dynamic: { needed: ['libcudart.so.13'], rpath: ['/usr/$LIB/cudart'], runpath: [] },
      },
    ]);
    expect(m.missing).toEqual([]);
    expect(m.roots).toContain('/usr/lib/python3/dist-packages/ext/_k.cpython-312-x86_64-linux-gnu.so');
  });
});

describe('reasons', () => {
  test('libneeds_cublas.so needs libcublas.so.13, absent: CUDA_LIBRARY_MISSING names the binary, the soname, dlopen and the fix', () => {
    const { result } = verdict(
      [
        ...LIBC,
        ...CUDART13,
        { path: 'opt/app/lib/libneeds_cublas.so', dynamic: dyn('libneeds_cublas.so') },
        { path: 'opt/app/lib/libkern.so', dynamic: dyn('libkern.so') },
      ],
      { driver: '580.65.06' },
      [
        {
          kind: 'cudart',
          version: '13.0.48',
          cuda: '13.0.48',
          from: 'file',
          path: '/usr/local/cuda-13.0/targets/x86_64-linux/lib/libcudart.so.13.0.48',
          layerIndex: 0,
          confidence: 'exact',
        },
      ],
    );
    expect(result.verdict).toBe('fail');
    const r = result.reasons.find((x) => x.code === 'CUDA_LIBRARY_MISSING')!;
    expect(r.verdict).toBe('fail');
    expect(r.message).toContain('/opt/app/lib/libneeds_cublas.so');
    expect(r.message).toContain('libcublas.so.13');
    expect(r.message).toContain("not linked by anything found (may be dlopen'ed)");
    expect(r.remedy).toContain('nvidia/cuda:13.');
    expect(r.remedy).toContain('libcublas-13-0');
    expect(r.remedy).toContain('nvidia-cublas-cu13');
  });
  test('libcudart.so.13 needed with no cudart in the image, on driver 550: judged as CUDA 13 (DRIVER_TOO_OLD, naming the binary)', () => {
    const { req, result } = verdict(
      [...LIBC, { path: 'opt/app/bin/app-rpath', dynamic: dyn('app-rpath') }, { path: 'opt/app/lib/libkern.so', dynamic: dyn('libkern.so') }],
      { driver: '550.54.15' },
    );
    expect(req.majors).toEqual([13]);
    const tooOld = result.reasons.find((x) => x.code === 'DRIVER_TOO_OLD')!;
    expect(tooOld.message).toContain('/opt/app/lib/libkern.so (DT_NEEDED libcudart.so.13');
    expect(result.reasons.find((x) => x.code === 'CUDA_LIBRARY_MISSING')!.message).toContain('loaded as app-rpath → libkern.so → libcudart.so.13');
  });
  const compatConf: Spec[] = [
    ...LIBC,
    ...CUDART13,
    { path: 'usr/local/cuda-13.0/compat/libcuda.so.580.65.06', dynamic: { soname: 'libcuda.so.1', needed: [], rpath: [], runpath: [] } },
    { path: 'usr/local/cuda-13.0/compat/libcuda.so.1', link: 'libcuda.so.580.65.06' },
    { path: 'etc/ld.so.conf.d/00-compat.conf', content: '/usr/local/cuda/compat\n' },
    { path: 'opt/app/bin/app', dynamic: dyn('app') },
    { path: 'opt/app/lib/libkern.so', dynamic: dyn('libkern.so') },
  ];
  const compatEv: Evidence = {
    kind: 'cuda-compat',
    version: '580.65.06',
    cuda: '13.0',
    from: 'file',
    path: '/usr/local/cuda-13.0/compat/libcuda.so.580.65.06',
    layerIndex: 0,
    confidence: 'exact',
  };
  test('an ld.so.conf.d entry for /usr/local/cuda/compat on a GeForce target: error 804', () => {
    const { req, result } = verdict(compatConf, { driver: '575.57.08', gpu: 'RTX 4090' }, [compatEv]);
    expect(req.loader!.driverShadows[0]).toMatchObject({
      path: '/usr/local/cuda/compat/libcuda.so.1',
      compat: true,
      version: '580.65.06',
      via: '/etc/ld.so.conf.d/00-compat.conf',
    });
    const r = result.reasons.find((x) => x.code === 'COMPAT_ON_UNSUPPORTED_GPU')!;
    expect(r.verdict).toBe('fail');
    expect(r.message).toContain('CUDA error 804');
  });
  test('the same compat lib older than the host driver on a data-center GPU: error 803', () => {
    const { result } = verdict(compatConf, { driver: '590.44.01', gpu: 'H100' }, [compatEv]);
    expect(result.reasons.find((x) => x.code === 'DRIVER_LIB_MISMATCH')!.message).toContain('CUDA error 803');
  });
  test('a copied driver libcuda of another branch on LD_LIBRARY_PATH: 803 replaces the DRIVER_LIBS_IN_IMAGE caveat; one it cannot place keeps it', () => {
    const specs: Spec[] = [
      ...LIBC,
      { path: 'opt/drv/libcuda.so.535.104.05', dynamic: { soname: 'libcuda.so.1', needed: [], rpath: [], runpath: [] } },
      { path: 'opt/drv/libcuda.so.1', link: 'libcuda.so.535.104.05' },
    ];
    const ev: Evidence = {
      kind: 'driver-lib',
      version: '535.104.05',
      from: 'file',
      path: '/opt/drv/libcuda.so.535.104.05',
      layerIndex: 0,
      confidence: 'exact',
    };
    const cudart: Evidence = {
      kind: 'cudart',
      version: '12.4.127',
      cuda: '12.4.127',
      from: 'file',
      path: '/usr/lib/x86_64-linux-gnu/libcudart.so.12.4.127',
      layerIndex: 0,
      confidence: 'exact',
    };
    const shadowed = verdict(specs, { driver: '550.54.15' }, [cudart, ev], { LD_LIBRARY_PATH: '/opt/drv' }).result;
    expect(shadowed.reasons.map((x) => x.code)).toContain('DRIVER_LIB_MISMATCH');
    expect(shadowed.reasons.map((x) => x.code)).not.toContain('DRIVER_LIBS_IN_IMAGE');
    const offPath = verdict(specs, { driver: '550.54.15' }, [cudart, ev]).result;
    expect(offPath.reasons.map((x) => x.code)).toContain('DRIVER_LIBS_IN_IMAGE');
    expect(offPath.reasons.map((x) => x.code)).not.toContain('DRIVER_LIB_MISMATCH');
  });
  test('NO_KERNEL_FOR_GPU names the binary a root reaches, with its chain, before one nothing links', () => {
    const kern: Evidence = {
      kind: 'gpu-code',
      from: 'file',
      path: '/opt/app/lib/libkern.so',
      layerIndex: 0,
      confidence: 'exact',
      gpuArchs: { sass: ['sm_90'], ptx: [], source: 'fatbin' },
    };
    const stray: Evidence = { ...kern, path: '/opt/a/libstray.so' };
    const { result } = verdict(
      [
        ...LIBC,
        ...CUDART13,
        { path: 'opt/app/bin/app', dynamic: dyn('app') },
        { path: 'opt/app/lib/libkern.so', dynamic: dyn('libkern.so') },
        { path: 'opt/a/libstray.so', dynamic: { needed: [], rpath: [], runpath: [] } },
      ],
      { driver: '580.65.06', gpu: 'RTX 4090' },
      [kern, stray],
    );
    const r = result.reasons.find((x) => x.code === 'NO_KERNEL_FOR_GPU')!;
    expect(r.message.startsWith('/opt/app/lib/libkern.so (layer 1')).toBe(true);
    expect(r.message).toContain('loaded as app → libkern.so');
  });
});

describe('the entrypoint is the first root', () => {
  test('a command name found on the image PATH heads the roots; without an entrypoint it is one root among others', () => {
    const specs: Spec[] = [
      ...LIBC,
      ...CUDART13,
      { path: 'opt/app/bin/app', dynamic: dyn('app') },
      { path: 'opt/tools/bin/other', dynamic: dyn('app') },
      { path: 'opt/app/lib/libkern.so', dynamic: dyn('libkern.so') },
    ];
    const plain = analyseLoader({ view: viewOf(specs), env: {}, architecture: 'amd64', hostLibs: matrix.hostLibs! });
    expect(plain.roots[0]).toBe('/opt/app/bin/app');
    const viaPath = analyseLoader({
      view: viewOf(specs),
      env: { PATH: '/usr/bin:/opt/tools/bin' },
      architecture: 'amd64',
      hostLibs: matrix.hostLibs!,
      entrypoint: ['other', '--serve'],
    });
    expect(viaPath.roots[0]).toBe('/opt/tools/bin/other');
  });
});
