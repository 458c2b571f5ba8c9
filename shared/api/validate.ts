import type { z } from 'zod';
import { calls, events, isCallName, isEventName, type CallInput, type CallName, type EventName, type EventPayload } from './contract';
import { ConclaveError } from '../errors';

/** Turns a schema failure into a message a person can act on, without echoing the value (it may be a PIN). */
function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

export function parseCallInput<C extends CallName>(name: unknown, input: unknown): { name: C; input: CallInput<C> } {
  if (!isCallName(name)) throw new ConclaveError('unknown-call', 'Conclave refused a request it does not know.');
  const parsed = calls[name].input.safeParse(input);
  if (!parsed.success) throw new ConclaveError('invalid-input', describeIssues(parsed.error));
  return { name: name as C, input: parsed.data as CallInput<C> };
}

export function parseEventPayload<E extends EventName>(name: unknown, payload: unknown): { name: E; payload: EventPayload<E> } | undefined {
  if (!isEventName(name)) return undefined;
  const parsed = events[name].safeParse(payload);
  return parsed.success ? { name: name as E, payload: parsed.data as EventPayload<E> } : undefined;
}
