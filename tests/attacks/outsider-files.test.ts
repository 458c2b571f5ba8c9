/**
 * An outsider with push access to the shared store and no key of the policy:
 * unsigned events, events signed by her own key or claiming a team member's
 * key, an honest approval edited, a file whose name lies about what it holds,
 * files built to exhaust a reader, junk ceremony folders, a bundle whose
 * file name climbs out of the store, and copies of honest files with their
 * signature changed under names that sort before the honest ones. Nothing
 * may count, nothing honest may be lost, and every command must still answer.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleText, drop, eventFileName, forgeEvent, shifted, type ForgedFile } from './support/forge';
import { codesFor, makeAttackWorld, type AttackWorld, type StoredFile } from './support/world';
import { ceremonyFolder } from '../../shared/ceremony/store-layout';
import { nameSortingFirst, withSignatureChanged } from '../support/tampered-copy';

const slow = 240_000;
let world: AttackWorld;
let id: string;
let frozen: StoredFile;
let aliceApproval: StoredFile;
const planted: Record<string, string> = {};
/** What each planted file is refused with. */
const expected: Record<string, string> = {
  unsigned: 'event-unsigned',
  'own key': 'event-unknown-signer',
  'claims rita': 'event-signature-invalid',
  edited: 'event-signature-invalid',
  misnamed: 'event-unreadable',
  huge: 'event-unreadable',
  deep: 'event-unreadable',
  'not json': 'event-unreadable',
};

beforeAll(async () => {
  world = await makeAttackWorld();
  id = await world.open();
  frozen = world.filesOf(id, 'frozen')[0]!;
  const alice = await world.approve(id, 'alice');
  expect(alice.code, alice.err).toBe(0);
  aliceApproval = world.filesOf(id, 'approved')[0]!;
  const dir = world.eventsDir(id);
  const at = (ms: number) => shifted(frozen.event.at, ms);
  const mallory = world.attackers.mallory;
  const plant = (label: string, file: ForgedFile) => (planted[label] = drop(dir, file));

  plant('unsigned', forgeEvent({ ceremonyId: id, type: 'cancelled', at: at(1000), reason: 'stop the release' }));
  plant('own key', forgeEvent({ ceremonyId: id, type: 'cancelled', at: at(2000), reason: 'stop the release' }, { signWith: mallory }));
  plant('claims rita', forgeEvent({ ceremonyId: id, type: 'cancelled', at: at(3000), reason: 'stop the release' }, { signWith: mallory, claim: world.keyIds.rita }));
  // Alice's approval with its time changed, her signatures kept.
  const envelope = JSON.parse(aliceApproval.text) as { payloadType: string; payload: string; signatures: unknown[] };
  const edited = { ...aliceApproval.event, at: at(4000) };
  plant('edited', { name: eventFileName(edited), text: JSON.stringify({ ...envelope, payload: Buffer.from(JSON.stringify(edited)).toString('base64') }), event: edited });
  // Alice's approval under a name that says it is a cancellation.
  plant('misnamed', { name: eventFileName({ at: aliceApproval.event.at, type: 'cancelled' }), text: aliceApproval.text, event: aliceApproval.event });
  // Files built to exhaust a reader: larger than any event, nested beyond any event, not JSON.
  const junk = (label: string, text: string) => plant(label, { name: eventFileName({ at: at(5000), type: 'approved' }), text, event: aliceApproval.event });
  junk('huge', ' '.repeat(17 * 1024 * 1024));
  junk('deep', `${'['.repeat(200_000)}${']'.repeat(200_000)}`);
  junk('not json', '\u0000\u0001 not an envelope');
  // A folder that looks like a ceremony and holds nothing of one.
  const fake = join(world.store, ceremonyFolder('c-20261205-aaaaaaaaaa'), 'events');
  mkdirSync(fake, { recursive: true });
  writeFileSync(join(fake, 'garbage.json'), '{"payloadType":"nothing"}');
}, slow);
afterAll(() => world?.cleanup());

