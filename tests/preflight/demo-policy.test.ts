/** The demo policy a newcomer can complete (issue 16): any two demo approvers, whoever opened. */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { demoPolicyDocument } from '../../electron/core/api/services/demo-policy';
import { nodeDigester } from '../../electron/core/crypto/node-crypto';
import { describePolicy } from '../../shared/policy/describe';
import { evaluatePolicy } from '../../shared/policy/evaluate';
import { loadPolicyText } from '../../shared/policy/policy';

const people = ['alice', 'bob', 'carol'] as const;

async function demoPolicy() {
  const approvers = people.map((id) => ({ id, publicKeyPem: generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString() }));
  return loadPolicyText(demoPolicyDocument(approvers), nodeDigester);
}

describe('the demo policy', () => {
  it('is met by any two demo approvers, whoever of the three opened', async () => {
    const policy = await demoPolicy();
    const keyOf = (id: string) => policy.keys.find((key) => key.approverId === id)!.keyId;
    for (const opener of people) {
      const approvers = people.filter((id) => id !== opener);
      const evaluation = evaluatePolicy(policy, { approvals: approvers.map(keyOf), rejections: [], openerId: opener });
      expect({ opener, satisfied: evaluation.satisfied, stillNeeded: evaluation.stillNeeded }).toEqual({ opener, satisfied: true, stillNeeded: '' });
    }
    for (const [first, second] of [['alice', 'bob'], ['alice', 'carol'], ['bob', 'carol']] as const) {
      expect(evaluatePolicy(policy, { approvals: [keyOf(first), keyOf(second)], rejections: [] }).satisfied).toBe(true);
    }
  });

  it('still asks for security: carol alone with an outsider does not meet it', async () => {
    const policy = await demoPolicy();
    const carol = policy.keys.find((key) => key.approverId === 'carol')!.keyId;
    expect(evaluatePolicy(policy, { approvals: [carol], rejections: [] }).satisfied).toBe(false);
  });

  it('says in words that any two of them will do', async () => {
    expect(describePolicy(await demoPolicy())).toBe('any 2 of alice, bob, carol; at least 1 security');
  });
});
