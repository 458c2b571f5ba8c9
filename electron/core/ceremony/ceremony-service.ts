/**
 * The ceremony engine: open, freeze, approve, reject, cancel, publish, and
 * load with every signature checked. The CLI drives it now and the window
 * will; the logic that can be pure lives in shared/ (policy, statement,
 * evidence, verifier, reducer) and this file does the Node side: files,
 * hashing, the store and the token.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { eventPayloadType, rejectionDocument, rejectionPayloadType, type ApprovedEvent, type ArtifactRecord, type CeremonyEvent, type FrozenEvent, type OpenedEvent, type RejectedEvent } from '../../../shared/ceremony/events';
import { reduceCeremony, type CeremonyEventInput, type CeremonyView } from '../../../shared/ceremony/reducer';
import { makeEnvelope } from '../../../shared/dsse/envelope';
import { inTotoPayloadType, pae } from '../../../shared/dsse/pae';
import { fromBase64, toBase64 } from '../../../shared/encoding/base64';
import { fromPem } from '../../../shared/encoding/pem';
import { ConclaveError } from '../../../shared/errors';
import { blocksFreezing, computeFindings, type ProvenanceSignatureCheck } from '../../../shared/evidence/findings';
import { readProvenance, verifyProvenanceSignature, type ProvenanceDocument } from '../../../shared/evidence/provenance';
import { readSbom, type SbomSummary } from '../../../shared/evidence/sbom';
import { canonicalJsonBytes } from '../../../shared/json/canonical';
import { checkEventActor } from '../../../shared/ceremony/event-actor';
import { describePolicy } from '../../../shared/policy/describe';
import { evaluatePolicy, type PolicyEvaluation } from '../../../shared/policy/evaluate';
import { eventSignerOf, loadPolicy, type Policy } from '../../../shared/policy/policy';
import { approvalBundle } from '../../../shared/sigstore/bundle';
import { resolveCertificateSigner, type CertificateSigner, type SigningTimeSource } from '../../../shared/policy/certificate-signer';
import { certificatesFromPem } from '../../../shared/x509/certificate';
import { verifyApprovalTime, type ApprovalTime } from '../../../shared/timestamp/approval-time';
import { trustedTimestampAuthorities } from '../../../shared/timestamp/policy-trust';
import { sigstoreSignedTimestamp } from '../../../shared/timestamp/sigstore';
import { requestTimestamp, type RequestTimestampOptions } from '../timestamp';
import { buildReleaseStatement, freezeStatement, type ReleaseStatementInput } from '../../../shared/statement/statement';
import type { Finding as StatementFinding, ProvenanceSummary, SbomSummary as StatementSbomSummary } from '../../../shared/statement/evidence-summaries';
import { formatReport } from '../../../shared/verify/format';
import type { VerificationReport } from '../../../shared/verify/verify';
import { writeFileAtomically } from '../atomic-file';
import { nodeAlgorithmSignatureVerifier, nodeDigester, nodeSignatureVerifier, nodeTrustedTimeDependencies } from '../crypto/node-crypto';
import { hashFiles, type FilesProgress } from '../hashing';
import { CeremonyStore, newCeremonyId, type StoredEvent } from './event-store';
import { readPolicyFile } from './policy-file';
import { checkPublishedEnvelope, envelopeText } from '../audit/published-envelope';
import type { OciOptions } from '../oci';
import { attachToImages, imagesOf, resolveImageArtifacts, type RegistryPublication } from './publish-to-registry';
import { policyCrlUrls, sharedCrlProvider, type CrlProvider, type CrlSet } from '../x509/crl-provider';

/** Signs with a key on a token; the caller owns the PIN (prompt, pin-source, PIN pad). */
export interface CeremonySigner {
  /** The key's DSSE keyid, read without a PIN. */
  keyId(keyUri: string): Promise<string>;
  sign(keyUri: string, messages: Uint8Array[]): Promise<Uint8Array[]>;
  /**
   * The certificate stored on the token next to the key (same CKA_ID), as PEM (the
   * leaf first, then any more blocks), read without a PIN; undefined when there is
   * none. Approvers the policy identifies by certificate need it (issue 6).
   */
  certificate?(keyUri: string): Promise<string | undefined>;
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
}

