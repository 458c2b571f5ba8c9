/**
 * Findings: what Conclave checked about a release's evidence before anyone
 * signs, each pass / warn / fail with a sentence the person at the screen can
 * act on (issue 3, "Artifacts and evidence"). Pure: artifacts arrive already
 * hashed, provenance and SBOM already read, signatures already checked.
 *
 * A fail blocks freezing (`blocksFreezing`); whether a policy lets someone
 * override it, and who did, is the ceremony's business, not this module's.
 */
import { PackageURL } from 'packageurl-js';
import { compareDigestSets, describeDigestSet, type DigestSet } from './digest-set';
import { describeProvenanceOrigin, sameRepository, type ProvenanceDocument, type ProvenanceSignatureOutcome } from './provenance';
import { componentKey, type SbomSummary } from './sbom';

export interface EvidenceArtifact {
  /** The file name (or image reference) the release manager added. */
  name: string;
  /** Lowercase hex digests from streaming hashing; sha512 only when asked for. */
  digest: { sha256: string; sha512?: string };
}

/** What the policy allows; the policy module maps its own document onto this. */
export interface EvidenceRules {
  /**
   * Allowed builder ids. An entry with a ref (`…/builder.yml@refs/tags/v2.1.0`)
   * must match exactly; one without (`…/builder.yml`) allows any ref of that
   * builder, as slsa-verifier's --builder-id does.
   */
  builders?: string[];
  /** Allowed source repositories, e.g. `https://github.com/org/repo` (compared without `git+`, `.git` or case). */
  sourceRepositories?: string[];
}

export interface ProvenanceSignatureCheck {
  /** Index of the document in `FindingsInput.provenance`. */
  documentIndex: number;
  outcome: ProvenanceSignatureOutcome;
  /** How to name the key in messages, e.g. "the npm registry key". */
  keyLabel?: string;
}

export interface ReleaseIdentity {
  name: string;
  version?: string;
  /** e.g. pkg:npm/app@1.2.3 */
  purl?: string;
}

export interface FindingsInput {
  artifacts: EvidenceArtifact[];
  provenance: ProvenanceDocument[];
  sbom?: SbomSummary;
  rules: EvidenceRules;
  signatureChecks?: ProvenanceSignatureCheck[];
  /** The release being approved; lets an SBOM that names the release by purl count as about it. */
  release?: ReleaseIdentity;
}

export type FindingStatus = 'pass' | 'warn' | 'fail';

export const findingChecks = ['provenance-present', 'artifact-subject', 'provenance-signature', 'builder', 'source-repository', 'source-commit', 'sbom-present', 'sbom-subject'] as const;
export type FindingCheck = (typeof findingChecks)[number];

export interface Finding {
  /** Stable across runs for the same input: `check` plus what it is about (`artifact-subject:app.tgz`, `builder:2`). */
  id: string;
  check: FindingCheck;
  status: FindingStatus;
  message: string;
}

interface Pending extends Finding {
  order: string;
}

export function computeFindings(input: FindingsInput): Finding[] {
  const findings: Pending[] = [];
  const slsaDocuments = input.provenance.map((document, index) => ({ document, index })).filter(({ document }) => document.slsa !== undefined);

  findings.push(provenancePresent(input.provenance, slsaDocuments.length));
  for (const artifact of input.artifacts) findings.push(artifactSubject(artifact, slsaDocuments.map(({ document }) => document)));
  input.provenance.forEach((document, index) => {
    const check = input.signatureChecks?.find((entry) => entry.documentIndex === index);
    findings.push(provenanceSignature(document, index, check));
  });
  for (const { document, index } of slsaDocuments) {
    findings.push(builder(document, index, input.rules.builders ?? []));
    findings.push(sourceRepository(document, index, input.rules.sourceRepositories ?? []));
    findings.push(sourceCommit(document, index));
  }
  findings.push(sbomPresent(input.sbom));
  if (input.sbom) findings.push(sbomSubject(input.sbom, input));

  return findings
    .sort((left, right) => findingChecks.indexOf(left.check) - findingChecks.indexOf(right.check) || (left.order < right.order ? -1 : left.order > right.order ? 1 : 0))
    .map(({ id, check, status, message }) => ({ id, check, status, message }));
}

/** Freezing is blocked while any finding fails (issue 3: "A fail blocks freezing"). */
export function blocksFreezing(findings: readonly Finding[]): boolean {
  return findings.some((finding) => finding.status === 'fail');
}

// ---------------------------------------------------------------------------

const quoted = (name: string) => `“${name}”`;
const documentOrder = (index: number) => String(index).padStart(6, '0');
const documentName = (document: ProvenanceDocument) => describeProvenanceOrigin(document.origin);

