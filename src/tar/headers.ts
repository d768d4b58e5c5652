/**
 * Tar headers one block at a time, decoded the way Go's archive/tar (what Docker, containerd and containers/storage
 * extract layers with) decodes them; both layer readers (by offset, and streaming through tar/extract.ts) use it, so
 * they see the same entries. Go's rules (src/archive/tar/reader.go, Reader.Next):
 * - a GNU long name (`L`) / long link (`K`) wins over a pax `path` / `linkpath` on the same entry;
 * - a pax global record (`g`) is an entry of its own (Docker ignores it): it names nothing, and it drops the long
 *   names and pax record gathered before it;
 * - an empty pax value keeps the header's field;
 * - STAR headers (magic "ustar\0", "tar\0" at 508) have a 131-byte prefix (atime/ctime follow it);
 * - typeflag NUL with a trailing "/" is a directory (old V7 tars); typeflag '0' with one stays a regular file;
 * - links, devices, directories and fifos have no body, whatever their size field says;
 * - a pax GNU sparse file (formats 0.0, 0.1, 1.0) is named by `GNU.sparse.name` and sized by `GNU.sparse.size` /
 *   `realsize`; its body (the stored fragments, and the map itself in 1.0) is skipped by its stored size.
 * Where Go fails the read (ErrHeader: Docker then fails to apply the layer), this throws TarFormatError, so the layer
 * is a corrupt one, never one read loosely:
 * - numeric fields: strconv.go parseNumeric / parseOctal, for every field readHeader parses;
 * - the checksum (getFormat): octal only, the unsigned or the signed sum;
 * - pax records: parsePAX / parsePAXRecord / validPAXRecord, the numeric values mergePAX parses, and the GNU sparse
 *   records readGNUSparsePAXHeaders / readGNUSparseMap0x1 / validateSparseEntries check;
 * - the end (readHeader): two zero blocks end the archive (nothing after them is the layer's), one zero block then
 *   the end of the data is a complete archive too, one zero block then anything else is damage.
 */

export const TAR_BLOCK = 512;
/** Go's maxSpecialFileSize: a larger pax or GNU long-name record fails the read (readSpecialFile: ErrFieldTooLong) */
export const MAX_META_BYTES = 1024 * 1024;

/** tar-stream's type names, which the entry rules switch on */
export type TarEntryType = 'file' | 'link' | 'symlink' | 'character-device' | 'block-device' | 'directory' | 'fifo' | 'contiguous-file';

export interface TarEntryHeader {
  name: string;
  /** null when the header's linkname field is empty */
  linkname: string | null;
  /** body bytes (a pax size overrides the header's; a sparse file's real size); never negative */
  size: number;
  /** null for typeflags tar-stream does not name (GNU sparse, volume labels, …) */
  type: TarEntryType | null;
  devmajor: number;
  devminor: number;
  /** the raw typeflag byte (0 for an old tar's NUL) */
  typeflag?: number;
  /** a GNU sparse file: its body is the sparse encoding, not the file's bytes (size is the real size) */
  sparse?: boolean;
}

/** A block the tar cannot be read past (Go: ErrHeader): the seek path hands the layer to the streaming reader, which fails it. */
export class TarFormatError extends Error {}

/** A numeric field Go's parser rejects; `step` names the entry. */
class FieldError extends TarFormatError {}

export type TarStep =
  /** the first all-zero block: the archive ends here if the data does, or after a second one */
  | { kind: 'skip' }
  /** the second consecutive all-zero block: the archive ends after it */
  | { kind: 'end' }
  /** a pax or GNU long-name record: its `size` body bytes go to `meta()` (an empty one too), then `padding` bytes are skipped */
  | { kind: 'meta'; size: number; padding: number }
  /** an entry; `skip` body bytes (with padding) follow the header before the next one */
  | { kind: 'entry'; header: TarEntryHeader; skip: number; stored: number };

type MetaType = 'gnu-long-path' | 'gnu-long-link-path' | 'pax-header' | 'pax-global-header';
type Format = 'v7' | 'ustar' | 'star' | 'gnu';
type PaxRecords = Map<string, string>;

