/**
 * Attested keys in ceremonies (issue 13), end to end through the real
 * CeremonyService and the judge, with software keys standing in for tokens
 * and a test attestation CA standing in for Yubico's: the policy names the
 * test root in `roots`. Approvals whose attestation is forged, another key's,
 * missing, too weak, or from a device another approver already used are
 * written (by the service, or by hand from the documented event format, as an
 * insider would) and must not count.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CeremonyService, type CeremonySigner } from '../../electron/core/ceremony/ceremony-service';
import { CeremonyStore, type StoredEvent } from '../../electron/core/ceremony/event-store';
import { nodeDigester } from '../../electron/core/crypto/node-crypto';
import { eventPayloadType, type ApprovedEvent } from '../../shared/ceremony/events';
import type { CeremonyView } from '../../shared/ceremony/view';
import { makeEnvelope } from '../../shared/dsse/envelope';
import { inTotoPayloadType, pae } from '../../shared/dsse/pae';
import { ConclaveError } from '../../shared/errors';
import { describePolicy } from '../../shared/policy/describe';
import { loadPolicy, PolicyError } from '../../shared/policy/policy';
import { makeTestKey, type TestKey } from '../support/test-keys';
import { softwareKeyUri, softwareSigner } from '../support/software-signer';
import { makeAttestationCa, type AttestationCa, type CaCertificate } from './support/attestation-ca';

type Holder = 'alice' | 'bob' | 'carol' | 'rita' | 'mallory';
type Attestation = { certificate: Uint8Array; intermediate: Uint8Array };

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/real/${name}`, import.meta.url));
const uri = softwareKeyUri;
const openedAt = new Date('2026-11-22T10:00:00.000Z');
const keys: Record<Holder, TestKey> = {
  alice: makeTestKey('ecdsa-p256'),
  bob: makeTestKey('ecdsa-p384'),
  carol: makeTestKey('ed25519'),
  rita: makeTestKey('ecdsa-p256'),
  mallory: makeTestKey('ecdsa-p256'),
};

let ca: AttestationCa;
let devices: Record<'alice' | 'bob' | 'forged', CaCertificate>;
let dir: string;
let service: CeremonyService;
let clock: Date;
/** What each holder's token answers when asked for its key's attestation. */
let attestations: Partial<Record<Holder, Attestation>>;

beforeAll(() => {
  ca = makeAttestationCa();
  devices = { alice: ca.device('alice-yubikey'), bob: ca.device('bob-yubikey'), forged: ca.device('forged', { issuer: 'impostor' }) };
});
afterAll(() => ca?.cleanup());

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'conclave-attested-'));
  clock = openedAt;
  attestations = {};
  const signer: CeremonySigner = {
    ...softwareSigner(() => keys),
    attestation: async (keyUri) => attestations[/token=(\w+)/.exec(keyUri)![1] as Holder],
  };
  service = new CeremonyService(new CeremonyStore(join(dir, 'store')), signer, () => clock);
  return () => rmSync(dir, { recursive: true, force: true });
});

/** A slot attestation of `holder`'s key made by `device` (serial, touch and PIN policy as given). */
function attestation(holder: Holder, device: CaCertificate, options: { serial: number; touch?: number; pin?: number }): Attestation {
  return { certificate: ca.attest(device, keys[holder].publicKeyPem, { formFactor: 0x03, ...options }), intermediate: device.der };
}

function policyDocument(): Record<string, unknown> {
  return {
    version: 1,
    threshold: 2,
    approvers: [
      { id: 'alice', publicKey: keys.alice.publicKeyPem, attestation: { required: true, touch: 'always', roots: [ca.root.pem] } },
      { id: 'bob', publicKey: keys.bob.publicKeyPem, attestation: { required: true, roots: [ca.root.pem] } },
      { id: 'carol', publicKey: keys.carol.publicKeyPem },
    ],
    releaseManagers: [{ id: 'rita', publicKey: keys.rita.publicKeyPem }],
  };
}

async function open(): Promise<string> {
  const policyPath = join(dir, 'policy.json');
  writeFileSync(policyPath, JSON.stringify(policyDocument()));
  const { view } = await service.open({
    policyPath,
    release: { name: 'demo', version: '1.0.0' },
    artifactPaths: [fixture('binary-linux-amd64-multi-subject-first')],
    provenancePaths: [fixture('binary-linux-amd64-multi-subject-first.intoto.jsonl')],
    openerKeyUri: uri('rita'),
  });
  expect(view.state).toBe('frozen');
  clock = new Date(openedAt.getTime() + 60_000);
  return view.id;
}

