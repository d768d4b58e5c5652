/**
 * Index of a tar FILE: name -> body offset and size, found by reading only the 512-byte headers and seeking past
 * the bodies. tar-stream cannot seek, and an image archive is mostly layer bodies we may not even need; the headers
 * are decoded by the same TarHeaderSequence that reads layer tars by offset.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { GateError } from '../common/errors';
import { TAR_BLOCK, TarFormatError, TarHeaderSequence, type TarEntryType } from './headers';

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
  const block = Buffer.alloc(TAR_BLOCK);
  const headers = new TarHeaderSequence();
  let pos = 0;

  if (fileSize === 0) throw notATar(path, 'it is empty');
  if (fileSize < TAR_BLOCK) {
    const { bytesRead } = await file.read(block, 0, fileSize, 0);
    throw notATar(path, describeNonTar(block.subarray(0, bytesRead)));
  }
  let ended = false;
  while (pos + TAR_BLOCK <= fileSize) {
    await readExactly(file, block, pos, path);
    let step;
    try {
      step = headers.step(block);
    } catch (err) {
      if (!(err instanceof TarFormatError)) throw err;
      if (pos === 0) throw notATar(path, describeNonTar(block));
      throw corrupt(path, `bad tar header at byte ${pos}`);
    }
    const bodyStart = pos + TAR_BLOCK;
    pos = bodyStart;
    if (step.kind === 'end') {
      ended = true;
      break;
    }
    if (step.kind === 'skip') continue;
    if (step.kind === 'meta') {
      if (bodyStart + step.size > fileSize) throw truncated(path, bodyStart, step.size, fileSize);
      const body = Buffer.alloc(step.size);
      await readExactly(file, body, bodyStart, path);
      try {
        headers.meta(body);
      } catch (err) {
        if (!(err instanceof TarFormatError)) throw err;
        throw corrupt(path, `bad tar record at byte ${bodyStart}: ${err.message}`);
      }
      pos = bodyStart + step.size + step.padding;
      continue;
    }
    const { header, skip } = step;
    if (!(header.size >= 0) || bodyStart + header.size > fileSize) throw truncated(path, bodyStart, header.size, fileSize);
    pos = bodyStart + skip;
    // an old tar's directory (NUL typeflag, trailing "/") is already 'directory' (headers.ts, as Go reads it)
    const type = memberType(header.type);
    const name = normaliseMemberName(header.name);
    if (name === '') continue;
    members.set(name, {
      name,
      type,
      offset: bodyStart,
      size: type === 'file' ? header.size : 0,
      ...((type === 'symlink' || type === 'hardlink') && { linkTarget: header.linkname ?? '' }),
    });
  }
  // Stopping at a header boundary (or after one zero block) without the full end marker is tolerated, as GNU tar
  // does; half a block is not.
  if (!ended && pos !== fileSize) throw corrupt(path, `it ends unexpectedly at byte ${Math.min(pos, fileSize)}`);
  if (members.size === 0) throw notATar(path, 'it holds no files');
  return members;
}

async function readExactly(file: FileHandle, buf: Buffer, position: number, path: string): Promise<void> {
  const { bytesRead } = await file.read(buf, 0, buf.length, position);
  if (bytesRead !== buf.length) throw corrupt(path, `it ends unexpectedly at byte ${position + bytesRead}`);
}

function memberType(type: TarEntryType | null): TarMemberType {
  switch (type) {
    case 'file':
    case 'contiguous-file':
      return 'file';
    case 'link':
      return 'hardlink';
    case 'symlink':
      return 'symlink';
    case 'directory':
      return 'dir';
    default:
      return 'other';
  }
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

function truncated(path: string, bodyStart: number, size: number, fileSize: number): GateError {
  return corrupt(path, `it is truncated: an entry at byte ${bodyStart - TAR_BLOCK} needs ${size} bytes, the file ends at ${fileSize}`);
}

function corrupt(path: string, why: string): GateError {
  return new GateError('CORRUPT_ARCHIVE', `archive ${path} is damaged: ${why}`, 'write it again (e.g. `docker save -o`)');
}
