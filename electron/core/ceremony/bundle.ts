/**
 * Air-gapped signing (issue 5): a ceremony leaves as one bundle file and comes
 * back, with new approvals, as another. Export copies every event file as
 * stored; import merges a bundle into a store as the union of files that git
 * sync also is (event-store.ts), but only after each new event has been
 * checked to count. What is refused is reported, never written; what is
 * there already is never overwritten.
 *
 * Crash safety: each file is written atomically (temporary name, fsync,
 * rename, fsync of the folder) and an import is idempotent, so an import cut
 * short is finished by running it again.
 */
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BundleError, bundleLimits, bundleMediaType, bundleVersion, parseBundleBytes, serializeBundle, type BundleEvidenceFile, type CeremonyBundle } from '../../../shared/ceremony/bundle-format';
import type { CeremonyEventType, FrozenEvent, OpenedEvent } from '../../../shared/ceremony/events';
import type { CeremonyView } from '../../../shared/ceremony/reducer';
import { fromBase64, toBase64 } from '../../../shared/encoding/base64';
import { ConclaveError } from '../../../shared/errors';
import { loadPolicy, type Policy } from '../../../shared/policy/policy';
import { writeFileAtomically } from '../atomic-file';
import { nodeDigester } from '../crypto/node-crypto';
import type { CeremonyService } from './ceremony-service';
import type { StoredEvent } from './event-store';
import { checkDecision, checkEnvelopeSignatures, checkFrozen, readBundleEvent, sha256Hex, type CandidateEvent, type Refusal } from './bundle/event-checks';

export { isConflict, refusalCodes, type Refusal, type RefusalCode } from './bundle/event-checks';

export interface ExportResult {
  bundle: CeremonyBundle;
  /** The bundle file's text. */
  text: string;
  /** Files of the ceremony left out, each with why (a damaged file, an evidence file that does not match its digest). */
  leftOut: string[];
}

export interface AddedEvent {
  name: string;
  type: CeremonyEventType;
  /** For approvals and rejections: the approver, by the policy. */
  by?: string;
}

export interface ImportReport {
  ceremonyId: string;
  /** The store had no opening of this ceremony before. */
  newCeremony: boolean;
  /** The digest of the policy the events were checked against, when there is one. */
  policyDigest?: string;
  added: AddedEvent[];
  /** Already in the store, byte for byte. */
  skipped: string[];
  refused: Refusal[];
  evidence: { added: string[]; skipped: string[]; refused: Refusal[] };
  /** The ceremony as the store now derives it, when it has an opening. */
  view?: CeremonyView;
  /** What the merged ceremony says about the files just added (e.g. an approval made after expiry: kept, but it does not count). */
  notes: string[];
}

// ignoreBOM keeps a leading byte-order mark, should a file have one: the text must stay byte for byte what is stored.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

// ---- export -------------------------------------------------------------------

/** The bundle of a ceremony: every readable event file as stored, and its evidence files. */
export async function exportCeremonyBundle(service: CeremonyService, ceremonyId: string, now: Date = new Date()): Promise<ExportResult> {
  const { view, events } = await service.load(ceremonyId);
  const eventsDir = service.store.eventsDir(ceremonyId);
  const leftOut = view.problems.filter((problem) => problem.includes('is not a readable event'));
  const files: CeremonyBundle['events'] = [];
  for (const stored of [...events].sort((a, b) => a.source.localeCompare(b.source))) {
    try {
      // The text as stored, not re-serialised: the events' signatures are over these bytes.
      files.push({ name: stored.source, envelope: utf8.decode(await readFile(join(eventsDir, stored.source))) });
    } catch (error) {
      leftOut.push(`${stored.source} could not be read again (${error instanceof Error ? error.message : String(error)}); it is not in the bundle.`);
    }
  }
  const evidence: BundleEvidenceFile[] = [];
  for (const digest of await service.store.evidenceDigests(ceremonyId)) {
    const bytes = await service.store.getEvidence(ceremonyId, digest);
    if (bytes) evidence.push({ sha256: digest, base64: toBase64(bytes) });
    else leftOut.push(`The evidence file ${digest.slice(0, 12)}… does not match its digest; it is not in the bundle.`);
  }
  const bundle: CeremonyBundle = {
    mediaType: bundleMediaType,
    version: bundleVersion,
    ceremonyId,
    exportedAt: now.toISOString(),
    summary: {
      release: view.release,
      policyDigest: view.policyDigest,
      ...(view.frozen ? { statementDigest: view.frozen.statementDigest } : {}),
      state: view.state,
      ...(view.tally ? { tally: view.tally } : {}),
    },
    events: files,
    evidence,
  };
  return { bundle, text: serializeBundle(bundle), leftOut };
}

