/**
 * The Open form's pre-flight (issue 16): the evidence is judged against the
 * policy before any ceremony exists, the newest answer wins, and a ceremony
 * that could never freeze is not created.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { setApiForTests } from '../../renderer/src/api';
import { neverFreezes, preflightInputOf, preflightNeeds } from '../../renderer/src/features/open-ceremony/preflight';
import { createOpenCeremonyStore, emptyForm, preflightDelayMs } from '../../renderer/src/features/open-ceremony/store';
import type { CallInput, CallOutput } from '../../shared/api/contract';
import type { Result } from '../../shared/api/result';
import { detail, policy, signingKey } from './ceremony-fixtures';
import { createFakeApi, deferred, ok, settle, type Handlers } from './fake-api';

const PIN = 'pin-7c1d9e02';
const demoPolicy = policy();
type Answer = CallOutput<'preflight.opening'>;

function answer(overrides: Partial<Answer> = {}): Answer {
  return {
    policy: { digest: demoPolicy.digest, description: demoPolicy.description },
    release: { name: 'app', version: '1.2.3' },
    findings: [{ id: 'provenance-present', status: 'fail', message: 'No provenance was attached, so nothing shows where the artifacts came from.' }],
    blocked: true,
    overrideAllowed: false,
    verdict: 'Blocked: 1 check failed and this policy does not allow overriding, so the ceremony could never take approvals. Fix the evidence before opening.',
    toDo: ['fail  No provenance was attached, so nothing shows where the artifacts came from.'],
    ...overrides,
  };
}
const ready = () => answer({ findings: [], blocked: false, verdict: 'Ready: every check passed, so the ceremony would be frozen at once and take approvals.', toDo: [] });

function setup(handlers: Handlers) {
  const fake = createFakeApi({ 'policies.list': () => ok([demoPolicy]), 'policies.signingKeys': () => ok([signingKey('carol')]), 'operations.cancel': () => ok({ cancelled: true }), ...handlers });
  setApiForTests(fake.api);
  const store = createOpenCeremonyStore();
  return { fake, state: () => store.getState() };
}

/** Release, one artifact, the only policy and carol's key: what the pre-flight needs, and what opening needs. */
async function filled(handlers: Handlers) {
  const env = setup(handlers);
  env.state().start();
  await settle();
  env.state().setText('name', 'app');
  env.state().setText('version', '1.2.3');
  env.state().addPaths('artifacts', ['/work/dist/app.tgz']);
  return env;
}

afterEach(() => {
  vi.useRealTimers();
  setApiForTests(undefined);
});

describe('what the pre-flight needs from the form', () => {
  it('says what is missing, and takes the evidence without SHA-512 (which changes no finding)', () => {
    expect(preflightNeeds(emptyForm())).toEqual(['the release name', 'the version', 'an artifact', 'the policy']);
    const form = { ...emptyForm(), name: ' app ', version: '1.2.3', artifactPaths: ['/a.tgz'], imagesText: 'not an image!!', policyPath: '/p.json', sha512: true };
    expect(preflightNeeds(form)).toEqual([]);
    expect(preflightInputOf(form)).toEqual({ policyPath: '/p.json', release: { name: 'app', version: '1.2.3' }, artifactPaths: ['/a.tgz'], provenancePaths: [] });
  });

  it('calls a ceremony that fails checks and allows no override one that could never freeze', () => {
    expect(neverFreezes(answer())).toBe(true);
    expect(neverFreezes(answer({ overrideAllowed: true }))).toBe(false);
    expect(neverFreezes(ready())).toBe(false);
    expect(neverFreezes(undefined)).toBe(false);
  });
});

