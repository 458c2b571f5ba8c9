/**
 * Where a ceremony stands against its policy. Counts distinct people, never
 * signatures or keys (sigstore-js's threshold rule, CONVENTIONS.md): a second
 * key of one person, or one key twice, adds nothing.
 */
import type { Policy, PolicyPerson } from './policy';

export interface PolicyEvaluationInput {
  /** Keyids that signed an approval. */
  approvals: readonly string[];
  /** Keyids that signed a rejection. */
  rejections: readonly string[];
  /** The approver id of the person who opened the ceremony, when known. */
  openerId?: string;
  /**
   * Keys the policy does not list that belong to a certificate approver, by
   * keyid: each resolved by resolveCertificateSigner (chain, identity, time,
   * revocation) for the decision it made. A key in neither is unknown.
   */
  certificateSigners?: ReadonlyMap<string, string>;
}

export type NotCountedReason = 'unknown-key' | 'same-key' | 'same-person' | 'opener' | 'rejected';

export interface PolicyEvaluation {
  /** Ids of the people whose approval counts, in policy order. */
  counted: string[];
  /** Approving people per role named in the policy's role minimums. */
  roleCounts: Record<string, number>;
  satisfied: boolean;
  /** What is still missing, in words ("1 more approval; security still needed"); empty when satisfied. */
  stillNeeded: string;
  missing: { approvals: number; roles: Record<string, number> };
  /** True when enough people have rejected (or cannot count) that the policy can no longer be met. */
  impossible: boolean;
  /** Why it is impossible, in words; empty when it is not. */
  impossibleReason: string;
  /** Approvals that did not count, and why. */
  notCounted: { keyId: string; approverId?: string; reason: NotCountedReason }[];
}

const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;

export function evaluatePolicy(policy: Policy, input: PolicyEvaluationInput): PolicyEvaluation {
  // Plain loops, not spreads of map/filter results: an empty result is an array of another kind, and the index
  // threads' optimised code was thrown away and rebuilt each time one met the other (issue 15).
  const ownerOf = new Map<string, string>(input.certificateSigners);
  for (const key of policy.keys) ownerOf.set(key.keyId, key.approverId);
  const rejecting = new Set<string>();
  for (const keyId of input.rejections) {
    const approverId = ownerOf.get(keyId);
    if (approverId !== undefined) rejecting.add(approverId);
  }
  const openerExcluded = !policy.separationOfDuties.openerMayApprove && input.openerId !== undefined ? input.openerId : undefined;

  const approving = new Set<string>();
  const seenKeys = new Set<string>();
  const notCounted: PolicyEvaluation['notCounted'] = [];
  for (const keyId of input.approvals) {
    const approverId = ownerOf.get(keyId);
    if (approverId === undefined) {
      notCounted.push({ keyId, reason: 'unknown-key' });
      continue;
    }
    if (seenKeys.has(keyId)) {
      notCounted.push({ keyId, approverId, reason: 'same-key' });
      continue;
    }
    seenKeys.add(keyId);
    // A person who both approved and rejected is counted as rejecting: an approval is never inferred from a conflict.
    if (rejecting.has(approverId)) notCounted.push({ keyId, approverId, reason: 'rejected' });
    else if (approverId === openerExcluded) notCounted.push({ keyId, approverId, reason: 'opener' });
    else if (approving.has(approverId)) notCounted.push({ keyId, approverId, reason: 'same-person' });
    else approving.add(approverId);
  }

  const counted = policy.people.filter((person) => approving.has(person.id));
  const roleCounts: Record<string, number> = {};
  const missingRoles: Record<string, number> = {};
  for (const [role, minimum] of Object.entries(policy.roles)) {
    roleCounts[role] = counted.filter((person) => person.role === role).length;
    if (roleCounts[role] < minimum) missingRoles[role] = minimum - roleCounts[role];
  }
  const missingRoleTotal = Object.values(missingRoles).reduce((sum, count) => sum + count, 0);
  // Role approvals count toward the threshold too, so the approvals still needed are the larger of the two shortfalls.
  const missingApprovals = Math.max(policy.threshold - counted.length, missingRoleTotal, 0);
  const satisfied = missingApprovals === 0;

  const stillNeededParts = [plural(missingApprovals, 'more approval', 'more approvals')];
  for (const [role, count] of Object.entries(missingRoles)) stillNeededParts.push(count === 1 ? `${role} still needed` : `${count} more ${role} still needed`);
  const stillNeeded = satisfied ? '' : stillNeededParts.join('; ');

  // Who could still approve: everyone who has not rejected and is not the excluded opener.
  const available = (person: PolicyPerson) => !rejecting.has(person.id) && person.id !== openerExcluded;
  const reasons: string[] = [];
  const stillPossible = policy.people.filter(available);
  if (stillPossible.length < policy.threshold) {
    reasons.push(`${policy.threshold} approvals are needed but only ${plural(stillPossible.length, 'person', 'people')} who could approve ${stillPossible.length === 1 ? 'is' : 'are'} left`);
  }
  for (const [role, minimum] of Object.entries(policy.roles)) {
    const left = stillPossible.filter((person) => person.role === role).length;
    if (left < minimum) reasons.push(`${plural(minimum, `${role} approval is`, `${role} approvals are`)} needed but only ${left} ${role} ${left === 1 ? 'approver is' : 'approvers are'} left`);
  }
  if (reasons.length > 0 && openerExcluded !== undefined && policy.people.some((person) => person.id === openerExcluded)) {
    reasons.push(`${openerExcluded} opened the ceremony and so does not count`);
  }
  const impossible = !satisfied && reasons.length > 0;

  return {
    counted: counted.map((person) => person.id),
    roleCounts,
    satisfied,
    stillNeeded,
    missing: { approvals: missingApprovals, roles: missingRoles },
    impossible,
    impossibleReason: impossible ? reasons.join('; ') : '',
    notCounted,
  };
}
