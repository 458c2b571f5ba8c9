/** A policy in words, for people: "any 2 of alice, bob, carol; at least 1 security". */
import type { Policy } from './policy';

export function describePolicy(policy: Policy): string {
  const ids = policy.people.map((person) => person.id);
  const who = ids.join(', ');
  const head = ids.length === 1 ? who : policy.threshold === ids.length ? `all ${ids.length} of ${who}` : `any ${policy.threshold} of ${who}`;
  const parts = [head, ...Object.entries(policy.roles).map(([role, minimum]) => `at least ${minimum} ${role}`)];
  if (policy.separationOfDuties.openerMayApprove) parts.push('the person who opens a ceremony may approve it');
  return parts.join('; ');
}
