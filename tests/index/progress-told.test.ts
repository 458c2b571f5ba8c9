/**
 * When the window hears how far a build of the index is (ceremonies.indexed,
 * after which it asks for its page again): first once a screenful of
 * ceremonies is judged, so that a large store's first rows show then, not a
 * fiftieth of the way in; then about fifty times; and at the end.
 */
import { describe, expect, it } from 'vitest';
import { tellsProgress } from '../../electron/core/api/services/ceremony-catalog';

const toldAt = (total: number) => Array.from({ length: total }, (_, index) => index + 1).filter((done) => tellsProgress({ done, total }));

describe('the progress of a build the window hears', () => {
  it('over 100,000 ceremonies: at 25 judged, then every 2,000, and at the end', () => {
    const told = toldAt(100_000);
    expect(told.slice(0, 3)).toEqual([25, 2000, 4000]);
    expect(told).toHaveLength(51);
    expect(told.at(-1)).toBe(100_000);
  });

  it('over a few: at 25 and at the end; over fewer than 25, at the end alone', () => {
    expect(toldAt(40)).toEqual([25, 40]);
    expect(toldAt(10)).toEqual([10]);
  });
});
