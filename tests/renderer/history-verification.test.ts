import { afterEach, describe, expect, it } from 'vitest';
import { setApiForTests } from '../../renderer/src/api';
import { createRepositoryStore } from '../../renderer/src/features/settings/repository-store';
import {
  auditCountsText,
  auditSummary,
  findingPlace,
  moreFindingsText,
  verificationText,
  verificationWords,
  type HistoryAudit,
  type HistoryVerification,
} from '../../renderer/src/features/history/verification';
import { createVerificationStore } from '../../renderer/src/features/history/verification-store';
import type { RepositoryStatus } from '../../shared/api/contract';
import type { Result } from '../../shared/api/result';
import { createFakeApi, deferred, fail, ok, settle, type Handlers } from './fake-api';

const head = '1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b';
const newer = 'f'.repeat(40);
const at = '2026-11-22T14:05:00.000Z';
const now = Date.parse(at) + 2 * 3_600_000 + 5 * 60_000;
const format = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });

const status = (verification?: HistoryVerification, over: Partial<RepositoryStatus> = {}): RepositoryStatus => ({
  state: 'no-remote',
  ahead: 0,
  behind: 0,
  syncing: false,
  ...(verification ? { verification } : {}),
  ...over,
});
const words = (verification?: HistoryVerification) => verificationWords(status(verification), now, format);

const counts = { ceremonies: 12, events: 48, signatures: 61, evidence: 9, publishedEnvelopes: 3, commits: 20 };
const audit = (over: Partial<HistoryAudit> = {}): HistoryAudit => ({
  ok: true,
  head: newer,
  counts,
  findings: [],
  moreFindings: 0,
  command: "conclave audit verify --store '/home/ana/Conclave store'",
  notes: [],
  verification: { state: 'verified', head: newer, at, commitsSince: 0 },
  ...over,
});
const problems: HistoryAudit['findings'] = [
  { code: 'event-signature-invalid', message: 'The event is not signed by its author.', ceremonyId: 'c-20261122-abcdefghij', file: 'ceremonies/2026/11/22/c-20261122-abcdefghij/events/0003.json' },
  { code: 'history-rewritten', message: 'The history of main was rewritten.', commit: head },
  { code: 'ceremony-unloadable', message: 'The ceremony cannot be loaded.', ceremonyId: 'c-20261122-klmnopqrst' },
];

afterEach(() => setApiForTests(undefined));

describe('what this machine has verified, in words', () => {
  it('says so when nothing was verified here, or while the status is on its way', () => {
    expect(verificationWords(undefined, now, format)).toEqual({ text: verificationText.checking, tone: 'info' });
    expect(words({ state: 'never' })).toEqual({ text: 'Never verified on this machine.', tone: 'neutral' });
    // A core that cannot read this machine's record leaves it out: nothing is known to be verified.
    expect(words(undefined)).toEqual({ text: 'Never verified on this machine.', tone: 'neutral' });
  });

  it('names the verified commit and when', () => {
    expect(words({ state: 'verified', head, at, commitsSince: 0 })).toEqual({ text: 'History verified through commit 1a2b3c4d5e6f on 22 Nov 2026, 14:05.', tone: 'ok' });
    expect(words({ state: 'verified', head }).text).toBe('History verified through commit 1a2b3c4d5e6f.');
  });

  it('counts the commits since the last verification, and how long ago it was', () => {
    expect(words({ state: 'behind', head, at, commitsSince: 3 })).toEqual({ text: '3 commits since the last verification (1a2b3c4d5e6f, 2 hours ago).', tone: 'info' });
    expect(words({ state: 'behind', head, at, commitsSince: 1 }).text).toBe('1 commit since the last verification (1a2b3c4d5e6f, 2 hours ago).');
    expect(words({ state: 'behind', head, commitsSince: 2 }).text).toBe('2 commits since the last verification (1a2b3c4d5e6f).');
    // A clock set wrong somewhere: the time itself, never "… ago" for the future.
    expect(words({ state: 'behind', head, at: '2027-01-01T00:00:00.000Z', commitsSince: 2 }).text).toBe('2 commits since the last verification (1a2b3c4d5e6f, 1 Jan 2027, 00:00).');
  });

  it('says how many problems the last verification found, in an error style', () => {
    expect(words({ state: 'failed', at, findings: 4 })).toEqual({ text: 'The last verification found 4 problems (22 Nov 2026, 14:05).', tone: 'error' });
    expect(words({ state: 'failed', at, findings: 1 }).text).toBe('The last verification found 1 problem (22 Nov 2026, 14:05).');
    expect(words({ state: 'failed', head, at, findings: 2 }).text).toBe('The last verification found 2 problems (22 Nov 2026, 14:05). History was last verified clean through commit 1a2b3c4d5e6f.');
  });
});

