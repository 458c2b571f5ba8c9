import { afterEach, describe, expect, it } from 'vitest';
import { setApiForTests } from '../../renderer/src/api';
import { canApprove, canReject, canWithdraw, checklistItems, createCeremonyStore } from '../../renderer/src/features/ceremony/store';
import type { CallOutput, CeremonySummary } from '../../shared/api/contract';
import type { Result } from '../../shared/api/result';
import { ceremonyId, detail, publishResult, signingKey } from './ceremony-fixtures';
import { changed, createFakeApi, deferred, fail, ok, pinBytes, settle, type Handlers } from './fake-api';

const PIN = 'pin-7c2b91e0';
const STATEMENT = '5'.repeat(64);
const frozen = detail();
const approvedByAlice = detail({ counted: 1, approvedBy: ['alice'], approvals: [{ approverId: 'alice', role: 'security', keyId: '1'.repeat(64), at: '2025-01-01T11:00:00.000Z' }], tally: '1 of 2' });

function setup(handlers: Handlers = {}) {
  const fake = createFakeApi({ 'ceremonies.get': () => ok(frozen), ...handlers });
  setApiForTests(fake.api);
  const store = createCeremonyStore();
  return { fake, store, state: () => store.getState() };
}

async function started(handlers: Handlers = {}) {
  const env = setup(handlers);
  env.state().start(ceremonyId);
  await settle();
  return env;
}

function confirmChecklist(state: () => ReturnType<ReturnType<typeof createCeremonyStore>['getState']>) {
  for (const item of checklistItems) state().toggleChecklist(item.id);
}

/** ceremony.changed for this ceremony id. */
const changedOf = (id: string) => changed(summaryOf(id));

function summaryOf(id: string): CeremonySummary {
  const { findings: _f, artifactDetails: _a, provenance: _p, sbom: _s, changes: _c, statement: _st, approvals: _ap, rejections: _r, timeline: _t, problems: _pr, approvers: _aps, overrideAllowed: _o, published: _pu, ...summary } = detail({ id });
  return summary;
}

afterEach(() => setApiForTests(undefined));

describe('showing a ceremony', () => {
  it('shows the newest detail when changes made elsewhere arrive while a load is on its way', async () => {
    const answers: ReturnType<typeof deferred<Result<CallOutput<'ceremonies.get'>>>>[] = [];
    const { fake, state } = setup({
      'ceremonies.get': () => {
        const answer = deferred<Result<CallOutput<'ceremonies.get'>>>();
        answers.push(answer);
        return answer.promise;
      },
    });
    state().start(ceremonyId);
    answers[0]!.resolve(ok(frozen));
    await settle();
    // The CLI approves as alice, then as bob: two loads overlap, whichever answers first.
    const approved = detail({ state: 'approved', counted: 2, approvedBy: ['alice', 'bob'] });
    for (const order of [[1, 2], [4, 3]] as const) {
      fake.emit('ceremony.changed', changedOf(ceremonyId));
      fake.emit('ceremony.changed', changedOf(ceremonyId));
      const [early, late] = order;
      answers[early]!.resolve(ok(early < late ? approvedByAlice : approved));
      await settle();
      answers[late]!.resolve(ok(early < late ? approved : approvedByAlice));
      await settle();
      expect(state().detail?.state).toBe('approved');
      expect(state().detail?.counted).toBe(2);
      expect(state().loading).toBe(false);
    }
  });

  it('loads the detail and follows ceremony.changed for this ceremony only', async () => {
    let answer = frozen;
    const { fake, state } = await started({ 'ceremonies.get': () => ok(answer) });
    expect(state().detail?.state).toBe('frozen');
    answer = approvedByAlice;
    fake.emit('ceremony.changed', changedOf('c-20250101-zzzzzzzzzz'));
    await settle();
    expect(fake.callsOf('ceremonies.get')).toHaveLength(1);
    fake.emit('ceremony.changed', changedOf(ceremonyId));
    await settle();
    expect(state().detail?.approvedBy).toEqual(['alice']);
  });

  it('keeps the detail on screen when a reload fails, with the error', async () => {
    let failNext = false;
    const { state } = await started({ 'ceremonies.get': () => (failNext ? fail({ code: 'internal', message: 'The store could not be read.' }) : ok(frozen)) });
    failNext = true;
    await state().load();
    expect(state().detail?.id).toBe(ceremonyId);
    expect(state().loadError?.message).toBe('The store could not be read.');
  });

  it('stops listening when the screen goes away', async () => {
    const { fake, state } = setup();
    const stop = state().start(ceremonyId);
    expect(fake.listeners('ceremony.changed')).toBe(1);
    stop();
    expect(fake.listeners('ceremony.changed')).toBe(0);
  });
});

