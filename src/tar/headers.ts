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
 * Where the archive ends also follows Go: two all-zero blocks end it, and nothing after them is part of the layer.
 */

export const TAR_BLOCK = 512;
/** tar-stream refuses larger pax / long-name records; so do we */
export const MAX_META_BYTES = 4 * 1024 * 1024;

/** tar-stream's type names, which the entry rules switch on */
export type TarEntryType = 'file' | 'link' | 'symlink' | 'character-device' | 'block-device' | 'directory' | 'fifo' | 'contiguous-file';

export interface TarEntryHeader {
  name: string;
  /** null when the header's linkname field is empty */
  linkname: string | null;
  /** body bytes (a pax size overrides the header's); NaN or negative when the field is unreadable */
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

/** A header block the tar cannot be read past: the seek path hands the layer to the streaming reader instead. */
export class TarFormatError extends Error {}

export type TarStep =
  /** a zero block (or one tar-stream takes for one): nothing to do */
  | { kind: 'skip' }
  /** the second consecutive all-zero block: the archive ends after it */
  | { kind: 'end' }
  /**
   * a pax or GNU long-name record: its `size` body bytes go to `meta()`, then `padding` bytes are skipped. An empty
   * one (size 0) changes nothing here, but tar-stream loses its place after one: layer readers do not follow it.
   */
  | { kind: 'meta'; size: number; padding: number }
  /** an entry; `skip` body bytes (with padding) follow the header before the next one */
  | { kind: 'entry'; header: TarEntryHeader; skip: number; stored: number };

type MetaType = 'gnu-long-path' | 'gnu-long-link-path' | 'pax-header' | 'pax-global-header';

/** Feeds header blocks in archive order; keeps the long-name and pax state between them. */
export class TarHeaderSequence {
  private zeros = 0;
  private pendingMeta?: MetaType;
  private longPath?: string;
  private longLink?: string;
  private pax?: Record<string, string>;

  /** Decodes the block at a header position. Throws TarFormatError where tar-stream would fail. */
  step(block: Buffer): TarStep {
    if (isAllZero(block)) {
      this.zeros++;
      return this.zeros === 2 ? { kind: 'end' } : { kind: 'skip' };
    }
    this.zeros = 0;
    const sum = checksumOf(block);
    // tar-stream skips a block whose bytes outside the checksum field are all zero
    if (sum === 8 * 32) return { kind: 'skip' };
    const recorded = decodeNumber(block, 148, 8);
    // Go accepts the sum of the bytes read as unsigned or as signed (old Sun tars)
    if (sum !== recorded && signedChecksumOf(block) !== recorded) throw new TarFormatError('bad header checksum');

    const typeflag = block[156] === 0 ? 0 : block[156] - 48;
    let name = decodeString(block, 0, 100);
    if (block.toString('latin1', 257, 263) === 'ustar\0' && block[345] !== 0) {
      // STAR keeps atime and ctime after a 131-byte prefix; Go tells it by its trailer
      const star = block.toString('latin1', 508, 512) === 'tar\0';
      name = `${decodeString(block, 345, star ? 131 : 155)}/${name}`;
    }
    const size = decodeNumber(block, 124, 12);
    const meta = META_TYPES[typeflag];
    if (meta !== undefined) {
      if (!(size >= 0) || size > MAX_META_BYTES) throw new TarFormatError(`a ${size}-byte tar metadata record`);
      this.pendingMeta = meta;
      return { kind: 'meta', size, padding: padding(size) };
    }

    const header: TarEntryHeader = {
      name,
      linkname: block[157] === 0 ? null : decodeString(block, 157, 100),
      size,
      type: ENTRY_TYPES[typeflag] ?? null,
      devmajor: decodeNumber(block, 329, 8),
      devminor: decodeNumber(block, 337, 8),
      typeflag: block[156],
    };
    const pax = this.pax;
    // Go: pax records first, then the GNU long names over them
    if (pax) {
      if (pax.path) header.name = pax.path;
      if (pax.linkpath) header.linkname = pax.linkpath;
      if (pax.size) header.size = decodePaxSize(pax.size);
    }
    if (this.longPath) header.name = this.longPath;
    if (this.longLink) header.linkname = this.longLink;
    this.longPath = this.longLink = this.pax = undefined;
    // an old tar's directory: typeflag NUL and a trailing slash (Go's TypeRegA rule; '0' with a slash stays a file)
    if (typeflag === 0 && block[156] === 0 && header.name.endsWith('/')) header.type = 'directory';
    // Go's header-only types carry no body, whatever the size says; the stored size frames the body
    const stored = HEADER_ONLY.has(header.type) ? 0 : header.size;
    if (pax && header.type === 'file') sparsePax(header, pax);
    const body = !(stored > 0) ? 0 : stored + padding(stored);
    return { kind: 'entry', header, skip: body, stored: body === 0 ? 0 : stored };
  }

