/**
 * What the dynamic loader and the CUDA runtime read of an ELF file, for both layer readers: the dynamic section
 * (DT_NEEDED, DT_SONAME, DT_RPATH, DT_RUNPATH) and the sections that hold relocatable device code (__nv_relfatbin,
 * kept for device linking and never registered by the CUDA runtime).
 *
 * The seek reader reads by offset (elfFactsAt: the ELF header, program headers, PT_DYNAMIC and only the string bytes
 * the dynamic entries point at). The streaming reader sees each byte once (ElfStream): program headers come first,
 * but .dynstr normally precedes .dynamic, so while the first PT_LOAD segment passes it remembers the NUL-terminated
 * strings that look like sonames or paths (containing ".so", "/" or "$") with their file offsets, capped in count and
 * bytes, and resolves the dynamic entries' offsets against them when .dynamic is reached. A string it did not keep
 * makes the whole `dynamic` absent (never a partial list). ELFCLASS32/64 and both byte orders are read; a malformed
 * or truncated ELF gives no `dynamic`, never an exception.
 *
 * From the section table both readers also take where device code can be loaded from (fatbinPlacement): which fatbin
 * containers count as launchable, which are relocatable, and which are never loaded (a decoy).
 */
import type { DynamicInfo } from './types';

export type ReadAt = (buffer: Buffer, position: number, length: number) => Promise<number>;

const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);
const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const SHT_PROGBITS = 1;
const SHT_NOBITS = 8;
const SHF_ALLOC = 0x2;
const SHF_EXECINSTR = 0x4;
const DT_NULL = 0;
const DT_NEEDED = 1;
const DT_STRTAB = 5;
const DT_STRSZ = 10;
const DT_SONAME = 14;
const DT_RPATH = 15;
const DT_RUNPATH = 29;

/** bounds: a real file has a few dozen of each */
const MAX_PHDRS = 256;
const MAX_DYNAMIC_ENTRIES = 1024;
/** longest string kept (PATH_MAX); a longer one makes `dynamic` absent */
export const MAX_STRING_BYTES = 4096;
const MAX_SECTION_TABLE_BYTES = 1 << 20;
/** the section names (.shstrtab) must lie within this many bytes before the section table (as every linker puts them) */
export const NAMES_WINDOW_BYTES = 64 * 1024;
/** streaming: strings remembered while the first PT_LOAD passes */
const MAX_REMEMBERED_STRINGS = 8192;
const MAX_REMEMBERED_BYTES = 256 * 1024;

export interface ElfHeader {
  is64: boolean;
  le: boolean;
  /** bytes of the ELF header */
  size: number;
  phoff: number;
  phentsize: number;
  phnum: number;
  shoff: number;
  shentsize: number;
  shnum: number;
  shstrndx: number;
}

interface Segment {
  type: number;
  offset: number;
  vaddr: number;
  filesz: number;
}

export interface Section {
  name: string;
  type: number;
  flags: number;
  offset: number;
  size: number;
}

/** File ranges, [start, end). */
export type Ranges = Array<[number, number]>;

/** Where in an ELF file fatbin containers are loaded from (fatbinPlacement). */
export interface FatbinPlacement {
  /** __nv_relfatbin sections: a container starting in one is relocatable device code */
  relocatable: Ranges;
  /** sections a container must lie wholly inside to count as launchable */
  loadable: Ranges;
  /**
   * In an nvcc/clang build: the other loaded data sections, whose containers count only when the file's .nv_fatbin
   * (`registeredBy`) holds nothing but the CUDA runtime's own helper module — a library that loads its kernels itself
   */
  selfLoaded?: Ranges;
  registeredBy?: Ranges;
}

/** What the loader and the runtime see of one ELF file. */
export interface ElfFacts {
  dynamic?: DynamicInfo;
  /** undefined when the section table or its names could not be read */
  placement?: FatbinPlacement;
}

interface DynamicRefs {
  strtab: number;
  strsz?: number;
  needed: number[];
  soname?: number;
  rpath: number[];
  runpath: number[];
}

