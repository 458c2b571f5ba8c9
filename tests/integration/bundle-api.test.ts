/**
 * Air-gapped signing from the window (issue 5): ceremonies.export and
 * ceremonies.import through the same dispatch as IPC and the browser shell.
 * Two cores stand for two machines: the release manager's and an offline
 * laptop that has bob's token (a copy of the demo tokens) and nothing else.
 */
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore } from '../../electron/core/create-core';
import type { Core } from '../../electron/core';
import { dispatchCall } from '../../electron/core/api/dispatch';
import type { CallInput, CallName, CallOutput, EventName } from '../../shared/api/contract';
import { makeDataDir, makeTokenFolder, softhsmModule, type TokenFolder } from '../support/softhsm';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/real/${name}`, import.meta.url));
const artifactName = 'binary-linux-amd64-multi-subject-first';

interface Machine {
  core: Core;
  home: ReturnType<typeof makeDataDir>;
  events: { name: EventName; payload: unknown }[];
}

let folder: TokenFolder;
let manager: Machine;
let laptop: Machine;
let usb: string;

async function call<C extends CallName>(machine: Machine, name: C, input: CallInput<C>): Promise<CallOutput<C>> {
  const result = await dispatchCall(machine.core.handlers, name, input);
  if (!result.ok) throw Object.assign(new Error(result.error.message), { code: result.error.code });
  return result.value as CallOutput<C>;
}

async function refusal(machine: Machine, name: CallName, input: unknown): Promise<{ code: string; message: string }> {
  const result = await dispatchCall(machine.core.handlers, name, input);
  if (result.ok) throw new Error(`${name} was accepted`);
  return result.error;
}

function start(home: ReturnType<typeof makeDataDir>): Machine {
  const core = createCore({ dataDir: home.dir, shell: 'browser', version: 'test', modules: [{ path: softhsmModule!, env: folder.env }] });
  const events: Machine['events'] = [];
  core.subscribe((name, payload) => events.push({ name, payload }));
  return { core, home, events };
}

async function approve(machine: Machine, id: string, who: string) {
  const keys = await call(machine, 'ceremonies.signingKeys', { id });
  const key = keys.find((candidate) => candidate.tokenLabel === who)!;
  // The statement the approver reviewed: the approval binds its digest.
  const statementDigest = (await call(machine, 'ceremonies.get', { id })).statement!.digest;
  return call(machine, 'ceremonies.approve', { id, keyUri: key.keyUri, pin: Buffer.from('123456'), statementDigest });
}

beforeAll(async () => {
  folder = makeTokenFolder();
  const managerHome = makeDataDir();
  copyFileSync(fixture(artifactName), join(managerHome.dir, artifactName));
  manager = start(managerHome);
  await call(manager, 'demo.create', {});
  await call(manager, 'policies.createDemo', {});

  // The offline laptop: the same demo tokens (the approvers carry their tokens), its own empty store.
  const laptopHome = makeDataDir();
  cpSync(join(managerHome.dir, 'demo-tokens'), join(laptopHome.dir, 'demo-tokens'), { recursive: true });
  const conf = join(laptopHome.dir, 'demo-tokens', 'softhsm2.conf');
  writeFileSync(conf, readFileSync(conf, 'utf8').replace(join(managerHome.dir, 'demo-tokens'), join(laptopHome.dir, 'demo-tokens')));
  laptop = start(laptopHome);
  // The laptop trusts the team's policy too: the person imported it there in Settings (issue 10).
  const [managerPolicy] = await call(manager, 'policies.list', {});
  await call(laptop, 'policies.import', { path: managerPolicy!.path });
  const tokens = await call(laptop, 'tokens.list', {});
  expect(tokens.modules.find((module) => module.id === 'demo')?.tokens.map((token) => token.label).sort()).toEqual(['alice', 'bob', 'carol']);

  usb = join(managerHome.dir, 'usb-stick');
  mkdirSync(usb);
});

afterAll(async () => {
  await manager?.core.dispose();
  await laptop?.core.dispose();
  folder?.cleanup();
  manager?.home.cleanup();
  laptop?.home.cleanup();
});

describe('air-gapped signing through the window’s API', () => {
  let id: string;
  let firstBundle: string;

  it('exports a frozen ceremony with alice’s approval into a chosen folder, named after the release', async () => {
    const [policy] = await call(manager, 'policies.list', {});
    const opened = await call(manager, 'ceremonies.open', {
      operationId: 'open-bundle-01',
      policyPath: policy!.path,
      release: { name: 'slsa-demo', version: '1.0.0' },
      artifactPaths: [join(manager.home.dir, artifactName)],
      provenancePaths: [fixture(`${artifactName}.intoto.jsonl`)],
      keyUri: (await call(manager, 'policies.signingKeys', { policyPath: policy!.path })).find((key) => key.tokenLabel === 'carol')!.keyUri,
      pin: Buffer.from('123456'),
    });
    id = opened.id;
    await approve(manager, id, 'alice');

    const exported = await call(manager, 'ceremonies.export', { id, dir: usb });
    expect(exported.fileName).toBe(`slsa-demo-1.0.0.${id}.conclave-bundle.json`);
    expect(exported.path).toBe(join(usb, exported.fileName));
    // opened, frozen, alice's approval; the artifact is not evidence, the provenance is.
    expect(exported).toMatchObject({ eventCount: 3, state: 'frozen', leftOut: [] });
    expect(exported.evidenceCount).toBeGreaterThan(0);
    expect(JSON.parse(readFileSync(exported.path, 'utf8'))).toMatchObject({ mediaType: 'application/vnd.conclave.bundle+json', ceremonyId: id });
    firstBundle = exported.path;
  });

  it('never writes over a file that is there: a second export gets a new name, the first stays as it was', async () => {
    const before = readFileSync(firstBundle, 'utf8');
    const again = await call(manager, 'ceremonies.export', { id, dir: usb });
    expect(again.fileName).toBe(`slsa-demo-1.0.0.${id}-2.conclave-bundle.json`);
    expect(readFileSync(firstBundle, 'utf8')).toBe(before);
    // Only the two bundles: no temporary file is left behind.
    expect(readdirSync(usb).sort()).toEqual([`slsa-demo-1.0.0.${id}-2.conclave-bundle.json`, `slsa-demo-1.0.0.${id}.conclave-bundle.json`]);
  });

  it('writes into the data folder’s exports/ when no folder is given', async () => {
    const exported = await call(manager, 'ceremonies.export', { id });
    expect(exported.path).toBe(join(manager.home.dir, 'exports', `slsa-demo-1.0.0.${id}.conclave-bundle.json`));
    expect(existsSync(exported.path)).toBe(true);
  });

  it('refuses a relative folder, a folder that is not there and a file given as the folder', async () => {
    expect(await refusal(manager, 'ceremonies.export', { id, dir: 'usb-stick' })).toMatchObject({ code: 'invalid-input', message: expect.stringContaining('full path') });
    expect(await refusal(manager, 'ceremonies.export', { id, dir: join(usb, 'missing') })).toMatchObject({ code: 'invalid-input', message: expect.stringContaining('no folder') });
    expect(await refusal(manager, 'ceremonies.export', { id, dir: firstBundle })).toMatchObject({ code: 'invalid-input', message: expect.stringContaining('not a folder') });
    expect(existsSync(join(usb, 'missing'))).toBe(false);
  });

  it('imports the bundle on the offline laptop: a new ceremony with its opening, statement and alice’s approval, announced to the window', async () => {
    const report = await call(laptop, 'ceremonies.import', { path: firstBundle });
    expect(report).toMatchObject({ ceremonyId: id, newCeremony: true, release: { name: 'slsa-demo', version: '1.0.0' }, state: 'frozen', skipped: [], refused: [] });
    expect(report.added.map((added) => `${added.type}${added.by ? `:${added.by}` : ''}`).sort()).toEqual(['approved:alice', 'frozen', 'opened']);
    expect(report.evidence.added).toBeGreaterThan(0);
    expect(laptop.events.some((event) => event.name === 'ceremony.changed' && (event.payload as { id: string }).id === id)).toBe(true);
    expect((await call(laptop, 'ceremonies.page', {})).items.map((summary) => summary.id)).toEqual([id]);
    expect((await call(laptop, 'ceremonies.get', { id })).counted).toBe(1);
  });

  it('skips what the store already has when the same bundle is imported again', async () => {
    const report = await call(laptop, 'ceremonies.import', { path: firstBundle });
    expect(report.added).toEqual([]);
    expect(report.skipped).toHaveLength(3);
    expect(report.refused).toEqual([]);
  });

  it('brings bob’s approval back from the laptop; a tampered copy of it is refused with the reason', async () => {
    await approve(laptop, id, 'bob');
    const back = await call(laptop, 'ceremonies.export', { id, dir: usb });
    expect(back.fileName).toBe(`slsa-demo-1.0.0.${id}-3.conclave-bundle.json`);
    expect(back).toMatchObject({ eventCount: 4, state: 'approved' });

    // One bit of bob's signature flipped on the way, as a careless or hostile courier might.
    const bundle = JSON.parse(readFileSync(back.path, 'utf8')) as { events: { name: string; envelope: string }[] };
    const bobs = bundle.events.find((file) => file.name.includes('-approved-') && !readFileSync(firstBundle, 'utf8').includes(file.name))!;
    const envelope = JSON.parse(bobs.envelope) as { payload: string };
    const event = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as { signature: string };
    const signature = Buffer.from(event.signature, 'base64');
    signature[10] = signature[10]! ^ 1;
    envelope.payload = Buffer.from(JSON.stringify({ ...event, signature: signature.toString('base64') })).toString('base64');
    bobs.envelope = JSON.stringify(envelope);
    const tampered = join(usb, 'tampered.conclave-bundle.json');
    writeFileSync(tampered, JSON.stringify(bundle));

    const refused = await call(manager, 'ceremonies.import', { path: tampered });
    expect(refused.added).toEqual([]);
    expect(refused.refused).toHaveLength(1);
    expect(refused.refused[0]).toMatchObject({ name: bobs.name, type: 'approved', conflict: false });
    // The edit breaks bob's signature on the event file itself, so it is refused before its approval signature is even looked at.
    expect(refused.refused[0]!.reason).toBe('the signature of bob on this approved event is missing or does not match its content: it was changed after it was signed. It does not count.');
    expect((await call(manager, 'ceremonies.get', { id })).counted).toBe(1);

    manager.events.length = 0;
    const report = await call(manager, 'ceremonies.import', { path: back.path });
    expect(report.added).toEqual([{ name: bobs.name, type: 'approved', by: 'bob' }]);
    expect(report.refused).toEqual([]);
    expect(report).toMatchObject({ state: 'approved', newCeremony: false });
    expect(manager.events.filter((event) => event.name === 'ceremony.changed').map((event) => (event.payload as { id: string; state: string }).state)).toEqual(['approved']);
    expect((await call(manager, 'ceremonies.get', { id })).state).toBe('approved');
  });

  it('refuses what is not a bundle, a relative path, a folder and a missing file, with words for the person', async () => {
    const notBundle = join(usb, 'notes.json');
    writeFileSync(notBundle, '{"hello": "world"}');
    expect(await refusal(manager, 'ceremonies.import', { path: notBundle })).toMatchObject({ code: 'invalid-input', message: expect.stringContaining('not a Conclave ceremony bundle') });
    const cut = join(usb, 'cut.conclave-bundle.json');
    writeFileSync(cut, readFileSync(firstBundle, 'utf8').slice(0, 500));
    expect(await refusal(manager, 'ceremonies.import', { path: cut })).toMatchObject({ code: 'invalid-input', message: expect.stringContaining('cut short') });
    expect(await refusal(manager, 'ceremonies.import', { path: 'usb-stick/a.conclave-bundle.json' })).toMatchObject({ code: 'invalid-input', message: expect.stringContaining('full path') });
    expect(await refusal(manager, 'ceremonies.import', { path: usb })).toMatchObject({ code: 'invalid-input', message: expect.stringContaining('not a file') });
    expect(await refusal(manager, 'ceremonies.import', { path: join(usb, 'missing.conclave-bundle.json') })).toMatchObject({ code: 'invalid-input', message: expect.stringContaining('no file') });
  });
});
