/**
 * Index of a tar FILE: name -> body offset and size, found by reading only the 512-byte headers and seeking past
 * the bodies. tar-stream cannot seek, and an image archive is mostly layer bodies we may not even need, so a small
 * header walker (ustar prefix, GNU long names, pax path/linkpath/size) is worth its lines.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { GateError } from '../common/errors';

export type TarMemberType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'other';

export interface TarMember {
  /** normalised: no leading "./" or "/", no trailing "/" */
  name: string;
  type: TarMemberType;
  /** file offset of the body */
  offset: number;
  size: number;
  linkTarget?: string;
}

const BLOCK = 512;
/** GNU long names and pax records are small; a huge one means garbage, not a name. */
const MAX_META_BYTES = 1024 * 1024;

/** Walks the headers of the tar file at `path`. Throws NOT_AN_IMAGE for a non-tar, CORRUPT_ARCHIVE for a damaged tar. */
export async function indexTarFile(path: string): Promise<Map<string, TarMember>> {
  const file = await open(path, 'r');
  try {
    const { size: fileSize } = await file.stat();
    return await walk(file, fileSize, path);
  } finally {
    await file.close();
  }
}

async function walk(file: FileHandle, fileSize: number, path: string): Promise<Map<string, TarMember>> {
  const members = new Map<string, TarMember>();
  const header = Buffer.alloc(BLOCK);
  let pos = 0;
  let longName: string | undefined;
  let longLink: string | undefined;
  let pax: Record<string, string> = {};
  let globalPax: Record<string, string> = {};

  if (fileSize === 0) throw notATar(path, 'it is empty');
  if (fileSize < BLOCK) {
    const { bytesRead } = await file.read(header, 0, fileSize, 0);
    throw notATar(path, describeNonTar(header.subarray(0, bytesRead)));
  }
  let ended = false;
  while (pos + BLOCK <= fileSize) {
    await readExactly(file, header, pos, path);
    if (isZeroBlock(header)) {
      ended = true; // end-of-archive marker
      break;
    }
    if (!checksumOk(header)) {
      if (pos === 0) throw notATar(path, describeNonTar(header));
      throw corrupt(path, `bad tar header at byte ${pos}`);
    }
    const typeflag = String.fromCharCode(header[156] || 0x30);
    const size = parseNumber(header, 124, 12);
    const bodyStart = pos + BLOCK;
    const bodyEnd = bodyStart + size;
    if (size < 0 || bodyEnd > fileSize) {
      throw corrupt(path, `it is truncated: an entry at byte ${pos} needs ${size} bytes, the file ends at ${fileSize}`);
    }
    pos = bodyStart + Math.ceil(size / BLOCK) * BLOCK;

    if (typeflag === 'L' || typeflag === 'K' || typeflag === 'x' || typeflag === 'g') {
      if (size > MAX_META_BYTES) throw corrupt(path, `a ${size}-byte tar metadata record at byte ${bodyStart}`);
      const body = Buffer.alloc(size);
      await readExactly(file, body, bodyStart, path);
      if (typeflag === 'L') longName = cString(body, 0, size);
      else if (typeflag === 'K') longLink = cString(body, 0, size);
      else if (typeflag === 'x') pax = parsePax(body);
      else globalPax = { ...globalPax, ...parsePax(body) };
      continue;
    }

    const attrs = { ...globalPax, ...pax };
    let name = attrs.path ?? longName ?? headerName(header);
    const linkTarget = attrs.linkpath ?? longLink ?? cString(header, 157, 100);
    const realSize = attrs.size !== undefined ? Number.parseInt(attrs.size, 10) : size;
    if (attrs.size !== undefined) {
      // pax size overrides the header's (which may be 0 for > 8 GiB bodies); recompute where the next header is
      if (!(realSize >= 0) || bodyStart + realSize > fileSize) {
        throw corrupt(path, `it is truncated: an entry at byte ${bodyStart - BLOCK} needs ${realSize} bytes`);
      }
      pos = bodyStart + Math.ceil(realSize / BLOCK) * BLOCK;
    }
    longName = longLink = undefined;
    pax = {};

    let type = memberType(typeflag);
    if (type === 'file' && name.endsWith('/')) type = 'dir'; // pre-POSIX tars mark directories with a slash
    name = normaliseMemberName(name);
    if (name === '') continue;
    members.set(name, {
      name,
      type,
      offset: bodyStart,
      size: type === 'file' ? realSize : 0,
      ...((type === 'symlink' || type === 'hardlink') && { linkTarget }),
    });
  }
  // Stopping at a header boundary without the end marker is tolerated (GNU tar does); half a block is not.
  if (!ended && pos !== fileSize) throw corrupt(path, `it ends unexpectedly at byte ${fileSize}`);
  if (members.size === 0) throw notATar(path, 'it holds no files');
  return members;
}

