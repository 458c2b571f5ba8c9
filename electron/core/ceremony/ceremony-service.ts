/**
 * The ceremony engine: open, freeze, approve, reject, cancel, publish, and
 * load with every signature checked. The CLI drives it now and the window
 * will; the logic that can be pure lives in shared/ (policy, statement,
 * evidence, verifier, reducer) and this file does the Node side: files,
 * hashing, the store and the token.
 */
import { createHash, createPublicKey, verify as verifySignature } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { CeremonyEvent, decisionPayloadTypeOf, eventPayloadType, rejectionDocument, type ArtifactRecord, type FrozenEvent, type OpenedEvent } from '../../../shared/ceremony/events';
import { JudgeError, judgeCeremony, type JudgedCeremony, type JudgeDependencies, type JudgeInput } from '../../../shared/ceremony/judge';
import { statementFromOpening } from '../../../shared/ceremony/release-statement';
import { policyProposalSubjectName } from '../../../shared/policy/rotation';
import type { CeremonyAction, CeremonyView } from '../../../shared/ceremony/view';
import type { CeremonyProblem } from '../../../shared/ceremony/problems';
import { makeEnvelope, parseEnvelope } from '../../../shared/dsse/envelope';
import { inTotoPayloadType, pae } from '../../../shared/dsse/pae';
import { fromBase64, toBase64 } from '../../../shared/encoding/base64';
import { fromPem } from '../../../shared/encoding/pem';
import { ConclaveError } from '../../../shared/errors';
import { blocksFreezing, computeFindings, type ProvenanceSignatureCheck } from '../../../shared/evidence/findings';
import { readProvenance, verifyProvenanceSignature, type ProvenanceDocument } from '../../../shared/evidence/provenance';
import { readSbom, type SbomSummary } from '../../../shared/evidence/sbom';
import { canonicalJsonBytes } from '../../../shared/json/canonical';
import { describePolicy } from '../../../shared/policy/describe';
import { evaluatePolicy } from '../../../shared/policy/evaluate';
import { eventSignerOf, loadPolicy, type Policy } from '../../../shared/policy/policy';
import { approvalBundle } from '../../../shared/sigstore/bundle';
import { attestationRequirementsOf, describeRequirement } from '../../../shared/attestation/requirement';
import { requestTimestamp, type RequestTimestampOptions } from '../timestamp';
import type { ProvenanceSummary, SbomSummary as StatementSbomSummary } from '../../../shared/statement/evidence-summaries';
import { formatReport } from '../../../shared/verify/format';
import { escapeControlCharacters } from '../../../shared/text/control-characters';
import { verifyCommands } from '../../../shared/cli/verify-command';
import { ReleasePurlError, releasePurl } from '../../../shared/statement/release-purl';
import { keyTypeOfPublicKeyInfo } from '../../../shared/keys/public-key-info';
import type { VerificationReport } from '../../../shared/verify/verify';
import { forecastVerifiers, type ForecastPublisher, type ForecastSigner, type PublishForecast, type RsaScheme } from '../../../shared/verify/forecast';
import { writeFileAtomically } from '../atomic-file';
import { nodeAlgorithmSignatureVerifier, nodeDigester, nodeSignatureVerifier, nodeTrustedTimeDependencies } from '../crypto/node-crypto';
import type { SignatureVerifier } from '../../../shared/keys/signature-verifier';
import { hashFiles, type DigestAlgorithm, type FileHashOutcome, type FilesProgress } from '../hashing';
import type { StartedHashing } from '../hashing/hash-thread';
import { HashError } from '../hashing/hash-errors';
import type { ArtifactLocations } from './artifact-locations';
import { CeremonyStore, newCeremonyId, type StoredEvent } from './event-store';
import { readPolicyFile } from './policy-file';
import { checkPublishedEnvelope, envelopeText } from '../audit/published-envelope';
import type { OciOptions } from '../oci';
import { attachToImages, imagesOf, ociClient, resolveImageArtifacts, type RegistryPublication } from './publish-to-registry';
import { finishNotarySignatures, notaryForecastOf, notarySignaturesOf, prepareApprovalNotarySignatures, type NotaryToSign } from './notary-signatures';
import { notaryExpectationOf } from '../../../shared/notary/check';
import { notaryAlgorithmOf } from '../../../shared/notary/signature';
import { earlierSummary, summaryBundle, summaryEnvelopeText, summaryInput, summaryMessage } from './verification-summary';
import { verificationSummaryPayload } from '../../../shared/statement/verification-summary';
import { policyCrlUrls, sharedCrlProvider, type CrlProvider } from '../x509/crl-provider';
import { JudgedCeremonies } from './judged-ceremonies';
import { certificateChecks } from '../../../shared/verify/on-demand';

/**
 * How an RSA key is asked to sign, in the token layer's words (tokens/host/protocol.ts SignatureScheme); asked of RSA
 * keys only, as ECDSA and Ed25519 keys have one scheme each. The policy chooses (`signing.rsa`, issue 14): PKCS#1 v1.5
 * by default, because cosign --key and sigstore-go load an RSA key as PKCS#1 v1.5 (sigstore pkg/signature/verifier.go:
 * 59-64 at bd0ad71) and @sigstore/verify checks with Node's default RSA padding, which is PKCS#1 v1.5; PSS only where
 * the policy asks.
 */
export type RsaSignatureScheme = 'rsa-pkcs1-sha256' | 'rsa-pss-sha256';

/** The scheme a policy asks RSA keys to sign with. */
export function rsaSignatureSchemeOf(policy: Pick<Policy, 'signing'>): RsaSignatureScheme {
  return policy.signing.rsa === 'pss' ? 'rsa-pss-sha256' : 'rsa-pkcs1-sha256';
}

/** Signs with a key on a token; the caller owns the PIN (prompt, pin-source, PIN pad). */
export interface CeremonySigner {
  /** The key's DSSE keyid, read without a PIN. */
  keyId(keyUri: string): Promise<string>;
  /** `rsaScheme`, given for RSA keys only: how the key signs (the policy's choice); a signer that cannot choose signs as its token does. */
  sign(keyUri: string, messages: Uint8Array[], rsaScheme?: RsaSignatureScheme): Promise<Uint8Array[]>;
  /**
   * The certificate stored on the token next to the key (same CKA_ID), as PEM (the
   * leaf first, then any more blocks), read without a PIN; undefined when there is
   * none. Approvers the policy identifies by certificate need it (issue 6).
   */
  certificate?(keyUri: string): Promise<string | undefined>;
  /**
   * The key's attestation (issue 13), read without a PIN: for a YubiKey PIV key, the slot's attestation
   * certificate and the device's attestation certificate from slot f9, both DER; undefined when the token
   * cannot attest the key. Approvers whose policy entry requires an attested key need it (shared/attestation).
   */
  attestation?(keyUri: string): Promise<{ certificate: Uint8Array; intermediate: Uint8Array } | undefined>;
  /**
   * Logs in to the key's token and out again, signing nothing: a wrong PIN is
   * found before long work (hashing gigabytes at open), not after it.
   */
  unlock?(keyUri: string): Promise<void>;
}

/** For work that reads, checks, syncs or carries ceremonies but never signs: asking it to sign is a bug. */
export const readOnlySigner: CeremonySigner = {
  keyId: () => Promise.reject(new ConclaveError('internal', 'This action does not use a key.')),
  sign: () => Promise.reject(new ConclaveError('internal', 'This action does not sign anything.')),
};

export interface OpenInput {
  policyPath: string;
  release: { name: string; version: string; purl?: string };
  artifactPaths: string[];
  /** Container images (issue 6), by tag or digest: each is resolved once, now, and its manifest digest is what is signed. */
  imageReferences?: string[];
  /** How to reach the images' registries (insecure registries, Docker config). */
  registry?: OciOptions;
  provenancePaths: string[];
  sbomPath?: string;
  /** PEM public keys to check provenance signatures with. */
  provenanceKeyPaths?: string[];
  /** The opener's key (an approver or release manager of the policy): it signs the opening, and the automatic freeze with it. */
  openerKeyUri: string;
  /** Name the artifacts by SHA-512 too (it is also added whenever provenance names subjects by SHA-512 alone). */
  sha512?: boolean;
  /** Hashing progress over all artifacts, and a way to stop it. */
  onProgress?: (progress: FilesProgress) => void;
  signal?: AbortSignal;
  /**
   * The artifacts' hashing, already started in a thread of its own (the CLI
   * starts it with the command, issue 11): its outcomes are used when it
   * hashes these files with the algorithms the opening needs; otherwise it is
   * stopped and the files are hashed here. Either way it ends with the opening.
   */
  hashingStarted?: StartedHashing<DigestAlgorithm>;
}

