/**
 * The single door into the core for the window, whichever shell carries the
 * call (Electron IPC or the browser shell's loopback connection): parse the
 * input against the contract, run the handler, return the result as data.
 *
 * A PIN arrives as bytes (the contract's Pin, issue 12). Before the handler
 * runs they are copied into a buffer outside the JavaScript heap and the
 * array they came in is overwritten; that buffer is overwritten when the call
 * ends, whatever its outcome. So the core holds a PIN only while the call that
 * brought it runs, in memory it clears itself.
 */
import { parseCallInput } from '../../../shared/api/validate';
import type { CallName } from '../../../shared/api/contract';
import { failure, ok, type Result } from '../../../shared/api/result';
import { ConclaveError, toErrorData } from '../../../shared/errors';
import { pinBytesOf } from '../pin-bytes';
import { asConclaveError } from './as-conclave-error';
import type { ApiHandlers } from './handlers';

export async function dispatchCall(handlers: ApiHandlers, name: unknown, input: unknown): Promise<Result<unknown>> {
  const secrets: Buffer[] = [];
  try {
    const call = parseCallInput<CallName>(name, input);
    secrets.push(...takeBytes(call.input));
    const handler = handlers[call.name] as (input: unknown) => Promise<unknown>;
    return ok(await handler(call.input));
  } catch (error) {
    const explained = asConclaveError(error);
    if (!(explained instanceof ConclaveError)) console.error(`Conclave: ${String(name)} failed unexpectedly:`, explained instanceof Error ? explained.stack : explained);
    return failure(toErrorData(explained));
  } finally {
    for (const secret of secrets) secret.fill(0);
    // A call the contract refused may still have carried a PIN.
    overwriteBytes(input);
  }
}

/**
 * The input's byte fields (the contract has them only at the top level, and
 * only for PINs), each replaced by a copy outside the JavaScript heap
 * (pin-bytes.ts) while the array it arrived in is overwritten at once: IPC
 * gives the core a small typed array inside the heap, which the garbage
 * collector may copy if it lives long.
 */
function takeBytes(input: unknown): Buffer[] {
  if (typeof input !== 'object' || input === null) return [];
  const fields = input as Record<string, unknown>;
  const taken: Buffer[] = [];
  for (const [field, value] of Object.entries(fields)) {
    if (!(value instanceof Uint8Array)) continue;
    const copy = pinBytesOf(value);
    value.fill(0);
    fields[field] = copy;
    taken.push(copy);
  }
  return taken;
}

function overwriteBytes(input: unknown): void {
  if (typeof input !== 'object' || input === null) return;
  for (const value of Object.values(input)) if (value instanceof Uint8Array) value.fill(0);
}
