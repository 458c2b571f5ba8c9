import { spawn } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CeremonyStore, newCeremonyId } from '../../electron/core/ceremony/event-store';
import { makeEnvelope } from '../../shared/dsse/envelope';
import { eventPayloadType, type CeremonyEvent } from '../../shared/ceremony/events';
import { maxEventFileBytes } from '../../shared/ceremony/event-file';
import { makeDataDir } from '../support/softhsm';

let home: ReturnType<typeof makeDataDir>;
let store: CeremonyStore;

beforeEach(() => {
  home = makeDataDir();
  store = new CeremonyStore(home.dir);
});
afterEach(() => home.cleanup());

const cancelled = (ceremonyId: string, at = '2026-11-22T10:00:00.000Z'): CeremonyEvent => ({ ceremonyId, type: 'cancelled', at, reason: 'test' });
const wrap = (event: CeremonyEvent) => makeEnvelope(eventPayloadType, new TextEncoder().encode(JSON.stringify(event)), []);

describe('the ceremony store', () => {
  it('makes ceremony ids that name the day and cannot collide in practice', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newCeremonyId(new Date('2026-11-22T12:00:00Z'))));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^c-20261122-[a-z2-7]{10}$/);
  });

  it('writes each event to a file of its own and reads them back', async () => {
    const id = newCeremonyId();
    const first = await store.append(wrap(cancelled(id)), cancelled(id));
    const second = await store.append(wrap(cancelled(id)), cancelled(id));
    expect(first).not.toBe(second);
    expect(first).toMatch(/^20261122T100000000Z-cancelled-[0-9a-f]{16}\.json$/);
    const { files, unreadable } = await store.readFiles(id);
    expect(unreadable).toEqual([]);
    expect(files.map((stored) => stored.event)).toEqual([cancelled(id), cancelled(id)]);
    expect(await store.listCeremonies()).toEqual([id]);
  });

  it('reports a damaged or foreign file and still loads every good event', async () => {
    const id = newCeremonyId();
    await store.append(wrap(cancelled(id)), cancelled(id));
    const dir = store.eventsDir(id);
    writeFileSync(join(dir, 'zz-truncated.json'), '{"payloadType":"application/vnd.conclave.event+json","payl');
    writeFileSync(join(dir, 'zz-foreign.json'), JSON.stringify(makeEnvelope('text/plain', new Uint8Array(), [])));
    writeFileSync(join(dir, 'zz-invalid.json'), JSON.stringify(wrap({ ...cancelled(id), type: 'exploded' } as unknown as CeremonyEvent)));
    // Two payloads under one name: two readers could each believe a different one.
    const genuine = JSON.stringify(wrap(cancelled(id)));
    writeFileSync(join(dir, 'zz-duplicate-key.json'), genuine.replace('{"payloadType"', '{"payload":"e30=","payloadType"'));
    const { files, unreadable } = await store.readFiles(id);
    expect(files).toHaveLength(1);
    expect(unreadable.map((file) => file.source).sort()).toEqual(['zz-duplicate-key.json', 'zz-foreign.json', 'zz-invalid.json', 'zz-truncated.json']);
    expect(unreadable.every((file) => file.code === 'event-unreadable')).toBe(true);
    expect(unreadable.find((file) => file.source === 'zz-duplicate-key.json')!.reason).toMatch(/not a readable event/);
    expect(unreadable.find((file) => file.source === 'zz-foreign.json')!.reason).toMatch(/payload type is "text\/plain"/);
  });

  it('reads alike when its reads block (as an index thread reads): every event, every damaged file reported, one too large refused unread', async () => {
    const id = newCeremonyId();
    await store.append(wrap(cancelled(id)), cancelled(id));
    await store.append(wrap(cancelled(id, '2026-11-22T11:00:00.000Z')), cancelled(id, '2026-11-22T11:00:00.000Z'));
    const dir = store.eventsDir(id);
    writeFileSync(join(dir, 'zz-truncated.json'), '{"payloadType":"application/vnd.conclave.event+json","payl');
    writeFileSync(join(dir, 'zz-huge.json'), Buffer.alloc(maxEventFileBytes + 1, 0x20));
    const blocking = new CeremonyStore(home.dir, true);
    const read = await blocking.readFiles(id);
    expect(read).toEqual(await store.readFiles(id));
    expect(read.files).toHaveLength(2);
    expect(read.unreadable.map((file) => file.source)).toEqual(['zz-huge.json', 'zz-truncated.json']);
    expect(read.unreadable[0]!.reason).toMatch(/too large to be an event/);
    expect(await blocking.eventFileNames(id)).toEqual(await store.eventFileNames(id));
  });

  it('refuses ids that could walk out of the store', async () => {
    await expect(store.readFiles('../../etc')).rejects.toMatchObject({ code: 'invalid-input' });
  });

  it('loses no complete event when the writer is killed mid-write (kill -9)', async () => {
    const id = newCeremonyId();
    const writer = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../support/event-writer.ts', import.meta.url)), home.dir, id], { stdio: ['ignore', 'pipe', 'inherit'] });
    let written = 0;
    await new Promise<void>((resolve) => {
      writer.stdout.on('data', (chunk: Buffer) => {
        written += chunk.length;
        if (written >= 20) resolve();
      });
    });
    writer.kill('SIGKILL');
    await new Promise((resolve) => writer.once('exit', resolve));

    const { files: events, unreadable: problems } = await store.readFiles(id);
    // Everything the writer finished is there and readable; a half-written temporary file, if any, is not mistaken for an event.
    expect(problems).toEqual([]);
    expect(events.length).toBeGreaterThanOrEqual(20);
    const files = readdirSync(store.eventsDir(id));
    expect(files.filter((name) => name.endsWith('.json')).length).toBe(events.length);
  });
});
