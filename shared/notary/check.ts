/**
 * Conclave's own reading of a Notary Project signature stored with an
 * approval (issue 14, point 5). The approval event is signed by its approver,
 * so nobody else can add one; what this guards against is the approver's own
 * client (or an insider running one) slipping in a Notary signature over
 * another image, another statement or another policy, which notation would
 * then accept next to a release the ceremony never approved. A stored Notary
 * signature counts only when it is exactly what approving would have made:
 * one of the ceremony's images, this statement, this policy, this key and
 * certificate, and a valid signature by that key.
 */
import { toHex } from '../encoding/hex';
import { fromBase64, isBase64 } from '../encoding/base64';
import { keyTypeOfPublicKeyInfo, type Digester } from '../keys/public-key-info';
import { ecdsaRawToDer } from '../keys/ecdsa-signature';
import type { SignatureVerifier } from '../keys/signature-verifier';
import type { ApprovedEvent, OpenedEvent } from '../ceremony/events';
import { fromBase64Url } from './base64url';
import { ecdsaComponentBytes, notaryAlgorithmOf, notaryAnnotations, notaryHeaders, notaryMediaTypes, notaryX509Scheme, type NotaryAlgorithm, type NotaryTargetDescriptor } from './signature';
import { bytesEqual } from '../encoding/bytes';

/** A Notary signature read from its envelope: what it signs and who it says signed. Not yet checked. */
export interface ReadNotarySignature {
  alg: NotaryAlgorithm;
  signingTime: string;
  target: NotaryTargetDescriptor;
  annotations: Record<string, string>;
  /** DER, leaf first. */
  chain: Uint8Array[];
  timestampToken?: Uint8Array;
  signingInput: Uint8Array;
  /** The JWS signature value (ECDSA as r‖s). */
  signature: Uint8Array;
}

export class NotarySignatureError extends Error {}

const knownAlgorithms: readonly string[] = ['ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512'];
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function parseJson(bytes: Uint8Array, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new NotarySignatureError(`its ${what} is not JSON`);
  }
  if (!isRecord(value)) throw new NotarySignatureError(`its ${what} is not a JSON object`);
  return value;
}

function base64UrlPart(value: unknown, what: string): Uint8Array {
  if (typeof value !== 'string') throw new NotarySignatureError(`it has no ${what}`);
  try {
    return fromBase64Url(value);
  } catch {
    throw new NotarySignatureError(`its ${what} is not base64url`);
  }
}

/**
 * Reads an envelope by the rules notation-core-go applies before the
 * signature (signature/jws/jws.go: signing scheme, crit, signing time; types.go:
 * the known algorithms). Throws NotarySignatureError with what is wrong.
 */
export function readNotarySignature(envelopeBytes: Uint8Array): ReadNotarySignature {
  const envelope = parseJson(envelopeBytes, 'envelope');
  const protectedBytes = base64UrlPart(envelope.protected, 'protected header');
  const header = parseJson(protectedBytes, 'protected header');
  const alg = header.alg;
  if (typeof alg !== 'string' || !knownAlgorithms.includes(alg)) throw new NotarySignatureError(`its algorithm ${JSON.stringify(alg)} is not one the Notary Project specification allows`);
  if (header.cty !== notaryMediaTypes.payload) throw new NotarySignatureError(`its content type is ${JSON.stringify(header.cty)}, not ${notaryMediaTypes.payload}`);
  if (header[notaryHeaders.signingScheme] !== notaryX509Scheme) throw new NotarySignatureError(`its signing scheme is ${JSON.stringify(header[notaryHeaders.signingScheme])}, not ${notaryX509Scheme}`);
  const signingTime = header[notaryHeaders.signingTime];
  if (typeof signingTime !== 'string' || Number.isNaN(Date.parse(signingTime))) throw new NotarySignatureError('it has no signing time');
  // jws.go validateCriticalHeaders: crit present, naming the signing scheme, and nothing absent.
  const crit = header.crit;
  if (!Array.isArray(crit) || !crit.includes(notaryHeaders.signingScheme) || crit.some((name) => typeof name !== 'string' || !(name in header))) {
    throw new NotarySignatureError('its "crit" header does not name exactly the critical headers it has');
  }
  const payloadBytes = base64UrlPart(envelope.payload, 'payload');
  const payload = parseJson(payloadBytes, 'payload');
  const target = payload.targetArtifact;
  if (!isRecord(target) || typeof target.mediaType !== 'string' || typeof target.digest !== 'string' || typeof target.size !== 'number') {
    throw new NotarySignatureError('its payload names no target artifact descriptor');
  }
  const annotations: Record<string, string> = {};
  if (isRecord(target.annotations)) for (const [key, value] of Object.entries(target.annotations)) if (typeof value === 'string') annotations[key] = value;
  const unprotected = envelope.header;
  if (!isRecord(unprotected) || !Array.isArray(unprotected.x5c) || unprotected.x5c.length === 0) throw new NotarySignatureError('it carries no certificate chain (x5c)');
  const chain = unprotected.x5c.map((entry) => {
    if (typeof entry !== 'string' || !isBase64(entry)) throw new NotarySignatureError('its certificate chain (x5c) is not base64');
    return fromBase64(entry);
  });
  const stamp = unprotected[notaryHeaders.timestampSignature];
  if (stamp !== undefined && (typeof stamp !== 'string' || !isBase64(stamp))) throw new NotarySignatureError('its time stamp is not base64');
  const signature = base64UrlPart(envelope.signature, 'signature');
  return {
    alg: alg as NotaryAlgorithm,
    signingTime,
    target: { mediaType: target.mediaType, digest: target.digest, size: target.size },
    annotations,
    chain,
    ...(typeof stamp === 'string' ? { timestampToken: fromBase64(stamp) } : {}),
    signingInput: new TextEncoder().encode(`${envelope.protected as string}.${envelope.payload as string}`),
    signature,
  };
}

