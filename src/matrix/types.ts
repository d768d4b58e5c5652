/**
 * The compatibility facts, as loaded from the top-level matrix/*.yaml. Every row carries `source` (where the fact
 * was read) and `confirmed` (false where the research could not confirm it: verdicts resting on such a row are
 * cautious). Code never hard-codes a version number; it asks the matrix.
 */

export interface SourcedRow {
  /** URL or document the fact was read from */
  source: string;
  /** false = unconfirmed in the research; verdicts that rest on it become caveats */
  confirmed: boolean;
  note?: string;
  /** fields of this row that the research could not confirm although the row as a whole is ("brands") */
  unconfirmedFields?: string[];
}

/** A CUDA toolkit release (GA or update), e.g. 12.4.1 = "CUDA 12.4 Update 1". */
export interface ToolkitRelease extends SourcedRow {
  /** release version as CUDA_VERSION writes it: "12.4.1"; 11.0 uses 11.0.1 (RC) / 11.0.2 (GA) / 11.0.3 (U1) */
  version: string;
  /** the release notes' name: "CUDA 12.4 Update 1" */
  label: string;
  /** cudart component versions this release ships ("12.4.127"); empty when not known */
  cudart: string[];
  /**
   * minimum Linux x86_64 driver (release notes Table 3). Where NVIDIA names only a driver branch (from CUDA 13.4 on),
   * the cautious stand-in: the first public driver of that branch found (`linuxDriverBranch` says so)
   */
  linuxDriver: string;
  /** set where NVIDIA names only this driver branch for the release, no minimum driver ("R615") */
  linuxDriverBranch?: number;
  windowsDriver?: string;
  /** driver branches NVIDIA's own images accept with forward compatibility (NVIDIA_REQUIRE_CUDA brand groups) */
  forwardCompatBranches?: number[];
  /** libcuda version in this release's cuda-compat package, when known */
  compatDriver?: string;
  /** where cudart / forwardCompatBranches / compatDriver were read (`source` is the driver table) */
  componentSource?: string;
}

/** Per CUDA major: minor-version compatibility (CUDA >= 11). */
export interface MajorCompat extends SourcedRow {
  major: number;
  /** whether minor-version compatibility exists for this major (11 and later) */
  minorVersionCompat: boolean;
  /** lowest Linux driver that runs any release of this major through minor-version compatibility */
  minorCompatFloor?: string;
  /**
   * The driver branch NVIDIA's current Table 2 names (">= 525"): a driver of this branch below minorCompatFloor is
   * inside NVIDIA's statement but below the cautious floor, so it is judged a caveat, not a failure.
   */
  minorCompatBranch?: number;
  windowsMinorCompatFloor?: string;
}

/** A driver branch and the highest CUDA version it supports (what nvidia-smi prints as "CUDA Version"). */
export interface DriverBranch extends SourcedRow {
  branch: number;
  cuda: string;
  /** long-term support / production branch etc., informational: "LTSB" | "PB" | "NFB" */
  kind?: string;
  /** data-center end of life: "YYYY-MM", or "reached" for a branch NVIDIA lists as end of life */
  eol?: string;
  /** where kind / eol were read */
  lifecycleSource?: string;
}

export type GpuSegment = 'datacenter' | 'workstation' | 'consumer' | 'jetson';

export interface Gpu extends SourcedRow {
  name: string;
  aliases: string[];
  /** "8.0" */
  computeCapability: string;
  architecture: string;
  /** data-center part: eligible for forward compatibility */
  datacenter: boolean;
  /** values `brand=` in NVIDIA_REQUIRE_CUDA may match for this GPU (lower case) */
  brands: string[];
  /** where the brand strings were read (public nvidia-smi -q outputs); absent while `brands` is a hedge */
  brandSource?: string;
  firstDriverBranch?: number;
  lastDriverBranch?: number;
  /**
   * A floor of this GPU (SKU) above its architecture's first branch: a branch ("595") or a full driver version
   * ("595.58.03"), compared part by part. Cloud and OEM SKUs publish such floors.
   */
  minDriver?: string;
  /** where minDriver was read (required with it) */
  minDriverSource?: string;
  /** market segment; absent for a GPU known only by its compute capability */
  segment?: GpuSegment;
}

/** What one toolkit minor changed in the GPU targets nvcc can compile for (sm_XY; compute_XY follows). */
export interface ToolkitArchChange extends SourcedRow {
  /** toolkit major.minor: "12.8" */
  toolkit: string;
  added: string[];
  removed: string[];
  /** still buildable, announced for removal */
  deprecated: string[];
}

