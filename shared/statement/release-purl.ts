/**
 * The release's package URL (purl): how consumers map a release name to its
 * artifacts, as in-toto's Release predicate does. Parsed and written by
 * packageurl-js (the package-url project's own JavaScript implementation, which
 * follows the purl specification's test suite for normal form and per-type
 * rules), never by hand: qualifiers, percent-encoding and case rules differ by
 * type and are easy to get subtly wrong.
 *
 * `pkg:oci` (issue 14, point 4) is the one type whose version is not the
 * release's version: purl-spec types/oci-definition.json says "The version is
 * the sha256:hex_encoded_lowercase_digest of the artifact" and "The name is the
 * last fragment of the repository name", with `repository_url` and `tag` as
 * qualifiers. So a release named by pkg:oci names the image it approves by its
 * manifest digest, which must be one the release statement signs; its `tag`,
 * if any, is the release's version.
 */
import { PackageURL } from 'packageurl-js';
import { CodedError } from '../errors';

export const releasePurlErrorCodes = ['purl-unreadable', 'purl-version-mismatch', 'purl-oci-version-not-digest', 'purl-oci-digest-not-signed', 'purl-oci-tag-mismatch', 'purl-oci-name-mismatch'] as const;
export type ReleasePurlErrorCode = (typeof releasePurlErrorCodes)[number];

export class ReleasePurlError extends CodedError<ReleasePurlErrorCode> {
  override readonly name = 'ReleasePurlError';
}

export interface ReleaseNaming {
  name: string;
  version: string;
  purl?: string;
}

/** An artifact as the statement names it: for an image, `registry/repository` and the manifest's sha256. */
export interface PurlSubject {
  name: string;
  digest: { sha256: string };
}

/**
 * `opening`: a purl a person gives for a new ceremony, checked against the release's images. Every pkg:oci rule
 * applies, and a pkg:oci purl without a version gets the digest of the one image it names.
 * `recorded`: a purl in an opening or statement already signed. A pkg:oci purl with a digest is held to the same
 * rules; one written as docs/formats.md used to show it (`pkg:oci/app@1.2.3`, version = the release's) is read
 * as before, so ceremonies opened with it still load and verify.
 */
export type ReleasePurlMode = 'opening' | 'recorded';

const ociDigest = /^sha256:[0-9a-f]{64}$/i;

/** The release's purl in normal form: the one given, checked, or pkg:generic/NAME@VERSION. Throws ReleasePurlError. */
export function releasePurl(release: ReleaseNaming, subjects: readonly PurlSubject[], mode: ReleasePurlMode): string {
  if (release.purl === undefined) return new PackageURL('generic', undefined, release.name, release.version, undefined, undefined).toString();
  let purl: PackageURL;
  try {
    purl = PackageURL.fromString(release.purl);
  } catch (error) {
    throw new ReleasePurlError(
      'purl-unreadable',
      `The release purl "${release.purl}" is not a package URL: ${error instanceof Error ? error.message : 'unreadable'}. Write it as pkg:TYPE/NAME@VERSION, e.g. pkg:npm/app@1.2.3.`,
    );
  }
  // A recorded pkg:oci purl with a non-digest version (or none) predates these rules: read as any other type.
  if (purl.type === 'oci' && (mode === 'opening' || (purl.version !== undefined && ociDigest.test(purl.version)))) {
    return ociReleasePurl(release, purl, subjects).toString();
  }
  // A purl that names another version would map this release's signatures to the wrong release.
  if (purl.version !== undefined && purl.version !== release.version) {
    throw new ReleasePurlError('purl-version-mismatch', `The release purl "${release.purl}" names version ${purl.version}, but the release is version ${release.version}.`);
  }
  if (purl.version === undefined) purl.version = release.version;
  return purl.toString();
}

/** The repository's last path segment: what a pkg:oci purl's name must be. */
function lastSegment(repository: string): string {
  return (repository.replace(/\/+$/, '').split('/').pop() ?? '').toLowerCase();
}

