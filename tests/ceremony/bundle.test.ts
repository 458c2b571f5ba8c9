/**
 * Air-gapped signing through bundles (issue 5), with software keys standing
 * in for tokens (tests/integration/bundle-cli.test.ts does it with SoftHSM2):
 * two stores stand for the release manager's machine and the offline laptop.
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exportCeremonyBundle, importCeremonyBundle, readCeremonyBundle, writeCeremonyBundle, type ImportReport } from '../../electron/core/ceremony/bundle';
import { CeremonyService } from '../../electron/core/ceremony/ceremony-service';
import { CeremonyStore } from '../../electron/core/ceremony/event-store';
import { BundleError, parseBundleText, serializeBundle, type CeremonyBundle } from '../../shared/ceremony/bundle-format';
import { eventPayloadType, type CeremonyEvent } from '../../shared/ceremony/events';
import { makeEnvelope } from '../../shared/dsse/envelope';
import { inTotoPayloadType, pae } from '../../shared/dsse/pae';
import { toBase64 } from '../../shared/encoding/base64';
import { makeDataDir } from '../support/softhsm';
import { makeTestKey, type TestKey } from '../support/test-keys';
import { softwareKeyUri, softwareSigner } from '../support/software-signer';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/real/${name}`, import.meta.url));
const artifactName = 'binary-linux-amd64-multi-subject-first';
type Who = 'alice' | 'bob' | 'carol' | 'rita' | 'mallory';

let home: ReturnType<typeof makeDataDir>;
let clock: Date;
let keys: Record<Who, TestKey>;
/** The release manager's machine. */
let machineA: CeremonyService;
/** The air-gapped signing laptop. */
let laptop: CeremonyService;

const uri = (who: Who) => softwareKeyUri(who);
const signer = softwareSigner(() => keys);

function writePolicy(): string {
  const path = join(home.dir, 'policy.json');
  writeFileSync(
    path,
    JSON.stringify({
      version: 1,
      threshold: 2,
      approvers: [
        { id: 'alice', role: 'security', publicKey: keys.alice.publicKeyPem },
        { id: 'bob', publicKey: keys.bob.publicKeyPem },
        { id: 'carol', publicKey: keys.carol.publicKeyPem },
      ],
      releaseManagers: [{ id: 'rita', publicKey: keys.rita.publicKeyPem }],
    }),
  );
  return path;
}

async function openOnA(options: { opener?: Who } = {}) {
  const { view } = await machineA.open({
    policyPath: writePolicy(),
    release: { name: 'demo', version: '1.0.0' },
    artifactPaths: [join(home.dir, artifactName)],
    provenancePaths: [fixture(`${artifactName}.intoto.jsonl`)],
    openerKeyUri: uri(options.opener ?? 'rita'),
  });
  expect(view.state).toBe('frozen');
  return view.id;
}

/** Carries a bundle as a file would: serialised and read back. */
async function carry(from: CeremonyService, to: CeremonyService, id: string): Promise<ImportReport> {
  const { text } = await exportCeremonyBundle(from, id, clock);
  return importCeremonyBundle(to, parseBundleText(text));
}

const files = (service: CeremonyService, id: string) => (existsSync(service.store.eventsDir(id)) ? readdirSync(service.store.eventsDir(id)).sort() : []);
const fileText = (service: CeremonyService, id: string, name: string) => readFileSync(join(service.store.eventsDir(id), name), 'utf8');

/** An event file as the store writes it: its name and its exact text. */
/** An event file as a machine would write it, signed by `author` (named as its actor); `signedWith` forges the signature with another key under the author's keyid. */
function eventFile(unsigned: CeremonyEvent, author?: Who, signedWith: Who | undefined = author): CeremonyBundle['events'][number] {
  const event = author ? { ...unsigned, actorKeyId: keys[author].keyId } : unsigned;
  const payload = new TextEncoder().encode(JSON.stringify(event));
  const signatures = author && signedWith ? [{ keyid: keys[author].keyId, signature: keys[signedWith].sign(pae(eventPayloadType, payload)) }] : [];
  const envelope = makeEnvelope(eventPayloadType, payload, signatures);
  return { name: `${event.at.replace(/[-:.]/g, '')}-${event.type}-${randomBytes(8).toString('hex')}.json`, envelope: `${JSON.stringify(envelope, null, 2)}\n` };
}

