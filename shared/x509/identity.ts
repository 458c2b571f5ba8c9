/**
 * Whether a (validated) certificate names the identity a trust policy
 * requires, like Notation's trustedIdentities. Matching is exact: no
 * substrings, no wildcards, no prefix rules. Case is ignored only where the
 * standards make names case-insensitive: DNS names, an email address's domain,
 * a URI's scheme and host, and attribute type names ("cn" = "CN").
 */
import { commonNames, describeCertificate, type ParsedCertificate } from './certificate';
import { NameSyntaxError, nameMatchesWritten, parseRfc4514 } from './rfc4514';

export interface CertificateIdentity {
  /** An RFC 4514 distinguished name ("CN=Alice,O=Acme,C=US": the whole subject, exactly), or a bare common name ("Alice"). */
  subject?: string;
  /** An rfc822Name in the subjectAltName. */
  email?: string;
  /** A uniformResourceIdentifier in the subjectAltName. */
  uri?: string;
  /** A dNSName in the subjectAltName. */
  dns?: string;
}

export type IdentityMatch = { ok: true } | { ok: false; code: 'certificate-identity-mismatch'; message: string };

/** ASCII-only lowercase: DNS (RFC 4343) and URI schemes/hosts are case-insensitive in ASCII only. */
const asciiLower = (text: string) => text.replace(/[A-Z]/g, (character) => character.toLowerCase());

/** RFC 5321 §2.4 / RFC 5280 §7.5: the local part is case-sensitive, the domain is not. */
function emailEquals(a: string, b: string): boolean {
  const at = (text: string) => text.lastIndexOf('@');
  const [ia, ib] = [at(a), at(b)];
  if (ia <= 0 || ib <= 0) return false;
  return a.slice(0, ia) === b.slice(0, ib) && asciiLower(a.slice(ia + 1)) === asciiLower(b.slice(ib + 1));
}

/** RFC 3986 §6.2.2.1: scheme and host compare without case; everything else exactly. */
function uriKey(uri: string): string {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):(\/\/([^/?#]*))?(.*)$/s.exec(uri);
  if (!match) return uri;
  const [, scheme, , authority, rest] = match;
  if (authority === undefined) return `${asciiLower(scheme!)}:${rest}`;
  const at = authority.lastIndexOf('@');
  const userinfo = at >= 0 ? authority.slice(0, at + 1) : '';
  const hostPort = authority.slice(at + 1);
  return `${asciiLower(scheme!)}://${userinfo}${asciiLower(hostPort)}${rest}`;
}

/** A trailing dot is the same DNS name (the root); wildcards are never expanded: "*.example.com" names no host here. */
const dnsKey = (name: string) => asciiLower(name.endsWith('.') ? name.slice(0, -1) : name);

function subjectMatches(certificate: ParsedCertificate, subject: string): string | undefined {
  if (!subject.includes('=')) {
    const names = commonNames(certificate);
    if (names.length === 1 && names[0] === subject) return undefined;
    return names.length === 0 ? 'its subject has no common name (CN)' : `its common name is ${names.map((name) => `"${name}"`).join(' and ')}, not "${subject}"`;
  }
  let written;
  try {
    written = parseRfc4514(subject);
  } catch (error) {
    const detail = error instanceof NameSyntaxError ? error.message : 'unreadable';
    return `the policy's subject "${subject}" is not an RFC 4514 name (${detail})`;
  }
  return nameMatchesWritten(certificate.subject, written) ? undefined : `its subject is "${certificate.subject.rfc4514}", not "${subject}"`;
}

function listMatches(kind: string, values: readonly string[], wanted: string, equals: (a: string, b: string) => boolean): string | undefined {
  if (values.some((value) => equals(value, wanted))) return undefined;
  return values.length === 0 ? `it names no ${kind} in its subject alternative names` : `its ${kind} names are ${values.map((value) => `"${value}"`).join(', ')}, not "${wanted}"`;
}

/** Does the certificate name every part of the identity given? */
export function matchIdentity(certificate: ParsedCertificate, identity: CertificateIdentity): IdentityMatch {
  const { subject, email, uri, dns } = identity;
  const sans = certificate.subjectAltNames;
  const problems: (string | undefined)[] = [];
  if (subject === undefined && email === undefined && uri === undefined && dns === undefined) problems.push('the identity to match names nothing');
  if (subject !== undefined) problems.push(subjectMatches(certificate, subject));
  if (email !== undefined) problems.push(listMatches('email', sans.email, email, emailEquals));
  if (uri !== undefined) problems.push(listMatches('URI', sans.uri, uri, (a, b) => uriKey(a) === uriKey(b)));
  if (dns !== undefined) problems.push(listMatches('DNS', sans.dns, dns, (a, b) => !a.includes('*') && dnsKey(a) === dnsKey(b)));
  const found = problems.filter((problem): problem is string => problem !== undefined);
  if (found.length === 0) return { ok: true };
  return {
    ok: false,
    code: 'certificate-identity-mismatch',
    message: `${describeCertificate(certificate)} is not the approver the policy names: ${found.join('; ')}. Check that the approver signed with their own certificate, or correct the identity in the policy.`,
  };
}
