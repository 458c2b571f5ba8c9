/**
 * Long calls the window can cancel (opening, approving, publishing): each runs
 * under an operation id the window chose, and operations.cancel aborts it.
 */
import { ConclaveError } from '../../../../shared/errors';

export class Operations {
  private readonly running = new Map<string, AbortController>();

  /** Runs `work` with the signal the operation's Cancel aborts; without an id the call runs uncancellable, as before ids existed. */
  async run<T>(operationId: string | undefined, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (operationId !== undefined && this.running.has(operationId)) throw new ConclaveError('invalid-input', 'That operation is already running.');
    const controller = new AbortController();
    if (operationId !== undefined) this.running.set(operationId, controller);
    try {
      return await work(controller.signal);
    } finally {
      if (operationId !== undefined) this.running.delete(operationId);
    }
  }

  /** Whether an operation of that id was running (and is now told to stop). */
  cancel(operationId: string): boolean {
    const controller = this.running.get(operationId);
    controller?.abort();
    return controller !== undefined;
  }
}
