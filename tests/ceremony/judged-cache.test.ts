/**
 * A ceremony is judged once per change (issue 15), and a verdict reused is
 * never one the files on disk no longer support: what an outsider with write
 * access to the store, or another machine, changes is seen by the next load.
 */
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CeremonyService } from '../../electron/core/ceremony/ceremony-service';
import { CeremonyStore } from '../../electron/core/ceremony/event-store';
import { JudgedCeremonies } from '../../electron/core/ceremony/judged-ceremonies';
import { makeDataDir } from '../support/softhsm';
import { makeTestKey, type TestKey } from '../support/test-keys';
import { softwareKeyUri, softwareSigner } from '../support/software-signer';
import { ceremonyFolder } from '../../shared/ceremony/store-layout';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/real/${name}`, import.meta.url));
const artifactName = 'binary-linux-amd64-multi-subject-first';

let home: ReturnType<typeof makeDataDir>;
let clock: Date;
let keys: Record<'alice' | 'bob' | 'carol' | 'rita' | 'mallory', TestKey>;

const signer = softwareSigner(() => keys);
const uri = (who: string) => softwareKeyUri(who);
const storeDir = () => join(home.dir, 'store');

function service(): CeremonyService {
  return new CeremonyService(new CeremonyStore(storeDir()), signer, () => clock);
}

async function openCeremony(target: CeremonyService) {
  const policyPath = join(home.dir, 'policy.json');
  writeFileSync(
    policyPath,
    JSON.stringify({
      version: 1,
      threshold: 2,
      approvers: [
        { id: 'alice', publicKey: keys.alice.publicKeyPem },
        { id: 'bob', publicKey: keys.bob.publicKeyPem },
        { id: 'carol', publicKey: keys.carol.publicKeyPem },
      ],
      releaseManagers: [{ id: 'rita', publicKey: keys.rita.publicKeyPem }],
      ceremony: { maxOpenHours: 2 },
    }),
  );
  const opened = await target.open({
    policyPath,
    release: { name: 'demo', version: '1.0.0' },
    artifactPaths: [join(home.dir, artifactName)],
    provenancePaths: [fixture(`${artifactName}.intoto.jsonl`)],
    openerKeyUri: uri('rita'),
  });
  return opened.view.id;
}

function eventFiles(id: string): string[] {
  const dir = join(storeDir(), ceremonyFolder(id), 'events');
  return readdirSync(dir).map((name) => join(dir, name));
}

beforeEach(() => {
  home = makeDataDir();
  mkdirSync(storeDir());
  copyFileSync(fixture(artifactName), join(home.dir, artifactName));
  clock = new Date('2026-11-22T10:00:00Z');
  keys = { alice: makeTestKey('ecdsa-p256'), bob: makeTestKey('ecdsa-p256'), carol: makeTestKey('ecdsa-p384'), rita: makeTestKey('ecdsa-p256'), mallory: makeTestKey('ecdsa-p256') };
});
afterEach(() => home.cleanup());

describe('judged ceremonies', () => {
  it('sees an approval file whose signature was changed on disk after it was judged', async () => {
    const engine = service();
    const id = await openCeremony(engine);
    await engine.approve(id, uri('alice'));
    expect((await engine.approve(id, uri('bob'))).view.state).toBe('approved');
    expect((await engine.load(id)).view.state).toBe('approved');

    // An outsider with write access to the store replaces the signature over bob's approval event by one over other bytes.
    const bobFile = eventFiles(id).find((path) => {
      const envelope = JSON.parse(readFileSync(path, 'utf8')) as { payload: string };
      const event = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as { type: string; keyId?: string };
      return event.type === 'approved' && event.keyId === keys.bob.keyId;
    });
    expect(bobFile).toBeDefined();
    const envelope = JSON.parse(readFileSync(bobFile!, 'utf8')) as { signatures: { sig: string }[] };
    envelope.signatures[0]!.sig = Buffer.from(keys.bob.sign(Buffer.from('not the event'))).toString('base64');
    writeFileSync(bobFile!, JSON.stringify(envelope));

    const after = await engine.load(id);
    expect(after.view.state).toBe('frozen');
    expect(after.view.approvals.length).toBe(1);
  });

  it('sees an approval another machine wrote to the same store', async () => {
    const here = service();
    const id = await openCeremony(here);
    await here.approve(id, uri('alice'));
    expect((await here.load(id)).view.approvals.map((approval) => approval.keyId)).toEqual([keys.alice.keyId]);

    await service().approve(id, uri('carol'));
    const seen = await here.load(id);
    expect(seen.view.approvals.map((approval) => approval.keyId).sort()).toEqual([keys.alice.keyId, keys.carol.keyId].sort());
    expect(seen.view.state).toBe('approved');
  });

  it('reaches a new verdict once the ceremony has expired, though no file changed', async () => {
    const engine = service();
    const id = await openCeremony(engine);
    expect((await engine.load(id)).view.actions).toContain('approve');
    clock = new Date('2026-11-22T12:30:00Z');
    const expired = await engine.load(id);
    expect(expired.view.state).toBe('expired');
    expect(expired.view.actions).not.toContain('approve');
  });

  it('reuses a verdict for the same files, and keeps none that the clock could change', async () => {
    const engine = service();
    const id = await openCeremony(engine);
    const first = await engine.load(id);
    const again = await engine.load(id);
    // The same verdict object: nothing was judged again.
    expect(again.view).toBe(first.view);

    const cache = new JudgedCeremonies(4);
    const input = { id, files: first.events, unreadable: [], trustedPolicies: undefined, supersededPolicies: undefined };
    cache.set(input, { ...first, certificateSigners: new Map([['ab', 'carol']]) }, clock);
    expect(cache.size).toBe(0);
    cache.set(input, first, clock);
    expect(cache.get(input, clock)).toBe(first);
    expect(cache.get({ ...input, trustedPolicies: new Set(['other']) }, clock)).toBeUndefined();
    expect(cache.get({ ...input, files: first.events.slice(1) }, clock)).toBeUndefined();
    expect(cache.get(input, new Date(Date.parse(first.view.expiresAt) + 1))).toBeUndefined();

    // An index thread's engine keeps none: each load judges again.
    const keepsNone = new JudgedCeremonies(0);
    keepsNone.set(input, first, clock);
    expect(keepsNone.size).toBe(0);
    expect(keepsNone.get(input, clock)).toBeUndefined();
  });
});
