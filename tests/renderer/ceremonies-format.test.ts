import { describe, expect, it } from 'vitest';
import { deadlineText, durationText, listText, meterValues, relativeDeadline, releaseName, signersText } from '../../renderer/src/features/ceremonies/format';
import { summary } from './summary-fixtures';

const now = Date.parse('2025-03-10T12:00:00Z');
const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;
const at = (offset: number) => new Date(now + offset).toISOString();

describe('relative deadlines', () => {
  it('says how long is left in whole days once it is two days or more', () => {
    expect(relativeDeadline(at(2 * day), now)).toBe('expires in 2 days');
    expect(relativeDeadline(at(7 * day + 5 * hour), now)).toBe('expires in 7 days');
  });

  it('never rounds up: 47 hours and 59 minutes is not “2 days”', () => {
    expect(relativeDeadline(at(2 * day - minute), now)).toBe('expires in 47 hours');
  });

  it('uses hours and minutes as the deadline comes close, with singular units', () => {
    expect(relativeDeadline(at(hour), now)).toBe('expires in 1 hour');
    expect(relativeDeadline(at(5 * minute + 59_000), now)).toBe('expires in 5 minutes');
    expect(relativeDeadline(at(minute), now)).toBe('expires in 1 minute');
    expect(relativeDeadline(at(20_000), now)).toBe('expires in less than a minute');
  });

  it('says how long ago a deadline passed', () => {
    expect(relativeDeadline(at(-3 * hour), now)).toBe('expired 3 hours ago');
    expect(relativeDeadline(at(-1 * day - 1), now)).toBe('expired 24 hours ago');
    expect(relativeDeadline(at(-3 * day), now)).toBe('expired 3 days ago');
    expect(relativeDeadline(at(0), now)).toBe('expired less than a minute ago');
  });

  it('says nothing rather than “NaN days” for a date it cannot read', () => {
    expect(relativeDeadline('next tuesday', now)).toBeUndefined();
  });

  it('shows the deadline only where it still matters', () => {
    const expiresAt = at(2 * day);
    expect(deadlineText({ ...summary(1, { state: 'frozen' }), expiresAt }, now)).toBe('expires in 2 days');
    expect(deadlineText({ ...summary(1, { state: 'open' }), expiresAt }, now)).toBe('expires in 2 days');
    expect(deadlineText({ ...summary(1, { state: 'expired' }), expiresAt: at(-2 * day) }, now)).toBe('expired 2 days ago');
    expect(deadlineText({ ...summary(1, { state: 'published' }), expiresAt }, now)).toBeUndefined();
  });

  it('durations are symmetric in sign', () => {
    expect(durationText(-90 * minute)).toBe(durationText(90 * minute));
  });
});

describe('who has signed', () => {
  it('names approvers and rejecters in words', () => {
    expect(signersText({ approvedBy: ['alice', 'bob'], rejectedBy: ['carol'] })).toBe('Approved by alice and bob · Rejected by carol');
    expect(signersText({ approvedBy: ['alice', 'bob', 'dave'], rejectedBy: [] })).toBe('Approved by alice, bob and dave');
    expect(signersText({ approvedBy: [], rejectedBy: [] })).toBe('No approvals yet');
  });

  it('lists of one or none', () => {
    expect(listText([])).toBe('');
    expect(listText(['alice'])).toBe('alice');
  });
});

describe('the threshold meter', () => {
  it('counts approvals out of the threshold', () => {
    expect(meterValues({ counted: 2, policy: { ...summary(1).policy, threshold: 3 } })).toEqual({ value: 2, max: 3 });
  });

  it('stays inside its range when more approvals than needed count', () => {
    expect(meterValues({ counted: 4, policy: { ...summary(1).policy, threshold: 3 } })).toEqual({ value: 3, max: 3 });
  });
});

describe('release names', () => {
  it('joins name and version, and names an unnamed release', () => {
    expect(releaseName({ release: { name: 'app', version: '1.2.3', purl: '' } })).toBe('app 1.2.3');
    expect(releaseName({ release: { name: ' ', version: '', purl: '' } })).toBe('Unnamed release');
  });
});
