/**
 * The single door into the core for the window, whichever shell carries the
 * call (Electron IPC or the browser shell's loopback connection): parse the
 * input against the contract, run the handler, return the result as data.
 */
import { parseCallInput } from '../../../shared/api/validate';
import type { CallName } from '../../../shared/api/contract';
import { failure, ok, type Result } from '../../../shared/api/result';
import { ConclaveError, toErrorData } from '../../../shared/errors';
import { asConclaveError } from './as-conclave-error';
import type { ApiHandlers } from './handlers';

export async function dispatchCall(handlers: ApiHandlers, name: unknown, input: unknown): Promise<Result<unknown>> {
  try {
    const call = parseCallInput<CallName>(name, input);
    const handler = handlers[call.name] as (input: unknown) => Promise<unknown>;
    return ok(await handler(call.input));
  } catch (error) {
    const explained = asConclaveError(error);
    if (!(explained instanceof ConclaveError)) console.error(`Conclave: ${String(name)} failed unexpectedly:`, explained instanceof Error ? explained.stack : explained);
    return failure(toErrorData(explained));
  }
}