/** What a Notary signature stored with an approval must say. */
export interface NotaryExpectation {
  ceremonyId: string;
  statementDigest: string;
  policyDigest: string;
  /** The ceremony's images, as `sha256:<hex>` manifest digests. */
  imageDigests: readonly string[];
  /** The approver's key (DER SubjectPublicKeyInfo) and the certificate the approval carries (DER). */
  spki: Uint8Array;
  certificate: Uint8Array | undefined;
}

export type NotaryCheck = { ok: true; signatures: ReadNotarySignature[] } | { ok: false; reason: string };


/** Checks every Notary signature an approval carries (base64 envelopes); at most one per image. */
export async function checkNotarySignatures(envelopes: readonly string[], expected: NotaryExpectation, verifier: SignatureVerifier): Promise<NotaryCheck> {
  const signatures: ReadNotarySignature[] = [];
  for (const [index, encoded] of envelopes.entries()) {
    const which = envelopes.length > 1 ? `Notary signature ${index + 1}` : 'its Notary signature';
    let read: ReadNotarySignature;
    try {
      read = readNotarySignature(fromBase64(encoded));
    } catch (error) {
      if (error instanceof NotarySignatureError || error instanceof TypeError) return { ok: false, reason: `${which} cannot be read: ${error.message}` };
      throw error;
    }
    const { target, annotations } = read;
    if (!expected.imageDigests.includes(target.digest)) return { ok: false, reason: `${which} is over the image ${target.digest}, which is not an image of this ceremony` };
    if (signatures.some((earlier) => earlier.target.digest === target.digest)) return { ok: false, reason: `${which} signs the image ${target.digest} a second time` };
    if (annotations[notaryAnnotations.ceremonyId] !== expected.ceremonyId) return { ok: false, reason: `${which} names another ceremony (${annotations[notaryAnnotations.ceremonyId] ?? 'none'})` };
    if (annotations[notaryAnnotations.statementDigest] !== expected.statementDigest) return { ok: false, reason: `${which} names another statement than the one approved` };
    if (annotations[notaryAnnotations.policyDigest] !== expected.policyDigest) return { ok: false, reason: `${which} names another policy than the ceremony's` };
    if (expected.certificate === undefined || !bytesEqual(read.chain[0]!, expected.certificate)) return { ok: false, reason: `${which} carries another certificate than the approval` };
    const algorithm = notaryAlgorithmOf(keyTypeOfPublicKeyInfo(expected.spki));
    if (!algorithm.ok || algorithm.alg !== read.alg) return { ok: false, reason: `${which} says ${read.alg}, which is not the algorithm of the approver's key` };
    const width = ecdsaComponentBytes[read.alg];
    let signature = read.signature;
    if (width !== undefined) {
      if (signature.length !== 2 * width) return { ok: false, reason: `${which} has an ${read.alg} signature of the wrong length` };
      signature = ecdsaRawToDer(signature);
    }
    if (!(await verifier.verify(expected.spki, read.signingInput, signature))) return { ok: false, reason: `${which} is not a valid signature of the approver's key` };
    signatures.push(read);
  }
  return { ok: true, signatures };
}

/** The manifest annotation `io.cncf.notary.x509chain.thumbprint#S256`: a JSON array of the chain's SHA-256, lowercase hex as notation writes it. */
export async function notaryThumbprints(chain: readonly Uint8Array[], digester: Digester): Promise<string> {
  const digests = await Promise.all(chain.map(async (der) => toHex(await digester.digest('SHA-256', der))));
  return JSON.stringify(digests);
}

/** What an approval's Notary signatures must say: the ceremony's images, the approval's statement, the opening's policy, the approver's key and certificate. */
export function notaryExpectationOf(opened: Pick<OpenedEvent, 'ceremonyId' | 'policyDigest' | 'artifacts'>, approval: Pick<ApprovedEvent, 'statementDigest' | 'certificates'>, spki: Uint8Array): NotaryExpectation {
  const leaf = approval.certificates?.[0];
  return {
    ceremonyId: opened.ceremonyId,
    statementDigest: approval.statementDigest,
    policyDigest: opened.policyDigest,
    // Image artifacts are the ones with a reference (electron/core/ceremony/publish-to-registry.ts); their digest is the manifest's.
    imageDigests: opened.artifacts.filter((artifact) => artifact.reference !== undefined).map((artifact) => `sha256:${artifact.digest.sha256}`),
    spki,
    certificate: leaf !== undefined && isBase64(leaf) ? fromBase64(leaf) : undefined,
  };
}
