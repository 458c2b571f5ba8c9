/**
 * One approval as a Sigstore bundle (v0.3, DSSE content), so that existing
 * Sigstore verifiers check it with no Conclave code: with the approver's
 * public key (a `publicKey` hint, the keyid), or, for an approver identified
 * by certificate (issue 6), with the certificate itself in the bundle and the
 * organisation's CA as the verifier's trust root. The approval's RFC 3161
 * time stamp, when it has one, proves when it was signed.
 */
import type { Envelope, EnvelopeSignature } from '../dsse/envelope';
import { fromBase64, toBase64 } from '../encoding/base64';

export const sigstoreBundleV03MediaType = 'application/vnd.dev.sigstore.bundle.v0.3+json';

/** v0.3 carries one of: a public-key hint, or the signer's certificate (without its chain: the verifier has the CA). */
export type SigstoreVerificationContent = { publicKey: { hint: string } } | { certificate: { rawBytes: string } };

export interface SigstoreBundle {
  mediaType: typeof sigstoreBundleV03MediaType;
  verificationMaterial: SigstoreVerificationContent & {
    tlogEntries: never[];
    timestampVerificationData: { rfc3161Timestamps: { signedTimestamp: string }[] };
  };
  dsseEnvelope: { payload: string; payloadType: string; signatures: { sig: string; keyid: string }[] };
}

/**
 * The bundle for one signature of a (possibly multi-signature) envelope. `hint` is the approver's keyid;
 * `certificate` (DER), for a certificate approver, replaces it.
 */
export function approvalBundle(envelope: Envelope, signature: EnvelopeSignature, rfc3161Timestamps: string[] = [], certificate?: Uint8Array): SigstoreBundle {
  const content: SigstoreVerificationContent = certificate ? { certificate: { rawBytes: toBase64(certificate) } } : { publicKey: { hint: signature.keyid } };
  return {
    mediaType: sigstoreBundleV03MediaType,
    verificationMaterial: {
      ...content,
      tlogEntries: [],
      timestampVerificationData: { rfc3161Timestamps: rfc3161Timestamps.map((signedTimestamp) => ({ signedTimestamp })) },
    },
    dsseEnvelope: { payload: envelope.payload, payloadType: envelope.payloadType, signatures: [{ sig: signature.sig, keyid: signature.keyid }] },
  };
}

/** What `conclave verify` takes from an approver's bundle: whose signature it is, its certificate, its time stamps. */
export interface ApprovalBundleMaterial {
  /** The keyid of the bundle's signature (the DSSE keyid, else the public-key hint). */
  keyId: string;
  /** The signature's bytes (base64), to match it with a signature of the combined envelope. */
  sig: string;
  /** DER certificate, for a certificate approver. */
  certificate?: Uint8Array;
  /** signedTimestamp values (base64 DER TimeStampResp). */
  timestamps: string[];
}

export class SigstoreBundleError extends Error {
  override readonly name = 'SigstoreBundleError';
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Reads a Sigstore bundle (v0.1 to v0.3) with one DSSE signature, as Conclave
 * publishes them. Throws SigstoreBundleError with what is wrong. Nothing in it
 * is trusted: the verifier checks the signature, the certificate and the time.
 */
export function readApprovalBundle(value: unknown): ApprovalBundleMaterial {
  const wrong = (detail: string) => new SigstoreBundleError(`This is not a Sigstore bundle of one approval (${detail}).`);
  if (!isObject(value) || typeof value.mediaType !== 'string' || !value.mediaType.startsWith('application/vnd.dev.sigstore.bundle')) throw wrong('no Sigstore bundle mediaType');
  const material = value.verificationMaterial;
  const dsse = value.dsseEnvelope;
  if (!isObject(material) || !isObject(dsse) || !Array.isArray(dsse.signatures) || dsse.signatures.length !== 1) throw wrong('no DSSE envelope with exactly one signature');
  const signature: unknown = dsse.signatures[0];
  if (!isObject(signature) || typeof signature.sig !== 'string') throw wrong('its signature has no "sig"');
  const hint = isObject(material.publicKey) && typeof material.publicKey.hint === 'string' ? material.publicKey.hint : undefined;
  const keyId = typeof signature.keyid === 'string' && signature.keyid !== '' ? signature.keyid : hint;
  if (keyId === undefined) throw wrong('its signature names no keyid and it has no public-key hint');
  let certificate: Uint8Array | undefined;
  const rawBytes = isObject(material.certificate)
    ? material.certificate.rawBytes
    : isObject(material.x509CertificateChain) && Array.isArray(material.x509CertificateChain.certificates) && isObject(material.x509CertificateChain.certificates[0])
      ? material.x509CertificateChain.certificates[0].rawBytes
      : undefined;
  if (rawBytes !== undefined) {
    if (typeof rawBytes !== 'string') throw wrong('its certificate is not base64');
    try {
      certificate = fromBase64(rawBytes);
    } catch {
      throw wrong('its certificate is not base64');
    }
  }
  const data = material.timestampVerificationData;
  const stamps = isObject(data) && Array.isArray(data.rfc3161Timestamps) ? data.rfc3161Timestamps : [];
  const timestamps = stamps.flatMap((stamp: unknown) => (isObject(stamp) && typeof stamp.signedTimestamp === 'string' ? [stamp.signedTimestamp] : []));
  return { keyId, sig: signature.sig, ...(certificate ? { certificate } : {}), timestamps };
}
