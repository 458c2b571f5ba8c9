/**
 * What each verifier a consumer runs will say about a publication, before it
 * is pushed (issue 14, "What each verifier will say"). Pure: the caller gives
 * the result of Conclave's own verifier on the envelope that would be
 * published, and what the rules below need about each signer's key.
 *
 * The rules are the ones the tests check against the verifiers' sources:
 * - cosign 3 `verify-attestation --key`: tests/verifiers/support/sigstore-go-rules.ts
 *   (cosign d6d86c2 cmd/cosign/cli/verify/verify_attestation.go:86-89, the key's hash
 *   defaults to SHA-256; sigstore bd0ad71 pkg/signature/verifier.go:43-74 LoadVerifier:
 *   RSA → PKCS#1 v1.5, ECDSA → SHA-256, Ed25519 → PureEdDSA), summed up in the table
 *   of docs/formats.md "Signature encodings". tests/verifiers/forecast-rules.test.ts checks that
 *   cosignKeyProblem agrees with those encoded rules on real signatures of every key type.
 * - Kyverno, the two policies of docs/verify.md: tests/oci-ceremony/support/kyverno-rules.ts
 *   (kyverno 111e07b pkg/engine/internal/imageverifier.go:232-338: each attestor entry, one
 *   key, on its own through cosign's key verifier; a set passes at `count` entries;
 *   pkg/cel/libs/imageverify/impl.go:271-300 the same count for ImageValidatingPolicy), with
 *   the policy's threshold as `count` for the approvals and one publisher entry for the VSA.
 * - notation (issue 14, point 5): a certificate approver's approval carries a Notary Project
 *   signature per image (electron/core/ceremony/notary-signatures.ts); key approvers make none,
 *   as a Notary signature needs an x5c chain. `notation verify` accepts an image when one
 *   signature verifies under the trust policy (notation-go verifier); its chain must pass
 *   notation-core-go's code-signing rules (shared/notary/certificate-rules.ts). Kyverno's Notary
 *   attestor counts signatures whose certificate chains to one of its `certificates` up to `count`.
 */
import { describeKeyType, type KeyType } from '../keys/algorithms';

export type RsaScheme = 'pkcs1-v1_5' | 'pss';

/** One signature of the envelope that would be published. */
export interface ForecastSigner {
  approverId: string;
  keyId: string;
  keyType: KeyType;
  /** How an RSA signature was made (found by the caller by checking it). */
  rsaScheme?: RsaScheme;
  /** An approver identified by a certificate rather than a key the policy lists. */
  byCertificate: boolean;
  /** Whether `conclave verify` found it valid (whether or not it counted). */
  valid: boolean;
  /**
   * For a certificate approver (issue 14): whether the approval carries Notary Project signatures, and `problem`:
   * why it carries none, or why notation would refuse the ones it carries (its certificate chain's rules).
   */
  notary?: { signed: boolean; problem?: string };
}

/** Someone whose key would sign the Verification Summary Attestation. */
export interface ForecastPublisher {
  id: string;
  keyType: KeyType;
  rsaScheme?: RsaScheme;
}

export interface ForecastInput {
  /** Conclave's own verifier on the envelope that would be published. */
  conclave: { ok: boolean; approvedBy: readonly string[]; threshold: number; failures: readonly string[] };
  signers: readonly ForecastSigner[];
  /** The publishing key when known (`--key`), otherwise every key the policy lets publish. */
  publishers: readonly ForecastPublisher[];
  /** Whether the publisher is the one given (true) or one of the policy's candidates (false). */
  publisherKnown: boolean;
  /** The policy's threshold: the documented Kyverno policies use it as the approvals' `count`. */
  threshold: number;
  /** OCI images the release attaches to (Kyverno admits images only). */
  images: number;
}

export type Verdict = 'accepts' | 'refuses' | 'not-applicable' | 'not-published';
export type VerifierName = 'conclave' | 'cosign' | 'kyverno' | 'notation';

