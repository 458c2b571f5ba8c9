/**
 * `conclave audit verify` (issue 5): re-checks the whole store, trusting
 * nothing it has checked before. A fixed pipeline of named steps, each adding
 * findings rather than stopping, so one run lists every inconsistency:
 *
 * 1. events: each event file is a readable event of its ceremony under the
 *    name the store gives it, it is signed by its author with a key the
 *    ceremony's policy knows (approver or release manager), a frozen statement is the one the opening
 *    describes, and each approval or rejection verifies with a policy key
 *    (the checks an imported bundle passes, bundle/event-checks.ts);
 * 2. state: the ceremony's state derived from its events (CeremonyService.load)
 *    with whatever the events contradict;
 * 3. evidence: each evidence file matches the digest that names it;
 * 4. published: the envelope rebuilt from the approvals is the one the
 *    published event recorded, and it verifies against the policy;
 * 5. history: the git history only ever added files (history.ts).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FrozenEvent } from '../../../shared/ceremony/events';
import { checkDecision, checkEnvelopeSignatures, checkFrozen, readBundleEvent, type CandidateEvent, type Refusal } from '../ceremony/bundle/event-checks';
import type { CeremonyService, LoadedCeremony } from '../ceremony/ceremony-service';
import type { GitRunner } from '../repository/git';
import type { AuditCode, AuditReport } from './findings';
import { auditHistory } from './history';
import { checkPublishedEnvelope } from './published-envelope';
import { recordVerification } from './verification-record';

export interface AuditOptions {
  /** Check only the commits after this one (a commit or ref of the store's repository). */
  since?: string;
  now?: () => Date;
}

/**
 * Problems the ceremony's events explain by themselves: a decision that does
 * not count for a stated, legitimate reason. Everything else the reducer
 * reports is an inconsistency.
 */
const explainedProblems = [/came after the ceremony expired; it does not count\.$/, /already (approved|rejected); its first decision counts\.$/];

const refusalCodes: Partial<Record<Refusal['code'], AuditCode>> = {
  'envelope-signature-invalid': 'event-signature-invalid',
  'unsigned-event': 'event-unsigned',
  'statement-invalid': 'statement-invalid',
  'not-frozen': 'decision-invalid',
  'other-statement': 'decision-invalid',
  'unknown-key': 'decision-invalid',
  'signature-invalid': 'decision-invalid',
};

export async function auditStore(service: CeremonyService, git: GitRunner, options: AuditOptions = {}): Promise<AuditReport> {
  const { store } = service;
  const report: AuditReport = {
    ok: true,
    root: store.root,
    ...(options.since !== undefined ? { since: options.since } : {}),
    historyChecked: false,
    counts: { ceremonies: 0, events: 0, evidence: 0, signatures: 0, publishedEnvelopes: 0, commits: 0 },
    findings: [],
    notes: [],
  };
  for (const ceremonyId of await store.listCeremonies()) {
    report.counts.ceremonies += 1;
    await auditCeremony(service, ceremonyId, report);
  }
  const history = await auditHistory(store.root, git, options);
  report.historyChecked = history.checked;
  report.counts.commits = history.commits;
  report.findings.push(...history.findings);
  report.notes.push(...history.notes);
  report.ok = report.findings.length === 0;
  if (history.head) {
    report.head = history.head;
    report.recordedVerified = await recordVerification(store.root, git, {
      head: history.head,
      at: options.now?.() ?? new Date(),
      ok: report.ok,
      findings: report.findings.length,
      ...(history.sinceCommit ? { sinceCommit: history.sinceCommit } : {}),
    });
  }
  return report;
}

