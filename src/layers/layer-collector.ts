/**
 * What one layer keeps, entry by entry: the rules both readers share (the streaming one over tar-stream and the seek
 * one over positional reads), so that the two cannot disagree on paths, whiteouts, links, limits or content caps.
 * A reader walks the tar, asks `admit` what to do with each entry's body, and reports back what it read.
 */
import type { Finding } from '../common/findings';
import type { GpuCode } from '../model/gpu-code';
import type { BinaryFacts } from './fatbin-scan';
import { LAYER_TRUNCATED, LIMIT_FATBIN_WORK, LIMIT_PATH_LENGTH } from './limits';
import { basenameOf, dirnameOf, displayPath, joinPath, normaliseEntryName } from './paths';
import type { TarEntryHeader } from '../tar/headers';
import type { InterestFn, LayerEntry, LayerResult } from './types';

/** The limits the collector applies (LayerLimits in analyse-layer.ts holds them all). */
export interface EntryLimits {
  maxFileContentBytes: number;
  maxLayerContentBytes: number;
  maxPathBytes: number;
}

/** What to read of a kept file's body. */
export interface BodyPlan {
  entry: LayerEntry;
  /** stream the body through the fatbin scanner */
  scan: boolean;
  /** keep this many leading bytes as text; undefined: none */
  contentCap?: number;
}

/**
 * Which layer is being read, as the source knows it when reading starts (LayerContext.descriptor): for a layer an
 * export names only by its entry, the digest is that name and there is no diffID. The result carries it; the engine
 * names the result after the layer's final descriptor, which the source returns once the read is done (layers/named.ts).
 */
export interface LayerIdentity {
  digest: string;
  diffId?: string;
  /** the stored blob's declared size (LayerDescriptor.size): the decompression ratio is measured against it */
  size?: number;
}

const OPAQUE_MARKER = '.wh..wh..opq';
const WHITEOUT_PREFIX = '.wh.';
/**
 * aufs keeps its own bookkeeping under `.wh..wh.plnk` and friends at the layer root; moby's UnpackLayer skips every
 * entry whose cleaned name starts with it (the root's own `.wh..wh..opq` apart). Below the root the prefix means
 * nothing special: `a/.wh..wh.x` is a whiteout of `a/.wh.x`, and `a/.wh..wh.plnk/f` an ordinary file.
 */
const AUFS_META_PREFIX = '.wh..wh.';

export class LayerCollector {
  entryCount = 0;
  private readonly entries: LayerEntry[] = [];
  private readonly whiteouts: string[] = [];
  private readonly whiteoutAt = new Map<string, number>();
  private readonly opaqueDirs: string[] = [];
  /** directories this layer lays down: each replaces a lower layer's file or link at that path */
  private readonly dirs: string[] = [];
  private readonly findings: Finding[] = [];
  private contentBudget: number;
  private longPaths = 0;
  private nulPaths = 0;

  constructor(
    private readonly interest: InterestFn,
    private readonly limits: EntryLimits,
  ) {
    this.contentBudget = limits.maxLayerContentBytes;
  }

  /**
   * Counts the entry and records what it means for the layer; returns what to read of its body (undefined: skip it).
   * The size must already be known to be valid. An exception from the interest callback propagates.
   */
  admit(header: TarEntryHeader): BodyPlan | undefined {
    this.entryCount++;
    const linkname = header.linkname ?? '';
    // a NUL cannot be in a real file name (a PAX or GNU long name can carry one): no filesystem would extract it
    if (header.name.includes('\0') || linkname.includes('\0')) {
      this.nulPaths++;
      return undefined;
    }
    if (Buffer.byteLength(header.name) > this.limits.maxPathBytes || Buffer.byteLength(linkname) > this.limits.maxPathBytes) {
      this.longPaths++;
      return undefined;
    }
    const { path, escapes } = normaliseEntryName(header.name);
    if (escapes) {
      this.note('PATH_OUTSIDE_ROOT', `entry "${header.name}" climbs above the image root and was ignored`);
      return undefined;
    }
    if (path.startsWith(AUFS_META_PREFIX) && path !== OPAQUE_MARKER) return undefined;
    const base = basenameOf(path);
    if (base.startsWith(WHITEOUT_PREFIX)) {
      const dir = dirnameOf(path);
      if (base === OPAQUE_MARKER) this.opaqueDirs.push(dir);
      else if (base === WHITEOUT_PREFIX) this.note('INVALID_WHITEOUT', `bare whiteout "${header.name}" ignored`, path);
      else this.whiteout(joinPath(dir, base.slice(WHITEOUT_PREFIX.length)));
      return undefined;
    }
    if (path === '') return undefined;

    switch (header.type) {
      case 'directory':
        this.dirs.push(path);
        return undefined;
      case 'symlink':
        this.entries.push({ path, type: 'symlink', size: 0, linkTarget: linkname });
        return undefined;
      case 'link': {
        const target = normaliseEntryName(linkname);
        if (target.escapes || target.path === '') {
          this.note('PATH_OUTSIDE_ROOT', `hardlink "${header.name}" -> "${header.linkname}" leaves the image root; ignored`);
        } else {
          this.entries.push({ path, type: 'hardlink', size: header.size, linkTarget: target.path });
        }
        return undefined;
      }
      case 'character-device':
        // overlayfs represents a deletion as a 0/0 char device; some exporters leak it into layers
        if (header.devmajor === 0 && header.devminor === 0) this.whiteout(path);
        return undefined;
      case 'file':
      case 'contiguous-file':
        // typeflag '0' with a trailing "/" is a regular file at the cleaned name (Go makes only NUL a directory)
        break;
      default:
        return undefined;
    }

    const size = header.size;
    const wanted = this.interest(path, size);
    if (!wanted) return undefined;
    const entry: LayerEntry = { path, type: 'file', size };
    this.entries.push(entry);
    if (header.sparse) {
      // the body is the sparse encoding (fragments, and the map itself in format 1.0), not the file's bytes
      if (wanted.scan === 'fatbin' || (wanted.content ?? 0) > 0) {
        this.note('SPARSE_FILE_UNREAD', `${displayPath(path)} is stored as a GNU sparse file; its content was not read`, path);
      }
      return undefined;
    }
    const scan = wanted.scan === 'fatbin' && size > 0;
    if (wanted.content === undefined || wanted.content <= 0) return { entry, scan };
    return { entry, scan, contentCap: Math.min(wanted.content, this.limits.maxFileContentBytes, this.contentBudget) };
  }

