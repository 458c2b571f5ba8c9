import { createHash, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PolicyError, builderAllowed, eventSignerOf, loadPolicy, loadPolicyText, policyDigest, sourceRepositoryAllowed, type PolicyErrorCode } from './policy';
import { evaluatePolicy } from './evaluate';
import { describePolicy } from './describe';
import { policyJsonSchema } from './schema';
import { canonicalJson } from '../json/canonical';
import { makeTestKey } from '../../tests/support/test-keys';
import { nodeDigester } from '../../electron/core/crypto/node-crypto';

const alice = makeTestKey('ecdsa-p256');
const bob = makeTestKey('ed25519');
const bobBackup = makeTestKey('ecdsa-p384');
const carol = makeTestKey('rsa-2048');
const dave = makeTestKey('ecdsa-p521');

const basePolicy = () => ({
  version: 1,
  name: 'test',
  threshold: 2,
  approvers: [
    { id: 'alice', role: 'security', publicKey: alice.publicKeyPem },
    { id: 'bob', role: 'engineering', publicKey: bob.publicKeyPem },
    { id: 'bob', role: 'engineering', publicKey: bobBackup.publicKeyPem },
    { id: 'carol', role: 'engineering', publicKey: carol.publicKeyPem },
  ],
  roles: { security: 1 },
});

async function refusal(value: unknown): Promise<PolicyErrorCode | 'accepted'> {
  try {
    await loadPolicy(value, nodeDigester);
    return 'accepted';
  } catch (error) {
    if (error instanceof PolicyError) return error.code;
    throw error;
  }
}

/** SubjectPublicKeyInfo of a P-256 key with its point compressed (RFC 5480 allows it; Conclave does not). */
function compressedP256Pem(): string {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  const x = Buffer.from(jwk.x!, 'base64url');
  const y = Buffer.from(jwk.y!, 'base64url');
  const point = Buffer.concat([Buffer.of(y[31]! & 1 ? 0x03 : 0x02), x]);
  const der = Buffer.concat([Buffer.from('3039301306072a8648ce3d020106082a8648ce3d030107032200', 'hex'), point]);
  return `-----BEGIN PUBLIC KEY-----\n${der.toString('base64')}\n-----END PUBLIC KEY-----\n`;
}

