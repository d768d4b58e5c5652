/**
 * Stage 3 — evidence: each thing found in the config or the files that says something about the CUDA stack,
 * with where it was found. Evidence states facts about the image; judging them against the matrix is stage 4.
 */
import type { CudaComponentKind } from '../model/cuda-components';
import type { GpuArchs } from '../model/gpu-code';
import type { Provenance } from '../model/provenance';

export type EvidenceKind =
  | 'cuda-version' // CUDA_VERSION env, version.json / version.txt: the toolkit release the image declares or ships
  | CudaComponentKind // cudart, cuBLAS, cuDNN, NCCL, …: the CUDA component table (model/cuda-components.ts)
  | 'cuda-compat' // forward-compat libcuda (files under /usr/local/cuda*/compat or the cuda-compat-X-Y package)
  | 'nvidia-require' // an NVIDIA_REQUIRE_* env var
  | 'nvidia-disable-require'
  | 'cuda-package' // any other NVIDIA CUDA package / env (NV_*) that pins a CUDA version
  | 'pip-package' // a pip wheel carrying CUDA (nvidia-*-cuXX, torch+cuXXX, …)
  | 'framework' // a Python framework build (torch, tensorflow, jax, cupy, …, pip or conda) and the CUDA it was built for
  | 'cuda-system-requirement' // a declared minimum driver CUDA (conda `__cuda >=12`, pixi system-requirements): not a need
  | 'gpu-code' // a binary (shared object, executable) carrying CUDA device code: SASS and PTX from its fatbins
  | 'driver-lib' // the host driver's libcuda baked into the image (outside compat/): it shadows the driver the toolkit mounts
  | 'ptx-isa' // a binary's PTX ISA version when it links no shared CUDA runtime: the CUDA major of its static runtime
  | 'dt-needed'; // a binary's DT_NEEDED CUDA library (component: its kind; sonameMajor): the CUDA major the binary itself needs

/** Where it was found: `path` (files), `key` (config), `layerIndex` (the layer that put the file there). */
export interface Evidence extends Provenance {
  kind: EvidenceKind;
  /** version of the component itself (cudart 12.4.127, cuDNN 9.1.0.70, NCCL 2.21.5, compat libcuda 550.54.15) */
  version?: string;
  /** CUDA version (major, or major.minor[.patch]) the item implies or was built for */
  cuda?: string;
  from: 'config' | 'file' | 'package';
  /** package name for from: 'package' */
  package?: string;
  /** exact: read from a versioned file or package DB; declared: what env/labels claim; inferred: derived (e.g. soname major only) */
  confidence: 'exact' | 'declared' | 'inferred';
  /** raw value (the NVIDIA_REQUIRE_* string, the env value) */
  value?: string;
  detail?: string;
  /** the file is empty (a placeholder, e.g. left by building with the NVIDIA runtime) */
  emptyFile?: boolean;
  /** library files: the first number after `.so.` (libcudart.so.12.4.127 -> 12); the matrix maps it to a CUDA major */
  sonameMajor?: number;
  /** which part of the stack, finer than `kind`: "libcudnn_ops", "nvtx", "npp", "cudart-dev", a pip stem */
  component?: string;
  /** framework items: the cuDNN version (often the major only) the build was made with */
  cudnn?: string;
  /** GPU code a build carries, as its own build info lists it (TensorFlow's cuda_compute_capabilities) */
  gpuArchs?: GpuArchs;
  /** gpu-code: the PTX ISA versions of the binary's PTX entries ("9.0" = written by CUDA 13.0), ascending */
  ptxIsa?: string[];
}