function reader(le: boolean, is64: boolean) {
  const u16 = (b: Buffer, at: number) => (le ? b.readUInt16LE(at) : b.readUInt16BE(at));
  const u32 = (b: Buffer, at: number) => (le ? b.readUInt32LE(at) : b.readUInt32BE(at));
  // values beyond 2^53 (never a real offset) become Infinity so every bound check rejects them
  const u64 = (b: Buffer, at: number) => {
    const high = le ? b.readUInt32LE(at + 4) : b.readUInt32BE(at);
    const low = le ? b.readUInt32LE(at) : b.readUInt32BE(at + 4);
    return high >= 2 ** 21 ? Infinity : high * 2 ** 32 + low;
  };
  const word = is64 ? u64 : u32;
  return { u16, u32, word };
}

/** The ELF header from the first bytes of a file (at least 52 for ELF32, 64 for ELF64), or undefined. */
export function parseElfHeader(b: Buffer): ElfHeader | undefined {
  if (b.length < 52 || !b.subarray(0, 4).equals(ELF_MAGIC)) return undefined;
  const cls = b[4];
  const data = b[5];
  if ((cls !== 1 && cls !== 2) || (data !== 1 && data !== 2)) return undefined;
  const is64 = cls === 2;
  const le = data === 1;
  if (is64 && b.length < 64) return undefined;
  const { u16, word } = reader(le, is64);
  const h = is64
    ? {
        phoff: word(b, 0x20),
        shoff: word(b, 0x28),
        phentsize: u16(b, 0x36),
        phnum: u16(b, 0x38),
        shentsize: u16(b, 0x3a),
        shnum: u16(b, 0x3c),
        shstrndx: u16(b, 0x3e),
      }
    : {
        phoff: word(b, 0x1c),
        shoff: word(b, 0x20),
        phentsize: u16(b, 0x2a),
        phnum: u16(b, 0x2c),
        shentsize: u16(b, 0x2e),
        shnum: u16(b, 0x30),
        shstrndx: u16(b, 0x32),
      };
  return { is64, le, size: is64 ? 64 : 52, ...h };
}

/** The program header table's file range, or undefined when there is none this reader trusts. */
export function phdrRange(h: ElfHeader, fileSize: number): [number, number] | undefined {
  if (h.phnum === 0 || h.phnum > MAX_PHDRS || h.phentsize !== (h.is64 ? 56 : 32) || h.phoff < h.size) return undefined;
  const end = h.phoff + h.phnum * h.phentsize;
  return end <= fileSize ? [h.phoff, end] : undefined;
}

export function parseSegments(h: ElfHeader, table: Buffer): Segment[] {
  const { u32, word } = reader(h.le, h.is64);
  return Array.from({ length: h.phnum }, (_, i) => {
    const at = i * h.phentsize;
    return h.is64
      ? { type: u32(table, at), offset: word(table, at + 8), vaddr: word(table, at + 16), filesz: word(table, at + 32) }
      : { type: u32(table, at), offset: word(table, at + 4), vaddr: word(table, at + 8), filesz: word(table, at + 16) };
  });
}

/** PT_DYNAMIC's file range (bounded), or undefined (a static binary, or a damaged table). */
export function dynamicRange(h: ElfHeader, segments: Segment[], fileSize: number): [number, number] | undefined {
  const dyn = segments.find((s) => s.type === PT_DYNAMIC);
  if (!dyn) return undefined;
  const entry = h.is64 ? 16 : 8;
  const size = Math.min(dyn.filesz, MAX_DYNAMIC_ENTRIES * entry);
  if (size < entry || dyn.offset + size > fileSize) return undefined;
  return [dyn.offset, dyn.offset + size];
}

/** The first PT_LOAD segment's file range: where .dynstr lies in every linker's layout. */
export function firstLoadRange(segments: Segment[], fileSize: number): [number, number] | undefined {
  const loads = segments.filter((s) => s.type === PT_LOAD && s.filesz > 0).sort((a, b) => a.offset - b.offset);
  if (loads.length === 0) return undefined;
  return [loads[0].offset, Math.min(fileSize, loads[0].offset + loads[0].filesz)];
}

