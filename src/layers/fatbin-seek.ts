/**
 * The fatbin scan of fatbin-scan.ts for a file body that can be read at any offset (an uncompressed layer lying in a
 * file): instead of streaming every byte, read the ELF header, the section header table and .shstrtab, then only the
 * sections that can hold fatbins, and in those only the container and entry headers — payloads are skipped unread.
 *
 * Same answer as streaming the whole body through FatbinScanner: the bytes fed are fed in body order, the skipped
 * ones through the scanner's skip()/gap(), which keep its bookkeeping exact. What it cannot see are signatures
 * outside the fed ranges, so the assumption is that fatbin containers live in the candidate sections (isCandidate:
 * loaded non-code data, which the CUDA runtime can point at) — true of every CUDA library checked (CUDA 13 toolkit,
 * cuBLAS, cuDNN, cuFFT, cuSPARSE(Lt), NCCL, PyTorch). Anything not a plain ELF64 LE section layout is streamed whole
 * (payloads still skipped), which is identical by construction. For launchable device code (scanBinaryAt) it is no
 * assumption: a container counts only inside a loaded candidate section (elf.ts fatbinPlacement), which both read.
 *
 * The work budget (MAX_FATBIN_WORK) counts what each reader meets. Streaming also meets signatures outside the
 * candidate sections, so a file with more than the budget of them there (a hostile file: real ones have none) hits
 * LIMIT_FATBIN_WORK streamed and not by offset — the streaming answer is then the stricter one.
 */
import type { GpuCode } from '../model/gpu-code';
import { dynamicAt, isFatbinCandidate, parseElfHeader, placementAt, placementAtFromHeader, type RawSection } from './elf';
import { binaryFacts, FatbinScanner, type BinaryFacts } from './fatbin-scan';

/** reads up to `length` bytes at `position` (0 = the file body's first byte) into buffer[0..]; resolves bytes read */
export type ReadAt = (buffer: Buffer, position: number, length: number) => Promise<number>;

/** the scanner decides ELF / archive / neither from these */
const MAGIC_BYTES = 8;
const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);
const ELF_HEADER_BYTES = 64;
const SECTION_HEADER_BYTES = 64;
const ELFCLASS64 = 2;
const ELFDATA2LSB = 1;
const SHT_NULL = 0;
const SHT_NOBITS = 8;
/** a real .shstrtab is a few hundred bytes; a huge one means a damaged table */
const MAX_SHSTRTAB_BYTES = 1 << 20;
const MAX_READ = 1 << 20;
/**
 * First read when scanning for a signature, doubled up to MAX_READ while nothing is found. Small because in
 * .nv_fatbin the next container starts right after the last one: a big read there would mostly be its payload.
 */
const FIRST_SCAN_READ = 1024;
/**
 * First read for a header (16 or 64 bytes) within a section, doubled up to MAX_READ while no payload is skipped: the
 * bytes after a header are its payload (skipped in the same read) or, on garbage, where the next signature is looked
 * for — a body of back-to-back signatures or payload-less containers would otherwise cost a read per header.
 */
const HEADER_READ = 256;
/** fed past a section's end, so a signature starting in its last bytes is completed as streaming would */
const SIGNATURE_TAIL = 7;

/**
 * GPU code in the file body of `size` bytes, reading only the ELF header, section table and fatbin-bearing sections
 * (payloads skipped). Same answer as streaming the whole body through FatbinScanner: every container found, wherever
 * it lies, up to the work budget (what was found by then; scanBinaryAt reports a spent budget).
 */
export async function scanFatbinsAt(readAt: ReadAt, size: number): Promise<GpuCode | undefined> {
  return (await scanAt(readAt, size, false)).scanner.result();
}

/**
 * What a binary carries, by offset: its launchable device code (what the CUDA runtime registers), its relocatable
 * device code (__nv_relfatbin) apart, and its ELF dynamic section. The same answer as BinaryScanner streaming the body.
 */
