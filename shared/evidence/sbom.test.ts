import { describe, expect, it } from 'vitest';
import { compareVersions, componentKey, diffSboms, readSbom, SbomError, type SbomErrorCode, type SbomReadOptions } from './sbom';

function refusal(text: string, options?: SbomReadOptions): SbomErrorCode {
  try {
    readSbom(text, options);
  } catch (error) {
    if (error instanceof SbomError) return error.code;
    throw error;
  }
  throw new Error('accepted');
}

const cyclonedx = (components: unknown[], extra: Record<string, unknown> = {}) => JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', version: 1, components, ...extra });

describe('reading SBOMs', () => {
  it('counts nested CycloneDX components and reads the main component digest', () => {
    const sbom = readSbom(
      cyclonedx(
        [
          { type: 'library', name: 'outer', version: '1.0.0', licenses: [{ expression: 'MIT OR Apache-2.0' }], components: [{ type: 'library', name: 'inner', version: '2.0.0', licenses: [{ license: { name: 'Custom' } }] }] },
          { type: 'library', name: 'lonely' },
        ],
        { metadata: { component: { type: 'application', name: 'app', version: '3.1.0', hashes: [{ alg: 'SHA-256', content: 'AA'.repeat(32) }, { alg: 'SHA3-256', content: 'bb'.repeat(32) }] } } },
      ),
    );
    expect(sbom.components.map((component) => component.name)).toEqual(['outer', 'inner', 'lonely']);
    expect(sbom.componentCount).toBe(3);
    expect(sbom.licenseSummary).toEqual({ 'MIT OR Apache-2.0': 1, Custom: 1, NOASSERTION: 1 });
    expect(sbom.describedDigests).toEqual([{ name: 'app', digest: { sha256: 'aa'.repeat(32), sha3_256: 'bb'.repeat(32) } }]);
  });

  it('finds the SPDX subject through a DESCRIBES relationship when documentDescribes is absent', () => {
    const sbom = readSbom(
      JSON.stringify({
        spdxVersion: 'SPDX-2.3',
        SPDXID: 'SPDXRef-DOCUMENT',
        packages: [
          { SPDXID: 'SPDXRef-app', name: 'app', versionInfo: '1.0.0', externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: 'pkg:npm/app@1.0.0' }] },
          { SPDXID: 'SPDXRef-dep', name: 'dep', versionInfo: '0.1.0', licenseConcluded: 'NOASSERTION', licenseDeclared: 'BSD-2-Clause' },
        ],
        relationships: [{ spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: 'SPDXRef-app' }],
      }),
    );
    expect(sbom.subject).toEqual({ name: 'app', version: '1.0.0', purl: 'pkg:npm/app@1.0.0' });
    expect(sbom.components).toEqual([{ name: 'dep', version: '0.1.0', licenses: ['BSD-2-Clause'] }]);
  });

  it.each<[string, string, SbomErrorCode]>([
    ['CycloneDX XML', '<?xml version="1.0"?><bom xmlns="http://cyclonedx.org/schema/bom/1.6"/>', 'sbom-not-json'],
    ['SPDX tag-value', 'SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0', 'sbom-not-json'],
    ['an unrelated JSON document', '{"name":"app","dependencies":{}}', 'sbom-unrecognized'],
    ['a JSON array', '[]', 'sbom-unrecognized'],
    ['CycloneDX 1.1 (no JSON format then)', JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.1', components: [] }), 'sbom-unsupported-version'],
    ['CycloneDX without specVersion', JSON.stringify({ bomFormat: 'CycloneDX', components: [] }), 'sbom-unsupported-version'],
    ['SPDX 2.1', JSON.stringify({ spdxVersion: 'SPDX-2.1', packages: [] }), 'sbom-unsupported-version'],
    ['SPDX 3 JSON-LD', JSON.stringify({ '@context': 'https://spdx.org/rdf/3.0.1/spdx-context.jsonld', '@graph': [] }), 'sbom-unsupported-version'],
    ['components that are not a list', JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.5', components: {} }), 'sbom-malformed'],
    ['a component without a name', cyclonedx([{ type: 'library', version: '1' }]), 'sbom-malformed'],
    ['an SPDX package without SPDXID', JSON.stringify({ spdxVersion: 'SPDX-2.3', packages: [{ name: 'x' }] }), 'sbom-malformed'],
  ])('refuses %s', (_what, text, code) => {
    expect(refusal(text)).toBe(code);
  });

  it('bounds size, nesting and component count', () => {
    expect(refusal(cyclonedx([{ name: 'x'.repeat(2000) }]), { maxCharacters: 1000 })).toBe('sbom-too-large');
    let nested: Record<string, unknown> = { type: 'library', name: 'leaf' };
    for (let level = 0; level < 100; level++) nested = { type: 'library', name: `level${level}`, components: [nested] };
    expect(refusal(cyclonedx([nested]))).toBe('sbom-too-deep');
    expect(refusal(cyclonedx(Array.from({ length: 11 }, (_, index) => ({ name: `c${index}` }))), { maxComponents: 10 })).toBe('sbom-too-many-components');
    expect(readSbom(cyclonedx(Array.from({ length: 10 }, (_, index) => ({ name: `c${index}` }))), { maxComponents: 10 }).componentCount).toBe(10);
  });
});

