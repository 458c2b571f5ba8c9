import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fromPem } from '../../shared/encoding/pem';
import { publicKeyInfoOfCertificate } from '../../shared/keys/certificate';
import { blocksFreezing, computeFindings, type EvidenceArtifact, type Finding, type FindingsInput } from '../../shared/evidence/findings';
import { readProvenance, verifyProvenanceSignature } from '../../shared/evidence/provenance';
import { readSbom } from '../../shared/evidence/sbom';
import { nodeVerifier, readRealFixture, readRealFixtureBytes } from './fixtures';

const provenance = (name: string) => readProvenance(readRealFixture(name), { fileName: name });
const artifactOf = (name: string): EvidenceArtifact => {
  const bytes = readRealFixtureBytes(name);
  return { name, digest: { sha256: createHash('sha256').update(bytes).digest('hex'), sha512: createHash('sha512').update(bytes).digest('hex') } };
};
const byId = (findings: Finding[], id: string) => {
  const found = findings.find((finding) => finding.id === id);
  if (!found) throw new Error(`no finding ${id} among ${findings.map((finding) => finding.id).join(', ')}`);
  return found;
};

const generator = 'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml';
const goBuilder = 'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/builder_go_slsa3.yml';
const examplePackage = 'https://github.com/slsa-framework/example-package';