/** The approval's file as the store named it, and the problems the judge reported for it. */
function problemsOf(view: CeremonyView, keyId: string, events: readonly StoredEvent[]) {
  const names = events.filter((stored) => stored.event.type === 'approved' && stored.event.keyId === keyId).map((stored) => stored.source);
  return view.problems.filter((problem) => problem.source !== undefined && names.includes(problem.source));
}
const counted = (view: CeremonyView) => view.approvals.map((approval) => approval.keyId);

/** Each approval a minute after the one before: at one instant, the judge orders events by file name. */
async function approve(id: string, holder: Holder) {
  clock = new Date(clock.getTime() + 60_000);
  const loaded = await service.approve(id, uri(holder));
  return { loaded, view: loaded.view, problems: problemsOf(loaded.view, keys[holder].keyId, loaded.events) };
}

describe('a policy that requires attested keys', () => {
  it('says so in words, and loads as before where no entry asks for it', async () => {
    const policy = await loadPolicy(policyDocument(), nodeDigester);
    expect(describePolicy(policy)).toBe('any 2 of alice (key made on a YubiKey, touch always), bob (key made on a YubiKey), carol');
    expect(policy.keys[0]!.attestation).toMatchObject({ required: true, touch: 'always', pin: 'any', ownRoots: true });
    expect(policy.keys[2]!.attestation).toBeUndefined();
  });

  it('refuses a touch or PIN policy without required, and roots that are not certificates', async () => {
    const withAttestation = (attestation: unknown) => ({ ...policyDocument(), approvers: [{ id: 'alice', publicKey: keys.alice.publicKeyPem, attestation }, { id: 'bob', publicKey: keys.bob.publicKeyPem }] });
    const code = (document: unknown) => loadPolicy(document, nodeDigester).then(() => 'loaded', (error: unknown) => (error instanceof PolicyError ? error.code : String(error)));
    expect(await code(withAttestation({ required: false, touch: 'always' }))).toBe('policy-malformed');
    expect(await code(withAttestation({ required: true, roots: ['not a certificate'] }))).toBe('policy-certificate-malformed');
    expect(await code(withAttestation({ required: true, touch: 'sometimes' }))).toBe('policy-malformed');
    expect(await code(withAttestation({ required: true, colour: 'blue' }))).toBe('policy-unknown-field');
    expect(await code(withAttestation({ required: true }))).toBe('loaded');
  });
});

