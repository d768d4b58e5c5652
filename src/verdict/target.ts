/** What a verdict is judged against: a deployment target (driver, GPU, forward compatibility) and the policy. The
 * targets/ folder reads them from files, flags and the host; the verdict and the report only need their shape. */
import type { Gpu } from '../matrix/types';

export type FailOn = 'fail' | 'caveat' | 'never';
export type NoCudaPolicy = 'pass' | 'warn' | 'fail';

/**
 * How the host's container runtime hands the GPU to the container. `legacy`: the nvidia-container-runtime-hook /
 * `docker run --gpus` path, where libnvidia-container evaluates NVIDIA_REQUIRE_* and refuses to start a container
 * that fails them. `cdi`: CDI / jit-cdi injection (the default of nvidia-container-toolkit >= 1.18's `nvidia` runtime
 * and of GPU Operator >= v25.10), which evaluates nothing: the container starts and meets the driver at cuInit.
 */
export type ContainerRuntime = 'legacy' | 'cdi';
export const CONTAINER_RUNTIMES: readonly ContainerRuntime[] = ['legacy', 'cdi'];

export interface Policy {
  failOn: FailOn;
  noCuda: NoCudaPolicy;
}

export const DEFAULT_POLICY: Policy = { failOn: 'fail', noCuda: 'warn' };

/** The GPU of a target: a catalogue entry, or only a compute capability ("8.9"). */
export interface TargetGpu {
  /** as the user wrote it */
  input: string;
  /** the catalogue entry, when the name is a known GPU */
  gpu?: Gpu;
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
  os: 'linux' | 'windows';
  /** the container runtime; undefined = not stated: both are judged and the worse is reported */
  runtime?: ContainerRuntime;
  /** where it was declared: "file:line" or "--driver" */
  origin: string;
}
