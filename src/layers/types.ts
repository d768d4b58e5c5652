/**
 * Stage 2 — layer tars to the image's final filesystem, keeping only what detectors care about.
 * Each layer is analysed on its own into a LayerResult (plain JSON: this is what a per-layer cache stores);
 * merging applies each layer's whiteouts to the layers below it only, then overlays its entries.
 */
import type { Finding } from '../common/findings';
import type { GpuCode } from '../model/gpu-code';

export type EntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'other';

/** What a detector wants from a regular file at a path. */
export interface Interest {
  /** read up to this many bytes of the body as UTF-8 text (larger files are truncated and a finding is added) */
  content?: number;
  /**
   * 'fatbin': stream the body through the fatbin scanner while it drains (nothing buffered); ELF files and static
   * archives only, decided from their first bytes. The entry is kept whatever is found, so that it still replaces
   * a lower layer's file at the same path.
   */
  scan?: 'fatbin';
}

/** Asked once per tar entry path (normalised, no leading slash); undefined = not interesting. */
export type InterestFn = (path: string, size: number) => Interest | undefined;

/** A kept entry of one layer. Paths are normalised: no leading "/" or "./", no "//", never "..". */
export interface LayerEntry {
  path: string;
  type: EntryType;
  size: number;
  /** symlink target as written (may be relative or absolute); hardlink target path (normalised) */
  linkTarget?: string;
  /** UTF-8 text of the body, when an Interest asked for content */
  content?: string;
  contentTruncated?: boolean;
  /**
   * CUDA device code found by the fatbin scan that the CUDA runtime registers (launchable); absent when none was found
   * (or no scan was asked for). Relocatable device code (__nv_relfatbin) is never here.
   */
  gpuCode?: GpuCode;
  /**
   * Relocatable device code (nvcc -rdc, in __nv_relfatbin): kept for device linking, never registered by the CUDA
   * runtime, so never launchable. Data only: nothing may count it as runnable GPU code.
   */
  relocatableGpuCode?: GpuCode;
  /** the ELF dynamic section, for every scanned ELF file whose dynamic section was read */
  dynamic?: DynamicInfo;
}

/**
 * An ELF file's dynamic section as the dynamic loader reads it. Strings are raw: $ORIGIN, $LIB and $PLATFORM are
 * expanded by the consumer. rpath/runpath are each DT_RPATH/DT_RUNPATH split on ':' (entries in file order).
 */
export interface DynamicInfo {
  soname?: string;
  /** DT_NEEDED, in order */
  needed: string[];
  rpath: string[];
  runpath: string[];
}

export interface LayerResult {
  /** LayerDescriptor.digest */
  digest: string;
  diffId?: string;
  entryCount: number;
  /** bytes of the uncompressed tar read */
  tarBytes: number;
  /** interesting files, and every symlink (needed to resolve paths through directory links) */
  entries: LayerEntry[];
  /** paths deleted from lower layers by `.wh.NAME` */
  whiteouts: string[];
  /** directories whose lower-layer children are hidden by `.wh..wh..opq` */
  opaqueDirs: string[];
  /** directories the layer lays down (a directory replaces a lower file or link at its path, as unpacking does) */
  dirs?: string[];
  findings: Finding[];
}

/** An entry of the final (merged) filesystem, with where it came from. */
export interface FileEntry extends LayerEntry {
  layerIndex: number;
  layerDigest: string;
  /** Dockerfile instruction that created the layer, from the config history (empty_layer entries skipped) */
  instruction?: string;
}

export interface LayerInfo {
  index: number;
  digest: string;
  diffId?: string;
  instruction?: string;
  entryCount: number;
  tarBytes: number;
}

/** The image's final filesystem, restricted to kept entries. */
export interface FileSystemView {
  layers: LayerInfo[];
  /** the entry at exactly this path (no symlink resolution) */
  get(path: string): FileEntry | undefined;
  /**
   * Follows symlinks (in the final path component and in directories, relative and absolute, bounded hops) and
   * hardlinks to the entry that holds the content; undefined when dangling or a loop.
   */
  resolve(path: string): FileEntry | undefined;
  /** the path with every symlink component followed (normalised, no leading "/"); undefined on a loop */
  realpath?(path: string): string | undefined;
  /** every kept entry (files, symlinks, hardlinks), in path order */
  entries(): FileEntry[];
  findings: Finding[];
}
