/** A policy in words, for people: "any 2 of alice (key made on a YubiKey, touch always), bob, carol; at least 1 security". */
import { describeRequirement } from '../attestation/requirement';
import type { Policy } from './policy';

/** "alice (key made on a YubiKey, touch always)" where the person's entries require an attested key (issue 13), "one key: …" when only some of them do. */
function personWords(policy: Policy, id: string): string {
  const entries = [...policy.keys, ...policy.certificateApprovers].filter((entry) => entry.approverId === id);
  const requiring = entries.filter((entry) => entry.attestation?.required);
  const first = requiring[0]?.attestation;
  if (!first) return id;
  return `${id} (${requiring.length < entries.length ? 'one key: ' : ''}${describeRequirement(first)})`;
}

export function describePolicy(policy: Policy): string {
  const ids = policy.people.map((person) => person.id);
  const who = policy.people.map((person) => personWords(policy, person.id)).join(', ');
  const head = ids.length === 1 ? who : policy.threshold === ids.length ? `all ${ids.length} of ${who}` : `any ${policy.threshold} of ${who}`;
  const parts = [head, ...Object.entries(policy.roles).map(([role, minimum]) => `at least ${minimum} ${role}`)];
  if (policy.separationOfDuties.openerMayApprove) parts.push('the person who opens a ceremony may approve it');
  return parts.join('; ');
}
