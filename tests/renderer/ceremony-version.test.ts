/**
 * One load per change (issue 15): the Review screen fetches a ceremony again
 * only when ceremony.changed announces a version it does not show, not for
 * the echo of its own approval nor for keys attached here. Calls to the core
 * are counted (ceremonies.get), never timed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { setApiForTests } from '../../renderer/src/api';
import { checklistItems, createCeremonyStore } from '../../renderer/src/features/ceremony/store';
import type { CallOutput, CeremonyDetail, EventPayload } from '../../shared/api/contract';
import type { Result } from '../../shared/api/result';
import { ceremonyId, detail, signingKey } from './ceremony-fixtures';
import { createFakeApi, deferred, ok, settle, type Handlers } from './fake-api';

const PIN = 'pin-7c2b91e0';
const shownFirst = detail({ version: '4-aaaaaaaaaaaaaaaa' });
const approved = detail({ version: '5-bbbbbbbbbbbbbbbb', counted: 1, approvedBy: ['alice'], tally: '1 of 2' });

/** ceremony.changed for `shown` as the core sends it: the summary and the version. */
function announcement(shown: CeremonyDetail, waitingOnMe = shown.waitingOnMe): EventPayload<'ceremony.changed'> {
  const { findings: _f, artifactDetails: _a, provenance: _p, sbom: _s, changes: _c, statement: _st, approvals: _ap, rejections: _r, timeline: _t, problems: _pr, approvers: _aps, overrideAllowed: _o, published: _pu, ...summary } = shown;
  return { ...summary, waitingOnMe };
}

async function showing(handlers: Handlers = {}) {
  const fake = createFakeApi({ 'ceremonies.get': () => ok(shownFirst), ...handlers });
  setApiForTests(fake.api);
  const store = createCeremonyStore();
  store.getState().start(ceremonyId);
  await settle();
  return { fake, state: () => store.getState(), gets: () => fake.callsOf('ceremonies.get').length };
}

afterEach(() => setApiForTests(undefined));

describe('the Review screen and ceremony.changed', () => {
  it('does not fetch the version it shows; keys attached here only change "waiting on me"', async () => {
    const { fake, state, gets } = await showing();
    expect(gets()).toBe(1);
    fake.emit('ceremony.changed', announcement(shownFirst));
    fake.emit('ceremony.changed', announcement(shownFirst, true));
    await settle();
    expect(gets()).toBe(1);
    expect(state().detail).toMatchObject({ version: shownFirst.version, waitingOnMe: true });
  });

  it('fetches once for a version it does not show', async () => {
    let answered = 0;
    const { fake, state, gets } = await showing({ 'ceremonies.get': () => ok(++answered === 1 ? shownFirst : approved) });
    fake.emit('ceremony.changed', announcement(approved));
    await settle();
    expect(gets()).toBe(2);
    expect(state().detail?.version).toBe(approved.version);
  });

  it("does not fetch its own approval again: the change announced before the approval's answer is that answer", async () => {
    const answer = deferred<Result<CallOutput<'ceremonies.approve'>>>();
    const { fake, state, gets } = await showing({ 'ceremonies.signingKeys': () => ok([signingKey('alice')]), 'ceremonies.approve': () => answer.promise });
    for (const item of checklistItems) state().toggleChecklist(item.id);
    await state().openSign('approve');
    const signing = state().submitSign(PIN);
    await settle();
    // The core tells every window before it answers the call that made the change.
    fake.emit('ceremony.changed', announcement(approved));
    await settle();
    answer.resolve(ok(approved));
    expect(await signing).toBe(true);
    await settle();
    expect(state().detail?.version).toBe(approved.version);
    expect(gets()).toBe(1);
  });

  it('fetches after its own action when the announced version is newer than its answer (another change came meanwhile)', async () => {
    const later = detail({ version: '6-cccccccccccccccc', counted: 2, approvedBy: ['alice', 'bob'], tally: '2 of 2' });
    const answer = deferred<Result<CallOutput<'ceremonies.approve'>>>();
    let answered = 0;
    const { fake, state, gets } = await showing({
      'ceremonies.get': () => ok(++answered === 1 ? shownFirst : later),
      'ceremonies.signingKeys': () => ok([signingKey('alice')]),
      'ceremonies.approve': () => answer.promise,
    });
    for (const item of checklistItems) state().toggleChecklist(item.id);
    await state().openSign('approve');
    const signing = state().submitSign(PIN);
    await settle();
    fake.emit('ceremony.changed', announcement(later));
    answer.resolve(ok(approved));
    expect(await signing).toBe(true);
    await settle();
    expect(gets()).toBe(2);
    expect(state().detail?.version).toBe(later.version);
  });
});
