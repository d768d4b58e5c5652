/**
 * Finds CUDA fatbinaries in a file body as it streams past, without holding the file: the GPU code a shared object or
 * executable carries (SASS cubins per sm_XY, PTX per compute_XY with its ISA version).
 *
 * A fatbin container starts with the 8 bytes `50 ED 55 BA 01 00 10 00` (magic 0xBA55ED50, version 1, header size 16)
 * and a u64 `fatSize`; then entries, each a header (kind, header size, payload size, arch, flags; 64 bytes and more)
 * followed by its payload. The scan looks for the signature anywhere in the body — NVIDIA's own libraries keep
 * fatbins in `.rodata`, not only in `.nv_fatbin` — reads the headers and skips the payloads unread. It holds a carry
 * of < 8 bytes between chunks and at most one header (<= 80 bytes): memory does not grow with the file.
 * Work is bounded per file (MAX_FATBIN_WORK signatures and entry headers): a body made of signatures would otherwise
 * cost a header parse every 8 bytes (and the seek reader a read each).
 * Layout: research image-internals.md §5.2–5.5 (verified against nvcc 13.0 output).
 */
import { compareVersions } from '../common/dotted-version';
import { compareArchNames, RUNTIME_HELPER_MAX_BYTES, type DeviceCodeSize, type GpuCode, type PtxCode } from '../model/gpu-code';
import { ElfStream, type FatbinPlacement, type Ranges } from './elf';
import { MAX_FATBIN_WORK } from './limits';
import type { DynamicInfo } from './types';

const SIGNATURE = Buffer.from([0x50, 0xed, 0x55, 0xba, 0x01, 0x00, 0x10, 0x00]);
const SIGNATURE_TAIL = SIGNATURE.subarray(1);
const CONTAINER_HEADER_BYTES = 16;
const ENTRY_HEADER_BYTES = 64;
const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);
const AR_MAGIC = Buffer.from('!<arch>\n', 'latin1');
/** bytes needed to tell an ELF file or a static archive from anything else */
const MAGIC_BYTES = AR_MAGIC.length;

const KIND_PTX = 1;
const KIND_ELF = 2;
const MAX_ENTRY_HEADER_BYTES = 4096;
const MIN_ARCH = 10;
const MAX_ARCH = 200;
const FLAG_ARCH_SPECIFIC = 0x100000; // sm_90a
const FLAG_FAMILY_SPECIFIC = 0x200000; // sm_100f
const FLAGS_COMPRESSED = 0x2000 | 0x8000; // LZ4-style, zstd (research §5.3)
const TWO_32 = 2 ** 32;
const EMPTY = Buffer.alloc(0);

type State =
  /** deciding from the first bytes whether the body is an ELF file or an archive */
  | { name: 'magic' }
  /** not a binary, or the work budget is spent: the rest of the body is ignored */
  | { name: 'off' }
  | { name: 'scan' }
  /** collecting a container or entry header; headerDone decides what follows */
  | { name: 'header'; bytes: Buffer; filled: number; kind: 'container' | 'entry' }
  /** skipping an entry's payload (and header bytes beyond the first 64) */
  | { name: 'skip'; left: number };

export class FatbinScanner {
  private state: State = { name: 'magic' };
  /** the first bytes, until the magic decision */
  private head = EMPTY;
  /** bytes at the end of the last chunk that may begin a signature cut by the chunk boundary (< 8 bytes) */
  private carry = EMPTY;
  /**
   * bytes of the body not consumed yet (when the size is known): bounds what a container claims. Exact, not rounded
   * to chunk boundaries, so that a container claiming more than the file holds is judged the same however the body
   * is chunked (a registry stream and a local archive cut the same layer differently).
   */
  private left: number;
  /** bytes of the current container after the entry being read */
  private containerLeft = 0;
  /** the container header, kept until the container's first entry proves it real (for re-scanning on garbage) */
  private pendingContainer?: Buffer;
  private readonly sass = new Set<string>();
  private readonly ptx = new Map<string, PtxCode>();
  private readonly size: DeviceCodeSize = { entries: 0, bytes: 0, compressed: 0 };
  /** the body's length (or the largest safe integer): `total - left` is the body offset of the next byte */
  private readonly total: number;
  /** body offset of the container being read */
  private containerStart = 0;
  /** body offset just past the container being read (its header's fatSize) */
  private containerEnd = 0;
  /** every entry found with its container's place (only when asked to locate; bounded by the budget) */
  private located?: LocatedEntry[];
  /** signatures met and entry headers read so far, against `budget` */
  private work = 0;
  private readonly budget: number;
  private exhausted = false;

