/**
 * Reads a report artifact's zip (GitHub serves every artifact as one) that another workflow run uploaded — in the
 * workflow_run pattern, a run of a fork's pull request: every byte is untrusted. Nothing is written to disk; only the
 * .json entries are inflated, each into memory under a size limit checked against the central directory and again
 * while inflating (yauzl refuses an entry that inflates to more than it declares). Entries whose names climb out
 * (`..`), are absolute or hold backslashes or NUL are ignored and named; a zip with too many entries is refused.
 */
import { Buffer } from 'node:buffer';
import { getFileNameLowLevel, fromBufferPromise, validateFileName, type Entry, type ZipFile } from 'yauzl';
import { GateError, messageOf } from '../common/errors';

/** What a report artifact may weigh, compressed (checked on the listing's size_in_bytes and on the bytes read). */
export const MAX_ZIP_BYTES = 32 * 1024 * 1024;
/** A report artifact holds the report and the pull request it belongs to; a handful more is tolerated. */
export const MAX_ZIP_ENTRIES = 64;
/** One report, inflated: far above a 40-image x 8-target fleet's report, far below what would hurt the runner. */
export const MAX_JSON_BYTES = 32 * 1024 * 1024;
/** All the .json entries of one artifact together, inflated. */
export const MAX_TOTAL_JSON_BYTES = 64 * 1024 * 1024;

/** The file beside the report that names the pull request the gate ran for (written by report-artifact). */
export const PULL_REQUEST_FILE = 'cuda-gate-pull-request.json';

export interface ZipJsonFile {
  /** the entry's path inside the zip */
  path: string;
  text: string;
}

export interface ReportZip {
  /** the .json entries, the pull-request file excepted, in the zip's order */
  reports: ZipJsonFile[];
  /** the pull-request file's text, when the artifact has one */
  pullRequest?: string;
  /** entries left unread because of their names (path traversal, absolute, backslashes) */
  ignored: string[];
}

/** `name` says which artifact in every error (e.g. `artifact "cuda-gate-report" of run 123`). */
export async function readReportZip(zip: Buffer, name: string): Promise<ReportZip> {
  if (zip.length > MAX_ZIP_BYTES) throw tooBig(name, `is ${zip.length} bytes`, MAX_ZIP_BYTES);
  let zipfile: ZipFile;
  try {
    // decodeStrings off: yauzl would fail the whole zip on the first bad name; we skip that entry and say so
    zipfile = await fromBufferPromise(zip, { decodeStrings: false, validateEntrySizes: true });
  } catch (e) {
    throw new GateError(
      'BAD_REPORT',
      `${name} is not a readable zip: ${messageOf(e)}`,
      'upload the JSON report with report-artifact (or actions/upload-artifact)',
    );
  }
  try {
    if (zipfile.entryCount > MAX_ZIP_ENTRIES) {
      throw new GateError(
        'LIMIT_EXCEEDED',
        `${name} holds ${zipfile.entryCount} entries, more than the ${MAX_ZIP_ENTRIES} a report artifact may have: not read`,
        'upload the JSON report alone (report-artifact uploads it with the pull request it belongs to)',
      );
    }
    const out: ReportZip = { reports: [], ignored: [] };
    let total = 0;
    for await (const entry of zipfile.eachEntry()) {
      const path = entryName(entry);
      if (path === undefined) {
        out.ignored.push(printable(entry.fileNameRaw));
        continue;
      }
      if (path.endsWith('/') || !path.toLowerCase().endsWith('.json')) continue;
      const meta = basename(path) === PULL_REQUEST_FILE;
      if (entry.uncompressedSize > MAX_JSON_BYTES) throw tooBig(name, `entry ${path} inflates to ${entry.uncompressedSize} bytes`, MAX_JSON_BYTES);
      total += entry.uncompressedSize;
      if (total > MAX_TOTAL_JSON_BYTES) throw tooBig(name, `its .json entries inflate to ${total} bytes`, MAX_TOTAL_JSON_BYTES);
      const text = await inflate(zipfile, entry, name, path);
      if (meta) out.pullRequest = text;
      else out.reports.push({ path, text });
    }
    return out;
  } catch (e) {
    if (e instanceof GateError) throw e;
    throw new GateError(
      'BAD_REPORT',
      `${name} is not a readable zip: ${messageOf(e)}`,
      'upload the JSON report with report-artifact (or actions/upload-artifact)',
    );
  } finally {
    zipfile.close();
  }
}

/** The entry's name when it stays inside the artifact, else undefined. */
function entryName(entry: Entry): string | undefined {
  if (entry.fileNameRaw.includes(0)) return undefined;
  // strict: a backslash is refused rather than turned into a separator
  const name = getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, true);
  if (!name || validateFileName(name) !== null) return undefined;
  return name;
}

async function inflate(zipfile: ZipFile, entry: Entry, name: string, path: string): Promise<string> {
  if (entry.isEncrypted() || !entry.canDecodeFileData()) {
    throw new GateError(
      'BAD_REPORT',
      `${name}: entry ${path} is encrypted or uses a compression other than deflate`,
      'upload the JSON report as report-artifact writes it',
    );
  }
  const stream = await zipfile.openReadStreamPromise(entry);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    // yauzl stops a stream that outgrows the declared size; this holds even if a future yauzl did not
    if (size > MAX_JSON_BYTES) {
      stream.destroy();
      throw tooBig(name, `entry ${path} inflates to more than ${MAX_JSON_BYTES} bytes`, MAX_JSON_BYTES);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function tooBig(name: string, what: string, limit: number): GateError {
  return new GateError(
    'LIMIT_EXCEEDED',
    `${name}: ${what}, over the limit of ${Math.round(limit / 1024 / 1024)} MiB: not read`,
    'a cuda-gate report is far smaller: upload the JSON report alone with report-artifact',
  );
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** An ignored name for a message: printable ASCII, the rest as \xNN, cut short. */
function printable(raw: Buffer): string {
  const text = [...raw.subarray(0, 200)]
    .map((b) => (b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`))
    .join('');
  return raw.length > 200 ? `${text}…` : text;
}
