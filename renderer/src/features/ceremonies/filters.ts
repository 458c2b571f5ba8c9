/**
 * The Ceremonies screen's tabs: which ceremonies each shows and how many
 * there are. "Waiting on me" is the core's answer (summary.waitingOnMe), never
 * worked out here.
 */
import type { CeremonySummary } from '../../../../shared/api/contract';

export const ceremonyFilterIds = ['all', 'waiting', 'open', 'approved', 'published', 'rejected', 'expired', 'cancelled'] as const;
export type CeremonyFilter = (typeof ceremonyFilterIds)[number];

export const filterTitle: Record<CeremonyFilter, string> = {
  all: 'All',
  waiting: 'Waiting on me',
  open: 'Open',
  approved: 'Approved',
  published: 'Published',
  rejected: 'Rejected',
  expired: 'Expired',
  cancelled: 'Cancelled',
};

/** What an empty tab says. */
export const emptyFilterText: Record<CeremonyFilter, string> = {
  all: 'No ceremonies yet.',
  waiting: 'Nothing is waiting on you: no open ceremony needs a key on the tokens attached here.',
  open: 'No ceremony is open.',
  approved: 'No ceremony is approved and waiting to be published.',
  published: 'No ceremony has been published yet.',
  rejected: 'No ceremony was rejected.',
  expired: 'No ceremony has expired.',
  cancelled: 'No ceremony was cancelled.',
};

export function matchesFilter(summary: CeremonySummary, filter: CeremonyFilter): boolean {
  switch (filter) {
    case 'all':
      return true;
    case 'waiting':
      return summary.waitingOnMe;
    case 'open':
      // Open and frozen are both still gathering: frozen only means the statement can no longer change.
      return summary.state === 'open' || summary.state === 'frozen';
    default:
      return summary.state === filter;
  }
}

export function filterCeremonies(summaries: readonly CeremonySummary[], filter: CeremonyFilter): CeremonySummary[] {
  return summaries.filter((summary) => matchesFilter(summary, filter));
}

export function filterCounts(summaries: readonly CeremonySummary[]): Record<CeremonyFilter, number> {
  const counts = Object.fromEntries(ceremonyFilterIds.map((id) => [id, 0])) as Record<CeremonyFilter, number>;
  for (const summary of summaries) {
    for (const id of ceremonyFilterIds) if (matchesFilter(summary, id)) counts[id] += 1;
  }
  return counts;
}

/** Tabs shown: the fixed ones, and Cancelled only when there is something in it. */
export function visibleFilters(counts: Record<CeremonyFilter, number>): CeremonyFilter[] {
  return ceremonyFilterIds.filter((id) => id !== 'cancelled' || counts.cancelled > 0);
}

/** Newest first: the order of the list and where a new ceremony is inserted. */
export function byOpenedDescending(a: CeremonySummary, b: CeremonySummary): number {
  if (a.openedAt !== b.openedAt) return a.openedAt < b.openedAt ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/**
 * The list after the core says one ceremony changed: replaced where it was
 * (its place does not move under the reader), inserted in order when new.
 */
export function upsertSummary(summaries: readonly CeremonySummary[], changed: CeremonySummary): CeremonySummary[] {
  const index = summaries.findIndex((summary) => summary.id === changed.id);
  if (index >= 0) {
    const next = summaries.slice();
    next[index] = changed;
    return next;
  }
  const at = summaries.findIndex((summary) => byOpenedDescending(changed, summary) < 0);
  return at < 0 ? [...summaries, changed] : [...summaries.slice(0, at), changed, ...summaries.slice(at)];
}

/** Cards shown at first, and added by each "Show more": the full history is the History screen's job. */
export const cardsPerStep = 50;

/** "Show 50 more (1,234 not shown)". */
export function showMoreText(hidden: number, step = cardsPerStep): string {
  return `Show ${Math.min(step, hidden)} more (${hidden.toLocaleString('en')} not shown)`;
}