function finding(check: FindingCheck, about: string, order: string, status: FindingStatus, message: string): Pending {
  return { id: about === '' ? check : `${check}:${about}`, check, status, message, order };
}

function provenancePresent(documents: ProvenanceDocument[], slsaCount: number): Pending {
  if (documents.length === 0) {
    return finding('provenance-present', '', '', 'fail', 'No provenance was attached, so nothing shows where the artifacts came from. Attach the SLSA provenance your build produced (an .intoto.jsonl file or a Sigstore bundle).');
  }
  if (slsaCount === 0) {
    const kinds = [...new Set(documents.map((document) => document.statement.predicateType))].join(', ');
    return finding('provenance-present', '', '', 'fail', `The attached statements (${kinds}) are not SLSA provenance, so nothing shows how the artifacts were built. Attach the SLSA provenance your build produced.`);
  }
  return finding('provenance-present', '', '', 'pass', `${slsaCount} SLSA provenance ${slsaCount === 1 ? 'document was' : 'documents were'} read.`);
}

function artifactDigest(artifact: EvidenceArtifact): DigestSet {
  const digest: DigestSet = { sha256: artifact.digest.sha256.toLowerCase() };
  if (artifact.digest.sha512) digest.sha512 = artifact.digest.sha512.toLowerCase();
  return digest;
}

const baseName = (name: string) => name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);

function artifactSubject(artifact: EvidenceArtifact, documents: ProvenanceDocument[]): Pending {
  const about = artifact.name;
  const digest = artifactDigest(artifact);
  const has = `${quoted(artifact.name)} (${describeDigestSet({ sha256: digest.sha256! })})`;
  if (documents.length === 0) {
    return finding('artifact-subject', about, about, 'fail', `${has} cannot be matched to provenance: no SLSA provenance was attached. Attach the provenance your build produced for it.`);
  }
  const subjects = documents.flatMap((document) => document.statement.subject.map((subject) => ({ document, subject, comparison: compareDigestSets(digest, subject.digest) })));

  const match = subjects.find(({ comparison }) => comparison.matches);
  if (match) {
    return finding('artifact-subject', about, about, 'pass', `${quoted(artifact.name)} is subject ${quoted(match.subject.name)} of ${documentName(match.document)}, with the same ${match.comparison.shared.join(' and ')}.`);
  }

  // A subject of the same name with another digest: the most likely mistake, and the most important to say plainly.
  const sameName = subjects.find(({ subject, comparison }) => comparison.shared.length > 0 && baseName(subject.name) === baseName(artifact.name));
  if (sameName) {
    const algorithms = sameName.comparison.shared;
    const recorded = Object.fromEntries(algorithms.map((algorithm) => [algorithm, sameName.subject.digest[algorithm]!]));
    const ours = Object.fromEntries(algorithms.map((algorithm) => [algorithm, digest[algorithm]!]));
    return finding('artifact-subject', about, about, 'fail', `${quoted(artifact.name)} has ${describeDigestSet(ours)}, but ${documentName(sameName.document)} records ${describeDigestSet(recorded)} for it. This is not the file that was built: attach the artifact the build produced, or the provenance of this file.`);
  }

  const comparable = subjects.filter(({ comparison }) => comparison.shared.length > 0);
  if (comparable.length === 0) {
    const recordedAlgorithms = [...new Set(subjects.flatMap(({ subject }) => Object.keys(subject.digest)))].join(', ');
    const hint = recordedAlgorithms.includes('sha512') && !digest.sha512 ? ' Hash the artifact with SHA-512 as well so it can be compared.' : ' Attach provenance that records a SHA-256 digest.';
    return finding('artifact-subject', about, about, 'fail', `${has} cannot be compared with the provenance, which records only ${recordedAlgorithms} digests for its subjects.${hint}`);
  }

  const listed = comparable.slice(0, 3).map(({ subject, comparison }) => `${quoted(subject.name)} ${describeDigestSet(Object.fromEntries(comparison.shared.map((algorithm) => [algorithm, subject.digest[algorithm]!])))}`);
  const more = comparable.length > 3 ? ` and ${comparable.length - 3} more` : '';
  return finding('artifact-subject', about, about, 'fail', `${has} is not a subject of any attached provenance, which names ${listed.join('; ')}${more}. Attach the provenance of this artifact, or check that it is the file the build produced.`);
}

