/**
 * The browser shell's loopback wire format: the same contract as IPC, carried
 * as JSON messages over one WebSocket. The per-launch secret travels as a
 * WebSocket subprotocol so it never lands in a URL, a log or a Referer.
 */
import { z } from 'zod';
import { ErrorDataSchema } from '../api/contract';

export const webProtocol = 'conclave.v1';
export const secretProtocolPrefix = 'conclave-secret.';
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
