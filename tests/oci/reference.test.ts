/** The pure rules: references, the plain-HTTP rule, auth challenges, and the documents Conclave builds. No network. */
import { describe, expect, it } from 'vitest';
import { OciError } from '../../shared/oci/errors';
import { cosignAttestationTag, referrersTag } from '../../shared/oci/digest';
import { buildAttestationManifest, referrerDescriptor, withReferrer } from '../../shared/oci/manifests';
import { formatImageReference, parseImageReference, parsePinnedReference, registryApiHost } from '../../shared/oci/reference';
import { checkTransport, isPlainHttpAllowed } from '../../shared/oci/transport-rule';
import { parseChallenge } from '../../shared/oci/www-authenticate';
import { readEnvelopeInfo } from '../../shared/oci/envelope-info';
import { makeStatementEnvelope, releasePredicate, sha256 } from './fixtures';

const digest = `sha256:${'ab'.repeat(32)}`;

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof OciError ? error.code : 'not-oci';
  }
  return undefined;
}

describe('image references', () => {
  it.each([
    ['alpine', { registry: 'docker.io', repository: 'library/alpine', tag: 'latest' }],
    ['alpine:3.20', { registry: 'docker.io', repository: 'library/alpine', tag: '3.20' }],
    ['acme/app:1.2.3', { registry: 'docker.io', repository: 'acme/app', tag: '1.2.3' }],
    ['docker.io/alpine', { registry: 'docker.io', repository: 'library/alpine', tag: 'latest' }],
    ['index.docker.io/library/alpine:3', { registry: 'docker.io', repository: 'library/alpine', tag: '3' }],
    ['ghcr.io/acme/tools/app:v1', { registry: 'ghcr.io', repository: 'acme/tools/app', tag: 'v1' }],
    ['localhost/app', { registry: 'localhost', repository: 'app', tag: 'latest' }],
    ['127.0.0.1:5000/demo/app:1.0', { registry: '127.0.0.1:5000', repository: 'demo/app', tag: '1.0' }],
    ['[::1]:5000/demo/app', { registry: '[::1]:5000', repository: 'demo/app', tag: 'latest' }],
    [`registry.example.com:443/app@${digest}`, { registry: 'registry.example.com:443', repository: 'app', digest }],
    [`ghcr.io/acme/app:1.0@${digest}`, { registry: 'ghcr.io', repository: 'acme/app', tag: '1.0', digest }],
  ])('reads %s as Docker does', (input, expected) => {
    expect(parseImageReference(input)).toEqual(expected);
  });

  it.each([
    '',
    'https://ghcr.io/acme/app',
    'ghcr.io/Acme/app',
    'ghcr.io/acme/app:',
    'ghcr.io/acme/app:-bad',
    'ghcr.io/acme//app',
    `ghcr.io/acme/app@sha256:${'AB'.repeat(32)}`,
    `ghcr.io/acme/app@sha512:${'ab'.repeat(64)}`,
    'ghcr.io/acme/app@sha256:abc',
    'reg.example:99999/app',
    'ghcr.io/acme app',
  ])('refuses %j with oci-reference-invalid', (input) => {
    expect(codeOf(() => parseImageReference(input))).toBe('oci-reference-invalid');
  });

  it('round-trips the normal form, and requires a digest where an image must be pinned', () => {
    expect(formatImageReference(parseImageReference('alpine:3.20'))).toBe('docker.io/library/alpine:3.20');
    expect(parsePinnedReference(`ghcr.io/acme/app@${digest}`).digest).toBe(digest);
    expect(codeOf(() => parsePinnedReference('ghcr.io/acme/app:1.0'))).toBe('oci-reference-invalid');
    expect(registryApiHost('docker.io')).toBe('registry-1.docker.io');
    expect(registryApiHost('ghcr.io')).toBe('ghcr.io');
  });

  it('names the referrers tag and the cosign attestation tag after the digest', () => {
    expect(referrersTag(digest)).toBe(`sha256-${'ab'.repeat(32)}`);
    expect(cosignAttestationTag(digest)).toBe(`sha256-${'ab'.repeat(32)}.att`);
  });
});

