/**
 * "Latest answer wins", kept in one place: a request begun under a key makes
 * every earlier request under that key stale, so an answer that arrives late
 * (an older search, a page of a list since reloaded) is dropped instead of
 * landing on newer data. Stores use one of these instead of hand-made counters.
 */
export interface LatestRequests<Key extends string> {
  /** Starts a request under `key`; the function it returns says whether that request is still the newest. */
  begin(key: Key): () => boolean;
  /** Makes every request under `key` stale (the data it would fill was replaced or went away). */
  drop(key: Key): void;
}

export function latestRequests<Key extends string>(): LatestRequests<Key> {
  const newest = new Map<Key, number>();
  const bump = (key: Key) => {
    const next = (newest.get(key) ?? 0) + 1;
    newest.set(key, next);
    return next;
  };
  return {
    begin(key) {
      const ticket = bump(key);
      return () => newest.get(key) === ticket;
    },
    drop(key) {
      bump(key);
    },
  };
}
