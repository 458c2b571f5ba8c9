import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyRelease, maximumSignatures, type VerificationFailureCode, type VerificationInput } from './verify';
import { formatReport } from './format';
import { loadPolicy, type Policy } from '../policy/policy';
import { buildReleaseStatement, freezeStatement, type ReleaseStatementInput } from '../statement/statement';
import { pae, inTotoPayloadType } from '../dsse/pae';
import { toBase64 } from '../encoding/base64';
import { makeTestKey, type TestKey } from '../../tests/support/test-keys';
import { nodeDigester, nodeSignatureVerifier } from '../../electron/core/crypto/node-crypto';

const alice = makeTestKey('ecdsa-p256');
const bob = makeTestKey('ed25519');
const bobBackup = makeTestKey('ecdsa-p384');
const carol = makeTestKey('rsa-2048');
const mallory = makeTestKey('ecdsa-p256');

const artifactDigest = '5f'.repeat(32);
const otherDigest = '0e'.repeat(32);

const statementInput = (change: Partial<ReleaseStatementInput> = {}): ReleaseStatementInput => ({
  release: { name: 'app', version: '1.2.3', purl: 'pkg:npm/app@1.2.3' },
  artifacts: [
    { name: 'app-1.2.3.tgz', digest: { sha256: artifactDigest } },
    { name: 'app-1.2.3.zip', digest: { sha256: otherDigest } },
  ],
  ceremony: { id: 'c-1', openedAt: '2025-06-02T09:00:00Z', expiresAt: '2025-06-05T09:00:00Z', openedBy: 'dana' },
  policy: { digest: '00'.repeat(32), threshold: 2 },
  provenance: [],
  sboms: [],
  findings: [{ id: 'artifacts-in-provenance', status: 'pass', message: 'ok' }],
  frozenAt: '2025-06-02T09:10:00Z',
  ...change,
});

let policy: Policy;
let payload: Uint8Array;

beforeAll(async () => {
  policy = await loadPolicy(
    {
      version: 1,
      threshold: 2,
      approvers: [
        { id: 'alice', role: 'security', publicKey: alice.publicKeyPem },
        { id: 'bob', role: 'engineering', publicKey: bob.publicKeyPem },
        { id: 'bob', role: 'engineering', publicKey: bobBackup.publicKeyPem },
        { id: 'carol', role: 'engineering', publicKey: carol.publicKeyPem },
      ],
      roles: { security: 1 },
    },
    nodeDigester,
  );
  payload = freezeStatement(buildReleaseStatement(statementInput({ policy })));
});

interface EntryOptions {
  keyid?: string;
  over?: Uint8Array;
  payloadType?: string;
}

function signatureEntry(key: TestKey, options: EntryOptions = {}) {
  const signed = pae(options.payloadType ?? inTotoPayloadType, options.over ?? payload);
  return { keyid: options.keyid ?? key.keyId, sig: toBase64(key.sign(signed)) };
}

function envelopeText(signatures: { keyid: string; sig: string }[], options: { payload?: Uint8Array; payloadType?: string } = {}): string {
  return JSON.stringify({ payloadType: options.payloadType ?? inTotoPayloadType, payload: toBase64(options.payload ?? payload), signatures });
}

const verify = (envelope: VerificationInput['envelope'], extra: Partial<VerificationInput> = {}) => verifyRelease({ envelope, policy, ...extra }, { signatureVerifier: nodeSignatureVerifier });
const codes = (report: { failures: { code: VerificationFailureCode }[] }) => [...new Set(report.failures.map((failure) => failure.code))].sort();

