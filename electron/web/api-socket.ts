/**
 * One window's WebSocket: each message a call, validated against the
 * contract and answered by the core's handlers (dispatchCall), exactly as
 * Electron's IPC; the core's events sent to the window as they happen. The
 * shell's HTTP server (server.ts) loads this module with the core, after it
 * listens, so the window's page loads while both load.
 */
import type { RawData, WebSocket } from 'ws';
import { ClientMessage, readCallFrame, type ServerMessage } from '../../shared/web/protocol';
import { dispatchCall } from '../core/api/dispatch';
import type { Core } from '../core';
import { pinBuffer } from '../core/pin-bytes';

export type ApiCore = Pick<Core, 'handlers' | 'subscribe'>;

/** Serves calls and events on `ws` until it closes; a paused socket is resumed once it is listened to. */
export function serveApi(ws: WebSocket, core: ApiCore): void {
  const send = (message: ServerMessage) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
  };
  const unsubscribe = core.subscribe((name, payload) => send({ type: 'event', name, payload }));
  ws.on('close', unsubscribe);
  ws.on('message', (data, isBinary) => {
    let message: ClientMessage;
    try {
      message = isBinary ? readBinaryCall(data) : ClientMessage.parse(JSON.parse(data.toString()));
    } catch {
      return void ws.close(1008, 'malformed message');
    }
    void dispatchCall(core.handlers, message.name, message.input)
      .then((result) => send({ type: 'result', id: message.id, result }))
      .catch(() => send({ type: 'result', id: message.id, result: { ok: false, error: { code: 'internal', message: 'Conclave could not answer this call.' } } }));
  });
  if (ws.isPaused) ws.resume();
}

/**
 * A call that carries a PIN (shared/web/protocol.ts, callFrame): its bytes
 * copied into buffers outside the JavaScript heap (pin-bytes.ts), which
 * dispatchCall overwrites when the call ends, and the frame overwritten at
 * once (issue 12). A browser sends such a frame whole and masked (RFC 6455
 * §5.3), and the WebSocket library unmasks it in place in the buffer it read
 * it into, so this frame is the one place the core held the PIN in the clear.
 */
function readBinaryCall(data: RawData): ClientMessage {
  const pieces = Array.isArray(data) ? data : [data instanceof ArrayBuffer ? new Uint8Array(data) : data];
  const frame = pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
  try {
    return readCallFrame(frame, pinBuffer);
  } finally {
    frame.fill(0);
    for (const piece of pieces) piece.fill(0);
  }
}
