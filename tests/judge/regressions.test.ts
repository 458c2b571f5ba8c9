/**
 * The product bugs the judge's properties found, fixed in the judge (issue
 * 10), each kept as the smallest store that shows the attack or the mistake,
 * built with the real CeremonyService and software keys, with files an
 * insider writes by hand where the attack needs one. Each asserts the fixed
 * behaviour: the refusal and its code.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditStore } from '../../electron/core/audit/audit';
import { checkPublishedEnvelope, envelopeText } from '../../electron/core/audit/published-envelope';
import { exportCeremonyBundle, importCeremonyBundle } from '../../electron/core/ceremony/bundle';
import { CeremonyService, readOnlySigner } from '../../electron/core/ceremony/ceremony-service';
import { CeremonyStore } from '../../electron/core/ceremony/event-store';
import { GitRunner } from '../../electron/core/repository/git';
import { parseBundleText } from '../../shared/ceremony/bundle-format';
import { eventPayloadType, type CeremonyEvent, type FrozenEvent } from '../../shared/ceremony/events';
import { ConclaveError } from '../../shared/errors';
import { makeEnvelope } from '../../shared/dsse/envelope';
import { pae } from '../../shared/dsse/pae';
import { createHash } from 'node:crypto';
import { softwareKeyUri, softwareSigner } from '../support/software-signer';
import { findingFiles } from './support/oracle';
import { maxOpenHours, openedAt, World, type Holder } from './support/world';
import { ceremonyFolder } from '../../shared/ceremony/store-layout';

let world: World;
let root: string;
let clock: Date;
let service: CeremonyService;
const uri = softwareKeyUri;
const hour = 3_600_000;

beforeEach(() => {
  world = new World();
  root = world.scratch();
  clock = openedAt;
  service = new CeremonyService(new CeremonyStore(join(root, 'store')), softwareSigner(() => world.keys), () => clock);
});
afterEach(() => world.cleanup());

/** Opens a ceremony with the service (rita opens; it freezes at once), under a 2-of-3 policy with a release manager. */
async function open(): Promise<string> {
  const policyPath = join(root, 'policy.json');
  writeFileSync(policyPath, JSON.stringify(world.policyDocument({ openerMayApprove: false, securityRole: false, aliceTwoKeys: false })));
  const { view } = await service.open({
    policyPath,
    release: { name: 'demo', version: '1.0.0' },
    artifactPaths: [join(world.dir, 'binary-linux-amd64-multi-subject-first')],
    provenancePaths: [fileURLToPath(new URL('../fixtures/real/binary-linux-amd64-multi-subject-first.intoto.jsonl', import.meta.url))],
    openerKeyUri: uri('rita'),
  });
  expect(view.state).toBe('frozen');
  return view.id;
}

/** Writes an event into the store as an insider would by hand: signed with `signer`'s own key, named as the store names files. */
function writeByHand(event: CeremonyEvent, signer: Holder): string {
  const key = world.keys[signer];
  const signed = { ...event, actorKeyId: key.keyId };
  const payload = new TextEncoder().encode(JSON.stringify(signed));
  const name = `${signed.at.replace(/[-:.]/g, '')}-${signed.type}-${createHash('sha256').update(JSON.stringify(signed)).digest('hex').slice(0, 16)}.json`;
  writeFileSync(join(service.store.eventsDir(event.ceremonyId), name), `${JSON.stringify(makeEnvelope(eventPayloadType, payload, [{ keyid: key.keyId, signature: key.sign(pae(eventPayloadType, payload)) }]), null, 2)}\n`);
  return name;
}

const at = (hours: number) => new Date(openedAt.getTime() + hours * hour);

