/**
 * A sync that brings many ceremonies checks them on threads of their own
 * (repository/arrival-threads.ts), with an engine that believes no note of
 * signatures checked before. The rule is the same on every path: a file
 * counts only with a valid signature of a key the ceremony's policy knows.
 * Here files forged by hand, as an outsider with push access would write
 * them, arrive among 70 honest ceremonies: the threads flag exactly what this
 * thread flags, with the same words, and believe a forged signature even
 * when the note holds the honest one it was made from.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CeremonyService } from '../../electron/core/ceremony/ceremony-service';
import { localCeremonyService } from '../../electron/core/ceremony/local-service';
import { checkArrivals, type ArrivalCheck } from '../../electron/core/repository/arrivals';
import { CheckedSignatures, checkedSignatureLog, checkedSignaturesPath, signatureFingerprint } from '../../electron/core/crypto/checked-signatures';
import { eventPayloadType } from '../../shared/ceremony/events';
import { makeEnvelope } from '../../shared/dsse/envelope';
import { pae } from '../../shared/dsse/pae';
import { ceremonyFolder } from '../../shared/ceremony/store-layout';
import { generateCeremonies } from '../support/generate-ceremonies';
import { makeDataDir } from '../support/softhsm';
import { makeTestKey } from '../support/test-keys';
import { nameSortingFirst, withSignatureChanged } from '../support/tampered-copy';

let home: ReturnType<typeof makeDataDir>;
let storeDir: string;
let ids: string[];
let paths: string[];
let forged: { tampered: string; outsider: string; garbage: string };
/** What the outsider-signed approval's envelope signature is checked as: alice's key, over its PAE. */
let outsiderSignature: { spki: Uint8Array; signed: Uint8Array; signature: Uint8Array };
/** What this thread's engine makes of the arrivals: what the threads must answer too. */
let here: ArrivalCheck;

const eventsOf = (id: string) => join(storeDir, ceremonyFolder(id), 'events');

/** A service that must not be asked to load anything: whatever it is asked, the threads did not do. */
function notOnThisThread(): CeremonyService {
  return {
    store: { root: storeDir },
    load: () => Promise.reject(new Error('a ceremony was loaded on this thread')),
  } as unknown as CeremonyService;
}

beforeAll(async () => {
  home = makeDataDir();
  storeDir = join(home.dir, 'store');
  const generated = await generateCeremonies(storeDir, 70);
  ids = generated.ids;

  // An approval whose signature's first character changed, beside the honest one it was copied from, under a name that
  // sorts first (the judge once let it stand for the approval, so the honest file did not count).
  const [first, second, third] = [ids[0]!, ids[1]!, ids[2]!];
  const approval = readdirSync(eventsOf(first)).find((name) => name.includes('-approved-'))!;
  forged = {
    tampered: nameSortingFirst(approval),
    outsider: '20260101T000000000Z-approved-00000000000000bb.json',
    garbage: '20260101T000000000Z-approved-00000000000000cc.json',
  };
  writeFileSync(join(eventsOf(first), forged.tampered), withSignatureChanged(readFileSync(join(eventsOf(first), approval), 'utf8')));

  // An approval signed by a key of no one in the policy, under alice's keyid.
  const honest = JSON.parse(Buffer.from((JSON.parse(readFileSync(join(eventsOf(second), readdirSync(eventsOf(second)).find((name) => name.includes('-approved-'))!), 'utf8')) as { payload: string }).payload, 'base64').toString('utf8')) as Record<string, unknown>;
  const outsider = makeTestKey('ecdsa-p256');
  const payload = new TextEncoder().encode(JSON.stringify({ ...honest, at: '2026-01-01T00:00:00.000Z' }));
  const signature = outsider.sign(pae(eventPayloadType, payload));
  writeFileSync(join(eventsOf(second), forged.outsider), JSON.stringify(makeEnvelope(eventPayloadType, payload, [{ keyid: String(honest.actorKeyId), signature }])));
  const signer = Object.values(generated.keys).find((key) => key.keyId === honest.actorKeyId)!;
  outsiderSignature = { spki: signer.spki, signed: pae(eventPayloadType, payload), signature };

  // Not an event at all.
  writeFileSync(join(eventsOf(third), forged.garbage), '{"edited": true}\n');

  paths = ids.flatMap((id) => readdirSync(eventsOf(id)).map((name) => `${ceremonyFolder(id)}/events/${name}`));
  here = await checkArrivals(localCeremonyService({ dataDir: join(home.dir, 'here'), storeDir }), paths);
}, 120_000);

afterAll(() => home?.cleanup());

describe('arrivals checked on threads', () => {
  it('flags the forged files and believes the honest ones, as this thread does', () => {
    const flagged = here.events.filter((event) => event.problem !== undefined).map((event) => event.name);
    expect(flagged.sort()).toEqual(Object.values(forged).sort());
    expect(here.events).toHaveLength(paths.length);
    expect(here.events.filter((event) => event.problem === undefined && event.type === 'approved').every((event) => event.by !== undefined)).toBe(true);
    expect(here.events.find((event) => event.name === forged.tampered)?.problem).toMatch(/does not match its content/);
  });

  it('answer what this thread answers, every file in the same order with the same words, without loading anything here', async () => {
    const dataDir = join(home.dir, 'threads');
    const threads = await checkArrivals(notOnThisThread(), paths, { dataDir, count: 2 });
    expect(threads).toEqual(here);
  }, 120_000);

  it('believe no note of signatures checked before, even one that holds a forged signature as checked', async () => {
    // Someone who could write this data folder notes the outsider's signature as valid. An engine that believes the note
    // (an index thread's: it only fills lists) then counts the forged approval; the arrivals' threads must not.
    const dataDir = join(home.dir, 'noted');
    const note = checkedSignatureLog(dataDir);
    note.add(signatureFingerprint(outsiderSignature.spki, outsiderSignature.signed, outsiderSignature.signature));
    note.flush();
    const believer = localCeremonyService({ dataDir, storeDir, indexThread: { checked: CheckedSignatures.read(checkedSignaturesPath(dataDir)) } });
    expect((await believer.load(ids[1]!)).verdicts.get(forged.outsider)?.counts).toBe(true);

    const again = await checkArrivals(notOnThisThread(), paths, { dataDir, count: 2 });
    expect(again).toEqual(here);
    expect(again.events.find((event) => event.name === forged.outsider)?.problem).toMatch(/does not match its content/);
  }, 120_000);

  it('are checked here with the same answer when a thread cannot start', async () => {
    const dataDir = join(home.dir, 'fallback');
    const failing = { script: 'throw new Error("this thread cannot start")', eval: true };
    const fallback = await checkArrivals(localCeremonyService({ dataDir, storeDir }), paths, { dataDir, count: 2, entry: failing });
    expect(fallback).toEqual(here);
  }, 120_000);
});
