/**
 * Attack 5 (issue 10): the release manager writes `published` events by hand
 * before the policy is met (with no approval, then with one of two), and once
 * it is met, one that names an envelope the approvals do not make. None may
 * count: the ceremony must not show as published, and the honest publication
 * must still work afterwards.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drop, forgeEvent, inTotoPayloadType, sha256, shifted, type ForgedFile } from './support/forge';
import { codesFor, keyUri, makeAttackWorld, type AttackWorld, type StoredFile } from './support/world';

const slow = 240_000;
let world: AttackWorld;
let id: string;
let frozen: StoredFile;

beforeAll(async () => {
  world = await makeAttackWorld();
  id = await world.open();
  frozen = world.filesOf(id, 'frozen')[0]!;
}, slow);
afterAll(() => world?.cleanup());

/** Rita's publication of the envelope these approvals make, as she computes it. */
function publication(at: string, approvals: StoredFile[], envelopeDigest?: string): ForgedFile {
  const envelope = {
    payloadType: inTotoPayloadType,
    payload: frozen.event.statement,
    signatures: approvals.map((approval) => ({ keyid: approval.event.keyId, sig: approval.event.signature })),
  };
  return forgeEvent(
    {
      ceremonyId: id,
      type: 'published',
      at,
      envelopeDigest: envelopeDigest ?? sha256(`${JSON.stringify(envelope, null, 2)}\n`),
      approvers: approvals.map((approval) => (approval.event.keyId === world.keyIds.alice ? 'alice' : 'bob')),
      signedBy: approvals.map((approval) => approval.event.keyId as string),
    },
    { signWith: world.attackers.rita },
  );
}

describe('a release manager publishes by hand before the policy is met', () => {
  let none: ForgedFile;
  let one: ForgedFile;

  beforeAll(async () => {
    none = publication(shifted(frozen.event.at, 1000), []);
    drop(world.eventsDir(id), none);
    expect((await world.approve(id, 'alice')).code).toBe(0);
    const approvals = world.filesOf(id, 'approved');
    one = publication(shifted(approvals[0]!.event.at, 1000), approvals);
    drop(world.eventsDir(id), one);
  }, slow);

  it('neither publication counts (publication-premature): the ceremony is frozen, one approval short', async () => {
    const view = await world.show(id);
    expect(codesFor(view, none.name)).toEqual(['publication-premature']);
    expect(codesFor(view, one.name)).toEqual(['publication-premature']);
    expect(view.state).toBe('frozen');
    expect(view.published).toBeUndefined();
    expect(view.actions).not.toContain('publish');
    expect(view.approvals.map((approval) => approval.keyId)).toEqual([world.keyIds.alice]);
    const audit = await world.audit(id);
    expect(audit.findings.map((finding) => finding.code)).toEqual(['publication-premature', 'publication-premature']);
  }, slow);

  it('the CLI still refuses to publish, and writes nothing', async () => {
    const before = world.files(id).map((file) => file.name);
    const out = join(world.work, 'early');
    const early = await world.cli(['ceremony', 'publish', id, '--out', out, '--key', keyUri('rita'), '--pin-env', 'PIN']);
    expect(early.timedOut).toBe(false);
    expect(early.code).toBe(1);
    expect(early.err).toMatch(/not approved/);
    expect(world.files(id).map((file) => file.name)).toEqual(before);
  }, slow);

  it('once the policy is met, a publication naming another envelope does not count (publication-envelope-mismatch); the honest one does', async () => {
    expect((await world.approve(id, 'bob')).code).toBe(0);
    const approvals = world.filesOf(id, 'approved');
    const wrong = publication(shifted(approvals[1]!.event.at, 1000), approvals, sha256('another envelope'));
    drop(world.eventsDir(id), wrong);
    const approved = await world.show(id);
    expect(codesFor(approved, wrong.name)).toEqual(['publication-envelope-mismatch']);
    expect(approved.state).toBe('approved');
    expect(approved.published).toBeUndefined();

    const out = join(world.work, 'out');
    const published = await world.cli(['ceremony', 'publish', id, '--out', out, '--key', keyUri('rita'), '--pin-env', 'PIN']);
    expect(published.code, published.err).toBe(0);
    const view = await world.show(id);
    expect(view.state).toBe('published');
    const honest = world.filesOf(id, 'published').find((file) => ![none.name, one.name, wrong.name].includes(file.name))!;
    expect(view.published?.envelopeDigest).toBe(honest.event.envelopeDigest);
    expect(codesFor(view, honest.name)).toEqual([]);
    const verified = await world.cli(['verify', '--policy', world.policyPath, '--envelope', join(out, 'app-1.0.0.intoto.dsse.json'), '--artifact', world.artifactPath]);
    expect(verified.code, verified.out).toBe(0);
  }, slow);
});
