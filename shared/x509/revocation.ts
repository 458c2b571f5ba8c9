/**
 * Revocation of one certificate by the CRLs its issuer published.
 *
 * The rule, for a signature made at `at` (a trusted timestamp's time when
 * there is one):
 * - listed with revocationDate ≤ at → revoked;
 * - listed later than `at` → the signature stands (it was made while the
 *   certificate was good), noted;
 * - listed for keyCompromise, cACompromise or aACompromise → revoked whatever
 *   the date. The revocation date is when the CA learned of the compromise,
 *   not when it began: someone else may have held the key before, and a
 *   signature they made then looks exactly like the approver's. Even a
 *   timestamp only proves when a signature was made, not by whom.
 */
import { describeCertificate, type ParsedCertificate } from './certificate';
import type { ParsedCrl, RevocationReason } from './crl';
import { X509Error } from './errors';
import { formatDate } from './format';
import { namesEqual } from './names';
import { checkSignedBy } from './signed-by';
import type { AlgorithmSignatureVerifier } from './signature-algorithms';

const compromiseReasons: ReadonlySet<RevocationReason> = new Set(['keyCompromise', 'cACompromise', 'aACompromise']);

export interface RevocationInput {
  certificate: ParsedCertificate;
  issuer: ParsedCertificate;
  crls: readonly ParsedCrl[];
  at: Date;
  now: Date;
  requireCrl: boolean;
  allowStaleCrl: boolean;
}

/** CRLs published by this issuer with this key (a CRL naming another key of the same CA is for certificates that key issued). */
function crlsOfIssuer(input: RevocationInput): ParsedCrl[] {
  const { certificate, issuer } = input;
  return input.crls.filter(
    (crl) => namesEqual(crl.issuer, certificate.issuer) && !(crl.authorityKeyIdentifier && issuer.subjectKeyIdentifier && crl.authorityKeyIdentifier !== issuer.subjectKeyIdentifier),
  );
}

async function checkCrl(crl: ParsedCrl, input: RevocationInput, verifier: AlgorithmSignatureVerifier): Promise<void> {
  const issuer = describeCertificate(input.issuer);
  const refuse = (problem: string, action: string) => new X509Error('certificate-crl-invalid', `The CRL of ${issuer} ${problem}. ${action}`);
  const download = "Download the CA's current CRL again from its distribution point.";
  if (input.issuer.keyUsage && !input.issuer.keyUsage.includes('cRLSign')) {
    throw refuse('cannot be trusted: the CA certificate does not allow its key to sign CRLs (no cRLSign key usage)', 'Ask the CA administrator which CRL applies.');
  }
  const signature = await checkSignedBy(crl, input.issuer, verifier);
  if (signature === 'unsupported-algorithm') throw refuse(`is signed with ${crl.signatureAlgorithm.name}, which Conclave does not accept`, download);
  if (signature === 'invalid') throw refuse('is not signed by that CA\'s key (it was altered, or comes from another CA with the same name)', download);
  if (crl.thisUpdate.getTime() > input.now.getTime()) {
    throw refuse(`says it was issued at ${formatDate(crl.thisUpdate)}, after the current time ${formatDate(input.now)}`, "Check this computer's clock, then load the CRL again.");
  }
  if (crl.delta) throw refuse('is a delta CRL (only changes since another CRL)', "Supply the CA's complete CRL instead.");
  if (crl.scope.indirect || crl.scope.onlySomeReasons) throw refuse('is an indirect or partial CRL, which Conclave does not rely on', "Supply the CA's complete CRL instead.");
  if (crl.unprocessedCriticalExtensions.length > 0) {
    throw refuse(`has critical extensions Conclave does not process (${crl.unprocessedCriticalExtensions.join(', ')})`, 'Ask the CA administrator for a plain CRL.');
  }
}

function covers(crl: ParsedCrl, certificate: ParsedCertificate): boolean {
  const isCa = certificate.basicConstraints?.ca === true;
  if (crl.scope.onlyAttributeCertificates) return false;
  if (crl.scope.onlyUserCertificates && isCa) return false;
  return !(crl.scope.onlyCaCertificates && !isCa);
}

/** Throws X509Error when the certificate is revoked or its CRLs cannot be used; returns notes for the record. */
export async function checkRevocation(input: RevocationInput, verifier: AlgorithmSignatureVerifier): Promise<string[]> {
  const { certificate, at, now } = input;
  const subject = describeCertificate(certificate);
  const issuer = describeCertificate(input.issuer);
  const published = crlsOfIssuer(input);
  for (const crl of published) await checkCrl(crl, input, verifier);
  const covering = published.filter((crl) => covers(crl, certificate));
  if (covering.length === 0) {
    if (!input.requireCrl) return [];
    throw new X509Error('certificate-crl-missing', `No CRL of ${issuer} was supplied, so Conclave cannot tell whether ${subject} was revoked. Load the CA's CRL (from its distribution point) and try again.`);
  }
  // The newest CRL speaks for the CA (a hold may have been lifted since an older one).
  const newest = covering.reduce((best, crl) => (crl.thisUpdate.getTime() > best.thisUpdate.getTime() ? crl : best));
  const notes: string[] = [];
  if (!newest.nextUpdate || newest.nextUpdate.getTime() < now.getTime()) {
    const when = newest.nextUpdate ? `was due to be replaced at ${formatDate(newest.nextUpdate)}` : 'does not say when it will be replaced';
    if (!input.allowStaleCrl) {
      throw new X509Error('certificate-crl-stale', `The newest CRL of ${issuer} (issued ${formatDate(newest.thisUpdate)}) ${when}, so it may not list recent revocations. Download the CA's current CRL and try again.`);
    }
    notes.push(`The CRL of ${issuer} (issued ${formatDate(newest.thisUpdate)}) ${when}; it was used anyway, as allowed.`);
  }
  const entry = newest.entries.find((candidate) => candidate.serialNumber === certificate.serialNumber);
  if (!entry || entry.reason === 'removeFromCRL') return notes;
  if (entry.unprocessedCriticalExtensions.length > 0) {
    throw new X509Error('certificate-crl-invalid', `The CRL of ${issuer} lists ${subject} with critical extensions Conclave does not process (${entry.unprocessedCriticalExtensions.join(', ')}). Ask the CA administrator for a plain CRL.`);
  }
  const reason = entry.reason ?? 'unspecified';
  const revoked = `${subject} was revoked by ${issuer} on ${formatDate(entry.revocationDate)} (reason: ${reason})`;
  if (compromiseReasons.has(reason)) {
    throw new X509Error('certificate-revoked', `${revoked}. Its key may have been used by someone else before that date, so no signature by it is accepted. Its holder needs a new key and certificate.`);
  }
  if (entry.revocationDate.getTime() <= at.getTime()) {
    throw new X509Error('certificate-revoked', `${revoked}, before the signing time ${formatDate(at)}. Its holder needs a new certificate from the CA.`);
  }
  notes.push(`${revoked}, after the signing time ${formatDate(at)}; the signature was made while the certificate was good.`);
  return notes;
}
