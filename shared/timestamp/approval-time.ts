/**
 * The trusted time of one approval: its RFC 3161 time stamp (Sigstore's
 * signedTimestamp form, a DER TimeStampResp) checked over the approval's own
 * signature bytes against the TSA CAs of the ceremony's policy. Used alike
 * when a ceremony is loaded and when `conclave verify` reads Sigstore bundles.
 */
import { fromBase64 } from '../encoding/base64';
import type { Digester } from '../keys/public-key-info';
import type { Policy } from '../policy/policy';
import type { AlgorithmSignatureVerifier } from '../x509/signature-algorithms';
import { TimestampError } from './errors';
import { trustedTimestampAuthorities } from './policy-trust';
import type { TimestampSignatureVerifier } from './signer-signature';

export interface TrustedTimeDependencies {
  digester: Digester;
  signatureVerifier: TimestampSignatureVerifier;
  algorithmVerifier: AlgorithmSignatureVerifier;
}

export type ApprovalTime = { ok: true; genTime: Date } | { ok: false; reason: string };

export async function verifyApprovalTime(signedTimestamp: string, signature: Uint8Array, policy: Policy, dependencies: TrustedTimeDependencies): Promise<ApprovalTime> {
  if (!policy.timestamping) return { ok: false, reason: 'the policy trusts no time-stamping authority, so its time stamp cannot be checked' };
  // The RFC 3161 and CMS readers (and their ASN.1 schemas) load with the first time stamp to check: most ceremonies and
  // most commands have none (issue 11).
  const [{ readTimestampResponse }, { verifyTimestampToken }] = await Promise.all([import('./response'), import('./verify')]);
  try {
    const token = readTimestampResponse(fromBase64(signedTimestamp));
    const verified = await verifyTimestampToken(token, {
      signature,
      digester: dependencies.digester,
      signatureVerifier: dependencies.signatureVerifier,
      trust: trustedTimestampAuthorities(policy.timestamping.roots, dependencies.algorithmVerifier),
    });
    return { ok: true, genTime: verified.genTime };
  } catch (error) {
    if (error instanceof TimestampError) return { ok: false, reason: `its time stamp does not verify: ${error.message}` };
    return { ok: false, reason: 'its time stamp cannot be read' };
  }
}
