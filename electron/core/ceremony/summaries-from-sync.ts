/**
 * A sync's checks of what it brought, left as the summary index's saved
 * summaries when this data folder has none yet (issue 15). A person joining
 * the team runs `conclave sync`: it brings the whole store and judges every
 * ceremony it brought (ceremony-arrivals.ts). Without this the window's first
 * start judged them all again before History could count them; with it that
 * start lists them at once from the summaries, and judges again only a
 * ceremony whose files changed since (their stamps say so).
 *
 * Over a saved cache the next start judges the arrivals as it judges any
 * change made while it was closed: merging them in would read and write the
 * whole cache (about 100 MB at 100,000 ceremonies) on every sync.
 */
import { existsSync } from 'node:fs';
import type { CeremonyService } from './ceremony-service';
import { CeremonyIndex } from './ceremony-index';
import { summaryCachePath } from './index-cache';
import type { IndexedCeremony } from './index-judging';

export async function leaveSummariesForNextStart(service: CeremonyService, dataDir: string, lines: readonly IndexedCeremony[]): Promise<void> {
  const cachePath = summaryCachePath(dataDir);
  if (lines.length === 0 || existsSync(cachePath)) return;
  const index = new CeremonyIndex(service, cachePath);
  try {
    await index.take(lines);
  } catch {
    // The store could not be listed: nothing is left, and the next start judges everything, as it would have.
    return;
  }
  // A summary cache that cannot be written costs the next start time, never the sync: it says why then (cache-not-saved.ts).
  await index.flushed();
}