/** A ceremony as the judge decided it (shared/ceremony/judge.ts), with its event files. */
export interface LoadedCeremony extends JudgedCeremony {
  events: readonly StoredEvent[];
  /** The files of its folder that could not be read as events, which the judge was told about. */
  unreadable?: JudgeInput['unreadable'];
}

/** `ceremony publish --dry-run` and the window's publish panel: what each verifier will say (issue 14). */
export interface PublishForecastResult extends PublishForecast {
  ceremonyId: string;
  /** Who would sign the Verification Summary Attestation, when the publishing key was given. */
  publisher?: string;
}

export interface PublishResult {
  directory: string;
  envelopePath: string;
  /** The ceremony's policy, for consumers who have no copy of their own yet (they should keep one they trust). */
  policyPath: string;
  bundlePaths: string[];
  summaryPath: string;
  /** The publisher's Verification Summary Attestation (issue 14): the signed DSSE envelope, and the same as a Sigstore bundle. */
  verificationSummary: { envelopePath: string; bundlePath: string };
  report: VerificationReport;
  /** Where the envelope was attached, one entry per image of the release (none for files only). */
  registry: RegistryPublication[];
  /** The release's artifacts as the opening records them, for the verify command a shell prints. */
  artifacts: OpenedEvent['artifacts'];
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const certificateDependencies = { digester: nodeDigester, algorithmVerifier: nodeAlgorithmSignatureVerifier };

export class CeremonyService {
  constructor(
    readonly store: CeremonyStore,
    private readonly signer: CeremonySigner,
    private readonly now: () => Date = () => new Date(),
    /** How approvals reach the policy's TSA (a timeout, plain http to a test TSA). */
    private readonly timestampOptions: Omit<RequestTimestampOptions, 'trust'> = {},
    /** Where the CRLs of certificate approvers come from: the policy's URLs, fetched and kept for a while. */
    private readonly crlProvider: CrlProvider = sharedCrlProvider,
    /** The policies this machine trusts; without it (tests of the engine alone) trust is not judged. */
    private readonly policyTrust?: PolicyTrust,
    /** Where this machine keeps the paths of the artifacts it opened, for the verify command publishing prints (issue 11). */
    private readonly artifactLocations?: ArtifactLocations,
    engine: EngineOptions = {},
  ) {
    this.judged = new JudgedCeremonies(engine.verdictsKept ?? 256);
    this.judgeDependencies = {
      signatureVerifier: engine.signatureVerifier ?? nodeSignatureVerifier,
      digester: nodeDigester,
      loadPolicy: cachedPolicy,
      trustedTime: nodeTrustedTimeDependencies,
      certificates: certificateDependencies,
      revocation: (policy) => this.crlProvider.crlsFor(policyCrlUrls(policy)),
    };
  }

  // ---- open and freeze ------------------------------------------------------

  async open(input: OpenInput): Promise<LoadedCeremony> {
    if (input.artifactPaths.length === 0 && (input.imageReferences ?? []).length === 0) throw new ConclaveError('invalid-input', 'Add at least one artifact file or image: a ceremony approves something.');
    // The evidence is read and the artifacts hashed while the opener's key is checked and the token unlocked (issue 11):
    // one waits on the disk and this thread, the other on the token's thread and the person at the PIN prompt. A refused
    // opening stops the hashing at once and is what is reported, with no progress shown for it, as when the hashing only
    // began after the check: progress is held back (the latest kept) until the opening goes ahead.
    const stopEvidence = new AbortController();
    let goingAhead = false;
    let heldProgress: FilesProgress | undefined;
    const report = input.onProgress;
    const onProgress =
      report &&
      ((progress: FilesProgress) => {
        if (goingAhead) report(progress);
        else heldProgress = progress;
      });
    const evidence = this.openingEvidence(input, input.signal ? AbortSignal.any([input.signal, stopEvidence.signal]) : stopEvidence.signal, onProgress);
    evidence.catch(() => undefined); // awaited below, or abandoned with the opening
    const opening = (async () => {
      const prepared = await this.prepareOpening(input.policyPath, input.openerKeyUri);
      // Images before the files are needed (a registry answers faster than a large file hashes): each tag is resolved once, here, to the digest that is signed.
      const images = await resolveImageArtifacts(input.imageReferences ?? [], input.registry);
      // The purl is checked before any file is hashed; a pkg:oci purl names one of these images by digest (issue 14).
      return { ...prepared, images, purl: openingPurl(input.release, images.map((image) => image.artifact)) };
    })();
    let prepared: Awaited<typeof opening>;
    try {
      prepared = await opening;
    } catch (error) {
      stopEvidence.abort();
      await evidence.catch(() => undefined); // no read of an artifact outlives the refusal
      throw error;
    }
    const { policy, opener, at, id, images, purl } = prepared;
    goingAhead = true;
    if (heldProgress) report?.(heldProgress);
    const { provenanceFiles, provenance, hashed } = await evidence;
    const { artifacts, sbom, findings } = await this.judgeOpeningEvidence(input, policy, images, purl, { provenance, hashed });

    const opened: OpenedEvent = {
      ceremonyId: id,
      type: 'opened',
      at: at.toISOString(),
      release: { name: input.release.name, version: input.release.version, purl },
      policy: policy.document,
      policyDigest: policy.digest,
      artifacts,
      provenance: provenance.filter((entry) => entry.document.slsa).map((entry) => provenanceSummary(entry.document, entry.fileDigest)),
      ...(sbom ? { sbom: sbomSummary(sbom.summary, sbom.digest) } : {}),
      findings: [...images.map((image) => image.finding), ...findings.map(({ id: findingId, status, message }) => ({ id: findingId, status, message }))],
      expiresAt: new Date(at.getTime() + policy.ceremony.maxOpenHours * 3600_000).toISOString(),
      openedBy: opener.name,
      actorKeyId: opener.keyId,
    };
    // Nothing to decide when every finding passed or only warns: freeze straight away, signed in the same login as the opening.
    const events: CeremonyEvent[] = [opened];
    if (!blocksFreezing(findings)) events.push(this.frozenEvent(opened, policy, [], this.now(), opener.keyId));
    const signed = await this.signEvents(events, input.openerKeyUri, opener);
    // The judge reads the opening as it will read back while it is written (issue 11); its verdict is given only once
    // everything is written.
    const judged = this.judge(id, inStoreOrder(signed.files));
    judged.catch(() => undefined); // awaited below, or abandoned if the writing fails
    // The evidence itself stays with the ceremony, so review and audit see exactly what was checked; written only once
    // the opening is signed as it should be, so a refused opening leaves nothing behind.
    for (const file of provenanceFiles) await this.store.putEvidence(id, file.bytes);
    if (input.sbomPath) await this.store.putEvidence(id, await readFile(input.sbomPath));
    await signed.write();
    // The signed opening names files only; where they are on this machine is kept here, for the verify command (issue 11).
    // Only a convenience: an opening already written does not fail for it, and the command then shows a placeholder.
    const located = input.artifactPaths.map((path, index) => ({ name: artifacts[index]!.name, path, size: artifacts[index]!.size ?? 0, sha256: artifacts[index]!.digest.sha256 }));
    await this.artifactLocations?.record(id, located).catch(() => undefined);
    return judged;
  }

  /**
   * The findings of an opening's evidence, once read and hashed: what `open` signs, and what `previewOpening` shows
   * before anything exists (issue 16). Writes nothing.
   */
  private async judgeOpeningEvidence(
    input: Pick<OpenInput, 'artifactPaths' | 'provenanceKeyPaths' | 'sbomPath' | 'release'>,
    policy: Policy,
    images: readonly { artifact: ArtifactRecord }[],
    purl: string,
    { provenance, hashed }: Pick<Awaited<ReturnType<CeremonyService['openingEvidence']>>, 'provenance' | 'hashed'>,
  ) {
    const artifacts: ArtifactRecord[] = hashed.map((digest, index) => {
      const { sha256: sha256Digest, sha512 } = digest.digests;
      return { name: basename(input.artifactPaths[index]!), size: digest.size, digest: { sha256: sha256Digest!, ...(sha512 ? { sha512 } : {}) } };
    });
    artifacts.push(...images.map((image) => image.artifact));
    if (new Set(artifacts.map((artifact) => artifact.name)).size !== artifacts.length) {
      throw new ConclaveError('invalid-input', 'Two artifacts have the same file name. Give each artifact of a release a distinct name.');
    }

    const signatureChecks = await this.checkProvenanceSignatures(provenance.map((entry) => entry.document), input.provenanceKeyPaths ?? []);

    let sbom: { summary: SbomSummary; digest: string } | undefined;
    if (input.sbomPath) {
      const bytes = await readFile(input.sbomPath);
      sbom = { summary: readSbom(bytes.toString('utf8'), { fileName: basename(input.sbomPath) }), digest: sha256(bytes) };
    }

    const findings = computeFindings({
      artifacts,
      provenance: provenance.map((entry) => entry.document),
      ...(sbom ? { sbom: sbom.summary } : {}),
      rules: { ...(policy.evidence.builders ? { builders: policy.evidence.builders } : {}), ...(policy.evidence.sourceRepositories ? { sourceRepositories: policy.evidence.sourceRepositories } : {}) },
      signatureChecks,
      release: { ...input.release, purl },
    });
    return { artifacts, sbom, findings };
  }