/** Feeds header blocks in archive order; keeps the long-name and pax state between them. */
export class TarHeaderSequence {
  private zeros = 0;
  private pendingMeta?: MetaType;
  private longPath?: string;
  private longLink?: string;
  private pax?: PaxRecords;

  /**
   * The last block was a lone zero block: if the data ends here, the archive is complete (Go's readHeader returns
   * io.EOF for "exactly 1 block of zeros read and EOF"), not cut short.
   */
  get endsHere(): boolean {
    return this.zeros === 1;
  }

  /** Decodes the block at a header position. Throws TarFormatError where Go's reader fails. */
  step(block: Buffer): TarStep {
    if (isAllZero(block)) {
      this.zeros++;
      return this.zeros === 2 ? { kind: 'end' } : { kind: 'skip' };
    }
    // readHeader: "Zero block and then non-zero block" is ErrHeader
    if (this.zeros > 0) throw new TarFormatError('a zero block followed by a header (an end-of-archive marker cut in half)');
    const format = formatOf(block);
    const typeflag = block[156] === 0 ? 0 : block[156] - 48;
    let raw;
    try {
      raw = readHeader(block, format);
    } catch (err) {
      if (!(err instanceof FieldError)) throw err;
      throw new TarFormatError(`entry "${decodeString(block, 0, 100)}" has an unreadable ${err.message}`);
    }
    // handleRegularFile runs on the raw header first: a negative size fails unless the typeflag carries no body
    if (raw.size < 0 && !HEADER_ONLY_FLAGS.has(block[156])) throw new TarFormatError(`a header with a negative size (${raw.size})`);
    const meta = META_TYPES[typeflag];
    if (meta !== undefined) {
      if (raw.size > MAX_META_BYTES) throw new TarFormatError(`a ${raw.size}-byte tar metadata record (Go reads at most ${MAX_META_BYTES})`);
      this.pendingMeta = meta;
      return { kind: 'meta', size: raw.size, padding: padding(raw.size) };
    }

    const header: TarEntryHeader = {
      name: raw.name,
      linkname: block[157] === 0 ? null : decodeString(block, 157, 100),
      size: raw.size,
      type: ENTRY_TYPES[typeflag] ?? null,
      devmajor: raw.devmajor,
      devminor: raw.devminor,
      typeflag: block[156],
    };
    const pax = this.pax;
    // Go: pax records first (mergePAX), then the GNU long names over them
    if (pax) {
      mergePax(pax);
      if (pax.get('path')) header.name = pax.get('path')!;
      if (pax.get('linkpath')) header.linkname = pax.get('linkpath')!;
      if (pax.get('size')) header.size = goParseInt(pax.get('size')!)!;
    }
    if (this.longPath) header.name = this.longPath;
    if (this.longLink) header.linkname = this.longLink;
    this.longPath = this.longLink = this.pax = undefined;
    // an old tar's directory: typeflag NUL and a trailing slash (Go's TypeRegA rule; '0' with a slash stays a file)
    if (typeflag === 0 && block[156] === 0 && header.name.endsWith('/')) header.type = 'directory';
    // Go's header-only types carry no body, whatever the size says; the stored size frames the body
    const headerOnly = HEADER_ONLY.has(header.type);
    if (!headerOnly && header.size < 0) throw new TarFormatError(`entry "${header.name}" has a negative size (${header.size})`);
    const stored = headerOnly ? 0 : header.size;
    // a header-only entry keeps a negative size in Go, which nothing reads: 0 here, so no reader takes it for damage
    if (header.size < 0) header.size = 0;
    if (block[156] === 0x53) oldGnuSparse(header, block, format, stored);
    else if (pax) sparsePax(header, pax, headerOnly, stored);
    const body = stored === 0 ? 0 : stored + padding(stored);
    return { kind: 'entry', header, skip: body, stored };
  }

