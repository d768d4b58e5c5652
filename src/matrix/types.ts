/**
 * The compatibility facts, as loaded from the top-level matrix/*.yaml. Every row carries `source` (where the fact
 * was read) and `confirmed` (false where the research could not confirm it: verdicts resting on such a row are
 * cautious). Code never hard-codes a version number; it asks the matrix.
 *
 * The row types are those of the schemas in schema.ts (a row as loaded: source keys resolved, lists a row may leave
 * out filled in); the fields are described there.
 */
import type { z } from 'zod';
import type {
  ARCH_ALIASES,
  ARCH_FAMILIES,
  ARCHS,
  DRIVERS,
  FRAMEWORKS,
  GPU_SEGMENTS,
  GPUS,
  HOST_LIBS,
  LIBRARIES,
  MAJORS,
  META,
  PTX,
  RowOf,
  SOURCED_ROW,
  TOOLKITS,
  WHEEL_INDEXES,
} from './schema';

export type SourcedRow = z.output<typeof SOURCED_ROW>;

/** A CUDA toolkit release (GA or update), e.g. 12.4.1 = "CUDA 12.4 Update 1". */
export type ToolkitRelease = RowOf<typeof TOOLKITS>;

/** Per CUDA major: minor-version compatibility (CUDA >= 11). */
export type MajorCompat = RowOf<typeof MAJORS>;

/** A driver branch and the highest CUDA version it supports (what nvidia-smi prints as "CUDA Version"). */
export type DriverBranch = RowOf<typeof DRIVERS>;

export type GpuSegment = (typeof GPU_SEGMENTS)[number];

/** A GPU of matrix/gpus.yaml; `segment` is absent for a GPU known only by the compute capability the user gave. */
export type Gpu = Omit<RowOf<typeof GPUS>, 'segment'> & { segment?: GpuSegment };

/** What one toolkit minor changed in the GPU targets nvcc can compile for (sm_XY; compute_XY follows). */
export type ToolkitArchChange = RowOf<typeof ARCHS>;

/**
 * An architecture family (research field-2026-12 §1.3; LLVM NVPTX.td `SMFamilies`): family-specific code (sm_XYf,
 * compute_XYf) for member X.Y runs on every member of the same family with an equal or higher minor.
 */
export type ArchFamily = RowOf<typeof ARCH_FAMILIES>;

/** An old name of a GPU target: sm_101 was Thor's name through CUDA 12.9, sm_110 from 13.0 (same hardware). */
export type ArchAlias = RowOf<typeof ARCH_ALIASES>;

/** Which CUDA major a library's soname major implies ("libcublas.so.12" -> CUDA 12). */
export type LibraryRule = RowOf<typeof LIBRARIES>;
/** A driver library the container runtime mounts from the host. */
export type HostLib = RowOf<typeof HOST_LIBS>;

/**
 * Which CUDA a Python framework release was built for, where its files do not say (no `+cuXYZ` tag, no generated
 * build-info file): the PyPI wheel of onnxruntime-gpu 1.19+ is for CUDA 12, TensorFlow 2.16 was tested with 12.3.
 */
export type FrameworkBuild = RowOf<typeof FRAMEWORKS>;

/** A framework's wheel index variant (torch cu126 …) for a range of releases: its CUDA and the GPU code it carries. */
export type WheelIndex = RowOf<typeof WHEEL_INDEXES>;

/** A PTX ISA version and the CUDA release that introduced it: PTX that a driver older than that release cannot JIT. */
export type PtxIsaRelease = RowOf<typeof PTX>;

/** meta.yaml: the data version, bumped on every change to matrix/, and the date the data was last reviewed. */
export type MatrixMeta = z.output<typeof META>;

/** One row of a user's matrix overrides file (--matrix-overrides) merged over the shipped matrix. */
export interface MatrixOverride {
  /** the overrides file, as given */
  file: string;
  /** the table's key in the file: releases, majors, branches, gpus, toolkitArchs, libraries, frameworks, wheelIndexes, ptxIsa */
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
  /** frameworks.yaml `wheelIndexes:`, by package, index, then ascending `from`; always set by loadMatrix (optional for hand-built test matrices) */
  wheelIndexes?: WheelIndex[];
  /** ascending by ISA version; always set by loadMatrix (optional for hand-built test matrices) */
  ptxIsa?: PtxIsaRelease[];
  /** host-libs.yaml: the driver libraries the container runtime mounts; always set by loadMatrix (optional for hand-built test matrices) */
  hostLibs?: HostLib[];
}
