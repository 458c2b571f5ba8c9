import { afterEach, describe, expect, it } from 'vitest';
import { setApiForTests } from '../../renderer/src/api';
import { cardsPerStep, visibleFilters } from '../../renderer/src/features/ceremonies/filters';
import { createCeremoniesStore, loadingText } from '../../renderer/src/features/ceremonies/store';
import { indexingText } from '../../renderer/src/lib/indexing';
import type { CallInput, CallOutput } from '../../shared/api/contract';
import type { Result } from '../../shared/api/result';
import { summaries, summary } from './summary-fixtures';
import { createFakeApi, deferred, fail, settle, snapshot, type Handlers } from './fake-api';
import { ceremoniesPageOver, pagedCore, versioned, type PagedCore } from './history-fake';

// Newest first, as the core answers: 120 ceremonies, a few waiting on me, some published, one cancelled.
function store120(): PagedCore {
  return pagedCore(
    summaries(120, (n) => ({
      state: n === 7 ? 'cancelled' : n % 4 === 0 ? 'published' : 'frozen',
      waitingOnMe: n % 10 === 1,
    })).reverse(),
  );
}

function setup(handlers: Handlers = {}, core = store120(), clock = { ms: 0 }) {
  const fake = createFakeApi({
    'ceremonies.page': ceremoniesPageOver(core),
    ...handlers,
  });
  setApiForTests(fake.api);
  const store = createCeremoniesStore(() => clock.ms);
  const pages = () => fake.callsOf('ceremonies.page') as CallInput<'ceremonies.page'>[];
  return { fake, store, core, pages, state: () => store.getState() };
}

async function started(handlers: Handlers = {}, core?: PagedCore, clock?: { ms: number }) {
  const env = setup(handlers, core, clock);
  const stop = env.state().start();
  await settle();
  return { ...env, stop };
}

afterEach(() => setApiForTests(undefined));

