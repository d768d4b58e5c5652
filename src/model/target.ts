/**
 * What a verdict is judged against: a deployment target (driver, GPU, forward compatibility). targets/ reads them
 * from files, flags and the host; the verdict and the report only need their shape.
 */

/**
 * How the host's container runtime hands the GPU to the container. `legacy`: the nvidia-container-runtime-hook /
 * `docker run --gpus` path, where libnvidia-container evaluates NVIDIA_REQUIRE_* and refuses to start a container
 * that fails them. `cdi`: CDI / jit-cdi injection (the default of nvidia-container-toolkit >= 1.18's `nvidia` runtime
 * and of GPU Operator >= v25.10), which evaluates nothing: the container starts and meets the driver at cuInit.
 */
export const CONTAINER_RUNTIMES = ['legacy', 'cdi'] as const;
export type ContainerRuntime = (typeof CONTAINER_RUNTIMES)[number];

export const TARGET_OSES = ['linux', 'windows'] as const;
export type TargetOs = (typeof TARGET_OSES)[number];

/** What the verdict and the report read of a GPU catalogue entry (a matrix/gpus.yaml row has it all). */
export interface CatalogueGpu {
  name: string;
  architecture: string;
  computeCapability: string;
  firstDriverBranch?: number;
  lastDriverBranch?: number;
  /** a per-SKU floor: a branch ("595") or a full driver version */
  minDriver?: string;
  minDriverSource?: string;
}

/** The GPU of a target: a catalogue entry, or only a compute capability ("8.9"). */
export interface TargetGpu {
  /** as the user wrote it */
  input: string;
  /** the catalogue entry, when the name is a known GPU */
  gpu?: CatalogueGpu;
  computeCapability: string;
  architecture?: string;
  /** undefined when only a compute capability was given */
  datacenter?: boolean;
  /** NVML brands NVIDIA_REQUIRE_CUDA `brand=` may see for this GPU; empty = unknown */
  brands: string[];
}

export interface Target {
  name: string;
  /** host driver version as nvidia-smi prints it */
  driver: string;
  gpu?: TargetGpu;
  /** the host can use an image's cuda-compat libraries (data-center GPUs, toolkit configured for it) */
  forwardCompat: boolean;
  os: TargetOs;
  /** the container runtime; undefined = not stated: both are judged and the worse is reported */
  runtime?: ContainerRuntime;
  /** where it was declared: "file:line" or "--driver" */
  origin: string;
}
