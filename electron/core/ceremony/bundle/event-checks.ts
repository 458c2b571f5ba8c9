/**
 * The checks an event from a bundle passes before it is written to a store.
 * A bundle comes from another machine, possibly through hands we do not
 * trust, so each event is read as untrusted text and must *count* by the same
 * rules CeremonyService.load applies: approvals and rejections verify with a
 * key of the ceremony's own policy over the frozen statement, and a frozen
 * statement is the one this ceremony's opening describes.
 */
import { createHash } from 'node:crypto';
import { checkEventActor } from '../../../../shared/ceremony/event-actor';
import { CeremonyEvent, eventPayloadType, rejectionDocument, rejectionPayloadType, type ApprovedEvent, type FrozenEvent, type OpenedEvent, type RejectedEvent } from '../../../../shared/ceremony/events';
import { bundleLimits, eventFileNameFits, type BundleEventFile } from '../../../../shared/ceremony/bundle-format';
import { envelopePayload, parseEnvelope, type Envelope } from '../../../../shared/dsse/envelope';
import { inTotoPayloadType, pae } from '../../../../shared/dsse/pae';
import { fromBase64 } from '../../../../shared/encoding/base64';
import { canonicalJsonBytes } from '../../../../shared/json/canonical';
import { parseJsonBytes, parseJsonText } from '../../../../shared/json/parse';
import type { Policy } from '../../../../shared/policy/policy';
import { parseReleaseStatement } from '../../../../shared/statement/statement';
import { resolveCertificateSigner, type CertificateSigner } from '../../../../shared/policy/certificate-signer';
import { verifyApprovalTime } from '../../../../shared/timestamp/approval-time';
import { nodeAlgorithmSignatureVerifier, nodeDigester, nodeSignatureVerifier, nodeTrustedTimeDependencies } from '../../crypto/node-crypto';

/** Why an event (or evidence file) of a bundle was not written. `conflict-*` codes mean the store already holds something else in its place. */
export const refusalCodes = [
  'conflict-different-file',
  'conflict-second-opening',
  'conflict-second-freeze',
  'not-an-event',
  'wrong-ceremony',
  'name-mismatch',
  'no-opening',
  'policy-invalid',
  'statement-invalid',
  'not-frozen',
  'other-statement',
  'unknown-key',
  'signature-invalid',
  'envelope-signature-invalid',
  'unsigned-event',
  'evidence-digest-mismatch',
] as const;
export type RefusalCode = (typeof refusalCodes)[number];

export interface Refusal {
  /** The event file name, or `evidence sha256:…`. */
  name: string;
  code: RefusalCode;
  /** For the person at the screen. */
  reason: string;
}

export const isConflict = (refusal: Refusal): boolean => refusal.code.startsWith('conflict-');

export interface CandidateEvent {
  name: string;
  text: string;
  envelope: Envelope;
  payload: Uint8Array;
  event: CeremonyEvent;
}

export const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const short = (hex: string) => `${hex.slice(0, 12)}…`;

/** Reads one event file of a bundle as untrusted text: envelope, payload type, event schema, ceremony, name. */
export function readBundleEvent(file: BundleEventFile, ceremonyId: string): CandidateEvent | Refusal {
  const refuse = (code: RefusalCode, reason: string): Refusal => ({ name: file.name, code, reason });
  let envelope: Envelope;
  let event: CeremonyEvent;
  let payload: Uint8Array;
  try {
    envelope = parseEnvelope(parseJsonText(file.envelope, { maxBytes: bundleLimits.maxEventChars, maxDepth: 64 }), { requireSignatures: false });
    if (envelope.payloadType !== eventPayloadType) return refuse('not-an-event', `its payload type is "${envelope.payloadType}", not a Conclave event.`);
    payload = envelopePayload(envelope);
    const parsed = CeremonyEvent.safeParse(parseJsonBytes(payload, { maxBytes: bundleLimits.maxEventChars, maxDepth: 64 }));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return refuse('not-an-event', `it is not a valid ceremony event (${issue ? `${issue.path.join('.') || 'event'}: ${issue.message}` : 'unknown problem'}).`);
    }
    event = parsed.data;
  } catch (error) {
    return refuse('not-an-event', `it is not a readable event (${error instanceof Error ? error.message.replace(/\.$/, '') : String(error)}).`);
  }
  if (event.ceremonyId !== ceremonyId) return refuse('wrong-ceremony', `it belongs to ceremony ${event.ceremonyId}, not ${ceremonyId}.`);
  // The store names a file after its event; a name that says otherwise was edited.
  if (!eventFileNameFits(file.name, event)) return refuse('name-mismatch', `its name does not match what it holds (a ${event.type} event made at ${event.at}).`);
  return { name: file.name, text: file.envelope, envelope, payload, event };
}

/**
 * The event file's own signature (shared/ceremony/event-actor.ts): every event
 * is signed by its author, a key the ceremony's policy knows. An event nobody
 * the policy knows vouches for is refused, whatever it claims.
 */
export async function checkEnvelopeSignatures(candidate: CandidateEvent, policy: Policy): Promise<Refusal | undefined> {
  const certificateSigner = await certificateSignerOf(candidate.event, policy);
  const actor = await checkEventActor(candidate.envelope, candidate.event, policy, nodeSignatureVerifier, certificateSigner ? { certificateSigner } : {});
  if (actor.ok) return undefined;
  const code = actor.problem === 'signature-invalid' ? 'envelope-signature-invalid' : actor.problem === 'certificate-refused' ? 'unknown-key' : 'unsigned-event';
  return { name: candidate.name, code, reason: actor.reason };
}