describe('approvals with attested keys', () => {
  it('a valid attestation counts, and the view says where the key was made', async () => {
    const id = await open();
    attestations.alice = attestation('alice', devices.alice, { serial: 1234567, touch: 2, pin: 2 });
    attestations.bob = attestation('bob', devices.bob, { serial: 7654321, touch: 3, pin: 3 });
    const first = await approve(id, 'alice');
    expect(first.problems).toEqual([]);
    expect(counted(first.view)).toEqual([keys.alice.keyId]);
    expect(first.view.attested?.[keys.alice.keyId]).toMatchObject({ serial: 1234567, model: 'YubiKey 5', firmware: '5.4.3', touchPolicy: 'always', pinPolicy: 'once', description: 'key made on YubiKey 5 serial 1234567, touch always, PIN once' });
    const second = await approve(id, 'bob');
    expect(second.view.state).toBe('approved');
    expect(second.view.attested?.[keys.bob.keyId]?.description).toBe('key made on YubiKey 5 serial 7654321, touch cached, PIN always');
    // The event carries the attestation inside what the approver signed.
    const event = second.loaded.events.find((stored) => stored.event.type === 'approved' && stored.event.keyId === keys.bob.keyId)!.event as ApprovedEvent;
    expect(Buffer.from(event.attestation!.intermediate, 'base64')).toEqual(Buffer.from(devices.bob.der));
  });

  it('a forged chain (a device certificate signed by another CA under the root\'s name) does not count (attestation-invalid)', async () => {
    const id = await open();
    attestations.alice = attestation('alice', devices.forged, { serial: 1234567 });
    const { view, problems } = await approve(id, 'alice');
    expect(counted(view)).toEqual([]);
    expect(problems.map((problem) => problem.code)).toEqual(['attestation-invalid']);
    expect(problems[0]!.message).toMatch(/The attestation of alice's key does not chain to the attestation roots the policy names/);
  });

  it('another device\'s genuine attestation of another key, sent with alice\'s key, does not count (attestation-invalid)', async () => {
    const id = await open();
    attestations.alice = attestation('mallory', devices.bob, { serial: 7654321 });
    const { view, problems } = await approve(id, 'alice');
    expect(counted(view)).toEqual([]);
    expect(problems.map((problem) => problem.code)).toEqual(['attestation-invalid']);
    expect(problems[0]!.message).toMatch(/is for another key/);
  });

  it('touch never, where the policy requires touch always, does not count (attestation-policy-unmet)', async () => {
    const id = await open();
    attestations.alice = attestation('alice', devices.alice, { serial: 1234567, touch: 1 });
    const { view, problems } = await approve(id, 'alice');
    expect(counted(view)).toEqual([]);
    expect(problems.map((problem) => problem.code)).toEqual(['attestation-policy-unmet']);
    expect(problems[0]!.message).toMatch(/touch never, where the policy asks for touch always/);
  });

  it('two approvers whose keys attest to the same device count as one (attestation-same-device)', async () => {
    const id = await open();
    attestations.alice = attestation('alice', devices.alice, { serial: 1234567 });
    attestations.bob = attestation('bob', devices.alice, { serial: 1234567 });
    await approve(id, 'alice');
    const { view, problems } = await approve(id, 'bob');
    expect(counted(view)).toEqual([keys.alice.keyId]);
    expect(view.state).toBe('frozen');
    expect(problems.map((problem) => problem.code)).toEqual(['attestation-same-device']);
    expect(problems[0]!.message).toMatch(/bob's key was made on YubiKey 5 serial 1234567, the device alice's key that already approved lives on/);
    // A third person on a device of their own still makes the threshold.
    const third = await approve(id, 'carol');
    expect(third.view.state).toBe('approved');
  });

  it('an attestation where none is required is checked: one that does not hold is noted and the approval counts (attestation-unverified)', async () => {
    const id = await open();
    // Carol's entry asks nothing, so Yubico's root is the anchor: the test CA's attestation does not chain to it.
    attestations.carol = attestation('carol', devices.bob, { serial: 7654321 });
    const { view, problems } = await approve(id, 'carol');
    expect(counted(view)).toEqual([keys.carol.keyId]);
    expect(problems.map((problem) => problem.code)).toEqual(['attestation-unverified']);
    expect(view.attested).toBeUndefined();
  });
});

describe('an approval without attestation where the policy requires one', () => {
  it('the service signs nothing when the token cannot attest the key', async () => {
    const id = await open();
    const before = (await service.load(id)).events.length;
    const refused = await service.approve(id, uri('alice')).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(ConclaveError);
    expect((refused as ConclaveError).code).toBe('forbidden');
    expect((refused as ConclaveError).message).toMatch(/only with a key made on a YubiKey, touch always/);
    expect((await service.load(id)).events.length).toBe(before);
  });

  it('an approval written by hand without one, correctly signed, does not count (attestation-missing)', async () => {
    const id = await open();
    const { statement, view: frozen } = await service.load(id);
    const key = keys.alice;
    const event: ApprovedEvent = {
      ceremonyId: id,
      type: 'approved',
      at: clock.toISOString(),
      statementDigest: frozen.frozen!.statementDigest,
      keyId: key.keyId,
      signature: Buffer.from(key.sign(pae(inTotoPayloadType, statement!))).toString('base64'),
      noTrustedTime: 'the policy names no time-stamping authority',
      actorKeyId: key.keyId,
    };
    const payload = new TextEncoder().encode(JSON.stringify(event));
    const name = `${event.at.replace(/[-:.]/g, '')}-approved-${createHash('sha256').update(payload).digest('hex').slice(0, 16)}.json`;
    writeFileSync(join(service.store.eventsDir(id), name), `${JSON.stringify(makeEnvelope(eventPayloadType, payload, [{ keyid: key.keyId, signature: key.sign(pae(eventPayloadType, payload)) }]), null, 2)}\n`);
    const { view } = await service.load(id);
    expect(counted(view)).toEqual([]);
    expect(view.problems.filter((problem) => problem.source === name).map((problem) => problem.code)).toEqual(['attestation-missing']);
  });
});
