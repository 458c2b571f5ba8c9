/**
 * The benchmark's reading reference has a deadline (bench/support.ts): a
 * reading that never settles is taken again instead of holding `npm run
 * bench` for ever, and a second stall stops the run with a message.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { timedWithin } from '../../bench/support';

const never = () => new Promise<void>(() => undefined);

describe('a timed figure with a deadline', () => {
  afterEach(() => vi.restoreAllMocks());

  it('is the second run when the first never settles, and says it was taken again', async () => {
    const printed = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    let runs = 0;
    const figure = await timedWithin(200, 'Reading every file of /store', () => (++runs === 1 ? never() : Promise.resolve()));
    expect(runs).toBe(2);
    // The second run's figure: one that counted the first run's wait would be past the deadline.
    expect(figure).toBeLessThan(0.2);
    expect(printed.mock.calls.map(([text]) => String(text)).join('')).toContain('Reading every file of /store did not finish within 0.2 s; taken again');
  });

  it('stops the run with a message when the second run stalls too', async () => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    await expect(timedWithin(20, 'Reading every file of /store', never)).rejects.toThrow('Reading every file of /store did not finish within 0.02 s, twice: the figure cannot be taken. Run the benchmark again.');
  });

  it('runs work that settles in time once', async () => {
    let runs = 0;
    await timedWithin(10_000, 'Reading', async () => void runs++);
    expect(runs).toBe(1);
  });
});
