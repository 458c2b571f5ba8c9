/**
 * The token service's handle on one token host process: requests with ids,
 * answers matched back, and a crash turned into a clear failure of the
 * requests in flight instead of a hang. A crashed host starts again on the
 * next request; a disposed client starts nothing again, and its dispose
 * resolves once the host process has ended.
 */
import { ConclaveError, fromErrorData } from '../../../shared/errors';
import type { ModuleKindName } from '../../../shared/api/contract';
import type { HostLauncher, HostProcess } from './host-process';
import { pipedPin, type FromHost, type HostLibrary, type HostOp, type HostRequest, type HostResponses, type SlotToken } from './host/protocol';

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** Long enough for a touch prompt or an RSA key generation on a slow token. */
const timeouts: Partial<Record<HostOp, number>> = { generateKey: 180_000, sign: 120_000, login: 60_000 };
const defaultTimeout = 30_000;
/** How long dispose waits for a host to end after asking it to, before killing it outright; then as long again before giving up on it. */
const exitGrace = 3_000;

export interface HostClientOptions {
  modulePath: string;
  kind: ModuleKindName;
  /** The module's own C_Initialize parameters (NSS softokn's configdir=…), when it takes some. */
  libraryParameters?: string;
  label: string;
  env: Record<string, string | undefined>;
  launcher: HostLauncher;
  onTokens: (tokens: SlotToken[]) => void;
  onExit: (reason: string) => void;
  /** A request the host answered with an error (the service decides whether the module lost what is behind it). */
  onFailure?: (error: ConclaveError) => void;
}

export class HostClient {
  private process: HostProcess | undefined;
  private started: Promise<HostLibrary> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private disposed = false;
  /** Settles when the current host process has ended (for dispose to wait on). */
  private ended: Promise<void> = Promise.resolve();

  constructor(private readonly options: HostClientOptions) {}

  /** Starts the host and loads the module; resolves with the library's description. */
  start(): Promise<HostLibrary> {
    if (this.disposed) return Promise.reject(this.stoppedError());
    if (this.started) return this.started;
    const child = this.options.launcher({ env: this.options.env, modulePath: this.options.modulePath, serviceName: `Conclave token host (${this.options.label})` });
    this.process = child;
    let markEnded!: () => void;
    this.ended = new Promise<void>((resolve) => (markEnded = resolve));
    child.onMessage((message) => this.receive(message as FromHost));
    child.onExit((code, signal) => {
      markEnded();
      if (this.process !== child) return; // a host already replaced (after a timeout) or let go by dispose
      this.process = undefined;
      this.started = undefined;
      const reason = signal
        ? `The token module ${this.options.label} stopped unexpectedly (${signal}).`
        : `The token module ${this.options.label} stopped unexpectedly (exit code ${code ?? 'unknown'}).`;
      for (const [id, call] of this.pending) {
        clearTimeout(call.timer);
        this.pending.delete(id);
        call.reject(new ConclaveError('token-error', `${reason} Nothing was signed or changed; try again.`));
      }
      if (!this.disposed) this.options.onExit(reason);
    });
    this.started = this.send({
      op: 'init',
      modulePath: this.options.modulePath,
      kind: this.options.kind,
      ...(this.options.libraryParameters !== undefined ? { libraryParameters: this.options.libraryParameters } : {}),
    });
    this.started.catch(() => {
      this.started = undefined;
      child.kill();
    });
    return this.started;
  }

  async request<Op extends Exclude<HostOp, 'init'>>(request: Extract<HostRequest, { op: Op }>): Promise<HostResponses[Op]> {
    await this.start();
    return (await this.send(request)) as HostResponses[Op];
  }

  private send(request: HostRequest): Promise<never> {
    const child = this.process;
    if (!child) return Promise.reject(this.disposed ? this.stoppedError() : new ConclaveError('token-error', `The token module ${this.options.label} is not running. Try again.`));
    const id = this.nextId++;
    return new Promise<never>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new ConclaveError('token-error', `The token module ${this.options.label} did not answer in time. Check the token (does it wait for a touch?) and try again.`));
        // A host that stopped answering may be stuck inside the module: start afresh next time.
        child.kill();
      }, timeouts[request.op] ?? defaultTimeout);
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
      // A PIN goes on the host's PIN pipe where it has one, else with the request (moved to a thread, copied to a process).
      const pin = 'pin' in request ? request.pin : null;
      if (pin instanceof Uint8Array && child.sendPin) {
        child.sendPin(pin);
        child.postMessage({ kind: 'request', id, request: { ...request, pin: pipedPin } });
      } else {
        child.postMessage({ kind: 'request', id, request }, movable(request));
      }
    });
  }

  private receive(message: FromHost): void {
    if (message.kind === 'tokens') {
      this.options.onTokens(message.tokens);
      return;
    }
    const call = this.pending.get(message.id);
    if (!call) return;
    clearTimeout(call.timer);
    this.pending.delete(message.id);
    if (message.ok) {
      call.resolve(message.value);
      return;
    }
    const error = fromErrorData(message.error);
    call.reject(error);
    this.options.onFailure?.(error);
  }

  /**
   * Ends the current host without counting it as a crash, so that the next
   * start loads the module afresh (C_Initialize again): a module that lost its
   * service (the TPM, pcscd) keeps failing in the process that lost it, even
   * once the service is back (issue 13). Requests in flight fail with `error`.
   */
  restart(error: ConclaveError): void {
    const child = this.process;
    if (!child || this.disposed) return;
    this.process = undefined;
    this.started = undefined;
    for (const [id, call] of this.pending) {
      clearTimeout(call.timer);
      this.pending.delete(id);
      call.reject(error);
    }
    child.kill();
  }

  private stoppedError(): ConclaveError {
    return new ConclaveError('cancelled', `Conclave has stopped the token module ${this.options.label} (it is closing); nothing was done with the token.`);
  }

  /**
   * Stops the host for good: requests in flight fail, nothing starts it again,
   * and the promise settles once the process has ended (killed outright if it
   * does not end when asked, e.g. stuck inside a vendor module).
   */
  async dispose(): Promise<void> {
    this.disposed = true;
    const child = this.process;
    this.process = undefined;
    this.started = undefined;
    for (const [id, call] of this.pending) {
      clearTimeout(call.timer);
      this.pending.delete(id);
      call.reject(this.stoppedError());
    }
    if (!child) return this.ended;
    child.kill();
    if (await settlesWithin(this.ended, exitGrace)) return;
    child.kill(true);
    await settlesWithin(this.ended, exitGrace);
  }
}

/**
 * A PIN's buffer, moved to a host in a thread rather than copied (the
 * sender's view is left empty): only a buffer that holds the PIN alone,
 * never a slice of a shared pool.
 */
function movable(request: HostRequest): ArrayBuffer[] {
  const pin = 'pin' in request ? request.pin : null;
  if (!(pin instanceof Uint8Array) || !(pin.buffer instanceof ArrayBuffer) || pin.byteOffset !== 0 || pin.byteLength !== pin.buffer.byteLength) return [];
  return [pin.buffer];
}

/** True when the promise settles within `ms`; the timer does not keep the process alive. */
async function settlesWithin(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
    timer.unref?.();
  });
  try {
    return await Promise.race([promise.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
