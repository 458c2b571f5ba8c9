/**
 * Every module refuses with its own typed error (PolicyError, ProvenanceError,
 * HashError, …). At the API's edge they become one ConclaveError with a code
 * the window understands, the module's message (already written for people)
 * and the module's finer code kept in details.cause.
 */
import { CodedError, ConclaveError, type ErrorCode } from '../../../shared/errors';
import { HashError } from '../hashing/hash-errors';

export function asConclaveError(error: unknown): unknown {
  if (error instanceof ConclaveError) return error;
  if (error instanceof HashError) {
    return new ConclaveError(error.code === 'cancelled' ? 'cancelled' : 'invalid-input', error.message, { cause: error.code });
  }
  if (error instanceof CodedError) {
    const code = String(error.code);
    const mapped: ErrorCode = code.startsWith('policy-') ? 'policy-invalid' : code.startsWith('provenance-') || code.startsWith('sbom-') ? 'evidence-invalid' : 'invalid-input';
    return new ConclaveError(mapped, error.message, { cause: code });
  }
  return error;
}
