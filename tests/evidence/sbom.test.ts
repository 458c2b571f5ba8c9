import { describe, expect, it } from 'vitest';
import { diffSboms, readSbom } from '../../shared/evidence/sbom';
import { readRealFixture } from './fixtures';

const read = (name: string) => readSbom(readRealFixture(name), { fileName: name });

describe('reading real SBOMs', () => {
  it('reads the big juice-shop CycloneDX 1.4 SBOM: its subject, every component and their licences', () => {
    const sbom = read('juice-shop-via_npm-flat-bom.1.4.json');
    expect(sbom).toMatchObject({ format: 'cyclonedx', specVersion: '1.4', componentCount: 1115 });
    expect(sbom.components).toHaveLength(1115);
    expect(sbom.subject).toEqual({ name: 'juice-shop', version: '14.1.1', purl: 'pkg:npm/juice-shop@14.1.1?vcs_url=git%2Bhttps%3A//github.com/juice-shop/juice-shop.git' });
    // npm scopes are CycloneDX groups: the name a reviewer knows is @scope/name.
    expect(sbom.components[0]).toEqual({ name: '@babel/helper-string-parser', version: '7.19.4', purl: 'pkg:npm/%40babel/helper-string-parser@7.19.4#packages/babel-helper-string-parser', licenses: ['MIT'] });
    // Counted once per component, even where a component states MIT twice (with and without a URL).
    expect(sbom.licenseSummary).toMatchObject({ MIT: 931, ISC: 108, 'BSD-3-Clause': 18, '(MIT OR Apache-2.0)': 2, NOASSERTION: 9 });
    expect(Object.values(sbom.licenseSummary).reduce((sum, count) => sum + count, 0)).toBeGreaterThanOrEqual(1115);
    expect(sbom.describedDigests).toEqual([]);
  });

  it('reads the SPDX 2.3 reference example: the described package is the subject, the others are components', () => {
    const sbom = read('SPDXJSONExample-v2.3.spdx.json');
    expect(sbom).toMatchObject({ format: 'spdx', specVersion: '2.3', subject: { name: 'glibc', version: '2.11.1' }, componentCount: 3 });
    expect(sbom.components).toEqual([
      { name: 'Apache Commons Lang', licenses: [] },
      { name: 'Jena', version: '3.12.0', purl: 'pkg:maven/org.apache.jena/apache-jena@3.12.0', licenses: [] },
      { name: 'Saxon', version: '8.8', licenses: ['MPL-1.0'] },
    ]);
    expect(sbom.licenseSummary).toEqual({ NOASSERTION: 2, 'MPL-1.0': 1 });
    // Checksums of what the document DESCRIBES (the package and a file), in in-toto algorithm names.
    expect(sbom.describedDigests[0]).toEqual({
      name: 'glibc',
      digest: {
        md5: '624c1abb3664f4b35547e7c73864ad24',
        sha1: '85ed0817af83a24ad8da68c2b5094de69833983c',
        sha256: '11b6d3ee554eedf79299905a98f9b9a04e498210b59f15094c916c91d150efcd',
        blake2b384: 'aaabd89c926ab525c242e6621f2f5fa73aa4afe3d9e24aed727faaadd6af38b620bdb623dd2b4788b1c8086984af8706',
      },
    });
    expect(sbom.describedDigests[1]).toMatchObject({ name: './package/foo.c' });
  });

  it('reads the proton-bridge CycloneDX SBOMs (1.2), with the product as subject', () => {
    const sbom = read('proton-bridge-proton-bridge-v1.8.0.bom.json');
    expect(sbom).toMatchObject({ format: 'cyclonedx', specVersion: '1.2', componentCount: 201 });
    expect(sbom.subject).toEqual({ name: 'github.com/ProtonMail/proton-bridge', version: 'v1.8.0', purl: 'pkg:golang/github.com/ProtonMail/proton-bridge@v1.8.0' });
  });
});

describe('what changed between two releases', () => {
  it('shows the real dependency upgrades from proton-bridge v1.6.3 to v1.8.0', () => {
    const diff = diffSboms(read('proton-bridge-proton-bridge-v1.6.3.bom.json'), read('proton-bridge-proton-bridge-v1.8.0.bom.json'));
    expect(diff.added).toEqual([]);
    expect(diff.removed).toEqual([]);
    expect(diff.downgraded).toEqual([]);
    expect(diff.unchanged).toBe(194);
    expect(diff.upgraded.map((change) => [change.name, change.previousVersion, change.nextVersion])).toEqual([
      ['github.com/emersion/go-imap-quota', 'v0.0.0-20200423100218-dcfd1b7d2b41', 'v0.0.0-20210203125329-619074823f3c'],
      ['github.com/go-resty/resty/v2', 'v2.3.0', 'v2.6.0'],
      ['github.com/miekg/dns', 'v1.1.30', 'v1.1.41'],
      ['golang.org/x/net', 'v0.0.0-20200707034311-ab3426394381', 'v0.0.0-20210405180319-a5a99cb37ef4'],
      ['golang.org/x/sync', 'v0.0.0-20190911185100-cd5d95a43a6e', 'v0.0.0-20210220032951-036812b2e83c'],
      ['golang.org/x/sys', 'v0.0.0-20200323222414-85ca7c5b95cd', 'v0.0.0-20210330210617-4fbd30eecc44'],
      ['golang.org/x/term', 'v0.0.0-20201117132131-f5c789dd3221', 'v0.0.0-20201126162022-7de9c90e9dd1'],
    ]);
  });

  it('read backwards, the same pair shows downgrades, not upgrades', () => {
    const diff = diffSboms(read('proton-bridge-proton-bridge-v1.8.0.bom.json'), read('proton-bridge-proton-bridge-v1.6.3.bom.json'));
    expect(diff.upgraded).toEqual([]);
    expect(diff.downgraded.map((change) => change.name)).toContain('github.com/miekg/dns');
    expect(diff.downgraded).toHaveLength(7);
  });
});
