/**
 * Trusted time for one approval signature: ask the TSA, then verify its answer
 * at once against the TSA CA the policy trusts, so a wrong or misconfigured
 * TSA is caught while the approver is still at the screen, not at publishing.
 */
import type { Digester } from '../../../shared/keys/public-key-info';
import type { TimestampSignatureVerifier } from '../../../shared/timestamp/signer-signature';
import type { TimestampTrust, VerifiedTimestamp } from '../../../shared/timestamp/verify';
import { nodeDigester, nodeSignatureVerifier } from '../crypto/node-crypto';
import { postTimestampQuery, type PostQueryOptions } from './post-query';
import { checkTsaUrl } from './tsa-url';

export interface RequestTimestampOptions extends PostQueryOptions {
  /** Chains the TSA certificate to the TSA CA of the policy (shared/x509 in the product). */
  trust: TimestampTrust;
  /** Plain http to another machine; loopback http is always allowed. */
  allowHttp?: boolean;
  digester?: Digester;
  signatureVerifier?: TimestampSignatureVerifier;
}

export interface RequestedTimestamp extends VerifiedTimestamp {
  /** DER TimeStampToken: what Conclave stores with the approval. */
  token: Uint8Array;
  /** The TSA's whole DER TimeStampResp, as received. */
  response: Uint8Array;
}

/** Time-stamps `signature` (the raw signature bytes, e.g. a decoded DSSE sig) at the TSA at `url`; TimestampError on any failure. */
export async function requestTimestamp(url: string, signature: Uint8Array, options: RequestTimestampOptions): Promise<RequestedTimestamp> {
  const tsaUrl = checkTsaUrl(url, options.allowHttp);
  // Loaded when an approval is time-stamped, not with every command (issue 11): RFC 3161 and CMS come with their ASN.1 schemas.
  const [{ timestampRequest }, { readTimestampResponse }, { verifyTimestampToken }] = await Promise.all([
    import('../../../shared/timestamp/request'),
    import('../../../shared/timestamp/response'),
    import('../../../shared/timestamp/verify'),
  ]);
  const digester = options.digester ?? nodeDigester;
  const request = await timestampRequest(signature, digester);
  const response = await postTimestampQuery(tsaUrl, request.der, options);
  const tsa = `the time-stamping authority at ${tsaUrl.href}`;
  const token = readTimestampResponse(response, { tsa });
  const verified = await verifyTimestampToken(token, {
    signature,
    nonce: request.nonce,
    digester,
    signatureVerifier: options.signatureVerifier ?? nodeSignatureVerifier,
    trust: options.trust,
    tsa,
  });
  return { ...verified, token, response };
}
