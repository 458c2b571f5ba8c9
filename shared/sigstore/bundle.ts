/**
 * One approval as a Sigstore bundle (v0.3, DSSE content, public-key hint), so
 * that existing Sigstore verifiers check it with the approver's public key
 * and no Conclave code. Timestamps (RFC 3161) join in issue 6.
 */
import type { Envelope, EnvelopeSignature } from '../dsse/envelope';

export const sigstoreBundleV03MediaType = 'application/vnd.dev.sigstore.bundle.v0.3+json';

export interface SigstoreBundle {
  mediaType: typeof sigstoreBundleV03MediaType;
  verificationMaterial: {
    publicKey: { hint: string };
    tlogEntries: never[];
    timestampVerificationData: { rfc3161Timestamps: { signedTimestamp: string }[] };
  };
  dsseEnvelope: { payload: string; payloadType: string; signatures: { sig: string; keyid: string }[] };
}

/** The bundle for one signature of a (possibly multi-signature) envelope. `hint` is the approver's keyid. */
export function approvalBundle(envelope: Envelope, signature: EnvelopeSignature, rfc3161Timestamps: string[] = []): SigstoreBundle {
  return {
    mediaType: sigstoreBundleV03MediaType,
    verificationMaterial: {
      publicKey: { hint: signature.keyid },
      tlogEntries: [],
      timestampVerificationData: { rfc3161Timestamps: rfc3161Timestamps.map((signedTimestamp) => ({ signedTimestamp })) },
    },
    dsseEnvelope: { payload: envelope.payload, payloadType: envelope.payloadType, signatures: [{ sig: signature.sig, keyid: signature.keyid }] },
  };
}
