/**
 * What a ceremony looks like once judged (judge.ts): its state, the one
 * statement that counts, the decisions that count, and the actions its state
 * allows next. The core, the CLI and the window all read `actions` from here
 * rather than deciding for themselves what a state permits (issue 10).
 */
import type { ApprovedEvent, ArtifactRecord, Finding, FrozenEvent, OpenedEvent, RejectedEvent } from './events';
import type { CeremonyProblem } from './problems';

/**
 * `contested`: two openings that people of a trusted policy signed claim the
 * same ceremony; nothing in it counts until it is cancelled and opened anew.
 */
export const ceremonyStates = ['open', 'frozen', 'approved', 'published', 'rejected', 'expired', 'cancelled', 'contested'] as const;
export type CeremonyState = (typeof ceremonyStates)[number];

export const ceremonyActions = ['freeze', 'approve', 'reject', 'withdraw', 'cancel', 'publish'] as const;
export type CeremonyAction = (typeof ceremonyActions)[number];

/** What each state allows next: the single table every guard, the CLI and the window use. */
export const actionsByState: Record<CeremonyState, readonly CeremonyAction[]> = {
  open: ['freeze', 'cancel'],
  frozen: ['approve', 'reject', 'withdraw', 'cancel'],
  approved: ['approve', 'reject', 'withdraw', 'publish', 'cancel'],
  rejected: ['withdraw', 'cancel'],
  expired: ['cancel'],
  published: [],
  cancelled: [],
  contested: ['cancel'],
};

/** What a verified attestation states about an approval's key (shared/attestation). */
export interface AttestedApproval {
  serial: number;
  model: string;
  firmware: string;
  touchPolicy: string;
  pinPolicy: string;
  description: string;
}

export interface CeremonyView {
  id: string;
  state: CeremonyState;
  /** What may be done next, by anyone the policy lets: empty when the policy is not trusted here or the ceremony has ended. */
  actions: CeremonyAction[];
  /** Whether this machine trusts the ceremony's policy; absent where trust is not judged (a consumer verifying with a policy of their own). */
  policyTrusted?: boolean;
  release: OpenedEvent['release'];
  openedAt: string;
  /** When decisions stop counting: the opening's expiry, which the judge holds to opened + the policy's maxOpenHours. */
  expiresAt: string;
  /** The policy id of the key that signed the opening. */
  openedBy?: string;
  policyDigest: string;
  artifacts: ArtifactRecord[];
  findings: Finding[];
  frozen?: { at: string; payloadType: string; statement: string; statementDigest: string; overrides: FrozenEvent['overrides'] };
  approvals: ApprovedEvent[];
  rejections: RejectedEvent[];
  /**
   * Approvals that carry a verified attestation (issue 13), by the approval's keyid: the device's facts and
   * "key made on YubiKey 5 serial 1234567, touch always, PIN once".
   */
  attested?: Record<string, AttestedApproval>;
  /** The policy's words on where the ceremony stands, e.g. "2 of 3; security still needed". */
  tally?: string;
  /** `signedBy`: the keyids whose approvals the published envelope carries, in its order. */
  published?: { at: string; envelopeDigest: string; approvers: string[]; signedBy: string[] };
  cancelled?: { at: string; reason?: string };
  /** Events that were present but did not count, each with a code and why: shown to people, checked by auditors. */
  problems: CeremonyProblem[];
}
