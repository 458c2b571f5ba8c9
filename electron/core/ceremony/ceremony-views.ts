/**
 * What the window is shown of a ceremony: a summary for lists and a detail for
 * review, projected from a loaded ceremony (events already checked). The
 * renderer never derives these itself.
 */
import { createHash } from 'node:crypto';
import type { CeremonyDetail, CeremonySummary, ReleaseChanges } from '../../../shared/api/ceremony-schemas';
import type { OpenedEvent } from '../../../shared/ceremony/events';
import { compareEventFiles } from '../../../shared/ceremony/judge';
import { readProvenance, type SlsaProvenanceSummary } from '../../../shared/evidence/provenance';
import { diffSboms, readSbom, type SbomSummary } from '../../../shared/evidence/sbom';
import { fromBase64 } from '../../../shared/encoding/base64';
import { describePolicy } from '../../../shared/policy/describe';
import { eventSignerOf } from '../../../shared/policy/policy';
import type { ProvenanceSummary, SbomSummary as StatementSbomSummary } from '../../../shared/statement/evidence-summaries';
import { commonNames, parseCertificate } from '../../../shared/x509';
import type { LoadedCeremony } from './ceremony-service';
import type { CeremonyStore } from './event-store';

export type StoredSummary = Omit<CeremonySummary, 'waitingOnMe'>;

export interface SummaryRecord {
  summary: StoredSummary;
  /** Keys of approvers who may still decide: a token holding one makes the ceremony "waiting on me". */
  pendingKeyIds: string[];
  /** The ceremony's version (ceremonyVersion): what ceremony.changed and page rows carry. */
  version: string;
}

/**
 * A ceremony's version: the count of its event files and a digest of their
 * names and of the summary judged from them. Event files are never rewritten
 * (a change is a new file), and what else moves a verdict (trust in the
 * policy, the clock expiring it, a revoked certificate) shows in the summary:
 * a window holding this version holds what the core would send again.
 */
export function ceremonyVersion(fileNames: readonly string[], summary: StoredSummary): string {
  const digest = createHash('sha256')
    .update([...fileNames].sort().join('\n'))
    .update('\0')
    .update(JSON.stringify(summary))
    .digest('hex');
  return `${fileNames.length}-${digest.slice(0, 16)}`;
}

function approverOf(loaded: LoadedCeremony, keyId: string): string | undefined {
  return loaded.policy.keys.find((key) => key.keyId === keyId)?.approverId ?? loaded.certificateSigners.get(keyId);
}

export function summarize(loaded: LoadedCeremony): SummaryRecord {
  const { view, policy, evaluation } = loaded;
  const openerId = policy.people.some((person) => person.id === view.openedBy) ? view.openedBy : undefined;
  const decided = new Set([...view.approvals, ...view.rejections].map((event) => approverOf(loaded, event.keyId)));
  const pendingKeyIds =
    view.state === 'frozen' && view.actions.includes('approve')
      ? policy.keys
          .filter((key) => !decided.has(key.approverId))
          .filter((key) => policy.separationOfDuties.openerMayApprove || key.approverId !== openerId)
          .map((key) => key.keyId)
      : [];
  const summary: StoredSummary = {
    id: view.id,
    state: view.state,
    release: view.release,
    openedAt: view.openedAt,
    expiresAt: view.expiresAt,
    openedBy: view.openedBy ?? 'unknown',
    policy: { digest: policy.digest, description: describePolicy(policy), threshold: policy.threshold },
    approvedBy: evaluation.counted,
    rejectedBy: [...new Set(view.rejections.map((rejection) => approverOf(loaded, rejection.keyId) ?? rejection.keyId.slice(0, 12)))],
    tally: view.state === 'open' ? 'Not frozen yet: no signatures are collected before the statement is frozen.' : (view.tally ?? ''),
    counted: evaluation.counted.length,
    artifacts: view.artifacts.map((artifact) => ({ name: artifact.name, sha256: artifact.digest.sha256, ...(artifact.reference !== undefined ? { reference: artifact.reference } : {}) })),
    problemCount: view.problems.length,
    actions: view.actions,
    policyTrusted: view.policyTrusted !== false,
  };
  const fileNames = [...loaded.events.map((file) => file.source), ...(loaded.unreadable ?? []).map((file) => file.source)];
  return { summary, pendingKeyIds, version: ceremonyVersion(fileNames, summary) };
}