  /**
   * `size`: the body's length when known (tar header), so a container cannot claim more than is left.
   * `locate`: remember where each entry's container lies, so that split() can tell what the runtime loads.
   * `budget`: signatures met plus entry headers read before the scan gives up on the body (workLimitHit).
   */
  constructor(size?: number, options: { locate?: boolean; budget?: number } = {}) {
    this.left = size ?? Number.MAX_SAFE_INTEGER;
    this.total = this.left;
    this.budget = options.budget ?? MAX_FATBIN_WORK;
    if (options.locate) this.located = [];
  }

  /** The budget, when it ran out: the scan stopped there, and what it found is no account of the body. */
  workLimitHit(): number | undefined {
    return this.exhausted ? this.budget : undefined;
  }

  push(chunk: Buffer): void {
    if (this.state.name === 'off' || chunk.length === 0) return;
    this.consume(chunk);
  }

  /*
   * Random access (fatbin-seek.ts): a driver that can seek feeds only some byte ranges of the body. Each call below
   * keeps `left` exact, so the bytes it does feed are judged exactly as when the whole body streams past.
   */

  /** The body is not a binary (decided by its first bytes), or the budget is spent: a driver may stop reading. */
  done(): boolean {
    return this.state.name === 'off';
  }

  /** Bytes from here on that the scanner ignores anyway (an entry's payload): a driver may skip() them unread. */
  skippable(): number {
    return this.state.name === 'skip' ? this.state.left : 0;
  }

  /** Consumes n <= skippable() bytes without their data. */
  skip(n: number): void {
    const s = this.state;
    if (s.name !== 'skip' || n < 0 || n > s.left) throw new RangeError(`skip(${n}) beyond ${this.skippable()} skippable bytes`);
    s.left -= n;
    this.left -= n;
    if (s.left === 0) this.nextEntry();
  }

  /** Bytes missing from the container or entry header being collected (0 when none): all a driver need read next. */
  headerLeft(): number {
    return this.state.name === 'header' ? this.state.bytes.length - this.state.filled : 0;
  }

  /** Inside a container (collecting a header or skipping a payload): a driver keeps feeding past a section's end. */
  inContainer(): boolean {
    return this.state.name === 'header' || this.state.name === 'skip';
  }

  /**
   * The next n bytes of the body will not be shown (between scanned sections). Only while scanning for a signature:
   * the carry is dropped, since a signature cut by a gap is not one the driver vouches for.
   */
  gap(n: number): void {
    if (this.state.name === 'off' || n === 0) return;
    if (this.state.name !== 'scan' || n < 0) throw new Error(`gap(${n}) while in state ${this.state.name}`);
    this.carry = EMPTY;
    this.left -= n;
  }

  /** What was found; undefined when the body carries no device code (or is not a binary). */
  result(): GpuCode | undefined {
    return gpuCode(this.sass, this.ptx, this.size);
  }

  /**
   * What was found, split by where each container lies (the ELF section table's `placement`): starting in
   * __nv_relfatbin, relocatable; wholly inside a loadable section, registered (what the runtime loads); anywhere else
   * (a decoy: never loaded), neither. Known limit: without a placement (no section table both readers can read —
   * missing, damaged, names beyond the window — a static archive, or a scanner not asked to locate), everything
   * found counts as registered, as result() says; a decoy in such a file is still credited.
   */
  split(placement: FatbinPlacement | undefined): { registered?: GpuCode; relocatable?: GpuCode } {
    const all = this.result();
    if (!all || !placement || !this.located) return all ? { registered: all } : {};
    const parts = [
      { sass: new Set<string>(), ptx: new Map<string, PtxCode>(), size: { entries: 0, bytes: 0, compressed: 0 } },
      { sass: new Set<string>(), ptx: new Map<string, PtxCode>(), size: { entries: 0, bytes: 0, compressed: 0 } },
    ];
    const within = (ranges: Ranges | undefined, e: LocatedEntry) => ranges?.some(([start, end]) => start <= e.at && e.end <= end) ?? false;
    // a library whose registered code is only the runtime's helper module loads its kernels itself (cuFFT: from .data)
    const own = placement.registeredBy ? this.located.filter((e) => within(placement.registeredBy, e)) : [];
    const selfLoading = own.length <= 1 && own.every((e) => e.entry.kind === KIND_ELF && e.entry.payloadSize <= RUNTIME_HELPER_MAX_BYTES);
    for (const e of this.located) {
      const loadable = within(placement.loadable, e) || (selfLoading && within(placement.selfLoaded, e));
      const part = placement.relocatable.some(([start, end]) => start <= e.at && e.at < end) ? 1 : loadable ? 0 : -1;
      if (part >= 0) addEntry(parts[part].sass, parts[part].ptx, parts[part].size, e.entry);
    }
    const registered = gpuCode(parts[0].sass, parts[0].ptx, parts[0].size);
    const reloc = gpuCode(parts[1].sass, parts[1].ptx, parts[1].size);
    return { ...(registered && { registered }), ...(reloc && { relocatable: reloc }) };
  }