describe('loadPolicy', () => {
  it('loads people, keys and keyids, with defaults filled in', async () => {
    const policy = await loadPolicy(basePolicy(), nodeDigester);
    expect(policy.people.map((person) => [person.id, person.role, person.keyIds.length])).toEqual([
      ['alice', 'security', 1],
      ['bob', 'engineering', 2],
      ['carol', 'engineering', 1],
    ]);
    expect(policy.keys.map((key) => key.keyId)).toEqual([alice.keyId, bob.keyId, bobBackup.keyId, carol.keyId]);
    expect(policy.keys.map((key) => key.type.kind)).toEqual(['ecdsa', 'ed25519', 'ecdsa', 'rsa']);
    expect(policy.separationOfDuties.openerMayApprove).toBe(false);
    expect(policy.evidence.allowOverride).toBe(false);
    expect(policy.ceremony.maxOpenHours).toBe(72);
  });

  it('names the policy by the SHA-256 of its canonical JSON, whatever its layout', async () => {
    const policy = await loadPolicy(basePolicy(), nodeDigester);
    expect(policy.digest).toBe(createHash('sha256').update(canonicalJson(basePolicy())).digest('hex'));
    const reordered = await loadPolicyText(JSON.stringify(Object.fromEntries(Object.entries(basePolicy()).reverse()), null, 4), nodeDigester);
    expect(reordered.digest).toBe(policy.digest);
    const changed = await loadPolicy({ ...basePolicy(), threshold: 3 }, nodeDigester);
    expect(changed.digest).not.toBe(policy.digest);
    expect(await policyDigest(basePolicy(), nodeDigester)).toBe(policy.digest);
  });

  it('accepts every supported key type', async () => {
    const approvers = [alice, bob, bobBackup, carol, dave].map((key, index) => ({ id: `p${index}`, publicKey: key.publicKeyPem }));
    expect(await refusal({ version: 1, threshold: 5, approvers })).toBe('accepted');
  });

  it.each<[string, (policy: ReturnType<typeof basePolicy>) => unknown, PolicyErrorCode]>([
    ['a threshold above the number of people (two keys of one person count once)', (p) => ({ ...p, threshold: 4 }), 'policy-threshold-unreachable'],
    ['a role minimum above the people with that role', (p) => ({ ...p, roles: { security: 2 } }), 'policy-role-unreachable'],
    ['a role minimum nobody can meet', (p) => ({ ...p, roles: { legal: 1 } }), 'policy-role-unreachable'],
    ['the same key listed twice', (p) => ({ ...p, approvers: [...p.approvers, { id: 'dave', publicKey: alice.publicKeyPem }] }), 'policy-key-duplicate'],
    [
      'the same key listed twice in different PEM layouts',
      (p) => ({ ...p, approvers: [...p.approvers, { id: 'dave', publicKey: alice.publicKeyPem.replace(/\n(?!-----END)/g, '\n\n').replace(/\n$/, '') }] }),
      'policy-key-duplicate',
    ],
    ['a key that is not PEM', (p) => ({ ...p, approvers: [...p.approvers, { id: 'dave', publicKey: 'ssh-ed25519 AAAA' }] }), 'policy-key-malformed'],
    ['a PEM key with a broken body', (p) => ({ ...p, approvers: [...p.approvers, { id: 'dave', publicKey: '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYI\n-----END PUBLIC KEY-----\n' }] }), 'policy-key-malformed'],
    ['a PEM key whose body is not base64', (p) => ({ ...p, approvers: [...p.approvers, { id: 'dave', publicKey: '-----BEGIN PUBLIC KEY-----\nMFkw*EwY\n-----END PUBLIC KEY-----\n' }] }), 'policy-key-malformed'],
    ['two PEM blocks in one entry', (p) => ({ ...p, approvers: [...p.approvers, { id: 'dave', publicKey: dave.publicKeyPem + dave.publicKeyPem }] }), 'policy-key-malformed'],
    ['a compressed EC point', (p) => ({ ...p, approvers: [...p.approvers, { id: 'dave', publicKey: compressedP256Pem() }] }), 'policy-key-malformed'],
    ['an RSA key shorter than 2048 bits', (p) => ({ ...p, approvers: [...p.approvers, { id: 'dave', publicKey: makeTestKey('rsa-1024').publicKeyPem }] }), 'policy-key-unsupported'],
    [
      'a secp256k1 key',
      (p) => ({ ...p, approvers: [...p.approvers, { id: 'dave', publicKey: generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey.export({ format: 'pem', type: 'spki' }).toString() }] }),
      'policy-key-unsupported',
    ],
    [
      'an Ed448 key',
      (p) => ({ ...p, approvers: [...p.approvers, { id: 'dave', publicKey: generateKeyPairSync('ed448').publicKey.export({ format: 'pem', type: 'spki' }).toString() }] }),
      'policy-key-unsupported',
    ],
    ['an unknown top-level field', (p) => ({ ...p, thresold: 2 }), 'policy-unknown-field'],
    ['an unknown approver field', (p) => ({ ...p, approvers: [{ ...p.approvers[0], certficate: 'x' }, ...p.approvers.slice(1)] }), 'policy-unknown-field'],
    ['an unknown separation-of-duties rule', (p) => ({ ...p, separationOfDuties: { openerMayApprove: false, twoPerson: true } }), 'policy-unknown-field'],
    ['version 2', (p) => ({ ...p, version: 2 }), 'policy-version-unsupported'],
    ['version "1" as text', (p) => ({ ...p, version: '1' }), 'policy-version-unsupported'],
    ['no version', ({ version: _version, ...rest }) => rest, 'policy-malformed'],
    ['a threshold of 0', (p) => ({ ...p, threshold: 0 }), 'policy-malformed'],
    ['a fractional threshold', (p) => ({ ...p, threshold: 1.5 }), 'policy-malformed'],
    ['no approvers', (p) => ({ ...p, approvers: [] }), 'policy-malformed'],
    ['an id with spaces', (p) => ({ ...p, approvers: [{ ...p.approvers[0], id: 'alice smith' }, ...p.approvers.slice(1)] }), 'policy-malformed'],
    ['one person with two roles', (p) => ({ ...p, approvers: [...p.approvers, { id: 'alice', role: 'engineering', publicKey: dave.publicKeyPem }] }), 'policy-approver-conflict'],
    ['one person with and without a role', (p) => ({ ...p, approvers: [...p.approvers, { id: 'alice', publicKey: dave.publicKeyPem }] }), 'policy-approver-conflict'],
    ['an array', () => [], 'policy-malformed'],
  ])('refuses %s', async (_what, change, code) => {
    expect(await refusal(change(basePolicy()))).toBe(code);
  });

  it('says what to fix', async () => {
    await expect(loadPolicy({ ...basePolicy(), threshold: 4 }, nodeDigester)).rejects.toThrow(/threshold is 4, but the policy lists only 3 distinct people \(alice, bob, carol\)/);
    await expect(loadPolicy({ ...basePolicy(), roles: { security: 2 } }, nodeDigester)).rejects.toThrow(/at least 2 "security" approvals, but only alice has that role/);
    await expect(loadPolicy({ ...basePolicy(), thresold: 2 }, nodeDigester)).rejects.toThrow(/"thresold"/);
    await expect(loadPolicy({ ...basePolicy(), approvers: [...basePolicy().approvers, { id: 'dave', publicKey: carol.publicKeyPem }] }, nodeDigester)).rejects.toThrow(/approvers\[3\] \("carol"\) and in approvers\[4\] \("dave"\)/);
  });

  it('refuses policy text that is not JSON, or names a field twice', async () => {
    await expect(loadPolicyText('{"version":1,', nodeDigester)).rejects.toMatchObject({ code: 'policy-not-json' });
    await expect(loadPolicyText('{"version":1,"threshold":1,"threshold":2}', nodeDigester)).rejects.toMatchObject({ code: 'policy-not-json' });
  });
});