function codes(report: ImportReport): Record<string, string> {
  return Object.fromEntries(report.refused.map((refusal) => [refusal.name, refusal.code]));
}

beforeEach(() => {
  home = makeDataDir();
  copyFileSync(fixture(artifactName), join(home.dir, artifactName));
  clock = new Date('2026-11-22T10:00:00Z');
  keys = { rita: makeTestKey('ecdsa-p256'), alice: makeTestKey('ecdsa-p256'), bob: makeTestKey('ed25519'), carol: makeTestKey('ecdsa-p384'), mallory: makeTestKey('ecdsa-p256') };
  for (const name of ['a', 'laptop']) mkdirSync(join(home.dir, name));
  machineA = new CeremonyService(new CeremonyStore(join(home.dir, 'a')), signer, () => clock);
  laptop = new CeremonyService(new CeremonyStore(join(home.dir, 'laptop')), signer, () => clock);
});
afterEach(() => home.cleanup());

describe('ceremony bundles', () => {
  it('export then import into an empty store gives the same ceremony, file for file', async () => {
    const id = await openOnA({ opener: 'alice' });
    await machineA.approve(id, uri('bob'));
    const report = await carry(machineA, laptop, id);

    expect(report.newCeremony).toBe(true);
    expect(report.refused).toEqual([]);
    expect(report.added.map((added) => added.type).sort()).toEqual(['approved', 'frozen', 'opened']);
    expect(report.added.find((added) => added.type === 'approved')!.by).toBe('bob');
    // Byte-exact copies: the same names and the same text, so every signature still covers the same bytes.
    expect(files(laptop, id)).toEqual(files(machineA, id));
    for (const name of files(machineA, id)) expect(fileText(laptop, id, name)).toBe(fileText(machineA, id, name));

    const [here, there] = [await machineA.load(id), await laptop.load(id)];
    expect(there.view).toEqual(here.view);
    expect(there.view.approvals.map((approval) => approval.keyId)).toEqual([keys.bob.keyId]);
    expect(there.view.problems).toEqual([]);
    // The evidence travels too, checked against its digest.
    const provenanceDigest = (here.opened.provenance[0] as { digest: { sha256: string } }).digest.sha256;
    expect(report.evidence.added).toContain(provenanceDigest);
    expect(await laptop.store.getEvidence(id, provenanceDigest)).toEqual(await machineA.store.getEvidence(id, provenanceDigest));
  });

  it('goes to the offline laptop and back with new approvals, in both directions', async () => {
    const id = await openOnA();
    const bundlePath = join(home.dir, 'to-laptop.json');
    await writeCeremonyBundle(machineA, id, bundlePath, clock);
    await importCeremonyBundle(laptop, await readCeremonyBundle(bundlePath));

    clock = new Date('2026-11-22T11:00:00Z');
    const { view: onLaptop } = await laptop.approve(id, uri('bob'));
    expect(onLaptop.approvals).toHaveLength(1);
    const back = await carry(laptop, machineA, id);
    expect(back.newCeremony).toBe(false);
    expect(back.added).toEqual([expect.objectContaining({ type: 'approved', by: 'bob' })]);
    expect(back.skipped).toHaveLength(2); // the opening and the freeze A already had
    expect(back.view!.approvals.map((approval) => approval.keyId)).toEqual([keys.bob.keyId]);
    expect(back.view!.state).toBe('frozen');

    // Meanwhile carol approves on A; the next trip to the laptop brings it there, and nothing is lost either way.
    await machineA.approve(id, uri('carol'));
    const again = await carry(machineA, laptop, id);
    expect(again.added).toEqual([expect.objectContaining({ type: 'approved', by: 'carol' })]);
    expect(again.view!.state).toBe('approved');
    expect((await machineA.load(id)).view).toEqual((await laptop.load(id)).view);
  });

  it('carries a signed rejection back, and keeps an approval made after expiry as history that does not count', async () => {
    const id = await openOnA();
    await carry(machineA, laptop, id);
    await laptop.reject(id, uri('carol'), 'unexpected dependency');
    const rejected = await carry(laptop, machineA, id);
    expect(rejected.added).toEqual([expect.objectContaining({ type: 'rejected', by: 'carol' })]);
    expect(rejected.view!.rejections.map((rejection) => rejection.reason)).toEqual(['unexpected dependency']);

    // Bob signs on the laptop with its clock past the deadline: a genuine signature, kept, but the ceremony says it does not count.
    const { view } = await laptop.load(id);
    clock = new Date(Date.parse(view.expiresAt) - 1000);
    await laptop.approve(id, uri('bob'));
    const approvalName = files(laptop, id).find((name) => name.includes('-approved-'))!;
    const late = approvalName.replace(/^[0-9TZ]+/, new Date(Date.parse(view.expiresAt) + 1000).toISOString().replace(/[-:.]/g, ''));
    const { bundle } = await exportCeremonyBundle(laptop, id, clock);
    const events = bundle.events.map((file) => {
      if (file.name !== approvalName) return file;
      const envelope = JSON.parse(file.envelope) as { payload: string };
      const event = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as CeremonyEvent;
      // Bob's own machine, its clock past the deadline: the file is genuinely his, signed with his key.
      return { name: late, envelope: eventFile({ ...event, at: new Date(Date.parse(view.expiresAt) + 1000).toISOString() }, 'bob').envelope };
    });
    const report = await importCeremonyBundle(machineA, { ...bundle, events });
    expect(report.refused).toEqual([]);
    expect(report.added.map((added) => added.name)).toEqual([late]);
    expect(report.notes.join('\n')).toMatch(/came after the ceremony expired/);
    expect(report.view!.approvals).toEqual([]);
  });

  it('adds nothing when the same bundle is imported twice, and finishes an import cut short', async () => {
    const id = await openOnA();
    await machineA.approve(id, uri('bob'));
    const { text } = await exportCeremonyBundle(machineA, id, clock);
    await importCeremonyBundle(laptop, parseBundleText(text));
    const before = files(laptop, id);

    const second = await importCeremonyBundle(laptop, parseBundleText(text));
    expect(second.added).toEqual([]);
    expect(second.refused).toEqual([]);
    expect(second.skipped).toHaveLength(3);
    expect(second.evidence.added).toEqual([]);
    expect(files(laptop, id)).toEqual(before);

    // As if the first import had died after writing some files: running it again writes the rest.
    const approval = before.find((name) => name.includes('-approved-'))!;
    const { rmSync } = await import('node:fs');
    rmSync(join(laptop.store.eventsDir(id), approval));
    const resumed = await importCeremonyBundle(laptop, parseBundleText(text));
    expect(resumed.added.map((added) => added.name)).toEqual([approval]);
    expect(files(laptop, id)).toEqual(before);
  });

  it('refuses tampered approvals and keeps the valid events of the same bundle', async () => {
    const id = await openOnA();
    await carry(machineA, laptop, id);
    await laptop.approve(id, uri('bob'));
    const { bundle } = await exportCeremonyBundle(laptop, id, clock);
    const { view, statement } = await laptop.load(id);
    const statementDigest = view.frozen!.statementDigest;
    const at = '2026-11-22T10:30:00.000Z';
    const approval = (who: Who, overrides: Partial<Extract<CeremonyEvent, { type: 'approved' }>> = {}, author: Who = who, signedWith: Who = author) =>
      eventFile({ ceremonyId: id, type: 'approved', at, statementDigest, keyId: keys[who].keyId, signature: toBase64(keys[who].sign(pae(inTotoPayloadType, statement!))), ...overrides }, author, signedWith);

    const carolsApproval = approval('carol');
    // The payload changed after signing: carol's approval carrying a signature over other bytes.
    const editedPayload = approval('carol', { at: '2026-11-22T10:30:01.000Z', signature: toBase64(keys.carol.sign(new TextEncoder().encode('something else'))) });
    // A signature by a key outside the policy, under its own keyid; one made by mallory in alice's name; and an approval nobody signed the file of.
    const outsider = approval('mallory');
    const impostor = approval('mallory', { at: '2026-11-22T10:30:02.000Z', keyId: keys.alice.keyId }, 'alice', 'mallory');
    const unsignedFile = eventFile({ ceremonyId: id, type: 'approved', at: '2026-11-22T10:30:03.000Z', statementDigest, keyId: keys.alice.keyId, signature: toBase64(keys.alice.sign(pae(inTotoPayloadType, statement!))) });
    // A valid signature, but over another statement.
    const otherStatement = eventFile({ ceremonyId: id, type: 'approved', at, statementDigest: 'e'.repeat(64), keyId: keys.alice.keyId, signature: toBase64(keys.alice.sign(pae(inTotoPayloadType, new TextEncoder().encode('{"other":true}')))) }, 'alice');
    // An event of another ceremony slipped in.
    const foreign = eventFile({ ceremonyId: 'c-20261122-aaaaaaaaaa', type: 'cancelled', at }, 'rita');
    const tampered = { ...bundle, events: [...bundle.events, carolsApproval, editedPayload, outsider, impostor, unsignedFile, otherStatement, foreign] };

    const report = await importCeremonyBundle(machineA, parseBundleText(serializeBundle(tampered)));
    expect(codes(report)).toEqual({
      [editedPayload.name]: 'decision-signature-invalid',
      [outsider.name]: 'event-unknown-signer',
      [impostor.name]: 'event-signature-invalid',
      [unsignedFile.name]: 'event-unsigned',
      [otherStatement.name]: 'decision-other-statement',
      [foreign.name]: 'event-wrong-ceremony',
    });
    expect(report.refused.find((refusal) => refusal.name === otherStatement.name)!.reason).toMatch(/another statement/);
    // Refused files are not written; bob's approval (from the laptop) and carol's are.
    expect(report.added.map((added) => added.by).sort()).toEqual(['bob', 'carol']);
    for (const refused of report.refused) expect(files(machineA, id)).not.toContain(refused.name);
    expect(report.view!.state).toBe('approved');
    expect(report.view!.problems).toEqual([]);
  });

  it('refuses an opening edited after its opener signed it, and with it everything that relies on its policy', async () => {
    const id = await openOnA({ opener: 'alice' });
    const { bundle } = await exportCeremonyBundle(machineA, id, clock);
    const events = bundle.events.map((file) => {
      if (!file.name.includes('-opened-')) return file;
      const envelope = JSON.parse(file.envelope) as { payload: string };
      const event = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as Record<string, unknown>;
      envelope.payload = Buffer.from(JSON.stringify({ ...event, expiresAt: '2027-11-22T10:00:00.000Z' })).toString('base64');
      return { ...file, envelope: JSON.stringify(envelope) };
    });
    const report = await importCeremonyBundle(laptop, { ...bundle, events });
    expect(Object.values(codes(report)).sort()).toEqual(['event-signature-invalid', 'no-opening']);
    expect(report.added).toEqual([]);
    expect(report.evidence.added).toEqual([]);
    expect(files(laptop, id)).toEqual([]);
    expect(await laptop.store.listCeremonies()).toEqual([]);
  });

  it('refuses a frozen statement that is not the one the opening describes', async () => {
    const id = await openOnA();
    const { bundle } = await exportCeremonyBundle(machineA, id, clock);
    const { statement } = await machineA.load(id);
    const document = JSON.parse(new TextDecoder().decode(statement)) as { subject: { digest: { sha256: string } }[] };
    document.subject[0]!.digest.sha256 = 'f'.repeat(64);
    const forged = new TextEncoder().encode(JSON.stringify(document));
    const { createHash } = await import('node:crypto');
    const frozen = eventFile({ ceremonyId: id, type: 'frozen', at: '2026-11-22T10:00:00.000Z', payloadType: inTotoPayloadType, statement: toBase64(forged), statementDigest: createHash('sha256').update(forged).digest('hex'), overrides: [] }, 'rita');
    const events = [...bundle.events.filter((file) => !file.name.includes('-frozen-')), frozen];
    const report = await importCeremonyBundle(laptop, { ...bundle, events });
    expect(codes(report)).toEqual({ [frozen.name]: 'freeze-statement-invalid' });
    expect(report.refused[0]!.reason).toMatch(/names "binary-linux-amd64-multi-subject-first" \(sha256:ffffffffffff…\), which the ceremony was not opened with/);
    expect(report.view!.state).toBe('open');
  });

  it('reports conflicts and never overwrites what the store has', async () => {
    const id = await openOnA();
    await carry(machineA, laptop, id);
    const { bundle } = await exportCeremonyBundle(machineA, id, clock);
    const frozenName = bundle.events.find((file) => file.name.includes('-frozen-'))!.name;
    const original = fileText(laptop, id, frozenName);
    const edited = bundle.events.map((file) => (file.name === frozenName ? { ...file, envelope: file.envelope.replace('"payloadType"', '"payloadType" ') } : file));
    // A second opening of the same ceremony id, with another policy (mallory's key in it).
    const opening = (await machineA.load(id)).opened;
    const secondOpening = eventFile({ ...opening, at: '2026-11-22T10:05:00.000Z', policy: { version: 1, threshold: 1, approvers: [{ id: 'mallory', publicKey: keys.mallory.publicKeyPem }] }, policyDigest: 'a'.repeat(64) });

    const report = await importCeremonyBundle(laptop, { ...bundle, events: [...edited, secondOpening] });
    expect(codes(report)).toEqual({ [frozenName]: 'conflict-different-file', [secondOpening.name]: 'opening-contested' });
    expect(report.refused.find((refusal) => refusal.name === secondOpening.name)!.reason).toMatch(/another policy/);
    expect(fileText(laptop, id, frozenName)).toBe(original);
    expect(files(laptop, id)).not.toContain(secondOpening.name);
  });

  it('writes evidence only when its content matches its digest', async () => {
    const id = await openOnA();
    const { bundle } = await exportCeremonyBundle(machineA, id, clock);
    expect(bundle.evidence.length).toBeGreaterThan(0);
    const evidence = [...bundle.evidence, { sha256: 'b'.repeat(64), base64: toBase64(new TextEncoder().encode('{"not":"that"}')) }];
    const report = await importCeremonyBundle(laptop, { ...bundle, evidence });
    expect(report.evidence.refused.map((refusal) => refusal.code)).toEqual(['evidence-digest-mismatch']);
    expect(report.evidence.added).toEqual(bundle.evidence.map((file) => file.sha256));
    expect(await laptop.store.getEvidence(id, 'b'.repeat(64))).toBeUndefined();
  });

  it('refuses a bundle whose event file name tries to leave the events folder, writing nothing', async () => {
    const id = await openOnA();
    const { bundle } = await exportCeremonyBundle(machineA, id, clock);
    for (const name of ['../../../escape.json', '..', '20261122T100000000Z-approved-0123456789abcdef.json/../../x.json', '.hidden.json', 'C:\\evil.json']) {
      const text = serializeBundle({ ...bundle, events: [...bundle.events, { name, envelope: bundle.events[0]!.envelope }] });
      let caught: unknown;
      try {
        parseBundleText(text);
      } catch (error) {
        caught = error;
      }
      expect(caught, name).toBeInstanceOf(BundleError);
      expect((caught as BundleError).code).toBe('bundle-bad-file-name');
    }
    expect(readdirSync(join(home.dir, 'laptop'))).toEqual([]);
    expect(existsSync(join(home.dir, 'escape.json'))).toBe(false);
  });

  it('gives a clear error for a truncated or non-JSON bundle and changes nothing', async () => {
    const id = await openOnA();
    const { text } = await exportCeremonyBundle(machineA, id, clock);
    const cases: [string, string, BundleError['code']][] = [
      ['truncated.json', text.slice(0, Math.floor(text.length / 2)), 'bundle-not-json'],
      ['notes.txt', 'approve it please', 'bundle-not-json'],
      ['envelope.json', fileText(machineA, id, files(machineA, id)[0]!), 'bundle-not-a-bundle'],
      ['future.json', text.replace('"version": 1', '"version": 2'), 'bundle-version-unsupported'],
    ];
    for (const [name, content, code] of cases) {
      writeFileSync(join(home.dir, name), content);
      const error = await readCeremonyBundle(join(home.dir, name)).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error, name).toBeInstanceOf(BundleError);
      expect((error as BundleError).code, name).toBe(code);
    }
    expect(((await readCeremonyBundle(join(home.dir, 'truncated.json')).catch((error: Error) => error)) as Error).message).toMatch(/cut short/);
    expect(readdirSync(join(home.dir, 'laptop'))).toEqual([]);
  });
});
