import { afterEach, describe, expect, it } from 'vitest';
import { setApiForTests } from '../../renderer/src/api';
import { dropUnavailableText } from '../../renderer/src/features/open-ceremony/format';
import { createOpenCeremonyStore } from '../../renderer/src/features/open-ceremony/store';
import type { CallInput, CallOutput } from '../../shared/api/contract';
import type { Result } from '../../shared/api/result';
import { detail, policy, progress, signingKey } from './ceremony-fixtures';
import { createFakeApi, deferred, fail, ok, settle, type Handlers } from './fake-api';

const PIN = 'pin-5d1e8a42';
const demoPolicy = policy();

function setup(handlers: Handlers = {}) {
  const fake = createFakeApi({ 'policies.list': () => ok([demoPolicy]), ...handlers });
  setApiForTests(fake.api);
  const store = createOpenCeremonyStore();
  return { fake, store, state: () => store.getState() };
}

/** A form ready to open: release, one artifact, the only policy (chosen by itself once the list loads). */
async function filled(handlers: Handlers = {}) {
  const env = setup(handlers);
  env.state().start();
  await settle();
  env.state().setText('name', 'app');
  env.state().setText('version', '1.2.3');
  env.state().addPaths('artifacts', ['/work/dist/app.tgz']);
  return env;
}

afterEach(() => setApiForTests(undefined));

describe('the open form', () => {
  it('chooses the only policy there is, and says what is missing instead of calling the core', async () => {
    const { fake, state } = setup();
    state().start();
    await settle();
    expect(state().form.policyPath).toBe(demoPolicy.path);
    await state().open();
    expect(state().errors.name?.message).toMatch(/Name the release/);
    expect(state().errors.version?.message).toMatch(/version/);
    expect(state().errors.artifacts?.message).toMatch(/at least one artifact/);
    expect(fake.callsOf('ceremonies.open')).toEqual([]);
  });

  it('sends what was collected to ceremonies.open with an operation id the contract accepts', async () => {
    const { fake, state } = await filled({ 'ceremonies.open': () => ok(detail()) });
    state().addPaths('provenance', ['/work/dist/app.intoto.jsonl']);
    state().addPaths('sbom', ['/work/dist/app.cdx.json']);
    state().setText('purl', 'pkg:npm/app@1.2.3');
    state().setSha512(true);
    await state().open();
    const [sent] = fake.callsOf('ceremonies.open') as CallInput<'ceremonies.open'>[];
    expect(sent).toMatchObject({
      policyPath: demoPolicy.path,
      release: { name: 'app', version: '1.2.3', purl: 'pkg:npm/app@1.2.3' },
      artifactPaths: ['/work/dist/app.tgz'],
      provenancePaths: ['/work/dist/app.intoto.jsonl'],
      sbomPath: '/work/dist/app.cdx.json',
      sha512: true,
    });
    expect(sent?.operationId).toMatch(/^[A-Za-z0-9_-]{8,64}$/);
  });

  it('keeps every field when opening fails, and shows the core message', async () => {
    const { state } = await filled({ 'ceremonies.open': () => fail({ code: 'invalid-input', message: 'Two artifacts have the same file name.' }) });
    state().addPaths('provenance', ['/work/dist/app.intoto.jsonl']);
    const before = state().form;
    await state().open();
    expect(state().errors.open?.message).toBe('Two artifacts have the same file name.');
    expect(state().phase.kind).toBe('editing');
    expect(state().form).toEqual(before);
  });

  it('refuses a typed path that is not absolute, and takes one that is', async () => {
    const { state } = setup();
    expect(await state().addTypedPath('artifacts', 'dist/app.tgz')).toBe(false);
    expect(state().errors.artifacts?.message).toMatch(/not a full path/);
    expect(await state().addTypedPath('artifacts', '  /work/dist/app.tgz ')).toBe(true);
    expect(state().form.artifactPaths).toEqual(['/work/dist/app.tgz']);
    expect(state().errors.artifacts).toBeUndefined();
  });

  it('does not add the same artifact twice, and removes one on request', () => {
    const { state } = setup();
    state().addPaths('artifacts', ['/a/one.tgz', '/a/two.tgz']);
    state().addPaths('artifacts', ['/a/two.tgz', '/a/three.tgz']);
    expect(state().form.artifactPaths).toEqual(['/a/one.tgz', '/a/two.tgz', '/a/three.tgz']);
    state().removePath('artifacts', '/a/two.tgz');
    expect(state().form.artifactPaths).toEqual(['/a/one.tgz', '/a/three.tgz']);
  });
});

