/**
 * Notary Project signatures (issue 14, point 5), in the JWS envelope of the
 * Notary Project specification (notaryproject/specifications
 * specs/signature-envelope-jws.md and signature-specification.md; the reader
 * is notation-core-go signature/jws at ef87896): JWS JSON serialization, a
 * protected header with `alg`, `cty`, `crit` and the `notary.x509` signing
 * scheme with its signing time, the certificate chain in `x5c`, and an
 * optional RFC 3161 token over the signature value.
 *
 * The payload names the image's manifest by descriptor, and Conclave adds the
 * ceremony, the statement and the policy as annotations of that descriptor:
 * they are signed, so a Notary signature made in a ceremony says which
 * statement it belongs to, and the judge (check.ts) can hold it to that.
 *
 * Building is split around the token: `prepareNotarySignature` gives the bytes
 * the token signs (the JWS signing input), `notaryEnvelope` puts the envelope
 * together once it has signed.
 */
import { toBase64 } from '../encoding/base64';
import { describeKeyType, type KeyType } from '../keys/algorithms';
import { ecdsaDerToRaw } from '../keys/ecdsa-signature';
import { toBase64Url } from './base64url';

export const notaryMediaTypes = {
  /** The artifactType of a signature manifest (signature-specification.md "Storage"). */
  signature: 'application/vnd.cncf.notary.signature',
  /** The signature manifest's layer: the JWS envelope (signature-envelope-jws.md "OCI Signature Storage"). */
  jwsEnvelope: 'application/jose+json',
  /** The protected header's `cty`: what the payload is. */
  payload: 'application/vnd.cncf.notary.payload.v1+json',
} as const;

export const notaryHeaders = {
  signingScheme: 'io.cncf.notary.signingScheme',
  signingTime: 'io.cncf.notary.signingTime',
  timestampSignature: 'io.cncf.notary.timestampSignature',
} as const;

export const notaryAnnotations = {
  /** On the signature manifest: the SHA-256 thumbprints of the x5c chain, a JSON array of hex strings. */
  thumbprints: 'io.cncf.notary.x509chain.thumbprint#S256',
  /** On the signed descriptor (Conclave's): the ceremony, its statement's and its policy's SHA-256. */
  ceremonyId: 'dev.conclave.ceremony.id',
  statementDigest: 'dev.conclave.statement.sha256',
  policyDigest: 'dev.conclave.policy.sha256',
} as const;

/** The signing scheme whose signing time is the signer's claim, checked against a TSA's when there is one (signing-scheme.md). */
export const notaryX509Scheme = 'notary.x509';

export type NotaryAlgorithm = 'ES256' | 'ES384' | 'ES512' | 'PS256' | 'PS384' | 'PS512';

/** An OCI descriptor: what the payload's targetArtifact names (the image manifest as the registry serves it). */
export interface NotaryTargetDescriptor {
  mediaType: string;
  /** `sha256:<hex>`. */
  digest: string;
  size: number;
}

/**
 * The JWS `alg` for a key, or why it cannot make a Notary signature here.
 * signature-specification.md "Algorithm Selection" (enforced by notation-core-go
 * signature/internal/base/envelope.go:216-221, validateCertificateChain): the
 * key decides the algorithm, P-256 → ES256, P-384 → ES384, P-521 → ES512,
 * RSA 2048/3072/4096 → PS256/PS384/PS512. Conclave's tokens make RSA-PSS with
 * SHA-256 only (tokens/host/signing-plan.ts), so of RSA keys only 2048-bit
 * ones can sign; Ed25519 is not in the specification.
 */
export function notaryAlgorithmOf(keyType: KeyType): { ok: true; alg: NotaryAlgorithm } | { ok: false; reason: string } {
  switch (keyType.kind) {
    case 'ecdsa':
      return { ok: true, alg: keyType.curve === 'P-256' ? 'ES256' : keyType.curve === 'P-384' ? 'ES384' : 'ES512' };
    case 'rsa':
      if (keyType.bits === 2048) return { ok: true, alg: 'PS256' };
      if (keyType.bits === 3072 || keyType.bits === 4096) return { ok: false, reason: `the Notary Project specification signs with ${keyType.bits === 3072 ? 'PS384' : 'PS512'} for an ${describeKeyType(keyType)} key, and tokens sign RSA-PSS with SHA-256 only in Conclave` };
      return { ok: false, reason: `the Notary Project specification accepts RSA keys of 2048, 3072 or 4096 bits, not ${keyType.bits}` };
    case 'ed25519':
      return { ok: false, reason: 'the Notary Project specification has no Ed25519 signatures' };
  }
}