/**
 * For an approval or rejection by a key the policy does not list, carrying a
 * certificate (issue 6): whose key its certificate makes it, checked at its
 * trusted time (else the time it records) without revocation. Whether it
 * counts, CRLs included, CeremonyService.load decides; here it only has to be
 * a decision the policy's certificate approvers could have made.
 */
async function certificateSignerOf(event: CeremonyEvent, policy: Policy): Promise<CertificateSigner | undefined> {
  if ((event.type !== 'approved' && event.type !== 'rejected') || !event.certificates || policy.certificateApprovers.length === 0 || policy.keys.some((key) => key.keyId === event.keyId)) return undefined;
  let signingTime: { at: Date; atSource: 'trusted-time' | 'recorded-time' } = { at: new Date(event.at), atSource: 'recorded-time' };
  if (event.type === 'approved' && event.timestamp !== undefined) {
    const checked = await verifyApprovalTime(event.timestamp, fromBase64(event.signature), policy, nodeTrustedTimeDependencies);
    if (checked.ok) signingTime = { at: checked.genTime, atSource: 'trusted-time' };
  }
  let certificates: Uint8Array[];
  try {
    certificates = event.certificates.map((certificate) => fromBase64(certificate));
  } catch {
    return { ok: false, code: 'certificate-malformed', reason: 'its certificates are not valid base64.' };
  }
  return resolveCertificateSigner(policy, { keyId: event.keyId, certificates, ...signingTime, revocation: 'skip' }, { digester: nodeDigester, algorithmVerifier: nodeAlgorithmSignatureVerifier });
}

/**
 * A frozen statement must be the one this ceremony's opening describes: its
 * digest, this ceremony, this policy, this release and these artifacts.
 * Otherwise approvers on the other machine would sign something else.
 */
export function checkFrozen(candidate: CandidateEvent & { event: FrozenEvent }, opened: OpenedEvent): Refusal | undefined {
  const refuse = (why: string): Refusal => ({ name: candidate.name, code: 'statement-invalid', reason: `its frozen statement ${why}` });
  const { event } = candidate;
  if (event.payloadType !== inTotoPayloadType) return refuse(`has payload type "${event.payloadType}", not an in-toto statement.`);
  const statement = fromBase64(event.statement);
  if (sha256Hex(statement) !== event.statementDigest) return refuse(`does not match the digest recorded with it (${short(event.statementDigest)}).`);
  let predicate;
  let subjects;
  try {
    ({ predicate, subject: subjects } = parseReleaseStatement(statement));
  } catch (error) {
    return refuse(`cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (predicate.ceremony.id !== opened.ceremonyId) return refuse(`names ceremony ${predicate.ceremony.id}.`);
  if (predicate.policy.digest.sha256 !== opened.policyDigest) return refuse(`names another policy (${short(predicate.policy.digest.sha256)}) than the ceremony's (${short(opened.policyDigest)}).`);
  if (predicate.release.name !== opened.release.name || predicate.release.version !== opened.release.version) {
    return refuse(`names release ${predicate.release.name} ${predicate.release.version}, not ${opened.release.name} ${opened.release.version}.`);
  }
  const artifacts = new Map(opened.artifacts.map((artifact) => [artifact.name, artifact.digest.sha256]));
  const sameArtifacts = subjects.length === artifacts.size && subjects.every((subject) => artifacts.get(subject.name) === subject.digest.sha256);
  if (!sameArtifacts) return refuse('names other artifacts than the ceremony was opened with.');
  return undefined;
}

/** The same test CeremonyService.load applies: a key of the policy, over this statement (or this rejection), verified. */
export async function checkDecision(
  candidate: CandidateEvent & { event: ApprovedEvent | RejectedEvent },
  policy: Policy,
  frozen: { event: FrozenEvent; statement: Uint8Array } | undefined,
): Promise<Refusal | undefined> {
  const { event, name } = candidate;
  const what = event.type === 'approved' ? 'approval' : 'rejection';
  if (!frozen) return { name, code: 'not-frozen', reason: `it is an ${what}, but the ceremony has no frozen statement in the store or in the bundle, so there is nothing it could sign.` };
  if (event.statementDigest !== frozen.event.statementDigest) {
    return { name, code: 'other-statement', reason: `it is an ${what} of another statement (${short(event.statementDigest)}), not this ceremony's (${short(frozen.event.statementDigest)}).` };
  }
  const listed = policy.keys.find((candidateKey) => candidateKey.keyId === event.keyId);
  const byCertificate = listed ? undefined : await certificateSignerOf(event, policy);
  const key = listed ?? (byCertificate?.ok ? { spki: byCertificate.spki, approverId: byCertificate.approverId } : undefined);
  if (!key) {
    if (byCertificate && !byCertificate.ok) return { name, code: 'unknown-key', reason: `it is an ${what} by key ${short(event.keyId)} with a certificate that does not count: ${byCertificate.reason}` };
    return { name, code: 'unknown-key', reason: `it is an ${what} by key ${short(event.keyId)}, which the ceremony's policy does not list.` };
  }
  const signed = event.type === 'approved' ? pae(frozen.event.payloadType, frozen.statement) : pae(rejectionPayloadType, canonicalJsonBytes(rejectionDocument(event)));
  if (!(await nodeSignatureVerifier.verify(key.spki, signed, fromBase64(event.signature)))) {
    return { name, code: 'signature-invalid', reason: `the ${what} by ${key.approverId} does not carry a valid signature of their key over this ceremony's ${event.type === 'approved' ? 'statement' : 'rejection'}.` };
  }
  return undefined;
}