/** `https://ghcr.io/acme/app/` and `ghcr.io/acme/app` name one repository. */
function repositoryOf(url: string): string {
  return url
    .replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')
    .replace(/\/+$/, '')
    .toLowerCase();
}

function ociReleasePurl(release: ReleaseNaming, purl: PackageURL, subjects: readonly PurlSubject[]): PackageURL {
  const given = release.purl!;
  const repositoryUrl = purl.qualifiers?.repository_url;
  const repository = repositoryUrl === undefined ? `ghcr.io/acme/${purl.name}` : lastSegment(repositoryOf(repositoryUrl)) === purl.name ? repositoryUrl : `${repositoryUrl.replace(/\/+$/, '')}/${purl.name}`;
  const example = `pkg:oci/${purl.name}@sha256%3A<manifest digest>?repository_url=${repository}&tag=${release.version}`;
  if (purl.version !== undefined && !ociDigest.test(purl.version)) {
    throw new ReleasePurlError(
      'purl-oci-version-not-digest',
      `The release purl "${given}" gives the image the version ${purl.version}, but a pkg:oci version is the image's manifest digest (sha256:…), and the tag goes in the tag qualifier: ${example}. Leave the version out to have Conclave fill in the digest of the image it resolves.`,
    );
  }
  if (repositoryUrl !== undefined && lastSegment(repositoryOf(repositoryUrl)) !== purl.name) {
    throw new ReleasePurlError(
      'purl-oci-name-mismatch',
      `The release purl "${given}" names the image "${purl.name}" in the repository ${repositoryUrl}, whose name is "${lastSegment(repositoryOf(repositoryUrl))}". A pkg:oci name is the last part of the repository, and repository_url is the whole repository: ${example}.`,
    );
  }
  const tag = purl.qualifiers?.tag;
  if (tag !== undefined && tag !== release.version) {
    throw new ReleasePurlError(
      'purl-oci-tag-mismatch',
      `The release purl "${given}" says the image was tagged ${tag}, but the release is version ${release.version}. Give the tag of this release (tag=${release.version}) or leave the tag out.`,
    );
  }
  if (purl.version === undefined) {
    // Opening only: the person names the repository, Conclave resolved its tag to a digest a moment ago.
    const named = subjects.filter((subject) => lastSegment(subject.name) === purl.name && (repositoryUrl === undefined || repositoryOf(subject.name) === repositoryOf(repositoryUrl)));
    if (named.length !== 1) {
      throw new ReleasePurlError(
        'purl-oci-version-not-digest',
        named.length === 0
          ? `The release purl "${given}" names an image, but no image of this release is "${repositoryUrl ?? purl.name}". Add the image (--image ${repositoryUrl ?? `REGISTRY/REPOSITORY/${purl.name}`}:${release.version}) or name one of the release's images.`
          : `The release purl "${given}" could name ${named.map((subject) => subject.name).join(' or ')}. Say which with repository_url, or give the manifest digest as the version: ${example}.`,
      );
    }
    purl.version = `sha256:${named[0]!.digest.sha256}`;
    return purl;
  }
  // purl-spec: the digest is lowercase hex (versions of pkg:oci are case-insensitive).
  purl.version = purl.version.toLowerCase();
  const hex = purl.version.slice('sha256:'.length);
  if (!subjects.some((subject) => subject.digest.sha256 === hex)) {
    throw new ReleasePurlError(
      'purl-oci-digest-not-signed',
      `The release purl "${given}" names the image ${purl.version}, which is not ${subjects.length === 0 ? 'an image of this release' : `one of this release's images (${subjects.map((subject) => `${subject.name}@sha256:${subject.digest.sha256.slice(0, 12)}…`).join(', ')})`}: consumers would map the approvals to an image nobody approved. Add that image to the release (--image …@${purl.version}), or name the release's image.`,
    );
  }
  return purl;
}
