/**
 * The ceremony values the window sees, as the API contract carries them.
 * They are projections the core computes from the store (the renderer never
 * derives ceremony state itself): summaries for lists, a detail for review.
 */
import { z } from 'zod';
import { ceremonyEventTypes, type CeremonyEventType } from '../ceremony/events';
import { ceremonyActions, ceremonyStates } from '../ceremony/view';

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const Instant = z.string();

export const CeremonyStateSchema = z.enum(ceremonyStates);
export const CeremonyActionSchema = z.enum(ceremonyActions);
const EventTypeSchema = z.enum(ceremonyEventTypes as readonly [CeremonyEventType, ...CeremonyEventType[]]);

export const CeremonySummarySchema = z.object({
  id: z.string(),
  state: CeremonyStateSchema,
  release: z.object({ name: z.string(), version: z.string(), purl: z.string() }),
  openedAt: Instant,
  expiresAt: Instant,
  openedBy: z.string(),
  policy: z.object({ digest: Sha256, description: z.string(), threshold: z.number().int() }),
  /** Approver ids whose approval counts, in policy order. */
  approvedBy: z.array(z.string()),
  rejectedBy: z.array(z.string()),
  /** "2 of 3; security still needed", or why it can no longer be met. */
  tally: z.string(),
  /** The threshold meter: approvals that count, out of the threshold. */
  counted: z.number().int(),
  /** `reference`: the pinned image reference (registry/repository@sha256:…), for a container image (issue 6). */
  artifacts: z.array(z.object({ name: z.string(), sha256: Sha256, reference: z.string().optional() })),
  /** True when a key on a token attached here belongs to an approver who has not decided yet. */
  waitingOnMe: z.boolean(),
  problemCount: z.number().int(),
  /** What may be done next, from the judge's one table (shared/ceremony/view.ts): the window offers only these. */
  actions: z.array(CeremonyActionSchema),
  /** False when this machine does not trust the ceremony's policy: it takes no decisions here. */
  policyTrusted: z.boolean(),
});

export const FindingSchema = z.object({
  id: z.string(),
  status: z.enum(['pass', 'warn', 'fail']),
  message: z.string(),
  override: z.object({ by: z.string(), reason: z.string() }).optional(),
});

export const ProvenanceViewSchema = z.object({
  digest: Sha256,
  predicateType: z.string(),
  builderId: z.string(),
  sourceRepository: z.string().optional(),
  sourceCommit: z.string().optional(),
  trigger: z.string().optional(),
  buildInputs: z.array(z.object({ uri: z.string(), digest: z.string() })),
});

export const SbomViewSchema = z.object({
  digest: Sha256,
  format: z.enum(['cyclonedx', 'spdx']),
  specVersion: z.string(),
  componentCount: z.number().int(),
  subject: z.string().optional(),
  /** Licence → components, most common first (at most 20). */
  licenses: z.array(z.object({ license: z.string(), count: z.number().int() })),
});

export const ReleaseChangesSchema = z.object({
  /** The ceremony of the previous release of the same product that this one is compared with. */
  previous: z.object({ id: z.string(), version: z.string() }),
  componentsAdded: z.array(z.string()),
  componentsRemoved: z.array(z.string()),
  componentsUpgraded: z.array(z.object({ name: z.string(), from: z.string(), to: z.string() })),
  newBuilders: z.array(z.string()),
  newSourceRepositories: z.array(z.string()),
});

export const TimelineEntrySchema = z.object({
  at: Instant,
  type: EventTypeSchema,
  actor: z.string(),
  /** valid: checked against the policy; invalid: does not count; unsigned: an event with no signature of its own. */
  signature: z.enum(['valid', 'invalid', 'unsigned']),
  detail: z.string().optional(),
  /** Who signed, beyond the approver id: for a decision signed with a certificate, the leaf certificate's subject and email. */
  actorDetail: z.string().optional(),
  /** An approval whose RFC 3161 time stamp verified: the TSA's time (ISO 8601). */
  trustedTime: Instant.optional(),
  /** An approval without a trusted time: why ("the policy names no time-stamping authority", a stamp that did not verify). */
  timeNote: z.string().optional(),
});

export const CeremonyDetailSchema = CeremonySummarySchema.extend({
  findings: z.array(FindingSchema),
  artifactDetails: z.array(z.object({ name: z.string(), size: z.number().optional(), sha256: Sha256, sha512: z.string().optional() })),
  provenance: z.array(ProvenanceViewSchema),
  sbom: SbomViewSchema.optional(),
  changes: ReleaseChangesSchema.optional(),
  statement: z.object({ digest: Sha256, payloadType: z.string(), json: z.string() }).optional(),
  /** `attestation`: where a verified attestation says the key was made (issue 13), e.g. "key made on YubiKey 5 serial 1234567, touch always, PIN once". */
  approvals: z.array(z.object({ approverId: z.string(), role: z.string().optional(), keyId: Sha256, at: Instant, attestation: z.string().optional() })),
  rejections: z.array(z.object({ approverId: z.string(), keyId: Sha256, at: Instant, reason: z.string() })),
  timeline: z.array(TimelineEntrySchema),
  problems: z.array(z.string()),
  approvers: z.array(z.object({ id: z.string(), role: z.string().optional(), keyIds: z.array(Sha256) })),
  overrideAllowed: z.boolean(),
  published: z.object({ at: Instant, envelopeDigest: Sha256 }).optional(),
});