describe('bugs the judge properties found, fixed', () => {
  it('a withdrawal counts only when signed by the approver it withdraws for: a replayed withdrawal under another envelope is event-not-the-decider', async () => {
    const id = await open();
    clock = at(1);
    await service.approve(id, uri('carol'));
    clock = at(2);
    const { events } = await service.withdraw(id, uri('carol'), 'second thoughts');
    clock = at(3);
    await service.approve(id, uri('carol'));
    // Rita, the release manager, replays carol's withdrawal signature under her own envelope, dated later.
    const withdrawal = events.find((stored) => stored.event.type === 'withdrawn')!.event;
    const replay = writeByHand({ ...withdrawal, at: at(4).toISOString() }, 'rita');
    clock = at(5);
    const loaded = await service.load(id);
    expect(loaded.verdicts.get(replay)).toMatchObject({ counts: false, problem: { code: 'event-not-the-decider' } });
    expect(loaded.view.approvals.map((approval) => approval.keyId)).toEqual([world.keys.carol.keyId]);
  });

  it('a publication dated after expiry does not count (publication-after-expiry), and the audit reports it with that code', async () => {
    const id = await open();
    clock = at(1);
    await service.approve(id, uri('alice'));
    const approved = await service.approve(id, uri('bob'));
    expect(approved.view.state).toBe('approved');
    // Rita publishes by hand an hour after expiry (publishing refuses then), naming exactly the envelope the approvals make.
    const { envelope } = (await checkPublishedEnvelope(approved))!;
    const published = writeByHand(
      {
        ceremonyId: id,
        type: 'published',
        at: at(maxOpenHours + 1).toISOString(),
        envelopeDigest: createHash('sha256').update(envelopeText(envelope)).digest('hex'),
        approvers: approved.evaluation.counted,
        signedBy: envelope.signatures.map((signature) => signature.keyid),
      },
      'rita',
    );
    clock = at(maxOpenHours + 2);
    const loaded = await service.load(id);
    expect(loaded.verdicts.get(published)).toMatchObject({ counts: false, problem: { code: 'publication-after-expiry' } });
    expect(loaded.view.published).toBeUndefined();
    // Approvals that met the policy but were never published in time: expired, and only a cancellation is offered.
    expect(loaded.view.state).toBe('expired');
    expect(loaded.view.actions).toEqual(['cancel']);
    const audit = await auditStore(service, new GitRunner(process.env, false), { now: () => clock });
    expect(audit.ok).toBe(false);
    expect(audit.findings.map((finding) => [finding.code, finding.file])).toEqual([['publication-after-expiry', `${ceremonyFolder(id)}/events/${published}`]]);
  });

  it('a contested ceremony stays contested when carried to another machine by bundle; a machine that has the ceremony refuses the second opening', async () => {
    const id = await open();
    const bundleBefore = (await exportCeremonyBundle(service, id, clock)).text;
    const { opened } = await service.load(id);
    // Bob opens the same ceremony a second time, by hand, a minute later.
    const second = writeByHand({ ...opened, at: at(1 / 60).toISOString(), expiresAt: at(maxOpenHours + 1 / 60).toISOString(), openedBy: 'bob' }, 'bob');
    clock = at(1);
    expect((await service.load(id)).view.state).toBe('contested');
    const bundle = parseBundleText((await exportCeremonyBundle(service, id, clock)).text);

    // A machine new to the ceremony takes it as it is: contested, with only a cancellation to offer.
    const laptop = new CeremonyService(new CeremonyStore(join(root, 'laptop')), readOnlySigner, () => clock);
    const report = await importCeremonyBundle(laptop, bundle);
    expect(report.added.map((added) => added.name)).toContain(second);
    expect(report.refused).toEqual([]);
    const carried = await laptop.load(id);
    expect(carried.view.state).toBe('contested');
    expect(carried.view.actions).toEqual(['cancel']);

    // A machine that already has the ceremony keeps its opening: the second one is refused as a conflict.
    const desk = new CeremonyService(new CeremonyStore(join(root, 'desk')), readOnlySigner, () => clock);
    await importCeremonyBundle(desk, parseBundleText(bundleBefore));
    const again = await importCeremonyBundle(desk, bundle);
    expect(again.refused.map((refusal) => [refusal.name, refusal.code])).toEqual([[second, 'opening-contested']]);
    expect((await desk.load(id)).view.state).toBe('frozen');
  });

  it('a byte copy of a forged file is judged as the forgery: import refuses both, the audit reports both', async () => {
    const id = await open();
    const { events } = await service.load(id);
    const frozen = events.find((stored) => stored.event.type === 'frozen')!.event as FrozenEvent;
    // Alice writes a second freeze whose recorded digest is not its statement's, and a byte-identical copy of it.
    const forged = writeByHand({ ...frozen, at: at(1).toISOString(), statementDigest: '0'.repeat(64) }, 'alice');
    const eventsDir = service.store.eventsDir(id);
    const copy = forged.replace(/-[0-9a-f]{16}\.json$/, '-ffffffffffffffff.json');
    writeFileSync(join(eventsDir, copy), readFileSync(join(eventsDir, forged)));
    clock = at(2);
    const loaded = await service.load(id);
    const original = loaded.verdicts.get(forged);
    expect(original).toMatchObject({ counts: false, problem: { code: 'freeze-statement-invalid' } });
    expect(loaded.verdicts.get(copy)).toMatchObject({ counts: false, problem: { code: 'freeze-statement-invalid' } });
    const audit = await auditStore(service, new GitRunner(process.env, false), { now: () => clock });
    expect(audit.findings.map((finding) => finding.file).sort()).toEqual([copy, forged].map((name) => `${ceremonyFolder(id)}/events/${name}`).sort());

    const laptop = new CeremonyService(new CeremonyStore(join(root, 'laptop')), readOnlySigner, () => clock);
    const report = await importCeremonyBundle(laptop, parseBundleText((await exportCeremonyBundle(service, id, clock)).text));
    expect(report.refused.map((refusal) => [refusal.name, refusal.code]).sort()).toEqual([copy, forged].sort().map((name) => [name, 'freeze-statement-invalid']));
    expect(findingFiles(await laptop.load(id))).toEqual([]);
  });

  it('a byte copy of a counting file counts once, as a note', async () => {
    const id = await open();
    clock = at(1);
    const { events } = await service.approve(id, uri('alice'));
    const approval = events.find((stored) => stored.event.type === 'approved')!.source;
    const eventsDir = service.store.eventsDir(id);
    const copy = approval.replace(/-[0-9a-f]{16}\.json$/, '-ffffffffffffffff.json');
    writeFileSync(join(eventsDir, copy), readFileSync(join(eventsDir, approval)));
    // The copy's name may sort before the approval's: the first name is the original, either way one counts.
    const loaded = await service.load(id);
    const verdicts = [approval, copy].sort().map((name) => loaded.verdicts.get(name));
    expect(verdicts[0]).toEqual({ counts: true });
    expect(verdicts[1]).toMatchObject({ counts: false, problem: { code: 'event-copy' } });
    expect(loaded.view.approvals).toHaveLength(1);
  });

  it('a withdrawal at the instant of a publication that does not count anyway (premature) counts: it was not too late for anything', async () => {
    const id = await open();
    clock = at(1);
    const { events } = await service.approve(id, uri('carol'));
    const approval = events.find((stored) => stored.event.type === 'approved' && stored.event.keyId === world.keys.carol.keyId)!.source;
    // Rita publishes by hand on carol's approval alone (the policy wants two), and carol withdraws at the same instant.
    const published = writeByHand({ ceremonyId: id, type: 'published', at: at(2).toISOString(), envelopeDigest: '0'.repeat(64), approvers: ['carol'], signedBy: [world.keys.carol.keyId] }, 'rita');
    clock = at(2);
    const withdrawal = (await service.withdraw(id, uri('carol'), 'second thoughts')).events.find((stored) => stored.event.type === 'withdrawn')!.source;
    const loaded = await service.load(id);
    // It had been withdrawal-too-late (a note): a bundle carried it to another machine, where it counted.
    expect(loaded.verdicts.get(withdrawal)).toEqual({ counts: true });
    expect(loaded.verdicts.get(published)?.counts).toBe(false);
    expect(loaded.view.published).toBeUndefined();
    expect(loaded.view.approvals).toEqual([]);
    expect(loaded.verdicts.get(approval)).toEqual({ counts: true });

    const laptop = new CeremonyService(new CeremonyStore(join(root, 'laptop')), readOnlySigner, () => clock);
    await importCeremonyBundle(laptop, parseBundleText((await exportCeremonyBundle(service, id, clock)).text));
    const imported = await laptop.load(id);
    expect(imported.view.approvals).toEqual([]);
    expect(imported.verdicts.get(withdrawal)).toEqual({ counts: true });
  });

  it('cancelling a contested ceremony, its only action, cancels it; nothing else counts in it', async () => {
    const id = await open();
    const { opened } = await service.load(id);
    writeByHand({ ...opened, at: at(1 / 60).toISOString(), expiresAt: at(maxOpenHours + 1 / 60).toISOString(), openedBy: 'bob' }, 'bob');
    clock = at(1);
    const contested = await service.load(id);
    expect(contested.view.actions).toEqual(['cancel']);
    // Nothing but a cancellation counts in it: an approval is refused before it is signed, and one written by hand is a note.
    await expect(service.approve(id, uri('alice'))).rejects.toBeInstanceOf(ConclaveError);
    const frozen = contested.events.find((stored) => stored.event.type === 'frozen')!.event as FrozenEvent;
    const { keys } = world;
    const signature = keys.alice.sign(pae(frozen.payloadType, Buffer.from(frozen.statement, 'base64')));
    const approval = writeByHand({ ceremonyId: id, type: 'approved', at: at(1).toISOString(), statementDigest: frozen.statementDigest, keyId: keys.alice.keyId, signature: Buffer.from(signature).toString('base64') }, 'alice');
    expect((await service.load(id)).verdicts.get(approval)).toMatchObject({ counts: false, problem: { code: 'event-contested' } });
    const { view } = await service.cancel(id, { keyUri: uri('rita'), reason: 'contested' });
    expect(view.state).toBe('cancelled');
    expect(view.actions).toEqual([]);
  });

  it('an approved ceremony past its expiry is expired and offers only a cancellation: a withdrawal is refused before anything is signed', async () => {
    const id = await open();
    clock = at(1);
    await service.approve(id, uri('alice'));
    await service.approve(id, uri('bob'));
    clock = at(maxOpenHours + 1);
    const before = await service.load(id);
    expect(before.view.state).toBe('expired');
    expect(before.view.actions).toEqual(['cancel']);
    const files = await service.store.eventFileNames(id);
    await expect(service.withdraw(id, uri('bob'), 'found a problem')).rejects.toMatchObject({ name: 'ConclaveError', code: 'invalid-input' });
    expect(await service.store.eventFileNames(id)).toEqual(files);
    expect((await service.load(id)).view.approvals.map((approval) => approval.keyId)).toContain(world.keys.bob.keyId);
  });

  it('an approved ceremony past its expiry does not offer publishing, and publishing is refused as not approved rather than as an internal error', async () => {
    const id = await open();
    clock = at(1);
    await service.approve(id, uri('alice'));
    await service.approve(id, uri('bob'));
    clock = at(maxOpenHours + 1);
    const { view } = await service.load(id);
    expect(view.actions).not.toContain('publish');
    const out = join(root, 'out');
    await expect(service.publish(id, out, uri('rita'))).rejects.toMatchObject({ name: 'ConclaveError', code: 'invalid-input' });
    expect(existsSync(out)).toBe(false);
    // Cancelling is still offered, and counts.
    expect((await service.cancel(id, { keyUri: uri('rita'), reason: 'too late' })).view.state).toBe('cancelled');
  });
});
