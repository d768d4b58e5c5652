/**
 * The CUDA libraries the tool names, one row each: the evidence kind, what a reviewer calls it, the library file
 * stems (lib<stem>.so.*) and the package names NVIDIA ships it under (deb/rpm `<deb>-M-m`, conda, `nvidia-<pip>`
 * wheels, the toolkit's version.json key), and the names Debian/Ubuntu's own nvidia-cuda-toolkit ships it under. Naming only: which driver a version needs lives in matrix/.
 * Rows are in the order a reviewer reads components: cuDNN and NCCL, the math libraries, then the runtime pieces.
 */

export interface CudaComponent {
  kind: string;
  /** what a reviewer calls it */
  name: string;
  /** library file stems: lib<stem>.so.* */
  libraries: readonly string[];
  /** lib<stem>_<part>.so.* count too (cuDNN's sub-libraries: libcudnn_ops, libcudnn_cnn_infer, …) */
  subLibraries?: true;
  /** the component's version starts with the CUDA major.minor it belongs to (libcudart.so.12.4.127) */
  toolkitVersioned: boolean;
  /** Debian/RPM runtime package stem, named `<deb>-M-m` after the CUDA version */
  deb?: string;
  /**
   * Debian/Ubuntu's own runtime package stems (source package nvidia-cuda-toolkit), named `<stem><soname>` after
   * the library's soname, not the CUDA version: libcudart12, libcudart11.0, libcufft11, libnvrtc-builtins12.4
   */
  debian?: readonly string[];
  /** conda package names */
  conda: readonly string[];
  /** the wheel stem: nvidia-<pip>[-cuNN] */
  pip?: string;
  /** the component's key in /usr/local/cuda/version.json */
  versionJson?: string;
}

export const CUDA_COMPONENTS = [
  { kind: 'cudnn', name: 'cuDNN', libraries: ['cudnn'], subLibraries: true, toolkitVersioned: false, conda: ['cudnn'], pip: 'cudnn' },
  { kind: 'nccl', name: 'NCCL', libraries: ['nccl'], toolkitVersioned: false, conda: ['nccl'], pip: 'nccl' },
  {
    kind: 'cublas',
    name: 'cuBLAS',
    libraries: ['cublas'],
    toolkitVersioned: false,
    deb: 'libcublas',
    debian: ['libcublas'],
    conda: ['libcublas'],
    pip: 'cublas',
    versionJson: 'libcublas',
  },
  // ships in the same packages as libcublas: one component for a reviewer
  { kind: 'cublasLt', name: 'cuBLAS', libraries: ['cublasLt'], toolkitVersioned: false, debian: ['libcublaslt'], conda: [] },
  {
    kind: 'cufft',
    name: 'cuFFT',
    libraries: ['cufft', 'cufftw'],
    toolkitVersioned: false,
    deb: 'libcufft',
    debian: ['libcufft', 'libcufftw'],
    conda: ['libcufft'],
    pip: 'cufft',
    versionJson: 'libcufft',
  },
  {
    kind: 'curand',
    name: 'cuRAND',
    libraries: ['curand'],
    toolkitVersioned: false,
    deb: 'libcurand',
    debian: ['libcurand'],
    conda: ['libcurand'],
    pip: 'curand',
    versionJson: 'libcurand',
  },
  {
    kind: 'cusparse',
    name: 'cuSPARSE',
    libraries: ['cusparse'],
    toolkitVersioned: false,
    deb: 'libcusparse',
    debian: ['libcusparse'],
    conda: ['libcusparse'],
    pip: 'cusparse',
    versionJson: 'libcusparse',
  },
  {
    kind: 'cusolver',
    name: 'cuSOLVER',
    libraries: ['cusolver', 'cusolverMg'],
    toolkitVersioned: false,
    deb: 'libcusolver',
    debian: ['libcusolver', 'libcusolvermg'],
    conda: ['libcusolver'],
    pip: 'cusolver',
    versionJson: 'libcusolver',
  },
  {
    kind: 'nvrtc',
    name: 'NVRTC',
    libraries: ['nvrtc', 'nvrtc-builtins'],
    toolkitVersioned: true,
    deb: 'cuda-nvrtc',
    debian: ['libnvrtc', 'libnvrtc-builtins'],
    conda: ['cuda-nvrtc'],
    pip: 'cuda-nvrtc',
    versionJson: 'cuda_nvrtc',
  },
  {
    kind: 'nvjitlink',
    name: 'nvJitLink',
    libraries: ['nvJitLink'],
    toolkitVersioned: true,
    deb: 'libnvjitlink',
    debian: ['libnvjitlink'],
    conda: ['libnvjitlink'],
    pip: 'nvjitlink',
    versionJson: 'libnvjitlink',
  },
  // cudatoolkit: the one conda package of CUDA <= 11 (its version is the toolkit's)
  {
    kind: 'cudart',
    name: 'CUDA runtime',
    libraries: ['cudart'],
    toolkitVersioned: true,
    deb: 'cuda-cudart',
    debian: ['libcudart'],
    conda: ['cuda-cudart', 'cudatoolkit'],
    pip: 'cuda-runtime',
    versionJson: 'cuda_cudart',
  },
] as const satisfies readonly CudaComponent[];

