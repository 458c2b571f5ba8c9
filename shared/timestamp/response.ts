/**
 * A TSA's TimeStampResp (RFC 3161 §2.4.2): granted, or refused with the
 * TSA's own words. Only the status is read here; the token is checked by
 * verifyTimestampToken.
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import { PKIStatusInfo } from '@peculiar/asn1-tsp';
import { toArrayBuffer } from '../keys/der';
import { childrenOf, DerError, readSingle, wholeOf } from './der';
import { capitalised, TimestampError, type AuthorityLabel } from './errors';

const statusNames = ['granted', 'granted with modifications', 'rejection', 'waiting', 'revocation warning', 'revocation notification'];

// PKIFailureInfo bit numbers (RFC 3161 §2.4.2), read from the BIT STRING directly: bit 0 is the first byte's top bit.
const failureReasons: Record<number, string> = {
  0: 'it does not support the hash algorithm asked for',
  2: 'it does not permit or support this request',
  5: 'the request was not in a format it reads',
  14: 'its time source is not available',
  15: 'it does not support the policy asked for',
  16: 'it does not support an extension asked for',
  17: 'it could not provide the additional information asked for',
  25: 'it had a system failure',
};

function failureText(bits: Uint8Array): string[] {
  const reasons: string[] = [];
  for (const [bit, reason] of Object.entries(failureReasons)) {
    const index = Number(bit);
    if (((bits[index >> 3] ?? 0) >> (7 - (index & 7))) & 1) reasons.push(reason);
  }
  return reasons;
}

function malformed(tsa: string, detail: string): TimestampError {
  return new TimestampError(
    'timestamp-malformed',
    `${capitalised(tsa)} did not answer with an RFC 3161 time-stamp response (${detail}). Check that the URL in the policy is the TSA's time-stamping endpoint.`,
  );
}

/** The DER TimeStampToken (a CMS ContentInfo with SignedData) of a granted response; TimestampError otherwise. */
export function readTimestampResponse(der: Uint8Array, label: AuthorityLabel = {}): Uint8Array {
  const tsa = label.tsa ?? 'the time-stamping authority';
  let parts;
  try {
    parts = childrenOf(der, readSingle(der));
  } catch (error) {
    throw malformed(tsa, error instanceof DerError ? error.message : 'not DER');
  }
  const [statusTlv, tokenTlv, ...rest] = parts;
  if (!statusTlv || statusTlv.tag !== 0x30 || (tokenTlv && tokenTlv.tag !== 0x30) || rest.length > 0) throw malformed(tsa, 'unexpected structure');
  let status: PKIStatusInfo;
  try {
    status = AsnConvert.parse(toArrayBuffer(wholeOf(der, statusTlv)), PKIStatusInfo);
  } catch {
    throw malformed(tsa, 'unreadable status');
  }
  const code = Number(status.status);
  if (code === 0 || code === 1) {
    // RFC 3161 §2.4.2: granted (with or without modifications) means a token MUST be present.
    if (!tokenTlv) throw malformed(tsa, 'granted, but no time-stamp token');
    return Uint8Array.from(wholeOf(der, tokenTlv));
  }
  const said = (status.statusString ?? []).map((text) => text.trim()).filter((text) => text.length > 0);
  const reasons = status.failInfo ? failureText(new Uint8Array(status.failInfo.value)) : [];
  const details = [
    `status: ${statusNames[code] ?? `unknown (${code})`}`,
    ...said.map((text) => `it said: "${text.slice(0, 200)}"`),
    ...reasons,
  ];
  throw new TimestampError(
    'timestamp-refused',
    `${capitalised(tsa)} refused to time-stamp the signature (${details.join('; ')}). Check the time-stamping settings in the policy, or ask the TSA's operator.`,
  );
}
