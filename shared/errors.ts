/**
 * Errors that reach a person. Every failure carries a closed code (tests and
 * callers branch on the code, never on wording) and a message written for the
 * person at the screen: what happened, and what to do next.
 */
export const errorCodes = [
  'invalid-input',
  'unknown-call',
  'forbidden',
  'module-not-found',
  'module-load-failed',
  /** A PKCS#11 module that is not one this machine uses (issue 12): nothing was loaded. A person adds modules; a URI or a call only selects among them. */
  'module-not-allowed',
  'token-not-found',
  'token-removed',
  'key-not-found',
  'key-exists',
  'pin-incorrect',
  'pin-locked',
  'pin-invalid',
  'pin-required',
  'login-required',
  'mechanism-unsupported',
  'key-type-unsupported',
  'uri-invalid',
  'softhsm-missing',
  'cancelled',
  'evidence-invalid',
  'policy-invalid',
  /** A service Conclave needs right now (a time-stamping authority, a registry) cannot be reached. */
  'unavailable',
  'token-error',
  /** The token's signature does not verify with the key the policy names for the signer: nothing was written. */
  'signature-mismatch',
  /** What the person reviewed is not what would be signed now (the statement changed): nothing was signed. */
  'conflict',
  'internal',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

export interface ErrorDetails {
  /** Tries left before the PIN locks, when the token says so. */
  triesLeft?: 'several' | 'low' | 'final';
  /** The same as a number, only where the token says one (a YubiKey's COUNT_LOW is 2; FINAL_TRY is 1 on any token); tokens that give flags alone leave it out. */
  triesLeftCount?: number;
  /** The PKCS#11 return value name, for support (never shown alone). */
  pkcs11?: string;
  /** The finer code of the module that refused (e.g. "policy-threshold-unreachable"), for tests and support. */
  cause?: string;
}

export class ConclaveError extends Error {
  override readonly name = 'ConclaveError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetails = {},
  ) {
    super(message);
  }
}

/**
 * The base of every module's own error: a closed set of codes that callers
 * and tests branch on, and a message written for the person at the screen.
 * Each module declares its codes and a one-line subclass for its name.
 */
export class CodedError<Code extends string> extends Error {
  constructor(
    readonly code: Code,
    message: string,
  ) {
    super(message);
  }
}

/** The shape an error has when it crosses a process or network boundary. */
export interface ErrorData {
  code: ErrorCode;
  message: string;
  details?: ErrorDetails;
}

export function toErrorData(error: unknown): ErrorData {
  if (error instanceof ConclaveError) {
    return Object.keys(error.details).length > 0
      ? { code: error.code, message: error.message, details: error.details }
      : { code: error.code, message: error.message };
  }
  return {
    code: 'internal',
    message: 'Something went wrong inside Conclave. Nothing was changed; try again, and report it if it happens again.',
  };
}

export function fromErrorData(data: ErrorData): ConclaveError {
  return new ConclaveError(data.code, data.message, data.details ?? {});
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (errorCodes as readonly string[]).includes(value);
}