  /** The body of the record the last `meta` step announced. Throws TarFormatError for a malformed pax record. */
  meta(body: Buffer): void {
    switch (this.pendingMeta) {
      case 'gnu-long-path':
        // an empty one clears an earlier one too (Go: gnuLongName = "")
        this.longPath = decodeString(body, 0, body.length);
        break;
      case 'gnu-long-link-path':
        this.longLink = decodeString(body, 0, body.length);
        break;
      case 'pax-global-header':
        // Go returns a global record as an entry of its own (Docker skips it): nothing carries over to the next one
        parsePax(body);
        this.longPath = this.longLink = this.pax = undefined;
        break;
      case 'pax-header':
        // a second one replaces the first (Go: paxHdrs, err = parsePAX(tr))
        this.pax = parsePax(body);
        break;
    }
    this.pendingMeta = undefined;
  }
}

/** Go's isHeaderOnlyType: no body follows these headers */
const HEADER_ONLY = new Set<TarEntryType | null>(['link', 'symlink', 'character-device', 'block-device', 'directory', 'fifo']);
/** the same, by typeflag byte ('1'..'6'), for the raw header (before an old tar's NUL directory is told) */
const HEADER_ONLY_FLAGS = new Set([0x31, 0x32, 0x33, 0x34, 0x35, 0x36]);

/** Go's getFormat: the checksum, then the magic (STAR by its trailer, GNU by its version). */
function formatOf(block: Buffer): Format {
  // the checksum field is octal only (parseOctal, not parseNumeric); Go accepts the unsigned or the signed sum (old Sun tars)
  let recorded: number;
  try {
    recorded = parseOctal(block, 148, 8, 'checksum');
  } catch {
    throw new TarFormatError('bad header checksum (not an octal number)');
  }
  if (recorded !== checksumOf(block) && recorded !== signedChecksumOf(block)) throw new TarFormatError('bad header checksum');
  const magic = block.toString('latin1', 257, 263);
  if (magic === 'ustar\0') return block.toString('latin1', 508, 512) === 'tar\0' ? 'star' : 'ustar';
  if (magic === 'ustar ' && block.toString('latin1', 263, 265) === ' \0') return 'gnu';
  return 'v7';
}

/** Go's readHeader: every numeric field it parses must parse (the parser's error fails the header), whether used or not. */
function readHeader(block: Buffer, format: Format): { name: string; size: number; devmajor: number; devminor: number } {
  const size = parseNumeric(block, 124, 12, 'size');
  parseNumeric(block, 100, 8, 'mode');
  parseNumeric(block, 108, 8, 'uid');
  parseNumeric(block, 116, 8, 'gid');
  parseNumeric(block, 136, 12, 'mtime');
  let name = decodeString(block, 0, 100);
  if (format === 'v7') return { name, size, devmajor: 0, devminor: 0 };
  const devmajor = parseNumeric(block, 329, 8, 'devmajor');
  const devminor = parseNumeric(block, 337, 8, 'devminor');
  let prefix = '';
  if (format === 'ustar') prefix = decodeString(block, 345, 155);
  if (format === 'star') {
    prefix = decodeString(block, 345, 131);
    parseNumeric(block, 476, 12, 'atime');
    parseNumeric(block, 488, 12, 'ctime');
  }
  if (format === 'gnu' && !(gnuTimeParses(block, 345) && gnuTimeParses(block, 357))) {
    // Go (issue 12594): atime/ctime that do not parse are a pre-Go1.8 writer's prefix field, used when it is ASCII
    let end = 345;
    while (end < 500 && block[end] !== 0) end++;
    if (block.subarray(345, end).every((b) => b < 0x80)) prefix = block.toString('latin1', 345, end);
  }
  if (prefix !== '') name = `${prefix}/${name}`;
  return { name, size, devmajor, devminor };
}

/** A GNU atime/ctime field: parsed only when its first byte is not NUL; a failure is no error (Go's second parser). */
function gnuTimeParses(block: Buffer, start: number): boolean {
  if (block[start] === 0) return true;
  try {
    parseNumeric(block, start, 12, 'time');
    return true;
  } catch {
    return false;
  }
}

/**
 * Go's readOldGNUSparseMap (typeflag 'S'): only in a GNU header; the real size and the map's numbers must parse and
 * the map must fit the real size. Docker and containerd refuse an 'S' entry anyway ("unhandled tar header type"), so
 * the extension blocks a long map continues in are not followed: such a layer fails here as it fails there.
 */