describe('what one audit found, in words', () => {
  it('counts what was checked', () => {
    expect(auditCountsText(counts)).toBe('12 ceremonies, 48 events, 61 signatures, 9 evidence files, 3 published envelopes and 20 commits');
    expect(auditCountsText({ ceremonies: 1, events: 1, signatures: 1, evidence: 1, publishedEnvelopes: 1, commits: 1 })).toBe('1 ceremony, 1 event, 1 signature, 1 evidence file, 1 published envelope and 1 commit');
    expect(auditCountsText({ ...counts, events: 12_345 }, false)).toBe('12 ceremonies, 12,345 events, 61 signatures, 9 evidence files and 3 published envelopes');
  });

  it('sums up a clean audit, a store without history, and problems', () => {
    expect(auditSummary(audit())).toEqual({ text: 'Verified: 12 ceremonies, 48 events, 61 signatures, 9 evidence files, 3 published envelopes and 20 commits checked.', tone: 'ok' });
    const { head: _head, ...withoutHistory } = audit({ counts: { ...counts, commits: 0 }, verification: { state: 'never' } });
    void _head;
    expect(auditSummary(withoutHistory)).toEqual({
      text: 'Verified: no problems in 12 ceremonies, 48 events, 61 signatures, 9 evidence files and 3 published envelopes. The store has no git history yet, so there was no history to verify and nothing was recorded as verified on this machine.',
      tone: 'ok',
    });
    expect(auditSummary(audit({ ok: false, findings: problems, moreFindings: 250 }))).toEqual({
      text: 'The verification found 253 problems; 12 ceremonies, 48 events, 61 signatures, 9 evidence files, 3 published envelopes and 20 commits checked.',
      tone: 'error',
    });
  });

  it('says where each problem is, and how many are not listed', () => {
    expect(findingPlace(problems[0]!)).toEqual([{ label: 'File', value: 'ceremonies/2026/11/22/c-20261122-abcdefghij/events/0003.json' }]);
    expect(findingPlace(problems[1]!)).toEqual([{ label: 'Commit', value: '1a2b3c4d5e6f' }]);
    expect(findingPlace(problems[2]!)).toEqual([{ label: 'Ceremony', value: 'c-20261122-klmnopqrst' }]);
    expect(moreFindingsText(0)).toBeUndefined();
    expect(moreFindingsText(1_250)).toBe('and 1,250 more, which this command lists with the others:');
  });
});

function setup(handlers: Handlers) {
  const fake = createFakeApi({ 'repository.status': () => ok(status({ state: 'never' })), ...handlers });
  setApiForTests(fake.api);
  const repository = createRepositoryStore();
  const store = createVerificationStore(repository);
  return { fake, repository, store, state: () => store.getState() };
}

