/**
 * Takes a TimeStampToken apart (RFC 3161 §2.4.2, CMS SignedData RFC 5652 §5):
 * the parsed fields, plus the exact bytes that signatures and hashes cover.
 * Only structure is checked here; meaning is checked by verify.ts.
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import { ContentInfo, SignedData, type SignerInfo } from '@peculiar/asn1-cms';
import { TSTInfo } from '@peculiar/asn1-tsp';
import { Certificate } from '@peculiar/asn1-x509';
import { toArrayBuffer } from '../keys/der';
import { timestampOids } from './algorithms';
import { childrenOf, contentOf, DerError, expectTag, readOid, readSingle, wholeOf, type Tlv } from './der';

export interface TokenCertificate {
  der: Uint8Array;
  parsed: Certificate;
}

export interface TokenParts {
  signerInfos: SignerInfo[];
  /** DER TSTInfo: the eContent OCTET STRING's content, which the message-digest attribute hashes. */
  tstInfoDer: Uint8Array;
  tstInfo: TSTInfo;
  /** genTime as written, e.g. "20261122130818.116Z". */
  genTimeText: string;
  certificates: TokenCertificate[];
  /** The signed attributes as signed: the [0] IMPLICIT element with its tag turned into SET (RFC 5652 §5.4). */
  signedAttributesDer: Uint8Array | undefined;
}

export class TokenStructureError extends Error {
  override readonly name = 'TokenStructureError';
}

const tag = { sequence: 0x30, set: 0x31, octetString: 0x04, generalizedTime: 0x18, context0: 0xa0, context1: 0xa1 } as const;

/** The raw parts, found by walking the DER, independently of the ASN.1 library's view. */
function rawParts(token: Uint8Array) {
  const [contentType, explicitContent, ...extra] = childrenOf(token, expectTag(readSingle(token), tag.sequence, 'ContentInfo'));
  if (extra.length > 0) throw new DerError('ContentInfo has extra fields');
  if (readOid(token, contentType, 'content type') !== timestampOids.signedData) throw new TokenStructureError('the token is not CMS SignedData');
  const [signedDataTlv, ...more] = childrenOf(token, expectTag(explicitContent, tag.context0, 'content'));
  if (more.length > 0) throw new DerError('content has extra elements');
  const fields = childrenOf(token, expectTag(signedDataTlv, tag.sequence, 'SignedData'));
  const encapsulated = expectTag(fields[2], tag.sequence, 'EncapsulatedContentInfo');
  const certificateSet = fields.slice(3, -1).find((field) => field.tag === tag.context0);
  const signerInfos = childrenOf(token, expectTag(fields[fields.length - 1], tag.set, 'SignerInfos'));

  const [eContentType, eContentExplicit] = childrenOf(token, encapsulated);
  if (readOid(token, eContentType, 'eContentType') !== timestampOids.tstInfo) throw new TokenStructureError('the signed content is not a TSTInfo');
  const [eContent] = childrenOf(token, expectTag(eContentExplicit, tag.context0, 'eContent'));
  const tstInfoDer = contentOf(token, expectTag(eContent, tag.octetString, 'eContent OCTET STRING'));

  // Only X.509 certificates (untagged SEQUENCE) matter; attribute and other certificate choices are skipped.
  const certificates = certificateSet ? childrenOf(token, certificateSet).filter((choice) => choice.tag === tag.sequence) : [];

  const firstSigner: Tlv | undefined = signerInfos[0];
  const signedAttributes = firstSigner ? childrenOf(token, expectTag(firstSigner, tag.sequence, 'SignerInfo')).find((field) => field.tag === tag.context0) : undefined;
  let signedAttributesDer: Uint8Array | undefined;
  if (signedAttributes) {
    signedAttributesDer = Uint8Array.from(wholeOf(token, signedAttributes));
    signedAttributesDer[0] = tag.set;
  }
  return {
    tstInfoDer: Uint8Array.from(tstInfoDer),
    certificates: certificates.map((tlv) => Uint8Array.from(wholeOf(token, tlv))),
    signedAttributesDer,
  };
}

function genTimeTextOf(tstInfoDer: Uint8Array): string {
  const fields = childrenOf(tstInfoDer, expectTag(readSingle(tstInfoDer), tag.sequence, 'TSTInfo'));
  // version, policy, messageImprint, serialNumber, genTime (RFC 3161 §2.4.2).
  const genTime = expectTag(fields[4], tag.generalizedTime, 'genTime');
  return new TextDecoder('ascii').decode(contentOf(tstInfoDer, genTime));
}

export function tokenParts(token: Uint8Array): TokenParts {
  try {
    const raw = rawParts(token);
    const contentInfo = AsnConvert.parse(toArrayBuffer(token), ContentInfo);
    const signedData = AsnConvert.parse(contentInfo.content, SignedData);
    const certificates = raw.certificates.map((der) => ({ der, parsed: AsnConvert.parse(toArrayBuffer(der), Certificate) }));
    return {
      signerInfos: [...signedData.signerInfos],
      tstInfoDer: raw.tstInfoDer,
      tstInfo: AsnConvert.parse(toArrayBuffer(raw.tstInfoDer), TSTInfo),
      genTimeText: genTimeTextOf(raw.tstInfoDer),
      certificates,
      signedAttributesDer: raw.signedAttributesDer,
    };
  } catch (error) {
    if (error instanceof TokenStructureError) throw error;
    throw new TokenStructureError(error instanceof DerError ? error.message : 'not a DER CMS SignedData');
  }
}