describe('the review checklist', () => {
  it('gates approval until every item is confirmed', async () => {
    const { fake, state } = await started({ 'ceremonies.signingKeys': () => ok([signingKey('alice')]) });
    expect(canApprove(state())).toBe(false);
    await state().openSign('approve');
    expect(state().sign).toBeUndefined();
    expect(fake.callsOf('ceremonies.signingKeys')).toEqual([]);
    state().toggleChecklist('artifacts');
    state().toggleChecklist('provenance');
    expect(canApprove(state())).toBe(false);
    state().toggleChecklist('findings');
    expect(canApprove(state())).toBe(true);
    await state().openSign('approve');
    expect(state().sign?.kind).toBe('approve');
  });

  it('starts over when the statement changes (a new statement needs a new review)', async () => {
    let answer = frozen;
    const { fake, state } = await started({ 'ceremonies.get': () => ok(answer) });
    confirmChecklist(state);
    answer = detail({ statement: { ...frozen.statement!, digest: '6'.repeat(64) } });
    fake.emit('ceremony.changed', changedOf(ceremonyId));
    await settle();
    expect(canApprove(state())).toBe(false);
  });

  it('lets a person reject without the checklist', async () => {
    const { state } = await started({ 'ceremonies.signingKeys': () => ok([signingKey('alice')]) });
    await state().openSign('reject');
    expect(state().sign?.kind).toBe('reject');
  });
});

