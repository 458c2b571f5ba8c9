/** A policy in words, for people: "any 2 of alice (key made on a YubiKey, touch always), bob, carol; at least 1 security". */
import { describeRequirement } from '../attestation/requirement';
import type { Policy, PolicyPerson } from './policy';

/** "alice (key made on a YubiKey, touch always)" where the person's entries require an attested key (issue 13), "one key: …" when only some of them do. */
function personWords(policy: Policy, id: string): string {
  const entries = [...policy.keys, ...policy.certificateApprovers].filter((entry) => entry.approverId === id);
  const requiring = entries.filter((entry) => entry.attestation?.required);
  const first = requiring[0]?.attestation;
  if (!first) return id;
  return `${id} (${requiring.length < entries.length ? 'one key: ' : ''}${describeRequirement(first)})`;
}

/** Beyond this many groups the words stay general: a policy of people, not of thousands, is what this spells out. */
const mostGroupsToSpellOut = 5000;

function groupsOf<T>(items: readonly T[], size: number): T[][] {
  if (size === 0) return [[]];
  if (items.length < size) return [];
  const [first, ...rest] = items as [T, ...T[]];
  return [...groupsOf(rest, size - 1).map((group) => [first, ...group]), ...groupsOf(rest, size)];
}

function groupCount(n: number, k: number): number {
  let count = 1;
  for (let index = 0; index < k; index += 1) count = (count * (n - index)) / (index + 1);
  return Math.round(count);
}

const meetsRoles = (policy: Policy, group: readonly PolicyPerson[]) => Object.entries(policy.roles).every(([role, minimum]) => group.filter((person) => person.role === role).length >= minimum);

const joinedWith = (words: readonly string[], last: string) => (words.length <= 1 ? words.join('') : `${words.slice(0, -1).join(', ')} ${last} ${words.at(-1)!}`);

/**
 * Who can meet the role minimums (issue 16: "any 2 of alice, bob, carol; at
 * least 1 security" read as if bob and carol could, and they never could).
 * Undefined when every group of threshold people meets them; the people every
 * such group must include when that is the whole rule; otherwise each role
 * with its members.
 */
function whoMeetsRoles(policy: Policy): { including: string[] } | { members: string[] } | undefined {
  const people = policy.people;
  const size = policy.threshold;
  if (Object.keys(policy.roles).length === 0 || groupCount(people.length, size) > mostGroupsToSpellOut) return undefined;
  const groups = groupsOf(people, size);
  const meeting = groups.filter((group) => meetsRoles(policy, group));
  if (meeting.length === groups.length) return undefined;
  const roleMembers = Object.entries(policy.roles).map(([role, minimum]) => {
    const members = people.filter((person) => person.role === role).map((person) => person.id);
    return `at least ${minimum} ${role} (${joinedWith(members, minimum === 1 ? 'or' : 'and')})`;
  });
  if (meeting.length === 0) return { members: roleMembers };
  const required = people.filter((person) => meeting.every((group) => group.includes(person)));
  // "Including alice" is exact only when every group with the required people meets the roles.
  const exact = required.length > 0 && meeting.length === groupCount(people.length - required.length, size - required.length);
  return exact ? { including: required.map((person) => person.id) } : { members: roleMembers };
}

export function describePolicy(policy: Policy): string {
  const ids = policy.people.map((person) => person.id);
  const who = policy.people.map((person) => personWords(policy, person.id)).join(', ');
  const head = ids.length === 1 ? who : policy.threshold === ids.length ? `all ${ids.length} of ${who}` : `any ${policy.threshold} of ${who}`;
  const roles = whoMeetsRoles(policy);
  const parts =
    roles === undefined
      ? [head, ...Object.entries(policy.roles).map(([role, minimum]) => `at least ${minimum} ${role}`)]
      : 'including' in roles
        ? [`${head}, including ${joinedWith(roles.including, 'and')}`]
        : [head, ...roles.members];
  if (policy.separationOfDuties.openerMayApprove) parts.push('the person who opens a ceremony may approve it');
  return parts.join('; ');
}