/** The dynamic entries the loader reads, as string-table offsets; undefined when there is no usable DT_STRTAB. */
export function parseDynamic(h: ElfHeader, segments: Segment[], bytes: Buffer, fileSize: number): DynamicRefs | undefined {
  const { word } = reader(h.le, h.is64);
  const entry = h.is64 ? 16 : 8;
  const half = entry / 2;
  let strtabAddr: number | undefined;
  let strsz: number | undefined;
  const refs: Omit<DynamicRefs, 'strtab'> = { needed: [], rpath: [], runpath: [] };
  let ended = false;
  for (let at = 0; at + entry <= bytes.length; at += entry) {
    const tag = word(bytes, at);
    const val = word(bytes, at + half);
    if (tag === DT_NULL) {
      ended = true;
      break;
    }
    if (tag === DT_NEEDED) refs.needed.push(val);
    else if (tag === DT_STRTAB) strtabAddr = val;
    else if (tag === DT_STRSZ) strsz = val;
    else if (tag === DT_SONAME) refs.soname = val;
    else if (tag === DT_RPATH) refs.rpath.push(val);
    else if (tag === DT_RUNPATH) refs.runpath.push(val);
  }
  if (!ended || strtabAddr === undefined) return undefined;
  // DT_STRTAB is an address: the PT_LOAD that maps it gives its file offset
  const load = segments.find((s) => s.type === PT_LOAD && s.vaddr <= strtabAddr! && strtabAddr! < s.vaddr + s.filesz);
  if (!load) return undefined;
  const strtab = load.offset + (strtabAddr - load.vaddr);
  if (!(strtab < fileSize)) return undefined;
  return { strtab, ...(strsz !== undefined && { strsz }), ...refs };
}

/** The file offsets of every string the dynamic entries name; undefined when one is out of bounds. */
export function stringOffsets(refs: DynamicRefs, fileSize: number): number[] | undefined {
  const all = [...refs.needed, ...(refs.soname !== undefined ? [refs.soname] : []), ...refs.rpath, ...refs.runpath];
  const out: number[] = [];
  for (const off of all) {
    if (refs.strsz !== undefined && !(off < refs.strsz)) return undefined;
    const at = refs.strtab + off;
    if (!(at < fileSize)) return undefined;
    out.push(at);
  }
  return out;
}

/** The dynamic record, each string looked up by file offset (undefined: unknown, then there is no record). */
export function buildDynamic(refs: DynamicRefs, lookup: (fileOffset: number) => string | undefined): DynamicInfo | undefined {
  const str = (off: number) => lookup(refs.strtab + off);
  const needed: string[] = [];
  for (const off of refs.needed) {
    const s = str(off);
    if (s === undefined) return undefined;
    needed.push(s);
  }
  const paths = (offs: number[]): string[] | undefined => {
    const out: string[] = [];
    for (const off of offs) {
      const s = str(off);
      if (s === undefined) return undefined;
      out.push(...s.split(':'));
    }
    return out;
  };
  const rpath = paths(refs.rpath);
  const runpath = paths(refs.runpath);
  if (!rpath || !runpath) return undefined;
  let soname: string | undefined;
  if (refs.soname !== undefined) {
    soname = str(refs.soname);
    if (soname === undefined) return undefined;
  }
  return { ...(soname !== undefined && { soname }), needed, rpath, runpath };
}

/** The section table's file range, or undefined. */
export function sectionTableRange(h: ElfHeader, fileSize: number): [number, number] | undefined {
  if (h.shnum === 0 || h.shentsize !== (h.is64 ? 64 : 40) || h.shstrndx >= h.shnum || h.shoff < h.size) return undefined;
  const bytes = h.shnum * h.shentsize;
  if (bytes > MAX_SECTION_TABLE_BYTES || h.shoff + bytes > fileSize) return undefined;
  return [h.shoff, h.shoff + bytes];
}

