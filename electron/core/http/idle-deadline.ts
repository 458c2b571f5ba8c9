/**
 * A deadline for a server that stops answering (issue 12): the request is
 * aborted when no byte has arrived for `idleMs`, whether it waits for the
 * headers or in the middle of a body. A slow but steady transfer (a large
 * blob) goes on; a stalled one ends with a clear error instead of a hang.
 * The caller's signal (the window's Cancel, a command's overall deadline)
 * aborts it too.
 */

export class IdleTimeoutError extends Error {
  override readonly name = 'IdleTimeoutError';
  constructor(readonly idleMs: number) {
    super(`no answer for ${Math.round(idleMs / 100) / 10} s`);
  }
}

export interface IdleDeadline {
  signal: AbortSignal;
  /** Wraps a response so each body chunk restarts the clock, and its end stops it. */
  watch(response: Response): Response;
  /** Stops the clock (the exchange is over, or failed for another reason). */
  clear(): void;
  /** Whether the idle deadline (not the caller) aborted the exchange. */
  readonly timedOut: boolean;
}

export function idleDeadline(idleMs: number, outer?: AbortSignal): IdleDeadline {
  const controller = new AbortController();
  let timedOut = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new IdleTimeoutError(idleMs));
    }, idleMs);
    timer.unref?.();
  };
  const stopClock = () => clearTimeout(timer);
  const onOuterAbort = () => {
    stopClock();
    controller.abort(outer?.reason);
  };
  // Once the exchange is over, the caller's signal (shared by every request of a command) no longer holds on to it.
  const clear = () => {
    stopClock();
    outer?.removeEventListener('abort', onOuterAbort);
  };
  if (outer?.aborted) controller.abort(outer.reason);
  else outer?.addEventListener('abort', onOuterAbort, { once: true });
  arm();
  return {
    signal: controller.signal,
    get timedOut() {
      return timedOut;
    },
    clear,
    watch(response) {
      arm();
      if (!response.body) {
        clear();
        return response;
      }
      const body = response.body.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            arm();
            controller.enqueue(chunk);
          },
          flush() {
            clear();
          },
        }),
      );
      return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
    },
  };
}

/** Default for a server that stops answering; CONCLAVE_NETWORK_TIMEOUT (seconds) sets another. */
export const defaultIdleTimeoutMs = 30_000;

/** The idle deadline from the environment, else the default. */
export function idleTimeoutFrom(env: NodeJS.ProcessEnv | undefined): number {
  const seconds = Number(env?.CONCLAVE_NETWORK_TIMEOUT);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : defaultIdleTimeoutMs;
}