  /**
   * The opening's findings without an opening (issue 16's pre-flight): the policy read and trusted, the images
   * resolved, the evidence read, hashed and judged exactly as `open` does, with no key, nothing signed and nothing
   * written. Whether freezing would be blocked follows from the findings as it does for `freeze`.
   */
  async previewOpening(input: Omit<OpenInput, 'openerKeyUri'>): Promise<{ policy: Policy; artifacts: ArtifactRecord[]; findings: OpenedEvent['findings'] }> {
    if (input.artifactPaths.length === 0 && (input.imageReferences ?? []).length === 0) throw new ConclaveError('invalid-input', 'Add at least one artifact file or image: a ceremony approves something.');
    let policy: Policy, images: Awaited<ReturnType<typeof resolveImageArtifacts>>, purl: string;
    try {
      policy = await readPolicyFile(input.policyPath);
      await this.requireTrusted(policy);
      images = await resolveImageArtifacts(input.imageReferences ?? [], input.registry);
      purl = openingPurl(input.release, images.map((image) => image.artifact));
    } catch (error) {
      await input.hashingStarted?.stop(); // a refusal ends the hashing the CLI started ahead, as an opening's does
      throw error;
    }
    const evidence = await this.openingEvidence(input, input.signal ?? new AbortController().signal, input.onProgress);
    const { artifacts, findings } = await this.judgeOpeningEvidence(input, policy, images, purl, evidence);
    return { policy, artifacts, findings: [...images.map((image) => image.finding), ...findings.map(({ id, status, message }) => ({ id, status, message }))] };
  }

  /** The opening's evidence: the provenance files, read and parsed, and the artifacts hashed (SHA-512 too where the provenance needs it). */
  private async openingEvidence(input: Pick<OpenInput, 'artifactPaths' | 'provenancePaths' | 'sha512' | 'hashingStarted'>, signal: AbortSignal, onProgress: ((progress: FilesProgress) => void) | undefined) {
    const started = input.hashingStarted;
    try {
      const provenanceFiles = await Promise.all(input.provenancePaths.map(async (path) => ({ path, bytes: await readFile(path) })));
      const provenance: { document: ProvenanceDocument; fileDigest: string }[] = [];
      for (const file of provenanceFiles) {
        for (const document of readProvenance(file.bytes.toString('utf8'), { fileName: basename(file.path) })) provenance.push({ document, fileDigest: sha256(file.bytes) });
      }
      // SHA-512 only when some provenance names its subjects by SHA-512 alone (npm does): it doubles the hashing time.
      const wantsSha512 = provenance.some((entry) => entry.document.statement.subject.some((subject) => subject.digest.sha512 !== undefined && subject.digest.sha256 === undefined));
      const algorithms: DigestAlgorithm[] = wantsSha512 || input.sha512 ? ['sha256', 'sha512'] : ['sha256'];
      const progress = onProgress ? { onProgress } : {};
      let outcomes: FileHashOutcome<DigestAlgorithm>[];
      if (started?.hashes(input.artifactPaths, algorithms)) outcomes = await started.follow({ ...progress, signal });
      else {
        await started?.stop();
        outcomes = await hashFiles(input.artifactPaths, { algorithms, ...progress, signal, stopAtFirstFailure: true });
      }
      // A file that could not be hashed, however the hashing ran, is refused below like a thrown HashError.
      const hashed = outcomes.map((outcome) => {
        if (!outcome.ok) throw outcome.error;
        return outcome.digest;
      });
      return { provenanceFiles, provenance, hashed };
    } catch (error) {
      // The first artifact that cannot be hashed ends the opening, in its own words, and stops the others; a cancel stays a cancel.
      if (error instanceof HashError && error.code !== 'cancelled') throw new ConclaveError('invalid-input', error.message);
      throw error;
    } finally {
      // Taken, stopped, or abandoned by a failure above: no hashing outlives the opening's evidence.
      if (started) await started.stop();
    }
  }

  /**
   * What every opening checks before anything is kept or shown: the policy is
   * one this machine trusts, the opener's key belongs to it (so a key outside
   * the policy is refused at once, and stops the hashing that started beside
   * this check), the opener not counting would not make the policy
   * unreachable, and the PIN is right.
   */
  private async prepareOpening(policyPath: string, openerKeyUri: string) {
    const policy = await readPolicyFile(policyPath);
    await this.requireTrusted(policy);
    const opener = await this.identify(policy, openerKeyUri);
    const blocked = openerMakesImpossible(policy, opener.name);
    if (blocked) throw new ConclaveError('forbidden', blocked);
    await this.signer.unlock?.(openerKeyUri);
    const at = this.now();
    return { policy, opener, at, id: newCeremonyId(at) };
  }

  /**
   * Opens a policy ceremony (issue 10): its one subject is the proposed policy
   * document, by digest; it is frozen at once, and counts once the current
   * policy's threshold and the proposed policy's threshold have both
   * approved. Publishing it makes every machine that trusts the current
   * policy trust the proposed one.
   */
  async proposePolicy(input: { policyPath: string; proposedPolicyPath: string; openerKeyUri: string }): Promise<LoadedCeremony> {
    const proposed = await readPolicyFile(input.proposedPolicyPath);
    const { policy, opener, at, id } = await this.prepareOpening(input.policyPath, input.openerKeyUri);
    if (proposed.digest === policy.digest) throw new ConclaveError('invalid-input', 'The proposed policy is the current policy: there is nothing to change.');
    const opened: OpenedEvent = {
      ceremonyId: id,
      type: 'opened',
      at: at.toISOString(),
      release: { name: 'conclave-policy', version: proposed.digest.slice(0, 16), purl: releasePurlOf({ name: 'conclave-policy', version: proposed.digest.slice(0, 16) }) },
      policy: policy.document,
      policyDigest: policy.digest,
      artifacts: [{ name: policyProposalSubjectName, size: canonicalJsonBytes(proposed.document).length, digest: { sha256: proposed.digest } }],
      provenance: [],
      findings: [],
      expiresAt: new Date(at.getTime() + policy.ceremony.maxOpenHours * 3600_000).toISOString(),
      openedBy: opener.name,
      actorKeyId: opener.keyId,
      proposedPolicy: proposed.document,
    };
    return this.judge(id, inStoreOrder(await this.appendSigned([opened, this.frozenEvent(opened, policy, [], this.now(), opener.keyId)], input.openerKeyUri, opener)));
  }

  /** Builds the release statement and fixes its bytes. A failing finding blocks this unless the policy allows an override, which is recorded. */
  async freeze(id: string, options: { keyUri: string; overrideReason?: string }): Promise<LoadedCeremony> {
    const ceremony = await this.load(id);
    const { policy, opened } = ceremony;
    this.requireAction(ceremony, 'freeze');
    const failing = opened.findings.filter((finding) => finding.status === 'fail');
    const actor = await this.identify(policy, options.keyUri);
    let overrides: { findingId: string; by: string; reason: string }[] = [];
    if (failing.length > 0) {
      if (!options.overrideReason) {
        throw new ConclaveError('invalid-input', `Ceremony ${id} cannot be frozen: ${failing.length} finding${failing.length === 1 ? '' : 's'} failed (${failing.map((finding) => finding.message).join(' ')}) Fix the evidence and open a new ceremony${policy.evidence.allowOverride ? ', or override with --override-reason and your --key' : ''}.`);
      }
      if (!policy.evidence.allowOverride) throw new ConclaveError('forbidden', 'This policy does not allow overriding failed findings. Fix the evidence and open a new ceremony.');
      overrides = failing.map((finding) => ({ findingId: finding.id, by: actor.name, reason: options.overrideReason! }));
    }
    return this.appendSignedJudged(ceremony, [this.frozenEvent(opened, policy, overrides, this.now(), actor.keyId)], options.keyUri, actor);
  }

  /** The frozen event: the release statement the opening determines, as the exact bytes everyone will sign. */
  private frozenEvent(opened: OpenedEvent, policy: Policy, overrides: FrozenEvent['overrides'], frozenAt: Date, actorKeyId: string): FrozenEvent {
    const statement = statementFromOpening(opened, policy, overrides, frozenAt);
    return {
      ceremonyId: opened.ceremonyId,
      type: 'frozen',
      at: frozenAt.toISOString(),
      payloadType: inTotoPayloadType,
      statement: toBase64(statement),
      statementDigest: sha256(statement),
      overrides,
      actorKeyId,
    };
  }