describe('choosing files', () => {
  it('adds what the native dialog picked', async () => {
    const { fake, state } = setup({ 'files.pick': () => ok({ paths: ['/a/one.tgz', '/a/two.tgz'] }) });
    await state().browse('artifacts');
    expect(fake.callsOf('files.pick')).toEqual([{ purpose: 'artifacts', multiple: true }]);
    expect(state().form.artifactPaths).toEqual(['/a/one.tgz', '/a/two.tgz']);
    expect(state().browsing).toBeUndefined();
  });

  it('opens the in-app browser when the shell has no native dialog, and adds what it chose to the right field', async () => {
    const { state } = setup({ 'files.pick': () => ok(null) });
    await state().browse('sbom');
    expect(state().browsing).toBe('sbom');
    await state().chooseFromBrowser(['/a/bom.json']);
    expect(state().form.sbomPath).toBe('/a/bom.json');
    expect(state().browsing).toBeUndefined();
  });

  it('takes dropped files whose path the shell tells, and says to use Browse for the others', async () => {
    const { state } = setup();
    await state().drop('artifacts', [{ name: 'app.tgz', path: '/a/app.tgz' }, { name: 'web.tgz' }]);
    expect(state().form.artifactPaths).toEqual(['/a/app.tgz']);
    expect(state().notes.artifacts).toBe(dropUnavailableText);
  });

  it('asks the desktop shell for the path of a dropped file', async () => {
    const { fake, state } = setup();
    const dropped = { name: 'app.tgz' };
    fake.api.pathOfDroppedFile = (file) => (file === dropped ? '/home/me/dist/app.tgz' : undefined);
    await state().drop('artifacts', [dropped]);
    expect(state().form.artifactPaths).toEqual(['/home/me/dist/app.tgz']);
    expect(state().notes.artifacts).toBeUndefined();
  });

  it('loads a policy file and chooses it', async () => {
    const imported = policy({ digest: 'e'.repeat(64), name: 'release', path: '/home/me/.conclave/policies/release.json', description: 'all 3 of a, b, c' });
    const { fake, state } = setup({ 'files.pick': () => ok({ paths: ['/work/policy.json'] }), 'policies.import': () => ok([policy(), imported]) });
    state().start();
    await settle();
    await state().browse('policy');
    await settle();
    expect(fake.callsOf('policies.import')).toEqual([{ path: '/work/policy.json' }]);
    expect(state().form.policyPath).toBe(imported.path);
  });

  it('keeps the demo policy just created when an older policy list answers after it', async () => {
    const list = deferred<Result<CallOutput<'policies.list'>>>();
    const { state } = setup({ 'policies.list': () => list.promise, 'policies.createDemo': () => ok([demoPolicy]) });
    state().start();
    await state().createDemoPolicy();
    list.resolve(ok([]));
    await settle();
    expect(state().policies).toEqual([demoPolicy]);
    expect(state().form.policyPath).toBe(demoPolicy.path);
  });

  it('shows why a policy was refused and keeps the previous choice', async () => {
    const { state } = setup({ 'policies.import': () => fail({ code: 'invalid-input', message: 'The threshold 4 is more than the 3 approvers.' }) });
    state().start();
    await settle();
    await state().importPolicy('/work/bad-policy.json');
    expect(state().errors.policy?.message).toBe('The threshold 4 is more than the 3 approvers.');
    expect(state().form.policyPath).toBe(demoPolicy.path);
  });
});

