/**
 * Reading one event file as untrusted text (from the store, a bundle or a
 * push): the DSSE envelope, its payload type, the event schema, the ceremony
 * and the name the store gives it. One reader with one set of limits for
 * every path, so a file the store would skip is skipped everywhere.
 */
import { envelopePayload, parseEnvelope, type Envelope } from '../dsse/envelope';
import { parseJsonBytes, parseJsonText } from '../json/parse';
import { eventFileNameFits } from './bundle-format';
import { CeremonyEvent, eventPayloadType } from './events';

/** No event is anywhere near this; a larger file is not one of ours. */
export const maxEventFileBytes = 16 * 1024 * 1024;

export interface EventFile {
  /** The file name, unique across machines. */
  source: string;
  envelope: Envelope;
  event: CeremonyEvent;
}

export type EventFileReading =
  | { ok: true; file: EventFile }
  | { ok: false; code: 'event-unreadable' | 'event-wrong-ceremony'; source: string; /** The end of a sentence about the file. */ reason: string };

export function readEventFile(source: string, text: string, ceremonyId?: string): EventFileReading {
  const refuse = (code: 'event-unreadable' | 'event-wrong-ceremony', reason: string): EventFileReading => ({ ok: false, code, source, reason });
  let envelope: Envelope;
  let value: unknown;
  try {
    envelope = parseEnvelope(parseJsonText(text, { maxBytes: maxEventFileBytes, maxDepth: 64 }), { requireSignatures: false });
    if (envelope.payloadType !== eventPayloadType) return refuse('event-unreadable', `its payload type is "${envelope.payloadType}", not a Conclave event.`);
    value = parseJsonBytes(envelopePayload(envelope), { maxBytes: maxEventFileBytes, maxDepth: 64 });
  } catch (error) {
    return refuse('event-unreadable', `it is not a readable event (${error instanceof Error ? error.message.replace(/\.$/, '') : String(error)}).`);
  }
  const parsed = CeremonyEvent.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return refuse('event-unreadable', `it is not a valid ceremony event (${issue ? `${issue.path.join('.') || 'event'}: ${issue.message}` : 'unknown problem'}).`);
  }
  const event = parsed.data;
  if (ceremonyId !== undefined && event.ceremonyId !== ceremonyId) return refuse('event-wrong-ceremony', `it belongs to ceremony ${event.ceremonyId}, not ${ceremonyId}.`);
  // The store names a file after its event; a name that says otherwise was edited.
  if (!eventFileNameFits(source, event)) return refuse('event-unreadable', `its name does not match what it holds (a ${event.type} event made at ${event.at}).`);
  return { ok: true, file: { source, envelope, event } };
}