export const SigningKeySchema = z.object({
  tokenUri: z.string(),
  tokenLabel: z.string(),
  keyUri: z.string(),
  keyLabel: z.string(),
  keyId: Sha256,
  /** The approver this key belongs to in the ceremony's policy, when it does. */
  approverId: z.string().optional(),
  eligible: z.boolean(),
  /** Why a key cannot sign this ceremony ("not in the policy", "bob already approved", "opened this ceremony"). */
  reason: z.string().optional(),
  loginRequired: z.boolean(),
  protectedAuthenticationPath: z.boolean(),
  /** The token asks for a touch (YubiKey): the window says so while it signs. */
  touchLikely: z.boolean(),
  pinStatus: z.enum(['ok', 'count-low', 'final-try', 'locked']),
});

/** What each verifier will say about a publication (shared/verify/forecast.ts). */
export const PublishForecastSchema = z.object({
  ceremonyId: z.string(),
  publisher: z.string().optional(),
  verifiers: z.array(
    z.object({
      verifier: z.enum(['conclave', 'cosign', 'kyverno', 'notation']),
      approverId: z.string().optional(),
      verdict: z.enum(['accepts', 'refuses', 'not-applicable', 'not-published']),
      line: z.string(),
      reasons: z.array(z.string()),
    }),
  ),
  allAccept: z.boolean(),
});

export const PublishResultSchema = z.object({
  directory: z.string(),
  envelopePath: z.string(),
  bundlePaths: z.array(z.string()),
  summaryPath: z.string(),
  /** The publisher's Verification Summary Attestation (issue 14): the signed DSSE envelope, and the same as a Sigstore bundle. */
  verificationSummary: z.object({ envelopePath: z.string(), bundlePath: z.string() }).optional(),
  /** "verified: alice, bob (2 of 3)". */
  verified: z.string(),
  /** The `conclave verify` command that checks the release, for a POSIX shell, every path absolute (issue 11). */
  verifyCommand: z.string(),
  /**
   * Artifact files this machine does not know the place of (opened on another machine, or moved since opening):
   * the command names each by a placeholder, `<path of NAME>`, to replace with its path.
   */
  unlocatedArtifacts: z.array(z.string()).max(1000).optional(),
  /** For a release with container images (issue 6): where the envelope was attached, one entry per image. */
  registry: z
    .array(
      z.object({
        /** The image, pinned: registry/repository@sha256:…. */
        image: z.string(),
        /** The OCI 1.1 artifact manifest that carries the envelope. */
        artifactDigest: z.string(),
        via: z.enum(['referrers-api', 'referrers-tag']),
        /** Already attached by an earlier publish: nothing was written. */
        alreadyPresent: z.boolean(),
      }),
    )
    .optional(),
});

export const VerificationSchema = z.object({
  ok: z.boolean(),
  /** One line per check, for people: first the verdict, then each problem. */
  lines: z.array(z.string()),
  checkedAt: Instant,
});

export const PolicySummarySchema = z.object({
  digest: Sha256,
  name: z.string().optional(),
  path: z.string(),
  description: z.string(),
});

/** A policy file as read before it is trusted (Settings → Policies): what the person checks, then confirms. */
export const PolicyInspectionSchema = z.object({
  digest: Sha256,
  name: z.string().optional(),
  /** The rule in words: "any 2 of alice, bob, carol; at least 1 security". */
  description: z.string(),
  threshold: z.number().int(),
  approvers: z.array(z.object({ id: z.string(), role: z.string().optional() })),
  /** This machine already trusts a policy with this digest. */
  trusted: z.boolean(),
});

export const FileEntrySchema = z.object({ name: z.string(), kind: z.enum(['file', 'folder']), size: z.number().optional() });

export const OperationProgressSchema = z.object({
  operationId: z.string(),
  bytesDone: z.number(),
  bytesTotal: z.number(),
  filesDone: z.number().int(),
  filesTotal: z.number().int(),
});

export type CeremonySummary = z.output<typeof CeremonySummarySchema>;
export type CeremonyDetail = z.output<typeof CeremonyDetailSchema>;
export type SigningKey = z.output<typeof SigningKeySchema>;
export type PublishResult = z.output<typeof PublishResultSchema>;
export type PolicySummary = z.output<typeof PolicySummarySchema>;
export type PolicyInspection = z.output<typeof PolicyInspectionSchema>;
export type OperationProgress = z.output<typeof OperationProgressSchema>;
export type ReleaseChanges = z.output<typeof ReleaseChangesSchema>;

// ---- air-gapped bundles (issue 5) ------------------------------------------

