/**
 * What Kyverno decides about an image's attestations, as its source says
 * (issue 14, point 3). Kyverno cannot run here (it needs a cluster), so its
 * rules are encoded from the exact upstream lines, and the tests evaluate the
 * policies of docs/verify.md with them over what is really attached to an
 * image in a real registry.
 *
 * ClusterPolicy `verifyImages` with `attestations` (type Cosign, the default):
 *   kyverno   111e07b  pkg/engine/internal/imageverifier.go:232-338 verifyAttestations: for each attestation,
 *                        each attestor set must reach RequiredCount; each entry (one key) on its own:
 *                        FetchAttestations with that key, then verifyAttestation
 *                      imageverifier.go:560-583 verifyAttestation: the statements of the attestation's type among
 *                        those the key verified; none is a failure; EVERY one must pass the conditions
 *                      pkg/engine/internal/utils.go:37-55 EvaluateConditions: the statement's predicate is the
 *                        root of the JSON context the `{{ … }}` keys are read from
 *                      api/kyverno/v1/image_verification_types.go:153-158 RequiredCount: count, or every entry
 *                      pkg/image/verifiers/cpol/cosign/verifier.go:94-176 FetchAttestations → cosign
 *                        VerifyImageAttestations; statements decoded from every verified attestation
 *                      pkg/image/verifiers/cpol/cosign/cosign.go:62-63 attestations get IntotoSubjectClaimVerifier;
 *                        cosign.go:276-308 decodeStatement: `type` = predicateType
 *   cosign    d6d86c2  pkg/cosign/verify.go:1086-1115 without bundles, the `sha256-<hex>.att` tag's layers
 *                      verify.go:1174-1236 VerifyImageAttestation: each layer on its own; those that fail are
 *                        dropped; none left is "no matching attestations"
 *                      verify.go:306-328 verifyOCIAttestation: payloadType in-toto, then go-securesystemslib with
 *                        an adapter that has no public key (so no keyid is compared: go-securesystemslib
 *                        8b6ec9c dsse/verify.go:66-80, SHA256KeyID(nil) fails); one verifying signature suffices
 *                      pkg/cosign/verifiers.go:59-97 IntotoSubjectClaimVerifier: a subject's sha256 is the image's
 *
 * ImageValidatingPolicy (CEL):
 *   kyverno   111e07b  pkg/cel/libs/imageverify/impl.go:214-327 verifyAttestationSignatures: the number of
 *                        attestors (keys) for which VerifyAttestationSignature passes
 *                      pkg/image/verifiers/ivpol/cosign/verifier.go:32-47 bundles attached → cosign's bundle path;
 *                        :135-200 IntotoSubjectClaimVerifier, then found = a verified statement of the type
 *                      impl.go:351-384 extractPayload: the verified in-toto statement of that type
 *   cosign    d6d86c2  pkg/cosign/verify.go:1924-2011 verifyImageAttestationsSigstoreBundle: every attached bundle
 *                        verified with the key; the ones that fail are dropped
 *   (the bundle's own rules: tests/verifiers/support/sigstore-go-rules.ts)
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { cosignAcceptsBundle } from '../../verifiers/support/sigstore-go-rules';

export interface Envelope {
  payloadType: string;
  payload: string;
  signatures: { keyid?: string; sig: string }[];
}
export type Statement = { _type?: string; subject?: { name?: string; digest?: Record<string, string> }[]; predicateType?: string; predicate?: unknown } & Record<string, unknown>;

/** What an image carries, read from the registry as cosign reads it. */
export interface AttachedToImage {
  /** sha256:… of the image's manifest. */
  digest: string;
  /** The layers of `sha256-<hex>.att`: DSSE envelopes. */
  cosignLayers: Envelope[];
  /** The Sigstore bundles attached as OCI 1.1 referrers. */
  bundles: unknown[];
}