describe('the pre-flight as the form is filled in', () => {
  it('checks the evidence once the form stays still, not at each keystroke', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { fake, state } = setup({ 'preflight.opening': () => ok(answer()) });
    state().start();
    await vi.advanceTimersByTimeAsync(0);
    state().setText('name', 'app');
    state().addPaths('artifacts', ['/work/dist/app.tgz']);
    for (const version of ['1', '1.2', '1.2.3']) state().setText('version', version);
    expect(state().preflight).toMatchObject({ checking: true, answer: undefined });
    await vi.advanceTimersByTimeAsync(preflightDelayMs);
    const sent = fake.callsOf('preflight.opening') as CallInput<'preflight.opening'>[];
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ policyPath: demoPolicy.path, release: { name: 'app', version: '1.2.3' }, artifactPaths: ['/work/dist/app.tgz'], provenancePaths: [] });
    expect(state().preflight).toMatchObject({ checking: false, answer: { blocked: true } });
  });

  it('shows the answer for the newest evidence: an older answer arriving late is dropped, and its check cancelled', async () => {
    const first = deferred<Result<Answer>>();
    const second = deferred<Result<Answer>>();
    const answers = [first, second];
    const { fake, state } = await filled({ 'preflight.opening': () => answers.shift()!.promise });
    const older = state().checkEvidence();
    state().addPaths('provenance', ['/work/dist/app.intoto.jsonl']);
    const newer = state().checkEvidence();
    const [olderCall] = fake.callsOf('preflight.opening') as CallInput<'preflight.opening'>[];
    expect(fake.callsOf('operations.cancel')).toContainEqual({ operationId: olderCall!.operationId });
    second.resolve(ok(ready()));
    await newer;
    first.resolve(ok(answer()));
    await older;
    expect(state().preflight.answer?.blocked).toBe(false);
    expect(state().preflight.answer?.verdict).toMatch(/^Ready:/);
  });

  it('says nothing about evidence it was not asked about once the form lacks what the check needs', async () => {
    const { state } = await filled({ 'preflight.opening': () => ok(answer()) });
    await state().checkEvidence();
    expect(state().preflight.answer).toBeDefined();
    state().removePath('artifacts', '/work/dist/app.tgz');
    expect(state().preflight).toEqual({ key: undefined, checking: false, answer: undefined, error: undefined });
  });
});

describe('opening after the pre-flight', () => {
  it('creates nothing when the ceremony could never freeze, even when Open is pressed before the form was checked', async () => {
    const { fake, state } = await filled({ 'preflight.opening': () => ok(answer()), 'ceremonies.open': () => ok(detail()) });
    await state().open(PIN);
    expect(fake.callsOf('preflight.opening')).toHaveLength(1);
    expect(fake.callsOf('ceremonies.open')).toEqual([]);
    expect(state().phase.kind).toBe('editing');
    expect(state().preflight.answer?.verdict).toMatch(/could never take approvals/);
  });

  it('opens evidence that fails checks when the policy allows an override, and evidence that passes', async () => {
    for (const verdict of [answer({ overrideAllowed: true }), ready()]) {
      const { fake, state } = await filled({ 'preflight.opening': () => ok(verdict), 'ceremonies.open': () => ok(detail()) });
      await state().open(PIN);
      expect(fake.callsOf('ceremonies.open')).toHaveLength(1);
      expect(state().phase.kind).toBe('opened');
    }
  });

  it('does not judge the same evidence twice, and opens once however often Open is pressed while it is judged', async () => {
    const judged = deferred<Result<Answer>>();
    const { fake, state } = await filled({ 'preflight.opening': () => judged.promise, 'ceremonies.open': () => ok(detail()) });
    const opening = state().open(PIN);
    void state().open(PIN);
    judged.resolve(ok(ready()));
    await opening;
    await settle();
    expect(fake.callsOf('preflight.opening')).toHaveLength(1);
    expect(fake.callsOf('ceremonies.open')).toHaveLength(1);
  });

  it('waits for the check already under way when Open is pressed, instead of cancelling it and hashing again', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const judged = deferred<Result<Answer>>();
    const { fake, state } = setup({ 'preflight.opening': () => judged.promise, 'ceremonies.open': () => ok(detail()) });
    state().start();
    await vi.advanceTimersByTimeAsync(0);
    state().setText('name', 'app');
    state().setText('version', '1.2.3');
    state().addPaths('artifacts', ['/work/dist/app.tgz']);
    await vi.advanceTimersByTimeAsync(preflightDelayMs);
    expect(fake.callsOf('preflight.opening')).toHaveLength(1);
    const opening = state().open(PIN);
    judged.resolve(ok(ready()));
    await opening;
    await vi.advanceTimersByTimeAsync(0);
    expect(fake.callsOf('preflight.opening')).toHaveLength(1);
    expect(fake.callsOf('operations.cancel')).toEqual([]);
    expect(fake.callsOf('ceremonies.open')).toHaveLength(1);
  });

  it('leaves it to the opening to say what is wrong when the pre-flight could not judge', async () => {
    const { fake, state } = await filled({
      'preflight.opening': () => ({ ok: false, error: { code: 'invalid-input', message: 'The artifact /work/dist/app.tgz cannot be read.' } }),
      'ceremonies.open': () => ({ ok: false, error: { code: 'invalid-input', message: 'The artifact /work/dist/app.tgz cannot be read.' } }),
    });
    await state().open(PIN);
    expect(state().preflight.error?.message).toMatch(/cannot be read/);
    expect(fake.callsOf('ceremonies.open')).toHaveLength(1);
    expect(state().errors.open?.message).toMatch(/cannot be read/);
  });
});
