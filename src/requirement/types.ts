/** Stage 4 — what an image needs from a host, derived from its evidence and the matrix. Plain data. */
import type { Finding } from '../common/findings';
import type { Evidence } from '../evidence/types';
import type { RequireExpression } from '../evidence/nvidia-require-types';
import type { LayerLimits } from '../layers/analyse-layer';
import type { ImageLayer } from '../model/provenance';
import type { GpuCodeRequirement } from './gpu-code';
import type { LoaderModel } from './loader';

/** How precisely a CUDA need is known. */
export type NeedLevel = 'release' | 'family' | 'major';

/** One CUDA version the image needs a driver for, with the evidence that says so. */
export interface CudaNeed {
  /** "12.4.1" (release), "12.4" (family) or "12" (major) */
  cuda: string;
  major: number;
  level: NeedLevel;
  /** matrix releases the version maps to (CUDA_VERSION form, e.g. "12.4.1"); empty = unknown to the matrix */
  releases: string[];
  /** highest minimum Linux driver over `releases` (cautious when a version maps to several releases) */
  minDriver?: string;
  /** for versions the matrix does not know: the driver every earlier known release already needs */
  lowerBoundDriver?: string;
  /** the matrix does not know this CUDA version */
  unknown: boolean;
  /** a matrix row it rests on is marked unconfirmed */
  unconfirmed: boolean;
  evidence: Evidence[];
}

export interface ForwardCompatProvision {
  /** libcuda version the image's compat libs carry (e.g. 550.54.15), when known */
  compatDriver?: string;
  /** CUDA version the compat package is for ("12.4") */
  cuda?: string;
  /** driver branches NVIDIA's images accept for forward compatibility at this CUDA version */
  branches: number[];
  evidence: Evidence[];
}

export interface ImageRequirement {
  hasCuda: boolean;
  /** the CUDA runtime the image ships (highest cudart), or the toolkit it declares */
  runtime?: { version: string; major: number; release?: string };
  needs: CudaNeed[];
  /** distinct CUDA majors over all needs, ascending */
  majors: number[];
  /** driver for full features of the newest CUDA need (the release's own minimum driver) */
  minDriver?: string;
  /** lowest driver that runs the image through minor-version compatibility (undefined where a major has none) */
  minorCompatDriver?: string;
  forwardCompat?: ForwardCompatProvision;
  require: { expressions: RequireExpression[]; disabled: boolean; disableRaw?: string };
  /** driver libraries (libcuda) baked into the image outside a compat dir: they can shadow the host's */
  driverLibs: Evidence[];
  /** the highest minimum CUDA the image declares its driver must report (conda `__cuda`, pixi system-requirements) */
  declaredCuda?: { cuda: string; evidence: Evidence[] };
  /** step 2 of a start, the dynamic loader: missing CUDA libraries, image libcuda that shadows the host's, the load graph; absent when no file was read */
  loader?: LoaderModel;
  /** the GPU code its binaries carry; undefined when no device code was found (GPUs are then not judged) */
  gpuCode?: GpuCodeRequirement;
  findings: Finding[];
  /** the image's layer list: where a reason looks up the layer (digest, instruction) of its evidence */
  layers: readonly ImageLayer[];
  /** the limits the layer reader applied (a SCAN_INCOMPLETE reason quotes them); absent when no layer was read */
  scanLimits?: LayerLimits;
}
