/**
 * The browser shell's loopback wire format: the same contract as IPC, carried
 * as JSON messages over one WebSocket. The window is let in by a one-time
 * launch address (`/launch?once=…`), exchanged once for an HttpOnly,
 * SameSite=Strict session cookie; the WebSocket handshake carries that cookie.
 * No secret is ever on a command line, in the page's address afterwards, or
 * readable by the page's scripts.
 */
import { z } from 'zod';
import { ErrorDataSchema } from '../api/contract';

export const webProtocol = 'conclave.v1';
export const launchPath = '/launch';
export const sessionCookie = 'conclave-session';
export const apiPath = '/api';

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
