/**
 * The little Conclave reads from an envelope while moving it through a
 * registry: that it is DSSE over an in-toto statement, and the statement's
 * predicateType (signed, unlike any annotation a registry hands back).
 * Signatures are checked by `conclave verify`, not here.
 */
import { EnvelopeError, envelopePayload, parseEnvelope } from '../dsse/envelope';
import { JsonError, parseJsonBytes } from '../json/parse';
import { OciError } from './errors';
import { limits, mediaTypes } from './media-types';

export interface EnvelopeInfo {
  payloadType: string;
  /** The statement's predicateType, when the payload is an in-toto statement. */
  predicateType: string | undefined;
}

/** Reads an envelope's payload type and predicate type; throws OciError('oci-envelope-invalid') when it is not a DSSE envelope. */
export function readEnvelopeInfo(bytes: Uint8Array): EnvelopeInfo {
  try {
    const envelope = parseEnvelope(parseJsonBytes(bytes, { maxBytes: limits.layerBytes }), { requireSignatures: false });
    if (envelope.payloadType !== mediaTypes.inToto) return { payloadType: envelope.payloadType, predicateType: undefined };
    const statement = parseJsonBytes(envelopePayload(envelope), { maxBytes: limits.layerBytes });
    const predicateType = typeof statement === 'object' && statement !== null && !Array.isArray(statement) ? (statement as Record<string, unknown>).predicateType : undefined;
    return { payloadType: envelope.payloadType, predicateType: typeof predicateType === 'string' ? predicateType : undefined };
  } catch (error) {
    if (error instanceof EnvelopeError || error instanceof JsonError) throw new OciError('oci-envelope-invalid', `This is not a DSSE envelope Conclave can attach: ${error.message}`);
    throw error;
  }
}

/** The envelope to attach must be an in-toto statement of the predicate type the annotations will claim. */
export function checkEnvelopeToAttach(bytes: Uint8Array, predicateType: string): void {
  const info = readEnvelopeInfo(bytes);
  if (info.payloadType !== mediaTypes.inToto) {
    throw new OciError('oci-envelope-invalid', `The envelope's payloadType is "${info.payloadType}", not ${mediaTypes.inToto}: only in-toto statements are attached to images.`);
  }
  if (info.predicateType !== predicateType) {
    throw new OciError(
      'oci-envelope-invalid',
      `The envelope's statement has predicateType ${info.predicateType === undefined ? '(none)' : `"${info.predicateType}"`}, but it was to be attached as "${predicateType}"; the annotations would not match what is signed.`,
    );
  }
}