/** The detail for review and audit. `previous` is the ceremony of the previous release of the same product, if any. */
export async function detailOf(loaded: LoadedCeremony, record: SummaryRecord, store: CeremonyStore, waitingOnMe: boolean, previous?: LoadedCeremony): Promise<CeremonyDetail> {
  const { view, policy, opened, events } = loaded;
  const provenance = await provenanceViews(store, opened);
  const sbom = await sbomOf(store, opened);

  const timeline: CeremonyDetail['timeline'] = [];
  for (const stored of [...events].sort(compareEventFiles)) {
    const { event } = stored;
    const counts = loaded.verdicts.get(stored.source)?.counts === true;
    if (event.type === 'approved' || event.type === 'rejected' || event.type === 'withdrawn') {
      const identity = certificateIdentity(event.certificates?.[0]);
      const trustedTime = loaded.trustedTimes.get(stored.source);
      const timeNote = loaded.timeProblems.get(stored.source);
      timeline.push({
        at: event.at,
        type: event.type,
        actor: approverOf(loaded, event.keyId) ?? `key ${event.keyId.slice(0, 12)}…`,
        signature: counts ? 'valid' : 'invalid',
        ...(event.type !== 'approved' ? { detail: event.reason } : {}),
        ...(identity ? { actorDetail: identity } : {}),
        ...(trustedTime !== undefined ? { trustedTime } : timeNote !== undefined ? { timeNote } : {}),
      });
      continue;
    }
    // Every other event carries its author's signature; loading has checked it against the policy.
    const status: 'valid' | 'invalid' | 'unsigned' = !event.actorKeyId ? 'unsigned' : counts ? 'valid' : 'invalid';
    const actor = event.actorKeyId ? (eventSignerOf(policy, event.actorKeyId)?.id ?? `key ${event.actorKeyId.slice(0, 12)}…`) : 'nobody';
    timeline.push({
      at: event.at,
      type: event.type,
      actor,
      signature: status,
      ...(event.type === 'cancelled' && event.reason ? { detail: event.reason } : {}),
      ...(event.type === 'frozen' && event.overrides.length > 0 ? { detail: `overrode ${event.overrides.length} failed finding(s): ${event.overrides[0]!.reason}` } : {}),
    });
  }

  const statementJson = loaded.statement ? JSON.stringify(JSON.parse(new TextDecoder().decode(loaded.statement)), null, 2) : undefined;
  const overrides = new Map((view.frozen?.overrides ?? []).map((override) => [override.findingId, override]));
  return {
    ...record.summary,
    waitingOnMe,
    findings: view.findings.map((finding) => {
      const override = overrides.get(finding.id);
      return { ...finding, ...(override ? { override: { by: override.by, reason: override.reason } } : {}) };
    }),
    artifactDetails: view.artifacts.map((artifact) => ({ name: artifact.name, ...(artifact.size !== undefined ? { size: artifact.size } : {}), sha256: artifact.digest.sha256, ...(artifact.digest.sha512 ? { sha512: artifact.digest.sha512 } : {}) })),
    provenance,
    ...(sbom ? { sbom: sbomView(sbom.summary, sbom.digest) } : {}),
    ...(previous ? { changes: await changesSince(store, loaded, previous, sbom?.summary) } : {}),
    ...(statementJson && view.frozen ? { statement: { digest: view.frozen.statementDigest, payloadType: view.frozen.payloadType, json: statementJson } } : {}),
    approvals: view.approvals.map((approval) => {
      const attested = view.attested?.[approval.keyId];
      return { approverId: approverOf(loaded, approval.keyId) ?? '?', ...roleOf(loaded, approval.keyId), keyId: approval.keyId, at: approval.at, ...(attested ? { attestation: attested.description } : {}) };
    }),
    rejections: view.rejections.map((rejection) => ({ approverId: approverOf(loaded, rejection.keyId) ?? '?', keyId: rejection.keyId, at: rejection.at, reason: rejection.reason })),
    timeline,
    problems: view.problems.map((problem) => problem.message),
    approvers: policy.people.map((person) => ({ id: person.id, ...(person.role ? { role: person.role } : {}), keyIds: person.keyIds })),
    overrideAllowed: policy.evidence.allowOverride,
    ...(view.published ? { published: { at: view.published.at, envelopeDigest: view.published.envelopeDigest } } : {}),
  };
}

/** "certificate CN=Alice Example,O=Acme (alice@example.com)": who a leaf certificate (base64 DER) names; undefined when there is none or it cannot be read. */
function certificateIdentity(leaf: string | undefined): string | undefined {
  if (leaf === undefined) return undefined;
  try {
    const certificate = parseCertificate(fromBase64(leaf));
    const email = certificate.subjectAltNames.email[0];
    const subject = certificate.subject.rfc4514 || commonNames(certificate)[0];
    if (subject && email) return `certificate ${subject} (${email})`;
    const only = subject || email;
    return only ? `certificate ${only}` : `certificate with serial number ${certificate.serialNumber}`;
  } catch {
    return undefined;
  }
}

