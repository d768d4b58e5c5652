/**
 * Tar bytes written block by block, for tests that need what no packer writes: old-style (no magic) and GNU
 * headers, GNU long-name records, pax global records, size fields that are not numbers, device numbers in base-256,
 * bad checksums. Every field is set explicitly, so the same call always gives the same bytes.
 */

export const BLOCK = 512;
/** the end-of-archive marker: two zero blocks */
export const END = Buffer.alloc(2 * BLOCK);

export type Magic = 'ustar' | 'gnu' | 'v7';

export interface RawHeader {
  /** up to 100 bytes (more are cut) */
  name: string | Buffer;
  /** the typeflag character: '0' file, '1' hardlink, '2' symlink, '3' char device, '5' dir, 'x' pax, 'g' global pax, 'L'/'K' GNU long name/link; '\0' old file */
  type?: string;
  size?: number;
  /** the 12 raw bytes of the size field, instead of `size` in octal */
  sizeField?: Buffer;
  linkname?: string | Buffer;
  /** ustar only: the 155-byte name prefix */
  prefix?: string;
  /** default 'ustar' */
  magic?: Magic;
  devmajor?: number;
  devminor?: number;
  /** the 8 raw bytes of the devmajor / devminor fields */
  devmajorField?: Buffer;
  devminorField?: Buffer;
  /** write a checksum one off */
  badSum?: boolean;
}

export const octal = (n: number, width: number): string => `${n.toString(8).padStart(width - 1, '0')}\0`;

const bytes = (s: string | Buffer): Buffer => (Buffer.isBuffer(s) ? s : Buffer.from(s, 'utf8'));

export function rawHeader(h: RawHeader): Buffer {
  const b = Buffer.alloc(BLOCK);
  bytes(h.name).copy(b, 0, 0, 100);
  b.write(octal(0o644, 8), 100, 'latin1');
  b.write(octal(0, 8), 108, 'latin1');
  b.write(octal(0, 8), 116, 'latin1');
  (h.sizeField ?? Buffer.from(octal(h.size ?? 0, 12), 'latin1')).copy(b, 124, 0, 12);
  b.write(octal(0, 12), 136, 'latin1');
  b.write(h.type ?? '0', 156, 'latin1');
  if (h.linkname !== undefined) bytes(h.linkname).copy(b, 157, 0, 100);
  const magic = h.magic ?? 'ustar';
  if (magic === 'ustar') b.write('ustar\u000000', 257, 'latin1');
  if (magic === 'gnu') b.write('ustar  \u0000', 257, 'latin1');
  if (magic !== 'v7') {
    (h.devmajorField ?? Buffer.from(octal(h.devmajor ?? 0, 8), 'latin1')).copy(b, 329, 0, 8);
    (h.devminorField ?? Buffer.from(octal(h.devminor ?? 0, 8), 'latin1')).copy(b, 337, 0, 8);
  }
  if (magic === 'ustar' && h.prefix !== undefined) b.write(h.prefix, 345, 155, 'utf8');
  return withChecksum(b, h.badSum);
}

/** Writes the checksum field of a 512-byte header (one off when `bad`). */
export function withChecksum(block: Buffer, bad = false): Buffer {
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const x of block) sum += x;
  block.write(`${octal(bad ? sum + 1 : sum, 7)} `, 148, 'latin1');
  return block;
}

/** `body` padded to whole blocks. */
export function padded(body: Buffer): Buffer {
  const over = body.length % BLOCK;
  return over === 0 ? body : Buffer.concat([body, Buffer.alloc(BLOCK - over)]);
}

/** Header (size = the body's unless `h` says otherwise) and padded body. */
export function rawEntry(h: RawHeader, body: Buffer | string = Buffer.alloc(0)): Buffer {
  const b = bytes(body);
  return Buffer.concat([rawHeader({ size: b.length, ...h }), padded(b)]);
}

/** One pax record, "<len> <key>=<value>\n" with its own length counted. */
export function paxRecord(key: string, value: string): Buffer {
  const line = ` ${key}=${value}\n`;
  const n = Buffer.byteLength(line);
  let len = n + 1;
  while (String(len).length + n !== len) len++;
  return Buffer.from(`${len}${line}`);
}

/** A pax extended header ('x') or global header ('g') holding `records`. */
export function paxHeader(records: [string, string][] | Record<string, string>, type: 'x' | 'g' = 'x'): Buffer {
  const list = Array.isArray(records) ? records : Object.entries(records);
  const body = Buffer.concat(list.map(([k, v]) => paxRecord(k, v)));
  return rawEntry({ name: type === 'g' ? 'pax_global_header' : 'PaxHeaders.0/x', type, magic: 'ustar' }, body);
}

/** A GNU long name ('L') or long link name ('K') record, NUL-terminated as GNU tar writes it. */
export function gnuLong(name: string, type: 'L' | 'K' = 'L'): Buffer {
  return rawEntry({ name: '././@LongLink', type, magic: 'gnu' }, Buffer.concat([Buffer.from(name), Buffer.alloc(1)]));
}

/** A base-256 numeric field of `width` bytes whose first byte is `lead` (0x80 positive, 0xff negative, else junk). */
export function base256(value: number, width: number, lead = 0x80): Buffer {
  const b = Buffer.alloc(width);
  b[0] = lead;
  let v = value;
  for (let i = width - 1; i > 0; i--) {
    b[i] = v % 256;
    v = Math.floor(v / 256);
  }
  return b;
}
