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
import type { CeremonyEventType, OpenedEvent } from '../../../shared/ceremony/events';
import type { CeremonyView } from '../../../shared/ceremony/view';
import { fromBase64, toBase64 } from '../../../shared/encoding/base64';
import { ConclaveError } from '../../../shared/errors';
import { writeFileAtomically } from '../atomic-file';
import { isFinding, problemReason } from '../../../shared/ceremony/problems';
import { UnbelievableCeremonyError, type CeremonyService, type LoadedCeremony } from './ceremony-service';
import type { StoredEvent } from './event-store';
import { readBundleEvent, sha256Hex, type CandidateEvent, type Refusal } from './bundle/event-checks';

export { isConflict, importRefusalCodes, type Refusal, type RefusalCode } from './bundle/event-checks';

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
  const leftOut = view.problems.filter((problem) => problem.code === 'event-unreadable').map((problem) => problem.message);
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
  return parseBundleBytes(bytes, path);
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
  const stored: StoredEvent[] = present.size > 0 ? (await store.readFiles(id)).files : [];

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

  // 2. The judge decides which new events count, over the store's files and the bundle's together, as loading will.
  //    What the store already settled stays settled: a second opening or freeze from a bundle is refused, even one dated earlier.
  const storedOpening = stored.some((file) => file.event.type === 'opened');
  // Judging the store's own files is needed only when the bundle brings a freeze (most bring decisions alone).
  const bringsFreeze = candidates.some((candidate) => candidate.event.type === 'frozen');
  const storedFreeze = storedOpening && bringsFreeze ? await settledFreeze(service, id, stored) : undefined;
  const judged: CandidateEvent[] = [];
  for (const candidate of candidates) {
    if (candidate.event.type === 'opened' && storedOpening) {
      const other = stored.find((file) => file.event.type === 'opened')!.event as OpenedEvent;
      const samePolicy = candidate.event.policyDigest === other.policyDigest;
      report.refused.push({
        name: candidate.name,
        code: 'opening-contested',
        reason: `it opens ceremony ${id} a second time${samePolicy ? '' : ` with another policy (${candidate.event.policyDigest.slice(0, 12)}… instead of ${other.policyDigest.slice(0, 12)}…)`}; the store's opening stands.`,
      });
    } else if (candidate.event.type === 'frozen' && storedFreeze) {
      report.refused.push({ name: candidate.name, code: 'freeze-second', reason: `it freezes the ceremony a second time${candidate.event.statementDigest === storedFreeze ? '' : `, over another statement (${candidate.event.statementDigest.slice(0, 12)}…)`}; the store's frozen statement stands.` });
    } else {
      judged.push(candidate);
    }
  }
  let merged: LoadedCeremony;
  try {
    merged = await service.judge(id, [...stored, ...judged]);
  } catch (error) {
    if (!(error instanceof UnbelievableCeremonyError)) throw error;
    const own = new Map(error.problems.map((problem) => [problem.source, problem]));
    for (const candidate of judged) {
      const problem = own.get(candidate.name);
      report.refused.push(
        problem
          ? { name: candidate.name, code: problem.code, reason: problemReason(problem) }
          : { name: candidate.name, code: 'no-opening', reason: `ceremony ${id} has no usable opening in the store or in the bundle, so this ${candidate.event.type} event cannot be checked.` },
      );
    }
    for (const file of bundle.evidence) report.evidence.refused.push({ name: `evidence sha256:${file.sha256}`, code: 'no-opening', reason: 'the ceremony it belongs to was not imported.' });
    return report;
  }
  const accepted: CandidateEvent[] = [];
  for (const candidate of judged) {
    const verdict = merged.verdicts.get(candidate.name);
    // An honest event that does not count (an approval made after expiry, a decision made twice) is kept as history; anything false is refused.
    // A new ceremony that two openings claim arrives contested, as it is on the machine it came from.
    const contestedHere = verdict && !verdict.counts && verdict.problem.code === 'opening-contested' && !storedOpening;
    if (verdict && !verdict.counts && isFinding(verdict.problem) && !contestedHere) report.refused.push({ name: candidate.name, code: verdict.problem.code, reason: problemReason(verdict.problem) });
    else accepted.push(candidate);
  }
  report.newCeremony = !storedOpening && accepted.some((candidate) => candidate.event.type === 'opened');
  report.policyDigest = merged.opened.policyDigest;
  const { policy } = merged;

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
    const by = event.type === 'approved' || event.type === 'rejected' || event.type === 'withdrawn' ? (keys.get(event.keyId) ?? merged.certificateSigners.get(event.keyId)) : undefined;
    report.added.push({ name: candidate.name, type: event.type, ...(by ? { by } : {}) });
  }
  report.added.sort((a, b) => a.name.localeCompare(b.name));

  // 5. The merged ceremony, by the service's own loading: what it says about the files just added is worth showing.
  try {
    const { view } = await service.load(id);
    report.view = view;
    report.notes = view.problems.filter((problem) => report.added.some((added) => problem.source === added.name)).map((problem) => problem.message);
  } catch (error) {
    report.notes.push(`The ceremony cannot be loaded after the import: ${error instanceof Error ? error.message : String(error)}`);
  }
  return report;
}

/** The statement digest of the freeze the store's own files settle on, when one counts. */
async function settledFreeze(service: CeremonyService, id: string, stored: StoredEvent[]): Promise<string | undefined> {
  try {
    return (await service.judge(id, stored)).view.frozen?.statementDigest;
  } catch {
    return undefined;
  }
}