function oldGnuSparse(header: TarEntryHeader, block: Buffer, format: Format, stored: number): void {
  if (format !== 'gnu') throw new TarFormatError(`old GNU sparse entry "${header.name}" in a non-GNU header`);
  let size: number;
  const entries: SparseEntry[] = [];
  try {
    size = parseNumeric(block, 483, 12, 'sparse real size');
    for (let i = 0; i < 4; i++) {
      const at = 386 + i * 24;
      if (block[at] === 0) break;
      entries.push({ offset: parseNumeric(block, at, 12, 'sparse offset'), length: parseNumeric(block, at + 12, 12, 'sparse length') });
    }
  } catch (err) {
    if (!(err instanceof FieldError)) throw err;
    throw new TarFormatError(`old GNU sparse entry "${header.name}" has an unreadable ${err.message}`);
  }
  if (block[482] > 0) throw new TarFormatError(`old GNU sparse entry "${header.name}" continues its map in extension headers`);
  checkSparse(header.name, entries, size, stored);
  header.size = size;
  header.sparse = true;
}

interface SparseEntry {
  offset: number;
  length: number;
}

/**
 * Go's readGNUSparsePAXHeaders: versions 0.0 and 0.1 (a `GNU.sparse.map`, or major 0 minor 0/1) and 1.0 (the map
 * at the start of the body). The real name and size replace the header's; an unknown version is a plain file.
 */
function sparsePax(header: TarEntryHeader, pax: PaxRecords, headerOnly: boolean, stored: number): void {
  const major = pax.get('GNU.sparse.major') ?? '';
  const minor = pax.get('GNU.sparse.minor') ?? '';
  let is1x0: boolean;
  if (major === '0' && (minor === '0' || minor === '1')) is1x0 = false;
  else if (major === '1' && minor === '0') is1x0 = true;
  else if (major !== '' || minor !== '') return;
  else if (pax.get('GNU.sparse.map')) is1x0 = false;
  else return;
  if (pax.get('GNU.sparse.name')) header.name = pax.get('GNU.sparse.name')!;
  const size = pax.get('GNU.sparse.size') || pax.get('GNU.sparse.realsize');
  if (size) header.size = paxInt(size, 'GNU.sparse.size');
  // handleSparseFile: a sparse map on an entry without a body is ErrHeader
  if (headerOnly) throw new TarFormatError(`entry "${header.name}" without a body has a GNU sparse map`);
  if (is1x0) {
    // readGNUSparseMap1x0 reads the map from the body's first block(s): a body shorter than one is ErrUnexpectedEOF.
    // The map itself is not read here (its numbers are left unchecked).
    if (stored < TAR_BLOCK) throw new TarFormatError(`sparse entry "${header.name}" is too short for its GNU sparse 1.0 map`);
    if (header.size < 0) throw new TarFormatError(`sparse entry "${header.name}" has a negative size`);
  } else {
    checkSparse(header.name, sparseMap0x1(header.name, pax), header.size, stored);
  }
  header.sparse = true;
}

/** Go's readGNUSparseMap0x1: `GNU.sparse.numblocks` pairs of decimal offset,length in `GNU.sparse.map`. */
function sparseMap0x1(name: string, pax: PaxRecords): SparseEntry[] {
  const count = goParseInt(pax.get('GNU.sparse.numblocks') ?? '');
  if (count === undefined || count < 0) throw new TarFormatError(`sparse entry "${name}" has no valid GNU.sparse.numblocks`);
  const map = pax.get('GNU.sparse.map') ?? '';
  const fields = map === '' ? [] : map.split(',');
  if (fields.length !== 2 * count) throw new TarFormatError(`sparse entry "${name}": GNU.sparse.map has ${fields.length} numbers for ${count} blocks`);
  const entries: SparseEntry[] = [];
  for (let i = 0; i < fields.length; i += 2) {
    entries.push({ offset: paxInt(fields[i], 'GNU.sparse.map'), length: paxInt(fields[i + 1], 'GNU.sparse.map') });
  }
  return entries;
}

/**
 * Go's validateSparseEntries (fragments in order, not overlapping, within the real size), and what its sparse reader
 * fails on when the body is read (errMissData / errUnrefData): the stored body is exactly the fragments' bytes.
 */