  private consume(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length) {
      const s = this.state;
      switch (s.name) {
        case 'off':
          return;
        case 'magic': {
          const next = this.readMagic(chunk, pos);
          this.left -= next - pos;
          pos = next;
          break;
        }
        case 'scan': {
          const next = this.scan(chunk, pos);
          this.left -= next - pos;
          pos = next;
          break;
        }
        case 'header': {
          const n = Math.min(s.bytes.length - s.filled, chunk.length - pos);
          chunk.copy(s.bytes, s.filled, pos, pos + n);
          s.filled += n;
          pos += n;
          // before headerDone: a container header is checked against what follows it
          this.left -= n;
          if (s.filled === s.bytes.length) this.headerDone(s.bytes, s.kind);
          break;
        }
        case 'skip': {
          const n = Math.min(s.left, chunk.length - pos);
          s.left -= n;
          pos += n;
          this.left -= n;
          if (s.left === 0) this.nextEntry();
          break;
        }
      }
    }
  }

  private readMagic(chunk: Buffer, pos: number): number {
    const n = Math.min(MAGIC_BYTES - this.head.length, chunk.length - pos);
    this.head = Buffer.concat([this.head, chunk.subarray(pos, pos + n)]);
    const elf = startsWith(this.head, ELF_MAGIC);
    const ar = startsWith(this.head, AR_MAGIC);
    if (!elf && !ar) {
      this.state = { name: 'off' };
      return chunk.length;
    }
    // an ELF file is decided after 4 bytes, an archive after 8; the head bytes cannot start a fatbin
    if ((elf && this.head.length >= ELF_MAGIC.length) || this.head.length === MAGIC_BYTES) this.state = { name: 'scan' };
    return pos + n;
  }

  /** Looks for the signature from `pos`; returns where scanning stopped. */
  private scan(chunk: Buffer, pos: number): number {
    // the body offset of chunk[pos]: consume() counts these bytes off `left` only after this returns
    const here = this.total - this.left;
    const carried = this.carry;
    this.carry = EMPTY;
    if (carried.length) {
      // a signature cut by the chunk boundary: search the carry plus the first bytes of this chunk
      const joined = Buffer.concat([carried, chunk.subarray(pos, pos + SIGNATURE.length - 1)]);
      const at = joined.indexOf(SIGNATURE);
      // a match starting inside this chunk is found by the search below
      if (at >= 0 && at < carried.length) {
        this.containerStart = here - carried.length + at;
        this.startContainer(Buffer.from(carried.subarray(at)));
        return pos;
      }
    }
    const at = findSignature(chunk, pos);
    if (at >= 0) {
      this.containerStart = here + (at - pos);
      this.startContainer(EMPTY);
      return at;
    }
    // keep the last 7 bytes seen, which may span several tiny chunks
    const rest = chunk.subarray(pos);
    const tail = rest.length >= SIGNATURE.length - 1 ? rest : Buffer.concat([carried, rest]);
    this.carry = Buffer.from(tail.subarray(Math.max(0, tail.length - (SIGNATURE.length - 1))));
    return chunk.length;
  }

  /** A signature starts here; `already` holds its first bytes when they came from the carry. */
  private startContainer(already: Buffer): void {
    if (!this.spend()) return;
    const bytes = Buffer.alloc(CONTAINER_HEADER_BYTES);
    already.copy(bytes);
    this.state = { name: 'header', bytes, filled: already.length, kind: 'container' };
  }

  private headerDone(bytes: Buffer, kind: 'container' | 'entry'): void {
    if (kind === 'container') {
      const fatSize = u64(bytes, 8);
      // `left` is what follows this header in the body: a real container always fits
      if (fatSize < ENTRY_HEADER_BYTES || fatSize > this.left) return this.garbage(bytes);
      this.containerLeft = fatSize;
      this.containerEnd = this.containerStart + CONTAINER_HEADER_BYTES + fatSize;
      this.pendingContainer = Buffer.from(bytes);
      this.state = { name: 'header', bytes: Buffer.alloc(ENTRY_HEADER_BYTES), filled: 0, kind: 'entry' };
      return;
    }
    if (!this.spend()) return;
    const entry = parseEntry(bytes);
    if (!entry || entry.headerSize + entry.payloadSize > this.containerLeft) {
      const container = this.pendingContainer;
      this.pendingContainer = undefined;
      return this.garbage(container ? Buffer.concat([container, bytes]) : bytes);
    }
    this.pendingContainer = undefined;
    this.record(entry);
    this.containerLeft -= entry.headerSize + entry.payloadSize;
    const skip = entry.headerSize - ENTRY_HEADER_BYTES + entry.payloadSize;
    if (skip > 0) this.state = { name: 'skip', left: skip };
    else this.nextEntry();
  }

  private nextEntry(): void {
    if (this.containerLeft >= ENTRY_HEADER_BYTES) {
      this.state = { name: 'header', bytes: Buffer.alloc(ENTRY_HEADER_BYTES), filled: 0, kind: 'entry' };
    } else {
      // containers end exactly after their last entry; the next one (if any) is found by scanning
      this.containerLeft = 0;
      this.state = { name: 'scan' };
    }
  }

  /** Not a fatbin after all: scan again the header bytes read since the signature, past its first byte. */
  private garbage(consumed: Buffer): void {
    this.containerLeft = 0;
    this.state = { name: 'scan' };
    this.carry = EMPTY;
    const again = Buffer.from(consumed.subarray(1));
    // these bytes were counted once already: consume() counts them again as it re-reads them
    this.left += again.length;
    this.consume(again);
  }

  /**
   * Counts one unit of work (a signature met, an entry header read); false, with the scan stopped, once the budget
   * is spent. Both readers meet the same signatures and headers in the bytes they both read, so they stop at the same
   * one.
   */
  private spend(): boolean {
    if (this.work >= this.budget) {
      this.exhausted = true;
      this.state = { name: 'off' };
      this.pendingContainer = undefined;
      return false;
    }
    this.work++;
    return true;
  }

  private record(entry: EntryHeader): void {
    addEntry(this.sass, this.ptx, this.size, entry);
    // bounded by the budget: each entry was one unit of work
    this.located?.push({ at: this.containerStart, end: this.containerEnd, entry });
  }
}