function provenanceSignature(document: ProvenanceDocument, index: number, check: ProvenanceSignatureCheck | undefined): Pending {
  const about = String(index + 1);
  const order = documentOrder(index);
  const name = documentName(document);
  const key = check?.keyLabel ?? 'the given key';
  if (!document.envelope || check?.outcome.outcome === 'unsigned' || document.signing.kind === 'unsigned') {
    return finding('provenance-signature', about, order, 'warn', `The statement in ${name} is not signed, so anyone could have written it. Attach the signed provenance (DSSE envelope or Sigstore bundle) from the build.`);
  }
  if (check?.outcome.outcome === 'verified') {
    return finding('provenance-signature', about, order, 'pass', `The signature on ${name} verifies with ${key}.`);
  }
  if (check?.outcome.outcome === 'invalid') {
    return finding('provenance-signature', about, order, 'fail', `The signature on ${name} does not verify with ${key}: the statement was changed after signing, or another key signed it. Do not rely on this provenance; download it again from the build and check which key signs it.`);
  }
  if (document.signing.kind === 'sigstore-certificate') {
    return finding('provenance-signature', about, order, 'warn', `${capitalize(name)} is signed by a Sigstore certificate; not checked without a trust root. Verify it with slsa-verifier or cosign before approving.`);
  }
  const hints = document.signing.keyHints.length > 0 ? ` (key ${document.signing.keyHints.join(', ')})` : '';
  return finding('provenance-signature', about, order, 'warn', `${capitalize(name)} is signed${hints}, but no public key was given to check it. Give the signer's public key so Conclave can check the signature.`);
}

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** slsa-verifier's rule: an allowed id with a ref matches exactly; without one it matches that builder at any ref. */
export function builderAllowed(builderId: string, allowed: readonly string[]): boolean {
  return allowed.some((entry) => entry === builderId || (!entry.includes('@') && builderId.startsWith(`${entry}@`)));
}

function builder(document: ProvenanceDocument, index: number, allowed: readonly string[]): Pending {
  const about = String(index + 1);
  const order = documentOrder(index);
  const name = documentName(document);
  const builderId = document.slsa?.builderId;
  if (!builderId) {
    return finding('builder', about, order, 'fail', `${capitalize(name)} names no builder, which SLSA provenance requires, so nothing says what built the artifacts. Attach the provenance your build system produced.`);
  }
  if (allowed.length === 0) {
    return finding('builder', about, order, 'warn', `Built by ${builderId}. The policy lists no allowed builders, so any builder is accepted; add the builders you trust to the policy.`);
  }
  if (builderAllowed(builderId, allowed)) return finding('builder', about, order, 'pass', `Built by ${builderId}, which the policy allows.`);
  return finding('builder', about, order, 'fail', `Built by ${builderId}, which is not among the builders the policy allows (${allowed.join(', ')}). Do not approve a build from an unknown builder; rebuild with an allowed one, or change the policy if this builder is trusted.`);
}

function sourceRepository(document: ProvenanceDocument, index: number, allowed: readonly string[]): Pending {
  const about = String(index + 1);
  const order = documentOrder(index);
  const name = documentName(document);
  const repository = document.slsa?.sourceRepository;
  if (!repository) {
    return finding('source-repository', about, order, allowed.length > 0 ? 'fail' : 'warn', `${capitalize(name)} does not name the source repository, so nothing shows which code was built.${allowed.length > 0 ? ' The policy allows only listed repositories; attach provenance that records its source.' : ''}`);
  }
  if (allowed.length === 0) {
    return finding('source-repository', about, order, 'warn', `Built from ${repository}. The policy lists no allowed source repositories, so any is accepted; add your repositories to the policy.`);
  }
  if (allowed.some((entry) => sameRepository(entry, repository))) return finding('source-repository', about, order, 'pass', `Built from ${repository}, which the policy allows.`);
  return finding('source-repository', about, order, 'fail', `Built from ${repository}, which is not among the source repositories the policy allows (${allowed.join(', ')}). Check where this build came from before approving; a fork or a look-alike repository is a common attack.`);
}

function sourceCommit(document: ProvenanceDocument, index: number): Pending {
  const about = String(index + 1);
  const order = documentOrder(index);
  const summary = document.slsa;
  if (!summary?.sourceCommit) {
    return finding('source-commit', about, order, 'warn', `${capitalize(documentName(document))} records no source commit, so approvers cannot tell which revision was built. Prefer a builder that records the commit.`);
  }
  const ref = summary.trigger.ref ? ` (${summary.trigger.ref})` : '';
  const from = summary.sourceRepository ? ` of ${summary.sourceRepository}` : '';
  return finding('source-commit', about, order, 'pass', `Built from commit ${summary.sourceCommit}${from}${ref}.`);
}

