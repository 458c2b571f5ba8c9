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
import { userInfo } from 'node:os';
import { eventPayloadType, rejectionDocument, rejectionPayloadType, type CeremonyEvent, type OpenedEvent } from '../../../shared/ceremony/events';
import { reduceCeremony, type CeremonyEventInput, type CeremonyView } from '../../../shared/ceremony/reducer';
import { makeEnvelope, type Envelope } from '../../../shared/dsse/envelope';
import { inTotoPayloadType, pae } from '../../../shared/dsse/pae';
import { fromBase64, toBase64 } from '../../../shared/encoding/base64';
import { fromPem } from '../../../shared/encoding/pem';
import { ConclaveError } from '../../../shared/errors';
import { blocksFreezing, computeFindings, type ProvenanceSignatureCheck } from '../../../shared/evidence/findings';
import { readProvenance, verifyProvenanceSignature, type ProvenanceDocument } from '../../../shared/evidence/provenance';
import { readSbom, type SbomSummary } from '../../../shared/evidence/sbom';
import { canonicalJsonBytes } from '../../../shared/json/canonical';
import { describePolicy } from '../../../shared/policy/describe';
import { evaluatePolicy, type PolicyEvaluation } from '../../../shared/policy/evaluate';
import { loadPolicy, loadPolicyText, type Policy } from '../../../shared/policy/policy';
import { approvalBundle } from '../../../shared/sigstore/bundle';
import { buildReleaseStatement, freezeStatement, type ReleaseStatementInput } from '../../../shared/statement/statement';
import type { Finding as StatementFinding, ProvenanceSummary, SbomSummary as StatementSbomSummary } from '../../../shared/statement/evidence-summaries';
import { formatReport } from '../../../shared/verify/format';
import { verifyRelease, type VerificationReport } from '../../../shared/verify/verify';
import { writeFileAtomically } from '../atomic-file';
import { nodeDigester, nodeSignatureVerifier } from '../crypto/node-crypto';
import { hashFiles, type FilesProgress } from '../hashing';
import { CeremonyStore, newCeremonyId, type StoredEvent } from './event-store';
import { envelopeText } from '../audit/published-envelope';

/** Signs with a key on a token; the caller owns the PIN (prompt, pin-source, PIN pad). */
export interface CeremonySigner {
  /** The key's DSSE keyid, read without a PIN. */
  keyId(keyUri: string): Promise<string>;
  sign(keyUri: string, messages: Uint8Array[]): Promise<Uint8Array[]>;
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
  provenancePaths: string[];
  sbomPath?: string;
  /** PEM public keys to check provenance signatures with. */
  provenanceKeyPaths?: string[];
  /** The opener's key, to sign the opening event and to know who opened it. */
  openerKeyUri?: string;
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
}

export interface PublishResult {
  directory: string;
  envelopePath: string;
  /** The ceremony's policy, for consumers who have no copy of their own yet (they should keep one they trust). */
  policyPath: string;
  bundlePaths: string[];
  summaryPath: string;
  report: VerificationReport;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

export class CeremonyService {
  constructor(
    readonly store: CeremonyStore,
    private readonly signer: CeremonySigner,
    private readonly now: () => Date = () => new Date(),
  ) {}

  // ---- open and freeze ------------------------------------------------------