/**
 * An architecture family (research field-2026-12 §1.3; LLVM NVPTX.td `SMFamilies`): family-specific code (sm_XYf,
 * compute_XYf) for member X.Y runs on every member of the same family with an equal or higher minor.
 */
export interface ArchFamily extends SourcedRow {
  /** "sm_10x" */
  family: string;
  /** member compute capabilities, ascending: ["10.0", "10.3", "10.7"] */
  members: string[];
}

/** An old name of a GPU target: sm_101 was Thor's name through CUDA 12.9, sm_110 from 13.0 (same hardware). */
export interface ArchAlias extends SourcedRow {
  /** the old name: "sm_101", "sm_101a", "sm_101f" (compute_XY follows) */
  from: string;
  /** what it names: "sm_110" */
  to: string;
  /** first and last toolkit minor that wrote the old name */
  usedFrom?: string;
  usedThrough?: string;
}

/** Which CUDA major a library's soname major implies ("libcublas.so.12" -> CUDA 12). */
export interface LibraryRule extends SourcedRow {
  /** evidence kind the rule applies to: cudart, cublas, nvrtc, … */
  library: string;
  sonameMajor: number;
  cudaMajors: number[];
}

/**
 * Which CUDA a Python framework release was built for, where its files do not say (no `+cuXYZ` tag, no generated
 * build-info file): the PyPI wheel of onnxruntime-gpu 1.19+ is for CUDA 12, TensorFlow 2.16 was tested with 12.3.
 */
export interface FrameworkBuild extends SourcedRow {
  /** normalised distribution name (PEP 503): "onnxruntime-gpu", "tensorflow", "vllm" */
  package: string;
  /** first release the row covers (inclusive); absent = every release below `below` */
  from?: string;
  /** first release the row no longer covers (exclusive); absent = open-ended */
  below?: string;
  /** CUDA the build is for: "12" (any 12.x) or "12.3" */
  cuda: string;
  /** cuDNN the build is for: "9" or "8.9" */
  cudnn?: string;
}

/** A PTX ISA version and the CUDA release that introduced it: PTX that a driver older than that release cannot JIT. */
export interface PtxIsaRelease extends SourcedRow {
  /** PTX ISA version as `.version` writes it: "9.0" */
  isa: string;
  /** CUDA toolkit minor that writes it: "13.0" */
  cuda: string;
  /** driver branch NVIDIA's PTX release history names for it ("driver r580"), where it names one */
  driverBranch?: number;
}

export interface MatrixMeta {
  /** data version, bumped on every change to matrix/ */
  version: string;
  /** date the data was last reviewed (YYYY-MM-DD) */
  date: string;
  note?: string;
}

/** One row of a user's matrix overrides file (--matrix-overrides) merged over the shipped matrix. */
export interface MatrixOverride {
  /** the overrides file, as given */
  file: string;
  /** the table's key in the file: releases, majors, branches, gpus, toolkitArchs, libraries, frameworks, ptxIsa */
  table: string;
  /** the row's id: version, major, branch, GPU name, toolkit, "library sonameMajor", "package from" or isa */
  id: string;
  /** replaced: a shipped row with the same id was set aside; added: a new id */
  action: 'added' | 'replaced';
  /** the row's source (a key of the file's sources: resolved to its text) */
  source: string;
}

export interface Matrix {
  meta: MatrixMeta;
  /** rows of user overrides files merged over the shipped data, in the order applied; absent when none */
  overrides?: MatrixOverride[];
  /** ascending by version */
  releases: ToolkitRelease[];
  majors: MajorCompat[];
  /** ascending by branch */
  driverBranches: DriverBranch[];
  gpus: Gpu[];
  libraries: LibraryRule[];
  /** ascending by toolkit; always set by loadMatrix (optional only so hand-built test matrices need not carry it) */
  toolkitArchs?: ToolkitArchChange[];
  /** archs.yaml `families:`; always set by loadMatrix (optional for hand-built test matrices) */
  archFamilies?: ArchFamily[];
  /** archs.yaml `aliases:`; always set by loadMatrix (optional for hand-built test matrices) */
  archAliases?: ArchAlias[];
  /** by package, then ascending `from`; always set by loadMatrix (optional for hand-built test matrices) */
  frameworks?: FrameworkBuild[];
  /** ascending by ISA version; always set by loadMatrix (optional for hand-built test matrices) */
  ptxIsa?: PtxIsaRelease[];
}
