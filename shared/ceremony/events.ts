/**
 * A ceremony is the events that happened to it; its state is derived from
 * them (reducer.ts), never stored. Each event is its own file, written once,
 * so that stores on several machines merge by union (issue 5).
 *
 * On disk an event is a DSSE envelope whose payload is the event's JSON
 * (payloadType below), signed by its actor's key where the actor has one.
 */
import { z } from 'zod';

export const eventPayloadType = 'application/vnd.conclave.event+json';
/** What a rejection signs: a small document naming the ceremony, the statement and the reason. */
export const rejectionPayloadType = 'application/vnd.conclave.rejection+json';
/** What a withdrawal signs: the same small document as a rejection, under its own type so one can never pass for the other. */
export const withdrawalPayloadType = 'application/vnd.conclave.withdrawal+json';

const Hex = (length: number) => z.string().regex(new RegExp(`^[0-9a-f]{${length}}$`), `expected ${length} lowercase hex digits`);
const Sha256 = Hex(64);
const Instant = z.iso.datetime({ offset: true });
const Base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'expected standard base64');

/** A certificate and any intermediates sent with it: a handful, each well under 64 KiB. */
const CertificateChain = z.array(Base64.min(1).max(65_536)).min(1).max(8);

export const ceremonyIdPattern = /^c-\d{8}-[a-z2-7]{10}$/;
export const CeremonyId = z.string().regex(ceremonyIdPattern, 'not a ceremony id (c-YYYYMMDD-xxxxxxxxxx)');

export const ArtifactRecord = z.object({
  name: z.string().min(1).max(1024),
  size: z.number().int().nonnegative().optional(),
  digest: z.object({ sha256: Sha256, sha512: Hex(128).optional() }).strict(),
  /** For OCI images (issue 6): the reference the digest was resolved from. */
  reference: z.string().optional(),
});

export const FindingRecord = z.object({
  id: z.string().min(1).max(128),
  status: z.enum(['pass', 'warn', 'fail']),
  message: z.string().max(4096),
});

export const OverrideRecord = z.object({
  findingId: z.string(),
  by: z.string().min(1),
  reason: z.string().min(1).max(4096),
});

const common = {
  ceremonyId: CeremonyId,
  at: Instant,
  /** The keyid of the key that signed this event, when its actor has one. */
  actorKeyId: Sha256.optional(),
};

export const OpenedEvent = z
  .object({
    ...common,
    type: z.literal('opened'),
    release: z.object({ name: z.string().min(1), version: z.string().min(1), purl: z.string().min(1) }).strict(),
    /** The policy document itself, so the ceremony can be checked without anything else. */
    policy: z.unknown(),
    policyDigest: Sha256,
    artifacts: z.array(ArtifactRecord).min(1),
    provenance: z.array(z.unknown()),
    sbom: z.unknown().optional(),
    findings: z.array(FindingRecord),
    expiresAt: Instant,
    openedBy: z.string().min(1).optional(),
    /**
     * A policy ceremony (issue 10): the policy document it proposes. Its one subject is this document by digest; it
     * counts once the current policy (`policy`) and this one have both met their thresholds.
     */
    proposedPolicy: z.unknown().optional(),
  })
  .strict();

export const FrozenEvent = z
  .object({
    ...common,
    type: z.literal('frozen'),
    payloadType: z.string().min(1),
    /** The exact statement bytes everyone signs, base64. */
    statement: Base64,
    statementDigest: Sha256,
    overrides: z.array(OverrideRecord).default([]),
  })
  .strict();

export const ApprovedEvent = z
  .object({
    ...common,
    type: z.literal('approved'),
    statementDigest: Sha256,
    keyId: Sha256,
    /** DSSE signature over PAE(payloadType, statement), base64. */
    signature: Base64,
    /** RFC 3161 trusted time over the signature: the TSA's DER TimeStampResp, base64 (Sigstore's signedTimestamp form). */
    timestamp: Base64.optional(),
    /** Why the approval has no trusted time (the policy names no TSA, or it could not be reached), when it has none. */
    noTrustedTime: z.string().max(1024).optional(),
    /** For an approver identified by certificate: the certificate of keyId as the token holds it, DER base64, leaf first. */
    certificates: CertificateChain.optional(),
    /**
     * Proof that keyId was made on a YubiKey (issue 13): the slot's PIV attestation certificate and the device's
     * attestation certificate (slot f9) that signed it, DER base64. Signed with the rest of the event.
     */
    attestation: z.object({ certificate: Base64.min(1).max(65_536), intermediate: Base64.min(1).max(65_536) }).strict().optional(),
    /**
     * For an approver identified by certificate, when the ceremony has images (issue 14): a Notary Project signature
     * per image, signed on the token with the approval, each the JWS envelope's bytes (application/jose+json), base64.
     * shared/notary/check.ts holds each to this ceremony's images, statement, policy and the approver's key.
     */
    notarySignatures: z.array(Base64.min(1).max(524_288)).min(1).max(16).optional(),
  })
  .strict();