interface LocatedEntry {
  /** body offset of the entry's container */
  at: number;
  /** body offset just past that container */
  end: number;
  entry: EntryHeader;
}

function addEntry(sass: Set<string>, ptx: Map<string, PtxCode>, size: DeviceCodeSize, entry: EntryHeader): void {
  size.entries++;
  size.bytes += entry.payloadSize;
  if (entry.flags & FLAGS_COMPRESSED) size.compressed++;
  const suffix = entry.flags & FLAG_ARCH_SPECIFIC ? 'a' : entry.flags & FLAG_FAMILY_SPECIFIC ? 'f' : '';
  if (entry.kind === KIND_ELF) {
    sass.add(`sm_${entry.arch}${suffix}`);
  } else {
    const arch = `compute_${entry.arch}${suffix}`;
    const isa = `${entry.major}.${entry.minor}`;
    ptx.set(`${arch} ${isa}`, { arch, isa });
  }
}

function gpuCode(sass: Set<string>, ptx: Map<string, PtxCode>, size: DeviceCodeSize): GpuCode | undefined {
  if (sass.size === 0 && ptx.size === 0) return undefined;
  return {
    sass: [...sass].sort(compareArchNames),
    ptx: [...ptx.values()].sort((a, b) => compareArchNames(a.arch, b.arch) || compareVersions(a.isa ?? '0', b.isa ?? '0')),
    size: { ...size },
  };
}

interface EntryHeader {
  kind: number;
  headerSize: number;
  payloadSize: number;
  minor: number;
  major: number;
  arch: number;
  /** low 32 bits of the u64 flags: every bit read is below 2^32 */
  flags: number;
}