describe('verifyRelease', () => {
  it('verifies two distinct approvers including security, and every artifact', async () => {
    const report = await verify(envelopeText([signatureEntry(alice), signatureEntry(carol)]), { artifacts: [{ name: 'app-1.2.3.tgz', sha256: artifactDigest }] });
    expect(report.failures).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.approvedBy).toEqual([
      { id: 'alice', role: 'security', keyId: alice.keyId },
      { id: 'carol', role: 'engineering', keyId: carol.keyId },
    ]);
    expect(report.signatures.map((entry) => [entry.index, entry.status, entry.approverId, entry.counted])).toEqual([
      [0, 'valid', 'alice', true],
      [1, 'valid', 'carol', true],
    ]);
    expect(report.steps.every((step) => step.result === 'passed')).toBe(true);
    expect(report.artifacts).toEqual([{ name: 'app-1.2.3.tgz', sha256: artifactDigest, subject: 'app-1.2.3.tgz' }]);
    expect(formatReport(report).split('\n')[0]).toBe('verified: alice, carol (2 of 2 approvals)');
  });

  it('finds the key of a signature with an empty or foreign keyid among the policy keys', async () => {
    const report = await verify(envelopeText([signatureEntry(alice, { keyid: '' }), signatureEntry(bob, { keyid: 'bob-yubikey' })]));
    expect(report.ok).toBe(true);
    expect(report.signatures.map((entry) => entry.keyId)).toEqual([alice.keyId, bob.keyId]);
  });

  it('counts one person with two keys once', async () => {
    const alone = await verify(envelopeText([signatureEntry(bob), signatureEntry(bobBackup)]));
    expect(alone.ok).toBe(false);
    expect(codes(alone)).toEqual(['role-minimum-not-met', 'threshold-not-met']);
    expect(alone.approvedBy.map((approver) => approver.id)).toEqual(['bob']);
    expect(alone.signatures.map((entry) => [entry.status, entry.counted])).toEqual([
      ['valid', true],
      ['valid', false],
    ]);
    expect(alone.notes.join('\n')).toMatch(/signatures\[1\] is a second key of bob/);
    const withAlice = await verify(envelopeText([signatureEntry(bob), signatureEntry(bobBackup), signatureEntry(alice)]));
    expect(withAlice.ok).toBe(true);
    expect(withAlice.approvedBy.map((approver) => approver.id)).toEqual(['alice', 'bob']);
  });

  it('does not count the opener when the policy forbids it', async () => {
    const openedByCarol = freezeStatement(buildReleaseStatement(statementInput({ policy, ceremony: { id: 'c-2', openedAt: '2025-06-02T09:00:00Z', expiresAt: '2025-06-05T09:00:00Z', openedBy: 'carol' } })));
    const report = await verify(envelopeText([signatureEntry(alice, { over: openedByCarol }), signatureEntry(carol, { over: openedByCarol })], { payload: openedByCarol }));
    expect(codes(report)).toEqual(['threshold-not-met']);
    expect(report.failures[0]!.message).toMatch(/carol opened the ceremony and does not count/);
    expect(report.signatures[1]).toMatchObject({ status: 'valid', approverId: 'carol', counted: false });
  });

  it('refuses an expired ceremony when asked about a moment after its deadline', async () => {
    const envelope = envelopeText([signatureEntry(alice), signatureEntry(carol)]);
    expect((await verify(envelope, { at: new Date('2025-06-04T00:00:00Z') })).ok).toBe(true);
    const late = await verify(envelope, { at: new Date('2025-06-06T00:00:00Z') });
    expect(codes(late)).toEqual(['expired']);
    expect(late.failures[0]!.message).toMatch(/c-1 expired at 2025-06-05T09:00:00/);
  });

  it('fails when the statement names another policy than the one verified against, even signed by keys both share (issue 10)', async () => {
    const otherPolicy = freezeStatement(buildReleaseStatement(statementInput()));
    const report = await verify(envelopeText([signatureEntry(alice, { over: otherPolicy }), signatureEntry(carol, { over: otherPolicy })], { payload: otherPolicy }));
    expect(report.ok).toBe(false);
    expect(codes(report)).toEqual(['policy-mismatch']);
    expect(report.failures[0]!.message).toMatch(/approved under policy sha256:0{16}…, not the one given/);
  });

  it('accepts a foreign in-toto statement only when asked to', async () => {
    const foreign = new TextEncoder().encode(JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'a', digest: { sha256: artifactDigest } }], predicateType: 'https://example.com/p', predicate: {} }));
    const envelope = envelopeText([signatureEntry(alice, { over: foreign }), signatureEntry(bob, { over: foreign })], { payload: foreign });
    expect(codes(await verify(envelope))).toEqual(['wrong-predicate-type']);
    const accepted = await verify(envelope, { acceptForeignPredicate: true, artifacts: [{ name: 'a', sha256: artifactDigest }] });
    expect(accepted.ok).toBe(true);
  });

  describe('refuses bad input, each with its code', () => {
    const corpus: [string, () => Promise<VerificationInput['envelope']>, VerificationFailureCode[], Partial<VerificationInput>?][] = [
      [
        'a payload changed after signing',
        async () => {
          const changed = freezeStatement(buildReleaseStatement(statementInput({ policy, artifacts: [{ name: 'app-1.2.3.tgz', digest: { sha256: 'ff'.repeat(32) } }] })));
          return envelopeText([signatureEntry(alice), signatureEntry(carol)], { payload: changed });
        },
        ['signature-invalid', 'threshold-not-met', 'role-minimum-not-met'],
      ],
      [
        'a signature copied from another statement',
        async () => {
          const other = freezeStatement(buildReleaseStatement(statementInput({ policy, ceremony: { id: 'c-other', openedAt: '2025-06-02T09:00:00Z', expiresAt: '2025-06-05T09:00:00Z', openedBy: 'dana' } })));
          return envelopeText([signatureEntry(alice, { over: other }), signatureEntry(carol)]);
        },
        ['signature-invalid', 'threshold-not-met', 'role-minimum-not-met'],
      ],
      ['a signature by a key outside the policy', async () => envelopeText([signatureEntry(alice), signatureEntry(mallory)]), ['unknown-key', 'threshold-not-met']],
      ['a key outside the policy claiming a policy keyid', async () => envelopeText([signatureEntry(alice), signatureEntry(mallory, { keyid: carol.keyId })]), ['signature-invalid', 'threshold-not-met']],
      ['the same signature twice to reach the threshold', async () => {
        const entry = signatureEntry(alice);
        return envelopeText([entry, entry]);
      }, ['duplicate-signature', 'threshold-not-met']],
      ['the same signature twice under different keyids', async () => {
        const entry = signatureEntry(alice);
        return envelopeText([entry, { ...entry, keyid: '' }]);
      }, ['duplicate-signature', 'threshold-not-met']],
      ['the same key twice to reach the threshold', async () => envelopeText([signatureEntry(alice), signatureEntry(alice)]), ['duplicate-signature', 'threshold-not-met']],
      ['a wrong payloadType', async () => envelopeText([signatureEntry(alice, { payloadType: 'application/json' }), signatureEntry(carol, { payloadType: 'application/json' })], { payloadType: 'application/json' }), ['wrong-payload-type']],
      ['a truncated signature (not base64 any more)', async () => {
        const entry = signatureEntry(alice);
        return envelopeText([{ ...entry, sig: entry.sig.slice(0, -1) }, signatureEntry(carol)]);
      }, ['envelope-bad-base64']],
      ['a truncated signature (still base64)', async () => {
        const entry = signatureEntry(alice);
        return envelopeText([{ ...entry, sig: entry.sig.slice(0, -8) }, signatureEntry(carol)]);
      }, ['signature-invalid', 'threshold-not-met', 'role-minimum-not-met']],
      ['a non-base64 payload', async () => envelopeText([signatureEntry(alice)]).replace(/"payload":"[^"]+"/, '"payload":"not base64!"'), ['envelope-bad-base64']],
      ['URL-safe base64 in a signature', async () => {
        const entry = signatureEntry(carol);
        return envelopeText([signatureEntry(alice), { ...entry, sig: entry.sig.replace(/\+/g, '-').replace(/\//g, '_') }]);
      }, ['envelope-bad-base64']],
      ['a truncated envelope', async () => envelopeText([signatureEntry(alice), signatureEntry(carol)]).slice(0, 100), ['envelope-malformed']],
      ['an envelope without signatures', async () => envelopeText([]), ['envelope-no-signatures']],
      ['a payload that is not a statement', async () => {
        const junk = new TextEncoder().encode('{"hello":"world"}');
        return envelopeText([signatureEntry(alice, { over: junk }), signatureEntry(carol, { over: junk })], { payload: junk });
      }, ['wrong-statement-type']],
      ['a payload that is not JSON', async () => {
        const junk = new TextEncoder().encode('release 1.2.3 approved');
        return envelopeText([signatureEntry(alice, { over: junk }), signatureEntry(carol, { over: junk })], { payload: junk });
      }, ['statement-malformed']],
      ['a subject that does not match the artifact', async () => envelopeText([signatureEntry(alice), signatureEntry(carol)]), ['artifact-mismatch'], { artifacts: [{ name: 'app-1.2.3.tgz', sha256: 'aa'.repeat(32) }] }],
      ['an artifact that is not in the statement', async () => envelopeText([signatureEntry(alice), signatureEntry(carol)]), ['artifact-not-in-statement'], { artifacts: [{ name: 'other.bin', sha256: 'aa'.repeat(32) }] }],
      ['a threshold not met', async () => envelopeText([signatureEntry(alice)]), ['threshold-not-met']],
      ['a role minimum not met', async () => envelopeText([signatureEntry(bob), signatureEntry(carol)]), ['role-minimum-not-met']],
      ['deeply nested JSON', async () => '['.repeat(100_000) + ']'.repeat(100_000), ['envelope-malformed']],
      ['a huge envelope', async () => new Uint8Array(17 * 1024 * 1024).fill(0x20), ['envelope-malformed']],
      ['more signatures than any ceremony makes', async () => envelopeText(Array.from({ length: maximumSignatures + 1 }, () => ({ keyid: '', sig: 'AAAA' }))), ['envelope-malformed']],
      ['a member named twice', async () => envelopeText([signatureEntry(alice), signatureEntry(carol)]).replace('{"payloadType":', '{"payloadType":"text/plain","payloadType":'), ['envelope-malformed']],
    ];

    it.each(corpus)('%s', async (_what, make, expected, extra) => {
      const report = await verify(await make(), extra ?? {});
      expect(report.ok).toBe(false);
      expect(codes(report)).toEqual([...expected].sort());
      expect(formatReport(report)).toMatch(/^NOT verified/);
    });
  });

  it('says which signature, which key and which digest failed', async () => {
    const copied = signatureEntry(alice, { over: new TextEncoder().encode('other') });
    const report = await verify(envelopeText([signatureEntry(carol), copied, signatureEntry(mallory)]), { artifacts: [{ name: 'app-1.2.3.tgz', sha256: 'aa'.repeat(32) }] });
    const byCode = Object.fromEntries(report.failures.map((failure) => [failure.code, failure]));
    expect(byCode['signature-invalid']).toMatchObject({ signatureIndex: 1, keyId: alice.keyId });
    expect(byCode['signature-invalid']!.message).toContain(`signatures[1] names the key of alice (keyid ${alice.keyId.slice(0, 16)}`);
    expect(byCode['unknown-key']).toMatchObject({ signatureIndex: 2, keyId: mallory.keyId });
    expect(byCode['artifact-mismatch']!.message).toContain(`has sha256 ${'aa'.repeat(32)}, but the statement's subject "app-1.2.3.tgz" has sha256 ${artifactDigest}`);
    expect(report.steps.find((step) => step.name === 'signatures')?.result).toBe('failed');
  });
});

describe('interoperability', () => {
  let folder: string;
  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), 'conclave-verify-'));
  });
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it.each([
    ['ECDSA P-256', alice, ['-sha256']],
    ['RSA PSS', carol, ['-sha256', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:-2']],
  ] as const)('openssl dgst -verify accepts a %s signature over the PAE bytes', (_name, key, options) => {
    const signed = pae(inTotoPayloadType, payload);
    writeFileSync(join(folder, 'pae.bin'), signed);
    writeFileSync(join(folder, 'sig.bin'), key.sign(signed));
    writeFileSync(join(folder, 'key.pem'), key.publicKeyPem);
    const output = execFileSync('openssl', ['dgst', ...options, '-verify', join(folder, 'key.pem'), '-signature', join(folder, 'sig.bin'), join(folder, 'pae.bin')]).toString();
    expect(output.trim()).toBe('Verified OK');
  });
});
