/** X.509 approver certificates: parsing, chain validation with CRLs, identity matching. */
export { parseCertificate, certificateFromPem, certificatesFromPem, certificateFingerprint, commonNames, describeCertificate, type ParsedCertificate } from './certificate';
export { parseCrl, crlFromBytes, revocationReasons, type ParsedCrl, type CrlEntry, type CrlScope, type RevocationReason } from './crl';
export { X509Error, x509ErrorCodes, type X509ErrorCode } from './errors';
export { extendedKeyUsages, keyUsageNames, type Extension, type KeyUsageName, type SubjectAltNames } from './extensions';
export { matchIdentity, type CertificateIdentity, type IdentityMatch } from './identity';
export { namesEqual, type DistinguishedName, type NameAttribute } from './names';
export { parseRfc4514, NameSyntaxError, type WrittenAttribute } from './rfc4514';
export { signatureAlgorithmOf, type AlgorithmSignatureVerifier, type NamedSignatureAlgorithm, type SignatureAlgorithm, type SignatureHash } from './signature-algorithms';
export { checkSignedBy, type SignedObject, type SignatureCheck } from './signed-by';
export { validateCertificateChain, type CertificateInput, type ChainValidationInput, type ChainValidationOptions, type ChainValidationResult, type CrlInput } from './validate';