describe('findings on real evidence', () => {
  it('passes an artifact that is a subject of its provenance with the same digest', () => {
    const findings = computeFindings({
      artifacts: [artifactOf('binary-linux-amd64-multi-subject-first')],
      provenance: provenance('binary-linux-amd64-multi-subject-first.intoto.jsonl'),
      rules: { builders: [generator], sourceRepositories: [examplePackage] },
    });
    expect(byId(findings, 'artifact-subject:binary-linux-amd64-multi-subject-first')).toMatchObject({ status: 'pass', message: expect.stringContaining('“artifact1”') });
    expect(byId(findings, 'builder:1').status).toBe('pass');
    expect(byId(findings, 'source-repository:1').status).toBe('pass');
    expect(byId(findings, 'source-commit:1')).toMatchObject({ status: 'pass', message: expect.stringContaining('60a179bd9181657528c7b14243f07511b4f63cf5') });
    // Keyless: a warn, never a pass, until a trust root checks the certificate.
    expect(byId(findings, 'provenance-signature:1')).toMatchObject({ status: 'warn', message: expect.stringContaining('signed by a Sigstore certificate; not checked without a trust root') });
    expect(blocksFreezing(findings)).toBe(false);
  });

  it('fails an artifact whose digest differs from its subject, naming the artifact and both digests', () => {
    const wrong = 'f'.repeat(64);
    const findings = computeFindings({
      artifacts: [{ name: 'artifact2', digest: { sha256: wrong } }],
      provenance: provenance('binary-linux-amd64-multi-subject-first.intoto.jsonl'),
      rules: { builders: [generator] },
    });
    const finding = byId(findings, 'artifact-subject:artifact2');
    expect(finding.status).toBe('fail');
    expect(finding.message).toContain('“artifact2”');
    expect(finding.message).toContain(wrong);
    expect(finding.message).toContain('89cfc6954e88b2f92a7c2879d9eb085c42f3c7065d012a5066f450dbe59b2c00');
    expect(blocksFreezing(findings)).toBe(true);
  });

  it('fails the builder on a fork (asraa/slsa-github-generator) when the policy allows the real generator', () => {
    const findings = computeFindings({
      artifacts: [],
      provenance: provenance('binary-linux-amd64-untrusted-builder.intoto.jsonl'),
      rules: { builders: [goBuilder], sourceRepositories: [examplePackage] },
    });
    const builder = byId(findings, 'builder:1');
    expect(builder.status).toBe('fail');
    expect(builder.message).toContain('https://github.com/asraa/slsa-github-generator/.github/workflows/builder_go_slsa3.yml@refs/tags/v1.4.0');
    expect(byId(findings, 'source-repository:1').status).toBe('fail');
    expect(blocksFreezing(findings)).toBe(true);
  });

  it('allows any ref of a builder listed without one, and only that ref when listed with one', () => {
    const documents = provenance('binary-linux-amd64-workflow_dispatch.intoto.jsonl');
    const status = (builders: string[]) => byId(computeFindings({ artifacts: [], provenance: documents, rules: { builders } }), 'builder:1').status;
    expect(status([generator])).toBe('pass');
    expect(status([`${generator}@refs/tags/v2.1.0`])).toBe('pass');
    expect(status([`${generator}@refs/tags/v1.9.0`])).toBe('fail');
    expect(status([])).toBe('warn');
  });

  it('matches the npm package by its sha512 and passes the SLSA v1 builder and source', async () => {
    const documents = provenance('gundam-visor-cli-v1-tag.tgz.json');
    const npmKey = fromPem('PUBLIC KEY', readRealFixture('npm-registry-signing-key.pem'));
    const input: FindingsInput = {
      artifacts: [artifactOf('gundam-visor-cli-v1-tag.tgz')],
      provenance: documents,
      rules: { builders: ['https://github.com/actions/runner/github-hosted'], sourceRepositories: ['git+https://github.com/ramonpetgrave64/gundam-visor.git'] },
      signatureChecks: [{ documentIndex: 0, outcome: await verifyProvenanceSignature(documents[0]!, npmKey, nodeVerifier), keyLabel: 'the npm registry key' }],
    };
    const findings = computeFindings(input);
    expect(byId(findings, 'artifact-subject:gundam-visor-cli-v1-tag.tgz')).toMatchObject({ status: 'pass', message: expect.stringContaining('sha512') });
    expect(byId(findings, 'provenance-signature:1')).toMatchObject({ status: 'pass', message: expect.stringContaining('the npm registry key') });
    expect(byId(findings, 'builder:2').status).toBe('pass');
    expect(byId(findings, 'source-repository:2').status).toBe('pass');
    // Only SLSA provenance is judged for builder and source; the publish attestation is not.
    expect(findings.some((finding) => finding.id === 'builder:1')).toBe(false);
  });

  it('cannot compare a sha256-only artifact with a sha512-only subject, and says to hash with SHA-512', () => {
    const { name, digest } = artifactOf('gundam-visor-cli-v1-tag.tgz');
    const findings = computeFindings({ artifacts: [{ name, digest: { sha256: digest.sha256 } }], provenance: provenance('gundam-visor-cli-v1-tag.tgz.json'), rules: {} });
    expect(byId(findings, `artifact-subject:${name}`)).toMatchObject({ status: 'fail', message: expect.stringContaining('SHA-512') });
  });

  it('fails the provenance whose statement was altered after signing', async () => {
    const documents = provenance('gundam-visor-cli-v1-tag-invalidsigprov.tgz.json');
    const provenanceDocument = documents[1]!;
    if (provenanceDocument.signing.kind !== 'sigstore-certificate') throw new Error('expected a certificate');
    const key = publicKeyInfoOfCertificate(provenanceDocument.signing.certificates[0]!);
    const findings = computeFindings({
      artifacts: [artifactOf('gundam-visor-cli-v1-tag.tgz')],
      provenance: documents,
      rules: {},
      signatureChecks: [{ documentIndex: 1, outcome: await verifyProvenanceSignature(provenanceDocument, key, nodeVerifier) }],
    });
    expect(byId(findings, 'provenance-signature:2')).toMatchObject({ status: 'fail', message: expect.stringContaining('does not verify') });
    expect(blocksFreezing(findings)).toBe(true);
  });

  it('passes an SBOM that names the released npm package by purl', () => {
    const sbom = readSbom(readRealFixture('juice-shop-via_npm-flat-bom.1.4.json'));
    const findings = computeFindings({ artifacts: [], provenance: [], sbom, rules: {}, release: { name: 'juice-shop', version: '14.1.1', purl: 'pkg:npm/juice-shop@14.1.1' } });
    expect(byId(findings, 'sbom-present')).toMatchObject({ status: 'pass', message: expect.stringContaining('1115 components') });
    expect(byId(findings, 'sbom-subject').status).toBe('pass');
  });

  it('warns when the SBOM is about another product, and when there is none', () => {
    const sbom = readSbom(readRealFixture('proton-bridge-proton-bridge-v1.8.0.bom.json'));
    const input = { artifacts: [artifactOf('binary-linux-amd64-multi-subject-first')], provenance: provenance('binary-linux-amd64-multi-subject-first.intoto.jsonl'), rules: {} };
    expect(byId(computeFindings({ ...input, sbom }), 'sbom-subject')).toMatchObject({ status: 'warn', message: expect.stringContaining('github.com/ProtonMail/proton-bridge v1.8.0') });
    expect(byId(computeFindings(input), 'sbom-present').status).toBe('warn');
    expect(computeFindings(input).some((finding) => finding.check === 'sbom-subject')).toBe(false);
  });

  it('passes an SBOM about the artifact by name and version when it records no digest', () => {
    const sbom = readSbom(readRealFixture('proton-bridge-proton-bridge-v1.8.0.bom.json'));
    const findings = computeFindings({ artifacts: [{ name: 'proton-bridge-1.8.0-linux-amd64.tar.gz', digest: { sha256: 'a'.repeat(64) } }], provenance: [], sbom, rules: {} });
    expect(byId(findings, 'sbom-subject')).toMatchObject({ status: 'pass', message: expect.stringContaining('by name and version') });
  });
});