/** Reads the `.att` tag and the referrers (the referrers tag, as this registry has no referrers API) over HTTP. */
export async function readAttached(registryUrl: string, repository: string, digest: string): Promise<AttachedToImage> {
  const hex = digest.replace(/^sha256:/, '');
  const get = async (path: string, accept?: string) => {
    const response = await fetch(`${registryUrl}/v2/${repository}/${path}`, accept ? { headers: { Accept: accept } } : {});
    return response.status === 200 ? ((await response.json()) as Record<string, unknown>) : undefined;
  };
  const blob = async (blobDigest: string) => (await get(`blobs/${blobDigest}`))!;
  const att = await get(`manifests/sha256-${hex}.att`, 'application/vnd.oci.image.manifest.v1+json');
  const cosignLayers: Envelope[] = [];
  for (const layer of (att?.layers ?? []) as { digest: string }[]) cosignLayers.push((await blob(layer.digest)) as unknown as Envelope);
  const index = await get(`manifests/sha256-${hex}`, 'application/vnd.oci.image.index.v1+json');
  const bundles: unknown[] = [];
  for (const listed of (index?.manifests ?? []) as { digest: string; artifactType?: string }[]) {
    // cosign GetBundles (verify.go:1727-1771) tries every referrer as a bundle and skips the ones that are not.
    const manifest = await get(`manifests/${listed.digest}`, 'application/vnd.oci.image.manifest.v1+json');
    const layers = (manifest?.layers ?? []) as { mediaType: string; digest: string }[];
    if (layers.length === 1 && layers[0]!.mediaType.startsWith('application/vnd.dev.sigstore.bundle')) bundles.push(await blob(layers[0]!.digest));
  }
  return { digest, cosignLayers, bundles };
}

const pae = (payloadType: string, payload: Buffer) => {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
};
/** sigstore LoadVerifier(pub, SHA-256): what a Kyverno key entry gets (ECDSA with SHA-256, Ed25519 pure, RSA PKCS#1 v1.5). */
function keyVerifies(key: KeyObject, data: Buffer, signature: Buffer): boolean {
  try {
    return key.asymmetricKeyType === 'ed25519' ? verify(null, data, key, signature) : verify('sha256', data, key, signature);
  } catch {
    return false;
  }
}
function statementOf(envelope: { payload?: unknown }): Statement | undefined {
  try {
    return JSON.parse(Buffer.from(String(envelope.payload), 'base64').toString('utf8')) as Statement;
  } catch {
    return undefined;
  }
}
/** cosign IntotoSubjectClaimVerifier (verifiers.go:59-97). */
const namesDigest = (statement: Statement | undefined, digest: string) => (statement?.subject ?? []).some((subject) => subject.digest?.sha256 !== undefined && `sha256:${subject.digest.sha256}` === digest);

/**
 * cosign VerifyImageAttestations on the `.att` layout with one key, as FetchAttestations returns it: the statements
 * of every layer that verifies, each with `type` = its predicateType; an error when none does.
 */
export function fetchAttestations(attached: AttachedToImage, key: KeyObject): { statements: Statement[] } | { error: string } {
  const statements: Statement[] = [];
  for (const envelope of attached.cosignLayers) {
    if (envelope.payloadType !== 'application/vnd.in-toto+json') continue;
    const message = pae(envelope.payloadType, Buffer.from(envelope.payload, 'base64'));
    if (!envelope.signatures.some((signature) => keyVerifies(key, message, Buffer.from(signature.sig, 'base64')))) continue;
    const statement = statementOf(envelope);
    if (!namesDigest(statement, attached.digest)) continue;
    statements.push({ ...statement!, type: statement!.predicateType });
  }
  return statements.length > 0 ? { statements } : { error: 'no matching attestations' };
}

// ---- ClusterPolicy ---------------------------------------------------------

export interface ClusterPolicyCondition {
  key: string;
  operator: string;
  value: unknown;
}
export interface ClusterPolicyAttestation {
  type?: string;
  predicateType?: string;
  attestors: { count?: number; entries: { keys?: { publicKeys: string } }[] }[];
  conditions?: { all?: ClusterPolicyCondition[]; any?: ClusterPolicyCondition[] }[];
}