  // ---- approve, reject, cancel ----------------------------------------------

  /**
   * Signs the frozen statement. `statementDigest` is the digest of the
   * statement the approver was shown (the window and the CLI show it from the
   * statement's own bytes): when the ceremony's statement is another, nothing
   * is signed. `loaded`: the ceremony as this service just loaded it to show
   * it (the CLI), decided on as shown instead of read and judged again.
   */
  async approve(id: string, keyUri: string, options: DecisionOptions = {}): Promise<LoadedCeremony> {
    const ceremony = await this.decidable(id, 'approve', options);
    const { view, policy, statement } = ceremony;
    const approver = await this.identify(ceremony.signers, keyUri, { mustBeApprover: true });
    if (view.openedBy === approver.name && !policy.separationOfDuties.openerMayApprove) {
      throw new ConclaveError('forbidden', `${approver.name} opened this ceremony, and the policy does not let the opener approve it. Another approver must sign.`);
    }
    // Issue 13: an approval that needs an attested key and has none would not count; nothing is signed then.
    const attestation = await this.signer.attestation?.(keyUri);
    const requirement = attestationRequirementsOf([policy, ...(ceremony.proposedPolicy ? [ceremony.proposedPolicy] : [])], {
      keyId: approver.keyId,
      ...(approver.certificates ? { certificateApprover: approver.name } : {}),
    }).find((entry) => entry.required);
    if (requirement && !attestation) {
      throw new ConclaveError('forbidden', `Nothing was signed: this policy counts ${approver.name}'s approval only with a ${describeRequirement(requirement)}, and the token cannot show an attestation of this key. Use a key made on a YubiKey and listed in the policy.`);
    }
    const signed = pae(inTotoPayloadType, statement);
    // Issue 14: a certificate approver signs the images' Notary Project signatures too, in the same token session (notary-signatures.ts).
    const notary = await this.notaryToSign(ceremony, approver, options);
    // RSA Notary signatures are PSS (the specification's only RSA scheme): a second request when the policy signs PKCS#1 v1.5.
    const together = approver.rsaScheme === undefined || approver.rsaScheme === 'rsa-pss-sha256';
    const notaryInputs = notary.map((entry) => entry.prepared.signingInput);
    const signatures = await this.signer.sign(keyUri, [signed, ...(together ? notaryInputs : [])], approver.rsaScheme);
    const notaryTokenSignatures = together ? signatures.slice(1) : notaryInputs.length > 0 ? await this.signer.sign(keyUri, notaryInputs, 'rsa-pss-sha256') : [];
    await this.requireSignedBy(approver, signed, signatures[0]!, keyUri);
    const time = await this.trustedTimeFor(policy, signatures[0]!);
    const notarySignatures =
      notary.length === 0
        ? []
        : await finishNotarySignatures({
            toSign: notary,
            tokenSignatures: notaryTokenSignatures,
            chain: approver.chain ?? [],
            timestamp: (signature) => this.notaryTimestamp(policy, signature),
            expected: notaryExpectationOf(ceremony.opened, { statementDigest: view.frozen!.statementDigest, certificates: (approver.certificates ?? []).map(toBase64) }, approver.spki),
          });
    // Cancelled before anything is written (while the token signed, say: the window's Cancel, a command's deadline): nothing is recorded.
    if (this.timestampOptions.signal?.aborted) throw approvalCancelled();
    return this.appendSignedJudged(
      ceremony,
      [
        {
          ceremonyId: id,
          type: 'approved',
          at: this.now().toISOString(),
          statementDigest: view.frozen!.statementDigest,
          keyId: approver.keyId,
          signature: toBase64(signatures[0]!),
          ...time,
          ...(approver.certificates ? { certificates: approver.certificates.map(toBase64) } : {}),
          ...(attestation ? { attestation: { certificate: toBase64(attestation.certificate), intermediate: toBase64(attestation.intermediate) } } : {}),
          ...(notarySignatures.length > 0 ? { notarySignatures } : {}),
          actorKeyId: approver.keyId,
        },
      ],
      keyUri,
      approver,
    );
  }

  /**
   * The Notary signatures a certificate approver makes with their approval (issue 14): one per image, when the
   * ceremony has images and the key has a Notary algorithm. Read from the registry before the token is asked for
   * anything; none when it cannot be reached (the forecast says so).
   */
  private async notaryToSign(ceremony: LoadedCeremony, approver: EventAuthor, options: DecisionOptions): Promise<NotaryToSign[]> {
    const images = imagesOf(ceremony.opened.artifacts);
    if (approver.chain === undefined || images.length === 0) return [];
    const algorithm = notaryAlgorithmOf(keyTypeOfPublicKeyInfo(approver.spki));
    if (!algorithm.ok) return [];
    const prepared = await prepareApprovalNotarySignatures(
      {
        ceremonyId: ceremony.view.id,
        images,
        statementDigest: ceremony.view.frozen!.statementDigest,
        policyDigest: ceremony.policy.digest,
        alg: algorithm.alg,
        signingTime: this.now(),
      },
      await ociClient({ ...options.registry, ...(this.timestampOptions.signal ? { signal: this.timestampOptions.signal } : {}) }),
    );
    return prepared.toSign;
  }

  /** The policy's TSA over a Notary signature value (notation's io.cncf.notary.timestampSignature); none when it has no TSA or fails. */
  private async notaryTimestamp(policy: Policy, signature: Uint8Array): Promise<Uint8Array | undefined> {
    const url = policy.timestamping?.url;
    if (!url) return undefined;
    try {
      const { trustedTimestampAuthorities } = await certificateChecks();
      return (await requestTimestamp(url, signature, { trust: trustedTimestampAuthorities(policy.timestamping!.roots, nodeAlgorithmSignatureVerifier), ...this.timestampOptions })).token;
    } catch {
      if (this.timestampOptions.signal?.aborted) throw approvalCancelled(`the time-stamping authority at ${url}`);
      // The approval's own time stamp is what the policy requires; notation checks a Notary signature without one against the current time.
      return undefined;
    }
  }

  /**
   * An RFC 3161 time stamp over the approval signature from the policy's TSA,
   * checked at once. Without one (no TSA in the policy, or an air-gapped
   * machine) the approval says why it has no trusted time; a policy that
   * requires trusted time refuses to record it, so nothing that cannot count
   * is written.
   */
  private async trustedTimeFor(policy: Policy, signature: Uint8Array): Promise<{ timestamp: string } | { noTrustedTime: string }> {
    const config = policy.timestamping;
    if (!config?.url) {
      if (config?.required) throw new ConclaveError('forbidden', 'This policy counts only approvals with a trusted time but names no time-stamping authority (timestamping.url). Fix the policy and open a new ceremony.');
      return { noTrustedTime: 'the policy names no time-stamping authority' };
    }
    try {
      const { trustedTimestampAuthorities, sigstoreSignedTimestamp } = await certificateChecks();
      const stamped = await requestTimestamp(config.url, signature, { trust: trustedTimestampAuthorities(config.roots, nodeAlgorithmSignatureVerifier), ...this.timestampOptions });
      return { timestamp: sigstoreSignedTimestamp(stamped.token) };
    } catch (error) {
      // Cancelled while the TSA was asked (the window's Cancel, a command's deadline): nothing is recorded, with or without a time.
      if (this.timestampOptions.signal?.aborted) throw approvalCancelled(`the time-stamping authority at ${config.url}`);
      const reason = error instanceof Error ? error.message : String(error);
      if (config.required) {
        throw new ConclaveError('unavailable', `Your approval was not recorded: this policy counts only approvals with a trusted time, and ${reason.charAt(0).toLowerCase()}${reason.slice(1)} Connect to the network the time-stamping authority is on, then approve again.`);
      }
      // The reason is the TSA's words, of any length: keep what fits the event's schema, so the approval always loads.
      return { noTrustedTime: fitText(reason, noTrustedTimeMaxLength) };
    }
  }

  async reject(id: string, keyUri: string, reason: string, options: DecisionOptions = {}): Promise<LoadedCeremony> {
    return this.decide(id, keyUri, 'rejected', reason, options);
  }

  /** Takes back the approver's own approval (issue 10): signed, with a reason; refused once the ceremony is published. */
  async withdraw(id: string, keyUri: string, reason: string, options: DecisionOptions = {}): Promise<LoadedCeremony> {
    return this.decide(id, keyUri, 'withdrawn', reason, options);
  }

