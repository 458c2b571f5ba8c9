/**
 * The TimeStampReq (RFC 3161 §2.4.1) for one approval signature. The imprint
 * is the hash of the signature bytes, as Sigstore time-stamps its signatures:
 * the time stamp then proves the signature existed at that time.
 */
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { MessageImprint, TimeStampReq, TimeStampReqVersion } from '@peculiar/asn1-tsp';
import type { Digester } from '../keys/public-key-info';
import { toArrayBuffer, unsignedIntegerContent } from '../keys/der';
import { hashOids, type TimestampHash } from './algorithms';

export interface TimestampRequest {
  /** DER TimeStampReq, the body of an application/timestamp-query POST. */
  der: Uint8Array;
  /** The nonce sent (an unsigned big-endian integer): the reply must carry the same. */
  nonce: Uint8Array;
  hash: TimestampHash;
}

// 64 bits, as OpenSSL sends: some TSAs refuse longer nonces.
const nonceBytes = 8;

// shared/ compiles without DOM or Node types; every runtime that runs it (Node ≥ 19, Electron, browsers) has Web Crypto.
interface RandomSource {
  getRandomValues<T extends Uint8Array>(array: T): T;
}

function randomNonce(): Uint8Array {
  const random = (globalThis as { crypto?: RandomSource }).crypto;
  if (!random) throw new Error('no random source for a time-stamp nonce; pass one');
  return random.getRandomValues(new Uint8Array(nonceBytes));
}

export async function timestampRequest(
  signature: Uint8Array,
  digester: Digester,
  options: { nonce?: Uint8Array; hash?: TimestampHash } = {},
): Promise<TimestampRequest> {
  const hash = options.hash ?? 'SHA-256';
  const nonce = options.nonce ?? randomNonce();
  if (nonce.length === 0) throw new RangeError('a time-stamp nonce needs at least one byte');
  const request = new TimeStampReq({
    version: TimeStampReqVersion.v1,
    messageImprint: new MessageImprint({
      // NULL parameters, as OpenSSL and most TSA clients send them (RFC 5754 §2 requires TSAs to accept both).
      hashAlgorithm: new AlgorithmIdentifier({ algorithm: hashOids[hash], parameters: null }),
      hashedMessage: new OctetString(toArrayBuffer(await digester.digest(hash, signature))),
    }),
    // A positive INTEGER: a leading 0x00 when the top bit is set.
    nonce: toArrayBuffer(unsignedIntegerContent(nonce)),
    // The token must carry the TSA certificate: verifiers are configured with the TSA's CA, not its leaf.
    certReq: true,
  });
  return { der: new Uint8Array(AsnConvert.serialize(request)), nonce: Uint8Array.from(nonce), hash };
}
