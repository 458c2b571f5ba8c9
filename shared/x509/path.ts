/**
 * Path building (RFC 4158, simplified): from the leaf, through the supplied
 * intermediates, to a trust anchor. Only names and key identifiers are used
 * here; every candidate path is then checked in full (signatures, dates,
 * constraints) by the validator, which takes the first that passes.
 */
import type { ParsedCertificate } from './certificate';
import { bytesEqual } from '../encoding/bytes';
import { namesEqual } from './names';

export interface PathSearch {
  /** Candidate paths, leaf first, a trust anchor last; best first. */
  paths: ParsedCertificate[][];
  /** The deepest certificate whose issuer was found nowhere (for the message when there is no path). */
  deadEnd?: ParsedCertificate;
  /** Whether some branch stopped at the length cap rather than at a missing issuer. */
  tooLong: boolean;
}

/** A certificate path longer than this is refused (real organisation CAs use one or two intermediates). */
export const defaultMaxIntermediates = 5;
/** Enough alternatives for cross-signed or re-keyed CAs, few enough that crafted bundles cannot make us work hard. */
const maxPaths = 16;

/** May `issuer` have issued `child`: its subject is the child's issuer, and key identifiers, when both are present, agree. */
export function mayHaveIssued(issuer: ParsedCertificate, child: ParsedCertificate): boolean {
  if (!namesEqual(issuer.subject, child.issuer)) return false;
  return !(child.authorityKeyIdentifier && issuer.subjectKeyIdentifier && child.authorityKeyIdentifier !== issuer.subjectKeyIdentifier);
}

/** Matching key identifiers first: with several CA certificates of one name (a re-key), the right one is usually tried first. */
function byKeyIdentifier(child: ParsedCertificate) {
  const rank = (issuer: ParsedCertificate) => (child.authorityKeyIdentifier && child.authorityKeyIdentifier === issuer.subjectKeyIdentifier ? 0 : 1);
  return (a: ParsedCertificate, b: ParsedCertificate) => rank(a) - rank(b);
}

const contains = (list: readonly ParsedCertificate[], certificate: ParsedCertificate) => list.some((other) => bytesEqual(other.der, certificate.der));

export function findPaths(leaf: ParsedCertificate, intermediates: readonly ParsedCertificate[], anchors: readonly ParsedCertificate[], maxIntermediates = defaultMaxIntermediates): PathSearch {
  const search: PathSearch = { paths: [], tooLong: false };
  let deadEndDepth = -1;
  // An intermediate that is also an anchor is used as an anchor (the path ends there).
  const pool = intermediates.filter((certificate) => !contains(anchors, certificate));

  const visit = (path: ParsedCertificate[]) => {
    if (search.paths.length >= maxPaths) return;
    const current = path[path.length - 1]!;
    const candidates = (list: readonly ParsedCertificate[]) =>
      list.filter((issuer) => mayHaveIssued(issuer, current) && !contains(path, issuer)).sort(byKeyIdentifier(current));
    const viaAnchor = candidates(anchors);
    for (const anchor of viaAnchor) search.paths.push([...path, anchor]);
    const further = candidates(pool);
    if (further.length > 0 && path.length > maxIntermediates) {
      search.tooLong = true;
      return;
    }
    if (viaAnchor.length === 0 && further.length === 0 && path.length > deadEndDepth) {
      search.deadEnd = current;
      deadEndDepth = path.length;
    }
    for (const next of further) visit([...path, next]);
  };

  // A leaf that is itself trusted (a self-signed approver certificate pinned in the policy) is a path of one.
  if (contains(anchors, leaf)) search.paths.push([leaf]);
  else visit([leaf]);
  return search;
}