export interface RawSection {
  name: number;
  type: number;
  flags: number;
  offset: number;
  size: number;
}

export function parseSections(h: ElfHeader, table: Buffer): RawSection[] {
  const { u32, word } = reader(h.le, h.is64);
  return Array.from({ length: h.shnum }, (_, i) => {
    const at = i * h.shentsize;
    return h.is64
      ? // the low word of the u64 sh_flags holds every flag read here
        {
          name: u32(table, at),
          type: u32(table, at + 4),
          flags: u32(table, at + (h.le ? 8 : 12)),
          offset: word(table, at + 0x18),
          size: word(table, at + 0x20),
        }
      : { name: u32(table, at), type: u32(table, at + 4), flags: u32(table, at + 8), offset: word(table, at + 0x10), size: word(table, at + 0x14) };
  });
}

/**
 * Where the section names lie, when both readers can read them: within NAMES_WINDOW_BYTES before the section table
 * (a streaming reader keeps those bytes as they pass, before it knows which of them it needs) or after the table.
 */
export function namesRange(h: ElfHeader, sections: RawSection[], fileSize: number): [number, number] | undefined {
  const s = sections[h.shstrndx];
  if (!s || s.type === SHT_NOBITS || s.size > NAMES_WINDOW_BYTES || s.offset + s.size > fileSize) return undefined;
  const tableEnd = h.shoff + h.shnum * h.shentsize;
  const before = s.offset >= h.shoff - NAMES_WINDOW_BYTES && s.offset + s.size <= h.shoff;
  if (!before && s.offset < tableEnd) return undefined;
  return [s.offset, s.offset + s.size];
}

/** Sections with their names; undefined when a name is out of the table. */
export function nameSections(sections: RawSection[], names: Buffer): Section[] | undefined {
  const out: Section[] = [];
  for (const s of sections) {
    const nul = s.name < names.length ? names.indexOf(0, s.name) : -1;
    if (nul < 0) return undefined;
    out.push({ name: names.toString('latin1', s.name, nul), type: s.type, flags: s.flags, offset: s.offset, size: s.size });
  }
  return out;
}

/** Relocatable device code (nvcc -rdc before device linking): the CUDA runtime never registers it. */
export function isRelocatableSection(name: string): boolean {
  return /relfatbin/i.test(name);
}

/**
 * Whether a section can hold fatbins, for the seek reader (fatbin-seek.ts), which reads only these. By name:
 * .nv_fatbin and __nv_relfatbin (nvcc, clang), anything *fatbin*, and (large-model) read-only or writable data. By
 * flags: any loaded, non-executable PROGBITS section, since NVIDIA's own libraries put containers wherever they like —
 * .rodata (libcupti.so.13), .ldata (libcufft.so.12), .cask_resource (libcublasLt.so.13, libcusparseLt.so.0,
 * libcudnn_engines_precompiled.so.9) — and a blob embedded as a non-const array (`xxd -i`) lands in .data. Left out:
 * code (.text), non-loaded sections (.debug*, .comment) and the dynamic linker's tables (symbols, strings,
 * relocations: other section types).
 */
export function isFatbinCandidate(name: string, type: number, flags: number): boolean {
  if (/fatbin/i.test(name) || /^\.l?(ro)?data/.test(name)) return true;
  return type === SHT_PROGBITS && (flags & SHF_ALLOC) !== 0 && (flags & SHF_EXECINSTR) === 0;
}

/**
 * Sections whose containers count in a file that has a `.nv_fatbin`: there the CUDA runtime registers what the
 * `.nvFatBinSegment` wrappers point at, all in .nv_fatbin. .cask_resource is NVIDIA's own, beside .nv_fatbin:
 * libcublasLt loads kernels from it itself (its nvjet kernels are not in its .nv_fatbin); a decoy there needs a
 * section of that name, as one in .nv_fatbin does.
 */
const REGISTERED_BESIDE_NV_FATBIN = new Set(['.nv_fatbin', '.cask_resource']);

