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
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ceremonyEventKinds } from '../../../shared/ceremony/events';
import { ceremonySubfolder, legacyCeremonyFolder } from '../../../shared/ceremony/store-layout';
import { legacyCeremonies } from '../ceremony/store-layout-migration';
import { isFinding, problemReason } from '../../../shared/ceremony/problems';
import { UnbelievableCeremonyError, type CeremonyService, type LoadedCeremony } from '../ceremony/ceremony-service';
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
  // Listing moved every ceremony of the older layout to its dated folder; what is left there differs from the file it would replace.
  for (const ceremonyId of await legacyCeremonies(store.root)) {
    for (const folder of ['events', 'evidence'] as const) {
      for (const name of await readdir(join(store.root, legacyCeremonyFolder(ceremonyId), folder)).catch(() => [] as string[])) {
        if (name.startsWith('.')) continue;
        const file = `${legacyCeremonyFolder(ceremonyId)}/${folder}/${name}`;
        report.findings.push({ code: 'store-layout-clash', ceremonyId, file, message: `${file} was left where a Conclave before the dated folders kept it: ${ceremonySubfolder(ceremonyId, folder)}/${name} holds other bytes under the same name, so one of the two was edited. Compare them with the shared history ("git log -- ${file}").` });
      }
    }
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
  const eventPath = (name: string) => `${ceremonySubfolder(ceremonyId, 'events')}/${name}`;
  const add = (code: AuditCode, message: string, name?: string) => report.findings.push({ code, ceremonyId, ...(name !== undefined ? { file: eventPath(name) } : {}), message });

  // 1 and 2. Every event file, judged as loading judges it: what the files claim falsely is a finding, what simply does not count a note.
  report.counts.events += (await store.eventFileNames(ceremonyId)).length;
  let loaded: LoadedCeremony;
  try {
    loaded = await service.load(ceremonyId);
  } catch (error) {
    // Each file the judge could not believe is named with its own code, then the ceremony as a whole.
    if (error instanceof UnbelievableCeremonyError) for (const problem of error.problems) add(problem.code, capitalized(problemReason(problem)), problem.source);
    add('ceremony-unloadable', `The ceremony cannot be loaded, so none of its signatures can be checked: ${error instanceof Error ? error.message : String(error)}`);
    return;
  }
  for (const problem of loaded.view.problems) {
    if (isFinding(problem)) add(problem.code, capitalized(problemReason(problem)), problem.source);
    else report.notes.push(`Ceremony ${ceremonyId}: ${problem.message}`);
  }
  // Signatures checked and found good: each counting event's own, and each counting decision's over the statement.
  for (const file of loaded.events) {
    if (loaded.verdicts.get(file.source)?.counts !== true) continue;
    report.counts.signatures += ceremonyEventKinds[file.event.type].decision ? 2 : 1;
  }

  // 3. evidence.
  for (const digest of await store.evidenceDigests(ceremonyId)) {
    report.counts.evidence += 1;
    if ((await store.getEvidence(ceremonyId, digest)) === undefined) {
      report.findings.push({ code: 'evidence-digest-mismatch', ceremonyId, file: `${ceremonySubfolder(ceremonyId, 'evidence')}/${digest}.json`, message: `The evidence file's content does not match the SHA-256 that names it: it was changed after it was stored.` });
    }
  }

  // 4. the published envelope.
  const { published } = loaded.view;
  if (published) {
    report.counts.publishedEnvelopes += 1;
    const publishedFile = loaded.events.find((stored) => stored.event.type === 'published' && loaded.verdicts.get(stored.source)?.counts)?.source;
    // The judge counted the publication only for the envelope its approvals make; here that envelope meets the consumers' verifier too.
    const check = await checkPublishedEnvelope(loaded, new Date(published.at));
    if (check && !check.report.ok) {
      add('published-envelope-invalid', `The envelope its approvals make does not verify against the ceremony's policy: ${check.report.failures.map((failure) => `${failure.code}: ${failure.message}`).join(' ')}`, publishedFile);
    }
  }
}

const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
