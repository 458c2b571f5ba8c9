/**
 * A git remote that accepts the connection and never answers must not hang
 * `conclave sync` (issue 12, deadlines on every network call): git is given
 * CONCLAVE_GIT_TIMEOUT seconds (2 here), then the sync says it is offline,
 * keeps everything committed, and exits 5 so a script can retry later.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeWorld, type World } from '../repository/support/machines';

let world: World;
let server: Server;
const sockets = new Set<Socket>();

beforeEach(async () => {
  world = makeWorld();
  server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // The machines' CLI runs with this environment.
  world.env.CONCLAVE_GIT_TIMEOUT = '2';
});

afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
  world.cleanup();
});

describe('a git remote that never answers', () => {
  it('sync gives up after the deadline, says offline, keeps the events committed, exit 5', async () => {
    const id = await world.open('a');
    const port = (server.address() as { port: number }).port;
    expect((await world.remoteCommand('a', ['add', `git://127.0.0.1:${port}/ceremonies.git`])).code).toBe(0);
    const synced = await world.sync('a');
    expect(synced.code, synced.out).toBe(5);
    expect(synced.out).toMatch(/Offline: .*timed out: git fetch did not finish within 2 s/);
    expect(world.git(world.store('a'), ['ls-tree', '-r', '--name-only', 'main'])).toContain(`ceremonies/${id}/events/`);
  }, 90_000);
});
