/**
 * When the window hears how far a build of the index is (ceremonies.indexed,
 * after which it asks for its page again and draws it): first once a
 * screenful of ceremonies is judged, so that a large store's first rows show
 * then, not a fiftieth of the way in; then about fifty times, but never more
 * than four times a second; and at the end.
 */
import { describe, expect, it } from 'vitest';
import { BuildProgressTeller, progressEveryMs } from '../../electron/core/api/services/build-progress';

/** The points of a build of `total` ceremonies the window hears of, one ceremony judged every `msEach` milliseconds. */
function toldAt(total: number, msEach: number): number[] {
  let now = 0;
  const teller = new BuildProgressTeller(() => now);
  const told: number[] = [];
  for (let done = 1; done <= total; done++) {
    now += msEach;
    if (teller.tells({ done, total })) told.push(done);
  }
  return told;
}

describe('the progress of a build the window hears', () => {
  it('over 100,000 ceremonies judged at 2,000 a second: at 25 judged, then every 2,000, and at the end', () => {
    const told = toldAt(100_000, 0.5);
    expect(told.slice(0, 3)).toEqual([25, 2025, 4025]);
    expect(told).toHaveLength(51);
    expect(told.at(-1)).toBe(100_000);
  });

  it('over 10,000 judged at 2,000 a second: never more than four times a second, where a fiftieth would be ten', () => {
    const told = toldAt(10_000, 0.5);
    expect(told[0]).toBe(25);
    expect(told.at(-1)).toBe(10_000);
    // Between the first rows and the end, each is at least a quarter of a second after the one before.
    const middle = told.slice(1, -1);
    for (const [index, done] of middle.entries()) expect((done - (index === 0 ? 25 : middle[index - 1]!)) * 0.5).toBeGreaterThanOrEqual(progressEveryMs);
    // 5 s of judging: about 20 times, not the 50 a fiftieth of the way would give.
    expect(told.length).toBeGreaterThanOrEqual(19);
    expect(told.length).toBeLessThanOrEqual(22);
  });

  it('over a slow build: every fiftieth of the way (at least a screenful), as before', () => {
    expect(toldAt(1_000, 100)).toEqual(Array.from({ length: 40 }, (_, index) => (index + 1) * 25));
  });

  it('over a few: at 25 and at the end; over fewer than 25, at the end alone', () => {
    expect(toldAt(40, 0.5)).toEqual([25, 40]);
    expect(toldAt(10, 0.5)).toEqual([10]);
  });
});
