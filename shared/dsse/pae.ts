/**
 * DSSE v1 Pre-Authentication Encoding: what every signer signs.
 * PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body,
 * with LEN the ASCII decimal byte length (DSSE protocol, "Signature definition").
 */
const encoder = new TextEncoder();

export function pae(payloadType: string, payload: Uint8Array): Uint8Array {
  const type = encoder.encode(payloadType);
  const head = encoder.encode(`DSSEv1 ${type.length} `);
  const middle = encoder.encode(` ${payload.length} `);
  const out = new Uint8Array(head.length + type.length + middle.length + payload.length);
  out.set(head, 0);
  out.set(type, head.length);
  out.set(middle, head.length + type.length);
  out.set(payload, head.length + type.length + middle.length);
  return out;
}

/** The payload type of in-toto statements in DSSE. */
export const inTotoPayloadType = 'application/vnd.in-toto+json';