async function auditCeremony(service: CeremonyService, ceremonyId: string, report: AuditReport): Promise<void> {
  const { store } = service;
  const eventPath = (name: string) => `ceremonies/${ceremonyId}/events/${name}`;
  const add = (code: AuditCode, message: string, name?: string) => report.findings.push({ code, ceremonyId, ...(name !== undefined ? { file: eventPath(name) } : {}), message });

  // 1. events, read as untrusted text.
  const candidates: CandidateEvent[] = [];
  const flagged = new Set<string>();
  for (const name of await store.eventFileNames(ceremonyId)) {
    report.counts.events += 1;
    let text: string;
    try {
      text = await readFile(join(store.eventsDir(ceremonyId), name), 'utf8');
    } catch (error) {
      add('event-unreadable', `The event file cannot be read (${error instanceof Error ? error.message : String(error)}).`, name);
      flagged.add(name);
      continue;
    }
    const read = readBundleEvent({ name, envelope: text }, ceremonyId);
    if ('code' in read) {
      add('event-unreadable', `The event file is not believed: ${read.reason}`, name);
      flagged.add(name);
    } else {
      candidates.push(read);
    }
  }

  // 2. state: load checks every decision against the ceremony's own policy and derives the state.
  let loaded: LoadedCeremony;
  try {
    loaded = await service.load(ceremonyId);
  } catch (error) {
    add('ceremony-unloadable', `The ceremony cannot be loaded, so none of its signatures can be checked: ${error instanceof Error ? error.message : String(error)}`);
    return;
  }
  const { policy, opened } = loaded;
  const frozenStored = loaded.events.find((stored) => stored.event.type === 'frozen' && stored.event.statementDigest === loaded.view.frozen?.statementDigest);
  const frozen = frozenStored && loaded.statement ? { event: frozenStored.event as FrozenEvent, statement: loaded.statement } : undefined;

  for (const candidate of candidates) {
    const refusals: Refusal[] = [];
    const envelopeRefusal = await checkEnvelopeSignatures(candidate, policy);
    if (envelopeRefusal) refusals.push(envelopeRefusal);
    else report.counts.signatures += 1;
    const { event } = candidate;
    if (event.type === 'frozen') {
      const refusal = checkFrozen({ ...candidate, event }, opened);
      if (refusal) refusals.push(refusal);
    } else if (event.type === 'approved' || event.type === 'rejected') {
      const refusal = await checkDecision({ ...candidate, event }, policy, frozen);
      if (refusal) refusals.push(refusal);
      else report.counts.signatures += 1;
    }
    for (const refusal of refusals) {
      add(refusalCodes[refusal.code] ?? 'event-unreadable', capitalized(refusal.reason), candidate.name);
      flagged.add(candidate.name);
    }
  }

  // What the reducer found that the file checks did not already say.
  for (const problem of loaded.view.problems) {
    const name = [...flagged].find((flaggedName) => problem.startsWith(flaggedName));
    if (name) continue;
    const source = /^(\S+\.json)\b/.exec(problem)?.[1];
    if (explainedProblems.some((pattern) => pattern.test(problem))) report.notes.push(`Ceremony ${ceremonyId}: ${problem}`);
    else add('ceremony-inconsistent', problem, source);
  }

  // 3. evidence.
  for (const digest of await store.evidenceDigests(ceremonyId)) {
    report.counts.evidence += 1;
    if ((await store.getEvidence(ceremonyId, digest)) === undefined) {
      report.findings.push({ code: 'evidence-digest-mismatch', ceremonyId, file: `ceremonies/${ceremonyId}/evidence/${digest}.json`, message: `The evidence file's content does not match the SHA-256 that names it: it was changed after it was stored.` });
    }
  }

  // 4. the published envelope.
  const { published } = loaded.view;
  if (published) {
    report.counts.publishedEnvelopes += 1;
    const publishedFile = loaded.events.find((stored) => stored.event.type === 'published')?.source;
    const check = await checkPublishedEnvelope(loaded, new Date(published.at));
    if (!check) {
      add('published-envelope-invalid', 'The ceremony is marked published, but it has no frozen statement, so no envelope could have been published.', publishedFile);
      return;
    }
    if (!check.sameAsPublished) {
      const approvers = loaded.view.approvals.map((approval) => policy.keys.find((key) => key.keyId === approval.keyId)?.approverId ?? approval.keyId.slice(0, 12));
      add(
        'published-envelope-mismatch',
        `The envelope its approvals make now (${approvers.join(', ') || 'no approvals'}; sha256:${check.digest.slice(0, 12)}…) is not the one published (sha256:${published.envelopeDigest.slice(0, 12)}…, approved by ${published.approvers.join(', ')}): an approval was added, removed or changed after publishing.`,
        publishedFile,
      );
    }
    if (!check.report.ok) {
      add('published-envelope-invalid', `The envelope its approvals make does not verify against the ceremony's policy: ${check.report.failures.map((failure) => `${failure.code}: ${failure.message}`).join(' ')}`, publishedFile);
    }
  }
}

const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
