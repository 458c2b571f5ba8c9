/**
 * The browser shell's side of the API: the same ConclaveApi the preload gives
 * Electron, carried over the loopback WebSocket (JSON text; a call with a PIN
 * as one binary frame, shared/web/protocol.ts). The server validates every
 * call exactly as IPC does; this client validates what comes back.
 */
import type { CallInput, CallName, CallOutput, ConclaveApi, EventName, EventPayload } from '../../../shared/api/contract';
import { calls } from '../../../shared/api/contract';
import { parseEventPayload } from '../../../shared/api/validate';
import type { Result } from '../../../shared/api/result';
import { apiPath, callFrame, ServerMessage, webProtocol } from '../../../shared/web/protocol';

type Pending = { name: CallName; resolve: (result: Result<unknown>) => void };

const disconnected = {
  code: 'internal',
  message: 'The connection to Conclave was lost. Start it again with "npm run start:web" and use the window it opens; nothing already signed is lost.',
} as const;

export function createWebClient(origin: string = location.origin): ConclaveApi {
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

  const receive = (text: string) => {
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
        call.resolve(parsed.success ? { ok: true, value: parsed.data } : { ok: false, error: { code: 'internal', message: 'Conclave sent an answer this window does not understand. Reload the page.' } });
      } else {
        call.resolve(message.result);
      }
      return;
    }
    const event = parseEventPayload(message.name, message.payload);
    if (!event) return;
    for (const listener of listeners.get(event.name) ?? []) listener(event.payload);
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
