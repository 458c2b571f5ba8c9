/**
 * The exit codes of every `conclave` command, the same for all of them, so a
 * script can tell outcomes apart without reading words (docs/cli.md).
 */
import { CodedError, ConclaveError, type ErrorCode } from '../../shared/errors';

export const exitCodes = {
  /** Done: the command did what it says, or the check passed. */
  done: 0,
  /** Refused, or a check failed: not verified, a rule of the ceremony, a problem in the store. Nothing was changed by a refusal. */
  refused: 1,
  /** The command line was wrong: the message and the command's usage say how. */
  usage: 2,
  /** Done but blocked: the ceremony was opened and cannot take approvals yet (a finding failed). */
  blocked: 3,
  /** A token, key or PIN problem: not found, wrong or locked PIN, the token did not answer. Nothing was signed. */
  token: 4,
  /** A service could not be reached (a time-stamping authority, a registry, the git remote): try again later. */
  unavailable: 5,
} as const;

export type ExitCode = (typeof exitCodes)[keyof typeof exitCodes];
export type ExitCodeName = keyof typeof exitCodes;

/** What each code means, for `--help` and docs/cli.md. */
export const exitCodeMeanings: Record<ExitCodeName, string> = {
  done: 'done (or, for a check, it passed)',
  refused: 'refused, or a check failed; the message says why and nothing was changed',
  usage: 'the command line was wrong; the message and the usage say how',
  blocked: 'opened but blocked: a finding failed, so the ceremony cannot take approvals until it is frozen (with an override where the policy allows one)',
  token: 'a token, key or PIN problem (not found, wrong or locked PIN, no answer); nothing was signed',
  unavailable: 'a service could not be reached (time-stamping authority, registry, git remote), or the command gave up at its deadline (--timeout); try again later',
};

const tokenErrors: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'module-not-found',
  'module-load-failed',
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
  'softhsm-missing',
  'token-error',
]);

/** Codes of the modules' own errors (registries, time-stamping authorities, CRLs) that mean "could not be reached". */
const unreachable: ReadonlySet<string> = new Set(['oci-unreachable', 'timestamp-unreachable', 'crl-timeout', 'crl-fetch-failed']);

/** The exit code of a failure that reached the command line. */
export function exitCodeOfError(error: unknown): ExitCode {
  if (error instanceof CodedError && typeof error.code === 'string') {
    if (unreachable.has(error.code)) return exitCodes.unavailable;
    if (error.code === 'oci-reference-invalid') return exitCodes.usage;
    return exitCodes.refused;
  }
  if (!(error instanceof ConclaveError)) return exitCodes.refused;
  if (error.details.cause !== undefined && unreachable.has(error.details.cause)) return exitCodes.unavailable;
  if (error.code === 'uri-invalid' || error.details.cause === 'store-empty') return exitCodes.usage;
  if (error.code === 'unavailable') return exitCodes.unavailable;
  if (tokenErrors.has(error.code)) return exitCodes.token;
  return exitCodes.refused;
}