/** The size of r and of s in a raw ECDSA signature of each algorithm (RFC 7518 §3.4). */
export const ecdsaComponentBytes: Partial<Record<NotaryAlgorithm, number>> = { ES256: 32, ES384: 48, ES512: 66 };

export interface NotaryPayloadInput {
  target: NotaryTargetDescriptor;
  ceremonyId: string;
  /** Lowercase hex SHA-256 of the release statement the approval signs. */
  statementDigest: string;
  /** Lowercase hex SHA-256 of the ceremony's policy. */
  policyDigest: string;
}

/** What the token signs, and the encoded parts the envelope is made of. */
export interface PreparedNotarySignature {
  alg: NotaryAlgorithm;
  /** base64url of the protected header. */
  protected: string;
  /** base64url of the payload. */
  payload: string;
  /** ASCII(protected '.' payload): RFC 7515 §5.1 step 5, the bytes signed. */
  signingInput: Uint8Array;
}

/** RFC 3339 without fractional seconds (signature-envelope-jws.md: time-secfrac SHOULD NOT be used). */
export function notaryTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The payload document: signature-specification.md "Payload", the descriptor with Conclave's signed annotations. */
export function notaryPayload(input: NotaryPayloadInput): { targetArtifact: NotaryTargetDescriptor & { annotations: Record<string, string> } } {
  return {
    targetArtifact: {
      mediaType: input.target.mediaType,
      digest: input.target.digest,
      size: input.target.size,
      annotations: {
        [notaryAnnotations.ceremonyId]: input.ceremonyId,
        [notaryAnnotations.statementDigest]: input.statementDigest,
        [notaryAnnotations.policyDigest]: input.policyDigest,
      },
    },
  };
}

export function prepareNotarySignature(input: NotaryPayloadInput & { alg: NotaryAlgorithm; signingTime: Date }): PreparedNotarySignature {
  const header = {
    alg: input.alg,
    cty: notaryMediaTypes.payload,
    // signature-envelope-jws.md "crit": required, and names exactly the critical headers present.
    crit: [notaryHeaders.signingScheme],
    [notaryHeaders.signingScheme]: notaryX509Scheme,
    [notaryHeaders.signingTime]: notaryTime(input.signingTime),
  };
  const encoder = new TextEncoder();
  const protectedPart = toBase64Url(encoder.encode(JSON.stringify(header)));
  const payloadPart = toBase64Url(encoder.encode(JSON.stringify(notaryPayload(input))));
  return { alg: input.alg, protected: protectedPart, payload: payloadPart, signingInput: encoder.encode(`${protectedPart}.${payloadPart}`) };
}

/**
 * The JWS signature value from what the token returned: ECDSA comes as DER
 * (what DSSE carries) and JWS wants r‖s of fixed width (RFC 7518 §3.4); RSA-PSS
 * is the same bytes in both.
 */
export function jwsSignatureValue(alg: NotaryAlgorithm, tokenSignature: Uint8Array): Uint8Array {
  const width = ecdsaComponentBytes[alg];
  return width === undefined ? tokenSignature : ecdsaDerToRaw(tokenSignature, width);
}

/**
 * The envelope's bytes: JWS JSON serialization (RFC 7515 §7.2.2, flattened),
 * the unprotected header with the chain (leaf first, then intermediates and
 * the root: signature-envelope-jws.md "x5c") and the time stamp token.
 */
export function notaryEnvelope(prepared: PreparedNotarySignature, signature: Uint8Array, chain: readonly Uint8Array[], timestampToken?: Uint8Array): Uint8Array {
  const envelope = {
    payload: prepared.payload,
    protected: prepared.protected,
    header: {
      x5c: chain.map((der) => toBase64(der)),
      ...(timestampToken ? { [notaryHeaders.timestampSignature]: toBase64(timestampToken) } : {}),
    },
    signature: toBase64Url(signature),
  };
  return new TextEncoder().encode(JSON.stringify(envelope));
}
