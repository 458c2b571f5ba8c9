/**
 * A ConclaveApi for renderer tests: answers calls from handlers the test
 * gives, records every call, and lets the test push events as the core would.
 */
import type { CallInput, CallName, CallOutput, CeremonySummary, ConclaveApi, EventName, EventPayload, Token, TokenKey, TokenModule, TokensSnapshot } from '../../shared/api/contract';
import type { Result } from '../../shared/api/result';
import type { ErrorData } from '../../shared/errors';

export type Handlers = { [C in CallName]?: (input: CallInput<C>) => Result<CallOutput<C>> | Promise<Result<CallOutput<C>>> };

export interface FakeApi {
  api: ConclaveApi;
  /** Each call's input as sent: a copy taken at the call, as IPC and the browser shell's frames carry it. */
  calls: { name: CallName; input: unknown }[];
  callsOf(name: CallName): unknown[];
  /** Each call's input object itself, as the window still holds it (a PIN's bytes are overwritten once the call answers). */
  given: { name: CallName; input: unknown }[];
  emit<E extends EventName>(name: E, payload: EventPayload<E>): void;
  listeners(name: EventName): number;
}

export function createFakeApi(handlers: Handlers = {}): FakeApi {
  const calls: FakeApi['calls'] = [];
  const given: FakeApi['given'] = [];
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  const api: ConclaveApi = {
    async call<C extends CallName>(name: C, input: CallInput<C>): Promise<Result<CallOutput<C>>> {
      calls.push({ name, input: structuredClone(input) });
      given.push({ name, input });
      const handler = handlers[name] as ((input: CallInput<C>) => Result<CallOutput<C>> | Promise<Result<CallOutput<C>>>) | undefined;
      if (!handler) return { ok: false, error: { code: 'unknown-call', message: `No fake for ${name}.` } };
      return handler(input);
    },
    on<E extends EventName>(name: E, listener: (payload: EventPayload<E>) => void): () => void {
      const set = listeners.get(name) ?? new Set();
      set.add(listener as (payload: unknown) => void);
      listeners.set(name, set);
      return () => set.delete(listener as (payload: unknown) => void);
    },
  };
  return {
    api,
    calls,
    callsOf: (name) => calls.filter((call) => call.name === name).map((call) => call.input),
    given,
    emit(name, payload) {
      for (const listener of listeners.get(name) ?? []) listener(payload);
    },
    listeners: (name) => listeners.get(name)?.size ?? 0,
  };
}

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });

/** A summary as ceremony.changed carries it: with the ceremony's version (its event files), as the core sends it. */
export function changed(summary: CeremonySummary, version = '1-test'): EventPayload<'ceremony.changed'> {
  const payload = { ...summary, version };
  return payload;
}
export const fail = (error: ErrorData): Result<never> => ({ ok: false, error });

/** A PIN as the window sends it: its UTF-8 bytes (shared/api/contract.ts, Pin). */
export const pinBytes = (pin: string): Uint8Array => new TextEncoder().encode(pin);

/** A promise the test settles when it wants, to look at the state while a call is under way. */
export function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((settle) => (resolve = settle));
  return { promise, resolve };
}

/** Lets queued promise callbacks run. */
export const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

// ---- fixtures -----------------------------------------------------------------

export function token(label: string, overrides: Partial<Token> = {}): Token {
  return {
    uri: `pkcs11:token=${label};serial=${label}-serial;module-path=/usr/lib/softhsm/libsofthsm2.so`,
    moduleId: 'demo',
    slotId: 0,
    label,
    manufacturer: 'SoftHSM project',
    model: 'SoftHSM v2',
    serial: `${label}-serial`,
    loginRequired: true,
    protectedAuthenticationPath: false,
    pinStatus: 'ok',
    ...overrides,
  };
}

export function key(label: string, overrides: Partial<TokenKey> = {}): TokenKey {
  return {
    uri: `pkcs11:object=${label};id=%01`,
    label,
    id: '01',
    type: { kind: 'ecdsa', curve: 'P-256', bits: 256 },
    publicKeyPem: `-----BEGIN PUBLIC KEY-----\n${label}\n-----END PUBLIC KEY-----\n`,
    keyId: 'a'.repeat(64),
    hasPrivateKey: true,
    ...overrides,
  };
}

export function module(id: string, tokens: Token[], overrides: Partial<TokenModule> = {}): TokenModule {
  return {
    id,
    label: id,
    path: `/usr/lib/${id}.so`,
    kind: 'other',
    origin: 'discovered',
    status: 'ready',
    tokens,
    ...overrides,
  };
}

export function snapshot(modules: TokenModule[], demo: Partial<TokensSnapshot['demo']> = {}): TokensSnapshot {
  return { modules, demo: { available: true, created: false, ...demo } };
}
