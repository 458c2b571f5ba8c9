/**
 * What `conclave sync` prints about what arrived: a first sync on a new
 * machine brings a whole store (hundreds of thousands of files), so the
 * files that count are named up to a limit and then counted; every file that
 * does not count, or that no key of the policy signed, is always named, since
 * that is what the person at the screen must see, however many there are.
 */
import { describe, expect, it } from 'vitest';
import { arrivalsListed, describeSync } from '../../electron/cli/commands/remote';
import type { ArrivedEvent } from '../../electron/core/repository/ceremony-arrivals';
import type { SyncReport } from '../../electron/core/repository/repository-service';

const approval = (ceremony: number, index: number): ArrivedEvent => ({ ceremonyId: `c-20261206-ceremony${String(ceremony).padStart(3, '0')}`, name: `20261206T010000${String(index).padStart(3, '0')}Z-approved-${'a'.repeat(16)}.json`, type: 'approved', by: 'bob' });

function report(events: ArrivedEvent[]): SyncReport {
  return { outcome: 'synced', url: 'ssh://git.example.org/store.git', committed: [], leftOut: [], pushed: 0, attempts: 1, arrivals: { events, evidence: [], problems: [] } };
}

describe('the arrivals a sync reports', () => {
  it('names every file when few arrive', () => {
    const text = describeSync(report([approval(1, 1), approval(1, 2)]));
    expect(text.split('\n').filter((line) => line.startsWith('  arrived  '))).toHaveLength(2);
    expect(text).toContain('2 event files received');
    expect(text).not.toMatch(/more event file/);
  });

  it('names the first files that count, counts the rest, and always names the ones that do not count', () => {
    const counting = Array.from({ length: 2_000 }, (_, index) => approval(index % 40, index));
    const forged: ArrivedEvent = { ceremonyId: 'c-20261206-forgedxxxx', name: '20261206T020000000Z-approved-ffffffffffffffff.json', type: 'approved', problem: 'its signature does not verify' };
    const outsider: ArrivedEvent = { ceremonyId: 'c-20261206-outsiderxx', name: '20261206T030000000Z-approved-eeeeeeeeeeeeeeee.json', type: 'approved' };
    // The ones that do not count arrive last, after the limit: they are named all the same.
    const text = describeSync(report([...counting, forged, outsider]));
    const arrived = text.split('\n').filter((line) => line.startsWith('  arrived  '));
    expect(arrived.filter((line) => line.includes('approved by bob'))).toHaveLength(arrivalsListed);
    expect(text).toContain(`  arrived  ${forged.name} (ceremony ${forged.ceremonyId}: does NOT count)`);
    expect(text).toContain(`  arrived  ${outsider.name} (ceremony ${outsider.ceremonyId}: approved, signed by no key of the policy)`);
    expect(text).toContain(`  arrived  ${2_000 - arrivalsListed} more event files of 40 ceremonies, each signed by an approver of its policy`);
    expect(text).toContain('2002 event files received');
    expect(arrived.length).toBe(arrivalsListed + 3);
  });
});
