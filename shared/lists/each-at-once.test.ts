import { describe, expect, it } from 'vitest';
import { eachAtOnce } from './each-at-once';

/** Work that settles when told to, recording how many items are in progress at once. */
function tracked() {
  let inProgress = 0;
  let most = 0;
  const started: number[] = [];
  const work = async (item: number) => {
    started.push(item);
    most = Math.max(most, ++inProgress);
    // Later items finish sooner: the order of starts, not of ends, is what the helper keeps.
    await new Promise((resolve) => setTimeout(resolve, 5 - (item % 5)));
    inProgress--;
  };
  return { work, started, most: () => most, inProgress: () => inProgress };
}

describe('eachAtOnce', () => {
  it('does every item once, starting them in order, never more than the limit in progress', async () => {
    const run = tracked();
    const items = Array.from({ length: 40 }, (_, index) => index);
    await eachAtOnce(items, 8, run.work);
    expect(run.started).toEqual(items);
    expect(run.most()).toBe(8);
    expect(run.inProgress()).toBe(0);
  });

  it('passes each item its index, and takes fewer items than the limit, or none', async () => {
    const seen: string[] = [];
    await eachAtOnce(['a', 'b', 'c'], 8, async (item, index) => void seen.push(`${index}:${item}`));
    expect(seen.sort()).toEqual(['0:a', '1:b', '2:c']);
    await eachAtOnce([], 8, async () => {
      throw new Error('never called');
    });
  });

  it('rejects with the first failure once the items in progress have finished, and starts no more', async () => {
    const run = tracked();
    const items = Array.from({ length: 40 }, (_, index) => index);
    const failing = eachAtOnce(items, 4, async (item) => {
      if (item === 5) throw new Error('item 5 failed');
      await run.work(item);
    });
    await expect(failing).rejects.toThrow('item 5 failed');
    expect(run.inProgress()).toBe(0);
    expect(run.started.length).toBeLessThan(items.length);
  });
});