describe('the ceremony list, a page at a time', () => {
  it('asks for the first page of All, saying it is loading meanwhile, and shows the core’s rows and counts', async () => {
    const answer = deferred<Result<CallOutput<'ceremonies.page'>>>();
    const core = store120();
    const { state, pages } = setup({ 'ceremonies.page': () => answer.promise }, core);
    state().start();
    expect(state().loading).toBe(loadingText);
    answer.resolve(ceremoniesPageOver(core)({ tab: 'all', limit: cardsPerStep }));
    await settle();
    expect(pages()).toEqual([{ tab: 'all', limit: cardsPerStep }]);
    expect(state().summaries?.map((s) => s.id)).toEqual(core.all.slice(0, cardsPerStep).map((s) => s.id));
    expect(state().total).toBe(120);
    expect(state().counts).toMatchObject({ all: 120, waiting: 12, published: 30, cancelled: 1 });
    expect(state().nextCursor).toBeDefined();
    expect(state().loading).toBeUndefined();
  });

  it('asks for pages only, never every summary, whatever the person does', async () => {
    const { fake, state } = await started();
    state().setFilter('published');
    await settle();
    await state().showMore();
    fake.emit('ceremony.changed', versioned({ ...summary(500), state: 'open' }));
    fake.emit('tokens.changed', snapshot([]));
    await settle();
    expect([...new Set(fake.calls.map((call) => call.name).filter((name) => name.startsWith('ceremonies.')))]).toEqual(['ceremonies.page']);
    expect(state().loadError).toBeUndefined();
  });

  it('a tab asks the core for that tab’s rows', async () => {
    const { state, pages, core } = await started();
    state().setFilter('waiting');
    await settle();
    expect(pages().at(-1)).toEqual({ tab: 'waiting', limit: cardsPerStep });
    expect(state().summaries?.map((s) => s.id)).toEqual(core.all.filter((s) => s.waitingOnMe).map((s) => s.id));
    expect(state().summaries?.every((s) => s.waitingOnMe)).toBe(true);
    expect(state().total).toBe(12);
  });

  it('“Show more” passes the core’s cursor back and adds the next rows below, until the last page', async () => {
    const { state, pages, core } = await started();
    await state().showMore();
    expect(pages().at(-1)).toEqual({ tab: 'all', cursor: 'at:50', limit: cardsPerStep });
    await state().showMore();
    expect(state().summaries?.map((s) => s.id)).toEqual(core.all.map((s) => s.id));
    expect(state().nextCursor).toBeUndefined();
    await state().showMore();
    expect(pages()).toHaveLength(3);
  });

  it('shows the core’s own message when the page cannot be loaded', async () => {
    const { state } = await started({ 'ceremonies.page': () => fail({ code: 'internal', message: 'The ceremony store could not be read.' }) });
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
  it('fetches nothing when the version held is the same, taking “waiting on me” from the event', async () => {
    const { fake, state, pages } = await started();
    const held = state().summaries![3]!;
    fake.emit('ceremony.changed', { ...held, waitingOnMe: !held.waitingOnMe });
    await settle();
    expect(pages()).toHaveLength(1);
    expect(state().summaries![3]!.waitingOnMe).toBe(!held.waitingOnMe);
    expect(state().summaries![3]!.id).toBe(held.id);
  });

  it('a new version updates the row in place and asks the page again (the counts moved)', async () => {
    const { fake, state, pages, core } = await started();
    const held = core.all[2]!;
    const published = { ...held, state: 'published' as const };
    core.all[2] = published;
    fake.emit('ceremony.changed', versioned(published));
    expect(state().summaries![2]!.state).toBe('published');
    await settle();
    expect(pages()).toHaveLength(2);
    expect(state().counts?.published).toBe(31);
  });

  it('many changes while a page is on its way make one more request, not one each', async () => {
    const answers: (() => void)[] = [];
    const core = store120();
    const { fake, state, pages } = setup({ 'ceremonies.page': (input) => new Promise<Result<CallOutput<'ceremonies.page'>>>((resolve) => answers.push(() => resolve(ceremoniesPageOver(core)(input)))) }, core);
    state().start();
    for (let n = 200; n < 210; n += 1) fake.emit('ceremony.changed', versioned(summary(n)));
    expect(pages()).toHaveLength(1);
    answers.shift()!();
    await settle();
    expect(pages()).toHaveLength(2);
    answers.shift()!();
    await settle();
    expect(pages()).toHaveLength(2);
  });

  it('asks again when tokens change, since attached tokens decide “waiting on me”', async () => {
    const { fake, state, pages } = await started();
    fake.emit('tokens.changed', snapshot([]));
    await settle();
    expect(pages()).toHaveLength(2);
    expect(state().loading).toBeUndefined();
  });

  it('stops listening when the screen goes away', async () => {
    const { fake, stop } = await started();
    expect(fake.listeners('ceremony.changed')).toBe(1);
    expect(fake.listeners('ceremonies.indexed')).toBe(1);
    stop();
    expect(fake.listeners('ceremony.changed')).toBe(0);
    expect(fake.listeners('ceremonies.indexed')).toBe(0);
    expect(fake.listeners('tokens.changed')).toBe(0);
  });
});

describe('while the core is still indexing', () => {
  it('says how far it is and asks the first page again on each ceremonies.indexed, until complete', async () => {
    const core = store120();
    core.index = { complete: false, done: 40, total: 120 };
    const { fake, state, pages } = await started({}, core);
    expect(state().complete).toBe(false);
    expect(indexingText(state().indexed!)).toBe('Indexing 40 of 120 ceremonies…');
    core.index = { complete: false, done: 80, total: 120 };
    fake.emit('ceremonies.indexed', { done: 80, total: 120, complete: false });
    await settle();
    expect(pages()).toEqual([{ tab: 'all', limit: cardsPerStep }, { tab: 'all', limit: cardsPerStep }]);
    expect(state().indexed).toEqual({ done: 80, total: 120 });
    core.index = undefined;
    fake.emit('ceremonies.indexed', { done: 120, total: 120, complete: true });
    await settle();
    expect(state().complete).toBe(true);
    // Complete now: further progress events ask nothing.
    fake.emit('ceremonies.indexed', { done: 120, total: 120, complete: true });
    await settle();
    expect(pages()).toHaveLength(3);
  });

  it('moves the bar on every tell but asks the page again at most once a second, and always when complete', async () => {
    const core = store120();
    core.index = { complete: false, done: 40, total: 120 };
    const clock = { ms: 0 };
    const { fake, state, pages } = await started({}, core, clock);
    clock.ms = 100;
    fake.emit('ceremonies.indexed', { done: 60, total: 120, complete: false });
    await settle();
    expect(pages()).toHaveLength(2);
    clock.ms = 600;
    fake.emit('ceremonies.indexed', { done: 80, total: 120, complete: false });
    await settle();
    expect(state().indexed).toEqual({ done: 80, total: 120 });
    expect(pages()).toHaveLength(2);
    clock.ms = 1_100;
    fake.emit('ceremonies.indexed', { done: 100, total: 120, complete: false });
    await settle();
    expect(pages()).toHaveLength(3);
    clock.ms = 1_200;
    core.index = undefined;
    fake.emit('ceremonies.indexed', { done: 120, total: 120, complete: true });
    await settle();
    expect(pages()).toHaveLength(4);
    expect(state().complete).toBe(true);
  });
});

describe('tabs', () => {
  it('hides Cancelled until the core counts one', () => {
    const counts = { all: 7, waiting: 1, open: 3, approved: 1, published: 1, rejected: 1, expired: 1, cancelled: 0 };
    expect(visibleFilters(counts)).not.toContain('cancelled');
    expect(visibleFilters({ ...counts, cancelled: 1 })).toContain('cancelled');
  });

  it('the store remembers the chosen tab', () => {
    const { state } = setup();
    state().setFilter('waiting');
    expect(state().filter).toBe('waiting');
  });
});

describe('"waiting on me" just after a start', () => {
  it('holds it as not known while the core has not looked at the tokens, and asks again when tokens.changed comes', async () => {
    const core = store120();
    // The core started a moment ago: it answers the list at once, without having looked at the keys attached here.
    const beforeTheLook = pagedCore(core.all.map((row) => ({ ...row, waitingOnMe: false })));
    beforeTheLook.waitingOnMeKnown = false;
    let looked = false;
    const { fake, state, pages } = await started({ 'ceremonies.page': (input) => ceremoniesPageOver(looked ? core : beforeTheLook)(input as CallInput<'ceremonies.page'>) });
    expect(state().waitingOnMeKnown).toBe(false);
    expect(state().counts?.waiting).toBe(0);

    looked = true;
    fake.emit('tokens.changed', snapshot([]));
    await settle();
    expect(pages()).toHaveLength(2);
    expect(state().waitingOnMeKnown).toBe(true);
    expect(state().counts?.waiting).toBe(12);
  });
});

describe('a core that cannot save what it judged', () => {
  it('holds the core\u2019s reason from the page, and lets it go once a later page no longer gives one', async () => {
    const core = store120();
    core.indexNotSaved = 'Conclave could not save the ceremonies it has checked, so each start checks every ceremony again (slow on a large store): /data/cache/ceremony-summaries.json is a folder. Move that folder out of the way; Conclave keeps a file there.';
    const { fake, state } = await started({}, core);
    expect(state().indexNotSaved).toBe(core.indexNotSaved);
    core.indexNotSaved = undefined;
    fake.emit('ceremony.changed', versioned({ ...summary(500), state: 'open' }));
    await settle();
    expect(state().indexNotSaved).toBeUndefined();
  });
});
