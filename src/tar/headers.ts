/**
 * Tar headers one block at a time, decoded the way tar-stream (the streaming reader) decodes them, so that the seek
 * path, which reads headers by offset, sees the very entries the streaming path sees: same names (ustar prefix, GNU
 * long names, pax path/linkpath/size, global pax merged into the next pax record only), same types, same sizes.
 * Where the archive ends follows Go's archive/tar, which is what Docker and containerd extract layers with: two
 * all-zero blocks end it, and nothing after them is part of the layer.
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
  | { kind: 'entry'; header: TarEntryHeader; skip: number };

type MetaType = 'gnu-long-path' | 'gnu-long-link-path' | 'pax-header' | 'pax-global-header';

/** Feeds header blocks in archive order; keeps the long-name and pax state between them. */
export class TarHeaderSequence {
  private zeros = 0;
  private pendingMeta?: MetaType;
  private longPath?: string;
  private longLink?: string;
  private pax?: Record<string, string>;
  private paxGlobal?: Record<string, string>;

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
    if (sum !== decodeNumber(block, 148, 8)) throw new TarFormatError('bad header checksum');

    // an old tar's directory (typeflag NUL, name ending in "/") stays a file here, body and all, as tar-stream reads
    // it; the entry rules drop such names (LayerCollector), the archive index makes them directories
    const typeflag = block[156] === 0 ? 0 : block[156] - 48;
    let name = decodeString(block, 0, 100);
    if (block.toString('latin1', 257, 263) === 'ustar\0' && block[345] !== 0) name = `${decodeString(block, 345, 155)}/${name}`;
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
    };
    if (this.longPath) header.name = this.longPath;
    if (this.longLink) header.linkname = this.longLink;
    if (this.pax) {
      if (this.pax.path) header.name = this.pax.path;
      if (this.pax.linkpath) header.linkname = this.pax.linkpath;
      if (this.pax.size) header.size = Number.parseInt(this.pax.size, 10);
    }
    this.longPath = this.longLink = this.pax = undefined;
    // tar-stream reads no body for a directory, whatever its size field claims
    const body = header.type === 'directory' || !(header.size > 0) ? 0 : header.size + padding(header.size);
    return { kind: 'entry', header, skip: body };
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
        this.paxGlobal = decodePax(body);
        break;
      case 'pax-header':
        this.pax = { ...this.paxGlobal, ...decodePax(body) };
        break;
    }
    this.pendingMeta = undefined;
  }
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