/** Exports to a file, written atomically so a reader never sees half a bundle. */
export async function writeCeremonyBundle(service: CeremonyService, ceremonyId: string, path: string, now: Date = new Date()): Promise<ExportResult> {
  const result = await exportCeremonyBundle(service, ceremonyId, now);
  try {
    await writeFileAtomically(path, result.text, 0o644);
  } catch (error) {
    throw new ConclaveError('invalid-input', `Conclave cannot write the bundle to ${path} (${error instanceof Error ? error.message : String(error)}). Check the folder exists and is writable.`);
  }
  return result;
}

// ---- import -------------------------------------------------------------------

/** Reads a bundle file from outside. Throws BundleError (shape, limits) or ConclaveError (unreadable). */
export async function readCeremonyBundle(path: string): Promise<CeremonyBundle> {
  let bytes: Uint8Array;
  try {
    const handle = await open(path, 'r');
    try {
      // Refused before reading, so a huge file costs nothing.
      const { size } = await handle.stat();
      if (size > bundleLimits.maxBytes) throw new BundleError('bundle-too-large', `${path} is ${(size / (1024 * 1024)).toFixed(1)} MiB, more than the ${bundleLimits.maxBytes / (1024 * 1024)} MiB a ceremony bundle may be; it was not read.`);
      bytes = new Uint8Array(await handle.readFile());
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (error instanceof Error && 'code' in error && typeof error.code === 'string' && error.code.startsWith('E')) {
      throw new ConclaveError('invalid-input', `Conclave cannot read the bundle file ${path} (${error.code}).`);
    }
    throw error;
  }
  return parseBundleBytes(bytes);
}

/**
 * Merges a bundle into the service's store: new events that count are
 * written, events already there are skipped, anything else is refused with a
 * reason. Never throws for a bad event, only for a store it cannot write.
 */
export async function importCeremonyBundle(service: CeremonyService, bundle: CeremonyBundle): Promise<ImportReport> {
  const { store } = service;
  const id = bundle.ceremonyId;
  const eventsDir = store.eventsDir(id);
  const report: ImportReport = { ceremonyId: id, newCeremony: false, added: [], skipped: [], refused: [], evidence: { added: [], skipped: [], refused: [] }, notes: [] };

  const present = new Set(await store.eventFileNames(id));
  const stored: StoredEvent[] = present.size > 0 ? (await store.read(id)).events : [];

  // 1. Same name: skipped when byte for byte the same, a conflict otherwise. Never overwritten.
  const candidates: CandidateEvent[] = [];
  for (const file of bundle.events) {
    if (present.has(file.name)) {
      const onDisk = await readFile(join(eventsDir, file.name));
      if (Buffer.compare(onDisk, Buffer.from(file.envelope, 'utf8')) === 0) report.skipped.push(file.name);
      else report.refused.push({ name: file.name, code: 'conflict-different-file', reason: 'the store already has a different file by this name; the store\'s copy was kept.' });
      continue;
    }
    const read = readBundleEvent(file, id);
    if ('code' in read) report.refused.push(read);
    else candidates.push(read);
  }

  // 2. The opening, whose policy every other check relies on: the store's own if it has one, else the bundle's.
  const byTime = <T extends { event: { at: string }; name: string }>(a: T, b: T) => a.event.at.localeCompare(b.event.at) || a.name.localeCompare(b.name);
  const storedOpening = earliest(stored, 'opened')?.event as OpenedEvent | undefined;
  const bundleOpenings = candidates.filter((candidate) => candidate.event.type === 'opened').sort(byTime);
  let opened = storedOpening;
  let policy: Policy | undefined;
  const accepted: CandidateEvent[] = [];
  for (const [index, candidate] of bundleOpenings.entries()) {
    const other = opened ?? (index > 0 ? (bundleOpenings[0]!.event as OpenedEvent) : undefined);
    if (other) {
      const samePolicy = (candidate.event as OpenedEvent).policyDigest === other.policyDigest;
      report.refused.push({
        name: candidate.name,
        code: 'conflict-second-opening',
        reason: `it opens ceremony ${id} a second time${samePolicy ? '' : ` with another policy (${(candidate.event as OpenedEvent).policyDigest.slice(0, 12)}… instead of ${other.policyDigest.slice(0, 12)}…)`}; the ${storedOpening ? "store's" : 'first'} opening stands.`,
      });
    }
  }
  if (opened) policy = await policyOf(opened);
  else if (bundleOpenings[0]) {
    const candidate = bundleOpenings[0];
    const candidateOpening = candidate.event as OpenedEvent;
    let loaded: Policy | undefined;
    try {
      loaded = await policyOf(candidateOpening);
    } catch (error) {
      report.refused.push({ name: candidate.name, code: 'policy-invalid', reason: `the policy in this opening cannot be used: ${error instanceof Error ? error.message : String(error)}` });
    }
    const refusal = loaded ? await checkEnvelopeSignatures(candidate, loaded) : undefined;
    if (refusal) report.refused.push(refusal);
    else if (loaded) {
      opened = candidateOpening;
      policy = loaded;
      accepted.push(candidate);
      report.newCeremony = true;
    }
  }
  const rest = candidates.filter((candidate) => candidate.event.type !== 'opened');
  if (!opened || !policy) {
    for (const candidate of rest) report.refused.push({ name: candidate.name, code: 'no-opening', reason: `ceremony ${id} has no usable opening in the store or in the bundle, so there is no policy to check this ${candidate.event.type} event against.` });
    if (bundle.evidence.length > 0) for (const file of bundle.evidence) report.evidence.refused.push({ name: `evidence sha256:${file.sha256}`, code: 'no-opening', reason: 'the ceremony it belongs to was not imported.' });
    return report;
  }
  report.policyDigest = opened.policyDigest;

  // 3. The frozen statement: the store's if it has one, else the bundle's first, checked against the opening.
  const storedFrozen = earliest(stored, 'frozen')?.event as FrozenEvent | undefined;
  let frozen = storedFrozen ? { event: storedFrozen, statement: fromBase64(storedFrozen.statement) } : undefined;
  const decisions: CandidateEvent[] = [];
  for (const candidate of rest.sort(byTime)) {
    const { event } = candidate;
    const refusal = await checkEnvelopeSignatures(candidate, policy);
    if (refusal) {
      report.refused.push(refusal);
      continue;
    }
    if (event.type === 'frozen') {
      if (frozen) {
        const same = event.statementDigest === frozen.event.statementDigest;
        report.refused.push({ name: candidate.name, code: 'conflict-second-freeze', reason: `it freezes the ceremony a second time${same ? '' : `, over another statement (${event.statementDigest.slice(0, 12)}…)`}; the ${storedFrozen ? "store's" : 'first'} frozen statement stands.` });
        continue;
      }
      const statementRefusal = checkFrozen({ ...candidate, event }, opened);
      if (statementRefusal) {
        report.refused.push(statementRefusal);
        continue;
      }
      frozen = { event, statement: fromBase64(event.statement) };
      accepted.push(candidate);
    } else if (event.type === 'approved' || event.type === 'rejected') {
      decisions.push(candidate); // checked once the frozen statement is settled, whatever the order of times
    } else {
      accepted.push(candidate);
    }
  }
  for (const candidate of decisions) {
    const event = candidate.event as Extract<CandidateEvent['event'], { type: 'approved' | 'rejected' }>;
    const refusal = await checkDecision({ ...candidate, event }, policy, frozen);
    if (refusal) report.refused.push(refusal);
    else accepted.push(candidate);
  }

  // 4. Evidence first, then events, the opening last: a new ceremony shows up in the store
  //    (CeremonyService.list skips one without an opening) only once everything else is in place.
  for (const file of bundle.evidence) {
    const name = `evidence sha256:${file.sha256}`;
    const bytes = fromBase64(file.base64);
    if (sha256Hex(bytes) !== file.sha256) {
      report.evidence.refused.push({ name, code: 'evidence-digest-mismatch', reason: 'its content does not match its digest; it was not written.' });
    } else if (await store.getEvidence(id, file.sha256)) {
      report.evidence.skipped.push(file.sha256);
    } else {
      await store.putEvidence(id, bytes);
      report.evidence.added.push(file.sha256);
    }
  }
  const keys = new Map(policy.keys.map((key) => [key.keyId, key.approverId]));
  accepted.sort((a, b) => Number(a.event.type === 'opened') - Number(b.event.type === 'opened') || a.name.localeCompare(b.name));
  for (const candidate of accepted) {
    await store.putEventFile(id, candidate.name, candidate.text);
    const { event } = candidate;
    const by = event.type === 'approved' || event.type === 'rejected' ? keys.get(event.keyId) : undefined;
    report.added.push({ name: candidate.name, type: event.type, ...(by ? { by } : {}) });
  }
  report.added.sort((a, b) => a.name.localeCompare(b.name));

  // 5. The merged ceremony, by the service's own loading: what it says about the files just added is worth showing.
  try {
    const { view } = await service.load(id);
    report.view = view;
    report.notes = view.problems.filter((problem) => report.added.some((added) => problem.includes(added.name)));
  } catch (error) {
    report.notes.push(`The ceremony cannot be loaded after the import: ${error instanceof Error ? error.message : String(error)}`);
  }
  return report;
}

/** The event of a type that counts in CeremonyService.load and the reducer: the earliest, ties by file name. */
function earliest(events: StoredEvent[], type: CeremonyEventType): StoredEvent | undefined {
  return events.filter((stored) => stored.event.type === type).sort((a, b) => a.event.at.localeCompare(b.event.at) || a.source.localeCompare(b.source))[0];
}

async function policyOf(opened: OpenedEvent): Promise<Policy> {
  const policy = await loadPolicy(opened.policy, nodeDigester);
  if (policy.digest !== opened.policyDigest) throw new ConclaveError('policy-invalid', `the policy does not match the digest recorded with it (${opened.policyDigest.slice(0, 12)}…).`);
  return policy;
}