describe('plain HTTP', () => {
  it('is allowed to loopback only, unless the registry is listed as insecure', () => {
    for (const host of ['127.0.0.1:5000', 'localhost:5000', 'localhost', '[::1]:5000']) expect(isPlainHttpAllowed(host)).toBe(true);
    for (const host of ['registry.internal:5000', 'ghcr.io', '10.0.0.5:5000', 'localhost.example.com']) expect(isPlainHttpAllowed(host)).toBe(false);
    expect(isPlainHttpAllowed('registry.internal:5000', ['registry.internal:5000'])).toBe(true);
    expect(isPlainHttpAllowed('registry.internal:5000', ['registry.internal'])).toBe(true);
    expect(isPlainHttpAllowed('registry.internal:5000', ['http://Registry.Internal:5000/'])).toBe(true);
    expect(isPlainHttpAllowed('registry.internal:5000', ['registry.internal:5001'])).toBe(false);
    expect(isPlainHttpAllowed('other.internal:5000', ['registry.internal'])).toBe(false);
  });

  it('is refused with a message that says how to allow it', () => {
    const url = new URL('http://registry.internal:5000/v2/');
    let error: unknown;
    try {
      checkTransport(url, 'registry.internal:5000');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(OciError);
    expect((error as OciError).code).toBe('oci-insecure-refused');
    expect((error as OciError).message).toContain('--insecure-registry registry.internal:5000');
    expect(() => checkTransport(url, 'registry.internal:5000', ['registry.internal:5000'])).not.toThrow();
    expect(() => checkTransport(new URL('https://registry.internal:5000/v2/'), 'registry.internal:5000')).not.toThrow();
    expect(() => checkTransport(new URL('http://127.0.0.1:5000/v2/'), '127.0.0.1:5000')).not.toThrow();
    expect(codeOf(() => checkTransport(new URL('ftp://registry.internal/x'), 'registry.internal'))).toBe('oci-registry-error');
  });
});

describe('WWW-Authenticate', () => {
  it('reads Bearer and Basic challenges as registries send them', () => {
    expect(parseChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"')).toEqual({
      scheme: 'bearer',
      realm: 'https://auth.docker.io/token',
      service: 'registry.docker.io',
      scope: 'repository:library/alpine:pull',
    });
    expect(parseChallenge('Bearer realm="https://ghcr.io/token", service="ghcr.io", scope="repository:a/b:pull,push"')).toMatchObject({ scope: 'repository:a/b:pull,push' });
    expect(parseChallenge('Basic realm="Registry Realm"')).toEqual({ scheme: 'basic', realm: 'Registry Realm' });
    expect(parseChallenge('Bearer service="x"')).toBeUndefined();
    expect(parseChallenge('Negotiate')).toBeUndefined();
    expect(parseChallenge(null)).toBeUndefined();
  });
});

describe('documents', () => {
  const subject = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size: 100 };

  it('builds the attestation artifact with the empty config, one DSSE layer and the image as subject', () => {
    const manifest = buildAttestationManifest({ subject, envelope: { digest, size: 10 }, predicateType: releasePredicate, created: '2026-11-22T10:00:00Z', extraAnnotations: { 'in-toto.io/predicate-type': 'spoofed', x: 'y' } });
    expect(manifest).toMatchObject({
      artifactType: 'application/vnd.in-toto+json',
      config: { mediaType: 'application/vnd.oci.empty.v1+json', size: 2 },
      layers: [{ mediaType: 'application/vnd.dsse.envelope.v1+json', digest, size: 10 }],
      subject,
      annotations: { 'in-toto.io/predicate-type': releasePredicate, 'org.opencontainers.image.created': '2026-11-22T10:00:00Z', x: 'y' },
    });
    expect(sha256(new TextEncoder().encode('{}'))).toBe(manifest.config.digest);
    const entry = referrerDescriptor(manifest, digest, 300);
    expect(entry).toMatchObject({ digest, size: 300, artifactType: 'application/vnd.in-toto+json', annotations: manifest.annotations });
    const index = withReferrer(undefined, entry);
    expect(index.manifests).toHaveLength(1);
    expect(withReferrer(index, entry)).toBe(index);
  });

  it('reads the signed predicate type from an envelope, and refuses what is not DSSE', () => {
    expect(readEnvelopeInfo(makeStatementEnvelope(digest, 'x'))).toEqual({ payloadType: 'application/vnd.in-toto+json', predicateType: releasePredicate });
    expect(codeOf(() => readEnvelopeInfo(new TextEncoder().encode('{"not":"dsse"}')))).toBe('oci-envelope-invalid');
    expect(codeOf(() => readEnvelopeInfo(new TextEncoder().encode('{"payloadType":"a","payloadType":"b"}')))).toBe('oci-envelope-invalid');
  });
});
