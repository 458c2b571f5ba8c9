import { afterEach, describe, expect, it, vi } from 'vitest';
import { setApiForTests } from '../../renderer/src/api';
import { endOfDay, pageSize, startOfDay } from '../../renderer/src/features/history/query';
import { createHistoryStore, historyText, rowAt, searchDelayMs, type HistoryDeps } from '../../renderer/src/features/history/store';
import { indexingText } from '../../renderer/src/lib/indexing';
import type { CallInput, CallOutput } from '../../shared/api/contract';
import type { Result } from '../../shared/api/result';
import { summaries, summary } from './summary-fixtures';
import { changed, createFakeApi, deferred, fail, ok, settle, type Handlers } from './fake-api';
import { historyPageOver, pagedCore, versioned } from './history-fake';

const tenThousand = summaries(10_000, (n) => ({
  state: n % 5 === 0 ? 'published' : n % 7 === 0 ? 'rejected' : 'frozen',
  approvedBy: n % 3 === 0 ? ['alice', 'bob'] : ['carol'],
}));

interface Saved {
  fileName: string;
  content: string;
  mediaType: string;
}

const search = historyPageOver(pagedCore(tenThousand));

function setup(handlers: Handlers = {}) {
  const fake = createFakeApi({
    'history.page': search,
    ...handlers,
  });
  setApiForTests(fake.api);
  const saved: Saved[] = [];
  const timers: { callback: () => void; ms: number; cancelled: boolean }[] = [];
  const clock = { ms: 0 };
  const deps: HistoryDeps = {
    save: (fileName, content, mediaType) => saved.push({ fileName, content, mediaType }),
    setTimeout: (callback, ms) => {
      const timer = { callback, ms, cancelled: false };
      timers.push(timer);
      return timer;
    },
    clearTimeout: (handle) => {
      (handle as { cancelled: boolean }).cancelled = true;
    },
    now: () => clock.ms,
  };
  const store = createHistoryStore(deps);
  const searches = () => fake.callsOf('history.page') as CallInput<'history.page'>[];
  /** Fires the pending (not cancelled) timers, as if the person paused typing. */
  const pause = async () => {
    for (const timer of timers.splice(0)) if (!timer.cancelled) timer.callback();
    await settle();
  };
  return { fake, store, state: () => store.getState(), saved, timers, clock, searches, pause };
}

async function started(handlers: Handlers = {}) {
  const env = setup(handlers);
  const stop = env.state().start();
  await settle();
  return { ...env, stop };
}

afterEach(() => {
  setApiForTests(undefined);
  vi.restoreAllMocks();
});

describe('searching the history', () => {
  it('asks for the first page of everything when the screen opens, and shows the total', async () => {
    const { state, searches } = await started();
    expect(searches()).toEqual([{ limit: pageSize }]);
    expect(state().results?.total).toBe(10_000);
    expect(rowAt(state().rows, 0)?.id).toBe(tenThousand[0]!.id);
    expect(rowAt(state().rows, pageSize)).toBeUndefined();
  });

  it('waits for a pause in typing, then searches once with the last text', async () => {
    const { state, searches, pause, timers } = await started();
    state().setText('1.4');
    state().setText('1.42');
    state().setText('1.42.0');
    expect(searches()).toHaveLength(1);
    expect(timers.filter((timer) => !timer.cancelled)).toHaveLength(1);
    expect(timers.at(-1)?.ms).toBe(searchDelayMs);
    await pause();
    expect(searches()).toHaveLength(2);
    expect(searches()[1]).toEqual({ text: '1.42.0', limit: pageSize });
    expect(state().results?.total).toBe(1);
    expect(rowAt(state().rows, 0)?.release.version).toBe('1.42.0');
  });

  it('sends ticked states and whole days in this computer’s time zone', async () => {
    const { state, searches } = await started();
    state().toggleState('rejected', true);
    state().toggleState('published', true);
    state().setFrom('2025-03-01');
    state().setTo('2025-03-02');
    await settle();
    expect(searches().at(-1)).toEqual({
      states: ['published', 'rejected'],
      from: new Date(2025, 2, 1).toISOString(),
      to: new Date(new Date(2025, 2, 3).getTime() - 1).toISOString(),
      limit: pageSize,
    });
  });

  it('refuses dates the wrong way round, with a message, without asking the core', async () => {
    const { state, searches } = await started();
    state().setFrom('2025-03-05');
    await settle();
    const before = searches().length;
    state().setTo('2025-03-01');
    await settle();
    expect(searches()).toHaveLength(before);
    expect(state().queryProblem).toMatch(/after the “Opened to” date/);
  });

  it('drops the answer to an older search that arrives after a newer one', async () => {
    const slow = deferred<Result<CallOutput<'history.page'>>>();
    const { state } = await started({
      'history.page': (input) => (input.text === 'slow' ? slow.promise : search(input)),
    });
    state().setText('slow');
    const first = state().search();
    // The second search starts while the first is still on its way.
    state().setText('1.42.0');
    await state().search();
    slow.resolve(search({ text: '1.4' }));
    await first;
    await settle();
    expect(state().results?.query.text).toBe('1.42.0');
    expect(state().results?.total).toBe(1);
  });

  it('shows the core’s message when a search fails, keeping the last results', async () => {
    const { state } = await started({
      'history.page': (input) => (input.text ? fail({ code: 'internal', message: 'The history index could not be read. Restart Conclave.' }) : search(input)),
    });
    state().setText('alice');
    await state().search();
    expect(state().searchError?.message).toBe('The history index could not be read. Restart Conclave.');
    expect(state().results?.total).toBe(10_000);
    expect(state().searching).toBeUndefined();
  });
});

