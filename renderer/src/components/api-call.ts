/**
 * One way for stores to call the typed API: a throw (no API, a broken
 * connection) becomes an error result like any other, so every failure
 * reaches the person as words, never as an unhandled rejection.
 */
import type { CallInput, CallName, CallOutput } from '../../../shared/api/contract';
import type { Result } from '../../../shared/api/result';
import type { ErrorData } from '../../../shared/errors';
import { getApi } from '../api';

export function thrownToError(error: unknown): ErrorData {
  return {
    code: 'internal',
    message: error instanceof Error && error.message ? error.message : 'Conclave could not be reached. Restart it and try again.',
  };
}

export async function callApi<C extends CallName>(name: C, input: CallInput<C>): Promise<Result<CallOutput<C>>> {
  try {
    return await getApi().call(name, input);
  } catch (error) {
    return { ok: false, error: thrownToError(error) };
  }
}

/** The first complaint of a schema, as an error a form can show. */
export function firstIssue(error: { issues: readonly { message: string }[] }, fallback = 'Check the form and try again.'): ErrorData {
  return { code: 'invalid-input', message: error.issues[0]?.message ?? fallback };
}

export function inputError(message: string): ErrorData {
  return { code: 'invalid-input', message };
}