/**
 * Where device code can be loaded from (research image-internals.md §5.1, §5.5). A container counts as launchable
 * only when it lies wholly inside a section that is loaded (SHF_ALLOC) and that the seek reader reads
 * (isFatbinCandidate: not code), and is not __nv_relfatbin; and when the file has a `.nv_fatbin` (an nvcc or clang
 * build) only inside .nv_fatbin (or .cask_resource) — unless its .nv_fatbin holds nothing but the CUDA runtime's
 * helper module (cuFFT 11.2: one 320-byte sm_52 entry there, 17,607 containers in .data it loads itself), which the
 * scanner decides (FatbinScanner.split). A file without one (libcupti, libcheckpoint: fatbins in .rodata, loaded by
 * the library itself) keeps every loaded data section. So a fatbin header planted in .rodata of
 * an nvcc build, in a section that is never loaded, or after the last section, is never taken for a kernel.
 *
 * Relocatable objects (ET_REL, nvcc -c): SHF_ALLOC means the same there — the linker puts the section in a loaded
 * segment — and .nv_fatbin keeps its name and its wrappers through the link, so the same rule holds. Offsets are the
 * object file's own, which is what both readers see of it.
 */
export function fatbinPlacement(sections: Section[]): FatbinPlacement {
  const withBytes = sections.filter((s) => s.type !== SHT_NOBITS && s.size > 0);
  const range = (s: Section): [number, number] => [s.offset, s.offset + s.size];
  const nvcc = withBytes.some((s) => s.name === '.nv_fatbin');
  const candidates = withBytes.filter((s) => (s.flags & SHF_ALLOC) !== 0 && isFatbinCandidate(s.name, s.type, s.flags) && !isRelocatableSection(s.name));
  const relocatable = withBytes.filter((s) => isRelocatableSection(s.name)).map(range);
  if (!nvcc) return { relocatable, loadable: candidates.map(range) };
  return {
    relocatable,
    loadable: candidates.filter((s) => REGISTERED_BESIDE_NV_FATBIN.has(s.name)).map(range),
    selfLoaded: candidates.filter((s) => !REGISTERED_BESIDE_NV_FATBIN.has(s.name)).map(range),
    registeredBy: withBytes.filter((s) => s.name === '.nv_fatbin').map(range),
  };
}

/** NUL-terminated string at `at` in `bytes`, or undefined when it has no NUL within MAX_STRING_BYTES. */
function cString(bytes: Buffer, at: number): string | undefined {
  const nul = bytes.indexOf(0, at);
  if (nul < 0 || nul - at > MAX_STRING_BYTES) return undefined;
  return bytes.toString('utf8', at, nul);
}

// ---------------------------------------------------------------------------------------------------------------
// By offset
// ---------------------------------------------------------------------------------------------------------------

/** Exactly `length` bytes at `position`, or undefined when the body ends first. */
async function readExactly(readAt: ReadAt, position: number, length: number): Promise<Buffer | undefined> {
  const into = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const n = await readAt(into.subarray(got), position + got, length - got);
    if (n <= 0) return undefined;
    got += n;
  }
  return into;
}

/** A string by offset: a short read first, longer only when its NUL is not in it. */
async function stringAt(readAt: ReadAt, at: number, fileSize: number): Promise<string | undefined> {
  for (const want of [128, MAX_STRING_BYTES + 1]) {
    const n = Math.min(want, fileSize - at);
    const b = await readExactly(readAt, at, n);
    if (!b) return undefined;
    const s = cString(b, 0);
    if (s !== undefined) return s;
    if (n < want) return undefined;
  }
  return undefined;
}

/**
 * The dynamic record by offset: the ELF header (given: the first bytes already read), program headers, PT_DYNAMIC and
 * the strings it names. Never throws on a malformed file.
 */