describe('paging as the person scrolls', () => {
  it('fetches the pages up to the rows in view, in order, each passing the core’s cursor back, once each', async () => {
    const { state, searches } = await started();
    state().ensureRows(250, 270);
    state().ensureRows(250, 270);
    state().ensureRows(0, 20);
    await settle();
    expect(searches().slice(1)).toEqual([
      { cursor: 'at:100', limit: pageSize },
      { cursor: 'at:200', limit: pageSize },
    ]);
    expect(rowAt(state().rows, 250)?.id).toBe(tenThousand[250]!.id);
    expect(rowAt(state().rows, 300)).toBeUndefined();
  });

  it('never asks past the last page', async () => {
    const { state, searches } = await started();
    state().ensureRows(9_980, 10_050);
    await settle();
    expect(searches()).toHaveLength(100);
    expect(searches().every((input) => (input.limit ?? 0) <= pageSize)).toBe(true);
    expect(rowAt(state().rows, 9_999)?.id).toBe(tenThousand[9_999]!.id);
    expect(state().nextCursor).toBeUndefined();
  });

  it('pages through a search with the search’s own filters', async () => {
    const { state, searches, pause } = await started();
    state().setText('alice');
    await pause();
    const total = state().results!.total;
    expect(total).toBe(3_334);
    state().ensureRows(3_300, 3_333);
    await settle();
    expect(searches().at(-1)).toEqual({ text: 'alice', cursor: 'at:3300', limit: pageSize });
    expect(rowAt(state().rows, 3_333)?.approvedBy).toContain('alice');
  });

  it('drops a page that arrives after a new search started', async () => {
    const late = deferred<Result<CallOutput<'history.page'>>>();
    const { state } = await started({
      'history.page': (input) => (input.cursor === 'at:100' && !input.text ? late.promise : search(input)),
    });
    state().ensureRows(150, 160);
    state().setText('1.42.0');
    await state().search();
    late.resolve(search({ cursor: 'at:100', limit: pageSize }));
    await settle();
    expect(state().rows).toHaveLength(1);
    expect(rowAt(state().rows, 0)?.release.version).toBe('1.42.0');
  });

  it('keeps paging the rows on screen while a new search is on its way, then shows only the new search', async () => {
    const slow = deferred<Result<CallOutput<'history.page'>>>();
    const { state, searches } = await started({ 'history.page': (input) => (input.text ? slow.promise : search(input)) });
    state().setText('alice');
    const pending = state().search();
    state().ensureRows(150, 160);
    await settle();
    // The rows in view still belong to the old results: they load rather than stay blank.
    expect(searches().at(-1)).toEqual({ cursor: 'at:100', limit: pageSize });
    expect(rowAt(state().rows, 155)?.id).toBe(tenThousand[155]!.id);
    slow.resolve(search({ text: 'alice', limit: pageSize }));
    await pending;
    expect(state().results?.query.text).toBe('alice');
    expect(state().rows).toHaveLength(pageSize);
    expect(rowAt(state().rows, 0)?.approvedBy).toContain('alice');
  });

  it('says when rows could not be fetched, and fetches them again on request', async () => {
    let broken = true;
    const { state } = await started({
      'history.page': (input) => (broken && input.cursor === 'at:100' ? fail({ code: 'internal', message: 'The connection to Conclave was lost.' }) : search(input)),
    });
    state().ensureRows(150, 160);
    await settle();
    expect(state().pageError?.message).toBe('The connection to Conclave was lost.');
    state().ensureRows(150, 160);
    await settle();
    expect(rowAt(state().rows, 150)).toBeUndefined();
    broken = false;
    state().retryPages();
    await settle();
    expect(state().pageError).toBeUndefined();
    expect(rowAt(state().rows, 150)?.id).toBe(tenThousand[150]!.id);
  });

  it('scrolling through 10,000 ceremonies takes 100 bounded requests', async () => {
    const { state, searches } = await started();
    for (let first = 0; first < 10_000; first += 20) state().ensureRows(first, first + 19);
    await settle();
    expect(searches()).toHaveLength(100);
    expect(searches().every((input) => input.limit === pageSize)).toBe(true);
    expect(rowAt(state().rows, 9_999)?.id).toBe(tenThousand[9_999]!.id);
  });
});

