/** What a verdict is judged against: a deployment target (driver, GPU, forward compatibility) and the policy. The
 * targets/ folder reads them from files, flags and the host; the verdict and the report only need their shape. */
import type { Gpu } from '../matrix/types';

export type FailOn = 'fail' | 'caveat' | 'never';
export type NoCudaPolicy = 'pass' | 'warn' | 'fail';

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
  /** where it was declared: "file:line" or "--driver" */
  origin: string;
}
