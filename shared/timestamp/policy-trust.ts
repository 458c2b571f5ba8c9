/**
 * The TSA a policy trusts: its time stamps verify only when the TSA's
 * certificate chains (shared/x509) to a CA the policy lists, with the
 * timeStamping usage, at the time stamp's own time.
 */
import { extendedKeyUsages } from '../x509/extensions';
import type { AlgorithmSignatureVerifier } from '../x509/signature-algorithms';
import { validateCertificateChain } from '../x509/validate';
import type { TimestampTrust } from './verify';

export function trustedTimestampAuthorities(roots: readonly Uint8Array[], signatureVerifier: AlgorithmSignatureVerifier): TimestampTrust {
  return {
    async validateSigner(certificate, others, at) {
      const result = await validateCertificateChain(
        { leaf: certificate, intermediates: others, roots, at, now: at, requiredExtendedKeyUsage: extendedKeyUsages.timeStamping },
        { signatureVerifier },
      );
      return result.ok ? { ok: true } : { ok: false, message: result.message };
    },
  };
}
