import type { BusyItem } from '../components/BusyStatus';

/** "Indexing 1,200 of 10,000 ceremonies…": while the core still judges the store, the rows and counts shown are those judged so far. */
export function indexingText(indexed: { done: number; total: number }): string {
  return `Indexing ${indexed.done.toLocaleString('en')} of ${indexed.total.toLocaleString('en')} ceremonies…`;
}

/** The index build as BusyStatus shows it: its words and a bar. */
export function indexingStatus(indexed: { done: number; total: number }): BusyItem {
  return { text: indexingText(indexed), done: indexed.done, total: indexed.total };
}
