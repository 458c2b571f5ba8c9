/**
 * One approval as a Sigstore bundle (v0.3, DSSE content), so that existing
 * Sigstore verifiers check it with no Conclave code: with the approver's
 * public key (a `publicKey` hint naming the key), or, for an approver
 * identified by certificate (issue 6), with the certificate itself in the
 * bundle and the organisation's CA as the verifier's trust root. The
 * approval's RFC 3161 time stamp, when it has one, proves when it was signed.
 *
 * The DSSE signature inside a bundle carries an empty `keyid` (issue 14): the
 * bundle's verification material names the key. sigstore-go (which cosign 3
 * and Kyverno use for bundles) hands the envelope to go-securesystemslib with
 * a verifier that has the public key and no key id (sigstore-go
 * pkg/verify/signature.go:233-236 at 4594ab4; sigstore pkg/signature/dsse/
 * adapters.go:74-77 at bd0ad71), so go-securesystemslib derives its own,
 * the SSH SHA256 fingerprint of the key, and skips every signature whose
 * non-empty keyid differs from it (go-securesystemslib dsse/verify.go:70-80
 * at 8b6ec9c). Conclave's hex SHA-256 keyid never equals that fingerprint;
 * an empty one is never compared. cosign's own bundles leave it empty too.
 * The combined envelope keeps its keyids: there they say which signature is
 * whose, and DSSE verifiers that take keys by keyid need them.
 */
import type { Envelope, EnvelopeSignature } from '../dsse/envelope';
import { fromBase64, toBase64 } from '../encoding/base64';
import { publicKeyInfoOfCertificate } from '../keys/certificate';

export const sigstoreBundleV03MediaType = 'application/vnd.dev.sigstore.bundle.v0.3+json';

/**
 * v0.3 carries one of: a public-key hint, or the signer's certificate alone. A v0.3 bundle may not carry an
 * x509CertificateChain (sigstore-go pkg/bundle/bundle.go:112-119 at 4594ab4; @sigstore/bundle 4.0.0
 * validateNoCertificateChain), and v0.1/v0.2 readers use only its first certificate anyway (bundle.go:250-265):
 * the intermediates and the root are the verifier's trust root, as the policy's `roots` and `intermediates` are Conclave's.
 */
export type SigstoreVerificationContent = { publicKey: { hint: string } } | { certificate: { rawBytes: string } };

export interface SigstoreBundle {
  mediaType: typeof sigstoreBundleV03MediaType;
  verificationMaterial: SigstoreVerificationContent & {
    tlogEntries: never[];
    timestampVerificationData: { rfc3161Timestamps: { signedTimestamp: string }[] };
  };
  /** `keyid` is always empty: the verification material names the key (see above). */
  dsseEnvelope: { payload: string; payloadType: string; signatures: { sig: string; keyid: '' }[] };
}

/**
 * The bundle for one signature of a (possibly multi-signature) envelope. The public-key hint is the approver's
 * keyid (the envelope signature's); `certificate` (DER, the leaf), for a certificate approver, replaces it.
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
    dsseEnvelope: { payload: envelope.payload, payloadType: envelope.payloadType, signatures: [{ sig: signature.sig, keyid: '' }] },
  };
}

/** What `conclave verify` takes from an approver's bundle: whose signature it is, its certificate, its time stamps. */
export interface ApprovalBundleMaterial {
  /** The keyid of the bundle's signature: the DSSE keyid when there is one (bundles Conclave wrote before issue 14), else the public-key hint, else that of the certificate's key. */
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
 * `keyIdOf` hashes a DER SubjectPublicKeyInfo to its keyid (lowercase hex
 * SHA-256), for a certificate bundle whose signature names no keyid.
 */
export function readApprovalBundle(value: unknown, keyIdOf: (publicKeyInfo: Uint8Array) => string): ApprovalBundleMaterial {
  const wrong = (detail: string) => new SigstoreBundleError(`This is not a Sigstore bundle of one approval (${detail}).`);
  if (!isObject(value) || typeof value.mediaType !== 'string' || !value.mediaType.startsWith('application/vnd.dev.sigstore.bundle')) throw wrong('no Sigstore bundle mediaType');
  const material = value.verificationMaterial;
  const dsse = value.dsseEnvelope;
  if (!isObject(material) || !isObject(dsse) || !Array.isArray(dsse.signatures) || dsse.signatures.length !== 1) throw wrong('no DSSE envelope with exactly one signature');
  const signature: unknown = dsse.signatures[0];
  if (!isObject(signature) || typeof signature.sig !== 'string') throw wrong('its signature has no "sig"');
  const hint = isObject(material.publicKey) && typeof material.publicKey.hint === 'string' && material.publicKey.hint !== '' ? material.publicKey.hint : undefined;
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
  let keyId = typeof signature.keyid === 'string' && signature.keyid !== '' ? signature.keyid : hint;
  if (keyId === undefined && certificate) {
    try {
      keyId = keyIdOf(publicKeyInfoOfCertificate(certificate));
    } catch {
      throw wrong('its certificate is not a DER X.509 certificate');
    }
  }
  if (keyId === undefined) throw wrong('its signature names no keyid, and it has neither a public-key hint nor a certificate');
  const data = material.timestampVerificationData;
  const stamps = isObject(data) && Array.isArray(data.rfc3161Timestamps) ? data.rfc3161Timestamps : [];
  const timestamps = stamps.flatMap((stamp: unknown) => (isObject(stamp) && typeof stamp.signedTimestamp === 'string' ? [stamp.signedTimestamp] : []));
  return { keyId, sig: signature.sig, ...(certificate ? { certificate } : {}), timestamps };
}
