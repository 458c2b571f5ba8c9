/**
 * Digest sets as in-toto writes them (attestation framework, spec/v1/digest_set.md):
 * algorithm name → digest, hex digests in lowercase. SBOMs spell algorithm
 * names their own way ("SHA-256" in CycloneDX, "SHA256" in SPDX); both are
 * brought to in-toto's names here so that every digest in Conclave compares
 * with every other.
 */

export type DigestSet = Record<string, string>;

const hexPattern = /^[0-9a-fA-F]+$/;

/** Hex digests compare case-insensitively (in-toto asks for lowercase; not every producer complies). */
export function normalizeDigestValue(value: string): string {
  return hexPattern.test(value) ? value.toLowerCase() : value;
}

// in-toto digest_set.md names: sha256, sha512, sha3_256, blake2b, … ; SBOM tools use SHA-256, SHA3-256, BLAKE2b-256.
const sbomAlgorithmNames: Record<string, string> = {
  md5: 'md5',
  sha1: 'sha1',
  sha224: 'sha224',
  sha256: 'sha256',
  sha384: 'sha384',
  sha512: 'sha512',
  sha3256: 'sha3_256',
  sha3384: 'sha3_384',
  sha3512: 'sha3_512',
  blake2b256: 'blake2b256',
  blake2b384: 'blake2b384',
  blake2b512: 'blake2b',
  blake3: 'blake3',
};

/** "SHA-256", "SHA256", "sha256" → "sha256"; unknown names are kept, lowercased. */
export function inTotoAlgorithmName(name: string): string {
  const squashed = name.toLowerCase().replace(/[^a-z0-9]/g, '');
  return sbomAlgorithmNames[squashed] ?? name.toLowerCase();
}

/**
 * The algorithms two digest sets share, and whether every shared one agrees.
 * Two sets "match" only when they share at least one algorithm and none of the
 * shared algorithms disagree (the rule in-toto verifiers apply to subjects).
 */
export function compareDigestSets(left: DigestSet, right: DigestSet): { shared: string[]; matches: boolean } {
  const shared = Object.keys(left).filter((algorithm) => right[algorithm] !== undefined);
  const matches = shared.length > 0 && shared.every((algorithm) => normalizeDigestValue(left[algorithm]!) === normalizeDigestValue(right[algorithm]!));
  return { shared, matches };
}

/** "sha256 376e7e01…" style text for messages: the whole digest, since people compare it with sha256sum output. */
export function describeDigestSet(digest: DigestSet): string {
  const entries = Object.entries(digest);
  if (entries.length === 0) return 'no digest';
  return entries.map(([algorithm, value]) => `${algorithm} ${value}`).join(', ');
}