  async open(input: OpenInput): Promise<LoadedCeremony> {
    const policy = await this.readPolicy(input.policyPath);
    const at = this.now();
    const id = newCeremonyId(at);

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
    const artifacts = hashed.map((outcome, index) => {
      if (!outcome.ok) throw new ConclaveError('invalid-input', outcome.error.message);
      const { sha256: sha256Digest, sha512 } = outcome.digest.digests;
      return { name: basename(input.artifactPaths[index]!), size: outcome.digest.size, digest: { sha256: sha256Digest!, ...(sha512 ? { sha512 } : {}) } };
    });
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

    const opener = input.openerKeyUri ? await this.identify(policy, input.openerKeyUri) : undefined;
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
      findings: findings.map(({ id: findingId, status, message }) => ({ id: findingId, status, message })),
      expiresAt: new Date(at.getTime() + policy.ceremony.maxOpenHours * 3600_000).toISOString(),
      openedBy: opener?.name ?? `${userInfo().username} (no key)`,
      ...(opener ? { actorKeyId: opener.keyId } : {}),
    };
    await this.append(opened, input.openerKeyUri);
    // Nothing to decide when every finding passed or only warns: freeze straight away.
    // Unsigned: the opening already carries the opener's signature, and a second PIN prompt would buy nothing.
    if (!blocksFreezing(findings)) await this.freeze(id);
    return this.load(id);
  }

  /** Builds the release statement and fixes its bytes. A failing finding blocks this unless the policy allows an override, which is recorded. */
  async freeze(id: string, options: { keyUri?: string | undefined; overrideReason?: string } = {}): Promise<LoadedCeremony> {
    const ceremony = await this.load(id);
    const { view, policy, opened } = ceremony;
    if (view.state !== 'open') throw new ConclaveError('invalid-input', `Ceremony ${id} is ${view.state}; only an open ceremony can be frozen.`);
    const failing = opened.findings.filter((finding) => finding.status === 'fail');
    const actor = options.keyUri ? await this.identify(policy, options.keyUri) : undefined;
    let overrides: { findingId: string; by: string; reason: string }[] = [];
    if (failing.length > 0) {
      if (!options.overrideReason) {
        throw new ConclaveError('invalid-input', `Ceremony ${id} cannot be frozen: ${failing.length} finding${failing.length === 1 ? '' : 's'} failed (${failing.map((finding) => finding.message).join(' ')}) Fix the evidence and open a new ceremony${policy.evidence.allowOverride ? ', or override with --override-reason and your --key' : ''}.`);
      }
      if (!policy.evidence.allowOverride) throw new ConclaveError('forbidden', 'This policy does not allow overriding failed findings. Fix the evidence and open a new ceremony.');
      if (!actor) throw new ConclaveError('invalid-input', 'An override is recorded with who made it: give your key with --key.');
      overrides = failing.map((finding) => ({ findingId: finding.id, by: actor.name, reason: options.overrideReason! }));
    }
    const frozenAt = this.now();
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
    await this.append(
      {
        ceremonyId: id,
        type: 'frozen',
        at: frozenAt.toISOString(),
        payloadType: inTotoPayloadType,
        statement: toBase64(statement),
        statementDigest: sha256(statement),
        overrides,
        ...(actor ? { actorKeyId: actor.keyId } : {}),
      },
      options.keyUri,
    );
    return this.load(id);
  }

  // ---- approve, reject, cancel ----------------------------------------------

  async approve(id: string, keyUri: string): Promise<LoadedCeremony> {
    const { view, policy, statement } = await this.decidable(id);
    const approver = await this.identify(policy, keyUri, { mustBeApprover: true });
    if (view.openedBy === approver.name && !policy.separationOfDuties.openerMayApprove) {
      throw new ConclaveError('forbidden', `${approver.name} opened this ceremony, and the policy does not let the opener approve it. Another approver must sign.`);
    }
    const signatures = await this.signer.sign(keyUri, [pae(inTotoPayloadType, statement)]);
    await this.append({ ceremonyId: id, type: 'approved', at: this.now().toISOString(), statementDigest: view.frozen!.statementDigest, keyId: approver.keyId, signature: toBase64(signatures[0]!) });
    return this.load(id);
  }

  async reject(id: string, keyUri: string, reason: string): Promise<LoadedCeremony> {
    const { view, policy } = await this.decidable(id);
    const approver = await this.identify(policy, keyUri, { mustBeApprover: true });
    const document = rejectionDocument({ ceremonyId: id, statementDigest: view.frozen!.statementDigest, reason });
    const signatures = await this.signer.sign(keyUri, [pae(rejectionPayloadType, canonicalJsonBytes(document))]);
    await this.append({ ceremonyId: id, type: 'rejected', at: this.now().toISOString(), statementDigest: view.frozen!.statementDigest, keyId: approver.keyId, reason, signature: toBase64(signatures[0]!) });
    return this.load(id);
  }

