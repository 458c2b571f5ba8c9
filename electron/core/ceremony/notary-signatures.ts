/**
 * Notary Project signatures for certificate approvers (issue 14, point 5):
 * made at approval, stored with the approval event, attached to each image at
 * publishing as an OCI referrer notation finds.
 *
 * Why at approval: a Notary signature is a signature of its own, over the JWS
 * signing input (RFC 7515 §5.1), not over the DSSE PAE the approval signs, and
 * only the approver's token can make it. So approving signs both, in the same
 * token session (one PIN, one login), and the approval event carries the
 * envelopes; publishing only pushes them. The descriptor notation compares
 * with the image (media type, digest and size: notation-go verifier
 * verifyIntegrity) is read from the registry at approval, by the digest the
 * ceremony signs.
 */
import { ConclaveError } from '../../../shared/errors';
import { checkNotarySignatures, notaryThumbprints, readNotarySignature } from '../../../shared/notary/check';
import { jwsSignatureValue, notaryAlgorithmOf, notaryAnnotations, notaryEnvelope, notaryMediaTypes, prepareNotarySignature, type NotaryAlgorithm, type PreparedNotarySignature } from '../../../shared/notary/signature';
import { OciError } from '../../../shared/oci/errors';
import { fromBase64, toBase64 } from '../../../shared/encoding/base64';
import type { KeyType } from '../../../shared/keys/algorithms';
import type { CertificateChecks } from '../../../shared/verify/on-demand';
import { nodeDigester, nodeSignatureVerifier } from '../crypto/node-crypto';
import type { OciClient, OciOptions } from '../oci';

/** One image's Notary signature, ready for the token. */
export interface NotaryToSign {
  image: string;
  prepared: PreparedNotarySignature;
}

export interface NotaryApprovalInput {
  ceremonyId: string;
  /** Pinned images (`registry/repository@sha256:…`) the ceremony signs. */
  images: readonly string[];
  statementDigest: string;
  policyDigest: string;
  alg: NotaryAlgorithm;
  signingTime: Date;
  registry?: OciOptions;
}

/**
 * The signing inputs, one per image, from each manifest's descriptor as its
 * registry serves it. A registry that cannot be reached gives none (`reason`
 * says why): the approval is still made, without Notary signatures, and the
 * publish forecast says notation will not find one by this approver.
 */
export async function prepareApprovalNotarySignatures(input: NotaryApprovalInput, client: OciClient): Promise<{ toSign: NotaryToSign[] } | { toSign: []; reason: string }> {
  const toSign: NotaryToSign[] = [];
  for (const image of input.images) {
    let resolved;
    try {
      resolved = await client.resolveImage(image);
    } catch (error) {
      if (error instanceof OciError && error.code === 'oci-cancelled') throw new ConclaveError('cancelled', `Approving was cancelled while Conclave read the image ${image} from its registry: nothing was signed.`);
      if (error instanceof OciError) return { toSign: [], reason: `the image ${image} could not be read from its registry (${error.message})` };
      throw error;
    }
    const digest = image.slice(image.lastIndexOf('@') + 1);
    // The registry answers by digest and the client hashes what it reads; a different digest here is a bug, not a registry's choice.
    if (resolved.digest !== digest) throw new ConclaveError('internal', `The registry served ${resolved.digest} for ${image}.`);
    toSign.push({
      image,
      prepared: prepareNotarySignature({
        target: { mediaType: resolved.mediaType, digest: resolved.digest, size: resolved.size },
        ceremonyId: input.ceremonyId,
        statementDigest: input.statementDigest,
        policyDigest: input.policyDigest,
        alg: input.alg,
        signingTime: input.signingTime,
      }),
    });
  }
  return { toSign };
}

export interface FinishNotaryInput {
  toSign: readonly NotaryToSign[];
  /** What the token returned for each signing input, in order (ECDSA as DER). */
  tokenSignatures: readonly Uint8Array[];
  /** x5c: the approver's certificate, then the intermediates and the root it chains to (signature-envelope-jws.md "x5c"). */
  chain: readonly Uint8Array[];
  /** An RFC 3161 token over a JWS signature value, from the policy's TSA; undefined when there is none to be had. */
  timestamp?: (signature: Uint8Array) => Promise<Uint8Array | undefined>;
  /** What the judge will hold the envelopes to, checked here before anything is recorded. */
  expected: Parameters<typeof checkNotarySignatures>[1];
}

