/**
 * When the window hears how far a build of the index is (ceremonies.indexed).
 * Each time it hears, its bar moves; at most once a second it also asks for
 * its page again (renderer/src/lib/indexing.ts): the core builds and sends a
 * page of 50 summaries, the browser parses and lays it out, on the same two
 * cores that judge the ceremonies. So it hears first once a screenful is
 * judged (the first rows show then, not a fiftieth of the way into a large
 * build), then about fifty times over the build but at most four times a
 * second, and at the end.
 */
import type { IndexProgress } from '../../ceremony/ceremony-index';

/** Rows the window shows at first. */
const screenful = 25;
/** The window hears of a build at most this often between its first rows and its end. */
export const progressEveryMs = 250;

/** One build's progress, as the window hears it: a new teller for each build (its count starts again from nothing). */
export class BuildProgressTeller {
  private toldDone = 0;
  private toldAt = Number.NEGATIVE_INFINITY;

  /** `now`: a monotonic clock in milliseconds (tests pass their own). */
  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Whether the window hears of this point of the build; called after each ceremony judged. */
  tells({ done, total }: IndexProgress): boolean {
    const step = Math.max(screenful, Math.ceil(total / 50));
    const now = this.now();
    const told = done === Math.min(screenful, total) || done === total || (done - this.toldDone >= step && now - this.toldAt >= progressEveryMs);
    if (told) {
      this.toldDone = done;
      this.toldAt = now;
    }
    return told;
  }
}