describe('while the core is still indexing', () => {
  it('says how far it is, asks the same search again on each ceremonies.indexed keeping the list’s place, and stops once complete', async () => {
    const core = pagedCore(tenThousand.slice(0, 300));
    core.index = { complete: false, done: 300, total: 10_000 };
    const { fake, state, searches } = await started({ 'history.page': historyPageOver(core) });
    expect(state().results?.complete).toBe(false);
    expect(indexingText(state().indexed!)).toBe('Indexing 300 of 10,000 ceremonies…');
    const generation = state().results!.generation;
    core.all = tenThousand.slice(0, 5_000);
    core.index = { complete: false, done: 5_000, total: 10_000 };
    fake.emit('ceremonies.indexed', { done: 5_000, total: 10_000, complete: false });
    await settle();
    expect(searches()).toHaveLength(2);
    expect(searches()[1]).toEqual({ limit: pageSize });
    expect(state().results?.total).toBe(5_000);
    expect(state().results?.generation).toBe(generation);
    core.all = tenThousand;
    core.index = undefined;
    fake.emit('ceremonies.indexed', { done: 10_000, total: 10_000, complete: true });
    await settle();
    expect(state().results).toMatchObject({ total: 10_000, complete: true });
    fake.emit('ceremonies.indexed', { done: 10_000, total: 10_000, complete: true });
    await settle();
    expect(searches()).toHaveLength(3);
  });

  it('moves the bar on every tell but asks the search again at most once a second, and always when complete', async () => {
    const core = pagedCore(tenThousand.slice(0, 300));
    core.index = { complete: false, done: 300, total: 10_000 };
    const { fake, state, searches, clock } = await started({ 'history.page': historyPageOver(core) });
    const tell = async (done: number, complete = false) => {
      core.all = tenThousand.slice(0, done);
      core.index = complete ? undefined : { complete: false, done, total: 10_000 };
      fake.emit('ceremonies.indexed', { done, total: 10_000, complete });
      await settle();
    };
    clock.ms = 100;
    await tell(600);
    expect(searches()).toHaveLength(2);
    for (const [ms, done] of [[350, 900], [600, 1_200], [850, 1_500]] as const) {
      clock.ms = ms;
      await tell(done);
      // The bar says how far the build is at each tell, while the rows and count stay those last asked for.
      expect(state().indexed).toEqual({ done, total: 10_000 });
      expect(state().results?.total).toBe(600);
    }
    expect(searches()).toHaveLength(2);
    clock.ms = 1_100;
    await tell(1_800);
    expect(searches()).toHaveLength(3);
    expect(state().results?.total).toBe(1_800);
    clock.ms = 1_200;
    await tell(10_000, true);
    expect(searches()).toHaveLength(4);
    expect(state().results).toMatchObject({ total: 10_000, complete: true });
  });
  it('asks again without saying "Searching" when the index grew, and says it when the person searches', async () => {
    const core = pagedCore(tenThousand.slice(0, 300));
    core.index = { complete: false, done: 300, total: 10_000 };
    const { fake, state, searches } = await started({ 'history.page': historyPageOver(core) });
    core.all = tenThousand.slice(0, 600);
    core.index = { complete: false, done: 600, total: 10_000 };
    fake.emit('ceremonies.indexed', { done: 600, total: 10_000, complete: false });
    // Looked at while the ask is on its way: the bar says how far the build is, and nothing says "Searching".
    expect(searches()).toHaveLength(2);
    expect(state().searching).toBeUndefined();
    await settle();
    expect(state().results?.total).toBe(600);
    state().setText('ledger');
    const asked = state().search();
    expect(state().searching).toBe(historyText.searching);
    await asked;
    expect(state().searching).toBeUndefined();
  });
});

describe('a core that cannot save what it judged', () => {
  it('holds the core\u2019s reason from the search and from each page, and lets it go once an answer no longer gives one', async () => {
    const core = pagedCore(tenThousand);
    core.indexNotSaved = 'Conclave could not save the ceremonies it has checked, so each start checks every ceremony again (slow on a large store): /data/cache/ceremony-summaries.json is a folder. Move that folder out of the way; Conclave keeps a file there.';
    const { state } = await started({ 'history.page': historyPageOver(core) });
    expect(state().indexNotSaved).toBe(core.indexNotSaved);
    // Scrolling asks for the next page: its answer, without a reason, is the newest word.
    core.indexNotSaved = undefined;
    state().ensureRows(0, pageSize + 10);
    await settle();
    expect(state().rows.length).toBeGreaterThan(pageSize);
    expect(state().indexNotSaved).toBeUndefined();
  });
});