export interface VerifierForecast {
  verifier: VerifierName;
  /** For cosign: the approver whose key is given to `--key`. */
  approverId?: string;
  verdict: Verdict;
  /** One line for the person at the screen, e.g. "Kyverno: 2 of 2 required attestors". */
  line: string;
  /** Why it refuses (or what it needs), one reason a line. */
  reasons: string[];
}

export interface PublishForecast {
  verifiers: VerifierForecast[];
  /** Every verifier that reads what Conclave publishes accepts it. */
  allAccept: boolean;
}

/**
 * Why cosign would not verify a signature by this key, or undefined when it would: with `--key` (sigstore
 * LoadVerifier with SHA-256), or, for a certificate approver, with the CA as trust root, where sigstore-go
 * loads the certificate's key with the curve's own hash (sigstore-go 4594ab4 pkg/verify/signature.go:160-205
 * compatSignatureVerifier → sigstore LoadDefaultVerifier, pkg/signature/algorithm_registry.go
 * GetDefaultPublicKeyDetails: P-384 → PKIX_ECDSA_P384_SHA_384).
 */
export function cosignKeyProblem(keyType: KeyType, rsaScheme: RsaScheme | undefined, identifiedBy: 'key' | 'certificate' = 'key'): string | undefined {
  switch (keyType.kind) {
    case 'ed25519':
      return undefined;
    case 'ecdsa':
      // verifier.go:43-74: ECDSA checked with the hash given, SHA-256 by default; Conclave signs P-384 with SHA-384, as Sigstore's registry does.
      if (keyType.curve === 'P-256' || identifiedBy === 'certificate') return undefined;
      return `${describeKeyType(keyType)} signs with ${curveHash(keyType)}; cosign checks ECDSA keys with SHA-256`;
    case 'rsa':
      // verifier.go:43-74: an RSA key is loaded as PKCS#1 v1.5.
      return rsaScheme === 'pss' ? 'RSA-PSS signature; cosign checks RSA keys as PKCS#1 v1.5' : undefined;
  }
}

/** The hash Conclave signs an ECDSA key's approvals with: the curve's own (FIPS 186-5 §6.4; Sigstore's algorithm registry). */
function curveHash(keyType: Extract<KeyType, { kind: 'ecdsa' }>): string {
  return keyType.curve === 'P-256' ? 'SHA-256' : keyType.curve === 'P-384' ? 'SHA-384' : 'SHA-512';
}

/**
 * For an ECDSA P-384 or P-521 approver: what else refuses their bundle, and the one setting that helps
 * (docs/verify.md "ECDSA P-384 and the Sigstore verifiers" gives the source lines).
 */
function largeCurveNotes(signer: ForecastSigner): { cosign: string[]; kyverno: string[] } {
  if (signer.keyType.kind !== 'ecdsa' || signer.keyType.curve === 'P-256') return { cosign: [], kyverno: [] };
  const hash = curveHash(signer.keyType);
  const algorithm = hash.replace('-', '').toLowerCase();
  // @sigstore/verify dist/bundle/dsse.js verifySignature passes no hash, and Node then checks every EC key with SHA-256.
  const sigstoreJs = `sigstore-js (@sigstore/verify) refuses ${signer.approverId}'s bundle with key or certificate: it checks ECDSA signatures with SHA-256 whatever the curve`;
  if (signer.byCertificate) return { cosign: [sigstoreJs], kyverno: [] };
  return {
    cosign: [`cosign accepts it when given --signature-digest-algorithm ${algorithm}`, sigstoreJs],
    // kyverno api/kyverno/v1/image_verification_types.go StaticKeyAttestor.Validate: signatureAlgorithm is sha256 or sha512.
    kyverno: [algorithm === 'sha512' ? `${signer.approverId}'s key entry counts with signatureAlgorithm: sha512` : `no Kyverno setting makes ${signer.approverId}'s key count: a key attestor's signatureAlgorithm is sha256 or sha512`],
  };
}

