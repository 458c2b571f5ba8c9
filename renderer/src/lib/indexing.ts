/** "Indexing 1,200 of 10,000 ceremonies…": while the core still judges the store, the rows and counts shown are those judged so far. */
export function indexingText(indexed: { done: number; total: number }): string {
  return `Indexing ${indexed.done.toLocaleString('en')} of ${indexed.total.toLocaleString('en')} ceremonies…`;
}
