/**
 * The DSSE envelope: one payload, any number of signatures over PAE of it.
 * Parsing is strict (standard padded base64, no unknown shapes) because an
 * envelope is exactly what an attacker hands us.
 */
import { fromBase64, isBase64, toBase64 } from '../encoding/base64';
import { JsonError, parseJsonText } from '../json/parse';
import { CodedError } from '../errors';

export interface EnvelopeSignature {
  /** Lowercase hex SHA-256 of the signer's DER SubjectPublicKeyInfo (may be empty in foreign envelopes). */
  keyid: string;
  /** Standard base64 of the signature bytes. */
  sig: string;
}

export interface Envelope {
  payloadType: string;
  /** Standard base64 of the payload bytes. */
  payload: string;
  signatures: EnvelopeSignature[];
}

export const envelopeErrorCodes = ['envelope-not-json', 'envelope-malformed', 'envelope-bad-base64', 'envelope-no-signatures'] as const;
export type EnvelopeErrorCode = (typeof envelopeErrorCodes)[number];

export class EnvelopeError extends CodedError<EnvelopeErrorCode> {
  override readonly name = 'EnvelopeError';
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Reads an envelope from parsed JSON; `requireSignatures` is false only for envelopes still being assembled. */
export function parseEnvelope(value: unknown, { requireSignatures = true } = {}): Envelope {
  if (!isObject(value)) throw new EnvelopeError('envelope-malformed', 'This is not a DSSE envelope: expected a JSON object with payloadType, payload and signatures.');
  const { payloadType, payload, signatures } = value;
  if (typeof payloadType !== 'string' || payloadType === '') throw new EnvelopeError('envelope-malformed', 'The envelope has no payloadType.');
  if (typeof payload !== 'string') throw new EnvelopeError('envelope-malformed', 'The envelope has no payload.');
  if (!isBase64(payload)) throw new EnvelopeError('envelope-bad-base64', 'The envelope payload is not standard base64.');
  if (!Array.isArray(signatures)) throw new EnvelopeError('envelope-malformed', 'The envelope has no signatures list.');
  if (requireSignatures && signatures.length === 0) throw new EnvelopeError('envelope-no-signatures', 'The envelope carries no signature.');
  const parsed = signatures.map((entry, index) => {
    if (!isObject(entry) || typeof entry.sig !== 'string') throw new EnvelopeError('envelope-malformed', `Signature ${index + 1} of the envelope has no sig.`);
    if (!isBase64(entry.sig) || entry.sig === '') throw new EnvelopeError('envelope-bad-base64', `Signature ${index + 1} of the envelope is not standard base64.`);
    if (entry.keyid !== undefined && typeof entry.keyid !== 'string') throw new EnvelopeError('envelope-malformed', `Signature ${index + 1} has a keyid that is not text.`);
    return { keyid: typeof entry.keyid === 'string' ? entry.keyid : '', sig: entry.sig };
  });
  return { payloadType, payload, signatures: parsed };
}

export function parseEnvelopeText(text: string): Envelope {
  let value: unknown;
  try {
    // Size, depth and duplicate-name limits: an envelope is exactly what an attacker hands us.
    value = parseJsonText(text);
  } catch (error) {
    const why = error instanceof JsonError && error.code !== 'json-syntax' ? ` (${error.message})` : '';
    throw new EnvelopeError('envelope-not-json', `This file is not JSON Conclave accepts, so it cannot be a DSSE envelope${why}.`);
  }
  return parseEnvelope(value);
}

export function envelopePayload(envelope: Envelope): Uint8Array {
  return fromBase64(envelope.payload);
}

export function makeEnvelope(payloadType: string, payload: Uint8Array, signatures: { keyid: string; signature: Uint8Array }[]): Envelope {
  return {
    payloadType,
    payload: toBase64(payload),
    signatures: signatures.map((entry) => ({ keyid: entry.keyid, sig: toBase64(entry.signature) })),
  };
}