function sbomPresent(sbom: SbomSummary | undefined): Pending {
  if (!sbom) return finding('sbom-present', '', '', 'warn', 'No SBOM was attached, so approvers cannot see what the release contains. Attach its SBOM (CycloneDX or SPDX JSON).');
  const format = sbom.format === 'cyclonedx' ? `CycloneDX ${sbom.specVersion}` : `SPDX ${sbom.specVersion}`;
  const about = sbom.subject ? ` for ${sbom.subject.name}${sbom.subject.version ? ` ${sbom.subject.version}` : ''}` : '';
  return finding('sbom-present', '', '', 'pass', `A ${format} SBOM${about} is attached, listing ${sbom.componentCount} components.`);
}

/** pkg:type/namespace/name@version, without qualifiers or subpath, for comparing purls written by different tools. */
function purlIdentity(purl: string): string | undefined {
  try {
    const parsed = PackageURL.fromString(purl);
    return `${componentKey({ name: parsed.name, purl })}@${parsed.version ?? ''}`;
  } catch {
    return undefined;
  }
}

function sbomSubject(sbom: SbomSummary, input: FindingsInput): Pending {
  const artifacts = input.artifacts.map((artifact) => ({ artifact, digest: artifactDigest(artifact) }));
  const subjectText = sbom.subject ? `${sbom.subject.name}${sbom.subject.version ? ` ${sbom.subject.version}` : ''}` : undefined;

  for (const described of sbom.describedDigests) {
    const match = artifacts.find(({ digest }) => compareDigestSets(digest, described.digest).matches);
    if (match) return finding('sbom-subject', '', '', 'pass', `The SBOM describes ${quoted(match.artifact.name)}: its digest for ${quoted(described.name)} matches the artifact.`);
  }
  if (sbom.describedDigests.some((described) => artifacts.some(({ digest }) => compareDigestSets(digest, described.digest).shared.length > 0))) {
    const described = sbom.describedDigests.map((entry) => `${quoted(entry.name)} ${describeDigestSet(entry.digest)}`).join('; ');
    return finding('sbom-subject', '', '', 'warn', `The SBOM describes ${described}, which matches no artifact of this release. Check that it is the SBOM of these files and not of another build.`);
  }

  if (!sbom.subject) {
    return finding('sbom-subject', '', '', 'warn', 'The SBOM does not say what it describes (no main component or described package), so Conclave cannot tell that it is about these artifacts. Generate it with the release as its subject.');
  }

  // A purl names a package the way npm provenance names its subject and the release statement names the release.
  const subjectPurl = sbom.subject.purl ? purlIdentity(sbom.subject.purl) : undefined;
  if (subjectPurl) {
    const releasePurl = input.release?.purl ? purlIdentity(input.release.purl) : undefined;
    if (releasePurl === subjectPurl) return finding('sbom-subject', '', '', 'pass', `The SBOM describes ${sbom.subject.purl}, the release being approved.`);
    for (const { artifact, digest } of artifacts) {
      const subject = input.provenance
        .flatMap((document) => document.statement.subject)
        .find((entry) => entry.name.startsWith('pkg:') && purlIdentity(entry.name) === subjectPurl && compareDigestSets(digest, entry.digest).matches);
      if (subject) return finding('sbom-subject', '', '', 'pass', `The SBOM describes ${subject.name}, which the provenance gives the digest of ${quoted(artifact.name)}.`);
    }
  }

  // Last resort: the artifact's file name carries the subject's name and version (proton-bridge-1.8.0-linux.tar.gz).
  const shortName = baseName(sbom.subject.name).toLowerCase();
  const version = sbom.subject.version?.replace(/^v(?=\d)/, '').toLowerCase();
  const named = input.artifacts.find((artifact) => {
    const file = baseName(artifact.name).toLowerCase();
    return file.includes(shortName) && (version === undefined || file.includes(version));
  });
  const releaseNamed = input.release && input.release.name.toLowerCase().endsWith(shortName) && (version === undefined || input.release.version?.replace(/^v(?=\d)/, '').toLowerCase() === version);
  if (named) return finding('sbom-subject', '', '', 'pass', `The SBOM describes ${subjectText}, which matches ${quoted(named.name)} by name and version (the SBOM records no digest to compare).`);
  if (releaseNamed) return finding('sbom-subject', '', '', 'pass', `The SBOM describes ${subjectText}, the release being approved (matched by name and version; the SBOM records no digest to compare).`);
  return finding('sbom-subject', '', '', 'warn', `The SBOM describes ${subjectText}, which matches no artifact of this release by digest, purl or name. Check that it is the SBOM of this release.`);
}