  /** A rejection or a withdrawal: a signed document naming the ceremony, the statement and the reason, then its event. */
  private async decide(id: string, keyUri: string, type: 'rejected' | 'withdrawn', reason: string, options: DecisionOptions): Promise<LoadedCeremony> {
    const ceremony = await this.decidable(id, type === 'rejected' ? 'reject' : 'withdraw', options);
    const { view } = ceremony;
    const approver = await this.identify(ceremony.signers, keyUri, { mustBeApprover: true });
    if (type === 'withdrawn' && !view.approvals.some((approval) => approval.keyId === approver.keyId)) {
      throw new ConclaveError('invalid-input', `${approver.name} has no approval in ceremony ${id} to withdraw${view.rejections.some((rejection) => rejection.keyId === approver.keyId) ? ': they rejected it' : ''}.`);
    }
    const document = rejectionDocument({ ceremonyId: id, statementDigest: view.frozen!.statementDigest, reason });
    const signed = pae(decisionPayloadTypeOf(type, view.frozen!.payloadType), canonicalJsonBytes(document));
    const signatures = await this.signer.sign(keyUri, [signed], approver.rsaScheme);
    await this.requireSignedBy(approver, signed, signatures[0]!, keyUri);
    return this.appendSignedJudged(
      ceremony,
      [
        {
          ceremonyId: id,
          type,
          at: this.now().toISOString(),
          statementDigest: view.frozen!.statementDigest,
          keyId: approver.keyId,
          reason,
          signature: toBase64(signatures[0]!),
          ...(approver.certificates ? { certificates: approver.certificates.map(toBase64) } : {}),
          actorKeyId: approver.keyId,
        },
      ],
      keyUri,
      approver,
    );
  }

  async cancel(id: string, options: { reason?: string; keyUri: string }): Promise<LoadedCeremony> {
    const ceremony = await this.load(id);
    this.requireAction(ceremony, 'cancel');
    const actor = await this.identify(ceremony.policy, options.keyUri);
    return this.appendSignedJudged(ceremony, [{ ceremonyId: id, type: 'cancelled', at: this.now().toISOString(), ...(options.reason ? { reason: options.reason } : {}), actorKeyId: actor.keyId }], options.keyUri, actor);
  }

  /** The ceremony, when its state allows this decision and its statement is the one the approver was shown. */
  private async decidable(id: string, action: 'approve' | 'reject' | 'withdraw', options: DecisionOptions): Promise<LoadedCeremony & { statement: Uint8Array }> {
    const shownDigest = options.statementDigest;
    const ceremony = options.loaded?.view.id === id ? options.loaded : await this.load(id);
    this.requireAction(ceremony, action);
    const frozen = ceremony.view.frozen!;
    if (shownDigest !== undefined && shownDigest !== frozen.statementDigest) {
      throw new ConclaveError(
        'conflict',
        `Nothing was signed: the statement of ceremony ${id} is sha256:${frozen.statementDigest.slice(0, 16)}…, not the one you reviewed (sha256:${shownDigest.slice(0, 16)}…). Review it again before you decide.`,
      );
    }
    return ceremony as LoadedCeremony & { statement: Uint8Array };
  }

  /** Refuses what the judged state does not allow, in words that say why and what can be done. */
  private requireAction(ceremony: LoadedCeremony, action: CeremonyAction): void {
    const { view } = ceremony;
    if (view.actions.includes(action)) return;
    const id = view.id;
    if (view.policyTrusted === false) {
      throw new ConclaveError('forbidden', `Ceremony ${id} is under a policy this machine does not trust (sha256:${view.policyDigest.slice(0, 16)}…), so it takes no decisions here. If it is your team's policy, check its digest and trust it: "conclave policy trust FILE".`);
    }
    if (view.state === 'open' && (action === 'approve' || action === 'reject' || action === 'withdraw')) {
      throw new ConclaveError('invalid-input', `Ceremony ${id} is not frozen yet, so there is nothing to sign. Freeze it first ("conclave ceremony freeze ${id}").`);
    }
    if (action === 'withdraw' && view.state === 'published') throw new ConclaveError('invalid-input', `Ceremony ${id} is published: an approval cannot be withdrawn from a published release. Open a new ceremony if the release must be replaced.`);
    if (action === 'publish') throw new ConclaveError('invalid-input', `Ceremony ${id} is ${view.state}, not approved${view.tally ? ` (${view.tally})` : ''}; it can be published once the policy is satisfied.`);
    if (action === 'freeze') throw new ConclaveError('invalid-input', `Ceremony ${id} is ${view.state}; only an open ceremony can be frozen.`);
    if (action === 'cancel') throw new ConclaveError('invalid-input', `Ceremony ${id} is already ${view.state}.`);
    throw new ConclaveError('invalid-input', `Ceremony ${id} is ${view.state}; it takes no more decisions.`);
  }

  /** Opening under a policy this machine does not trust is refused before anything is hashed or signed. */
  private async requireTrusted(policy: Policy): Promise<void> {
    if (!this.policyTrust) return;
    if ((await this.policyTrust.trustedDigests()).has(policy.digest)) return;
    throw new ConclaveError(
      'forbidden',
      `This machine does not trust the policy ${policy.name ? `"${policy.name}" ` : ''}(sha256:${policy.digest}; ${describePolicy(policy)}). Check with your team that this is its digest, then trust it: "conclave policy trust FILE" or Settings → Policies.`,
    );
  }

  /**
   * Every signature is checked before it is written (issue 10): a token that
   * signed with another key than the one the policy names for this person (a
   * token swapped at the PIN prompt, a module that hashed with the wrong
   * algorithm) would record an approval that never counts.
   */
  private async requireSignedBy(signer: { name: string; spki: Uint8Array }, message: Uint8Array, signature: Uint8Array, keyUri: string): Promise<void> {
    if (await nodeSignatureVerifier.verify(signer.spki, message, signature)) return;
    throw new ConclaveError(
      'signature-mismatch',
      `Nothing was recorded: the signature the token returned for ${keyUri} does not verify with ${signer.name}'s key in the policy. The token signed with another key than ${signer.name}'s (was the token swapped?) or in a way Conclave cannot check. Plug in ${signer.name}'s token and try again.`,
    );
  }

  // ---- load -------------------------------------------------------------------

  /** The policy digests this machine trusts; undefined where trust is not judged. */
  async trustedPolicies(): Promise<ReadonlySet<string> | undefined> {
    return this.policyTrust?.trustedDigests();
  }

  /** Reads every event file and asks the judge what the ceremony is and what counts. */
  async load(id: string): Promise<LoadedCeremony> {
    const { files, unreadable } = await this.store.readFiles(id);
    return this.judge(id, files, unreadable);
  }

  /**
   * The ceremony after this service wrote `written` to it: the judge over the
   * files it was loaded from and the new ones, as they read back, instead of
   * reading every file again (issue 11). A file another machine adds
   * meanwhile is seen by the next load, as it would be a moment later.
   */
  private judgeWith(ceremony: LoadedCeremony, written: readonly StoredEvent[]): Promise<LoadedCeremony> {
    return this.judge(ceremony.view.id, inStoreOrder([...ceremony.events, ...written]), ceremony.unreadable);
  }

  /**
   * The judge over any set of event files of one ceremony: the store's, or the
   * store's with a bundle's or a push's added, so import and sync reach the
   * verdict loading would.
   */
  async judge(id: string, files: readonly StoredEvent[], unreadable: JudgeInput['unreadable'] = []): Promise<LoadedCeremony> {
    const trustedPolicies = await this.trustedPolicies();
    const supersededPolicies = await this.policyTrust?.supersededPolicies();
    const now = this.now();
    const input = { id, files, unreadable, trustedPolicies, supersededPolicies };
    let judged = this.judged.get(input, now);
    if (!judged) {
      try {
        judged = await judgeCeremony(
          { ceremonyId: id, files, unreadable, now, ...(trustedPolicies ? { trustedPolicies } : {}), ...(supersededPolicies ? { supersededPolicies } : {}) },
          this.judgeDependencies,
        );
      } catch (error) {
        if (error instanceof JudgeError) throw new UnbelievableCeremonyError(error.message, error.problems);
        throw error;
      }
      this.judged.set(input, judged, now);
    }
    // A policy ceremony that counts as published here changes what this machine trusts (issue 10).
    const { view, proposedPolicy } = judged;
    const adopted = proposedPolicy !== undefined && trustedPolicies?.has(proposedPolicy.digest) === true && supersededPolicies?.has(judged.policy.digest) === true;
    if (proposedPolicy && view.published && view.policyTrusted === true && !adopted) {
      await this.policyTrust?.adopt(`${JSON.stringify(proposedPolicy.document, null, 2)}\n`, judged.policy.digest, view.published.at, id);
    }
    return { ...judged, events: files, unreadable };
  }

  /** Verdicts already reached, reused for the same files, policies and (until expiry) time (judged-ceremonies.ts). */
  private readonly judged: JudgedCeremonies;

  private readonly judgeDependencies: JudgeDependencies;

  async list(): Promise<CeremonyView[]> {
    const views: CeremonyView[] = [];
    for (const id of await this.store.listCeremonies()) {
      try {
        views.push((await this.load(id)).view);
      } catch {
        // A ceremony whose opening has not arrived yet (mid-sync) is listed once it has.
      }
    }
    return views;
  }

