/**
 * One cache entry on disk: a JSON document, gzipped when large (`NAME.json` or `NAME.json.gz`). Written to a temp
 * file and renamed into place, so a reader (another job, a crashed writer) sees a whole entry or none.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { messageOf } from '../common/errors';
import { makeDirs } from '../common/make-dirs';

/** Small entries stay readable with `cat`; big ones (a layer with thousands of symlinks) shrink ~10x gzipped. */
export const GZIP_ABOVE_BYTES = 32 * 1024;
/** Marks files a writer has not renamed into place yet; pruning removes stale ones. */
export const TEMP_MARK = '.tmp-';

export type EntryRead = { state: 'missing' } | { state: 'found'; doc: unknown; path: string } | { state: 'unreadable'; path: string; why: string };

/** `base` is the entry's path without extension. Throws when the entry cannot be written (the caller decides). */
export function writeEntryFile(base: string, doc: unknown): void {
  const json = Buffer.from(JSON.stringify(doc));
  const gzip = json.length > GZIP_ABOVE_BYTES;
  const path = gzip ? `${base}.json.gz` : `${base}.json`;
  makeDirs(dirname(path));
  const temp = `${path}${TEMP_MARK}${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    writeFileSync(temp, gzip ? gzipSync(json) : json);
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
  // the other form would be an older copy of the same entry
  rmSync(gzip ? `${base}.json` : `${base}.json.gz`, { force: true });
}

export function readEntryFile(base: string): EntryRead {
  for (const path of [`${base}.json.gz`, `${base}.json`]) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      return { state: 'unreadable', path, why: messageOf(err) };
    }
    try {
      const json = path.endsWith('.gz') ? gunzipSync(bytes) : bytes;
      return { state: 'found', doc: JSON.parse(json.toString('utf8')) as unknown, path };
    } catch (err) {
      return { state: 'unreadable', path, why: messageOf(err) };
    }
  }
  return { state: 'missing' };
}