/** The envelopes, base64 as the approval event stores them, each checked as the judge will check it. */
export async function finishNotarySignatures(input: FinishNotaryInput): Promise<string[]> {
  const envelopes: string[] = [];
  for (const [index, entry] of input.toSign.entries()) {
    const signature = jwsSignatureValue(entry.prepared.alg, input.tokenSignatures[index]!);
    const token = await input.timestamp?.(signature);
    envelopes.push(toBase64(notaryEnvelope(entry.prepared, signature, input.chain, token)));
  }
  const check = await checkNotarySignatures(envelopes, input.expected, nodeSignatureVerifier);
  if (!check.ok) {
    throw new ConclaveError('forbidden', `Nothing was recorded: the Notary Project signature the token made does not check out (${check.reason}). Was the token swapped while signing? Approve again with your own token.`);
  }
  return envelopes;
}

/** Where each stored Notary signature goes: the image its payload names. */
export function notarySignaturesOf(envelopes: readonly string[], images: readonly string[]): { image: string; envelope: Uint8Array }[] {
  return envelopes.flatMap((encoded) => {
    const envelope = fromBase64(encoded);
    const digest = readNotarySignature(envelope).target.digest;
    const image = images.find((candidate) => candidate.endsWith(`@${digest}`));
    return image === undefined ? [] : [{ image, envelope }];
  });
}

/**
 * Attaches one Notary signature to its image: an OCI 1.1 manifest with
 * artifactType application/vnd.cncf.notary.signature, the empty config and
 * one application/jose+json layer, annotated with the chain's thumbprints (the
 * first form of signature-envelope-jws.md "OCI Signature Storage", which
 * notation itself pushes). Idempotent, as every attachment is.
 */
export async function attachNotarySignature(client: OciClient, signature: { image: string; envelope: Uint8Array }, ceremonyId: string, created: Date): Promise<{ artifactDigest: string; alreadyPresent: boolean }> {
  const chain = readNotarySignature(signature.envelope).chain;
  const result = await client.attachArtifact({
    image: signature.image,
    artifactType: notaryMediaTypes.signature,
    layer: { mediaType: notaryMediaTypes.jwsEnvelope, bytes: signature.envelope },
    annotations: { [notaryAnnotations.thumbprints]: await notaryThumbprints(chain, nodeDigester), [notaryAnnotations.ceremonyId]: ceremonyId },
    created,
  });
  return { artifactDigest: result.artifactDigest, alreadyPresent: result.alreadyPresent };
}

/**
 * What the publish forecast needs about a certificate approver's Notary signatures (shared/verify/forecast.ts).
 * `checks`: the certificate reader, loaded on demand by the caller (shared/verify/certificate-checks.ts says why).
 */
export function notaryForecastOf(notarySignatures: readonly string[] | undefined, keyType: KeyType, checks: Pick<CertificateChecks, 'parseCertificate' | 'notaryChainProblem'>): { signed: boolean; problem?: string } {
  const algorithm = notaryAlgorithmOf(keyType);
  if (!algorithm.ok) return { signed: false, problem: `no Notary signature can be made with this key: ${algorithm.reason}` };
  if (notarySignatures === undefined || notarySignatures.length === 0) {
    return { signed: false, problem: 'the approval carries no Notary signature (its registry could not be read when approving, or it was made before Conclave made them); approving again after withdrawing makes one' };
  }
  let problem: string | undefined;
  try {
    problem = checks.notaryChainProblem(readNotarySignature(fromBase64(notarySignatures[0]!)).chain.map((der) => checks.parseCertificate(der)));
  } catch (error) {
    problem = `its certificate chain cannot be read (${error instanceof Error ? error.message : String(error)})`;
  }
  return { signed: true, ...(problem ? { problem: `notation refuses the certificate chain: ${problem}` } : {}) };
}
