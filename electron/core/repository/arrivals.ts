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
import { ceremonyEventKinds, type CeremonyEvent, type CeremonyEventType } from '../../../shared/ceremony/events';
import { problemReason } from '../../../shared/ceremony/problems';
import type { CeremonyService, LoadedCeremony } from '../ceremony/ceremony-service';
import { eventSignerOf } from '../../../shared/policy/policy';
import { eachAtOnce } from '../../../shared/lists/each-at-once';
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

/** How many ceremonies are checked at once: enough to overlap their file reads with the checks of others. */
const ceremoniesCheckedAtOnce = 8;

export async function checkArrivals(service: CeremonyService, paths: string[]): Promise<ArrivalCheck> {
  const result: ArrivalCheck = { events: [], evidence: [], problems: [] };
  const byCeremony = new Map<string, string[]>();
  for (const path of paths) {
    const kind = classifyPath(path);
    if (kind?.kind === 'event') {
      const names = byCeremony.get(kind.ceremonyId);
      if (names) names.push(kind.name);
      else byCeremony.set(kind.ceremonyId, [kind.name]);
    } else if (kind?.kind === 'evidence') {
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
  // Several ceremonies at a time, in the order they came: a first sync brings a team's whole store, and one at a time
  // the reads of each waited on the checks of the one before.
  const ceremonies = [...byCeremony];
  const checked: Array<Pick<ArrivalCheck, 'events' | 'problems'>> = [];
  await eachAtOnce(ceremonies, ceremoniesCheckedAtOnce, async ([ceremonyId, names], at) => void (checked[at] = await checkCeremony(service, ceremonyId, names)));
  // A ceremony's arrivals are a handful of files.
  for (const ceremony of checked) {
    result.events.push(...ceremony.events);
    result.problems.push(...ceremony.problems);
  }
  return result;
}

/** The arrived files of one ceremony, as its judge decided them (every file of the ceremony, the arrivals among them). */
async function checkCeremony(service: CeremonyService, ceremonyId: string, names: string[]): Promise<Pick<ArrivalCheck, 'events' | 'problems'>> {
  const result: Pick<ArrivalCheck, 'events' | 'problems'> = { events: [], problems: [] };
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
    return result;
  }
  const unreadable = new Map(loaded.view.problems.filter((problem) => problem.code === 'event-unreadable' || problem.code === 'event-wrong-ceremony').map((problem) => [problem.source, problem]));
  for (const name of names.sort()) {
    const event: ArrivedEvent = { ceremonyId, name };
    result.events.push(event);
    const file = loaded.events.find((stored) => stored.source === name);
    const verdict = loaded.verdicts.get(name);
    if (file) {
      event.type = file.event.type;
      const by = authorOf(loaded, file.event);
      if (by) event.by = by;
    }
    const problem = verdict && !verdict.counts ? verdict.problem : unreadable.get(name);
    if (problem) {
      delete event.by;
      flag(event, problemReason(problem));
    } else if (!file) {
      flag(event, 'it is not in the store folder any more.');
    }
  }
  return result;
}

/** Who the policy says signed the event: for a decision, the decider (a certificate approver too); else its author. */
function authorOf(loaded: LoadedCeremony, event: CeremonyEvent): string | undefined {
  if (ceremonyEventKinds[event.type].decision && 'keyId' in event) return eventSignerOf(loaded.policy, event.keyId)?.id ?? loaded.certificateSigners.get(event.keyId);
  return event.actorKeyId ? eventSignerOf(loaded.policy, event.actorKeyId)?.id : undefined;
}
