/**
 * The publisher's Verification Summary Attestation (issue 14, point 3): what
 * the statement must carry, and which VSA of an earlier attempt to publish
 * is kept when publishing again (only the publisher's signature over the very
 * same summary; anything else is signed anew).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { earlierSummary, summaryEnvelopeText, summaryInput, summaryMessage } from '../../electron/core/ceremony/verification-summary';
import { verificationSummaryPayload, verificationSummaryStatement } from '../../shared/statement/verification-summary';
import { makeTestKey } from '../support/test-keys';

const hex = (character: string) => character.repeat(64);
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const subjects = [{ name: 'registry.example.org/acme/app', digest: { sha256: hex('a') } }];
const files = { envelope: { uri: 'app-1.2.3.intoto.dsse.json', text: '{"envelope":1}\n' }, bundles: [{ uri: 'app-1.2.3.alice.sigstore.json', text: '{"bundle":1}\n' }], policy: { uri: 'app-1.2.3.policy.json', sha256: hex('b') } };
const input = summaryInput(subjects, 'pkg:generic/app@1.2.3', files, new Date('2026-11-22T10:00:00Z'));

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'conclave-vsa-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the VSA statement', () => {
  it('names the subjects, the policy digest and each input by the SHA-256 of its bytes, with PASSED', () => {
    const statement = verificationSummaryStatement(input);
    expect(statement).toMatchObject({
      _type: 'https://in-toto.io/Statement/v1',
      subject: subjects,
      predicateType: 'https://slsa.dev/verification_summary/v1',
      predicate: {
        resourceUri: 'pkg:generic/app@1.2.3',
        timeVerified: '2026-11-22T10:00:00.000Z',
        policy: { uri: 'app-1.2.3.policy.json', digest: { sha256: hex('b') } },
        verificationResult: 'PASSED',
        inputAttestations: [
          { uri: 'app-1.2.3.intoto.dsse.json', digest: { sha256: sha256(files.envelope.text) }, mediaType: 'application/vnd.dsse.envelope.v1+json' },
          { uri: 'app-1.2.3.alice.sigstore.json', digest: { sha256: sha256(files.bundles[0]!.text) }, mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json' },
        ],
      },
    });
  });

  it('is refused without subjects, or with an input not named by a hex SHA-256', () => {
    expect(() => verificationSummaryStatement({ ...input, subjects: [] })).toThrow(/subjects/);
    expect(() => verificationSummaryStatement({ ...input, policy: { uri: 'p.json', digest: { sha256: 'sha256:abc' } } })).toThrow(/not a lowercase hex SHA-256/);
  });
});

describe('publishing again keeps the VSA an earlier attempt wrote only when it is the same summary, signed by the publisher', () => {
  const publisher = makeTestKey('ecdsa-p256');
  const signed = (summary: typeof input, key = publisher) => {
    const payload = verificationSummaryPayload(summary);
    return summaryEnvelopeText(payload, key.keyId, key.sign(summaryMessage(payload)));
  };
  const at = (text: string) => {
    const path = join(dir, 'app-1.2.3.vsa.intoto.dsse.json');
    writeFileSync(path, text);
    return path;
  };

  it('kept: the same summary verified earlier (another timeVerified)', async () => {
    const text = signed({ ...input, timeVerified: '2026-11-22T09:00:00.000Z' });
    expect((await earlierSummary(at(text), input, publisher.spki))?.text).toBe(text);
  });

  it('not kept: none, another signer, another summary, or a changed payload', async () => {
    expect(await earlierSummary(join(dir, 'none.json'), input, publisher.spki)).toBeUndefined();
    expect(await earlierSummary(at(signed(input, makeTestKey('ecdsa-p256'))), input, publisher.spki)).toBeUndefined();
    expect(await earlierSummary(at(signed({ ...input, policy: { ...input.policy, digest: { sha256: hex('c') } } })), input, publisher.spki)).toBeUndefined();
    const envelope = JSON.parse(signed(input)) as { payload: string };
    const changed = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as { subject: { digest: { sha256: string } }[] };
    changed.subject[0]!.digest.sha256 = hex('d');
    expect(await earlierSummary(at(JSON.stringify({ ...envelope, payload: Buffer.from(JSON.stringify(changed)).toString('base64') })), input, publisher.spki)).toBeUndefined();
  });
});