export async function scanBinaryAt(readAt: ReadAt, size: number): Promise<BinaryFacts> {
  const { scanner, elf } = await scanAt(readAt, size, true);
  if (!elf) return binaryFacts(scanner, undefined, undefined);
  // the section table read for the candidates says where containers are loaded from, at no extra read
  const placement = elf.table
    ? await placementAt(readAt, elf.table.header, elf.table.sections, size, elf.table.names)
    : await placementAtFromHeader(readAt, elf.head, size);
  const dynamic = await dynamicAt(readAt, elf.head, size);
  return binaryFacts(scanner, placement, dynamic);
}

interface SectionTable {
  header: NonNullable<ReturnType<typeof parseElfHeader>>;
  sections: RawSection[];
  names: { offset: number; bytes: Buffer };
}

interface ScanAt {
  scanner: FatbinScanner;
  /** for an ELF file: its first bytes (the ELF header) and, when the candidates came from it, its section table */
  elf?: { head: Buffer; table?: SectionTable };
}

async function scanAt(readAt: ReadAt, size: number, locate: boolean): Promise<ScanAt> {
  const scanner = new FatbinScanner(size, { locate });
  const feeder = new Feeder(readAt, size, scanner);
  const head = await feeder.read(0, Math.min(MAGIC_BYTES, size));
  // exactly what streaming shows first: the scanner decides ELF / archive / not a binary from these
  scanner.push(head);
  const isElf = head.length >= ELF_MAGIC.length && head.subarray(0, ELF_MAGIC.length).equals(ELF_MAGIC);
  if (scanner.done() || size <= MAGIC_BYTES) return { scanner };
  const found = isElf ? await candidateSections(feeder, size) : undefined;
  const elfHead = found?.header ?? (isElf ? await feeder.read(0, Math.min(ELF_HEADER_BYTES, size)).then((b) => Buffer.from(b)) : undefined);
  const elf = elfHead ? { head: elfHead, ...(found?.table && { table: found.table }) } : undefined;
  const sections = found?.ranges;
  if (!sections) {
    // static archive, ELF32, big-endian, no or damaged section table...: the whole body
    await feeder.feed(MAGIC_BYTES, size);
    return { scanner, ...(elf && { elf }) };
  }
  let pos = MAGIC_BYTES;
  for (const section of sections) {
    if (scanner.done()) break;
    // a container running past the previous section may already have carried us beyond this one's start
    if (section.start > pos) {
      scanner.gap(section.start - pos);
      pos = section.start;
    }
    pos = await feeder.feed(pos, Math.min(size, section.end + SIGNATURE_TAIL));
  }
  return { scanner, ...(elf && { elf }) };
}

interface Range {
  start: number;
  /** exclusive */
  end: number;
}

/** Whether a section can hold fatbins (elf.ts isFatbinCandidate): only these are read. */
export const isCandidate = isFatbinCandidate;

/**
 * The candidate sections' file ranges in file order (undefined when the file is not one this path trusts), with the
 * ELF header and the section table read for them.
 */