  // ---- publish ----------------------------------------------------------------

  /**
   * Combines every approval into one DSSE envelope, writes it with one Sigstore
   * bundle per approver and a summary, and verifies the result with the same
   * verifier as `conclave verify` before calling the ceremony published.
   */
  async publish(id: string, outDir: string, keyUri: string, options: { registry?: OciOptions } = {}): Promise<PublishResult> {
    const loaded = await this.load(id);
    const { view, policy, opened } = loaded;
    this.requireAction(loaded, 'publish');
    const publisher = await this.identify(policy, keyUri);
    const images = imagesOf(opened.artifacts);
    // The same rebuild and check as "Verify again" and the audit, time stamps included.
    const { envelope, report } = (await checkPublishedEnvelope(loaded, this.now()))!;
    if (!report.ok) throw new ConclaveError('internal', `The combined envelope does not verify, so nothing was published:\n${formatReport(report)}`);

    const base = fileSafe(`${opened.release.name}-${opened.release.version}`);
    const text = envelopeText(envelope);
    const envelopePath = join(outDir, `${base}.intoto.dsse.json`);
    const bundles = envelope.signatures.map((signature) => {
      const approverId = policy.keys.find((key) => key.keyId === signature.keyid)?.approverId ?? loaded.certificateSigners.get(signature.keyid) ?? signature.keyid.slice(0, 12);
      const approval = view.approvals.find((candidate) => candidate.keyId === signature.keyid);
      // A certificate approver's bundle carries the certificate instead of a key hint (issue 6).
      const certificate = loaded.certificateSigners.has(signature.keyid) && approval?.certificates?.[0] !== undefined ? fromBase64(approval.certificates[0]) : undefined;
      return { path: join(outDir, `${base}.${fileSafe(approverId)}.sigstore.json`), text: `${JSON.stringify(approvalBundle(envelope, signature, approval?.timestamp ? [approval.timestamp] : [], certificate), null, 2)}\n` };
    });
    const policyPath = join(outDir, `${base}.policy.json`);
    // The publisher's Verification Summary (issue 14): only here, once the envelope verified under the policy, and
    // signed with the published event in one token session. An earlier attempt's VSA over the same summary is kept.
    const summaryPath = join(outDir, `${base}.vsa.intoto.dsse.json`);
    const summaryFiles = { envelope: { uri: basename(envelopePath), text }, bundles: bundles.map((bundle) => ({ uri: basename(bundle.path), text: bundle.text })), policy: { uri: basename(policyPath), sha256: policy.digest } };
    const summary = summaryInput((report.statement?.subject ?? []).map((subject) => ({ name: subject.name ?? '', digest: subject.digest })), opened.release.purl, summaryFiles, this.now());
    const earlier = await earlierSummary(summaryPath, summary, publisher.spki);
    const summaryPayload = verificationSummaryPayload(summary);
    // Signed and checked first: a token that signs with another key leaves no published files behind.
    const publication = await this.signEvents(
      [{ ceremonyId: id, type: 'published', at: this.now().toISOString(), envelopeDigest: sha256(new TextEncoder().encode(text)), approvers: report.approvedBy.map((approver) => approver.id), signedBy: envelope.signatures.map((signature) => signature.keyid), actorKeyId: publisher.keyId }],
      keyUri,
      publisher,
      earlier ? [] : [summaryMessage(summaryPayload)],
    );
    const summaryText = earlier?.text ?? summaryEnvelopeText(summaryPayload, publisher.keyId, publication.alsoSigned[0]!);
    const summaryEnvelope = earlier?.envelope ?? parseEnvelope(JSON.parse(summaryText));
    await mkdir(outDir, { recursive: true });
    await writeFileAtomically(envelopePath, text, 0o644);
    const bundlePaths: string[] = [];
    for (const bundle of bundles) {
      await writeFileAtomically(bundle.path, bundle.text, 0o644);
      bundlePaths.push(bundle.path);
    }
    await writeFileAtomically(summaryPath, summaryText, 0o644);
    const summaryBundlePath = join(outDir, `${base}.vsa.sigstore.json`);
    const summaryBundleText = `${JSON.stringify(summaryBundle(summaryEnvelope), null, 2)}\n`;
    await writeFileAtomically(summaryBundlePath, summaryBundleText, 0o644);
    await writeFileAtomically(policyPath, `${JSON.stringify(policy.document, null, 2)}\n`, 0o644);
    const summaryTextPath = join(outDir, `${base}.summary.txt`);
    // Names in it come from the opening and its evidence: shown, never applied by the terminal that prints the file (issue 12).
    await writeFileAtomically(summaryTextPath, escapeControlCharacters(publishSummary(opened, policy, report, envelopePath, bundlePaths)), 0o644);
    // Images (issue 6): the same envelope bytes go next to each image, after the check and before the ceremony is called published.
    // A registry that fails leaves it approved; attaching is idempotent, so publishing again completes it.
    const registry =
      images.length === 0
        ? []
        : await attachToImages({
            ceremonyId: id,
            images,
            envelope: new TextEncoder().encode(text),
            created: new Date(view.frozen!.at),
            annotations: { 'org.opencontainers.image.title': basename(envelopePath), 'dev.conclave.ceremony.id': id },
            bundlePaths,
            summary: { envelope: new TextEncoder().encode(summaryText), bundle: new TextEncoder().encode(summaryBundleText), title: basename(summaryPath), bundleTitle: basename(summaryBundlePath) },
            // Issue 14: the Notary signatures of the approvals the envelope carries, and of no other.
            notarySignatures: envelope.signatures.flatMap((signature) => notarySignaturesOf(view.approvals.find((approval) => approval.keyId === signature.keyid)?.notarySignatures ?? [], images)),
            outDir,
            ...(options.registry ? { options: options.registry } : {}),
          });
    await publication.write();
    return { directory: outDir, envelopePath, policyPath, bundlePaths, summaryPath: summaryTextPath, verificationSummary: { envelopePath: summaryPath, bundlePath: summaryBundlePath }, report, registry, artifacts: opened.artifacts };
  }

  /**
   * What each verifier a consumer runs will say once this ceremony is published (issue 14): the
   * envelope that publishing would write, checked by Conclave's own verifier as publish does, and the
   * other verifiers' rules applied to its signers (shared/verify/forecast.ts). Signs, writes and pushes
   * nothing; with a key it names the publisher (no PIN: only its public key is read).
   */
  async forecastPublish(id: string, keyUri?: string): Promise<PublishForecastResult> {
    const loaded = await this.load(id);
    const { view, policy, opened } = loaded;
    this.requireAction(loaded, 'publish');
    const { envelope, report } = (await checkPublishedEnvelope(loaded, this.now()))!;
    const message = pae(envelope.payloadType, fromBase64(envelope.payload));
    const checks = await certificateChecks();
    const { parseCertificate } = checks;
    const signers: ForecastSigner[] = envelope.signatures.map((signature, index) => {
      const policyKey = policy.keys.find((key) => key.keyId === signature.keyid);
      const approval = view.approvals.find((candidate) => candidate.keyId === signature.keyid);
      const certificate = policyKey === undefined && approval?.certificates?.[0] !== undefined ? parseCertificate(fromBase64(approval.certificates[0])) : undefined;
      const spki = policyKey?.spki ?? certificate?.spki;
      const checked = report.signatures.find((entry) => entry.index === index);
      const approverId = policyKey?.approverId ?? loaded.certificateSigners.get(signature.keyid) ?? checked?.approverId ?? signature.keyid.slice(0, 12);
      const keyType = spki ? keyTypeOfPublicKeyInfo(spki) : undefined;
      return {
        approverId,
        keyId: signature.keyid,
        keyType: keyType ?? { kind: 'ecdsa', curve: 'P-256', bits: 256 },
        ...(keyType?.kind === 'rsa' && spki ? { rsaScheme: rsaSchemeOfSignature(spki, message, fromBase64(signature.sig)) } : {}),
        byCertificate: policyKey === undefined,
        valid: keyType !== undefined && checked?.status === 'valid',
        ...(policyKey === undefined && keyType ? { notary: notaryForecastOf(approval?.notarySignatures, keyType, checks) } : {}),
      };
    });
    const publisherOf = (name: string, spki: Uint8Array): ForecastPublisher => {
      const keyType = keyTypeOfPublicKeyInfo(spki);
      return { id: name, keyType, ...(keyType.kind === 'rsa' ? { rsaScheme: policy.signing.rsa === 'pss' ? 'pss' : 'pkcs1-v1_5' } : {}) };
    };
    const publisher = keyUri === undefined ? undefined : await this.identify(policy, keyUri);
    const publishers = publisher ? [publisherOf(publisher.name, publisher.spki)] : [...policy.releaseManagerKeys, ...policy.keys].map((key) => publisherOf(key.approverId, key.spki));
    const forecast = forecastVerifiers({
      conclave: { ok: report.ok, approvedBy: report.approvedBy.map((approver) => approver.id), threshold: policy.threshold, failures: report.failures.map((failure) => failure.message) },
      signers,
      publishers,
      publisherKnown: publisher !== undefined,
      threshold: policy.threshold,
      images: imagesOf(opened.artifacts).length,
    });
    return { ceremonyId: id, ...(publisher ? { publisher: publisher.name } : {}), ...forecast };
  }

