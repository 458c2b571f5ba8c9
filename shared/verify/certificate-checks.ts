/**
 * The trust core's checks that only signatures with certificates, time
 * stamps or key attestations need: reading X.509 and CMS (asn1js and
 * @peculiar's schemas, whose classes are defined as the code loads),
 * certificate approvers, RFC 3161 tokens, YubiKey attestations. They are
 * loaded on demand (certificateChecks() in on-demand.ts), so that a ceremony
 * or an envelope signed by listed keys alone, the common case, is judged
 * without them: some 15–20 ms of every command (issue 11).
 */
export { certificatesFromPem, describeCertificate, parseCertificate } from '../x509/certificate';
export { resolveCertificateSigner } from '../policy/certificate-signer';
export { verifyApprovalTime } from '../timestamp/approval-time';
export { trustedTimestampAuthorities } from '../timestamp/policy-trust';
export { sigstoreSignedTimestamp } from '../timestamp/sigstore';
export { checkYubiKeyAttestation, verifyYubiKeyAttestation } from '../attestation/verify';
export { notaryChainProblem } from '../notary/certificate-rules';