describe('release managers', () => {
  it('knows their keys as event signers that never count toward the threshold', async () => {
    const policy = await loadPolicy({ ...basePolicy(), releaseManagers: [{ id: 'dave', name: 'Dave Deploy', publicKey: dave.publicKeyPem }] }, nodeDigester);
    expect(policy.releaseManagerKeys.map((key) => [key.approverId, key.keyId])).toEqual([['dave', dave.keyId]]);
    expect(policy.keys.some((key) => key.keyId === dave.keyId)).toBe(false);
    expect(policy.people.map((person) => person.id)).not.toContain('dave');
    expect(eventSignerOf(policy, dave.keyId)).toMatchObject({ id: 'dave', as: 'release manager' });
    expect(eventSignerOf(policy, alice.keyId)).toMatchObject({ id: 'alice', as: 'approver' });
    expect(eventSignerOf(policy, makeTestKey('ecdsa-p256').keyId)).toBeUndefined();
    expect(evaluatePolicy(policy, { approvals: [dave.keyId, alice.keyId], rejections: [] }).satisfied).toBe(false);
  });

  it('refuses a key listed both as an approver and a release manager, and a person listed as both', async () => {
    expect(await refusal({ ...basePolicy(), releaseManagers: [{ id: 'dave', publicKey: alice.publicKeyPem }] })).toBe('policy-key-duplicate');
    expect(await refusal({ ...basePolicy(), releaseManagers: [{ id: 'alice', publicKey: dave.publicKeyPem }] })).toBe('policy-approver-conflict');
    expect(await refusal({ ...basePolicy(), releaseManagers: [{ id: 'dave', publicKey: 'not a key' }] })).toBe('policy-key-malformed');
  });
});

