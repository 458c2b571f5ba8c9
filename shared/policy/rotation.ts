/**
 * Policy ceremonies (issue 10): a policy changes only through a ceremony whose
 * subject is the new policy document. As in TUF root rotation, the change
 * counts once the current policy's threshold AND the new policy's threshold
 * have approved it: the people trusted now agree, and the people who will be
 * trusted next can actually sign. Pure: the judge and `conclave verify
 * --policy-chain` share these rules.
 */
import { evaluatePolicy, type PolicyEvaluation, type PolicyEvaluationInput } from './evaluate';
import type { Policy, PolicyKey, PolicyPerson } from './policy';

/** The name of a policy ceremony's one subject: the proposed policy document, by its digest (RFC 8785 canonical JSON, SHA-256). */
export const policyProposalSubjectName = 'conclave-policy.json';

/**
 * Everyone who may sign events of a policy ceremony: the current policy's
 * approvers and release managers, and the proposed policy's approvers. A key
 * in both keeps the current policy's name for it.
 */
export function policyCeremonySigners(current: Policy, proposed: Policy): Policy {
  const known = new Set(current.keys.map((key) => key.keyId));
  const keys: PolicyKey[] = [...current.keys, ...proposed.keys.filter((key) => !known.has(key.keyId))];
  const ids = new Set(current.people.map((person) => person.id));
  const people: PolicyPerson[] = [...current.people, ...proposed.people.filter((person) => !ids.has(person.id))];
  return { ...current, keys, people, certificateApprovers: [...current.certificateApprovers, ...proposed.certificateApprovers] };
}

/** Both policies' counts over the same decisions: satisfied when both are, impossible when either is. */
export function evaluatePolicyChange(current: Policy, proposed: Policy, input: PolicyEvaluationInput): PolicyEvaluation & { current: PolicyEvaluation; proposed: PolicyEvaluation } {
  const now = evaluatePolicy(current, input);
  const next = evaluatePolicy(proposed, input);
  const counted = [...new Set([...now.counted, ...next.counted])];
  const roles: Record<string, number> = { ...now.missing.roles };
  for (const [role, count] of Object.entries(next.missing.roles)) roles[role] = Math.max(roles[role] ?? 0, count);
  const part = (label: string, evaluation: PolicyEvaluation, words: string) => (words ? `${label}: ${words}` : '');
  return {
    counted,
    roleCounts: { ...next.roleCounts, ...now.roleCounts },
    satisfied: now.satisfied && next.satisfied,
    stillNeeded: [part('current policy', now, now.stillNeeded), part('new policy', next, next.stillNeeded)].filter(Boolean).join('; '),
    missing: { approvals: now.missing.approvals + next.missing.approvals, roles },
    impossible: now.impossible || next.impossible,
    impossibleReason: [part('under the current policy', now, now.impossibleReason), part('under the new policy', next, next.impossibleReason)].filter(Boolean).join('; '),
    notCounted: [...now.notCounted, ...next.notCounted.filter((entry) => !now.notCounted.some((other) => other.keyId === entry.keyId))],
    current: now,
    proposed: next,
  };
}