  // ---- helpers ----------------------------------------------------------------

  private async checkProvenanceSignatures(documents: ProvenanceDocument[], keyPaths: string[]): Promise<ProvenanceSignatureCheck[]> {
    if (keyPaths.length === 0) return [];
    const keys = await Promise.all(keyPaths.map(async (path) => ({ path, spki: publicKeyOfFile(path, await readFile(path, 'utf8')) })));
    const checks: ProvenanceSignatureCheck[] = [];
    for (const [documentIndex, document] of documents.entries()) {
      let best: ProvenanceSignatureCheck | undefined;
      for (const key of keys) {
        const outcome = await verifyProvenanceSignature(document, key.spki, nodeSignatureVerifier);
        if (!best || outcome.outcome === 'verified') best = { documentIndex, outcome, keyLabel: basename(key.path) };
        if (outcome.outcome === 'verified') break;
      }
      if (best) checks.push(best);
    }
    return checks;
  }

  /**
   * Who holds this key, by the policy. Every event is signed by its author, so
   * a key the policy does not know is refused before anything is written:
   * approvals need an approver's key, other events an approver's or a release
   * manager's.
   */
  private async identify(policy: Policy, keyUri: string, options: { mustBeApprover?: boolean } = {}): Promise<EventAuthor> {
    const keyId = await this.keyIdOf(keyUri);
    const signer = eventSignerOf(policy, keyId);
    if (signer?.as === 'approver' || (signer && !options.mustBeApprover)) return { name: signer.id, keyId, spki: signer.spki, ...rsaSchemeFor(policy, signer.spki) };
    if (signer) {
      throw new ConclaveError('forbidden', `${signer.id} is a release manager in this ceremony's policy, not an approver, so their signature would not count. An approver must sign.`);
    }
    const byCertificate = policy.certificateApprovers.length > 0 ? await this.certificateApproverOf(policy, keyUri, keyId) : undefined;
    if (byCertificate && !options.mustBeApprover) {
      throw new ConclaveError(
        'forbidden',
        `${byCertificate.name} is an approver by certificate: certificate approvers sign approvals and rejections. Opening, freezing, cancelling and publishing are signed with a key the policy lists: an approver's publicKey, or a releaseManagers entry.`,
      );
    }
    if (byCertificate) return byCertificate;
    const certificateHint =
      policy.certificateApprovers.length > 0
        ? ` The policy identifies ${[...new Set(policy.certificateApprovers.map((approver) => approver.approverId))].join(', ')} by certificate, and the token holds no certificate next to this key: store yours on the token with the key's CKA_ID (pkcs11-tool --write-object cert.der --type cert --id ID).`
        : '';
    throw new ConclaveError(
      'forbidden',
      options.mustBeApprover
        ? `The key ${keyUri} (keyid ${keyId.slice(0, 16)}…) is not one of this ceremony's policy (${describePolicy(policy)}), so its signature would not count. Use your key that the policy lists.${certificateHint}`
        : `The key ${keyUri} (keyid ${keyId.slice(0, 16)}…) belongs to nobody in this ceremony's policy (${describePolicy(policy)}). Every event is signed by its author: use a key of an approver, or add yours to the policy's releaseManagers.`,
    );
  }

