/**
 * Why hashing an artifact failed. Callers branch on the code (closed union),
 * people read the message: what happened to which file, and what to do next.
 */
import { basename } from 'node:path';
import { CodedError } from '../../../shared/errors';

export const hashErrorCodes = ['file-missing', 'not-a-regular-file', 'unreadable', 'size-changed', 'cancelled'] as const;

export type HashErrorCode = (typeof hashErrorCodes)[number];

/** A CodedError, so the command line reports its code (file-missing, …) as it does other modules' errors. */
export class HashError extends CodedError<HashErrorCode> {
  override readonly name = 'HashError';
  constructor(
    code: HashErrorCode,
    /** The path as the caller gave it, so messages name the file the way the person typed it. */
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message);
    if (options && 'cause' in options) this.cause = options.cause;
  }
}

export function isHashError(error: unknown): error is HashError {
  return error instanceof HashError;
}

export function cancelled(path: string): HashError {
  return new HashError('cancelled', path, `Hashing ${basename(path)} was cancelled before it finished; no digest was recorded.`);
}

export function sizeChanged(path: string, expected: number, seen: number): HashError {
  return new HashError(
    'size-changed',
    path,
    `${path} changed size while Conclave was hashing it (${expected} bytes when hashing began, ${seen} ${seen > expected ? 'or more ' : ''}bytes read). Wait until whatever writes it has finished, then add it again.`,
  );
}

export function notARegularFile(path: string, kind: string): HashError {
  return new HashError('not-a-regular-file', path, `${path} is ${kind}, not a file. Name the artifact file itself.`);
}

/** Turns an operating-system error from opening, stat-ing or reading a file into a HashError. */
export function fromSystemError(path: string, error: unknown): HashError {
  if (error instanceof HashError) return error;
  const code = typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : '';
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
    case 'ENAMETOOLONG':
    case 'ELOOP':
      return new HashError('file-missing', path, `Conclave cannot find ${path}. Check the path and that the file is still there.`, { cause: error });
    case 'EISDIR':
      return notARegularFile(path, 'a folder');
    case 'EACCES':
    case 'EPERM':
      return new HashError('unreadable', path, `Conclave is not allowed to read ${path}. Check the file's permissions.`, { cause: error });
    default: {
      const reason = error instanceof Error ? error.message : String(error);
      return new HashError('unreadable', path, `Conclave could not read ${path} (${reason}). Check the disk or copy the file somewhere readable.`, { cause: error });
    }
  }
}