function checkSparse(name: string, entries: SparseEntry[], size: number, stored: number): void {
  if (size < 0) throw new TarFormatError(`sparse entry "${name}" has a negative size`);
  let end = 0;
  let data = 0;
  for (const { offset, length } of entries) {
    if (offset < 0 || length < 0 || offset + length > size || end > offset) {
      throw new TarFormatError(`sparse entry "${name}" has a fragment (${offset}, ${length}) out of order or outside its ${size} bytes`);
    }
    end = offset + length;
    data += length;
  }
  if (data !== stored) throw new TarFormatError(`sparse entry "${name}" stores ${stored} bytes for ${data} bytes of fragments`);
}

const ENTRY_TYPES: Record<number, TarEntryType> = {
  0: 'file',
  1: 'link',
  2: 'symlink',
  3: 'character-device',
  4: 'block-device',
  5: 'directory',
  6: 'fifo',
  7: 'contiguous-file',
};

/** typeflag - '0': 'x' pax, 'g' global pax, 'K' long link, 'L' long name (Go's Next knows no others; old GNU 'N' is an entry) */
const META_TYPES: Record<number, MetaType> = { 72: 'pax-header', 55: 'pax-global-header', 27: 'gnu-long-link-path', 28: 'gnu-long-path' };

export function padding(size: number): number {
  const over = size % TAR_BLOCK;
  return over === 0 ? 0 : TAR_BLOCK - over;
}

export function isAllZero(block: Buffer): boolean {
  for (let i = 0; i < block.length; i++) if (block[i] !== 0) return false;
  return true;
}

function signedChecksumOf(block: Buffer): number {
  let sum = 8 * 32;
  for (let i = 0; i < 148; i++) sum += (block[i] << 24) >> 24;
  for (let i = 156; i < TAR_BLOCK; i++) sum += (block[i] << 24) >> 24;
  return sum;
}

function checksumOf(block: Buffer): number {
  let sum = 8 * 32;
  for (let i = 0; i < 148; i++) sum += block[i];
  for (let i = 156; i < TAR_BLOCK; i++) sum += block[i];
  return sum;
}

/** UTF-8 up to the first NUL within the field. */
function decodeString(buf: Buffer, start: number, length: number): string {
  let end = start;
  while (end < start + length && buf[end] !== 0) end++;
  return buf.toString('utf8', start, end);
}

/**
 * Go's parser.parseNumeric: base-256 (two's complement, big-endian) when the first byte's high bit is set, the sign
 * in its next bit; anything past 63 bits is ErrHeader. Otherwise parseOctal.
 */
function parseNumeric(buf: Buffer, start: number, length: number, field: string): number {
  if (!(buf[start] & 0x80)) return parseOctal(buf, start, length, field);
  const inv = buf[start] & 0x40 ? 0xff : 0;
  let x = 0n;
  for (let i = 0; i < length; i++) {
    let c = buf[start + i] ^ inv;
    if (i === 0) c &= 0x7f;
    if (x >> 56n > 0n) throw new FieldError(`${field} field (base-256, over 63 bits)`);
    x = (x << 8n) | BigInt(c);
  }
  if (x >> 63n > 0n) throw new FieldError(`${field} field (base-256, over 63 bits)`);
  return Number(inv ? -x - 1n : x);
}

/**
 * Go's parser.parseOctal: spaces and NULs trimmed from both ends (bytes.Trim), empty is 0, the rest up to a NUL must
 * be octal digits only (strconv.ParseUint base 8): "1 2", a sign or a '9' is ErrHeader.
 */
function parseOctal(buf: Buffer, start: number, length: number, field: string): number {
  let from = start;
  let end = start + length;
  while (from < end && (buf[from] === 0x20 || buf[from] === 0)) from++;
  while (end > from && (buf[end - 1] === 0x20 || buf[end - 1] === 0)) end--;
  if (from === end) return 0;
  const nul = buf.indexOf(0, from);
  if (nul >= 0 && nul < end) end = nul;
  let value = 0;
  for (let i = from; i < end; i++) {
    const digit = buf[i] - 0x30;
    if (digit < 0 || digit > 7) throw new FieldError(`${field} field (not an octal number)`);
    value = value * 8 + digit;
  }
  return value;
}

