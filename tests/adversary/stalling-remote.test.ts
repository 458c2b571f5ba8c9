/**
 * A git remote that accepts the connection and never answers must not hang
 * `conclave sync` (issue 12, deadlines on every network call): git is given
 * CONCLAVE_GIT_TIMEOUT seconds (2 here), then the sync says it is offline,
 * keeps everything committed, and exits 5 so a script can retry later.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeWorld, type World } from '../repository/support/machines';
import { startSilentServer, type SilentServer } from '../support/silent-server';
import { ceremonyFolder } from '../../shared/ceremony/store-layout';

let world: World;
let server: SilentServer;

beforeEach(async () => {
  world = makeWorld();
  server = await startSilentServer();
  // The machines' CLI runs with this environment.
  world.env.CONCLAVE_GIT_TIMEOUT = '2';
});

afterEach(async () => {
  await server.close();
  world.cleanup();
});

describe('a git remote that never answers', () => {
  it('sync gives up after the deadline, says offline, keeps the events committed, exit 5', async () => {
    const id = await world.open('a');
    expect((await world.remoteCommand('a', ['add', `git://${server.host}/ceremonies.git`])).code).toBe(0);
    const synced = await world.sync('a');
    expect(synced.code, synced.out).toBe(5);
    expect(synced.out).toMatch(/Offline: .*timed out: git fetch did not finish within 2 s/);
    expect(world.git(world.store('a'), ['ls-tree', '-r', '--name-only', 'main'])).toContain(`${ceremonyFolder(id)}/events/`);
  }, 90_000);
});
