/**
 * Works through `items` with at most `atOnce` of them in progress, taking
 * them in order: enough in flight to overlap one item's reads with
 * another's computing, few enough not to queue thousands of reads at once.
 * Settles when every item is done; the first failure rejects, once the
 * items in progress have finished.
 */
export async function eachAtOnce<T>(items: readonly T[], atOnce: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  await Promise.all(
    Array.from({ length: Math.min(Math.max(1, atOnce), items.length) }, async () => {
      for (let at = next++; at < items.length && !failure; at = next++) {
        try {
          await work(items[at]!, at);
        } catch (error) {
          failure ??= { error };
        }
      }
    }),
  );
  if (failure) throw failure.error;
}
