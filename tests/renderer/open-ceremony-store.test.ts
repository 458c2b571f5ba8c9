import { afterEach, describe, expect, it } from 'vitest';
import { setApiForTests } from '../../renderer/src/api';
import { dropUnavailableText } from '../../renderer/src/features/open-ceremony/format';
import { createOpenCeremonyStore } from '../../renderer/src/features/open-ceremony/store';
import type { CallInput, CallOutput } from '../../shared/api/contract';
import type { Result } from '../../shared/api/result';
import { detail, policy, progress, signingKey } from './ceremony-fixtures';
import { createFakeApi, deferred, fail, ok, pinBytes, settle, token, type Handlers } from './fake-api';

const PIN = 'pin-5d1e8a42';
const demoPolicy = policy();
/** The keys attached: carol's may open under the demo policy, mallory's belongs to nobody in it. */
const openerKeys = [signingKey('mallory', { approverId: undefined, eligible: false, reason: "This key is not in this ceremony's policy." }), signingKey('carol')];
const carol = signingKey('carol');

function setup(handlers: Handlers = {}) {
  const fake = createFakeApi({ 'policies.list': () => ok([demoPolicy]), 'policies.signingKeys': () => ok(openerKeys), ...handlers });
  setApiForTests(fake.api);
  const store = createOpenCeremonyStore();
  return { fake, store, state: () => store.getState() };
}

/** The pre-flight of evidence that would freeze at once (issue 16). */
const readyPreflight = (): Result<CallOutput<'preflight.opening'>> =>
  ok({ policy: { digest: demoPolicy.digest, description: demoPolicy.description }, release: { name: 'app', version: '1.2.3' }, findings: [], blocked: false, overrideAllowed: false, verdict: 'Ready.', toDo: [] });

/**
 * A form ready to open: release, one artifact, the only policy (chosen by itself once the list loads) and the only key that may open under it;
 * its evidence already checked by the pre-flight, as the form does once the person stops typing.
 */
async function filled(handlers: Handlers = {}) {
  const env = setup({ 'preflight.opening': readyPreflight, ...handlers });
  env.state().start();
  await settle();
  env.state().setText('name', 'app');
  env.state().setText('version', '1.2.3');
  env.state().addPaths('artifacts', ['/work/dist/app.tgz']);
  await env.state().checkEvidence();
  return env;
}

afterEach(() => setApiForTests(undefined));