describe('hashing progress and cancelling', () => {
  it('shows progress of this opening only, ignoring other operations', async () => {
    const answer = deferred<Result<CallOutput<'ceremonies.open'>>>();
    const { fake, state } = await filled({ 'ceremonies.open': () => answer.promise });
    void state().open();
    const phase = state().phase;
    if (phase.kind !== 'opening') throw new Error('not opening');
    fake.emit('operation.progress', progress('someone-elses-op', 3000));
    expect(state().phase).toMatchObject({ kind: 'opening', progress: undefined });
    fake.emit('operation.progress', progress(phase.operationId, 1000, { filesDone: 1 }));
    expect(state().phase).toMatchObject({ kind: 'opening', progress: { bytesDone: 1000, filesDone: 1 } });
    answer.resolve(ok(detail()));
    await settle();
    expect(fake.listeners('operation.progress')).toBe(0);
    expect(state().phase.kind).toBe('opened');
  });

  it('cancels with the same operation id, and says so calmly with the form intact', async () => {
    const answer = deferred<Result<CallOutput<'ceremonies.open'>>>();
    const { fake, state } = await filled({
      'ceremonies.open': () => answer.promise,
      'operations.cancel': () => {
        answer.resolve(fail({ code: 'invalid-input', message: 'Hashing app.tgz was cancelled before it finished; no digest was recorded.' }));
        return ok({ cancelled: true });
      },
    });
    void state().open();
    const [sent] = fake.callsOf('ceremonies.open') as CallInput<'ceremonies.open'>[];
    await state().cancelOpening();
    await settle();
    expect(fake.callsOf('operations.cancel')).toEqual([{ operationId: sent!.operationId }]);
    expect(state().phase.kind).toBe('editing');
    expect(state().errors.open).toBeUndefined();
    expect(state().notes.open).toMatch(/cancelled/);
    expect(state().form.artifactPaths).toEqual(['/work/dist/app.tgz']);
  });

  it('does not open twice while an opening runs', async () => {
    const answer = deferred<Result<CallOutput<'ceremonies.open'>>>();
    const { fake, state } = await filled({ 'ceremonies.open': () => answer.promise });
    void state().open();
    void state().open();
    expect(fake.callsOf('ceremonies.open')).toHaveLength(1);
    answer.resolve(ok(detail()));
    await settle();
  });
});

describe('after opening', () => {
  const blocked = detail({
    state: 'open',
    statement: undefined,
    overrideAllowed: true,
    findings: [{ id: 'subjects', status: 'fail', message: 'app.tgz is not a subject of the provenance.' }],
  });

  it('loads the keys for an override when a finding failed and the policy allows it', async () => {
    const { fake, state } = await filled({ 'ceremonies.open': () => ok(blocked), 'ceremonies.signingKeys': () => ok([signingKey('alice')]) });
    await state().open();
    expect(fake.callsOf('ceremonies.signingKeys')).toEqual([{ id: blocked.id }]);
    expect(state().override.keyUri).toBe(signingKey('alice').keyUri);
  });

  it('asks for a reason before overriding, then freezes with reason, key and PIN, keeping the PIN out of the store', async () => {
    const { fake, state } = await filled({
      'ceremonies.open': () => ok(blocked),
      'ceremonies.signingKeys': () => ok([signingKey('alice')]),
      'ceremonies.freeze': () => ok(detail()),
    });
    await state().open();
    expect(await state().freezeWithOverride(PIN)).toBe(false);
    expect(state().override.error?.message).toMatch(/Say why/);
    state().setOverrideReason('The provenance was regenerated after a CI outage; checked by hand.');
    expect(await state().freezeWithOverride(PIN)).toBe(true);
    expect(fake.callsOf('ceremonies.freeze')).toEqual([
      { id: blocked.id, overrideReason: 'The provenance was regenerated after a CI outage; checked by hand.', keyUri: signingKey('alice').keyUri, pin: PIN },
    ]);
    expect(state().phase).toMatchObject({ kind: 'opened', detail: { state: 'frozen' } });
    expect(JSON.stringify(state())).not.toContain(PIN);
  });

  it('keeps the reason and the ceremony when the override is refused', async () => {
    const { state } = await filled({
      'ceremonies.open': () => ok(blocked),
      'ceremonies.signingKeys': () => ok([signingKey('alice')]),
      'ceremonies.freeze': () => fail({ code: 'pin-incorrect', message: 'Wrong PIN for alice.' }),
    });
    await state().open();
    state().setOverrideReason('Checked by hand.');
    expect(await state().freezeWithOverride('000000')).toBe(false);
    expect(state().override).toMatchObject({ reason: 'Checked by hand.', working: false, error: { message: 'Wrong PIN for alice.' } });
    expect(state().phase).toMatchObject({ kind: 'opened', detail: { id: blocked.id } });
  });

  it('goes back to the form with every field kept, and starts over keeping the policy only', async () => {
    const { state } = await filled({ 'ceremonies.open': () => ok(detail({ state: 'open', overrideAllowed: false })) });
    await state().open();
    state().backToForm();
    expect(state().form).toMatchObject({ name: 'app', version: '1.2.3', artifactPaths: ['/work/dist/app.tgz'] });
    state().startOver();
    expect(state().form).toMatchObject({ name: '', version: '', artifactPaths: [], policyPath: demoPolicy.path });
  });
});