describe('signing', () => {
  const keys = [signingKey('bob', { eligible: false, reason: 'bob already approved' }), signingKey('alice'), signingKey('mallory', { approverId: undefined, eligible: false, reason: "not in this ceremony's policy" })];

  async function approving(handlers: Handlers = {}) {
    const env = await started({ 'ceremonies.signingKeys': () => ok(keys), ...handlers });
    confirmChecklist(env.state);
    await env.state().openSign('approve');
    return env;
  }

  it('offers eligible keys first, preselects the only one, and will not select the others', async () => {
    const { fake, state } = await approving();
    // Approving and rejecting ask for the keys that may decide: the call's default purpose.
    expect(fake.callsOf('ceremonies.signingKeys')).toEqual([{ id: ceremonyId }]);
    expect(state().sign?.keys?.map((key) => key.approverId ?? key.tokenLabel)).toEqual(['alice', 'bob', 'mallory']);
    expect(state().sign?.keyUri).toBe(signingKey('alice').keyUri);
    state().selectKey(signingKey('bob').keyUri);
    expect(state().sign?.keyUri).toBe(signingKey('alice').keyUri);
  });

  it('approves with the key and PIN, shows the new detail at once, and keeps the PIN out of the store', async () => {
    const { fake, state } = await approving({ 'ceremonies.approve': () => ok(approvedByAlice) });
    expect(await state().submitSign(PIN)).toBe(true);
    // The approval names the statement the person reviewed: the core signs nothing when the ceremony's is another.
    // The approval carries an operation id, so that its Cancel can stop it; the PIN goes as bytes, overwritten once answered.
    expect(fake.callsOf('ceremonies.approve')).toEqual([{ id: ceremonyId, operationId: expect.stringMatching(/^[0-9a-f-]{36}$/), keyUri: signingKey('alice').keyUri, pin: pinBytes(PIN), statementDigest: STATEMENT }]);
    expect((fake.given.find((call) => call.name === 'ceremonies.approve')?.input as { pin: Uint8Array }).pin).toEqual(new Uint8Array(PIN.length));
    expect(state().detail?.approvedBy).toEqual(['alice']);
    expect(state().sign).toBeUndefined();
    expect(state().signNote).toMatch(/alice's approval was recorded/);
    expect(JSON.stringify(state())).not.toContain(PIN);
  });

  it('asks the next approver at this window for their own review', async () => {
    const { state } = await approving({ 'ceremonies.approve': () => ok(approvedByAlice) });
    expect(await state().submitSign(PIN)).toBe(true);
    expect(state().checklist).toEqual({});
  });

  it('sends no PIN for a PIN-pad reader', async () => {
    const padKey = signingKey('alice', { protectedAuthenticationPath: true });
    const { fake, state } = await started({ 'ceremonies.signingKeys': () => ok([padKey]), 'ceremonies.approve': () => ok(approvedByAlice) });
    confirmChecklist(state);
    await state().openSign('approve');
    expect(await state().submitSign(PIN)).toBe(true);
    expect(fake.callsOf('ceremonies.approve')).toEqual([{ id: ceremonyId, operationId: expect.any(String), keyUri: padKey.keyUri, pin: null, statementDigest: STATEMENT }]);
  });

  it('keeps a wrong PIN error in the dialog, with the key chosen and the ceremony still shown, and lets the person retry', async () => {
    let attempts = 0;
    const { fake, state } = await approving({
      'ceremonies.approve': () => (++attempts === 1 ? fail({ code: 'pin-incorrect', message: 'Wrong PIN for alice.', details: { triesLeft: 'low' } }) : ok(approvedByAlice)),
    });
    expect(await state().submitSign('000000')).toBe(false);
    expect(state().sign).toMatchObject({ kind: 'approve', working: false, keyUri: signingKey('alice').keyUri, error: { code: 'pin-incorrect' } });
    expect(state().detail?.id).toBe(ceremonyId);
    expect(JSON.stringify(state())).not.toContain('000000');
    expect(await state().submitSign(PIN)).toBe(true);
    expect(fake.callsOf('ceremonies.approve')).toHaveLength(2);
    expect(state().detail?.approvedBy).toEqual(['alice']);
  });

  it('asks for the PIN before calling the token', async () => {
    const { fake, state } = await approving();
    expect(await state().submitSign('')).toBe(false);
    expect(state().sign?.error?.message).toMatch(/Enter the PIN of alice/);
    expect(fake.callsOf('ceremonies.approve')).toEqual([]);
  });

  it('requires a reason to reject, then signs the rejection with it', async () => {
    const rejected = detail({ state: 'rejected', rejectedBy: ['alice'] });
    const { fake, state } = await started({ 'ceremonies.signingKeys': () => ok([signingKey('alice')]), 'ceremonies.reject': () => ok(rejected) });
    await state().openSign('reject');
    expect(await state().submitSign(PIN)).toBe(false);
    expect(state().sign?.error?.message).toMatch(/Say why/);
    expect(fake.callsOf('ceremonies.reject')).toEqual([]);
    state().setSignReason('  The SBOM lists a licence we cannot ship.  ');
    expect(await state().submitSign(PIN)).toBe(true);
    expect(fake.callsOf('ceremonies.reject')).toEqual([{ id: ceremonyId, keyUri: signingKey('alice').keyUri, pin: pinBytes(PIN), reason: 'The SBOM lists a licence we cannot ship.', statementDigest: STATEMENT }]);
    expect(state().detail?.state).toBe('rejected');
  });

  it('still shows the approval when the dialog was closed while the token worked, and a late failure on the screen', async () => {
    const answer = deferred<Result<CallOutput<'ceremonies.approve'>>>();
    const { state } = await approving({ 'ceremonies.approve': () => answer.promise });
    const signing = state().submitSign(PIN);
    state().closeSign();
    answer.resolve(fail({ code: 'token-removed', message: 'alice was removed before it signed.' }));
    expect(await signing).toBe(false);
    expect(state().sign).toBeUndefined();
    expect(state().signError?.message).toBe('alice was removed before it signed.');
  });

  it('Cancel while approving stops that approval (its operation id), once; the dialog stays with the key chosen and says it was cancelled', async () => {
    const answer = deferred<Result<CallOutput<'ceremonies.approve'>>>();
    const { fake, state } = await approving({ 'ceremonies.approve': () => answer.promise, 'operations.cancel': () => ok({ cancelled: true }) });
    const signing = state().submitSign(PIN);
    await Promise.resolve();
    const [{ operationId }] = fake.callsOf('ceremonies.approve') as [{ operationId: string }];
    expect(state().sign).toMatchObject({ working: true, operationId, cancelRequested: false });
    await state().cancelSign();
    await state().cancelSign();
    expect(fake.callsOf('operations.cancel')).toEqual([{ operationId }]);
    expect(state().sign?.cancelRequested).toBe(true);
    answer.resolve(fail({ code: 'cancelled', message: 'Approving was cancelled: your approval was not recorded.' }));
    expect(await signing).toBe(false);
    expect(state().sign).toMatchObject({ kind: 'approve', working: false, cancelRequested: false, operationId: undefined, keyUri: signingKey('alice').keyUri, error: { code: 'cancelled' } });
    expect(state().detail).toEqual(frozen);
    // Nothing to cancel once the approval has answered.
    await state().cancelSign();
    expect(fake.callsOf('operations.cancel')).toHaveLength(1);
  });

  it('offers no Cancel for a rejection (nothing of it waits on a server)', async () => {
    const answer = deferred<Result<CallOutput<'ceremonies.reject'>>>();
    const { fake, state } = await started({ 'ceremonies.signingKeys': () => ok([signingKey('alice')]), 'ceremonies.reject': () => answer.promise });
    await state().openSign('reject');
    state().setSignReason('Not this build.');
    const signing = state().submitSign(PIN);
    await Promise.resolve();
    expect(state().sign).toMatchObject({ working: true, operationId: undefined });
    await state().cancelSign();
    expect(fake.callsOf('operations.cancel')).toEqual([]);
    answer.resolve(ok(detail({ state: 'rejected', rejectedBy: ['alice'] })));
    expect(await signing).toBe(true);
  });

  it('does not let an answer for a closed dialog touch a newly opened one', async () => {
    const answer = deferred<Result<CallOutput<'ceremonies.approve'>>>();
    const { state } = await approving({ 'ceremonies.approve': () => answer.promise });
    const signing = state().submitSign(PIN);
    state().closeSign();
    await state().openSign('approve');
    answer.resolve(fail({ code: 'pin-incorrect', message: 'Wrong PIN for alice.' }));
    await signing;
    expect(state().sign?.error).toBeUndefined();
    expect(state().sign?.working).toBe(false);
  });
});

describe('verify, publish and cancel', () => {
  it('shows the verifier lines', async () => {
    const { state } = await started({ 'ceremonies.verify': () => ok({ ok: true, lines: ['verified: alice, bob (2 of 2 approvals)'], checkedAt: '2025-01-01T12:00:00.000Z' }) });
    await state().verifyAgain();
    expect(state().verify.result?.lines).toEqual(['verified: alice, bob (2 of 2 approvals)']);
  });

  const approved = detail({ state: 'approved', counted: 2, actions: ['approve', 'reject', 'withdraw', 'publish', 'cancel'] });
  const managers = [signingKey('carol'), signingKey('mallory', { approverId: undefined, eligible: false, reason: "This key is not in this ceremony's policy." })];

  async function publishing(handlers: Handlers = {}) {
    const env = await started({
      'ceremonies.get': () => ok(approved),
      'ceremonies.signingKeys': () => ok(managers),
      'settings.get': () => ok({ dataDir: '/d', storeDir: '/d/store', publishDir: '/home/me/releases' }),
      ...handlers,
    });
    await env.state().loadPublishKeys();
    return env;
  }

  it('offers the keys that may manage the ceremony for the publication, preselecting the only one', async () => {
    const { fake, state } = await publishing();
    expect(fake.callsOf('ceremonies.signingKeys')).toEqual([{ id: ceremonyId, purpose: 'manage' }]);
    expect(state().publication.keys?.map((key) => key.tokenLabel)).toEqual(['carol', 'mallory']);
    expect(state().publication.keyUri).toBe(signingKey('carol').keyUri);
    state().selectPublishKey(signingKey('mallory').keyUri);
    expect(state().publication.keyUri).toBe(signingKey('carol').keyUri);
  });

  it("asks the core what each verifier will say for the chosen key, and keeps what it answers or why it could not", async () => {
    const forecast = { ceremonyId, publisher: 'carol', allAccept: false, verifiers: [{ verifier: 'kyverno' as const, verdict: 'refuses' as const, line: 'Kyverno: refuses (1 of 2 required attestors, VSA by carol)', reasons: ["bob's key does not count"] }] };
    let answer: Result<CallOutput<'ceremonies.publishForecast'>> = ok(forecast);
    const { fake, state } = await publishing({ 'ceremonies.publishForecast': () => answer });
    await state().loadPublishForecast();
    expect(fake.callsOf('ceremonies.publishForecast')).toEqual([{ id: ceremonyId, keyUri: signingKey('carol').keyUri }]);
    expect(state().publication.forecast).toEqual(forecast);
    answer = fail({ code: 'forbidden', message: 'no' });
    await state().loadPublishForecast();
    expect(state().publication).toMatchObject({ forecast: undefined, forecastError: { code: 'forbidden' } });
  });

  it('publishes to the settings folder unless the person typed another, signed with the key and PIN, and keeps the result but not the PIN', async () => {
    const { fake, state } = await publishing({ 'ceremonies.publish': () => ok(publishResult()) });
    await state().loadPublishDir();
    expect(state().publication.outDir).toBe('/home/me/releases');
    state().setOutDir('/mnt/releases');
    expect(await state().publish(PIN)).toBe(true);
    expect(fake.callsOf('ceremonies.publish')).toEqual([{ id: ceremonyId, operationId: expect.stringMatching(/^[0-9a-f-]{36}$/), outDir: '/mnt/releases', keyUri: signingKey('carol').keyUri, pin: pinBytes(PIN) }]);
    expect(state().publication.result?.verified).toBe('verified: alice, bob (2 of 2 approvals)');
    expect(JSON.stringify(state())).not.toContain(PIN);
  });

  it('asks for the key and the PIN before publishing, and sends no PIN for a PIN-pad reader', async () => {
    const pad = signingKey('carol', { protectedAuthenticationPath: true });
    let keys = [signingKey('alice'), signingKey('carol')];
    const { fake, state } = await publishing({ 'ceremonies.signingKeys': () => ok(keys), 'ceremonies.publish': () => ok(publishResult()) });
    expect(await state().publish(PIN)).toBe(false);
    expect(state().publication.error?.message).toMatch(/Choose the key that signs the publication/);
    state().selectPublishKey(signingKey('carol').keyUri);
    expect(await state().publish('')).toBe(false);
    expect(state().publication.error?.message).toMatch(/Enter the PIN of carol/);
    expect(fake.callsOf('ceremonies.publish')).toEqual([]);
    keys = [signingKey('alice'), pad];
    await state().loadPublishKeys();
    expect(state().publication.keyUri).toBe(pad.keyUri);
    expect(await state().publish(PIN)).toBe(true);
    expect(fake.callsOf('ceremonies.publish')).toEqual([{ id: ceremonyId, operationId: expect.stringMatching(/^[0-9a-f-]{36}$/), keyUri: pad.keyUri, pin: null }]);
  });

  it('Cancel while publishing stops that publication (its operation id), once, and the error it ends with is shown', async () => {
    let finish: (value: ReturnType<typeof fail>) => void = () => undefined;
    const { fake, state } = await publishing({
      'ceremonies.publish': () => new Promise((resolve) => (finish = resolve)),
      'operations.cancel': () => ok({ cancelled: true }),
    });
    const published = state().publish(PIN);
    await Promise.resolve();
    const [{ operationId }] = fake.callsOf('ceremonies.publish') as [{ operationId: string }];
    await state().cancelPublish();
    await state().cancelPublish();
    expect(fake.callsOf('operations.cancel')).toEqual([{ operationId }]);
    expect(state().publication.cancelRequested).toBe(true);
    finish(fail({ code: 'cancelled', message: 'Cancelled: nothing more was asked of registry.example.' }));
    expect(await published).toBe(false);
    expect(state().publication).toMatchObject({ working: false, cancelRequested: false, operationId: undefined, error: { code: 'cancelled' } });
  });

  it('does not publish a ceremony whose actions do not include publish', async () => {
    const { fake, state } = await started({ 'ceremonies.publish': () => ok(publishResult()) });
    expect(await state().publish(PIN)).toBe(false);
    expect(fake.callsOf('ceremonies.publish')).toEqual([]);
    expect(state().publication.error?.message).toMatch(/cannot be published/);
  });

  it('keeps the folder and the key and shows the error when publishing fails', async () => {
    const { state } = await publishing({ 'ceremonies.publish': () => fail({ code: 'invalid-input', message: 'The folder /mnt/releases is not writable.' }) });
    state().setOutDir('/mnt/releases');
    expect(await state().publish(PIN)).toBe(false);
    expect(state().publication).toMatchObject({ outDir: '/mnt/releases', keyUri: signingKey('carol').keyUri, working: false, error: { message: 'The folder /mnt/releases is not writable.' } });
    expect(JSON.stringify(state())).not.toContain(PIN);
  });

  it('refuses a publish folder that is not a full path', async () => {
    const { fake, state } = await publishing({ 'ceremonies.publish': () => ok(publishResult()) });
    state().setOutDir('releases');
    expect(await state().publish(PIN)).toBe(false);
    expect(state().publication.error?.message).toMatch(/not a full path/);
    expect(fake.callsOf('ceremonies.publish')).toEqual([]);
  });

  it('cancels with a required reason, signed with a key that may manage the ceremony and its PIN, keeping the PIN out of the store', async () => {
    const { fake, state } = await started({ 'ceremonies.signingKeys': () => ok(managers), 'ceremonies.cancel': () => ok(detail({ state: 'cancelled' })) });
    await state().openCancel();
    expect(fake.callsOf('ceremonies.signingKeys')).toEqual([{ id: ceremonyId, purpose: 'manage' }]);
    expect(state().cancellation.keyUri).toBe(signingKey('carol').keyUri);
    expect(await state().confirmCancel(PIN)).toBe(false);
    expect(state().cancellation.error?.message).toMatch(/Say why/);
    expect(fake.callsOf('ceremonies.cancel')).toEqual([]);
    state().setCancelReason('Wrong artifacts attached.');
    expect(await state().confirmCancel('')).toBe(false);
    expect(state().cancellation.error?.message).toMatch(/Enter the PIN of carol/);
    expect(await state().confirmCancel(PIN)).toBe(true);
    expect(fake.callsOf('ceremonies.cancel')).toEqual([{ id: ceremonyId, reason: 'Wrong artifacts attached.', keyUri: signingKey('carol').keyUri, pin: pinBytes(PIN) }]);
    expect(state().detail?.state).toBe('cancelled');
    expect(state().cancellation.open).toBe(false);
    expect(JSON.stringify(state())).not.toContain(PIN);
  });

  it('keeps the cancel dialog, its reason and its key when the token refuses the PIN', async () => {
    const { state } = await started({
      'ceremonies.signingKeys': () => ok(managers),
      'ceremonies.cancel': () => fail({ code: 'pin-incorrect', message: 'Wrong PIN for carol.' }),
    });
    await state().openCancel();
    state().setCancelReason('Wrong artifacts attached.');
    expect(await state().confirmCancel('000000')).toBe(false);
    expect(state().cancellation).toMatchObject({ open: true, working: false, reason: 'Wrong artifacts attached.', keyUri: signingKey('carol').keyUri, error: { code: 'pin-incorrect' } });
    expect(JSON.stringify(state())).not.toContain('000000');
  });

  it('does not let the keys of a closed cancel dialog reach a newly opened one', async () => {
    const first = deferred<Result<CallOutput<'ceremonies.signingKeys'>>>();
    let answer: () => Result<CallOutput<'ceremonies.signingKeys'>> | Promise<Result<CallOutput<'ceremonies.signingKeys'>>> = () => first.promise;
    const { state } = await started({ 'ceremonies.signingKeys': () => answer() });
    void state().openCancel();
    state().closeCancel();
    answer = () => ok(managers);
    await state().openCancel();
    first.resolve(ok([signingKey('alice', { eligible: false, reason: 'The ceremony is published.' })]));
    await settle();
    expect(state().cancellation.keys?.map((key) => key.tokenLabel)).toEqual(['carol', 'mallory']);
  });
});

describe('what you review is what you sign', () => {
  it('binds the statement shown when the dialog opened, and signs nothing when the ceremony now has another', async () => {
    let answer = frozen;
    const other = { ...frozen.statement!, digest: '6'.repeat(64) };
    const { fake, state } = await started({ 'ceremonies.get': () => ok(answer), 'ceremonies.signingKeys': () => ok([signingKey('alice')]), 'ceremonies.approve': () => ok(approvedByAlice) });
    confirmChecklist(state);
    await state().openSign('approve');
    expect(state().sign?.statement.digest).toBe(STATEMENT);
    answer = detail({ statement: other });
    fake.emit('ceremony.changed', changedOf(ceremonyId));
    await settle();
    expect(await state().submitSign(PIN)).toBe(false);
    expect(state().sign?.error).toMatchObject({ code: 'conflict', message: expect.stringMatching(/statement of this ceremony changed/) });
    expect(fake.callsOf('ceremonies.approve')).toEqual([]);
  });

  it("shows the core's refusal when the statement changed on another machine, and keeps the dialog", async () => {
    const message = 'Nothing was signed: the statement of ceremony c-20250101-abcdefghij is sha256:6666…, not the one you reviewed.';
    const { state } = await started({ 'ceremonies.signingKeys': () => ok([signingKey('alice')]), 'ceremonies.approve': () => fail({ code: 'conflict', message }) });
    confirmChecklist(state);
    await state().openSign('approve');
    expect(await state().submitSign(PIN)).toBe(false);
    expect(state().sign).toMatchObject({ kind: 'approve', working: false, error: { code: 'conflict', message } });
  });

  it('says so when a token signed with another key than the policy names', async () => {
    const message = "Nothing was recorded: the signature the token returned does not verify with alice's key in the policy.";
    const { state } = await started({ 'ceremonies.signingKeys': () => ok([signingKey('alice')]), 'ceremonies.approve': () => fail({ code: 'signature-mismatch', message }) });
    confirmChecklist(state);
    await state().openSign('approve');
    expect(await state().submitSign(PIN)).toBe(false);
    expect(state().sign?.error).toMatchObject({ code: 'signature-mismatch', message });
  });

  it('will not sign a statement it cannot show', async () => {
    const unreadable = detail({ statement: { ...frozen.statement!, json: '{"_type":"https://in-toto.io/Statement/v1"}' } });
    const { fake, state } = await started({ 'ceremonies.get': () => ok(unreadable), 'ceremonies.signingKeys': () => ok([signingKey('alice')]) });
    confirmChecklist(state);
    await state().openSign('approve');
    expect(await state().submitSign(PIN)).toBe(false);
    expect(state().sign?.error?.message).toMatch(/cannot show what this statement says/);
    expect(fake.callsOf('ceremonies.approve')).toEqual([]);
  });
});

describe('the actions the core offers', () => {
  it('offers approving, rejecting and cancelling only when detail.actions lists them, whatever the state', async () => {
    // Frozen, but this machine does not trust the policy: the core offers nothing.
    const untrusted = detail({ policyTrusted: false, actions: [] });
    const { fake, state } = await started({ 'ceremonies.get': () => ok(untrusted), 'ceremonies.signingKeys': () => ok([signingKey('alice')]) });
    confirmChecklist(state);
    expect(canApprove(state())).toBe(false);
    expect(canReject(state().detail)).toBe(false);
    expect(canWithdraw(state())).toBe(false);
    await state().openSign('approve');
    await state().openSign('reject');
    await state().openCancel();
    expect(state().sign).toBeUndefined();
    expect(state().cancellation.open).toBe(false);
    expect(await state().publish(PIN)).toBe(false);
    expect(fake.callsOf('ceremonies.signingKeys')).toEqual([]);
  });

  it('lets an approved ceremony be rejected but not approved when the core offers only reject', async () => {
    const onlyReject = detail({ state: 'approved', actions: ['reject'] });
    const { state } = await started({ 'ceremonies.get': () => ok(onlyReject), 'ceremonies.signingKeys': () => ok([signingKey('alice')]) });
    confirmChecklist(state);
    expect(canApprove(state())).toBe(false);
    expect(canReject(state().detail)).toBe(true);
    await state().openCancel();
    expect(state().cancellation.open).toBe(false);
  });

  it('publishes a ceremony whose actions include publish', async () => {
    const publishable = detail({ state: 'approved', counted: 2, actions: ['publish'] });
    const { fake, state } = await started({ 'ceremonies.get': () => ok(publishable), 'ceremonies.signingKeys': () => ok([signingKey('carol')]), 'ceremonies.publish': () => ok(publishResult()) });
    await state().loadPublishKeys();
    expect(await state().publish(PIN)).toBe(true);
    expect(fake.callsOf('ceremonies.publish')).toHaveLength(1);
  });
});

describe('withdrawing an approval', () => {
  const aliceApproval = { approverId: 'alice', role: 'security', keyId: '1'.repeat(64), at: '2025-01-01T11:00:00.000Z' };
  const approvedOnce = detail({ counted: 1, approvedBy: ['alice'], approvals: [aliceApproval], tally: '1 of 2' });
  const withdrawn = detail({ counted: 0, approvedBy: [], approvals: [], tally: '0 of 2' });
  const keys = [signingKey('alice'), signingKey('bob', { keyId: '2'.repeat(64), eligible: false, reason: 'This key has no approval in this ceremony to withdraw.' })];

  it('is offered when the core allows it and a key attached here has an approval that counts', async () => {
    const { fake, state } = await started({ 'ceremonies.get': () => ok(approvedOnce), 'ceremonies.signingKeys': () => ok(keys) });
    await settle();
    expect(fake.callsOf('ceremonies.signingKeys')).toEqual([{ id: ceremonyId, purpose: 'withdraw' }]);
    expect(canWithdraw(state())).toBe(true);
  });

  it('is not offered when no key attached here approved', async () => {
    const { state } = await started({ 'ceremonies.get': () => ok(approvedOnce), 'ceremonies.signingKeys': () => ok([keys[1]!]) });
    await settle();
    expect(canWithdraw(state())).toBe(false);
    await state().openSign('withdraw');
    expect(state().sign).toBeUndefined();
  });

  it('is not offered, nor asked about, once the core no longer lists withdraw (published)', async () => {
    const published = detail({ state: 'published', actions: [], counted: 1, approvedBy: ['alice'], approvals: [aliceApproval] });
    const { fake, state } = await started({ 'ceremonies.get': () => ok(published), 'ceremonies.signingKeys': () => ok(keys) });
    await settle();
    expect(fake.callsOf('ceremonies.signingKeys')).toEqual([]);
    expect(canWithdraw(state())).toBe(false);
  });

  it('asks for a reason, then signs the withdrawal with the key, the PIN and the statement digest, and the count goes down', async () => {
    let answer = approvedOnce;
    const { fake, state } = await started({
      'ceremonies.get': () => ok(answer),
      'ceremonies.signingKeys': () => ok(keys),
      'ceremonies.withdraw': () => {
        answer = withdrawn;
        return ok(withdrawn);
      },
    });
    await settle();
    await state().openSign('withdraw');
    expect(state().sign?.kind).toBe('withdraw');
    expect(fake.callsOf('ceremonies.signingKeys').at(-1)).toEqual({ id: ceremonyId, purpose: 'withdraw' });
    expect(state().sign?.keyUri).toBe(signingKey('alice').keyUri);
    expect(await state().submitSign(PIN)).toBe(false);
    expect(state().sign?.error?.message).toMatch(/Say why you withdraw your approval/);
    expect(fake.callsOf('ceremonies.withdraw')).toEqual([]);
    state().setSignReason(' The SBOM was for another build. ');
    expect(await state().submitSign(PIN)).toBe(true);
    expect(fake.callsOf('ceremonies.withdraw')).toEqual([{ id: ceremonyId, keyUri: signingKey('alice').keyUri, pin: pinBytes(PIN), reason: 'The SBOM was for another build.', statementDigest: STATEMENT }]);
    expect(state().detail?.counted).toBe(0);
    expect(state().signNote).toBe("alice's approval was withdrawn.");
    expect(state().sign).toBeUndefined();
    // No approval left: withdrawing is no longer offered, and the core is not asked.
    await settle();
    expect(canWithdraw(state())).toBe(false);
    expect(JSON.stringify(state())).not.toContain(PIN);
  });

  it('drops an older answer about who may withdraw when a newer detail arrived', async () => {
    const first = deferred<Result<CallOutput<'ceremonies.signingKeys'>>>();
    let answerKeys: () => Result<CallOutput<'ceremonies.signingKeys'>> | Promise<Result<CallOutput<'ceremonies.signingKeys'>>> = () => first.promise;
    let answer = approvedOnce;
    const { fake, state } = await started({ 'ceremonies.get': () => ok(answer), 'ceremonies.signingKeys': () => answerKeys() });
    answer = detail({ state: 'published', actions: [], counted: 1, approvedBy: ['alice'], approvals: [aliceApproval] });
    answerKeys = () => ok(keys);
    fake.emit('ceremony.changed', changedOf(ceremonyId));
    await settle();
    first.resolve(ok(keys));
    await settle();
    expect(canWithdraw(state())).toBe(false);
  });
});
