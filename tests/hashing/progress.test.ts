import { describe, expect, it } from 'vitest';
import { progressReporter, type HashProgress } from '../../electron/core/hashing/progress';

describe('progress throttling', () => {
  it('reports at most once per 1% when the clock stands still, and always the end', () => {
    const events: HashProgress[] = [];
    const reporter = progressReporter(10_000, (progress) => events.push(progress), () => 0);
    for (let done = 1; done <= 10_000; done++) reporter.update(done);
    reporter.finish(10_000);
    expect(events[0]).toEqual({ bytesDone: 0, bytesTotal: 10_000 });
    expect(events).toHaveLength(101);
    expect(events.at(-1)).toEqual({ bytesDone: 10_000, bytesTotal: 10_000 });
  });

  it('reports small steps once 100 ms have passed', () => {
    let now = 0;
    const events: HashProgress[] = [];
    const reporter = progressReporter(1_000_000, (progress) => events.push(progress), () => now);
    reporter.update(10);
    now = 99;
    reporter.update(20);
    now = 100;
    reporter.update(30);
    expect(events.map((event) => event.bytesDone)).toEqual([0, 30]);
  });

  it('never goes backwards and does not repeat the last figure', () => {
    const events: HashProgress[] = [];
    const reporter = progressReporter(100, (progress) => events.push(progress), () => 0);
    reporter.update(50);
    reporter.update(40);
    reporter.finish(50);
    expect(events.map((event) => event.bytesDone)).toEqual([0, 50]);
  });
});