describe('live updates', () => {
  it('updates a ceremony on screen in place when the core says it changed', async () => {
    const { fake, state } = await started();
    const before = rowAt(state().rows, 2);
    const published = changed({ ...tenThousand[3]!, state: 'published' as const }, '2-published');
    fake.emit('ceremony.changed', published);
    expect(rowAt(state().rows, 3)?.state).toBe('published');
    expect(rowAt(state().rows, 2)).toBe(before);
  });

  it('fetches nothing for a change, and keeps its rows when the version is the one held', async () => {
    const { fake, state, searches } = await started();
    const rows = state().rows;
    fake.emit('ceremony.changed', versioned(tenThousand[3]!));
    await settle();
    expect(state().rows).toBe(rows);
    expect(searches()).toHaveLength(1);
  });

  it('stops listening when the screen goes away', async () => {
    const { fake, stop } = await started();
    expect(fake.listeners('ceremony.changed')).toBe(1);
    expect(fake.listeners('ceremonies.indexed')).toBe(1);
    stop();
    expect(fake.listeners('ceremony.changed')).toBe(0);
    expect(fake.listeners('ceremonies.indexed')).toBe(0);
  });
});

describe('exporting a report', () => {
  const report = (input: CallInput<'history.report'>) =>
    ok({ fileName: `conclave-report.${input.format}`, mediaType: input.format === 'html' ? 'text/html' : 'application/json', content: JSON.stringify(input) });

  it('reports a date range by its dates, and saves the file under the core’s name', async () => {
    const { state, fake, saved } = await started({ 'history.report': report });
    state().setFrom('2025-03-01');
    state().setTo('2025-03-31');
    await settle();
    await state().exportReport('html');
    expect(fake.callsOf('history.report')).toEqual([{ format: 'html', from: startOfDay('2025-03-01'), to: endOfDay('2025-03-31') }]);
    expect(saved).toEqual([{ fileName: 'conclave-report.html', mediaType: 'text/html', content: expect.any(String) }]);
    expect(state().report.saved).toBe(historyText.saved('conclave-report.html'));
  });

  it('reports exactly the ceremonies a text or state search found, by id', async () => {
    const { state, fake, pause } = await started({ 'history.report': report });
    state().setText('1.42');
    await pause();
    await state().exportReport('json');
    const input = fake.callsOf('history.report')[0] as CallInput<'history.report'>;
    expect(input.format).toBe('json');
    expect(input.ids).toEqual(tenThousand.filter((item) => item.release.version.includes('1.42')).map((item) => item.id));
    expect(input.from).toBeUndefined();
  });

  it('reports the search whose results are on screen, not a half-typed one', async () => {
    const { state, fake } = await started({ 'history.report': report });
    state().setText('1.42');
    await state().exportReport('html');
    expect(fake.callsOf('history.report')).toEqual([{ format: 'html' }]);
  });

  it('shows the core’s message when the report cannot be made, and saves nothing', async () => {
    const { state, saved } = await started({
      'history.report': () => fail({ code: 'internal', message: 'The history failed verification; the report was not written.' }),
    });
    await state().exportReport('html');
    expect(state().report.error?.message).toBe('The history failed verification; the report was not written.');
    expect(state().report.busy).toBeUndefined();
    expect(saved).toEqual([]);
  });

  it('says so when the search found nothing to report', async () => {
    const { state, fake, pause } = await started({ 'history.report': report });
    state().setText('no-such-release');
    await pause();
    await state().exportReport('html');
    expect(state().report.error?.message).toBe(historyText.noResults);
    expect(fake.callsOf('history.report')).toEqual([]);
  });

  it('shows progress while the report is made', async () => {
    const answer = deferred<Result<CallOutput<'history.report'>>>();
    const { state } = await started({ 'history.report': () => answer.promise });
    const pending = state().exportReport('json');
    expect(state().report.busy).toBe('Preparing the JSON report…');
    answer.resolve(ok({ fileName: 'r.json', mediaType: 'application/json', content: '{}' }));
    await pending;
    expect(state().report.busy).toBeUndefined();
  });
});

describe('one summary fixture check', () => {
  it('makes distinct valid ids', () => {
    expect(new Set(tenThousand.map((item) => item.id)).size).toBe(10_000);
    expect(summary(31).id).toMatch(/^c-\d{8}-[a-z2-7]{10}$/);
  });
});
