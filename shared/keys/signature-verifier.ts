/**
 * How shared/ checks a signature without a crypto library of its own: the
 * runtime supplies one (Node's crypto in the core and the CLI; WebCrypto could
 * serve in a browser). Signatures are in the form DSSE carries them: ECDSA as
 * ASN.1 DER with the curve's hash (SHA-256 for P-256, SHA-384 for P-384,
 * SHA-512 for P-521), RSA as RSASSA-PSS or PKCS#1 v1.5 with SHA-256, Ed25519 raw.
 */
export interface SignatureVerifier {
  /** True only when `signature` is a valid signature by the key (DER SubjectPublicKeyInfo) over `data`. Never throws for a bad signature. */
  verify(publicKeyInfo: Uint8Array, data: Uint8Array, signature: Uint8Array): Promise<boolean>;
}
