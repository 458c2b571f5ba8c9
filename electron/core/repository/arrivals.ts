/**
 * Files that arrive by git are checked after the merge with the same rules a
 * bundle import applies (ceremony/bundle/event-checks.ts) and with the
 * service's own loading: an event without a valid signature of a key the
 * ceremony's policy knows is flagged, never believed (issue 5). Unlike an
 * import, git has already put the file in the shared history, so nothing is
 * refused here: the ceremony simply does not count it, and the person is told.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CeremonyEventType, FrozenEvent } from '../../../shared/ceremony/events';
import type { CeremonyService, LoadedCeremony } from '../ceremony/ceremony-service';
import { checkDecision, checkEnvelopeSignatures, checkFrozen, readBundleEvent } from '../ceremony/bundle/event-checks';
import { eventSignerOf } from '../../../shared/policy/policy';
import { classifyPath } from './layout';

export interface ArrivedEvent {
  ceremonyId: string;
  name: string;
  type?: CeremonyEventType;
  /** The approver (by the policy) whose valid signature the file carries; absent when no key of the policy signed it. */
  by?: string;
  /** Why the file does not count, when it does not. */
  problem?: string;
}

export interface ArrivalCheck {
  events: ArrivedEvent[];
  evidence: { ceremonyId: string; digest: string; problem?: string }[];
  /** Every problem, as sentences for the person at the screen. */
  problems: string[];
}

export async function checkArrivals(service: CeremonyService, paths: string[]): Promise<ArrivalCheck> {
  const result: ArrivalCheck = { events: [], evidence: [], problems: [] };
  const byCeremony = new Map<string, string[]>();
  for (const path of paths) {
    const kind = classifyPath(path);
    if (kind?.kind === 'event') byCeremony.set(kind.ceremonyId, [...(byCeremony.get(kind.ceremonyId) ?? []), kind.name]);
    else if (kind?.kind === 'evidence') {
      let problem: string | undefined;
      try {
        const bytes = await readFile(join(service.store.root, path));
        if (createHash('sha256').update(bytes).digest('hex') !== kind.digest) problem = `the evidence file ${kind.digest.slice(0, 12)}… of ceremony ${kind.ceremonyId} does not match its digest; it is not evidence of anything.`;
      } catch (error) {
        problem = `the evidence file ${kind.digest.slice(0, 12)}… of ceremony ${kind.ceremonyId} cannot be read (${error instanceof Error ? error.message : String(error)}).`;
      }
      result.evidence.push({ ceremonyId: kind.ceremonyId, digest: kind.digest, ...(problem ? { problem } : {}) });
      if (problem) result.problems.push(problem);
    } else if (kind?.kind !== 'repository') {
      result.problems.push(`${path} arrived from the remote but is not a file Conclave writes; it was not put in the store folder and is ignored.`);
    }
  }
  for (const [ceremonyId, names] of byCeremony) {
    const flag = (event: ArrivedEvent, problem: string) => {
      event.problem = problem;
      result.problems.push(`${event.name} (ceremony ${ceremonyId}): ${problem}`);
    };
    let loaded: LoadedCeremony | undefined;
    try {
      loaded = await service.load(ceremonyId);
    } catch (error) {
      for (const name of names.sort()) {
        const event: ArrivedEvent = { ceremonyId, name };
        result.events.push(event);
        flag(event, `the ceremony cannot be loaded (${error instanceof Error ? error.message : String(error)}), so this file cannot be checked and does not count.`);
      }
      continue;
    }
    const keys = new Map(loaded.policy.keys.map((key) => [key.keyId, key.approverId]));
    const opening = [...loaded.events].filter((stored) => stored.event.type === 'opened').sort((a, b) => a.event.at.localeCompare(b.event.at) || a.source.localeCompare(b.source))[0];
    // The frozen statement CeremonyService.load uses: the first frozen event in file-name order.
    const frozenStored = loaded.events.find((stored) => stored.event.type === 'frozen' && stored.event.statementDigest === loaded.view.frozen?.statementDigest);
    const frozen = frozenStored && loaded.statement ? { event: frozenStored.event as FrozenEvent, statement: loaded.statement } : undefined;
    for (const name of names.sort()) {
      const event: ArrivedEvent = { ceremonyId, name };
      result.events.push(event);
      let text: string;
      try {
        text = await readFile(join(service.store.eventsDir(ceremonyId), name), 'utf8');
      } catch (error) {
        flag(event, `it cannot be read (${error instanceof Error ? error.message : String(error)}).`);
        continue;
      }
      const candidate = readBundleEvent({ name, envelope: text }, ceremonyId);
      if ('code' in candidate) {
        flag(event, candidate.reason);
        continue;
      }
      event.type = candidate.event.type;
      const envelopeRefusal = await checkEnvelopeSignatures(candidate, loaded.policy);
      if (envelopeRefusal) {
        flag(event, envelopeRefusal.reason);
        continue;
      }
      // Past the check above, the event's author is someone the policy knows.
      const signer = candidate.event.actorKeyId ? eventSignerOf(loaded.policy, candidate.event.actorKeyId) : undefined;
      if (signer) event.by = signer.id;
      const { event: inner } = candidate;
      if (inner.type === 'approved' || inner.type === 'rejected') {
        const refusal = await checkDecision({ ...candidate, event: inner }, loaded.policy, frozen);
        if (refusal) flag(event, refusal.reason);
        else event.by = keys.get(inner.keyId);
      } else if (inner.type === 'opened' && opening && opening.source !== name) {
        flag(event, `it opens the ceremony a second time${inner.policyDigest === loaded.opened.policyDigest ? '' : ' with another policy'}; the earliest opening stands and this one does not count.`);
      } else if (inner.type === 'frozen') {
        const refusal = checkFrozen({ ...candidate, event: inner }, loaded.opened);
        if (refusal) flag(event, refusal.reason);
        else if (frozenStored && frozenStored.source !== name) flag(event, 'it freezes the ceremony a second time; the first frozen statement stands and this one does not count.');
      }
      if (!event.problem) {
        // What the ceremony itself says about the file (an approval after expiry, a second decision by one key).
        const said = loaded.view.problems.find((problem) => problem.includes(name));
        if (said) flag(event, said);
      }
    }
  }
  return result;
}
