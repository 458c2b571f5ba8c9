/**
 * What notation asks of a signature's certificate chain before it looks at
 * the trust policy: notation-core-go x509/codesigning_cert_validations.go at
 * ef87896 (ValidateCodeSigningCertChain), called for every signature by
 * signature/internal/base/envelope.go validateCertificateChain. Conclave's own
 * certificate rules (shared/policy/certificate-signer.ts) are looser, so a
 * certificate approver's approval can count in Conclave and still be refused
 * by notation: the publish forecast says which rule.
 */
import { describeCertificate, type ParsedCertificate } from '../x509/certificate';
import { extendedKeyUsages, extensionOids } from '../x509/extensions';
import { bytesEqual } from '../encoding/bytes';

/** EKUs that make a leaf unfit for code signing (validateCodeSigningExtendedKeyUsage). */
const excludedLeafUsages: Record<string, string> = {
  [extendedKeyUsages.serverAuth]: 'serverAuth',
  [extendedKeyUsages.clientAuth]: 'clientAuth',
  [extendedKeyUsages.emailProtection]: 'emailProtection',
  [extendedKeyUsages.timeStamping]: 'timeStamping',
  [extendedKeyUsages.ocspSigning]: 'OCSPSigning',
};

const selfIssued = (certificate: ParsedCertificate) => bytesEqual(certificate.subject.der, certificate.issuer.der);

function keyUsageProblem(certificate: ParsedCertificate): string | undefined {
  const extension = certificate.extensions.find((entry) => entry.oid === extensionOids.keyUsage);
  if (!extension) return `${describeCertificate(certificate)} has no key usage extension`;
  if (!extension.critical) return `the key usage extension of ${describeCertificate(certificate)} is not marked critical`;
  return undefined;
}

/**
 * Why notation would refuse this chain (leaf first, the self-signed root
 * last), or undefined when these rules pass. Signature checks between the
 * certificates are Conclave's chain validation's job and not repeated here.
 */
export function notaryChainProblem(chain: readonly ParsedCertificate[]): string | undefined {
  const leaf = chain[0];
  if (!leaf) return 'no certificate chain';
  const root = chain[chain.length - 1]!;
  if (chain.length === 1) return `${describeCertificate(leaf)} is its own root; notation accepts a self-signed leaf only without a CA`;
  if (!selfIssued(root)) return `the chain ends at ${describeCertificate(root)}, which is not a self-signed root`;
  // Leaf: validateCodeSigningLeafCertificate.
  if (selfIssued(leaf)) return `${describeCertificate(leaf)} is self-signed inside a chain`;
  if (leaf.basicConstraints?.ca) return `${describeCertificate(leaf)} is a CA certificate`;
  const leafUsage = keyUsageProblem(leaf);
  if (leafUsage) return leafUsage;
  if (!leaf.keyUsage?.includes('digitalSignature')) return `${describeCertificate(leaf)} does not allow digitalSignature`;
  const excluded = (leaf.extendedKeyUsage ?? []).map((oid) => excludedLeafUsages[oid]).filter((name): name is string => name !== undefined);
  if (excluded.length > 0) return `${describeCertificate(leaf)} has the extended key usage ${excluded.join(', ')}, which notation refuses for code signing`;
  // CAs: validateCodeSigningCACertificate, with the path length each must allow.
  for (const [index, ca] of chain.slice(1).entries()) {
    if (!ca.basicConstraints?.ca) return `${describeCertificate(ca)} is not marked as a CA (basicConstraints)`;
    if (ca.basicConstraints.pathLen !== undefined && ca.basicConstraints.pathLen < index) return `${describeCertificate(ca)} allows a path of ${ca.basicConstraints.pathLen} below it, and the chain needs ${index}`;
    const usage = keyUsageProblem(ca);
    if (usage) return usage;
    if (!ca.keyUsage?.includes('keyCertSign')) return `${describeCertificate(ca)} does not allow keyCertSign`;
  }
  return undefined;
}