async function candidateSections(feeder: Feeder, size: number): Promise<{ header?: Buffer; ranges?: Range[]; table?: SectionTable } | undefined> {
  if (size < ELF_HEADER_BYTES) return undefined;
  const eh = Buffer.from(await feeder.read(0, ELF_HEADER_BYTES));
  const header = parseElfHeader(eh);
  if (eh[4] !== ELFCLASS64 || eh[5] !== ELFDATA2LSB || !header) return { header: eh };
  const shoff = u64(eh, 0x28);
  const shentsize = eh.readUInt16LE(0x3a);
  const shnum = eh.readUInt16LE(0x3c);
  const shstrndx = eh.readUInt16LE(0x3e);
  // shnum 0 with a table is extended numbering; shstrndx SHN_XINDEX (0xffff) is always >= shnum: both fall back
  if (shoff < ELF_HEADER_BYTES || shnum === 0 || shentsize !== SECTION_HEADER_BYTES || shstrndx >= shnum) return { header: eh };
  if (shoff + shnum * SECTION_HEADER_BYTES > size) return { header: eh };
  const table = await feeder.read(shoff, shnum * SECTION_HEADER_BYTES);
  const sections = Array.from({ length: shnum }, (_, i) => {
    const at = i * SECTION_HEADER_BYTES;
    return {
      name: table.readUInt32LE(at),
      type: table.readUInt32LE(at + 4),
      // the low word of the u64 sh_flags holds every flag read here
      flags: table.readUInt32LE(at + 8),
      offset: u64(table, at + 0x18),
      size: u64(table, at + 0x20),
    };
  });
  const strtab = sections[shstrndx];
  if (strtab.type === SHT_NOBITS || strtab.size > MAX_SHSTRTAB_BYTES || strtab.offset + strtab.size > size) return { header: eh };
  const names = Buffer.from(await feeder.read(strtab.offset, strtab.size));
  const sectionTable: SectionTable = { header, sections: sections.map((s) => ({ ...s })), names: { offset: strtab.offset, bytes: names } };
  const ranges: Range[] = [];
  for (const s of sections) {
    // NOBITS (.bss) occupies no file bytes
    if (s.type === SHT_NULL || s.type === SHT_NOBITS || s.size === 0) continue;
    const nul = s.name < names.length ? names.indexOf(0, s.name) : -1;
    if (nul < 0) return { header: eh, table: sectionTable };
    if (!isCandidate(names.toString('latin1', s.name, nul), s.type, s.flags)) continue;
    if (s.offset + s.size > size) return { header: eh, table: sectionTable };
    ranges.push({ start: s.offset, end: s.offset + s.size });
  }
  ranges.sort((a, b) => a.start - b.start);
  for (let i = 1; i < ranges.length; i++) if (ranges[i].start < ranges[i - 1].end) return { header: eh, table: sectionTable };
  return { header: eh, ranges, table: sectionTable };
}

/** Reads the body for a scanner: bounded by `size`, payloads skipped instead of read. */
class Feeder {
  private readonly chunk = Buffer.alloc(MAX_READ);

  constructor(
    private readonly readAt: ReadAt,
    private readonly size: number,
    private readonly scanner: FatbinScanner,
  ) {}

  /**
   * Feeds the body from `pos` to at least `end`, and on while the scanner is inside a container (a container's
   * entries may run past a section's end, as streaming would follow them). Returns where feeding stopped.
   */
  async feed(pos: number, end: number): Promise<number> {
    let scanRead = FIRST_SCAN_READ;
    let headerRead = HEADER_READ;
    while (pos < this.size && !this.scanner.done()) {
      const skip = Math.min(this.scanner.skippable(), this.size - pos);
      if (skip > 0) {
        this.scanner.skip(skip);
        pos += skip;
        scanRead = FIRST_SCAN_READ;
        headerRead = HEADER_READ;
        continue;
      }
      const header = this.scanner.headerLeft();
      if (header === 0 && pos >= end) break;
      let n: number;
      if (header > 0) {
        // more than the header only up to `end`: past it, only what a container followed there needs is read
        n = Math.max(header, Math.min(headerRead, end - pos));
        headerRead = Math.min(2 * headerRead, MAX_READ);
      } else {
        n = Math.min(scanRead, end - pos);
        scanRead = Math.min(2 * scanRead, MAX_READ);
      }
      n = Math.min(n, this.size - pos);
      this.scanner.push(await this.read(pos, n, this.chunk));
      pos += n;
    }
    return pos;
  }

  /** exactly `length` bytes at `position` (into `into` when given; the scanner keeps no reference to pushed chunks) */
  async read(position: number, length: number, into = Buffer.alloc(length)): Promise<Buffer> {
    let got = 0;
    while (got < length) {
      const n = await this.readAt(got === 0 ? into : into.subarray(got), position + got, length - got);
      if (n <= 0) throw new Error(`file body ends at ${position + got}, before its ${this.size} bytes`);
      got += n;
    }
    return into.subarray(0, length);
  }
}

/** A u64 as a number; values beyond 2^53 (never a real offset) become Infinity so every bound check rejects them. */
function u64(b: Buffer, at: number): number {
  const high = b.readUInt32LE(at + 4);
  return high >= 2 ** 21 ? Infinity : high * 2 ** 32 + b.readUInt32LE(at);
}