async function readExactly(file: FileHandle, buf: Buffer, position: number, path: string): Promise<void> {
  const { bytesRead } = await file.read(buf, 0, buf.length, position);
  if (bytesRead !== buf.length) throw corrupt(path, `it ends unexpectedly at byte ${position + bytesRead}`);
}

function memberType(typeflag: string): TarMemberType {
  switch (typeflag) {
    case '0':
    case '7':
      return 'file';
    case '1':
      return 'hardlink';
    case '2':
      return 'symlink';
    case '5':
      return 'dir';
    default:
      return 'other';
  }
}

function headerName(h: Buffer): string {
  const name = cString(h, 0, 100);
  // POSIX ustar ("ustar\0" + "00") splits long names into prefix + name; GNU ("ustar  \0") uses those bytes otherwise.
  const isPosixUstar = h.toString('latin1', 257, 263) === 'ustar\0';
  const prefix = isPosixUstar ? cString(h, 345, 155) : '';
  return prefix ? `${prefix}/${name}` : name;
}

/** Archive member names: "./x//y/" -> "x/y"; ".." pops (a manifest naming "../a.tar" from "id/" means "a.tar"). */
export function normaliseMemberName(name: string): string {
  const out: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return out.join('/');
}

/** Where a symlink member points: podman writes `<id>/layer.tar -> ../<diffid>.tar`. */
export function memberLinkTarget(member: TarMember): string | undefined {
  if (member.linkTarget === undefined) return undefined;
  if (member.type === 'hardlink' || member.linkTarget.startsWith('/')) return normaliseMemberName(member.linkTarget);
  const slash = member.name.lastIndexOf('/');
  return normaliseMemberName(slash < 0 ? member.linkTarget : `${member.name.slice(0, slash)}/${member.linkTarget}`);
}

function cString(buf: Buffer, start: number, length: number): string {
  const end = buf.indexOf(0, start);
  return buf.toString('utf8', start, end < 0 || end > start + length ? start + length : end);
}

/** Octal (NUL/space padded), or GNU base-256 when the high bit of the first byte is set. */
function parseNumber(buf: Buffer, start: number, length: number): number {
  if (buf[start] & 0x80) {
    let value = buf[start] & 0x7f;
    for (let i = start + 1; i < start + length; i++) value = value * 256 + buf[i];
    return value;
  }
  const text = buf.toString('latin1', start, start + length).replace(/[\0 ]+/g, ' ').trim();
  if (text === '') return 0;
  return /^[0-7]+$/.test(text) ? Number.parseInt(text, 8) : -1;
}

function checksumOk(h: Buffer): boolean {
  const stored = parseNumber(h, 148, 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : h[i];
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  return stored === unsigned || stored === signed;
}

function isZeroBlock(h: Buffer): boolean {
  for (let i = 0; i < BLOCK; i++) if (h[i] !== 0) return false;
  return true;
}

/** pax extended header records: "<len> <key>=<value>\n" */
function parsePax(body: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let at = 0;
  while (at < body.length) {
    const space = body.indexOf(0x20, at);
    if (space < 0) break;
    const len = Number.parseInt(body.toString('latin1', at, space), 10);
    if (!(len > 0) || at + len > body.length) break;
    const record = body.toString('utf8', space + 1, at + len - 1);
    const eq = record.indexOf('=');
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    at += len;
  }
  return out;
}

function describeNonTar(head: Buffer): string {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'it is gzip-compressed (decompress it first: gunzip)';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'it is zstd-compressed (decompress it first: zstd -d)';
  return 'it is not a tar archive';
}

function notATar(path: string, why: string): GateError {
  return new GateError(
    'NOT_AN_IMAGE',
    `${path} is not an image archive: ${why}`,
    'give a file written by `docker save`, `podman save` or `skopeo copy … docker-archive:/oci-archive:`',
  );
}

function corrupt(path: string, why: string): GateError {
  return new GateError('CORRUPT_ARCHIVE', `archive ${path} is damaged: ${why}`, 'write it again (e.g. `docker save -o`)');
}
