/**
 * The files of one ceremony that arrived by a sync, checked as its judge
 * decides them (arrivals.ts): which event each is, who signed it by the
 * policy, and why it does not count when it does not. The same on the sync's
 * thread and on a checking thread (arrival-threads.ts).
 */
import { ceremonyEventKinds, type CeremonyEvent, type CeremonyEventType } from '../../../shared/ceremony/events';
import { problemReason } from '../../../shared/ceremony/problems';
import { eachAtOnce } from '../../../shared/lists/each-at-once';
import { eventSignerOf } from '../../../shared/policy/policy';
import type { CeremonyService, LoadedCeremony } from '../ceremony/ceremony-service';
import { readAndJudge, type IndexedCeremony } from '../ceremony/index-judging';

export interface ArrivedEvent {
  ceremonyId: string;
  name: string;
  type?: CeremonyEventType;
  /** The approver (by the policy) whose valid signature the file carries; absent when no key of the policy signed it. */
  by?: string;
  /** Why the file does not count, when it does not. */
  problem?: string;
}

/** One ceremony's arrived event files, checked; plain data, as a thread posts it back. */
export interface CeremonyArrivals {
  events: ArrivedEvent[];
  /** As sentences for the person at the screen. */
  problems: string[];
  /** The ceremony's line in the summary index, as the judge left it (a sync leaves it for the next start); absent when it could not be loaded. */
  indexed?: IndexedCeremony;
}

/** A ceremony and the names of its event files that arrived. */
export type ArrivedFiles = [ceremonyId: string, names: string[]];

/** How many ceremonies are checked at once on one thread: enough to overlap their file reads with the checks of others. */
const ceremoniesCheckedAtOnce = 8;

/**
 * Several ceremonies at a time, answered in the order they came: a first sync brings a team's whole store, and one at
 * a time the reads of each waited on the checks of the one before.
 */
export async function checkCeremoniesHere(service: CeremonyService, ceremonies: readonly ArrivedFiles[]): Promise<CeremonyArrivals[]> {
  const checked: CeremonyArrivals[] = [];
  await eachAtOnce(ceremonies, ceremoniesCheckedAtOnce, async ([ceremonyId, names], at) => void (checked[at] = await checkCeremony(service, ceremonyId, names)));
  return checked;
}

/** The arrived files of one ceremony, as its judge decided them (every file of the ceremony, the arrivals among them). */
export async function checkCeremony(service: CeremonyService, ceremonyId: string, names: string[]): Promise<CeremonyArrivals> {
  const result: CeremonyArrivals = { events: [], problems: [] };
  const flag = (event: ArrivedEvent, problem: string) => {
    event.problem = problem;
    result.problems.push(`${event.name} (ceremony ${ceremonyId}): ${problem}`);
  };
  let loaded: LoadedCeremony;
  try {
    // Read as the index reads it (the folder's time, then each file once): the same judgement is the index's line.
    ({ loaded, indexed: result.indexed } = await readAndJudge(service, ceremonyId));
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
