/**
 * The browser shell's binary frame for a call that carries bytes (issue 12),
 * and its writer, the window's side. Without the schema library: the window
 * sends calls before the contract's schemas have loaded (issue 15). The
 * core's reader, which checks the call against its schema, is in
 * protocol.ts.
 *
 * A call whose input has byte fields (a PIN, shared/api/contract.ts) goes as
 * one binary frame, so that no text ever holds those bytes, neither in the
 * window nor in the core, which can then overwrite the only copy it keeps:
 *
 *   4 bytes   the length N of the header (unsigned, big-endian)
 *   N bytes   the call as JSON (UTF-8), each byte field of its input written
 *             as {"$bytes":[offset,length]}
 *   the rest  the fields' bytes, one after the other (offsets from here)
 *
 * Byte fields are top-level fields of the input; nothing else is read as one.
 */

/** A call as the window sends it (protocol.ts ClientMessage, whose schema the core checks it against). */
export interface CallFrameMessage {
  type: 'call';
  id: number;
  name: string;
  input: unknown;
}

export const bytesMarker = '$bytes';
export const maxHeaderBytes = 1024 * 1024;

/** JSON text for a call without byte fields; the binary frame above for one with. */
export function callFrame(message: CallFrameMessage): string | Uint8Array<ArrayBuffer> {
  const input = message.input;
  const fields = typeof input === 'object' && input !== null && !Array.isArray(input) ? Object.entries(input as Record<string, unknown>) : [];
  if (!fields.some(([, value]) => value instanceof Uint8Array)) return JSON.stringify(message);
  const parts: Uint8Array[] = [];
  let offset = 0;
  const headerInput: Record<string, unknown> = {};
  for (const [field, value] of fields) {
    if (value instanceof Uint8Array) {
      headerInput[field] = { [bytesMarker]: [offset, value.byteLength] };
      parts.push(value);
      offset += value.byteLength;
    } else {
      headerInput[field] = value;
    }
  }
  const header = new TextEncoder().encode(JSON.stringify({ ...message, input: headerInput }));
  const frame = new Uint8Array(4 + header.byteLength + offset);
  new DataView(frame.buffer).setUint32(0, header.byteLength);
  frame.set(header, 4);
  let at = 4 + header.byteLength;
  for (const part of parts) {
    frame.set(part, at);
    at += part.byteLength;
  }
  return frame;
}
