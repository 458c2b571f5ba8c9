/**
 * The signed attributes a time-stamp SignerInfo must carry (RFC 5652 §5.3,
 * §11; RFC 3161 §2.4.2): content-type = id-ct-TSTInfo, message-digest, and
 * optionally signingCertificate(V2). Each attribute type at most once.
 */
import type { Attribute } from '@peculiar/asn1-cms';
import { timestampOids } from './algorithms';
import { contentOf, expectTag, readOid, readSingle } from './der';
import { signerCertificateId, type EssCertificateId } from './ess';

export interface TimestampSignedAttributes {
  messageDigest: Uint8Array;
  /** The signer's ESSCertID from each signingCertificate(V2) attribute present (RFC 3161 asks for one). */
  essCertificateIds: EssCertificateId[];
}

export class SignedAttributesError extends Error {
  override readonly name = 'SignedAttributesError';
}

function singleValue(attribute: Attribute, what: string): Uint8Array {
  if (attribute.attrValues.length !== 1) throw new SignedAttributesError(`the ${what} attribute must have exactly one value`);
  return new Uint8Array(attribute.attrValues[0]!);
}

export function readSignedAttributes(attributes: Attribute[]): TimestampSignedAttributes {
  const byType = new Map<string, Attribute>();
  for (const attribute of attributes) {
    if (byType.has(attribute.attrType)) throw new SignedAttributesError(`the attribute ${attribute.attrType} appears twice`);
    byType.set(attribute.attrType, attribute);
  }
  const contentType = byType.get(timestampOids.contentType);
  if (!contentType) throw new SignedAttributesError('there is no content-type attribute');
  const contentTypeValue = singleValue(contentType, 'content-type');
  if (readOid(contentTypeValue, readSingle(contentTypeValue), 'content type') !== timestampOids.tstInfo) {
    throw new SignedAttributesError('the content-type attribute is not id-ct-TSTInfo');
  }
  const messageDigest = byType.get(timestampOids.messageDigest);
  if (!messageDigest) throw new SignedAttributesError('there is no message-digest attribute');
  const digestValue = singleValue(messageDigest, 'message-digest');
  const digest = contentOf(digestValue, expectTag(readSingle(digestValue), 0x04, 'message digest'));

  // RFC 5816 lets a TSA send both versions; each one present must name the signer.
  const essCertificateIds: EssCertificateId[] = [];
  const v1 = byType.get(timestampOids.signingCertificate);
  if (v1) essCertificateIds.push(signerCertificateId(singleValue(v1, 'signingCertificate'), 1));
  const v2 = byType.get(timestampOids.signingCertificateV2);
  if (v2) essCertificateIds.push(signerCertificateId(singleValue(v2, 'signingCertificateV2'), 2));
  return { messageDigest: Uint8Array.from(digest), essCertificateIds };
}