describe('the open form', () => {
  it('chooses the only policy there is, and says what is missing instead of calling the core', async () => {
    const { fake, state } = setup();
    state().start();
    await settle();
    expect(state().form.policyPath).toBe(demoPolicy.path);
    await state().open(PIN);
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
    await state().open(PIN);
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

  it('sends the typed images (one per line, blanks and repeats left out) as images', async () => {
    const { fake, state } = await filled({ 'ceremonies.open': () => ok(detail()) });
    state().setImages('ghcr.io/acme/app:1.2.3\n\n  registry.example.com:5000/acme/worker@sha256:' + 'c'.repeat(64) + '  \nghcr.io/acme/app:1.2.3\n');
    await state().open(PIN);
    const [sent] = fake.callsOf('ceremonies.open') as CallInput<'ceremonies.open'>[];
    expect(sent?.images).toEqual(['ghcr.io/acme/app:1.2.3', `registry.example.com:5000/acme/worker@sha256:${'c'.repeat(64)}`]);
    expect(sent?.artifactPaths).toEqual(['/work/dist/app.tgz']);
  });

  it('opens with images alone, no artifact files, and sends no images key when none are typed', async () => {
    const { fake, state } = setup({ 'ceremonies.open': () => ok(detail()) });
    state().start();
    await settle();
    state().setText('name', 'app');
    state().setText('version', '1.2.3');
    await state().open(PIN);
    expect(state().errors.artifacts?.message).toMatch(/at least one artifact: the files or the container images/);
    state().setImages('ghcr.io/acme/app:1.2.3');
    expect(state().errors.artifacts).toBeUndefined();
    await state().open(PIN);
    const [sent] = fake.callsOf('ceremonies.open') as CallInput<'ceremonies.open'>[];
    expect(sent).toMatchObject({ artifactPaths: [], images: ['ghcr.io/acme/app:1.2.3'] });

    const other = await filled({ 'ceremonies.open': () => ok(detail()) });
    await other.state().open(PIN);
    expect(other.fake.callsOf('ceremonies.open')[0]).not.toHaveProperty('images');
  });

  it('refuses a line that is not an image reference, beside the field, without calling the core', async () => {
    const { fake, state } = await filled({ 'ceremonies.open': () => ok(detail()) });
    state().setImages('ghcr.io/acme/app:1.2.3\nhttps://ghcr.io/acme/App');
    state().checkImages();
    expect(state().errors.images?.message).toBe('“https://ghcr.io/acme/App” is not an image reference. Write registry/repository:tag or @sha256:… (for example ghcr.io/acme/app:1.2.3).');
    await state().open(PIN);
    expect(state().errors.images?.message).toMatch(/is not an image reference/);
    expect(fake.callsOf('ceremonies.open')).toEqual([]);
    state().setImages('ghcr.io/acme/app@sha256:abc');
    expect(state().errors.images).toBeUndefined();
    state().checkImages();
    expect(state().errors.images?.message).toMatch(/“ghcr.io\/acme\/app@sha256:abc” is not an image reference/);
    state().setImages('ghcr.io/acme/app:1.2.3');
    state().checkImages();
    expect(state().errors.images).toBeUndefined();
    await state().open(PIN);
    expect(fake.callsOf('ceremonies.open')).toHaveLength(1);
  });

  it('keeps every field when opening fails, and shows the core message', async () => {
    const { state } = await filled({ 'ceremonies.open': () => fail({ code: 'invalid-input', message: 'Two artifacts have the same file name.' }) });
    state().addPaths('provenance', ['/work/dist/app.intoto.jsonl']);
    const before = state().form;
    await state().open(PIN);
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

describe('who signs the opening', () => {
  const release = policy({ digest: 'e'.repeat(64), name: 'release', path: '/home/me/.conclave/policies/release.json', description: 'all 2 of alice, bob' });

  it('offers the keys policies.signingKeys gives for the chosen policy, usable first, and chooses the only one that may open', async () => {
    const { fake, state } = setup();
    state().start();
    await settle();
    expect(fake.callsOf('policies.signingKeys')).toEqual([{ policyPath: demoPolicy.path }]);
    expect(state().openerKeys).toMatchObject({ policyPath: demoPolicy.path, loadingKeys: false });
    expect(state().openerKeys.keys?.map((key) => key.tokenLabel)).toEqual(['carol', 'mallory']);
    expect(state().form.keyUri).toBe(carol.keyUri);
    // A key that may not open is not chosen.
    state().selectOpenerKey(openerKeys[0]!.keyUri);
    expect(state().form.keyUri).toBe(carol.keyUri);
  });

  it('looks again when the policy changes, and drops a choice the new policy does not allow', async () => {
    const { fake, state } = setup({
      'policies.list': () => ok([demoPolicy, release]),
      'policies.signingKeys': ({ policyPath }) =>
        ok(policyPath === release.path ? [signingKey('alice'), signingKey('bob'), signingKey('carol', { approverId: undefined, eligible: false, reason: "This key is not in this ceremony's policy." })] : openerKeys),
    });
    state().start();
    await settle();
    // Two policies: none is chosen for the person, so no key is looked up yet.
    expect(fake.callsOf('policies.signingKeys')).toEqual([]);
    state().selectPolicy(demoPolicy.path);
    await settle();
    expect(state().form.keyUri).toBe(carol.keyUri);
    state().selectPolicy(release.path);
    expect(state().openerKeys).toMatchObject({ policyPath: release.path, keys: undefined, loadingKeys: true });
    await settle();
    expect(fake.callsOf('policies.signingKeys')).toEqual([{ policyPath: demoPolicy.path }, { policyPath: release.path }]);
    expect(state().openerKeys.keys?.map((key) => key.tokenLabel)).toEqual(['alice', 'bob', 'carol']);
    // carol may not open under this policy, and two others may: the person chooses.
    expect(state().form.keyUri).toBeUndefined();
    state().selectPolicy(undefined);
    expect(state().openerKeys.keys).toBeUndefined();
  });

  it('shows only the keys of the policy chosen last when an earlier answer arrives late', async () => {
    const slow = deferred<Result<CallOutput<'policies.signingKeys'>>>();
    const { state } = setup({
      'policies.list': () => ok([demoPolicy, release]),
      'policies.signingKeys': ({ policyPath }) => (policyPath === demoPolicy.path ? slow.promise : ok([signingKey('alice')])),
    });
    state().start();
    await settle();
    state().selectPolicy(demoPolicy.path);
    state().selectPolicy(release.path);
    await settle();
    slow.resolve(ok(openerKeys));
    await settle();
    expect(state().openerKeys.policyPath).toBe(release.path);
    expect(state().openerKeys.keys?.map((key) => key.tokenLabel)).toEqual(['alice']);
    expect(state().form.keyUri).toBe(signingKey('alice').keyUri);
  });

  it('looks again when a token is plugged in, keeping the choice', async () => {
    let keys = [signingKey('mallory', { approverId: undefined, eligible: false })];
    const { fake, state } = setup({ 'policies.signingKeys': () => ok(keys) });
    const stop = state().start();
    await settle();
    expect(state().form.keyUri).toBeUndefined();
    keys = [...openerKeys, signingKey('alice')];
    fake.emit('token.inserted', token('carol'));
    await settle();
    expect(state().openerKeys.keys?.map((key) => key.tokenLabel)).toEqual(['carol', 'alice', 'mallory']);
    state().selectOpenerKey(signingKey('alice').keyUri);
    fake.emit('token.removed', token('bob'));
    await settle();
    expect(fake.callsOf('policies.signingKeys')).toHaveLength(3);
    expect(state().form.keyUri).toBe(signingKey('alice').keyUri);
    stop();
    expect(fake.listeners('token.inserted')).toBe(0);
    expect(fake.listeners('token.removed')).toBe(0);
  });

  it('sends the key and the PIN once with ceremonies.open, and keeps no PIN in the store', async () => {
    const { fake, state } = await filled({ 'ceremonies.open': () => ok(detail()) });
    await state().open(PIN);
    const sent = fake.callsOf('ceremonies.open') as CallInput<'ceremonies.open'>[];
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ policyPath: demoPolicy.path, keyUri: carol.keyUri, pin: pinBytes(PIN) });
    expect(state().phase.kind).toBe('opened');
    expect(JSON.stringify(state())).not.toContain(PIN);
  });

  it('shows a fresh form, not the last attempt\'s outcome, when the person comes back to the screen', async () => {
    const { state } = await filled({ 'ceremonies.open': () => ok(detail()) });
    await state().open(PIN);
    expect(state().phase.kind).toBe('opened');
    // They left for the ceremony's page (or any other screen) and come back to "Open a ceremony".
    const stop = state().start();
    expect(state().phase.kind).toBe('editing');
    expect(state().form.name).toBe('');
    expect(state().form.artifactPaths).toEqual([]);
    // The policy and the key they chose stay: the same person most likely opens the next one.
    expect(state().form.policyPath).toBe(demoPolicy.path);
    expect(state().form.keyUri).toBe(carol.keyUri);
    stop();
  });

  it('keeps an outcome that still waits on an override when the person comes back (it is decided only here)', async () => {
    const blocked = detail({ state: 'open', statement: undefined, overrideAllowed: true, actions: ['freeze', 'cancel'], findings: [{ id: 'subjects', status: 'fail', message: 'No provenance names app.tgz.' }] });
    const { state } = await filled({ 'ceremonies.open': () => ok(blocked), 'ceremonies.signingKeys': () => ok([carol]) });
    await state().open(PIN);
    expect(state().phase).toMatchObject({ kind: 'opened', detail: { id: blocked.id } });
    const stop = state().start();
    expect(state().phase).toMatchObject({ kind: 'opened', detail: { id: blocked.id } });
    stop();
  });

  it('keeps a half-filled form when the person comes back, without the answer of their last try', async () => {
    const { state } = await filled({ 'ceremonies.open': () => fail({ code: 'invalid-input', message: 'There is no file at /work/dist/app.tgz.' }) });
    await state().open(PIN);
    expect(state().errors.open?.message).toBe('There is no file at /work/dist/app.tgz.');
    const stop = state().start();
    expect(state().errors.open).toBeUndefined();
    expect(state().form.name).toBe('app');
    expect(state().form.artifactPaths).toEqual(['/work/dist/app.tgz']);
    stop();
  });

  it('keeps no PIN in the store while the artifacts are hashed either', async () => {
    const answer = deferred<Result<CallOutput<'ceremonies.open'>>>();
    const { fake, state } = await filled({ 'ceremonies.open': () => answer.promise });
    void state().open(PIN);
    expect(state().phase.kind).toBe('opening');
    expect((fake.callsOf('ceremonies.open')[0] as CallInput<'ceremonies.open'>).pin).toEqual(pinBytes(PIN));
    expect(JSON.stringify(state())).not.toContain(PIN);
    answer.resolve(ok(detail()));
    await settle();
  });

  it('sends no PIN for a PIN-pad reader or a token without login, whatever was typed', async () => {
    const pad = signingKey('carol', { protectedAuthenticationPath: true });
    const { fake, state } = await filled({ 'policies.signingKeys': () => ok([pad]), 'ceremonies.open': () => ok(detail()) });
    await state().open(PIN);
    expect(fake.callsOf('ceremonies.open')[0]).toMatchObject({ keyUri: pad.keyUri, pin: null });
  });

  it('asks for the key, then the PIN, beside them, before calling the core', async () => {
    const { fake, state } = await filled({ 'policies.signingKeys': () => ok([signingKey('alice'), carol]), 'ceremonies.open': () => ok(detail()) });
    await state().open(PIN);
    expect(state().errors.signer?.message).toMatch(/Choose your key/);
    state().selectOpenerKey(carol.keyUri);
    expect(state().errors.signer).toBeUndefined();
    await state().open('');
    expect(state().errors.signer?.message).toBe('Enter the PIN of carol.');
    await state().open(null);
    expect(state().errors.signer?.message).toBe('Enter the PIN of carol.');
    expect(fake.callsOf('ceremonies.open')).toEqual([]);
  });

  it('does not open when no attached key may open under the policy', async () => {
    const { fake, state } = await filled({ 'policies.signingKeys': () => ok([openerKeys[0]!]), 'ceremonies.open': () => ok(detail()) });
    await state().open(PIN);
    expect(state().errors.signer?.message).toMatch(/Choose your key/);
    expect(fake.callsOf('ceremonies.open')).toEqual([]);
  });

  it('shows a refused PIN beside the key, with the form and the key kept and no PIN anywhere in the store', async () => {
    const { state } = await filled({ 'ceremonies.open': () => fail({ code: 'pin-incorrect', message: 'The PIN for token "carol" is wrong.', details: { triesLeft: 'low' } }) });
    const before = state().form;
    await state().open('000000');
    expect(state().phase.kind).toBe('editing');
    expect(state().errors.signer).toMatchObject({ code: 'pin-incorrect' });
    expect(state().errors.open).toBeUndefined();
    expect(state().form).toEqual(before);
    expect(JSON.stringify(state())).not.toContain('000000');
  });

  it('reports a failure of the key look-up, and looks again on request', async () => {
    let answer: Result<CallOutput<'policies.signingKeys'>> = fail({ code: 'token-error', message: 'The token did not answer.' });
    const { state } = setup({ 'policies.signingKeys': () => answer });
    state().start();
    await settle();
    expect(state().openerKeys.keysError?.message).toBe('The token did not answer.');
    answer = ok(openerKeys);
    await state().reloadOpenerKeys();
    expect(state().openerKeys.keysError).toBeUndefined();
    expect(state().form.keyUri).toBe(carol.keyUri);
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

  it('reads a policy file, shows it, and trusts and chooses it only once the person confirms', async () => {
    const imported = policy({ digest: 'e'.repeat(64), name: 'release', path: '/home/me/.conclave/policies/release.json', description: 'all 3 of a, b, c' });
    const inspected = { digest: imported.digest, name: 'release', description: 'all 3 of a, b, c', threshold: 3, approvers: [{ id: 'a' }, { id: 'b' }, { id: 'c' }], trusted: false };
    const { fake, state } = setup({ 'files.pick': () => ok({ paths: ['/work/policy.json'] }), 'policies.inspect': () => ok(inspected), 'policies.import': () => ok([policy(), imported]) });
    state().start();
    await settle();
    await state().browse('policy');
    await settle();
    expect(fake.callsOf('policies.inspect')).toEqual([{ path: '/work/policy.json' }]);
    expect(state().policyInspection).toEqual({ path: '/work/policy.json', policy: inspected });
    expect(fake.callsOf('policies.import')).toEqual([]);
    expect(state().form.policyPath).not.toBe(imported.path);
    await state().trustInspectedPolicy();
    expect(fake.callsOf('policies.import')).toEqual([{ path: '/work/policy.json', digest: imported.digest }]);
    expect(state().form.policyPath).toBe(imported.path);
    expect(state().policyInspection).toBeUndefined();
  });

  it('chooses a policy file this machine already trusts without asking again', async () => {
    const inspected = { digest: demoPolicy.digest, description: demoPolicy.description, threshold: 2, approvers: [{ id: 'alice' }], trusted: true };
    const { fake, state } = setup({ 'policies.inspect': () => ok(inspected) });
    state().start();
    await settle();
    state().selectPolicy(undefined);
    await state().importPolicy('/work/demo-copy.json');
    expect(state().policyInspection).toBeUndefined();
    expect(state().form.policyPath).toBe(demoPolicy.path);
    expect(fake.callsOf('policies.import')).toEqual([]);
  });

  it('trusts nothing when the person declines', async () => {
    const inspected = { digest: 'e'.repeat(64), description: 'all 3 of a, b, c', threshold: 3, approvers: [{ id: 'a' }], trusted: false };
    const { fake, state } = setup({ 'policies.inspect': () => ok(inspected) });
    state().start();
    await settle();
    await state().importPolicy('/work/policy.json');
    state().dismissPolicyInspection();
    await state().trustInspectedPolicy();
    expect(fake.callsOf('policies.import')).toEqual([]);
    expect(state().form.policyPath).toBe(demoPolicy.path);
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
    const { state } = setup({ 'policies.inspect': () => fail({ code: 'invalid-input', message: 'The threshold 4 is more than the 3 approvers.' }) });
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
    void state().open(PIN);
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
    void state().open(PIN);
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
    void state().open(PIN);
    void state().open(PIN);
    expect(fake.callsOf('ceremonies.open')).toHaveLength(1);
    answer.resolve(ok(detail()));
    await settle();
  });
});

describe('after opening', () => {
  const blocked = detail({
    state: 'open',
    actions: ['freeze', 'cancel'],
    statement: undefined,
    overrideAllowed: true,
    findings: [{ id: 'subjects', status: 'fail', message: 'app.tgz is not a subject of the provenance.' }],
  });

  it('loads the keys that may manage the ceremony for an override, choosing the opener\'s', async () => {
    const { fake, state } = await filled({ 'ceremonies.open': () => ok(blocked), 'ceremonies.signingKeys': () => ok([signingKey('alice'), carol]) });
    await state().open(PIN);
    expect(fake.callsOf('ceremonies.signingKeys')).toEqual([{ id: blocked.id, purpose: 'manage' }]);
    expect(state().override.keyUri).toBe(carol.keyUri);
  });

  it('offers no override when the core does not offer freeze (a policy this machine does not trust)', async () => {
    const untrusted = { ...blocked, actions: [], policyTrusted: false };
    const { fake, state } = await filled({ 'ceremonies.open': () => ok(untrusted), 'ceremonies.signingKeys': () => ok([signingKey('alice')]), 'ceremonies.freeze': () => ok(detail()) });
    await state().open(PIN);
    expect(fake.callsOf('ceremonies.signingKeys')).toEqual([]);
    state().setOverrideReason('Checked by hand.');
    expect(await state().freezeWithOverride(PIN)).toBe(false);
    expect(fake.callsOf('ceremonies.freeze')).toEqual([]);
  });

  it('sends pin null (not nothing) when the override key needs no PIN typed here', async () => {
    const pad = signingKey('alice', { protectedAuthenticationPath: true });
    const { fake, state } = await filled({ 'ceremonies.open': () => ok(blocked), 'ceremonies.signingKeys': () => ok([pad]), 'ceremonies.freeze': () => ok(detail()) });
    await state().open(PIN);
    state().setOverrideReason('Checked by hand.');
    expect(await state().freezeWithOverride(PIN)).toBe(true);
    expect(fake.callsOf('ceremonies.freeze')).toEqual([{ id: blocked.id, overrideReason: 'Checked by hand.', keyUri: pad.keyUri, pin: null }]);
  });

  it('asks for a reason before overriding, then freezes with reason, key and PIN, keeping the PIN out of the store', async () => {
    const { fake, state } = await filled({
      'ceremonies.open': () => ok(blocked),
      'ceremonies.signingKeys': () => ok([signingKey('alice')]),
      'ceremonies.freeze': () => ok(detail()),
    });
    await state().open(PIN);
    expect(await state().freezeWithOverride(PIN)).toBe(false);
    expect(state().override.error?.message).toMatch(/Say why/);
    state().setOverrideReason('The provenance was regenerated after a CI outage; checked by hand.');
    expect(await state().freezeWithOverride(PIN)).toBe(true);
    expect(fake.callsOf('ceremonies.freeze')).toEqual([
      { id: blocked.id, overrideReason: 'The provenance was regenerated after a CI outage; checked by hand.', keyUri: signingKey('alice').keyUri, pin: pinBytes(PIN) },
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
    await state().open(PIN);
    state().setOverrideReason('Checked by hand.');
    expect(await state().freezeWithOverride('000000')).toBe(false);
    expect(state().override).toMatchObject({ reason: 'Checked by hand.', working: false, error: { message: 'Wrong PIN for alice.' } });
    expect(state().phase).toMatchObject({ kind: 'opened', detail: { id: blocked.id } });
  });

  it('goes back to the form with every field kept, and starts over keeping the policy and the key only', async () => {
    const { state } = await filled({ 'ceremonies.open': () => ok(detail({ state: 'open', overrideAllowed: false })) });
    await state().open(PIN);
    state().backToForm();
    expect(state().form).toMatchObject({ name: 'app', version: '1.2.3', artifactPaths: ['/work/dist/app.tgz'], keyUri: carol.keyUri });
    state().startOver();
    expect(state().form).toMatchObject({ name: '', version: '', artifactPaths: [], policyPath: demoPolicy.path, keyUri: carol.keyUri });
    expect(JSON.stringify(state())).not.toContain(PIN);
  });
});
