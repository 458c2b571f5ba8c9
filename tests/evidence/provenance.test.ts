import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fromPem } from '../../shared/encoding/pem';
import { pae } from '../../shared/dsse/pae';
import { publicKeyInfoOfCertificate } from '../../shared/keys/certificate';
import { readProvenance, verifyProvenanceSignature, type ProvenanceDocument } from '../../shared/evidence/provenance';
import { nodeVerifier, readRealFixture, readRealFixtureBytes } from './fixtures';

const read = (name: string) => readProvenance(readRealFixture(name), { fileName: name });
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const sha512 = (bytes: Uint8Array) => createHash('sha512').update(bytes).digest('hex');

function leafKey(document: ProvenanceDocument): Uint8Array {
  if (document.signing.kind !== 'sigstore-certificate') throw new Error(`expected a certificate, got ${document.signing.kind}`);
  return publicKeyInfoOfCertificate(document.signing.certificates[0]!);
}

describe('reading real provenance', () => {
  it('lists the three subjects of the multi-subject raw DSSE envelope, with their digests', () => {
    const [document, ...rest] = read('binary-linux-amd64-multi-subject-first.intoto.jsonl');
    expect(rest).toHaveLength(0);
    expect(document!.origin).toMatchObject({ container: 'jsonl', position: 1, wrapping: 'dsse' });
    expect(document!.slsa?.subjects).toEqual([
      { name: 'artifact1', digest: { sha256: '482ce8c8f7e867da3a3c05a9aee637703e17470ed1cf882a9e5b405e8f82619d' } },
      { name: 'artifact2', digest: { sha256: '89cfc6954e88b2f92a7c2879d9eb085c42f3c7065d012a5066f450dbe59b2c00' } },
      { name: 'artifact3', digest: { sha256: '7a5d21a6adac945561d859bd1decfc37b2408788cf3206df3519e281afd31b6e' } },
    ]);
    // The first subject is the artifact shipped next to it: its real digest is the one recorded.
    expect(sha256(readRealFixtureBytes('binary-linux-amd64-multi-subject-first'))).toBe(document!.slsa!.subjects[0]!.digest.sha256);
    // slsa-github-generator puts the Fulcio certificate next to the signature (non-standard `cert`): keyless, not a key hint.
    expect(document!.signing.kind).toBe('sigstore-certificate');
  });

  it('normalizes builder, source, commit and trigger from the SLSA v0.2 workflow_dispatch bundle', () => {
    const [document] = read('binary-linux-amd64-workflow_dispatch.intoto.jsonl');
    expect(document!.origin).toMatchObject({ wrapping: 'sigstore-bundle', bundleMediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json' });
    expect(document!.statement._type).toBe('https://in-toto.io/Statement/v0.1');
    expect(document!.slsa).toEqual({
      predicateType: 'https://slsa.dev/provenance/v0.2',
      builderId: 'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@refs/tags/v2.1.0',
      buildType: 'https://github.com/slsa-framework/slsa-github-generator/generic@v1',
      sourceRepository: 'https://github.com/slsa-framework/example-package',
      sourceCommit: '4d329c75e7ec1725f7c9ce917a8799d408d06be3',
      trigger: { event: 'workflow_dispatch', ref: 'refs/heads/main', workflow: '.github/workflows/verifier-e2e.all.workflow_dispatch.main.all.slsa3.yml' },
      buildInputs: [{ uri: 'git+https://github.com/slsa-framework/example-package@refs/heads/main', digest: { sha1: '4d329c75e7ec1725f7c9ce917a8799d408d06be3' } }],
      // The README gives the binary's sha256 as 376e7e01…3706caa; the binary itself is not copied.
      subjects: [{ name: 'gha_generic-binary-linux-amd64-workflow_dispatch', digest: { sha256: expect.stringMatching(/^376e7e01[0-9a-f]{49}3706caa$/) } }],
    });
    expect(document!.signing).toMatchObject({ kind: 'sigstore-certificate', transparencyLogEntries: 1 });
  });

  it('reads npm attestations: a publish attestation and SLSA v1 provenance with a purl subject and a sha512 digest', () => {
    const documents = read('gundam-visor-cli-v1-tag.tgz.json');
    expect(documents.map((document) => [document.origin.container, document.origin.position, document.statement.predicateType])).toEqual([
      ['npm-attestations', 1, 'https://github.com/npm/attestation/tree/main/specs/publish/v0.1'],
      ['npm-attestations', 2, 'https://slsa.dev/provenance/v1'],
    ]);
    expect(documents[0]!.slsa).toBeUndefined();
    const provenance = documents[1]!;
    expect(provenance.statement._type).toBe('https://in-toto.io/Statement/v1');
    expect(provenance.slsa).toMatchObject({
      predicateType: 'https://slsa.dev/provenance/v1',
      builderId: 'https://github.com/actions/runner/github-hosted',
      buildType: 'https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1',
      sourceRepository: 'https://github.com/ramonpetgrave64/gundam-visor',
      sourceCommit: '599500821344b070902a7a5666064bfdaba715df',
      trigger: { event: 'release', ref: 'refs/tags/v1.0.1', workflow: '.github/workflows/npm-publish.yml' },
    });
    // The subject digest is the sha512 of the tarball npm serves.
    expect(provenance.slsa!.subjects).toEqual([{ name: 'pkg:npm/gundam-visor@1.0.1', digest: { sha512: sha512(readRealFixtureBytes('gundam-visor-cli-v1-tag.tgz')) } }]);
    expect(documents[0]!.signing).toEqual({ kind: 'public-key', keyHints: ['SHA256:jl3bwswu80PjjokCgh0o2w5c2U4LhQAE57gj9cz1kzA'] });
  });

  it('reads the builder on a fork as it is written, for the policy to judge', () => {
    const [document] = read('binary-linux-amd64-untrusted-builder.intoto.jsonl');
    expect(document!.slsa?.builderId).toBe('https://github.com/asraa/slsa-github-generator/.github/workflows/builder_go_slsa3.yml@refs/tags/v1.4.0');
    expect(document!.slsa?.sourceRepository).toBe('https://github.com/asraa/slsa-on-github-test');
  });

  it('reads several lines of an .intoto.jsonl file, each its own document', () => {
    const text = [readRealFixture('binary-linux-amd64-multi-subject-first.intoto.jsonl'), readRealFixture('binary-linux-amd64-workflow_dispatch.intoto.jsonl')].join('\n');
    const documents = readProvenance(`${text}\n`, { fileName: 'combined.intoto.jsonl' });
    expect(documents.map((document) => [document.origin.position, document.origin.wrapping])).toEqual([
      [1, 'dsse'],
      [2, 'sigstore-bundle'],
    ]);
  });
});

describe('checking provenance signatures with a given key', () => {
  it('verifies the npm publish attestation with the npm registry key', async () => {
    const [publish] = read('gundam-visor-cli-v1-tag.tgz.json');
    const npmKey = fromPem('PUBLIC KEY', readRealFixture('npm-registry-signing-key.pem'));
    expect(await verifyProvenanceSignature(publish!, npmKey, nodeVerifier)).toEqual({ outcome: 'verified', signatureIndex: 0 });
  });

  it('verifies real provenance with its signing certificate key, and refuses the copy whose statement was altered', async () => {
    const [, good] = read('gundam-visor-cli-v1-tag.tgz.json');
    const [, broken] = read('gundam-visor-cli-v1-tag-invalidsigprov.tgz.json');
    expect(await verifyProvenanceSignature(good!, leafKey(good!), nodeVerifier)).toMatchObject({ outcome: 'verified' });
    expect(await verifyProvenanceSignature(broken!, leafKey(broken!), nodeVerifier)).toEqual({ outcome: 'invalid', signatureCount: 1 });
  });

  it('refuses a real signature checked with the wrong key', async () => {
    const [publish, provenance] = read('gundam-visor-cli-v1-tag.tgz.json');
    expect(await verifyProvenanceSignature(publish!, leafKey(provenance!), nodeVerifier)).toMatchObject({ outcome: 'invalid' });
  });

  it('checks PAE over the exact payload: a statement signed here verifies, a changed payload does not', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const statement = { _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'app.tgz', digest: { sha256: 'ab'.repeat(32) } }], predicateType: 'https://slsa.dev/provenance/v1', predicate: {} };
    const payload = new TextEncoder().encode(JSON.stringify(statement));
    const signature = sign('sha256', pae('application/vnd.in-toto+json', payload), privateKey);
    const envelope = { payloadType: 'application/vnd.in-toto+json', payload: Buffer.from(payload).toString('base64'), signatures: [{ keyid: '', sig: signature.toString('base64') }] };
    const spki = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));

    const [document] = readProvenance(JSON.stringify(envelope));
    expect(await verifyProvenanceSignature(document!, spki, nodeVerifier)).toEqual({ outcome: 'verified', signatureIndex: 0 });

    const changed = { ...envelope, payload: Buffer.from(JSON.stringify({ ...statement, subject: [{ name: 'app.tgz', digest: { sha256: 'cd'.repeat(32) } }] })).toString('base64') };
    const [tampered] = readProvenance(JSON.stringify(changed));
    expect(await verifyProvenanceSignature(tampered!, spki, nodeVerifier)).toEqual({ outcome: 'invalid', signatureCount: 1 });

    const [raw] = readProvenance(JSON.stringify(statement));
    expect(await verifyProvenanceSignature(raw!, spki, nodeVerifier)).toEqual({ outcome: 'unsigned' });
  });
});