/**
 * Go's strconv.ParseInt(s, 10, 64): an optional sign, then decimal digits only, within int64; undefined where Go
 * returns an error.
 */
function goParseInt(s: string): number | undefined {
  const m = /^([+-]?)([0-9]+)$/.exec(s);
  if (!m) return undefined;
  const magnitude = BigInt(m[2]);
  const limit = m[1] === '-' ? 1n << 63n : (1n << 63n) - 1n;
  if (magnitude > limit) return undefined;
  return Number(m[1] === '-' ? -magnitude : magnitude);
}

function paxInt(value: string, key: string): number {
  const n = goParseInt(value);
  if (n === undefined) throw new TarFormatError(`pax record ${key}=${JSON.stringify(value)} is not a decimal integer`);
  return n;
}

/** Go's parsePAXTime: decimal seconds (ParseInt), then optionally "." and digits only. */
function validPaxTime(value: string): boolean {
  const dot = value.indexOf('.');
  const seconds = dot < 0 ? value : value.slice(0, dot);
  return goParseInt(seconds) !== undefined && (dot < 0 || /^[0-9]*$/.test(value.slice(dot + 1)));
}

/** Go's mergePAX: the records it parses as numbers must parse (an empty value keeps the header's field). */
function mergePax(pax: PaxRecords): void {
  for (const [key, value] of pax) {
    if (value === '') continue;
    const ok = ['uid', 'gid', 'size'].includes(key) ? goParseInt(value) !== undefined : ['atime', 'mtime', 'ctime'].includes(key) ? validPaxTime(value) : true;
    if (!ok) throw new TarFormatError(`pax record ${key}=${JSON.stringify(value)} is not a valid number`);
  }
}

const NUL_VALUE_KEYS = new Set(['path', 'linkpath', 'uname', 'gname']);

/**
 * Go's parsePAX: records "<len> <key>=<value>\n" up to the end of the body, each one checked by parsePAXRecord
 * (length decimal, at least 5, within the body and past its own digits, ending in a newline; a '=' after a non-empty
 * key) and validPAXRecord (no NUL in the key, nor in a path / linkpath / uname / gname value); any failure fails the
 * whole record set. GNU sparse 0.0 offset/numbytes records must alternate, without commas, and become GNU.sparse.map.
 */
function parsePax(body: Buffer): PaxRecords {
  const records: PaxRecords = new Map();
  const sparseMap: string[] = [];
  let at = 0;
  while (at < body.length) {
    const fail = (why: string): never => {
      throw new TarFormatError(`malformed pax record at byte ${at} of its header: ${why}`);
    };
    const space = body.indexOf(0x20, at);
    if (space < 0) fail('no space after the length');
    const length = goParseInt(body.toString('latin1', at, space));
    if (length === undefined) fail('the length is not a decimal number');
    if (length! < 5 || length! > body.length - at) fail(`length ${length} is outside the record set`);
    const end = at + length!;
    if (end <= space + 1) fail(`length ${length} ends inside its own digits`);
    if (body[end - 1] !== 0x0a) fail('no newline at the end');
    const eq = body.indexOf(0x3d, space + 1);
    if (eq < 0 || eq >= end - 1) fail("no '=' after the key");
    const key = body.toString('utf8', space + 1, eq);
    const value = body.toString('utf8', eq + 1, end - 1);
    if (key === '') fail('an empty key');
    if (key.includes('\0')) fail('a NUL in the key');
    if (NUL_VALUE_KEYS.has(key) && value.includes('\0')) fail(`a NUL in the ${key} value`);
    if (key === 'GNU.sparse.offset' || key === 'GNU.sparse.numbytes') {
      const expected = sparseMap.length % 2 === 0 ? 'GNU.sparse.offset' : 'GNU.sparse.numbytes';
      if (key !== expected || value.includes(',')) fail(`${key} out of order or holding a comma`);
      sparseMap.push(value);
    } else {
      records.set(key, value);
    }
    at = end;
  }
  if (sparseMap.length > 0) records.set('GNU.sparse.map', sparseMap.join(','));
  return records;
}