  /**
   * A key the policy does not list, with a certificate on the token next to it:
   * checked now, before anything is signed, with the policy's CRLs, so a
   * revoked, expired or foreign certificate is refused at the approver's
   * screen with why. Undefined when the token holds no certificate.
   */
  private async certificateApproverOf(policy: Policy, keyUri: string, keyId: string): Promise<EventAuthor | undefined> {
    const pem = await this.signer.certificate?.(keyUri);
    if (pem === undefined) return undefined;
    const { certificatesFromPem, resolveCertificateSigner } = await certificateChecks();
    let certificates: Uint8Array[];
    try {
      certificates = certificatesFromPem(pem).map((certificate) => certificate.der);
    } catch (error) {
      throw new ConclaveError('forbidden', `The certificate on the token next to ${keyUri} cannot be read: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (certificates.length === 0) return undefined;
    const now = this.now();
    const crlUrls = policyCrlUrls(policy);
    const signal = this.timestampOptions.signal;
    const revocation = await this.crlProvider.crlsFor(crlUrls, signal).catch((error: unknown) => {
      // Cancelled while the CRLs were fetched (the window's Cancel, a command's deadline): nothing was signed (issue 12).
      if (signal?.aborted) throw cancelledWhileFetchingCrls(crlUrls);
      throw error;
    });
    const resolved = await resolveCertificateSigner(
      policy,
      { keyId, certificates, at: now, atSource: 'signing-now', now, crls: revocation.crls, crlProblems: revocation.problems },
      certificateDependencies,
    );
    if (!resolved.ok) {
      throw new ConclaveError('forbidden', `Nothing was signed: the certificate next to ${keyUri} does not make this key ${resolved.approverId ? `${resolved.approverId}'s` : "an approver's"} in this ceremony's policy. ${resolved.reason}`);
    }
    return { name: resolved.approverId, keyId, spki: resolved.spki, certificates, chain: resolved.chain.map((certificate) => certificate.der), ...rsaSchemeFor(policy, resolved.spki) };
  }

  private keyIdCache = new Map<string, string>();

  private async keyIdOf(keyUri: string): Promise<string> {
    const cached = this.keyIdCache.get(keyUri);
    if (cached) return cached;
    const keyId = await this.signer.keyId(keyUri);
    this.keyIdCache.set(keyUri, keyId);
    return keyId;
  }

  /**
   * Writes events signed by their author's key, all in one signing session
   * (an opening and its automatic freeze ask for the PIN once). Each event is
   * checked against its schema and each signature against the author's key
   * before anything is written, so nothing written can fail to load or count.
   */
  private async appendSigned(events: CeremonyEvent[], keyUri: string, author: EventAuthor): Promise<StoredEvent[]> {
    const signed = await this.signEvents(events, keyUri, author);
    await signed.write();
    return signed.files;
  }

  /**
   * appendSigned, then the ceremony as the judge sees it with the new events
   * (judgeWith), judged while they are written (issue 11): its verdict is
   * given only once they are written.
   */
  private async appendSignedJudged(ceremony: LoadedCeremony, events: CeremonyEvent[], keyUri: string, author: EventAuthor): Promise<LoadedCeremony> {
    const signed = await this.signEvents(events, keyUri, author);
    const judged = this.judgeWith(ceremony, signed.files);
    judged.catch(() => undefined); // awaited below, or abandoned if the writing fails
    await signed.write();
    return judged;
  }

  /**
   * Signs events and checks every signature, writing nothing: the caller
   * writes what goes with them (evidence, published files) only once the
   * token has signed as it should, then calls write(). `files`: the events'
   * files as they will read back once written.
   */
  private async signEvents(events: CeremonyEvent[], keyUri: string, author: EventAuthor, alsoSign: Uint8Array[] = []): Promise<{ files: StoredEvent[]; write(): Promise<void>; alsoSigned: Uint8Array[] }> {
    const keyid = await this.keyIdOf(keyUri);
    const payloads = events.map((event) => new TextEncoder().encode(JSON.stringify(requireWritableEvent(event))));
    const messages = [...payloads.map((payload) => pae(eventPayloadType, payload)), ...alsoSign];
    const signatures = await this.signer.sign(keyUri, messages, author.rsaScheme);
    for (const [index, message] of messages.entries()) await this.requireSignedBy(author, message, signatures[index]!, keyUri);
    const prepared = this.store.prepareEvents(events.map((event, index) => ({ envelope: makeEnvelope(eventPayloadType, payloads[index]!, [{ keyid, signature: signatures[index]! }]), event })));
    // `alsoSign`: other messages of the same author in the same token session (the publisher's VSA, issue 14).
    return { files: prepared.files, write: prepared.write, alsoSigned: signatures.slice(payloads.length) };
  }
}

/** A ceremony with no opening that counts: nothing in it can be believed. `problems` says what was wrong with each file, by code. */
export class UnbelievableCeremonyError extends ConclaveError {
  constructor(
    message: string,
    readonly problems: readonly CeremonyProblem[],
  ) {
    super('invalid-input', message);
  }
}

/** How a decision is made: over the statement the approver was shown, and on the ceremony as loaded to show it. */
export interface DecisionOptions {
  statementDigest?: string;
  loaded?: LoadedCeremony;
  /** How to reach the images' registries, for the descriptors a certificate approver's Notary signatures name (issue 14). */
  registry?: OciOptions;
}

/** Who signs an event: their id in the policy, their key, and for a certificate approver the certificate chain. */
interface EventAuthor {
  name: string;
  keyId: string;
  spki: Uint8Array;
  certificates?: Uint8Array[];
  /** For a certificate approver: the chain from their certificate to the root it was validated to (a Notary signature's x5c). */
  chain?: Uint8Array[];
  /** How their key signs, by the policy they were identified under, when it is an RSA key (absent for ECDSA and Ed25519 keys). */
  rsaScheme?: RsaSignatureScheme;
}

/** What to ask of a signer's key: the policy's RSA scheme for an RSA key; nothing for ECDSA and Ed25519 keys, which have one scheme each. */
/** How an RSA signature was made: PKCS#1 v1.5 with SHA-256 when it verifies so (what cosign checks), otherwise PSS (docs/formats.md). */
function rsaSchemeOfSignature(spki: Uint8Array, message: Uint8Array, signature: Uint8Array): RsaScheme {
  try {
    const key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
    return verifySignature('sha256', message, key, signature) ? 'pkcs1-v1_5' : 'pss';
  } catch {
    return 'pss';
  }
}

function rsaSchemeFor(policy: Policy, spki: Uint8Array): { rsaScheme?: RsaSignatureScheme } {
  return keyTypeOfPublicKeyInfo(spki).kind === 'rsa' ? { rsaScheme: rsaSignatureSchemeOf(policy) } : {};
}

/** An approval stopped by the window's Cancel (or a command's deadline) before it was written (issue 12). */
function cancelledWhileFetchingCrls(urls: readonly string[]): ConclaveError {
  return new ConclaveError('cancelled', `Cancelled while Conclave fetched the certificate revocation lists of this policy (${urls.join(', ')}): nothing was signed, and the ceremony is as it was. Try again when the CA's server answers, or check the network.`);
}

function approvalCancelled(waitingFor?: string): ConclaveError {
  return new ConclaveError(
    'cancelled',
    `Approving was cancelled${waitingFor ? ` while Conclave waited for ${waitingFor}` : ''}: your approval was not recorded, and the ceremony is as it was, with every approval it had. Approve again when you are ready.`,
  );
}

/** How the service's judge works, where it differs from the window's. */
export interface EngineOptions {
  /** How many verdicts are kept for reuse (256); none on an index thread, which judges each ceremony once. */
  verdictsKept?: number;
  /** How the judge checks DSSE signatures: Node's crypto, or that with signatures already checked remembered (crypto/checked-signatures.ts). */
  signatureVerifier?: SignatureVerifier;
}

/** Where trust in policies is kept on this machine (policy-trust/policy-folder.ts). */
export interface PolicyTrust {
  trustedDigests(): Promise<ReadonlySet<string>>;
  supersededPolicies(): Promise<ReadonlyMap<string, string>>;
  /** A published policy ceremony under a trusted policy: trust the policy it proposes, and keep the one it replaces for ceremonies opened before `at`. */
  adopt(proposedText: string, replaced: string, at: string, ceremonyId: string): Promise<void>;
}

const noTrustedTimeMaxLength = 1024;

/** Text cut to fit a schema's limit, with an ellipsis where it was cut. */
function fitText(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** An event that would not load is a bug, never a file: refused before it is signed. */
function requireWritableEvent(event: CeremonyEvent): CeremonyEvent {
  const checked = CeremonyEvent.safeParse(event);
  if (checked.success) return event;
  const issue = checked.error.issues[0];
  throw new ConclaveError('internal', `Conclave refused to write a ${event.type} event that it could not read back (${issue ? `${issue.path.join('.') || 'event'}: ${issue.message}` : 'unknown problem'}); nothing was written. Please report this.`);
}

/**
 * Loading a policy parses and digests every key; thousands of ceremonies share
 * a handful of policies, so keep the last few loaded, keyed by their text.
 */
const loadedPolicies = new Map<string, Promise<Policy>>();
/** Event files in the store's order (by file name), as load() gives them. */
const inStoreOrder = (files: readonly StoredEvent[]) => [...files].sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));

function cachedPolicy(document: unknown): Promise<Policy> {
  const text = JSON.stringify(document);
  let loaded = loadedPolicies.get(text);
  if (!loaded) {
    loaded = loadPolicy(document, nodeDigester);
    loaded.catch(() => loadedPolicies.delete(text));
    if (loadedPolicies.size >= 64) loadedPolicies.delete(loadedPolicies.keys().next().value!);
    loadedPolicies.set(text, loaded);
  }
  return loaded;
}

/**
 * Why this person may not open a ceremony under this policy, when the opener
 * not counting as an approver (separation of duties) would leave too few
 * approvers: such a ceremony would be rejected the moment it opened.
 */
export function openerMakesImpossible(policy: Policy, openerId: string): string | undefined {
  const evaluation = evaluatePolicy(policy, { approvals: [], rejections: [], openerId });
  if (!evaluation.impossible) return undefined;
  return `If ${openerId} opens this ceremony, the policy can never be met: the opener does not count as an approver, and then ${evaluation.impossibleReason.charAt(0).toLowerCase()}${evaluation.impossibleReason.slice(1)}. Open it with another key of the policy.`;
}

function releasePurlOf(release: { name: string; version: string; purl?: string }): string {
  return release.purl ?? `pkg:generic/${encodeURIComponent(release.name)}@${encodeURIComponent(release.version)}`;
}

/** The purl a new opening records: the one given, checked and in normal form (a pkg:oci one names one of `images` by digest), else pkg:generic. */
function openingPurl(release: { name: string; version: string; purl?: string }, images: readonly ArtifactRecord[]): string {
  if (release.purl === undefined) return releasePurlOf(release);
  try {
    return releasePurl(release, images, 'opening');
  } catch (error) {
    if (error instanceof ReleasePurlError) throw new ConclaveError('invalid-input', error.message, { cause: error.code });
    throw error;
  }
}

function provenanceSummary(document: ProvenanceDocument, fileDigest: string): ProvenanceSummary {
  const slsa = document.slsa!;
  return {
    digest: { sha256: fileDigest },
    predicateType: slsa.predicateType,
    builderId: slsa.builderId ?? 'unknown',
    ...(slsa.sourceRepository ? { sourceRepository: slsa.sourceRepository } : {}),
    ...(slsa.sourceCommit ? { sourceCommit: slsa.sourceCommit } : {}),
  };
}

function sbomSummary(summary: SbomSummary, digest: string): StatementSbomSummary {
  return { digest: { sha256: digest }, format: summary.format, specVersion: summary.specVersion, componentCount: summary.componentCount };
}

function fileSafe(text: string): string {
  return text.replace(/[^A-Za-z0-9._@+-]+/g, '_');
}

function publishSummary(opened: OpenedEvent, policy: Policy, report: VerificationReport, envelopePath: string, bundlePaths: readonly string[]): string {
  const files = opened.artifacts.filter((artifact) => artifact.reference === undefined);
  const images = imagesOf(opened.artifacts);
  const policyFile = basename(envelopePath).replace('.intoto.dsse.json', '.policy.json');
  return [
    `Release ${opened.release.name} ${opened.release.version} (${opened.release.purl})`,
    `Ceremony ${opened.ceremonyId}, opened ${opened.at} by ${opened.openedBy ?? 'unknown'}`,
    `Policy: ${describePolicy(policy)} (sha256:${policy.digest})`,
    formatReport(report),
    '',
    'Artifacts:',
    ...opened.artifacts.map((artifact) => `  sha256:${artifact.digest.sha256}  ${artifact.name}`),
    '',
    'Check it yourself, in a folder with these files and the artifacts:',
    ...verifyCommands({ policyPath: policyFile, envelopePath: basename(envelopePath), bundlePaths: bundlePaths.map((path) => basename(path)), files: files.map((artifact) => ({ name: artifact.name, path: artifact.name })), images }).map((command) => `  ${command}`),
    '  (use the copy of the policy your team keeps; the one written here is for convenience)',
    '',
  ].join('\n');
}

/** A builder's PEM public key; a file that is not one is named, and none of its text is quoted (issue 12). */
function publicKeyOfFile(path: string, text: string): Uint8Array {
  try {
    return fromPem('PUBLIC KEY', text);
  } catch (error) {
    const why = error instanceof TypeError ? ` (${error.message})` : '';
    throw new ConclaveError('invalid-input', `${path} is not a PEM public key${why}. Give the builder's public key as PEM ("-----BEGIN PUBLIC KEY-----").`);
  }
}
