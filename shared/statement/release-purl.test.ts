import { describe, expect, it } from 'vitest';
import { ReleasePurlError, releasePurl, type ReleasePurlErrorCode } from './release-purl';

const digest = '4f1b7f3c0e2a9d8b6c5a4e3f2d1c0b9a8f7e6d5c4b3a29181716151413121110';
const otherDigest = 'a'.repeat(64);
/** The image an opening resolved: named by its repository, with its manifest digest. */
const image = { name: 'ghcr.io/acme/app', digest: { sha256: digest } };
const release = { name: 'app', version: '1.2.3' };

function refusal(run: () => unknown): ReleasePurlError {
  try {
    run();
  } catch (error) {
    if (error instanceof ReleasePurlError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}
const codeOf = (run: () => unknown): ReleasePurlErrorCode => refusal(run).code;

describe('pkg:oci release purls (issue 14, point 4)', () => {
  it('accepts the valid purl the issue names, and writes it in purl normal form', () => {
    // Normal form as the purl-spec test suite writes it (tests/types/oci-test.json): ":" unencoded in the version, "/" encoded in qualifiers, qualifiers sorted.
    const normal = `pkg:oci/app@sha256:${digest}?repository_url=ghcr.io%2Facme%2Fapp&tag=1.2.3`;
    for (const mode of ['opening', 'recorded'] as const) {
      expect(releasePurl({ ...release, purl: `pkg:oci/app@sha256%3A${digest}?repository_url=ghcr.io/acme/app&tag=1.2.3` }, [image], mode)).toBe(normal);
      expect(releasePurl({ ...release, purl: normal }, [image], mode)).toBe(normal);
    }
    // Uppercase hex, a name in capitals and a scheme in repository_url: the same image.
    expect(releasePurl({ ...release, purl: `pkg:oci/App@sha256:${digest.toUpperCase()}?tag=1.2.3&repository_url=https://ghcr.io/acme/app` }, [image], 'opening')).toBe(
      `pkg:oci/app@sha256:${digest}?repository_url=https%3A%2F%2Fghcr.io%2Facme%2Fapp&tag=1.2.3`,
    );
    // No tag and no repository: still a valid purl of this image.
    expect(releasePurl({ ...release, purl: `pkg:oci/app@sha256:${digest}` }, [image], 'opening')).toBe(`pkg:oci/app@sha256:${digest}`);
  });

  it("fills in the digest of the release's image when the purl names its repository without a version", () => {
    const other = { name: 'ghcr.io/acme/worker', digest: { sha256: otherDigest } };
    expect(releasePurl({ ...release, purl: 'pkg:oci/app?repository_url=ghcr.io/acme/app&tag=1.2.3' }, [other, image], 'opening')).toBe(`pkg:oci/app@sha256:${digest}?repository_url=ghcr.io%2Facme%2Fapp&tag=1.2.3`);
    expect(releasePurl({ ...release, purl: 'pkg:oci/app' }, [other, image], 'opening')).toBe(`pkg:oci/app@sha256:${digest}`);
    // Two repositories named app: repository_url must say which.
    const mirror = { name: 'registry.lan/acme/app', digest: { sha256: otherDigest } };
    expect(codeOf(() => releasePurl({ ...release, purl: 'pkg:oci/app' }, [image, mirror], 'opening'))).toBe('purl-oci-version-not-digest');
    expect(releasePurl({ ...release, purl: 'pkg:oci/app?repository_url=registry.lan/acme/app' }, [image, mirror], 'opening')).toBe(`pkg:oci/app@sha256:${otherDigest}?repository_url=registry.lan%2Facme%2Fapp`);
    // No image of that name.
    expect(refusal(() => releasePurl({ ...release, purl: 'pkg:oci/app?repository_url=ghcr.io/acme/app' }, [], 'opening')).message).toBe(
      'The release purl "pkg:oci/app?repository_url=ghcr.io/acme/app" names an image, but no image of this release is "ghcr.io/acme/app". Add the image (--image ghcr.io/acme/app:1.2.3) or name one of the release\'s images.',
    );
  });

  it('refuses the example docs/formats.md used to give: the version of pkg:oci is the manifest digest', () => {
    const error = refusal(() => releasePurl({ ...release, purl: 'pkg:oci/app@1.2.3?repository_url=ghcr.io%2Facme' }, [image], 'opening'));
    expect(error.code).toBe('purl-oci-version-not-digest');
    // The valid form it shows names the whole repository too.
    expect(error.message).toBe(
      'The release purl "pkg:oci/app@1.2.3?repository_url=ghcr.io%2Facme" gives the image the version 1.2.3, but a pkg:oci version is the image\'s manifest digest (sha256:…), and the tag goes in the tag qualifier: pkg:oci/app@sha256%3A<manifest digest>?repository_url=ghcr.io/acme/app&tag=1.2.3. Leave the version out to have Conclave fill in the digest of the image it resolves.',
    );
    // With the version left out, its repository_url is still not the image's repository.
    const repositoryOnly = refusal(() => releasePurl({ ...release, purl: 'pkg:oci/app?repository_url=ghcr.io%2Facme' }, [image], 'opening'));
    expect(repositoryOnly.code).toBe('purl-oci-name-mismatch');
    expect(repositoryOnly.message).toContain('A pkg:oci name is the last part of the repository, and repository_url is the whole repository: pkg:oci/app@sha256%3A<manifest digest>?repository_url=ghcr.io/acme/app&tag=1.2.3.');
    expect(codeOf(() => releasePurl({ ...release, purl: 'pkg:oci/app@sha256:abc' }, [image], 'opening'))).toBe('purl-oci-version-not-digest');
    expect(codeOf(() => releasePurl({ ...release, purl: `pkg:oci/app@sha512:${'a'.repeat(128)}` }, [image], 'opening'))).toBe('purl-oci-version-not-digest');
  });

  it.each<[string, string, ReleasePurlErrorCode]>([
    ['a tag of another version', `pkg:oci/app@sha256:${digest}?repository_url=ghcr.io/acme/app&tag=1.2.4`, 'purl-oci-tag-mismatch'],
    ['a tag spelled differently', `pkg:oci/app@sha256:${digest}?tag=v1.2.3`, 'purl-oci-tag-mismatch'],
    ['the digest of an image the release does not sign', `pkg:oci/app@sha256:${otherDigest}?repository_url=ghcr.io/acme/app&tag=1.2.3`, 'purl-oci-digest-not-signed'],
    ['a name that is not the repository\'s', `pkg:oci/worker@sha256:${digest}?repository_url=ghcr.io/acme/app`, 'purl-oci-name-mismatch'],
    ['a namespace (pkg:oci has none)', `pkg:oci/acme/app@sha256:${digest}`, 'purl-unreadable'],
  ])('refuses %s, when opening and when read from a signed statement', (_, purl, code) => {
    expect(codeOf(() => releasePurl({ ...release, purl }, [image], 'opening'))).toBe(code);
    expect(codeOf(() => releasePurl({ ...release, purl }, [image], 'recorded'))).toBe(code);
  });

  it('says which tag and which version disagree', () => {
    expect(refusal(() => releasePurl({ ...release, purl: `pkg:oci/app@sha256:${digest}?tag=2.0.0` }, [image], 'opening')).message).toBe(
      `The release purl "pkg:oci/app@sha256:${digest}?tag=2.0.0" says the image was tagged 2.0.0, but the release is version 1.2.3. Give the tag of this release (tag=1.2.3) or leave the tag out.`,
    );
  });

  it('still reads a signed statement that named the release as the docs used to (pkg:oci/NAME@VERSION), and only with its own version', () => {
    expect(releasePurl({ ...release, purl: 'pkg:oci/app@1.2.3?repository_url=ghcr.io%2Facme' }, [image], 'recorded')).toBe('pkg:oci/app@1.2.3?repository_url=ghcr.io%2Facme');
    expect(releasePurl({ ...release, purl: 'pkg:oci/app?repository_url=ghcr.io/acme' }, [image], 'recorded')).toBe('pkg:oci/app@1.2.3?repository_url=ghcr.io%2Facme');
    expect(codeOf(() => releasePurl({ ...release, purl: 'pkg:oci/app@9.9.9?repository_url=ghcr.io%2Facme' }, [image], 'recorded'))).toBe('purl-version-mismatch');
  });
});

describe('other release purls', () => {
  it('carry the release version, and get it when they name none', () => {
    for (const mode of ['opening', 'recorded'] as const) {
      expect(releasePurl({ ...release, purl: 'pkg:npm/%40acme/app@1.2.3' }, [], mode)).toBe('pkg:npm/%40acme/app@1.2.3');
      expect(releasePurl({ ...release, purl: 'pkg:npm/@acme/app' }, [], mode)).toBe('pkg:npm/%40acme/app@1.2.3');
      expect(releasePurl(release, [], mode)).toBe('pkg:generic/app@1.2.3');
      expect(codeOf(() => releasePurl({ ...release, purl: 'pkg:npm/app@2.0.0' }, [], mode))).toBe('purl-version-mismatch');
      expect(codeOf(() => releasePurl({ ...release, purl: 'npm/app@1.2.3' }, [], mode))).toBe('purl-unreadable');
    }
  });
});