describe('Verify history', () => {
  it('is busy while the audit runs, ignores a second press, then shows the result and the new state', async () => {
    const answer = deferred<Result<HistoryAudit>>();
    const { fake, repository, state } = setup({ 'repository.audit': () => answer.promise });
    const stop = repository.getState().start();
    await settle();
    expect(verificationWords(repository.getState().status, now, format).text).toBe('Never verified on this machine.');

    const running = state().verify();
    expect(state().busy).toBe(verificationText.busy);
    void state().verify();
    expect(fake.callsOf('repository.audit')).toEqual([{}]);

    answer.resolve(ok(audit()));
    await running;
    expect(state()).toMatchObject({ busy: undefined, error: undefined, result: { ok: true, head: newer } });
    expect(auditSummary(state().result!).text).toMatch(/^Verified: 12 ceremonies/);
    // The line above the button changes at once, without asking the remote again.
    expect(verificationWords(repository.getState().status, now, format).text).toBe('History verified through commit ffffffffffff on 22 Nov 2026, 14:05.');
    expect(fake.callsOf('repository.status')).toHaveLength(1);
    // repository.changed (which the core sends too) says the same.
    fake.emit('repository.changed', status({ state: 'verified', head: newer, at, commitsSince: 0 }));
    expect(repository.getState().status?.verification?.state).toBe('verified');
    stop();
  });

  it('lists what a failed audit found and shows the failed state', async () => {
    const found = audit({ ok: false, findings: problems, moreFindings: 2, notes: ['Ceremony c-1: a decision came after the ceremony expired; it does not count.'], verification: { state: 'failed', at, findings: 5, head } });
    const { repository, state } = setup({ 'repository.audit': () => ok(found) });
    repository.getState().start();
    await settle();
    await state().verify();
    expect(state().result).toEqual(found);
    expect(state().error).toBeUndefined();
    expect(auditSummary(state().result!)).toMatchObject({ text: expect.stringMatching(/^The verification found 5 problems;/), tone: 'error' });
    expect(verificationWords(repository.getState().status, now, format)).toEqual({
      text: 'The last verification found 5 problems (22 Nov 2026, 14:05). History was last verified clean through commit 1a2b3c4d5e6f.',
      tone: 'error',
    });
  });

  it('says why the audit could not run, keeps the state as it was, and can run again', async () => {
    let calls = 0;
    const { repository, state } = setup({
      'repository.audit': () => (++calls === 1 ? fail({ code: 'internal', message: 'git failed: fatal: bad object HEAD.' }) : ok(audit())),
    });
    repository.getState().start();
    await settle();
    await state().verify();
    expect(state()).toMatchObject({ busy: undefined, result: undefined, error: { code: 'internal', message: 'git failed: fatal: bad object HEAD.' } });
    expect(repository.getState().status?.verification).toEqual({ state: 'never' });
    state().dismissError();
    expect(state().error).toBeUndefined();

    await state().verify();
    expect(state()).toMatchObject({ busy: undefined, error: undefined, result: { ok: true } });
    expect(repository.getState().status?.verification?.state).toBe('verified');
  });

  it('turns a thrown call (no connection) into words', async () => {
    const { state } = setup({
      'repository.audit': () => {
        throw new Error('The connection to Conclave was lost.');
      },
    });
    await state().verify();
    expect(state().error).toEqual({ code: 'internal', message: 'The connection to Conclave was lost.' });
    expect(state().busy).toBeUndefined();
  });

  it('loads the whole status when an audit ends before the first status arrived', async () => {
    const { fake, repository, state } = setup({ 'repository.audit': () => ok(audit()) });
    expect(repository.getState().status).toBeUndefined();
    await state().verify();
    await settle();
    expect(fake.callsOf('repository.status')).toHaveLength(1);
    expect(repository.getState().status).toBeDefined();
  });

  it('keeps the honest outcome of a store with no git history: nothing recorded as verified', async () => {
    const { head: _head, ...noHistory } = audit({
      counts: { ceremonies: 0, events: 0, signatures: 0, evidence: 0, publishedEnvelopes: 0, commits: 0 },
      notes: ['The store at /data/store is not a git repository, so there is no history to check; only its files were checked. "conclave sync" makes it one.'],
      verification: { state: 'never' },
    });
    void _head;
    const { repository, state } = setup({ 'repository.audit': () => ok(noHistory) });
    repository.getState().start();
    await settle();
    await state().verify();
    expect(auditSummary(state().result!).text).toMatch(/^Verified: no problems in 0 ceremonies, .*nothing was recorded as verified on this machine\.$/);
    expect(state().result?.notes).toHaveLength(1);
    expect(verificationWords(repository.getState().status, now, format).text).toBe('Never verified on this machine.');
  });
});