export type CudaComponentKind = (typeof CUDA_COMPONENTS)[number]['kind'];

type Row = (typeof CUDA_COMPONENTS)[number];

/** name -> kind over one naming scheme of the table (library stems, deb stems, conda names, wheel stems, version.json keys) */
function index(names: (c: Row) => readonly (string | undefined)[]): Readonly<Record<string, CudaComponentKind>> {
  const out: Record<string, CudaComponentKind> = {};
  for (const c of CUDA_COMPONENTS) for (const n of names(c)) if (n !== undefined) out[n] = c.kind;
  return out;
}

const KIND_BY_LIBRARY = index((c) => c.libraries);

/** library file stem ("cublasLt", "nvrtc-builtins", "cudnn_ops") -> kind */
export function kindOfLibrary(stem: string): CudaComponentKind | undefined {
  return KIND_BY_LIBRARY[stem] ?? CUDA_COMPONENTS.find((c) => 'subLibraries' in c && c.libraries.some((l) => stem.startsWith(`${l}_`)))?.kind;
}

/** The library stems as regex alternatives, longest first; a `subLibraries` row adds `_<part>`. */
export function libraryStemPattern(): string {
  const stems = CUDA_COMPONENTS.flatMap((c) => c.libraries.map((l) => ({ l, sub: 'subLibraries' in c })));
  return stems
    .sort((a, b) => b.l.length - a.l.length)
    .map(({ l, sub }) => (sub ? `${l}(?:_[A-Za-z0-9_]+)?` : l))
    .join('|');
}
/** Debian/RPM runtime package stem ("cuda-cudart" of cuda-cudart-12-4) -> kind */
export const KIND_BY_DEB = index((c) => ['deb' in c ? c.deb : undefined]);
/** Debian/Ubuntu's own package stem ("libcudart" of libcudart12, "libcublaslt" of libcublaslt12) -> kind */
export const KIND_BY_DEBIAN = index((c) => ('debian' in c ? c.debian : []));
export const KIND_BY_CONDA = index((c) => c.conda);
/** wheel stem ("cuda-runtime" of nvidia-cuda-runtime-cu12) -> kind */
export const KIND_BY_PIP = index((c) => ['pip' in c ? c.pip : undefined]);
export const KIND_BY_VERSION_JSON = index((c) => ['versionJson' in c ? c.versionJson : undefined]);

export function cudaComponent(kind: string): CudaComponent | undefined {
  return CUDA_COMPONENTS.find((c) => c.kind === kind);
}

/** Whether a component's own version starts with the CUDA major.minor it belongs to (cudart, NVRTC, nvJitLink). */
export function isToolkitVersioned(kind: string): boolean {
  return cudaComponent(kind)?.toolkitVersioned === true;
}
