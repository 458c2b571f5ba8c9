import { ConclaveError } from '../../shared/errors';

/** The ConclaveError a call is refused with; fails the test when the call succeeds or throws anything else. */
export async function failure(promise: Promise<unknown>): Promise<ConclaveError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ConclaveError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}