describe('evaluatePolicy', () => {
  const load = (change: (p: ReturnType<typeof basePolicy>) => unknown = (p) => p) => loadPolicy(change(basePolicy()), nodeDigester);

  it('is satisfied by two people including the security role', async () => {
    const result = evaluatePolicy(await load(), { approvals: [alice.keyId, carol.keyId], rejections: [] });
    expect(result).toMatchObject({ counted: ['alice', 'carol'], roleCounts: { security: 1 }, satisfied: true, stillNeeded: '', impossible: false });
  });

  it('counts a person once however many keys they sign with, and a key once however often', async () => {
    const result = evaluatePolicy(await load(), { approvals: [bob.keyId, bobBackup.keyId, bob.keyId], rejections: [] });
    expect(result.counted).toEqual(['bob']);
    expect(result.satisfied).toBe(false);
    expect(result.notCounted.map((entry) => entry.reason)).toEqual(['same-person', 'same-key']);
    expect(result.stillNeeded).toBe('1 more approval; security still needed');
  });

  it('needs the role even when the threshold is met', async () => {
    const result = evaluatePolicy(await load(), { approvals: [bob.keyId, carol.keyId], rejections: [] });
    expect(result.satisfied).toBe(false);
    expect(result.missing).toEqual({ approvals: 1, roles: { security: 1 } });
    expect(result.stillNeeded).toBe('1 more approval; security still needed');
  });

  it('does not count the opener unless the policy allows it', async () => {
    const strict = evaluatePolicy(await load(), { approvals: [alice.keyId, carol.keyId], rejections: [], openerId: 'carol' });
    expect(strict.counted).toEqual(['alice']);
    expect(strict.notCounted).toEqual([{ keyId: carol.keyId, approverId: 'carol', reason: 'opener' }]);
    expect(strict.satisfied).toBe(false);
    const relaxed = evaluatePolicy(await load((p) => ({ ...p, separationOfDuties: { openerMayApprove: true } })), { approvals: [alice.keyId, carol.keyId], rejections: [], openerId: 'carol' });
    expect(relaxed.satisfied).toBe(true);
  });

  it('ignores keys outside the policy', async () => {
    const result = evaluatePolicy(await load(), { approvals: [alice.keyId, dave.keyId], rejections: [] });
    expect(result.counted).toEqual(['alice']);
    expect(result.notCounted).toEqual([{ keyId: dave.keyId, reason: 'unknown-key' }]);
  });

  it('becomes impossible when the only security approver rejects', async () => {
    const result = evaluatePolicy(await load(), { approvals: [bob.keyId, carol.keyId], rejections: [alice.keyId] });
    expect(result.impossible).toBe(true);
    expect(result.impossibleReason).toMatch(/1 security approval is needed but only 0 security approvers are left/);
  });

  it('becomes impossible when too many people reject, and not before', async () => {
    const policy = await load((p) => ({ ...p, threshold: 3, roles: {} }));
    expect(evaluatePolicy(policy, { approvals: [], rejections: [] }).impossible).toBe(false);
    const result = evaluatePolicy(policy, { approvals: [alice.keyId], rejections: [bobBackup.keyId] });
    expect(result.impossible).toBe(true);
    expect(result.impossibleReason).toMatch(/3 approvals are needed but only 2 people who could approve are left/);
  });

  it('knows when excluding the opener alone makes the policy impossible', async () => {
    const policy = await load((p) => ({ ...p, threshold: 3 }));
    expect(evaluatePolicy(policy, { approvals: [], rejections: [], openerId: 'bob' }).impossible).toBe(true);
    expect(evaluatePolicy(policy, { approvals: [], rejections: [], openerId: 'mallory' }).impossible).toBe(false);
  });

  it('keeps a listed key its listed owner, whoever a certificate signer entry names for it', async () => {
    // The judge never resolves a listed key through a certificate; were both given, the policy's own list decides.
    const result = evaluatePolicy(await load(), { approvals: [alice.keyId, bob.keyId], rejections: [], certificateSigners: new Map([[bob.keyId, 'alice']]) });
    expect(result.counted).toEqual(['alice', 'bob']);
    expect(result.satisfied).toBe(true);
  });

  it('counts a person who approved and rejected as rejecting', async () => {
    const result = evaluatePolicy(await load(), { approvals: [alice.keyId, bob.keyId], rejections: [bobBackup.keyId] });
    expect(result.counted).toEqual(['alice']);
    expect(result.notCounted).toEqual([{ keyId: bob.keyId, approverId: 'bob', reason: 'rejected' }]);
  });
});

