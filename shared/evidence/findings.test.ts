import { describe, expect, it } from 'vitest';
import { toBase64 } from '../encoding/base64';
import { blocksFreezing, builderAllowed, computeFindings, type FindingsInput } from './findings';
import { readProvenance } from './provenance';
import { readSbom } from './sbom';

const sha = (character: string) => character.repeat(64);
const builderId = 'https://ci.example.com/builder@v1';
const statement = (subjects: { name: string; digest: Record<string, string> }[], predicate: Record<string, unknown> = {}) => ({
  _type: 'https://in-toto.io/Statement/v0.1',
  subject: subjects,
  predicateType: 'https://slsa.dev/provenance/v0.2',
  predicate: { builder: { id: builderId }, invocation: { configSource: { uri: 'git+https://github.com/team/app@refs/tags/v1.0.0', digest: { sha1: sha('c').slice(0, 40) } } }, ...predicate },
});
const signed = (value: unknown) => readProvenance(JSON.stringify({ payloadType: 'application/vnd.in-toto+json', payload: toBase64(new TextEncoder().encode(JSON.stringify(value))), signatures: [{ keyid: 'ci', sig: 'AQID' }] }));

const base = (): FindingsInput => ({
  artifacts: [
    { name: 'app-linux.tgz', digest: { sha256: sha('a') } },
    { name: 'app-darwin.tgz', digest: { sha256: sha('b') } },
  ],
  provenance: signed(statement([{ name: 'app-linux.tgz', digest: { sha256: sha('a') } }, { name: 'app-darwin.tgz', digest: { sha256: sha('b') } }])),
  rules: { builders: ['https://ci.example.com/builder'], sourceRepositories: ['https://github.com/team/app'] },
});

describe('computing findings', () => {
  it('gives the same findings in the same order whatever order the artifacts come in', () => {
    const input = base();
    const reversed = { ...input, artifacts: [...input.artifacts].reverse() };
    expect(computeFindings(reversed)).toEqual(computeFindings(input));
    expect(computeFindings(input).map((finding) => finding.id)).toEqual([
      'provenance-present',
      'artifact-subject:app-darwin.tgz',
      'artifact-subject:app-linux.tgz',
      'provenance-signature:1',
      'builder:1',
      'source-repository:1',
      'source-commit:1',
      'sbom-present',
    ]);
  });

  it('warns, not passes, when the provenance is signed but no key was given', () => {
    expect(computeFindings(base()).find((finding) => finding.id === 'provenance-signature:1')).toMatchObject({ status: 'warn', message: expect.stringContaining('no public key was given') });
  });

  it('warns about an unsigned statement', () => {
    const provenance = readProvenance(JSON.stringify(statement([{ name: 'app-linux.tgz', digest: { sha256: sha('a') } }])));
    expect(computeFindings({ ...base(), provenance }).find((finding) => finding.check === 'provenance-signature')).toMatchObject({ status: 'warn', message: expect.stringContaining('not signed') });
  });

  it('fails every artifact when no provenance is attached, and blocks freezing', () => {
    const findings = computeFindings({ ...base(), provenance: [] });
    expect(findings.filter((finding) => finding.status === 'fail').map((finding) => finding.id)).toEqual(['provenance-present', 'artifact-subject:app-darwin.tgz', 'artifact-subject:app-linux.tgz']);
    expect(blocksFreezing(findings)).toBe(true);
  });

  it('fails an artifact the provenance does not name, listing what it names', () => {
    const findings = computeFindings({ ...base(), artifacts: [{ name: 'extra.bin', digest: { sha256: sha('e') } }] });
    const finding = findings.find((entry) => entry.id === 'artifact-subject:extra.bin')!;
    expect(finding.status).toBe('fail');
    expect(finding.message).toContain(sha('e'));
    expect(finding.message).toContain(`“app-linux.tgz” sha256 ${sha('a')}`);
  });

  it('warns about a missing commit and an unlisted policy, fails a missing builder', () => {
    const provenance = signed(statement([{ name: 'app-linux.tgz', digest: { sha256: sha('a') } }], { builder: {}, invocation: {} }));
    const findings = computeFindings({ ...base(), provenance, rules: {} });
    expect(findings.find((finding) => finding.id === 'builder:1')?.status).toBe('fail');
    expect(findings.find((finding) => finding.id === 'source-repository:1')?.status).toBe('warn');
    expect(findings.find((finding) => finding.id === 'source-commit:1')?.status).toBe('warn');
  });

  it('passes an SBOM whose described digest is an artifact, and warns when its digest matches none', () => {
    const sbomFor = (digest: string) =>
      readSbom(JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.5', metadata: { component: { type: 'application', name: 'app', version: '1.0.0', hashes: [{ alg: 'SHA-256', content: digest }] } }, components: [] }));
    expect(computeFindings({ ...base(), sbom: sbomFor(sha('b')) }).find((finding) => finding.id === 'sbom-subject')).toMatchObject({ status: 'pass', message: expect.stringContaining('“app-darwin.tgz”') });
    // A digest that matches no artifact is evidence the SBOM is about another build.
    expect(computeFindings({ ...base(), sbom: sbomFor(sha('9')) }).find((finding) => finding.id === 'sbom-subject')).toMatchObject({ status: 'warn', message: expect.stringContaining(sha('9')) });
  });

  it('does not let a look-alike builder prefix pass', () => {
    expect(builderAllowed('https://github.com/org/builder.yml@refs/tags/v1', ['https://github.com/org/builder.yml'])).toBe(true);
    expect(builderAllowed('https://github.com/org/builder.yml-evil@refs/tags/v1', ['https://github.com/org/builder.yml'])).toBe(false);
    expect(builderAllowed('https://github.com/org/builder.yml', ['https://github.com/org/builder.yml@refs/tags/v1'])).toBe(false);
  });

  it('does not block freezing on warnings alone', () => {
    expect(blocksFreezing([{ id: 'sbom-present', check: 'sbom-present', status: 'warn', message: '' }])).toBe(false);
  });
});