describe('files an outsider plants in a ceremony', () => {
  it('none counts, each with its code, and alice\'s approval still does', async () => {
    const started = Date.now();
    const view = await world.show(id);
    expect(Date.now() - started).toBeLessThan(60_000);
    const codes = Object.fromEntries(Object.entries(planted).map(([label, name]) => [label, codesFor(view, name)]));
    expect(codes).toEqual(Object.fromEntries(Object.entries(expected).map(([label, code]) => [label, [code]])));
    expect(view.state).toBe('frozen');
    expect(view.cancelled).toBeUndefined();
    expect(view.approvals.map((approval) => approval.keyId)).toEqual([world.keyIds.alice]);
    expect(view.actions).toContain('approve');
    const bob = await world.approve(id, 'bob');
    expect(bob.code, bob.err).toBe(0);
    expect((await world.show(id)).state).toBe('approved');
  }, slow);

  it('the audit names every planted file by its code', async () => {
    const audit = await world.audit(id);
    expect(audit.code).toBe(1);
    const byFile = Object.fromEntries(audit.findings.map((finding) => [finding.file, finding.code]));
    expect(Object.fromEntries(Object.entries(planted).map(([label, name]) => [label, byFile[`${ceremonyFolder(id)}/events/${name}`]]))).toEqual(expected);
  }, slow);

  it('a junk ceremony folder does not stop the list', async () => {
    const listed = await world.cli(['ceremony', 'list', '--json']);
    expect(listed.timedOut).toBe(false);
    expect(listed.code).toBe(0);
    expect((JSON.parse(listed.out) as { id: string }[]).map((view) => view.id)).toContain(id);
  }, slow);
});

describe('copies of the honest opening, freeze and approval, each with its signature changed, under names that sort first', () => {
  let copied: string;
  const tampered: Record<string, string> = {};

  beforeAll(async () => {
    copied = await world.open({ release: 'app@2.0.0' });
    const alice = await world.approve(copied, 'alice');
    expect(alice.code, alice.err).toBe(0);
    // Before this was fixed, the first file of an event stood for it: these took the opening (and so the whole
    // ceremony), the freeze and alice's approval away from everyone who synced them.
    for (const type of ['opened', 'frozen', 'approved']) {
      const honest = world.filesOf(copied, type)[0]!;
      const name = nameSortingFirst(honest.name);
      expect(name < honest.name).toBe(true);
      tampered[type] = drop(world.eventsDir(copied), { name, text: withSignatureChanged(honest.text), event: honest.event });
    }
  }, slow);

  it('take nothing away: the ceremony shows, alice\'s approval counts, each copy is refused as tampered, and bob can still approve', async () => {
    const view = await world.show(copied);
    expect(view.state).toBe('frozen');
    expect(view.approvals.map((approval) => approval.keyId)).toEqual([world.keyIds.alice]);
    for (const name of Object.values(tampered)) expect(codesFor(view, name), name).toEqual(['event-signature-invalid']);
    const bob = await world.approve(copied, 'bob');
    expect(bob.code, bob.err).toBe(0);
    expect((await world.show(copied)).state).toBe('approved');
  }, slow);

  it('the audit names each copy as tampered, and nothing else of the ceremony', async () => {
    const audit = await world.audit(copied);
    expect(audit.findings.map((finding) => [finding.file, finding.code]).sort()).toEqual(
      Object.values(tampered)
        .map((name) => [`${ceremonyFolder(copied)}/events/${name}`, 'event-signature-invalid'])
        .sort(),
    );
  }, slow);
});

describe('a bundle whose event file name climbs out of the store', () => {
  it('is refused whole (bundle-bad-file-name), and nothing is written anywhere', async () => {
    const opening = world.filesOf(id, 'opened')[0]!;
    const escape = forgeEvent({ ceremonyId: id, type: 'cancelled', at: shifted(frozen.event.at, 9000) }, { signWith: world.attackers.mallory, name: '../../../escaped.json' });
    const bundlePath = join(world.work, 'escape.conclave-bundle.json');
    writeFileSync(bundlePath, bundleText(id, opening.event as never, [opening, escape]));
    const laptop = await world.machine('escape', [world.policyPath]);
    const laptopStore = join(world.dir, 'escape-store');
    const imported = await world.cli(['ceremony', 'import', bundlePath], { home: laptop, store: laptopStore });
    expect(imported.timedOut).toBe(false);
    expect(imported.code).toBe(1);
    expect(imported.err).toMatch(/names an event file "\.\.\/\.\.\/\.\.\/escaped\.json"/);
    expect(existsSync(laptopStore)).toBe(false);
    expect(existsSync(join(world.dir, 'escaped.json'))).toBe(false);
  }, slow);
});