/** A `{{ a.b.c }}` key, read from the predicate (the context root, utils.go:46-49); only plain paths are encoded here. */
function substitute(text: string, predicate: unknown): unknown {
  const whole = /^\{\{\s*([A-Za-z_][\w.]*)\s*\}\}$/.exec(text);
  if (!whole) {
    if (text.includes('{{')) throw new Error(`the evaluator encodes only plain {{ a.b }} keys, not ${text}`);
    return text;
  }
  let value: unknown = predicate;
  for (const part of whole[1]!.split('.')) value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[part] : undefined;
  return value;
}
function conditionHolds(condition: ClusterPolicyCondition, predicate: unknown): boolean {
  if (condition.operator !== 'Equals') throw new Error(`the evaluator encodes only the Equals operator, not ${condition.operator}`);
  const key = substitute(condition.key, predicate);
  const value = typeof condition.value === 'string' ? substitute(condition.value, predicate) : condition.value;
  return key !== undefined && JSON.stringify(key) === JSON.stringify(value);
}
/** AnyAllConditions: every block must hold; in a block, all of `all` and (when given) one of `any`. */
function conditionsHold(conditions: ClusterPolicyAttestation['conditions'], statement: Statement): boolean {
  if (!conditions || conditions.length === 0) return true;
  if (typeof statement.predicate !== 'object' || statement.predicate === null) return false;
  return conditions.every((block) => (block.all ?? []).every((condition) => conditionHolds(condition, statement.predicate)) && (block.any === undefined || block.any.length === 0 || block.any.some((condition) => conditionHolds(condition, statement.predicate))));
}

export interface Decision {
  admitted: boolean;
  /** Per attestation and attestor set: how many entries verified, of how many required. */
  counts: { type: string; verified: number; required: number; errors: string[] }[];
}

/** imageverifier.go:232-338 over one image, for the `attestations` of one verifyImages entry. */
export function clusterPolicyDecides(attestations: readonly ClusterPolicyAttestation[], attached: AttachedToImage): Decision {
  const counts: Decision['counts'] = [];
  let admitted = true;
  for (const attestation of attestations) {
    const type = attestation.type || attestation.predicateType;
    if (!type) throw new Error('missing type');
    for (const set of attestation.attestors) {
      const required = set.count === undefined || set.count === 0 ? set.entries.length : set.count;
      let verified = 0;
      const errors: string[] = [];
      for (const entry of set.entries) {
        const pems = (entry.keys?.publicKeys ?? '').split('-----END PUBLIC KEY-----').filter((part) => part.includes('-----BEGIN PUBLIC KEY-----'));
        if (pems.length !== 1) throw new Error('the evaluator encodes entries with exactly one public key, as the docs write them');
        const fetched = fetchAttestations(attached, createPublicKey(`${pems[0]!.trim()}\n-----END PUBLIC KEY-----\n`));
        if ('error' in fetched) {
          errors.push(fetched.error);
          continue;
        }
        const ofType = fetched.statements.filter((statement) => statement.type === type);
        if (ofType.length === 0) errors.push(`attestions not found for predicate type ${type}`);
        else if (!ofType.every((statement) => conditionsHold(attestation.conditions, statement))) errors.push(`attestation checks failed for predicate ${type}`);
        else if (++verified >= required) break;
      }
      counts.push({ type, verified, required, errors });
      if (verified < required) admitted = false;
    }
  }
  return { admitted, counts };
}

// ---- ImageValidatingPolicy -------------------------------------------------

/** The statements of `type` in the attached bundles that verify with `key` and name the image's digest (verify.go:1924-2011, ivpol verifier.go:135-200). */
export function verifiedBundleStatements(attached: AttachedToImage, key: KeyObject, type: string): Statement[] {
  const found: Statement[] = [];
  for (const bundle of attached.bundles) {
    if (!cosignAcceptsBundle(bundle, key).accepted) continue;
    const statement = statementOf((bundle as { dsseEnvelope: Envelope }).dsseEnvelope);
    if (!namesDigest(statement, attached.digest) || statement?.predicateType !== type) continue;
    found.push(statement);
  }
  return found;
}

/** CEL verifyAttestationSignatures(image, attestation, attestors): how many attestors (keys) verified one statement of the type (impl.go:271-300). */
export function verifyAttestationSignatures(attached: AttachedToImage, type: string, attestors: readonly KeyObject[]): number {
  return attestors.filter((key) => verifiedBundleStatements(attached, key, type).length > 0).length;
}

/**
 * CEL extractPayload(image, attestation): a statement of the type verified by the attestors called before. Which one
 * when several verified is kyverno/sdk's ImageData.GetPayload, not in the snapshot: every statement is returned, and
 * the documented expression must hold for each, so no choice of Kyverno's admits what this refuses.
 */
export function extractPayloads(attached: AttachedToImage, type: string, attestors: readonly KeyObject[]): Statement[] {
  return attestors.flatMap((key) => verifiedBundleStatements(attached, key, type));
}