  /**
   * A whiteout deletes the lower layers' path (merge.ts) and, as moby's and containerd's extractors remove it from
   * the directory being unpacked, whatever this layer wrote there before it. Entries after it stand.
   */
  private whiteout(path: string): void {
    this.whiteouts.push(path);
    // applied in result(): the latest whiteout of each path, by how many entries were kept before it
    this.whiteoutAt.set(path, this.entries.length);
  }

  /** The kept entries less those a later whiteout of the same layer deleted (linear in their path components). */
  private survivors(): LayerEntry[] {
    if (this.whiteoutAt.size === 0) return this.entries;
    return this.entries.filter((entry, index) => {
      let at = entry.path;
      for (;;) {
        const deletedAt = this.whiteoutAt.get(at);
        if (deletedAt !== undefined && deletedAt > index) return false;
        const slash = at.lastIndexOf('/');
        if (slash < 0) return true;
        at = at.slice(0, slash);
      }
    });
  }

  /** The first bytes of a body the plan asked content of; `truncated` when the body had more than `head`. */
  keepContent(plan: BodyPlan, head: Buffer, truncated: boolean): void {
    const { entry } = plan;
    this.contentBudget -= head.length;
    entry.content = new TextDecoder('utf-8').decode(head, { stream: truncated });
    if (truncated) {
      entry.contentTruncated = true;
      this.note('CONTENT_TRUNCATED', `${displayPath(entry.path)} is ${entry.size} bytes; only the first ${plan.contentCap} were read`, entry.path);
    }
  }

  keepGpuCode(plan: BodyPlan, found: GpuCode | undefined): void {
    if (found) plan.entry.gpuCode = found;
  }

  /**
   * What the binary scan found: launchable device code, relocatable device code apart, the ELF dynamic section. A
   * scan that gave up (its work budget spent) is an error finding: the binary's device code is unknown, and an image
   * must not pass on it (isScanIncomplete).
   */
  keepBinary(plan: BodyPlan, found: BinaryFacts): void {
    this.keepGpuCode(plan, found.gpuCode);
    if (found.relocatableGpuCode) plan.entry.relocatableGpuCode = found.relocatableGpuCode;
    if (found.dynamic) plan.entry.dynamic = found.dynamic;
    if (found.fatbinWorkLimit !== undefined) {
      const path = plan.entry.path;
      this.findings.push({
        code: LIMIT_FATBIN_WORK,
        severity: 'error',
        message: `${displayPath(path)} holds more than ${found.fatbinWorkLimit} fatbin signatures and entry headers; its scan stopped there and none of its device code is counted`,
        path: displayPath(path),
      });
    }
  }

  /** A limit stopped the read: an error finding; what was read so far is the result. */
  stopped(code: string, message: string): void {
    this.findings.push({ code, severity: 'error', message });
  }

  /** The layer's result. `endMarker`: whether the tar ended with its end-of-archive marker (ignored once stopped). */
  result(layer: LayerIdentity, tarBytes: number, end: { stopped: boolean; endMarker: boolean }): LayerResult {
    const findings = [...this.findings];
    // a zero-byte tar is an empty layer, not a cut one: Go's reader gives io.EOF at once, Docker applies nothing
    if (!end.stopped && !end.endMarker && tarBytes > 0) {
      findings.push({
        code: LAYER_TRUNCATED,
        severity: 'error',
        message: `the layer tar ends after ${tarBytes} bytes without the end-of-archive marker: it was cut short (or is not a tar), so files may be missing`,
      });
    }
    if (this.longPaths > 0) {
      findings.push({
        code: LIMIT_PATH_LENGTH,
        severity: 'error',
        message: `${this.longPaths} entr${this.longPaths === 1 ? 'y has a name or link target' : 'ies have names or link targets'} longer than ${this.limits.maxPathBytes} bytes; skipped`,
      });
    }
    if (this.nulPaths > 0) {
      const n = this.nulPaths;
      findings.push({
        code: 'PATH_NUL_BYTE',
        severity: 'warning',
        message: `${n} entr${n === 1 ? 'y has' : 'ies have'} a NUL byte in the name or link target; skipped`,
      });
    }
    return {
      digest: layer.digest,
      ...(layer.diffId !== undefined && { diffId: layer.diffId }),
      entryCount: this.entryCount,
      tarBytes,
      entries: this.survivors(),
      whiteouts: this.whiteouts,
      opaqueDirs: this.opaqueDirs,
      ...(this.dirs.length && { dirs: this.dirs }),
      findings: findings.map((f) => ({ ...f, layer: layer.digest })),
    };
  }

  // the layer is stamped on findings at the end, when its digest is final
  private note(code: string, message: string, path?: string): void {
    this.findings.push({ code, severity: 'warning', message, ...(path !== undefined && { path: displayPath(path) }) });
  }
}
