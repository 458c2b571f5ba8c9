/**
 * The browser shell's side of the API: the same ConclaveApi the preload gives
 * Electron, carried over the loopback WebSocket (JSON text; a call with a PIN
 * as one binary frame, shared/web/call-frame.ts). The server validates every
 * call exactly as IPC does; this client validates what comes back, with the
 * contract's schemas loaded beside the first screen (schemas.ts): the first
 * calls go out while they load, and their answers wait for them.
 */
import type { CallInput, CallName, CallOutput, ConclaveApi, EventName, EventPayload } from '../../../shared/api/contract';
import type { Result } from '../../../shared/api/result';
import { callFrame } from '../../../shared/web/call-frame';
import { apiPath, webProtocol } from '../../../shared/web/endpoints';
import type { ServerMessage } from '../../../shared/web/protocol';
import { contractSchemas, type ContractSchemas } from './schemas';

type Pending = { name: CallName; resolve: (result: Result<unknown>) => void };

const notUnderstood = { code: 'internal', message: 'Conclave sent an answer this window does not understand. Reload the page.' } as const;
const notLoaded = { code: 'internal', message: 'This window could not load a part of itself. Reload the page; nothing already signed is lost.' } as const;

const disconnected = {
  code: 'internal',
  message: 'The connection to Conclave was lost. Start it again with "npm run start:web" and use the window it opens; nothing already signed is lost.',
} as const;

export function createWebClient(origin: string = location.origin): ConclaveApi {
  const schemas = contractSchemas();
  schemas.catch(() => undefined); // handled where it is used: receive()
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let socket: WebSocket | undefined;
  let ready: Promise<WebSocket> | undefined;

  const connect = (): Promise<WebSocket> => {
    if (ready) return ready;
    ready = new Promise<WebSocket>((resolve, reject) => {
      const url = `${origin.replace(/^http/, 'ws')}${apiPath}`;
      const ws = new WebSocket(url, [webProtocol]);
      ws.addEventListener('open', () => resolve(ws), { once: true });
      ws.addEventListener('error', () => reject(new Error('connection refused')), { once: true });
      ws.addEventListener('message', (message) => receive(String(message.data)));
      ws.addEventListener('close', () => {
        ready = undefined;
        socket = undefined;
        for (const [id, call] of pending) {
          pending.delete(id);
          call.resolve({ ok: false, error: disconnected });
        }
        // Reconnect so that events keep flowing after a restart of the shell.
        if (listeners.size > 0) setTimeout(() => void connect().catch(() => undefined), 1000);
      });
      socket = ws;
    });
    return ready;
  };

  // Every message waits for the same promise: they are handled in the order they came.
  const receive = (text: string): void =>
    void schemas.then(
      (loaded) => handle(loaded, text),
      () => failPending(),
    );

  const handle = ({ ServerMessage, calls, parseEventPayload }: ContractSchemas, text: string) => {
    let message: ServerMessage;
    try {
      message = ServerMessage.parse(JSON.parse(text));
    } catch {
      return;
    }
    if (message.type === 'result') {
      const call = pending.get(message.id);
      if (!call) return;
      pending.delete(message.id);
      if (message.result.ok) {
        const parsed = calls[call.name].output.safeParse(message.result.value);
        call.resolve(parsed.success ? { ok: true, value: parsed.data } : { ok: false, error: notUnderstood });
      } else {
        call.resolve(message.result);
      }
      return;
    }
    const event = parseEventPayload(message.name, message.payload);
    if (!event) return;
    for (const listener of listeners.get(event.name) ?? []) listener(event.payload);
  };

  /** Without its schemas the window cannot trust an answer: the calls waiting fail, saying what to do. */
  const failPending = () => {
    for (const [id, call] of pending) {
      pending.delete(id);
      call.resolve({ ok: false, error: notLoaded });
    }
  };

  return {
    async call<C extends CallName>(name: C, input: CallInput<C>): Promise<Result<CallOutput<C>>> {
      let ws: WebSocket;
      try {
        ws = socket?.readyState === WebSocket.OPEN ? socket : await connect();
      } catch {
        return { ok: false, error: disconnected };
      }
      const id = nextId++;
      return new Promise((resolve) => {
        pending.set(id, { name, resolve: resolve as (result: Result<unknown>) => void });
        // A call that carries a PIN goes as a binary frame, never as text (issue 12); send() has copied the frame
        // when it returns, so this copy of the PIN is overwritten at once (the caller overwrites its own).
        const frame = callFrame({ type: 'call', id, name, input });
        ws.send(frame);
        if (typeof frame !== 'string') frame.fill(0);
      });
    },
    on<E extends EventName>(name: E, listener: (payload: EventPayload<E>) => void): () => void {
      const set = listeners.get(name) ?? new Set();
      set.add(listener as (payload: unknown) => void);
      listeners.set(name, set);
      void connect().catch(() => undefined);
      return () => set.delete(listener as (payload: unknown) => void);
    },
  };
}
