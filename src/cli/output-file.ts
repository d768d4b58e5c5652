/**
 * Files the CLI writes (--output): checked before any image is read, so a typo in a path costs a second, not a
 * 5-GB scan; and a report that cannot be written after all is printed instead of lost.
 */
import { accessSync, closeSync, constants, openSync, statSync, unlinkSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import { GateError } from '../common/errors';

/** An fs error's message (an Error of another realm, as under jest, is not `instanceof Error`). */
function messageOf(err: unknown): string {
  return typeof err === 'object' && err !== null && 'message' in err ? String(err.message) : String(err);
}

function statOf(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Throws a GateError naming `flag`, the path and the fix when `path` cannot be written: its directory is missing or
 * not a directory, it is a directory, or creating or writing it fails. Never truncates an existing file, never leaves
 * a file behind, never blocks (a FIFO or a device is taken as it is).
 */
export function checkOutputPath(path: string, flag = '--output'): void {
  const dir = dirname(path);
  const dirStat = statOf(dir);
  if (!dirStat) throw new GateError('BAD_ARGUMENT', `${flag} ${path}: the directory ${dir} does not exist`, `create it first: mkdir -p ${dir}`);
  if (!dirStat.isDirectory()) throw new GateError('BAD_ARGUMENT', `${flag} ${path}: ${dir} is not a directory`, 'give a path in a directory');
  const stat = statOf(path);
  if (stat?.isDirectory())
    throw new GateError('BAD_ARGUMENT', `${flag} ${path} is a directory`, `give a file name, e.g. ${flag} ${path.replace(/\/+$/, '')}/cuda-gate-report.json`);
  try {
    if (!stat) {
      // made and removed: what a write at the end would meet (a read-only file system, /proc, permissions)
      closeSync(openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NONBLOCK));
      unlinkSync(path);
    } else if (stat.isFile()) {
      accessSync(path, constants.W_OK);
    }
  } catch (err) {
    throw new GateError('BAD_ARGUMENT', `${flag} ${path}: cannot create or write a file there: ${messageOf(err)}`, 'give a path you can write');
  }
}

/** Why writing `path` failed, as one sentence for stderr. */
export function writeFailure(path: string, flag: string, err: unknown): string {
  return `${flag} ${path}: could not write it (${messageOf(err)})`;
}