describe('describePolicy', () => {
  it('puts the policy in words', async () => {
    // Only alice is security: bob and carol together never meet it, so the words name who must be in every pair (issue 16).
    expect(describePolicy(await loadPolicy(basePolicy(), nodeDigester))).toBe('any 2 of alice, bob, carol, including alice');
    expect(describePolicy(await loadPolicy({ ...basePolicy(), threshold: 3, roles: undefined }, nodeDigester))).toBe('all 3 of alice, bob, carol');
  });

  it('keeps the role minimum in words when every pair meets it', async () => {
    const twoSecurity = basePolicy().approvers.map((entry) => (entry.id === 'bob' ? { ...entry, role: 'security' } : entry));
    expect(describePolicy(await loadPolicy({ ...basePolicy(), approvers: twoSecurity }, nodeDigester))).toBe('any 2 of alice, bob, carol; at least 1 security');
  });

  it('names the members of each role when no one person is in every group that meets it', async () => {
    const approvers = [
      { id: 'alice', role: 'security', publicKey: alice.publicKeyPem },
      { id: 'bob', role: 'engineering', publicKey: bob.publicKeyPem },
      { id: 'carol', role: 'security', publicKey: carol.publicKeyPem },
      { id: 'dave', role: 'engineering', publicKey: bobBackup.publicKeyPem },
    ];
    // bob and dave together have no security; every other pair does, and no one person is in all of those.
    expect(describePolicy(await loadPolicy({ ...basePolicy(), approvers }, nodeDigester))).toBe('any 2 of alice, bob, carol, dave; at least 1 security (alice or carol)');
  });
});

describe('allow lists', () => {
  it('matches exactly, or by prefix when an entry ends in *', async () => {
    const policy = await loadPolicy({ ...basePolicy(), evidence: { builders: ['https://builder/a', 'https://gen.yml@refs/tags/*'], sourceRepositories: ['https://github.com/acme/app'] } }, nodeDigester);
    expect(builderAllowed(policy, 'https://builder/a')).toBe('allowed');
    expect(builderAllowed(policy, 'https://builder/ab')).toBe('not-allowed');
    expect(builderAllowed(policy, 'https://gen.yml@refs/tags/v1.9.0')).toBe('allowed');
    expect(sourceRepositoryAllowed(policy, 'https://github.com/acme/app-fork')).toBe('not-allowed');
    expect(sourceRepositoryAllowed(await loadPolicy(basePolicy(), nodeDigester), 'anything')).toBe('no-list');
  });
});

describe('docs', () => {
  it('loads the example policy in docs/examples', async () => {
    const policy = await loadPolicyText(readFileSync(new URL('../../docs/examples/policy.json', import.meta.url), 'utf8'), nodeDigester);
    expect(describePolicy(policy)).toBe('any 2 of alice, bob, carol, including alice');
    expect(policy.people.find((person) => person.id === 'bob')?.keyIds).toHaveLength(2);
  });

  it('publishes the JSON Schema generated from the schema loadPolicy uses', () => {
    const published = JSON.parse(readFileSync(new URL('../../docs/policy.schema.json', import.meta.url), 'utf8')) as unknown;
    // To regenerate: print JSON.stringify(policyJsonSchema(), null, 2) from shared/policy/schema.ts into docs/policy.schema.json.
    expect(published).toEqual(policyJsonSchema());
  });
});
