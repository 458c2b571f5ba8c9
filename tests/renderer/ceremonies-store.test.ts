import { afterEach, describe, expect, it } from 'vitest';
import { setApiForTests } from '../../renderer/src/api';
import { filterCeremonies, filterCounts, upsertSummary, visibleFilters } from '../../renderer/src/features/ceremonies/filters';
import { createCeremoniesStore, loadingText } from '../../renderer/src/features/ceremonies/store';
import type { CallOutput } from '../../shared/api/contract';
import type { Result } from '../../shared/api/result';
import { summary } from './summary-fixtures';
import { changed, createFakeApi, deferred, fail, ok, settle, snapshot, type Handlers } from './fake-api';

const older = summary(1, { release: { name: 'app', version: '1.0.0', purl: 'pkg:npm/app@1.0.0' } });
const newer = summary(2, { release: { name: 'app', version: '1.1.0', purl: 'pkg:npm/app@1.1.0' } });

function setup(handlers: Handlers = {}) {
  const fake = createFakeApi({ 'ceremonies.list': () => ok([older, newer]), ...handlers });
  setApiForTests(fake.api);
  const store = createCeremoniesStore();
  return { fake, store, state: () => store.getState() };
}

async function started(handlers: Handlers = {}) {
  const env = setup(handlers);
  const stop = env.state().start();
  await settle();
  return { ...env, stop };
}

afterEach(() => setApiForTests(undefined));

describe('the ceremony list', () => {
  it('shows the core’s summaries newest first, saying it is loading meanwhile', async () => {
    const answer = deferred<Result<CallOutput<'ceremonies.list'>>>();
    const { state } = setup({ 'ceremonies.list': () => answer.promise });
    state().start();
    expect(state().loading).toBe(loadingText);
    answer.resolve(ok([older, newer]));
    await settle();
    expect(state().summaries?.map((s) => s.id)).toEqual([newer.id, older.id]);
    expect(state().loading).toBeUndefined();
  });

  it('shows the core’s own message when the list cannot be loaded', async () => {
    const { state } = await started({ 'ceremonies.list': () => fail({ code: 'internal', message: 'The ceremony store could not be read.' }) });
    expect(state().loadError?.message).toBe('The ceremony store could not be read.');
    expect(state().summaries).toBeUndefined();
  });

  it('explains when no API can be reached instead of crashing', () => {
    setApiForTests({
      call: () => Promise.reject(new Error('unused')),
      on: () => {
        throw new Error('This page must be opened by Conclave.');
      },
    });
    const store = createCeremoniesStore();
    const stop = store.getState().start();
    expect(store.getState().loadError?.message).toBe('This page must be opened by Conclave.');
    expect(() => stop()).not.toThrow();
  });
});

describe('live updates from ceremony.changed', () => {
  it('updates the changed ceremony in place, leaving the others and the order alone', async () => {
    const { fake, state } = await started();
    const signed = changed({ ...older, approvedBy: ['alice'], counted: 1, tally: '1 of 2; security still needed' });
    fake.emit('ceremony.changed', signed);
    const list = state().summaries!;
    expect(list.map((s) => s.id)).toEqual([newer.id, older.id]);
    expect(list[1]).toEqual(signed);
    expect(list[0]).toBe(newer);
  });

  it('inserts a ceremony it has not seen, in newest-first order', async () => {
    const { fake, state } = await started();
    const middle = summary(1, { id: 'c-20250301-mmmmmmmmmm', openedAt: new Date(Date.parse(older.openedAt) + 30_000).toISOString() });
    fake.emit('ceremony.changed', changed(middle));
    expect(state().summaries?.map((s) => s.id)).toEqual([newer.id, middle.id, older.id]);
  });

  it('keeps a change that arrives while the list is on its way (the change is newer)', async () => {
    const answer = deferred<Result<CallOutput<'ceremonies.list'>>>();
    const { fake, state } = setup({ 'ceremonies.list': () => answer.promise });
    state().start();
    const published = changed({ ...newer, state: 'published' as const });
    fake.emit('ceremony.changed', published);
    answer.resolve(ok([older, newer]));
    await settle();
    expect(state().summaries?.find((s) => s.id === newer.id)?.state).toBe('published');
  });

  it('asks again when tokens change, since attached tokens decide “waiting on me”', async () => {
    const { fake, state } = await started();
    fake.emit('tokens.changed', snapshot([]));
    await settle();
    expect(fake.callsOf('ceremonies.list')).toHaveLength(2);
    expect(state().loading).toBeUndefined();
  });

  it('stops listening when the screen goes away', async () => {
    const { fake, stop } = await started();
    expect(fake.listeners('ceremony.changed')).toBe(1);
    stop();
    expect(fake.listeners('ceremony.changed')).toBe(0);
    expect(fake.listeners('tokens.changed')).toBe(0);
  });
});

describe('filters', () => {
  const list = [
    summary(1, { state: 'open' }),
    summary(2, { state: 'frozen', waitingOnMe: true }),
    summary(3, { state: 'approved' }),
    summary(4, { state: 'published' }),
    summary(5, { state: 'rejected' }),
    summary(6, { state: 'expired' }),
    summary(7, { state: 'frozen', waitingOnMe: false }),
  ];

  it('“waiting on me” shows exactly the ceremonies the core marks waitingOnMe', () => {
    expect(filterCeremonies(list, 'waiting').map((s) => s.id)).toEqual([list[1]!.id]);
  });

  it('“open” includes frozen ceremonies, which still gather approvals', () => {
    expect(filterCeremonies(list, 'open').map((s) => s.state)).toEqual(['open', 'frozen', 'frozen']);
  });

  it('counts each tab and hides Cancelled until there is one', () => {
    const counts = filterCounts(list);
    expect(counts).toMatchObject({ all: 7, waiting: 1, open: 3, approved: 1, published: 1, rejected: 1, expired: 1, cancelled: 0 });
    expect(visibleFilters(counts)).not.toContain('cancelled');
    expect(visibleFilters(filterCounts([...list, summary(8, { state: 'cancelled' })]))).toContain('cancelled');
  });

  it('the store remembers the chosen tab', () => {
    const { state } = setup();
    state().setFilter('waiting');
    expect(state().filter).toBe('waiting');
  });

  it('upsert does not change the list it was given', () => {
    const before = [newer, older];
    upsertSummary(before, { ...older, state: 'expired' });
    expect(before[1]!.state).toBe('frozen');
  });
});
