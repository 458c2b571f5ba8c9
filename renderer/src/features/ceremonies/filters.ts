/**
 * The Ceremonies screen's tabs: their names and what an empty one says. Which
 * ceremonies each holds and how many is the core's answer (ceremonies.page),
 * never worked out here.
 */
import { ceremonyTabs } from '../../../../shared/api/pages';

export const ceremonyFilterIds = ceremonyTabs;
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

/** What "Waiting on me" says, empty, before the core has looked at the tokens attached here (just after a start). */
export const waitingNotKnownText = 'Looking at the tokens attached here to see what waits on you…';

/** Tabs shown: the fixed ones, and Cancelled only when there is something in it. */
export function visibleFilters(counts: Record<CeremonyFilter, number>): CeremonyFilter[] {
  return ceremonyFilterIds.filter((id) => id !== 'cancelled' || counts.cancelled > 0);
}

/** Cards asked for at first, and by each "Show more": the full history is the History screen's job. */
export const cardsPerStep = 50;

/** "Show 50 more (1,234 not shown)". */
export function showMoreText(hidden: number, step = cardsPerStep): string {
  return `Show ${Math.min(step, hidden)} more (${hidden.toLocaleString('en')} not shown)`;
}