export interface LoadedCeremony {
  view: CeremonyView;
  policy: Policy;
  opened: OpenedEvent;
  statement?: Uint8Array;
  events: StoredEvent[];
  /** The policy's count of the decisions that count, as the state was derived from it. */
  evaluation: PolicyEvaluation;
  /** Event files (by file name) whose own signature does not vouch for them, each with why: they do not count. */
  unvouched: Map<string, string>;
  /** Keys the policy does not list whose certificate made them a certificate approver's, by keyid: the approver's id. */
  certificateSigners: Map<string, string>;
  /** Approvals with a valid signature and a verified RFC 3161 time stamp, by event file name: the TSA's time (ISO 8601). */
  trustedTimes: Map<string, string>;
  /** Approvals with a valid signature but no trusted time, by event file name: why (no stamp, or the stamp did not verify). */
  timeProblems: Map<string, string>;
  /** The CRLs the certificates were checked with (fetched from the policy's URLs), when any approval or rejection carries a certificate. */
  revocation?: CrlSet;
}

export interface PublishResult {
  directory: string;
  envelopePath: string;
  /** The ceremony's policy, for consumers who have no copy of their own yet (they should keep one they trust). */
  policyPath: string;
  bundlePaths: string[];
  summaryPath: string;
  report: VerificationReport;
  /** Where the envelope was attached, one entry per image of the release (none for files only). */
  registry: RegistryPublication[];
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
  ) {}

  // ---- open and freeze ------------------------------------------------------

  async open(input: OpenInput): Promise<LoadedCeremony> {
    if (input.artifactPaths.length === 0 && (input.imageReferences ?? []).length === 0) throw new ConclaveError('invalid-input', 'Add at least one artifact file or image: a ceremony approves something.');
    const policy = await readPolicyFile(input.policyPath);
    // Who opens is known before any hashing, so a key outside the policy is refused at once.
    const opener = await this.identify(policy, input.openerKeyUri);
    const blocked = openerMakesImpossible(policy, opener.name);
    if (blocked) throw new ConclaveError('forbidden', blocked);
    await this.signer.unlock?.(input.openerKeyUri);
    const at = this.now();
    const id = newCeremonyId(at);
    // Images first (a registry answers faster than a large file hashes): each tag is resolved once, here, to the digest that is signed.
    const images = await resolveImageArtifacts(input.imageReferences ?? [], input.registry);

    const provenanceFiles = await Promise.all(input.provenancePaths.map(async (path) => ({ path, bytes: await readFile(path) })));
    const provenance: { document: ProvenanceDocument; fileDigest: string }[] = [];
    for (const file of provenanceFiles) {
      for (const document of readProvenance(file.bytes.toString('utf8'), { fileName: basename(file.path) })) provenance.push({ document, fileDigest: sha256(file.bytes) });
    }
    // SHA-512 only when some provenance names its subjects by SHA-512 alone (npm does): it doubles the hashing time.
    const wantsSha512 = provenance.some((entry) => entry.document.statement.subject.some((subject) => subject.digest.sha512 !== undefined && subject.digest.sha256 === undefined));
    const hashed = await hashFiles(input.artifactPaths, {
      algorithms: wantsSha512 || input.sha512 ? ['sha256', 'sha512'] : ['sha256'],
      ...(input.onProgress ? { onProgress: input.onProgress } : {}),
      ...(input.signal ? { signal: input.signal } : {}),
    });
    const artifacts: ArtifactRecord[] = hashed.map((outcome, index) => {
      if (!outcome.ok) throw new ConclaveError('invalid-input', outcome.error.message);
      const { sha256: sha256Digest, sha512 } = outcome.digest.digests;
      return { name: basename(input.artifactPaths[index]!), size: outcome.digest.size, digest: { sha256: sha256Digest!, ...(sha512 ? { sha512 } : {}) } };
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
      release: input.release,
    });

    // The evidence itself stays with the ceremony, so review and audit see exactly what was checked.
    for (const file of provenanceFiles) await this.store.putEvidence(id, file.bytes);
    if (input.sbomPath) await this.store.putEvidence(id, await readFile(input.sbomPath));

    const opened: OpenedEvent = {
      ceremonyId: id,
      type: 'opened',
      at: at.toISOString(),
      release: { name: input.release.name, version: input.release.version, purl: releasePurlOf(input.release) },
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
    await this.appendSigned(events, input.openerKeyUri);
    return this.load(id);
  }

  /** Builds the release statement and fixes its bytes. A failing finding blocks this unless the policy allows an override, which is recorded. */
  async freeze(id: string, options: { keyUri: string; overrideReason?: string }): Promise<LoadedCeremony> {
    const ceremony = await this.load(id);
    const { view, policy, opened } = ceremony;
    if (view.state !== 'open') throw new ConclaveError('invalid-input', `Ceremony ${id} is ${view.state}; only an open ceremony can be frozen.`);
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
    await this.appendSigned([this.frozenEvent(opened, policy, overrides, this.now(), actor.keyId)], options.keyUri);
    return this.load(id);
  }

  /** The frozen event: the release statement built from the opening, as the exact bytes everyone will sign. */
  private frozenEvent(opened: OpenedEvent, policy: Policy, overrides: FrozenEvent['overrides'], frozenAt: Date, actorKeyId: string): FrozenEvent {
    const id = opened.ceremonyId;
    const findings: StatementFinding[] = opened.findings.map((finding) => {
      const override = overrides.find((entry) => entry.findingId === finding.id);
      return override ? { ...finding, override: { by: override.by, reason: override.reason, at: frozenAt.toISOString() } } : finding;
    });
    const statementInput: ReleaseStatementInput = {
      release: opened.release,
      artifacts: opened.artifacts.map((artifact) => ({ name: artifact.name, digest: artifact.digest })),
      ceremony: { id, openedAt: opened.at, expiresAt: opened.expiresAt, openedBy: opened.openedBy ?? 'unknown' },
      policy,
      provenance: opened.provenance as ProvenanceSummary[],
      sboms: opened.sbom ? [opened.sbom as StatementSbomSummary] : [],
      findings,
      frozenAt,
    };
    const statement = freezeStatement(buildReleaseStatement(statementInput));
    return {
      ceremonyId: id,
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

  async approve(id: string, keyUri: string): Promise<LoadedCeremony> {
    const { view, policy, statement } = await this.decidable(id);
    const approver = await this.identify(policy, keyUri, { mustBeApprover: true });
    if (view.openedBy === approver.name && !policy.separationOfDuties.openerMayApprove) {
      throw new ConclaveError('forbidden', `${approver.name} opened this ceremony, and the policy does not let the opener approve it. Another approver must sign.`);
    }
    const signatures = await this.signer.sign(keyUri, [pae(inTotoPayloadType, statement)]);
    const time = await this.trustedTimeFor(policy, signatures[0]!);
    await this.appendSigned(
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
          actorKeyId: approver.keyId,
        },
      ],
      keyUri,
    );
    return this.load(id);
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
      const stamped = await requestTimestamp(config.url, signature, { trust: trustedTimestampAuthorities(config.roots, nodeAlgorithmSignatureVerifier), ...this.timestampOptions });
      return { timestamp: sigstoreSignedTimestamp(stamped.token) };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (config.required) {
        throw new ConclaveError('unavailable', `Your approval was not recorded: this policy counts only approvals with a trusted time, and ${reason.charAt(0).toLowerCase()}${reason.slice(1)} Connect to the network the time-stamping authority is on, then approve again.`);
      }
      return { noTrustedTime: reason };
    }
  }

  async reject(id: string, keyUri: string, reason: string): Promise<LoadedCeremony> {
    const { view, policy } = await this.decidable(id);
    const approver = await this.identify(policy, keyUri, { mustBeApprover: true });
    const document = rejectionDocument({ ceremonyId: id, statementDigest: view.frozen!.statementDigest, reason });
    const signatures = await this.signer.sign(keyUri, [pae(rejectionPayloadType, canonicalJsonBytes(document))]);
    await this.appendSigned(
      [
        {
          ceremonyId: id,
          type: 'rejected',
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
    );
    return this.load(id);
  }

  async cancel(id: string, options: { reason?: string; keyUri: string }): Promise<LoadedCeremony> {
    const { view, policy } = await this.load(id);
    if (view.state === 'published' || view.state === 'cancelled') throw new ConclaveError('invalid-input', `Ceremony ${id} is already ${view.state}.`);
    const actor = await this.identify(policy, options.keyUri);
    await this.appendSigned([{ ceremonyId: id, type: 'cancelled', at: this.now().toISOString(), ...(options.reason ? { reason: options.reason } : {}), actorKeyId: actor.keyId }], options.keyUri);
    return this.load(id);
  }

  private async decidable(id: string): Promise<LoadedCeremony & { statement: Uint8Array }> {
    const ceremony = await this.load(id);
    const { view } = ceremony;
    if (view.state === 'open') throw new ConclaveError('invalid-input', `Ceremony ${id} is not frozen yet, so there is nothing to sign. Freeze it first ("conclave ceremony freeze ${id}").`);
    if (!['frozen', 'approved'].includes(view.state)) throw new ConclaveError('invalid-input', `Ceremony ${id} is ${view.state}; it takes no more decisions.`);
    return ceremony as LoadedCeremony & { statement: Uint8Array };
  }

  // ---- load -------------------------------------------------------------------

  /** Reads every event, checks every signature against the ceremony's own policy, and derives the state. */
  async load(id: string): Promise<LoadedCeremony> {
    const { events, problems } = await this.store.read(id);
    const openings = events.filter((stored) => stored.event.type === 'opened').sort((a, b) => a.event.at.localeCompare(b.event.at) || a.source.localeCompare(b.source));
    if (openings.length === 0) throw new ConclaveError('invalid-input', `Ceremony ${id} has no opening event in the store, so it cannot be shown. Sync again or ask whoever opened it.`);
    // The opening carries the policy that says who may sign; the earliest opening its own policy's signer vouches for counts.
    let opening: { stored: StoredEvent; policy: Policy } | undefined;
    const openingProblems: string[] = [];
    for (const stored of openings) {
      const candidate = await cachedPolicy((stored.event as OpenedEvent).policy);
      const actor = await checkEventActor(stored.envelope, stored.event, candidate, nodeSignatureVerifier);
      if (actor.ok) {
        opening = { stored, policy: candidate };
        break;
      }
      openingProblems.push(`${stored.source}: ${actor.reason}`);
    }
    if (!opening) {
      throw new ConclaveError('invalid-input', `Ceremony ${id} has no opening signed by someone its policy knows, so nothing in it can be believed: ${openingProblems.join(' ')} Ask whoever opened it to open it again with their key.`);
    }
    const opened = opening.stored.event as OpenedEvent;
    const { policy } = opening;
    if (policy.digest !== opened.policyDigest) problems.push('The policy stored in the opening event does not match its digest.');

    const { trustedTimes, certificateChecks, revocation } = await this.checkCertificateDecisions(events, policy);
    const actorProblems = new Map<StoredEvent, string>();
    for (const stored of events) {
      if (stored === opening.stored) continue;
      const certificateSigner = certificateChecks.get(stored);
      const actor = await checkEventActor(stored.envelope, stored.event, policy, nodeSignatureVerifier, certificateSigner ? { certificateSigner } : {});
      if (!actor.ok) actorProblems.set(stored, actor.reason);
    }
    // Keys a certificate made an approver's, for the decisions that count.
    const certificateSigners = new Map<string, string>();
    for (const [stored, resolved] of certificateChecks) if (resolved.ok && !actorProblems.has(stored)) certificateSigners.set(resolved.keyId, resolved.approverId);
    const unvouched = new Map([...actorProblems].map(([stored, reason]) => [stored.source, reason]));
    // The statement is the first frozen event its signer vouches for (file-name order), as the reducer counts it.
    const frozen = events.find((stored) => stored.event.type === 'frozen' && !actorProblems.has(stored))?.event;
    const statement = frozen?.type === 'frozen' ? fromBase64(frozen.statement) : undefined;
    const keys = new Map(policy.keys.map((key) => [key.keyId, key]));
    const inputs: CeremonyEventInput[] = [];
    const approvalTimes = new Map<string, string>();
    const approvalTimeProblems = new Map<string, string>();
    for (const stored of events) {
      const { event } = stored;
      let signatureValid: boolean | undefined;
      if ((event.type === 'approved' || event.type === 'rejected') && statement && frozen?.type === 'frozen') {
        const byCertificate = certificateChecks.get(stored);
        const spki = keys.get(event.keyId)?.spki ?? (byCertificate?.ok && byCertificate.keyId === event.keyId ? byCertificate.spki : undefined);
        const signed =
          event.type === 'approved'
            ? pae(frozen.payloadType, statement)
            : pae(rejectionPayloadType, canonicalJsonBytes(rejectionDocument(event)));
        signatureValid = spki !== undefined && (await nodeSignatureVerifier.verify(spki, signed, fromBase64(event.signature)));
      }
      let time: { trustedTime: string } | { timeProblem: string } | undefined;
      if (event.type === 'approved' && signatureValid) {
        if (event.timestamp === undefined) time = { timeProblem: event.noTrustedTime ?? 'no time stamp' };
        else {
          const checked = trustedTimes.get(stored) ?? (await verifyApprovalTime(event.timestamp, fromBase64(event.signature), policy, nodeTrustedTimeDependencies));
          time = checked.ok ? { trustedTime: checked.genTime.toISOString() } : { timeProblem: checked.reason };
        }
        if ('trustedTime' in time) approvalTimes.set(stored.source, time.trustedTime);
        else approvalTimeProblems.set(stored.source, time.timeProblem);
      }
      const actorProblem = actorProblems.get(stored);
      inputs.push({ event, source: stored.source, ...(signatureValid !== undefined ? { signatureValid } : {}), ...(actorProblem !== undefined ? { actorProblem } : {}), ...time });
    }
    const openerId = policy.people.find((person) => person.id === opened.openedBy)?.id;
    let evaluation = evaluatePolicy(policy, { approvals: [], rejections: [] });
    const view = reduceCeremony(inputs, {
      now: this.now(),
      requireTrustedTime: policy.timestamping?.required ?? false,
      tally: (approvals, rejections) => {
        evaluation = evaluatePolicy(policy, { approvals, rejections, certificateSigners, ...(openerId ? { openerId } : {}) });
        // "1 of 2 approvals; security still needed": the count, then only what the count does not say.
        const rolesNeeded = Object.entries(evaluation.missing.roles)
          .filter(([, count]) => count > 0)
          .map(([role, count]) => (count === 1 ? `${role} still needed` : `${count} more ${role} needed`));
        const summary = evaluation.satisfied
          ? `${evaluation.counted.length} of ${policy.threshold} approvals: ${evaluation.counted.join(', ')}`
          : evaluation.impossible
            ? evaluation.impossibleReason
            : [`${evaluation.counted.length} of ${policy.threshold} approvals`, ...rolesNeeded].join('; ');
        return { satisfied: evaluation.satisfied, impossible: evaluation.impossible, summary };
      },
    });
    view.problems.unshift(...problems);
    return { view, policy, opened, ...(statement ? { statement } : {}), events, evaluation, unvouched, certificateSigners, trustedTimes: approvalTimes, timeProblems: approvalTimeProblems, ...(revocation ? { revocation } : {}) };
  }

  /**
   * Approvals and rejections by keys the policy does not list, carrying a
   * certificate (issue 6): whose each certificate makes them, checked at its
   * decision's signing time against the policy's CRLs. An approval's signing
   * time is its verified RFC 3161 time; without one it is now (nothing proves
   * it was signed earlier, so its certificate must still be good). A
   * rejection's is the time it records, never later than now: a rejection can
   * only stop a release.
   */
  private async checkCertificateDecisions(events: StoredEvent[], policy: Policy) {
    const trustedTimes = new Map<StoredEvent, ApprovalTime>();
    const certificateChecks = new Map<StoredEvent, CertificateSigner>();
    const listed = new Set(policy.keys.map((key) => key.keyId));
    const byCertificate = events.filter(({ event }) => (event.type === 'approved' || event.type === 'rejected') && event.certificates !== undefined && !listed.has(event.keyId));
    if (byCertificate.length === 0 || policy.certificateApprovers.length === 0) return { trustedTimes, certificateChecks };
    const now = this.now();
    const revocation = await this.crlProvider.crlsFor(policyCrlUrls(policy));
    for (const stored of byCertificate) {
      const event = stored.event as ApprovedEvent | RejectedEvent;
      let signingTime: { at: Date; atSource: SigningTimeSource } =
        event.type === 'approved' ? { at: now, atSource: 'current-time' } : { at: new Date(Math.min(Date.parse(event.at), now.getTime())), atSource: 'recorded-time' };
      if (event.type === 'approved' && event.timestamp !== undefined) {
        const checked = await verifyApprovalTime(event.timestamp, fromBase64(event.signature), policy, nodeTrustedTimeDependencies);
        trustedTimes.set(stored, checked);
        if (checked.ok) signingTime = { at: checked.genTime, atSource: 'trusted-time' };
      }
      let certificates: Uint8Array[];
      try {
        certificates = event.certificates!.map((certificate) => fromBase64(certificate));
      } catch {
        certificateChecks.set(stored, { ok: false, code: 'certificate-malformed', reason: 'its certificates are not valid base64.' });
        continue;
      }
      certificateChecks.set(
        stored,
        await resolveCertificateSigner(policy, { keyId: event.keyId, certificates, ...signingTime, now, crls: revocation.crls, crlProblems: revocation.problems }, certificateDependencies),
      );
    }
    return { trustedTimes, certificateChecks, revocation };
  }

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
    if (view.state !== 'approved') {
      throw new ConclaveError('invalid-input', `Ceremony ${id} is ${view.state}, not approved${view.tally ? ` (${view.tally})` : ''}; it can be published once the policy is satisfied.`);
    }
    const publisher = await this.identify(policy, keyUri);
    const images = imagesOf(opened.artifacts);
    // The same rebuild and check as "Verify again" and the audit, time stamps included.
    const { envelope, report } = (await checkPublishedEnvelope(loaded, this.now()))!;
    if (!report.ok) throw new ConclaveError('internal', `The combined envelope does not verify, so nothing was published:\n${formatReport(report)}`);

    const base = fileSafe(`${opened.release.name}-${opened.release.version}`);
    await mkdir(outDir, { recursive: true });
    const text = envelopeText(envelope);
    const envelopePath = join(outDir, `${base}.intoto.dsse.json`);
    await writeFileAtomically(envelopePath, text, 0o644);
    const bundlePaths: string[] = [];
    for (const signature of envelope.signatures) {
      const approverId = policy.keys.find((key) => key.keyId === signature.keyid)?.approverId ?? loaded.certificateSigners.get(signature.keyid) ?? signature.keyid.slice(0, 12);
      const path = join(outDir, `${base}.${fileSafe(approverId)}.sigstore.json`);
      const approval = view.approvals.find((candidate) => candidate.keyId === signature.keyid);
      // A certificate approver's bundle carries the certificate instead of a key hint (issue 6).
      const certificate = loaded.certificateSigners.has(signature.keyid) && approval?.certificates?.[0] !== undefined ? fromBase64(approval.certificates[0]) : undefined;
      await writeFileAtomically(path, `${JSON.stringify(approvalBundle(envelope, signature, approval?.timestamp ? [approval.timestamp] : [], certificate), null, 2)}\n`, 0o644);
      bundlePaths.push(path);
    }
    const policyPath = join(outDir, `${base}.policy.json`);
    await writeFileAtomically(policyPath, `${JSON.stringify(policy.document, null, 2)}\n`, 0o644);
    const summaryPath = join(outDir, `${base}.summary.txt`);
    await writeFileAtomically(summaryPath, publishSummary(opened, policy, report, envelopePath), 0o644);
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
            outDir,
            ...(options.registry ? { options: options.registry } : {}),
          });
    await this.appendSigned(
      [{ ceremonyId: id, type: 'published', at: this.now().toISOString(), envelopeDigest: sha256(new TextEncoder().encode(text)), approvers: report.approvedBy.map((approver) => approver.id), actorKeyId: publisher.keyId }],
      keyUri,
    );
    return { directory: outDir, envelopePath, policyPath, bundlePaths, summaryPath, report, registry };
  }

  // ---- helpers ----------------------------------------------------------------

  private async checkProvenanceSignatures(documents: ProvenanceDocument[], keyPaths: string[]): Promise<ProvenanceSignatureCheck[]> {
    if (keyPaths.length === 0) return [];
    const keys = await Promise.all(keyPaths.map(async (path) => ({ path, spki: fromPem('PUBLIC KEY', await readFile(path, 'utf8')) })));
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
  private async identify(policy: Policy, keyUri: string, options: { mustBeApprover?: boolean } = {}): Promise<{ name: string; keyId: string; certificates?: Uint8Array[] }> {
    const keyId = await this.keyIdOf(keyUri);
    const signer = eventSignerOf(policy, keyId);
    if (signer?.as === 'approver' || (signer && !options.mustBeApprover)) return { name: signer.id, keyId };
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
  private async certificateApproverOf(policy: Policy, keyUri: string, keyId: string): Promise<{ name: string; keyId: string; certificates: Uint8Array[] } | undefined> {
    const pem = await this.signer.certificate?.(keyUri);
    if (pem === undefined) return undefined;
    let certificates: Uint8Array[];
    try {
      certificates = certificatesFromPem(pem).map((certificate) => certificate.der);
    } catch (error) {
      throw new ConclaveError('forbidden', `The certificate on the token next to ${keyUri} cannot be read: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (certificates.length === 0) return undefined;
    const now = this.now();
    const revocation = await this.crlProvider.crlsFor(policyCrlUrls(policy));
    const resolved = await resolveCertificateSigner(
      policy,
      { keyId, certificates, at: now, atSource: 'signing-now', now, crls: revocation.crls, crlProblems: revocation.problems },
      certificateDependencies,
    );
    if (!resolved.ok) {
      throw new ConclaveError('forbidden', `Nothing was signed: the certificate next to ${keyUri} does not make this key ${resolved.approverId ? `${resolved.approverId}'s` : "an approver's"} in this ceremony's policy. ${resolved.reason}`);
    }
    return { name: resolved.approverId, keyId, certificates };
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
   * (an opening and its automatic freeze ask for the PIN once). Nothing is
   * written unless every signature was made.
   */
  private async appendSigned(events: CeremonyEvent[], keyUri: string): Promise<void> {
    const keyid = await this.keyIdOf(keyUri);
    const payloads = events.map((event) => new TextEncoder().encode(JSON.stringify(event)));
    const signatures = await this.signer.sign(keyUri, payloads.map((payload) => pae(eventPayloadType, payload)));
    for (const [index, event] of events.entries()) {
      await this.store.append(makeEnvelope(eventPayloadType, payloads[index]!, [{ keyid, signature: signatures[index]! }]), event);
    }
  }
}

/**
 * Loading a policy parses and digests every key; thousands of ceremonies share
 * a handful of policies, so keep the last few loaded, keyed by their text.
 */
const loadedPolicies = new Map<string, Promise<Policy>>();
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

function publishSummary(opened: OpenedEvent, policy: Policy, report: VerificationReport, envelopePath: string): string {
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
    'Check it yourself:',
    ...(files.length > 0 || images.length === 0 ? [`  conclave verify --policy ${policyFile} --envelope ${basename(envelopePath)} ${files.map((artifact) => `--artifact ${artifact.name}`).join(' ')}`] : []),
    ...images.map((image) => `  conclave verify --policy ${policyFile} oci://${image}`),
    '  (use the copy of the policy your team keeps; the one written here is for convenience)',
    '',
  ].join('\n');
}