function conclaveForecast(input: ForecastInput): VerifierForecast {
  const { ok, approvedBy, threshold, failures } = input.conclave;
  return {
    verifier: 'conclave',
    verdict: ok ? 'accepts' : 'refuses',
    line: `conclave verify: ${ok ? 'accepts' : 'refuses'} (${approvedBy.length > 0 ? `approved by ${approvedBy.join(', ')}` : 'no approval counts'}; ${threshold} required)`,
    reasons: ok ? [] : [...failures],
  };
}

function cosignForecast(signer: ForecastSigner): VerifierForecast {
  const problem = signer.valid ? cosignKeyProblem(signer.keyType, signer.rsaScheme, signer.byCertificate ? 'certificate' : 'key') : 'the signature does not verify';
  const key = describeKeyType(signer.keyType);
  const notes = signer.valid ? largeCurveNotes(signer).cosign : [];
  if (problem) return { verifier: 'cosign', approverId: signer.approverId, verdict: 'refuses', line: `cosign verify-attestation (${signer.approverId}, ${key}): refuses`, reasons: [problem, ...notes] };
  return {
    verifier: 'cosign',
    approverId: signer.approverId,
    verdict: 'accepts',
    line: `cosign verify-attestation (${signer.approverId}, ${key}): accepts${signer.byCertificate ? ' with the CA as trust root' : ''}`,
    // A certificate approver's bundle carries the certificate: cosign needs its CA, not a --key (docs/verify.md).
    reasons: [...(signer.byCertificate ? [`${signer.approverId} is identified by certificate: give cosign the CA's certificate chain as trust root, not --key`] : []), ...notes],
  };
}

function kyvernoForecast(input: ForecastInput): VerifierForecast {
  if (input.images === 0) return { verifier: 'kyverno', verdict: 'not-applicable', line: 'Kyverno: not applicable (the release has no OCI image)', reasons: [] };
  const reasons: string[] = [];
  // The documented policies list one key entry per approver key; certificate approvers are not among them.
  const keyed = input.signers.filter((signer) => !signer.byCertificate);
  for (const signer of input.signers.filter((candidate) => candidate.byCertificate)) reasons.push(`${signer.approverId} is identified by certificate, which the documented policies do not list as an attestor key`);
  const counted = new Set<string>();
  for (const signer of keyed) {
    const problem = signer.valid ? cosignKeyProblem(signer.keyType, signer.rsaScheme) : 'the signature does not verify';
    if (problem) reasons.push(`${signer.approverId}'s key does not count: ${problem}`, ...(signer.valid ? largeCurveNotes(signer).kyverno : []));
    else counted.add(signer.keyId);
  }
  const required = input.threshold;
  const approvalsMet = counted.size >= required;
  // The VSA attestor set (count: 1): an entry per key that may publish; the publisher's key goes through the same key verifier.
  const publishers = input.publishers.map((publisher) => ({ publisher, problem: cosignKeyProblem(publisher.keyType, publisher.rsaScheme) }));
  const accepted = publishers.filter((entry) => entry.problem === undefined);
  for (const entry of publishers.filter((candidate) => candidate.problem !== undefined)) reasons.push(`a VSA signed by ${entry.publisher.id} would not verify: ${entry.problem!}`);
  const vsaMet = input.publisherKnown ? accepted.length === publishers.length && publishers.length > 0 : accepted.length > 0;
  if (!vsaMet && publishers.length === 0) reasons.push('no key in the policy may publish');
  if (!input.publisherKnown && vsaMet && accepted.length < publishers.length) reasons.push(`publish with the key of ${accepted.map((entry) => entry.publisher.id).join(' or ')} for the VSA to verify`);
  const vsa = vsaMet ? (input.publisherKnown ? `VSA by ${accepted[0]!.publisher.id}` : 'VSA') : 'no VSA it verifies';
  const verdict = approvalsMet && vsaMet ? 'accepts' : 'refuses';
  // imageverifier.go:232-338 stops counting a set's entries once `count` verified.
  const shown = Math.min(counted.size, required);
  return { verifier: 'kyverno', verdict, line: `Kyverno: ${verdict === 'accepts' ? 'admits' : 'refuses'} (${shown} of ${required} required attestors, ${vsa})`, reasons };
}

