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
import type { CeremonyService } from '../ceremony/ceremony-service';
import type { IndexedCeremony } from '../ceremony/index-judging';
import { checkCeremonies, type ArrivalThreads } from './arrival-threads';
import type { ArrivedEvent } from './ceremony-arrivals';
import { classifyPath } from './layout';

export interface ArrivalCheck {
  events: ArrivedEvent[];
  evidence: { ceremonyId: string; digest: string; problem?: string }[];
  /** Every problem, as sentences for the person at the screen. */
  problems: string[];
}

/**
 * `threads`: check on threads of their own when there are many (arrival-threads.ts); else on this one. `judged` hears
 * the summary index's line of every ceremony checked (the judge's verdict over all its files), for the next start.
 */
export async function checkArrivals(service: CeremonyService, paths: string[], threads?: ArrivalThreads, judged?: (lines: IndexedCeremony[]) => void): Promise<ArrivalCheck> {
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
  // Reported in the order they came. A ceremony's arrivals are a handful of files.
  const checked = await checkCeremonies(service, [...byCeremony], threads);
  for (const ceremony of checked) {
    result.events.push(...ceremony.events);
    result.problems.push(...ceremony.problems);
  }
  judged?.(checked.flatMap((ceremony) => (ceremony.indexed ? [ceremony.indexed] : [])));
  return result;
}