describe('comparing releases', () => {
  it('keys components by purl without version, qualifiers or subpath', () => {
    expect(componentKey({ name: 'x', purl: 'pkg:npm/%40babel/core@7.1.0?arch=x#lib' })).toBe('pkg:npm/@babel/core');
    expect(componentKey({ name: 'plain' })).toBe('name:plain');
  });

  it('orders versions as ecosystems do', () => {
    expect(compareVersions('1.10.0', '1.9.9')).toBe(1);
    expect(compareVersions('v2.0.0', '2.0.0')).toBe(0);
    expect(compareVersions('2.0.0-rc.1', '2.0.0')).toBe(-1);
    expect(compareVersions('2.0.0-rc.10', '2.0.0-rc.9')).toBe(1);
    expect(compareVersions('v0.0.0-20210203125329-619074823f3c', 'v0.0.0-20200423100218-dcfd1b7d2b41')).toBe(1);
  });

  it('lists added, removed, upgraded and downgraded components', () => {
    const previous = readSbom(cyclonedx([{ name: 'kept', version: '1.0.0' }, { name: 'gone', version: '1.0.0' }, { name: 'up', version: '1.2.0', purl: 'pkg:npm/up@1.2.0' }, { name: 'down', version: '3.0.0' }]));
    const next = readSbom(cyclonedx([{ name: 'kept', version: '1.0.0' }, { name: 'new', version: '0.1.0' }, { name: 'up', version: '1.10.0', purl: 'pkg:npm/up@1.10.0' }, { name: 'down', version: '2.9.0' }]));
    const diff = diffSboms(previous, next);
    expect(diff.added.map((component) => component.name)).toEqual(['new']);
    expect(diff.removed.map((component) => component.name)).toEqual(['gone']);
    expect(diff.upgraded).toEqual([{ key: 'pkg:npm/up', name: 'up', previousVersion: '1.2.0', nextVersion: '1.10.0' }]);
    expect(diff.downgraded).toEqual([{ key: 'name:down', name: 'down', previousVersion: '3.0.0', nextVersion: '2.9.0' }]);
    expect(diff.unchanged).toBe(1);
  });

  it('lists a second copy of a package at another version as added, not as an upgrade', () => {
    const previous = readSbom(cyclonedx([{ name: 'lib', version: '1.0.0' }]));
    const next = readSbom(cyclonedx([{ name: 'lib', version: '1.0.0' }, { name: 'lib', version: '2.0.0' }]));
    const diff = diffSboms(previous, next);
    expect(diff.added).toEqual([{ name: 'lib', version: '2.0.0', licenses: [] }]);
    expect(diff.upgraded).toEqual([]);
  });
});