export async function dynamicAt(readAt: ReadAt, head: Buffer, fileSize: number): Promise<DynamicInfo | undefined> {
  try {
    const h = parseElfHeader(head);
    if (!h) return undefined;
    const ph = phdrRange(h, fileSize);
    if (!ph) return undefined;
    const table = await readExactly(readAt, ph[0], ph[1] - ph[0]);
    if (!table) return undefined;
    const segments = parseSegments(h, table);
    const dr = dynamicRange(h, segments, fileSize);
    if (!dr) return undefined;
    const dyn = await readExactly(readAt, dr[0], dr[1] - dr[0]);
    if (!dyn) return undefined;
    const refs = parseDynamic(h, segments, dyn, fileSize);
    if (!refs) return undefined;
    const offsets = stringOffsets(refs, fileSize);
    if (!offsets) return undefined;
    const strings = new Map<number, string>();
    for (const at of new Set(offsets)) {
      const s = await stringAt(readAt, at, fileSize);
      if (s === undefined) return undefined;
      strings.set(at, s);
    }
    return buildDynamic(refs, (at) => strings.get(at));
  } catch {
    return undefined;
  }
}

/** The fatbin placement from a section table already read (the seek scanner reads it for its candidates). */
export async function placementAt(
  readAt: ReadAt,
  h: ElfHeader,
  sections: RawSection[],
  fileSize: number,
  names?: { offset: number; bytes: Buffer },
): Promise<FatbinPlacement | undefined> {
  try {
    const nr = namesRange(h, sections, fileSize);
    if (!nr) return undefined;
    const bytes = names && names.offset === nr[0] && names.bytes.length === nr[1] - nr[0] ? names.bytes : await readExactly(readAt, nr[0], nr[1] - nr[0]);
    if (!bytes) return undefined;
    const named = nameSections(sections, bytes);
    return named ? fatbinPlacement(named) : undefined;
  } catch {
    return undefined;
  }
}

