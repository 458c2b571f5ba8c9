import type { BusyItem } from '../components/BusyStatus';

/** "Indexing 1,200 of 10,000 ceremonies…": while the core still judges the store, the rows and counts shown are those judged so far. */
export function indexingText(indexed: { done: number; total: number }): string {
  return `Indexing ${indexed.done.toLocaleString('en')} of ${indexed.total.toLocaleString('en')} ceremonies…`;
}

/** The index build as BusyStatus shows it: its words and a bar. */
export function indexingStatus(indexed: { done: number; total: number }): BusyItem {
  return { text: indexingText(indexed), done: indexed.done, total: indexed.total };
}

/** While the core builds its index, a screen asks for its rows again at most this often; its bar moves with every tell. */
export const askAgainWhileIndexingMs = 1000;

/**
 * When a screen asks for its rows again as the core tells how far its index build is (ceremonies.indexed comes up to
 * four times a second, so the bar moves smoothly). Each ask costs the core a page and the browser a parse and a layout
 * of the list, on the same two cores that judge the ceremonies: at 10,000 ceremonies, asking on every tell cost the
 * browser about as much CPU as loading the window (issue 15). So a screen asks on the first tell, then at most once a
 * second (the rows and counts judged so far), and always on the last (complete).
 */
export class IndexAskPacer {
  private askedAt = Number.NEGATIVE_INFINITY;

  /** `now`: a monotonic clock in milliseconds (tests pass their own). */
  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Whether this tell is one the screen asks its rows again on. */
  asksAgain(progress: { complete: boolean }): boolean {
    const now = this.now();
    if (!progress.complete && now - this.askedAt < askAgainWhileIndexingMs) return false;
    this.askedAt = now;
    return true;
  }
}