function roleOf(loaded: LoadedCeremony, keyId: string): { role?: string } {
  const approverId = approverOf(loaded, keyId);
  const role = loaded.policy.people.find((person) => person.id === approverId)?.role;
  return role ? { role } : {};
}

async function provenanceViews(store: CeremonyStore, opened: OpenedEvent): Promise<CeremonyDetail['provenance']> {
  const views: CeremonyDetail['provenance'] = [];
  for (const summary of opened.provenance as ProvenanceSummary[]) {
    const slsa = await slsaOf(store, opened.ceremonyId, summary);
    const trigger = slsa ? [slsa.trigger.event, slsa.trigger.ref, slsa.trigger.workflow].filter(Boolean).join(' ') : '';
    views.push({
      digest: summary.digest.sha256,
      predicateType: summary.predicateType,
      builderId: summary.builderId,
      ...(summary.sourceRepository ? { sourceRepository: summary.sourceRepository } : {}),
      ...(summary.sourceCommit ? { sourceCommit: summary.sourceCommit } : {}),
      ...(trigger ? { trigger } : {}),
      buildInputs: (slsa?.buildInputs ?? []).slice(0, 100).map((input) => ({ uri: input.uri, digest: Object.entries(input.digest).map(([algorithm, value]) => `${algorithm}:${value}`).join(' ') })),
    });
  }
  return views;
}

async function slsaOf(store: CeremonyStore, ceremonyId: string, summary: ProvenanceSummary): Promise<SlsaProvenanceSummary | undefined> {
  const bytes = await store.getEvidence(ceremonyId, summary.digest.sha256);
  if (!bytes) return undefined;
  try {
    return readProvenance(new TextDecoder().decode(bytes)).find((document) => document.slsa?.builderId === summary.builderId)?.slsa;
  } catch {
    return undefined;
  }
}

async function sbomOf(store: CeremonyStore, opened: OpenedEvent): Promise<{ summary: SbomSummary; digest: string } | undefined> {
  const recorded = opened.sbom as StatementSbomSummary | undefined;
  if (!recorded) return undefined;
  const bytes = await store.getEvidence(opened.ceremonyId, recorded.digest.sha256);
  if (!bytes) return undefined;
  try {
    return { summary: readSbom(new TextDecoder().decode(bytes)), digest: recorded.digest.sha256 };
  } catch {
    return undefined;
  }
}

function sbomView(summary: SbomSummary, digest: string): NonNullable<CeremonyDetail['sbom']> {
  const licenses = Object.entries(summary.licenseSummary)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, 20)
    .map(([license, count]) => ({ license, count }));
  const subject = summary.subject ? [summary.subject.name, summary.subject.version].filter(Boolean).join(' ') : undefined;
  return { digest, format: summary.format, specVersion: summary.specVersion, componentCount: summary.componentCount, ...(subject ? { subject } : {}), licenses };
}

async function changesSince(store: CeremonyStore, loaded: LoadedCeremony, previous: LoadedCeremony, sbom: SbomSummary | undefined): Promise<ReleaseChanges> {
  const previousSbom = await sbomOf(store, previous.opened);
  const diff = sbom && previousSbom ? diffSboms(previousSbom.summary, sbom) : undefined;
  const label = (component: { name: string; version?: string }) => (component.version ? `${component.name} ${component.version}` : component.name);
  const builders = (ceremony: LoadedCeremony) => new Set((ceremony.opened.provenance as ProvenanceSummary[]).map((summary) => summary.builderId));
  const sources = (ceremony: LoadedCeremony) => new Set((ceremony.opened.provenance as ProvenanceSummary[]).flatMap((summary) => (summary.sourceRepository ? [summary.sourceRepository] : [])));
  const before = { builders: builders(previous), sources: sources(previous) };
  return {
    previous: { id: previous.view.id, version: previous.view.release.version },
    componentsAdded: (diff?.added ?? []).map(label),
    componentsRemoved: (diff?.removed ?? []).map(label),
    componentsUpgraded: [...(diff?.upgraded ?? []), ...(diff?.downgraded ?? [])].map((change) => ({ name: change.name, from: change.previousVersion, to: change.nextVersion })),
    newBuilders: [...builders(loaded)].filter((builder) => !before.builders.has(builder)),
    newSourceRepositories: [...sources(loaded)].filter((source) => !before.sources.has(source)),
  };
}