  /** The body of the record the last `meta` step announced. Throws TarFormatError for a pax record of negative length. */
  meta(body: Buffer): void {
    if (body.length === 0) {
      // tar-stream never decodes an empty record
      this.pendingMeta = undefined;
      return;
    }
    switch (this.pendingMeta) {
      case 'gnu-long-path':
        this.longPath = decodeString(body, 0, body.length);
        break;
      case 'gnu-long-link-path':
        this.longLink = decodeString(body, 0, body.length);
        break;
      case 'pax-global-header':
        // Go returns a global record as an entry of its own (Docker skips it): nothing carries over to the next one
        decodePax(body);
        this.longPath = this.longLink = this.pax = undefined;
        break;
      case 'pax-header':
        this.pax = decodePax(body);
        break;
    }
    this.pendingMeta = undefined;
  }
}

/** Go's isHeaderOnlyType: no body follows these headers */
const HEADER_ONLY = new Set<TarEntryType | null>(['link', 'symlink', 'character-device', 'block-device', 'directory', 'fifo']);

/** A pax size: decimal digits only (Go's ParseInt); anything else is unreadable (NaN). */
function decodePaxSize(value: string): number {
  return /^[0-9]+$/.test(value) ? Number.parseInt(value, 10) : Number.NaN;
}

/**
 * Go's readGNUSparsePAXHeaders: versions 0.0 and 0.1 (a `GNU.sparse.map`, or major 0 minor 0/1) and 1.0 (the map
 * at the start of the body). The real name and size replace the header's; an unknown version is a plain file.
 */
function sparsePax(header: TarEntryHeader, pax: Record<string, string>): void {
  const major = pax['GNU.sparse.major'] ?? '';
  const minor = pax['GNU.sparse.minor'] ?? '';
  const known = (major === '0' && (minor === '0' || minor === '1')) || (major === '1' && minor === '0');
  if (!known && (major !== '' || minor !== '' || !(pax['GNU.sparse.map'] || pax['GNU.sparse.offset']))) return;
  header.sparse = true;
  if (pax['GNU.sparse.name']) header.name = pax['GNU.sparse.name'];
  const size = pax['GNU.sparse.size'] || pax['GNU.sparse.realsize'];
  if (size) header.size = decodePaxSize(size);
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

/** typeflag - '0': 'x' pax, 'g' global pax, 'K' long link, 'L' long name ('N', old GNU, too) */
const META_TYPES: Record<number, MetaType> = { 72: 'pax-header', 55: 'pax-global-header', 27: 'gnu-long-link-path', 28: 'gnu-long-path', 30: 'gnu-long-path' };

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
 * A numeric field: base-256 when the high bit of the first byte is set (0x80 positive, 0xff negative), else octal
 * text after leading spaces and NULs, up to the first space; whatever parseInt makes of it (NaN for junk).
 */
function decodeNumber(buf: Buffer, start: number, length: number): number {
  const field = buf.subarray(start, start + length);
  if (field[0] & 0x80) {
    if (field[0] !== 0x80 && field[0] !== 0xff) return Number.NaN;
    const positive = field[0] === 0x80;
    let value = 0;
    for (let i = 1; i < field.length; i++) value = value * 256 + (positive ? field[i] : 0xff - field[i]);
    return positive ? value : -value;
  }
  let from = 0;
  while (from < field.length && field[from] === 32) from++;
  let end = field.indexOf(32, from);
  if (end < 0) end = field.length;
  while (from < end && field[from] === 0) from++;
  if (end === from) return 0;
  return Number.parseInt(field.toString('utf8', from, end), 8);
}

/**
 * pax records "<len> <key>=<value>\n"; stops at the first malformed one, as tar-stream does. A negative length makes
 * tar-stream slice the record from the end of the body (a different name than any other reader sees): refused as
 * damage instead.
 */
function decodePax(body: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let rest = body;
  while (rest.length > 0) {
    let space = 0;
    while (space < rest.length && rest[space] !== 32) space++;
    const len = Number.parseInt(rest.toString('utf8', 0, space), 10);
    if (!len) return out;
    if (len < 0) throw new TarFormatError(`a pax record of length ${len}`);
    const record = rest.subarray(space + 1, len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq === -1) return out;
    out[record.slice(0, eq)] = record.slice(eq + 1);
    rest = rest.subarray(len);
  }
  return out;
}