/** What "Export for an offline machine" wrote: where, and what the file carries. */
export const BundleExportResultSchema = z.object({
  /** The bundle file's full path. */
  path: z.string(),
  fileName: z.string(),
  eventCount: z.number().int().nonnegative(),
  evidenceCount: z.number().int().nonnegative(),
  /** The ceremony's state and tally when it was exported, as the bundle's summary says. */
  state: CeremonyStateSchema,
  tally: z.string().optional(),
  /** Files of the ceremony that could not go in (a damaged file), each with why. */
  leftOut: z.array(z.string()),
});


export const BundleImportReportSchema = z.object({
  ceremonyId: z.string(),
  /** The store had no opening of this ceremony before: its policy came with the bundle. */
  newCeremony: z.boolean(),
  policyDigest: Sha256.optional(),
  /** The ceremony as the store now derives it, when it has an opening. */
  release: z.object({ name: z.string(), version: z.string() }).optional(),
  state: CeremonyStateSchema.optional(),
  tally: z.string().optional(),
  /** Event files written to the store; `by` is the approver (by the policy) of an approval or rejection. */
  added: z.array(z.object({ name: z.string(), type: EventTypeSchema, by: z.string().optional() })),
  /** Event files the store already had, byte for byte. */
  skipped: z.array(z.string()),
  /** Event files not written, each with why; `type` is read from the file name when it says; `conflict` when the store holds something else in its place. */
  refused: z.array(z.object({ name: z.string(), type: EventTypeSchema.optional(), code: z.string(), reason: z.string(), conflict: z.boolean() })),
  evidence: z.object({ added: z.number().int().nonnegative(), skipped: z.number().int().nonnegative(), refused: z.array(z.object({ name: z.string(), code: z.string(), reason: z.string() })) }),
  /** What the merged ceremony says about the files just added (e.g. an approval made after expiry). */
  notes: z.array(z.string()),
});

export type BundleExportResult = z.output<typeof BundleExportResultSchema>;
export type BundleImportReport = z.output<typeof BundleImportReportSchema>;

// ---- the shared repository (issue 5) ----------------------------------------

/** Where this store stands against its one git remote, as the window shows it. */
/** What this machine last verified of the store's history (`conclave audit verify`, or Verify in History). */
export const HistoryVerificationSchema = z.object({
  /** never: no audit ran here; verified: main is the verified head; behind: commits came after it; failed: the last audit found problems. */
  state: z.enum(['never', 'verified', 'behind', 'failed']),
  head: z.string().optional(),
  at: z.string().optional(),
  commitsSince: z.number().int().nonnegative().optional(),
  findings: z.number().int().nonnegative().optional(),
});

export const RepositoryStatusSchema = z.object({
  url: z.string().optional(),
  state: z.enum(['no-remote', 'up-to-date', 'ahead', 'behind', 'diverged', 'offline', 'error', 'rewritten']),
  /** Event files here that the remote does not have yet: what is pending sync. */
  ahead: z.number().int().nonnegative(),
  /** Event files on the remote not here yet. */
  behind: z.number().int().nonnegative(),
  /** git's own words, or what changed on a rewritten remote. */
  reason: z.string().optional(),
  /** A sync is under way right now. */
  syncing: z.boolean(),
  /** When the last sync finished (ISO 8601), whatever its outcome. */
  lastSyncAt: z.string().optional(),
  verification: HistoryVerificationSchema.optional(),
});

/** One run of the audit from the window: what it checked and every problem (the first 200), as `conclave audit verify` reports them. */
export const HistoryAuditSchema = z.object({
  ok: z.boolean(),
  head: z.string().optional(),
  counts: z.object({ ceremonies: z.number(), events: z.number(), signatures: z.number(), evidence: z.number(), publishedEnvelopes: z.number(), commits: z.number() }),
  findings: z.array(z.object({ code: z.string(), message: z.string(), ceremonyId: z.string().optional(), file: z.string().optional(), commit: z.string().optional() })).max(200),
  /** Findings beyond the 200 listed. */
  moreFindings: z.number().int().nonnegative(),
  /** The same audit of the same store from a terminal (`conclave audit verify --store …`, for a POSIX shell), which lists every finding. */
  command: z.string(),
  notes: z.array(z.string()).max(200),
  verification: HistoryVerificationSchema,
});
export type HistoryAudit = z.output<typeof HistoryAuditSchema>;

/** What one sync did, in counts and sentences. */
export const SyncSummarySchema = z.object({
  outcome: z.enum(['synced', 'no-remote', 'offline', 'error', 'rewritten']),
  url: z.string().optional(),
  committed: z.number().int().nonnegative(),
  pushed: z.number().int().nonnegative(),
  received: z.number().int().nonnegative(),
  attempts: z.number().int().nonnegative(),
  /** Arrived files that do not count, files left out, each as a sentence. */
  problems: z.array(z.string()),
  reason: z.string().optional(),
});

export type RepositoryStatus = z.output<typeof RepositoryStatusSchema>;
export type SyncSummary = z.output<typeof SyncSummarySchema>;