/** The section table by offset (for files the seek scanner does not take apart itself). */
export async function placementAtFromHeader(readAt: ReadAt, head: Buffer, fileSize: number): Promise<FatbinPlacement | undefined> {
  try {
    const h = parseElfHeader(head);
    if (!h) return undefined;
    const sr = sectionTableRange(h, fileSize);
    if (!sr) return undefined;
    const table = await readExactly(readAt, sr[0], sr[1] - sr[0]);
    if (!table) return undefined;
    return await placementAt(readAt, h, parseSections(h, table), fileSize);
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Streaming
// ---------------------------------------------------------------------------------------------------------------

interface Capture {
  start: number;
  end: number;
  bytes: Buffer;
  have: number;
  /** the bytes before `start + have` passed before the capture was asked for */
  lost: boolean;
  done: (bytes: Buffer) => void;
}

/**
 * The same facts from a body streaming past, each byte seen once: the bytes it needs are copied as they pass (the
 * header, the program and section tables, PT_DYNAMIC, the section names), and strings that look like sonames or
 * paths are remembered while the first PT_LOAD passes. Memory is bounded by the caps above.
 */
export class ElfStream {
  private pos = 0;
  private off = false;
  private readonly captures: Capture[] = [];
  private header?: ElfHeader;
  private segments?: Segment[];
  private refs?: DynamicRefs;
  private dynamicDone = false;
  private sections?: RawSection[];
  private namesWindow?: { start: number; bytes: Buffer; have: number };
  private placement?: FatbinPlacement;
  /** the strings remembered: file offset of the first byte -> text */
  private readonly strings = new Map<number, string>();
  private stringBytes = 0;
  /** where string scanning stops (the end of the first PT_LOAD once known) */
  private stringsEnd = Infinity;
  /** bytes of the string being read across chunks, and its file offset */
  private partial: Buffer[] = [];
  private partialStart = 0;
  private partialLength = 0;
  private partialTooLong = false;

  constructor(private readonly size: number) {
    this.capture(0, Math.min(64, size), (b) => this.onHeader(b));
  }

  push(chunk: Buffer): void {
    if (this.off || chunk.length === 0) return;
    const start = this.pos;
    try {
      this.rememberStrings(chunk, start);
      this.fill(chunk, start);
    } catch {
      this.off = true;
    }
    this.pos += chunk.length;
  }

  result(): ElfFacts {
    if (this.off) return {};
    let dynamic: DynamicInfo | undefined;
    if (this.refs && this.dynamicDone) dynamic = buildDynamic(this.refs, (at) => this.lookup(at));
    return { ...(dynamic && { dynamic }), ...(this.placement && { placement: this.placement }) };
  }

  private capture(start: number, end: number, done: (bytes: Buffer) => void): void {
    if (end <= start) return;
    this.captures.push({ start, end, bytes: Buffer.alloc(end - start), have: 0, lost: false, done });
  }

  /** Copies what the chunk holds of each capture; completed ones may ask for more, which this chunk may hold too. */
  private fill(chunk: Buffer, chunkStart: number): void {
    const chunkEnd = chunkStart + chunk.length;
    this.fillWindow(chunk, chunkStart);
    for (let progress = true; progress;) {
      progress = false;
      for (let i = 0; i < this.captures.length; i++) {
        const c = this.captures[i];
        const next = c.start + c.have;
        if (next < chunkStart) c.lost = true;
        if (c.lost) {
          this.captures.splice(i--, 1);
          continue;
        }
        if (next >= chunkEnd) continue;
        const to = Math.min(chunkEnd, c.end);
        chunk.copy(c.bytes, c.have, next - chunkStart, to - chunkStart);
        c.have += to - next;
        if (c.have === c.bytes.length) {
          this.captures.splice(i--, 1);
          c.done(c.bytes);
          progress = true;
        }
      }
    }
    this.fillWindow(chunk, chunkStart);
  }

  /** the bytes before the section table, kept until the table says where the names are (idempotent per chunk) */
  private fillWindow(chunk: Buffer, chunkStart: number): void {
    const chunkEnd = chunkStart + chunk.length;
    const w = this.namesWindow;
    if (w) {
      if (w.have === 0 && w.start < chunkStart) {
        // asked for after its first bytes passed (tiny chunks): what is left of it
        w.bytes = w.bytes.subarray(Math.min(w.bytes.length, chunkStart - w.start));
        w.start = chunkStart;
      }
      const from = w.start + w.have;
      const to = Math.min(chunkEnd, w.start + w.bytes.length);
      if (from >= chunkStart && to > from) {
        chunk.copy(w.bytes, w.have, from - chunkStart, to - chunkStart);
        w.have += to - from;
      }
    }
  }

  private onHeader(b: Buffer): void {
    const h = parseElfHeader(b);
    if (!h) {
      this.off = true;
      return;
    }
    this.header = h;
    const ph = phdrRange(h, this.size);
    if (ph) this.capture(ph[0], ph[1], (t) => this.onPhdrs(t));
    else this.stringsEnd = 0;
    const sr = sectionTableRange(h, this.size);
    if (sr) {
      const start = Math.max(0, h.shoff - NAMES_WINDOW_BYTES);
      this.namesWindow = { start, bytes: Buffer.alloc(h.shoff - start), have: 0 };
      this.capture(sr[0], sr[1], (t) => this.onSections(t));
    }
  }

  private onPhdrs(table: Buffer): void {
    const h = this.header!;
    const segments = parseSegments(h, table);
    this.segments = segments;
    const load = firstLoadRange(segments, this.size);
    this.stringsEnd = load ? load[1] : 0;
    const dr = dynamicRange(h, segments, this.size);
    if (dr) this.capture(dr[0], dr[1], (d) => this.onDynamic(d));
  }

  private onDynamic(bytes: Buffer): void {
    this.refs = parseDynamic(this.header!, this.segments!, bytes, this.size);
    this.dynamicDone = this.refs !== undefined && stringOffsets(this.refs, this.size) !== undefined;
  }

  private onSections(table: Buffer): void {
    const h = this.header!;
    const sections = parseSections(h, table);
    this.sections = sections;
    const nr = namesRange(h, sections, this.size);
    if (!nr) return;
    const w = this.namesWindow;
    if (w && nr[0] >= w.start && nr[1] <= w.start + w.have) {
      this.onNames(w.bytes.subarray(nr[0] - w.start, nr[1] - w.start));
    } else {
      this.capture(nr[0], nr[1], (n) => this.onNames(n));
    }
    this.namesWindow = undefined;
  }

  private onNames(names: Buffer): void {
    const named = nameSections(this.sections!, names);
    if (named) this.placement = fatbinPlacement(named);
  }

  /** The string at a file offset: a remembered one, or the tail of one (linkers merge a string into a longer one's end). */
  private lookup(at: number): string | undefined {
    const exact = this.strings.get(at);
    if (exact !== undefined) return Buffer.from(exact, 'latin1').toString('utf8');
    for (const [start, s] of this.strings) {
      if (start < at && at < start + s.length) return Buffer.from(s, 'latin1').toString('utf8', at - start);
    }
    return undefined;
  }

  /** Remembers the strings of the first PT_LOAD that hold ".so", "/" or "$" (markers found first: fast on code). */
  private rememberStrings(chunk: Buffer, chunkStart: number): void {
    if (chunkStart >= this.stringsEnd) return;
    const end = Math.min(chunk.length, this.stringsEnd - chunkStart);
    let so = -1;
    let slash = -1;
    let dollar = -1;
    let at = 0;
    while (at < end) {
      let nul = chunk.indexOf(0, at);
      if (nul < 0 || nul >= end) nul = -1;
      const stop = nul < 0 ? end : nul;
      if (this.partialLength > 0 || this.partialTooLong || nul < 0) {
        // a string cut by a chunk boundary: assembled from its pieces
        this.addPartial(chunk.subarray(at, stop), chunkStart + at);
        if (nul < 0) return;
        this.endString();
      } else if (stop - at <= MAX_STRING_BYTES && stop > at) {
        if (so < at) so = indexOrEnd(chunk, '.so', at);
        if (slash < at) slash = indexOrEnd(chunk, 0x2f, at);
        if (dollar < at) dollar = indexOrEnd(chunk, 0x24, at);
        // '.so' may straddle the NUL only if it ends past it: then it is not inside this string
        if (so + 3 <= stop || slash < stop || dollar < stop) this.keep(chunkStart + at, chunk.toString('latin1', at, stop));
      }
      at = nul + 1;
      if (this.strings.size >= MAX_REMEMBERED_STRINGS) {
        this.stringsEnd = 0;
        return;
      }
    }
  }

  private addPartial(bytes: Buffer, fileOffset: number): void {
    if (this.partialLength === 0 && !this.partialTooLong) this.partialStart = fileOffset;
    if (this.partialTooLong) return;
    if (this.partialLength + bytes.length > MAX_STRING_BYTES) {
      this.partialTooLong = true;
      this.partial = [];
      return;
    }
    if (bytes.length) this.partial.push(Buffer.from(bytes));
    this.partialLength += bytes.length;
  }

  private endString(): void {
    const start = this.partialStart;
    const tooLong = this.partialTooLong;
    const bytes = Buffer.concat(this.partial, this.partialLength);
    this.partial = [];
    this.partialLength = 0;
    this.partialTooLong = false;
    if (tooLong || bytes.length === 0) return;
    if (bytes.indexOf('.so') < 0 && bytes.indexOf(0x2f) < 0 && bytes.indexOf(0x24) < 0) return;
    this.keep(start, bytes.toString('latin1'));
  }

  private keep(fileOffset: number, latin1: string): void {
    if (this.strings.size >= MAX_REMEMBERED_STRINGS || this.stringBytes + latin1.length > MAX_REMEMBERED_BYTES) {
      this.stringsEnd = 0;
      return;
    }
    this.strings.set(fileOffset, latin1);
    this.stringBytes += latin1.length;
  }
}

function indexOrEnd(chunk: Buffer, what: string | number, from: number): number {
  const i = chunk.indexOf(what, from);
  return i < 0 ? Infinity : i;
}