function notationSignerForecast(signer: ForecastSigner): VerifierForecast {
  const head = `notation verify (${signer.approverId}, ${describeKeyType(signer.keyType)})`;
  const notary = signer.notary ?? { signed: false, problem: 'the approval carries no Notary Project signature' };
  if (!notary.signed) return { verifier: 'notation', approverId: signer.approverId, verdict: 'not-published', line: `${head}: no Notary signature`, reasons: [notary.problem ?? 'the approval carries no Notary Project signature'] };
  const problem = signer.valid ? notary.problem : 'the approval does not verify';
  if (problem) return { verifier: 'notation', approverId: signer.approverId, verdict: 'refuses', line: `${head}: refuses`, reasons: [problem] };
  return {
    verifier: 'notation',
    approverId: signer.approverId,
    verdict: 'accepts',
    line: `${head}: accepts`,
    reasons: [`with ${signer.approverId}'s CA in a trust store of type ca and ${signer.approverId}'s identity in trustedIdentities (docs/verify.md)`],
  };
}

/**
 * notation: one line per certificate approver, and one for the release: `notation verify` admits an image
 * on one signature it accepts; Kyverno's Notary attestor with `count: threshold` needs that many.
 */
function notationForecast(input: ForecastInput): VerifierForecast[] {
  if (input.images === 0) return [{ verifier: 'notation', verdict: 'not-applicable', line: 'notation verify: not applicable (the release has no OCI image)', reasons: [] }];
  const byCertificate = input.signers.filter((signer) => signer.byCertificate);
  const byKey = input.signers.filter((signer) => !signer.byCertificate);
  const each = byCertificate.map(notationSignerForecast);
  const accepted = each.filter((entry) => entry.verdict === 'accepts').map((entry) => entry.approverId!);
  const reasons = byKey.length > 0 ? [`${byKey.map((signer) => signer.approverId).join(', ')} ${byKey.length === 1 ? 'is' : 'are'} identified by key: a Notary Project signature needs a certificate chain, so their approvals make none`] : [];
  if (byCertificate.length === 0) return [{ verifier: 'notation', verdict: 'not-published', line: 'notation verify: no Notary signature (no approver is identified by certificate)', reasons }];
  const shown = Math.min(accepted.length, input.threshold);
  const summary: VerifierForecast = {
    verifier: 'notation',
    // Nothing signed for notation is nothing published to it; something signed that it refuses is a refusal.
    verdict: accepted.length > 0 ? 'accepts' : each.some((entry) => entry.verdict === 'refuses') ? 'refuses' : 'not-published',
    line: `notation verify: ${accepted.length > 0 ? `accepts (Notary signatures by ${accepted.join(', ')})` : each.some((entry) => entry.verdict === 'refuses') ? 'refuses (no Notary signature it accepts)' : 'no Notary signature'}; Kyverno Notary attestor: ${shown} of ${input.threshold} required`,
    reasons: [...reasons, ...(accepted.length < input.threshold ? [`a Kyverno Notary attestor with count ${input.threshold} refuses: ${accepted.length} certificate approver${accepted.length === 1 ? '' : 's'} signed for notation`] : [])],
  };
  return [...each, summary];
}

/** What `conclave verify`, cosign (per approver key), Kyverno and notation will say about this publication. */
export function forecastVerifiers(input: ForecastInput): PublishForecast {
  const verifiers = [conclaveForecast(input), ...input.signers.map(cosignForecast), kyvernoForecast(input), ...notationForecast(input)];
  return { verifiers, allAccept: verifiers.every((entry) => entry.verdict === 'accepts' || entry.verdict === 'not-applicable' || entry.verdict === 'not-published') };
}

/** The forecast as lines of text, one verifier a line with its reasons indented. */
export function formatForecast(forecast: PublishForecast): string {
  return forecast.verifiers.map((entry) => [entry.line, ...entry.reasons.map((reason) => `    ${reason}`)].join('\n')).join('\n');
}
