/**
 * What cosign 3 (`cosign verify-attestation --key KEY --insecure-ignore-tlog`)
 * does with a Sigstore bundle it finds attached to an image, as its source says.
 * Its binary cannot be installed here, so these rules are encoded from the exact
 * upstream lines (fetched snapshots; commits named below), and the tests check
 * Conclave's bundles against them. Kyverno's ImageValidatingPolicy takes the same
 * path through sigstore-go.
 *
 *   cosign     d6d86c2  pkg/cosign/verify.go:1923-1960 verifyImageAttestationsSigstoreBundle
 *                         hands every attached bundle to VerifyNewBundle
 *                       pkg/cosign/verify_bundle.go:25-43 VerifyNewBundle = sigstore-go Verifier.Verify
 *                       pkg/cosign/verify.go:251-257 with --key, the key is the trusted material
 *                       cmd/cosign/cli/verify/verify_attestation.go:86-89 the key's hash defaults to SHA-256
 *                       pkg/signature/keys.go:94-103 LoadPublicKeyRaw → signature.LoadVerifier(pub, hash)
 *   sigstore   bd0ad71  pkg/signature/verifier.go:43-74 LoadVerifier: RSA → PKCS#1 v1.5, ECDSA → that hash,
 *                         Ed25519 → PureEdDSA
 *                       pkg/signature/dsse/adapters.go:57-77 VerifierAdapter: Public() = Pub, KeyID() = PubKeyID
 *   sigstore-go 4594ab4 pkg/bundle/bundle.go:160-178 the media type's version; :112-124 v0.3 carries no
 *                         x509CertificateChain, v0.4 and later are refused
 *                       pkg/verify/signature.go:221-248 verifyEnvelope: exactly one signature; the adapter
 *                         gets Pub and no PubKeyID
 *   go-securesystemslib 8b6ec9c dsse/verify.go:66-80 a verifier without a keyid gets SHA256KeyID(Public());
 *                         a signature whose keyid is non-empty and differs from it is skipped
 *                       dsse/verify.go:111-113 fewer accepted keys than the threshold (1) fails
 *                       dsse/verify.go:135-143 SHA256KeyID = ssh.FingerprintSHA256 of the key
 */
import { createHash, verify, type KeyObject } from 'node:crypto';

/** RFC 4251 §5 "string": uint32 length, then the bytes. */
function sshString(bytes: Uint8Array): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/** RFC 4251 §5 "mpint" of an unsigned big-endian integer: no leading zeros, one zero byte when the top bit is set. */
function sshMpint(unsigned: Buffer): Buffer {
  let start = 0;
  while (start < unsigned.length - 1 && unsigned[start] === 0) start += 1;
  const trimmed = unsigned.subarray(start);
  return sshString(trimmed[0]! & 0x80 ? Buffer.concat([Buffer.of(0), trimmed]) : trimmed);
}

/** The SSH wire encoding of a public key (RFC 4253 §6.6 RSA, RFC 5656 §3.1 ECDSA, RFC 8709 §4 Ed25519), as golang.org/x/crypto/ssh.NewPublicKey makes it. */
export function sshPublicKeyBlob(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' });
  const b64url = (value: string | undefined) => Buffer.from(value ?? '', 'base64url');
  switch (key.asymmetricKeyType) {
    case 'ec': {
      const curve = { 'P-256': 'nistp256', 'P-384': 'nistp384', 'P-521': 'nistp521' }[jwk.crv as 'P-256' | 'P-384' | 'P-521'];
      const point = Buffer.concat([Buffer.of(4), b64url(jwk.x), b64url(jwk.y)]);
      return Buffer.concat([sshString(Buffer.from(`ecdsa-sha2-${curve}`)), sshString(Buffer.from(curve)), sshString(point)]);
    }
    case 'rsa':
      return Buffer.concat([sshString(Buffer.from('ssh-rsa')), sshMpint(b64url(jwk.e)), sshMpint(b64url(jwk.n))]);
    case 'ed25519':
      return Buffer.concat([sshString(Buffer.from('ssh-ed25519')), sshString(b64url(jwk.x))]);
    default:
      throw new Error(`no SSH encoding for ${key.asymmetricKeyType}`);
  }
}

/** go-securesystemslib's SHA256KeyID: ssh.FingerprintSHA256, "SHA256:" and unpadded standard base64. */
export function goSecureSystemsLibKeyId(key: KeyObject): string {
  return `SHA256:${createHash('sha256').update(sshPublicKeyBlob(key)).digest('base64').replace(/=+$/, '')}`;
}