  async cancel(id: string, options: { reason?: string; keyUri?: string } = {}): Promise<LoadedCeremony> {
    const { view, policy } = await this.load(id);
    if (view.state === 'published' || view.state === 'cancelled') throw new ConclaveError('invalid-input', `Ceremony ${id} is already ${view.state}.`);
    const actor = options.keyUri ? await this.identify(policy, options.keyUri) : undefined;
    await this.append(
      { ceremonyId: id, type: 'cancelled', at: this.now().toISOString(), ...(options.reason ? { reason: options.reason } : {}), ...(actor ? { actorKeyId: actor.keyId } : {}) },
      options.keyUri,
    );
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
    const openings = events.filter((stored) => stored.event.type === 'opened');
    const opened = openings.sort((a, b) => a.event.at.localeCompare(b.event.at) || a.source.localeCompare(b.source))[0]?.event as OpenedEvent | undefined;
    if (!opened) throw new ConclaveError('invalid-input', `Ceremony ${id} has no opening event in the store, so it cannot be shown. Sync again or ask whoever opened it.`);
    const policy = await cachedPolicy(opened.policy);
    if (policy.digest !== opened.policyDigest) problems.push('The policy stored in the opening event does not match its digest.');

    const frozen = events.find((stored) => stored.event.type === 'frozen')?.event;
    const statement = frozen?.type === 'frozen' ? fromBase64(frozen.statement) : undefined;
    const keys = new Map(policy.keys.map((key) => [key.keyId, key]));
    const inputs: CeremonyEventInput[] = [];
    for (const stored of events) {
      const { event } = stored;
      let signatureValid: boolean | undefined;
      if ((event.type === 'approved' || event.type === 'rejected') && statement && frozen?.type === 'frozen') {
        const key = keys.get(event.keyId);
        const signed =
          event.type === 'approved'
            ? pae(frozen.payloadType, statement)
            : pae(rejectionPayloadType, canonicalJsonBytes(rejectionDocument(event)));
        signatureValid = key !== undefined && (await nodeSignatureVerifier.verify(key.spki, signed, fromBase64(event.signature)));
      }
      inputs.push({ event, source: stored.source, ...(signatureValid !== undefined ? { signatureValid } : {}) });
    }
    const openerId = policy.people.find((person) => person.id === opened.openedBy)?.id;
    let evaluation = evaluatePolicy(policy, { approvals: [], rejections: [] });
    const view = reduceCeremony(inputs, {
      now: this.now(),
      tally: (approvals, rejections) => {
        evaluation = evaluatePolicy(policy, { approvals, rejections, ...(openerId ? { openerId } : {}) });
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
    return { view, policy, opened, ...(statement ? { statement } : {}), events, evaluation };
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
  async publish(id: string, outDir: string): Promise<PublishResult> {
    const { view, policy, opened, statement } = await this.load(id);
    if (view.state !== 'approved') {
      throw new ConclaveError('invalid-input', `Ceremony ${id} is ${view.state}, not approved${view.tally ? ` (${view.tally})` : ''}; it can be published once the policy is satisfied.`);
    }
    const envelope: Envelope = makeEnvelope(
      view.frozen!.payloadType,
      statement!,
      view.approvals.map((approval) => ({ keyid: approval.keyId, signature: fromBase64(approval.signature) })),
    );
    const report = await verifyRelease(
      { envelope, policy, artifacts: opened.artifacts.map((artifact) => ({ name: artifact.name, sha256: artifact.digest.sha256 })), at: this.now() },
      { signatureVerifier: nodeSignatureVerifier },
    );
    if (!report.ok) throw new ConclaveError('internal', `The combined envelope does not verify, so nothing was published:\n${formatReport(report)}`);

    const base = fileSafe(`${opened.release.name}-${opened.release.version}`);
    await mkdir(outDir, { recursive: true });
    const text = envelopeText(envelope);
    const envelopePath = join(outDir, `${base}.intoto.dsse.json`);
    await writeFileAtomically(envelopePath, text, 0o644);
    const bundlePaths: string[] = [];
    for (const signature of envelope.signatures) {
      const approverId = policy.keys.find((key) => key.keyId === signature.keyid)?.approverId ?? signature.keyid.slice(0, 12);
      const path = join(outDir, `${base}.${fileSafe(approverId)}.sigstore.json`);
      await writeFileAtomically(path, `${JSON.stringify(approvalBundle(envelope, signature), null, 2)}\n`, 0o644);
      bundlePaths.push(path);
    }
    const policyPath = join(outDir, `${base}.policy.json`);
    await writeFileAtomically(policyPath, `${JSON.stringify(policy.document, null, 2)}\n`, 0o644);
    const summaryPath = join(outDir, `${base}.summary.txt`);
    await writeFileAtomically(summaryPath, publishSummary(opened, policy, report, envelopePath), 0o644);
    await this.append({
      ceremonyId: id,
      type: 'published',
      at: this.now().toISOString(),
      envelopeDigest: sha256(new TextEncoder().encode(text)),
      approvers: report.approvedBy.map((approver) => approver.id),
    });
    return { directory: outDir, envelopePath, policyPath, bundlePaths, summaryPath, report };
  }

  // ---- helpers ----------------------------------------------------------------

  private async readPolicy(path: string): Promise<Policy> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      throw new ConclaveError('invalid-input', `Conclave cannot read the policy file ${path}.`);
    }
    return loadPolicyText(text, nodeDigester);
  }

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

  /** Who holds this key, by the policy: an approver (id, keyid), or a key the policy does not know. */
  private async identify(policy: Policy, keyUri: string, options: { mustBeApprover?: boolean } = {}): Promise<{ name: string; keyId: string }> {
    const keyId = await this.keyIdOf(keyUri);
    const key = policy.keys.find((candidate) => candidate.keyId === keyId);
    if (!key) {
      if (options.mustBeApprover) {
        throw new ConclaveError('forbidden', `The key ${keyUri} (keyid ${keyId.slice(0, 16)}…) is not one of this ceremony's policy (${describePolicy(policy)}), so its signature would not count. Use your key that the policy lists.`);
      }
      return { name: `key ${keyId.slice(0, 16)}`, keyId };
    }
    return { name: key.approverId, keyId };
  }

  private keyIdCache = new Map<string, string>();

  private async keyIdOf(keyUri: string): Promise<string> {
    const cached = this.keyIdCache.get(keyUri);
    if (cached) return cached;
    const keyId = await this.signer.keyId(keyUri);
    this.keyIdCache.set(keyUri, keyId);
    return keyId;
  }

  /** Writes an event, signed by the actor's key when there is one. */
  private async append(event: CeremonyEvent, keyUri?: string): Promise<void> {
    const payload = new TextEncoder().encode(JSON.stringify(event));
    const signed = keyUri ? { keyid: await this.keyIdOf(keyUri), signature: (await this.signer.sign(keyUri, [pae(eventPayloadType, payload)]))[0]! } : undefined;
    const envelope = makeEnvelope(eventPayloadType, payload, signed ? [signed] : []);
    await this.store.append(envelope, event);
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
    `  conclave verify --policy ${basename(envelopePath).replace('.intoto.dsse.json', '.policy.json')} --envelope ${basename(envelopePath)} ${opened.artifacts.map((artifact) => `--artifact ${artifact.name}`).join(' ')}`,
    '  (use the copy of the policy your team keeps; the one written here is for convenience)',
    '',
  ].join('\n');
}

