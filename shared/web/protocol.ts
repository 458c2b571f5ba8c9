/**
 * The browser shell's loopback wire format: the same contract as IPC, carried
 * as messages over one WebSocket: JSON text, except a call that carries bytes
 * (a PIN), which goes as one binary frame (callFrame). The window is let in by a one-time
 * launch address (`/launch?once=…`), exchanged once for an HttpOnly,
 * SameSite=Strict session cookie; the WebSocket handshake carries that cookie.
 * No secret is ever on a command line, in the page's address afterwards, or
 * readable by the page's scripts.
 */
import { z } from 'zod';
import { ErrorDataSchema } from '../api/contract';
import { bytesMarker, maxHeaderBytes } from './call-frame';

export { apiPath, launchPath, sessionCookie, webProtocol } from './endpoints';

export const ClientMessage = z.object({
  type: z.literal('call'),
  id: z.number().int().nonnegative(),
  name: z.string().max(128),
  input: z.unknown(),
});
export type ClientMessage = z.infer<typeof ClientMessage>;

export const ServerMessage = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('result'),
    id: z.number().int().nonnegative(),
    result: z.union([
      z.object({ ok: z.literal(true), value: z.unknown() }),
      z.object({ ok: z.literal(false), error: ErrorDataSchema }),
    ]),
  }),
  z.object({ type: z.literal('event'), name: z.string(), payload: z.unknown() }),
]);
export type ServerMessage = z.infer<typeof ServerMessage>;

// ---- calls that carry bytes (issue 12): the frame's layout and its writer are in call-frame.ts ----------------

export { callFrame, type CallFrameMessage } from './call-frame';

/**
 * The call a binary frame carries, each byte field a copy in memory from
 * `allocate` (the core's, outside the JavaScript heap); throws on anything
 * malformed. The frame itself is the caller's to overwrite.
 */
export function readCallFrame(frame: Uint8Array, allocate: (length: number) => Uint8Array): ClientMessage {
  if (frame.byteLength < 4) throw new Error('a call frame has a header');
  const headerLength = new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(0);
  if (headerLength > maxHeaderBytes || 4 + headerLength > frame.byteLength) throw new Error('the header does not fit the frame');
  const message = ClientMessage.parse(JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(frame.subarray(4, 4 + headerLength))));
  const bytes = frame.subarray(4 + headerLength);
  const input = message.input;
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new Error('a call with bytes has an object as input');
  const fields = input as Record<string, unknown>;
  const copies: Uint8Array[] = [];
  try {
    for (const [field, value] of Object.entries(fields)) copies.push(...readByteField(fields, field, value, bytes, allocate));
  } catch (error) {
    for (const copy of copies) copy.fill(0);
    throw error;
  }
  return message;
}

/** The field's bytes when it is a byte field (a copy, set in its place), none otherwise. */
function readByteField(fields: Record<string, unknown>, field: string, value: unknown, bytes: Uint8Array, allocate: (length: number) => Uint8Array): Uint8Array[] {
  if (typeof value !== 'object' || value === null || !Object.hasOwn(value, bytesMarker)) return [];
  const marker = value as Record<string, unknown>;
  const place = marker[bytesMarker];
  if (Object.keys(marker).length !== 1 || !Array.isArray(place) || place.length !== 2) throw new Error('a byte field is {"$bytes":[offset,length]}');
  const [offset, length] = place as [unknown, unknown];
  if (typeof offset !== 'number' || typeof length !== 'number' || !Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > bytes.byteLength) {
    throw new Error('a byte field lies outside the frame');
  }
  const copy = allocate(length);
  copy.set(bytes.subarray(offset, offset + length));
  fields[field] = copy;
  return [copy];
}
