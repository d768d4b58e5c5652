/**
 * Errors that reach a user. Each names the input that was wrong and how to fix it; the CLI and the action turn
 * them into one line and exit code 2. Anything else escaping the engine is a bug and is reported as such.
 */
import { sanitizeControl } from './control-chars';

export type ErrorCode =
  | 'BAD_ARGUMENT'
  | 'BAD_SOURCE_REF'
  | 'IMAGE_NOT_FOUND'
  | 'DAEMON_UNREACHABLE'
  | 'FILE_NOT_FOUND'
  | 'NOT_AN_IMAGE'
  | 'CORRUPT_ARCHIVE'
  | 'CORRUPT_LAYER'
  | 'PLATFORM_NOT_FOUND'
  | 'BAD_TARGETS'
  | 'UNKNOWN_GPU'
  | 'BAD_DRIVER_VERSION'
  | 'BAD_MATRIX'
  | 'BAD_MATRIX_OVERRIDES'
  | 'REGISTRY_ERROR'
  | 'AUTH_FAILED'
  | 'DIGEST_MISMATCH'
  | 'BAD_REPORT'
  | 'LIMIT_EXCEEDED'
  | 'POLICY_UNAVAILABLE';

export class GateError extends Error {
  readonly exitCode = 2;
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** what the user can do about it; appended to the one-line message */
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'GateError';
  }

  /**
   * One line for a terminal or a workflow log. Messages quote input (a YAML error's source line, a tar entry name
   * from the image): line breaks fold to spaces and other control characters show as \xNN, so none can end the line,
   * move the cursor or recolour the terminal.
   */
  toLine(): string {
    const line = this.hint ? `${this.message} (${this.hint})` : this.message;
    return sanitizeControl(line.replace(/[ \t]*[\r\n\u2028\u2029][ \t\r\n\u2028\u2029]*/g, ' '), { as: 'escape' });
  }
}

export function isGateError(e: unknown): e is GateError {
  return e instanceof GateError;
}

/** Message of any thrown value, for wrapping low-level errors (ENOENT, zlib, JSON) into GateErrors. */
export function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