const mediaTypeBase = 'application/vnd.dev.sigstore.bundle';

/** sigstore-go getBundleVersion: "v0.3" from either spelling of the media type, or undefined. */
export function bundleVersionOf(mediaType: string): string | undefined {
  const legacy = /^application\/vnd\.dev\.sigstore\.bundle\+json;version=(0\.[123])$/.exec(mediaType);
  if (legacy) return `v${legacy[1]}`;
  const current = new RegExp(`^${mediaTypeBase.replace(/\./g, '\\.')}\\.(v\\d+\\.\\d+(?:\\.\\d+)?)\\+json$`).exec(mediaType);
  return current?.[1];
}

const compareVersions = (a: string, b: string) => {
  const parts = (version: string) => version.slice(1).split('.').map(Number);
  const [x, y] = [parts(a), parts(b)];
  for (let index = 0; index < Math.max(x.length, y.length); index += 1) {
    const difference = (x[index] ?? 0) - (y[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
};

/** The DSSE pre-authentication encoding, written here from the DSSE protocol (not Conclave's). */
function pae(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
}

/**
 * sigstore LoadVerifier(pub, hash), what cosign --key gets: the algorithm Node is told. The hash is SHA-256 unless
 * `--signature-digest-algorithm` names another (cosign cmd/cosign/cli/verify/verify_attestation.go, Exec: "always
 * default to sha256 if the algorithm hasn't been explicitly set"; doc/cosign_verify-attestation.md lists
 * sha224|sha256|sha384|sha512).
 */
function cosignKeyVerify(key: KeyObject, data: Buffer, signature: Buffer, hash: SignatureDigestAlgorithm): boolean {
  try {
    return key.asymmetricKeyType === 'ed25519' ? verify(null, data, key, signature) : verify(hash, data, key, signature);
  } catch {
    return false;
  }
}

export type SigstoreGoOutcome = { accepted: true } | { accepted: false; reason: string };

interface BundleShape {
  mediaType?: unknown;
  verificationMaterial?: Record<string, unknown>;
  dsseEnvelope?: { payloadType?: unknown; payload?: unknown; signatures?: { keyid?: unknown; sig?: unknown }[] };
}

export type SignatureDigestAlgorithm = 'sha224' | 'sha256' | 'sha384' | 'sha512';

/** Whether cosign 3 with `--key` (the key given, and `--signature-digest-algorithm`, sha256 by default) accepts this bundle, by the rules above. */
export function cosignAcceptsBundle(value: unknown, key: KeyObject, options: { signatureDigestAlgorithm?: SignatureDigestAlgorithm } = {}): SigstoreGoOutcome {
  const bundle = value as BundleShape;
  const version = typeof bundle.mediaType === 'string' ? bundleVersionOf(bundle.mediaType) : undefined;
  if (version === undefined) return { accepted: false, reason: `unsupported media type ${String(bundle.mediaType)}` };
  if (compareVersions(version, 'v0.1') < 0 || compareVersions(version, 'v0.4') >= 0) return { accepted: false, reason: `bundle version ${version} is not supported` };
  if (compareVersions(version, 'v0.3') >= 0 && bundle.verificationMaterial?.x509CertificateChain !== undefined) {
    return { accepted: false, reason: 'verification material cannot be X.509 certificate chain (for bundle v0.3)' };
  }
  const envelope = bundle.dsseEnvelope;
  if (!envelope || !Array.isArray(envelope.signatures) || envelope.signatures.length !== 1) return { accepted: false, reason: 'a DSSE envelope in a Sigstore bundle must contain exactly one signature' };
  const [signature] = envelope.signatures;
  const keyId = typeof signature!.keyid === 'string' ? signature!.keyid : '';
  const verifierKeyId = goSecureSystemsLibKeyId(key);
  if (keyId !== '' && keyId !== verifierKeyId) {
    return { accepted: false, reason: `could not verify envelope: accepted signatures do not match threshold, Found: 0, Expected 1 (keyid ${keyId} is not ${verifierKeyId})` };
  }
  const message = pae(String(envelope.payloadType), Buffer.from(String(envelope.payload), 'base64'));
  if (!cosignKeyVerify(key, message, Buffer.from(String(signature!.sig), 'base64'), options.signatureDigestAlgorithm ?? 'sha256')) {
    return { accepted: false, reason: 'could not verify envelope: accepted signatures do not match threshold, Found: 0, Expected 1 (the signature does not verify)' };
  }
  return { accepted: true };
}