/** The 64-byte entry header, or undefined when it cannot be one. */
function parseEntry(b: Buffer): EntryHeader | undefined {
  const kind = b.readUInt16LE(0);
  const headerSize = b.readUInt32LE(4);
  const payloadSize = u64(b, 8);
  const arch = b.readUInt32LE(0x1c);
  if (kind !== KIND_PTX && kind !== KIND_ELF) return undefined;
  if (headerSize % 8 !== 0 || headerSize < ENTRY_HEADER_BYTES || headerSize > MAX_ENTRY_HEADER_BYTES) return undefined;
  if (arch < MIN_ARCH || arch > MAX_ARCH) return undefined;
  return {
    kind,
    headerSize,
    payloadSize,
    minor: b.readUInt16LE(0x18),
    major: b.readUInt16LE(0x1a),
    arch,
    flags: b.readUInt32LE(0x28),
  };
}

/** A u64 as a number; values beyond 2^53 (never a real size) become Infinity so every bound check rejects them. */
function u64(b: Buffer, at: number): number {
  const high = b.readUInt32LE(at + 4);
  return high >= 2 ** 21 ? Infinity : high * TWO_32 + b.readUInt32LE(at);
}

/**
 * Where the signature starts at or after `from`, or -1. Searches for its last 7 bytes, which begin with the rare 0xED,
 * then checks the 0x50 before: an 8-byte needle starting with 0x50 (common in x86 code) and ending with 0x00 makes
 * Buffer.indexOf ~10x slower on real binaries (1.1 vs 14 GB/s, measured).
 */
function findSignature(chunk: Buffer, from: number): number {
  for (let at = chunk.indexOf(SIGNATURE_TAIL, from + 1); at >= 0; at = chunk.indexOf(SIGNATURE_TAIL, at + 1)) {
    if (chunk[at - 1] === SIGNATURE[0]) return at - 1;
  }
  return -1;
}

function startsWith(bytes: Buffer, prefix: Buffer): boolean {
  const n = Math.min(bytes.length, prefix.length);
  return bytes.subarray(0, n).equals(prefix.subarray(0, n));
}

/** What a scanned binary carries: launchable device code, relocatable device code apart, its dynamic section. */
export interface BinaryFacts {
  /** what the CUDA runtime loads (FatbinScanner.split: not __nv_relfatbin, not a container outside loaded sections) */
  gpuCode?: GpuCode;
  /** relocatable device code (__nv_relfatbin): never registered, never launchable */
  relocatableGpuCode?: GpuCode;
  dynamic?: DynamicInfo;
  /**
   * The fatbin scan gave up at this many signatures and entry headers (MAX_FATBIN_WORK): no device code is reported
   * for the file, and the collector records LIMIT_FATBIN_WORK, which fails the image (SCAN_INCOMPLETE).
   */
  fatbinWorkLimit?: number;
}

/**
 * The facts of a finished scan (both readers). A spent budget drops the device code: what was found by then is a
 * part of the file, and which part can differ between the readers (the streaming one also meets signatures outside
 * the sections the seek reader reads).
 */
export function binaryFacts(scanner: FatbinScanner, placement: FatbinPlacement | undefined, dynamic: DynamicInfo | undefined): BinaryFacts {
  const limit = scanner.workLimitHit();
  const split = limit === undefined ? scanner.split(placement) : {};
  return {
    ...(split.registered && { gpuCode: split.registered }),
    ...(split.relocatable && { relocatableGpuCode: split.relocatable }),
    ...(dynamic && { dynamic }),
    ...(limit !== undefined && { fatbinWorkLimit: limit }),
  };
}

/**
 * The streaming reader's scan of one body: the fatbin scan (every container located) and, for an ELF file, what
 * ElfStream keeps in passing (the dynamic section, the section table that says where containers are loaded from).
 * Same answer as scanBinaryAt (fatbin-seek.ts) reading the same body by offset.
 */
export class BinaryScanner {
  private readonly fatbins: FatbinScanner;
  private readonly elf: ElfStream;

  constructor(size: number) {
    this.fatbins = new FatbinScanner(size, { locate: true });
    // anything not an ELF file turns it off after its first bytes
    this.elf = new ElfStream(size);
  }

  push(chunk: Buffer): void {
    this.fatbins.push(chunk);
    this.elf.push(chunk);
  }

  result(): BinaryFacts {
    const elf = this.elf.result();
    return binaryFacts(this.fatbins, elf.placement, elf.dynamic);
  }
}