/**
 * A decision with a reason, signed over a small document naming the ceremony, the statement and the reason
 * (rejectionDocument): rejections, and withdrawals of an approval, each under its own payload type.
 */
const reasonedDecision = {
  ...common,
  statementDigest: Sha256,
  keyId: Sha256,
  reason: z.string().min(1).max(4096),
  /** Signature over PAE(rejectionPayloadType or withdrawalPayloadType, the document), base64. */
  signature: Base64,
  /** For an approver identified by certificate: the certificate of keyId, DER base64, leaf first. */
  certificates: CertificateChain.optional(),
};

export const RejectedEvent = z.object({ ...reasonedDecision, type: z.literal('rejected') }).strict();

/** An approver takes back their approval (issue 10): signed, with a reason; the count goes down. Refused once the ceremony is published. */
export const WithdrawnEvent = z.object({ ...reasonedDecision, type: z.literal('withdrawn') }).strict();

export const CancelledEvent = z
  .object({ ...common, type: z.literal('cancelled'), reason: z.string().max(4096).optional() })
  .strict();

export const PublishedEvent = z
  .object({
    ...common,
    type: z.literal('published'),
    envelopeDigest: Sha256,
    approvers: z.array(z.string()),
    /**
     * The keyids whose approvals the envelope carries, in its order: the judge rebuilds the envelope from exactly
     * these, so an approval that arrives from another machine after publishing does not unmake the publication.
     */
    signedBy: z.array(Sha256).optional(),
  })
  .strict();

/**
 * The event kinds, declared once (issue 10): the schema union below is the
 * list; the types, file-name patterns, bundle format, ordering and the words
 * the window uses all derive from it, and each place that must handle a kind
 * keeps a Record<CeremonyEventType, …> so a new kind fails to compile there.
 */
export const CeremonyEvent = z.discriminatedUnion('type', [OpenedEvent, FrozenEvent, ApprovedEvent, RejectedEvent, WithdrawnEvent, CancelledEvent, PublishedEvent]);

export type CeremonyEvent = z.output<typeof CeremonyEvent>;
export type CeremonyEventType = CeremonyEvent['type'];
export const ceremonyEventTypes = CeremonyEvent.options.map((option) => option.shape.type.value) as readonly CeremonyEventType[];

/**
 * Where each kind sorts among events recorded at the same instant, and how
 * people call it: `past` after a name ("alice approved"), `noun` for the
 * event itself ("an approval").
 */
export const ceremonyEventKinds: Record<CeremonyEventType, { order: number; past: string; noun: string; decision: boolean }> = {
  opened: { order: 0, past: 'opened', noun: 'opening', decision: false },
  frozen: { order: 1, past: 'froze', noun: 'freeze', decision: false },
  approved: { order: 2, past: 'approved', noun: 'approval', decision: true },
  rejected: { order: 2, past: 'rejected', noun: 'rejection', decision: true },
  withdrawn: { order: 3, past: 'withdrew their approval', noun: 'withdrawal', decision: true },
  cancelled: { order: 4, past: 'cancelled', noun: 'cancellation', decision: false },
  published: { order: 5, past: 'published', noun: 'publication', decision: false },
};
export type OpenedEvent = z.output<typeof OpenedEvent>;
export type FrozenEvent = z.output<typeof FrozenEvent>;
export type ApprovedEvent = z.output<typeof ApprovedEvent>;
export type RejectedEvent = z.output<typeof RejectedEvent>;
export type WithdrawnEvent = z.output<typeof WithdrawnEvent>;
/** The events a person of the policy signs over the frozen statement: approvals, rejections, withdrawals. */
export type DecisionEvent = ApprovedEvent | RejectedEvent | WithdrawnEvent;
export type Finding = z.output<typeof FindingRecord>;
export type ArtifactRecord = z.output<typeof ArtifactRecord>;

/** The document a rejection or a withdrawal signs: enough to tie it to one ceremony and one statement. */
export function rejectionDocument(event: Pick<RejectedEvent, 'ceremonyId' | 'statementDigest' | 'reason'>): { ceremonyId: string; statementDigest: string; reason: string } {
  return { ceremonyId: event.ceremonyId, statementDigest: event.statementDigest, reason: event.reason };
}

export const isDecisionEvent = (event: CeremonyEvent): event is DecisionEvent => ceremonyEventKinds[event.type].decision;

/** The payload type a decision's own signature is made over, and the bytes it signs besides the statement. */
export function decisionPayloadTypeOf(type: DecisionEvent['type'], statementPayloadType: string): string {
  return type === 'approved' ? statementPayloadType : type === 'rejected' ? rejectionPayloadType : withdrawalPayloadType;
}
