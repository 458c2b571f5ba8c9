/**
 * A store named by a relative path (`--store store`, CONCLAVE_STORE=store),
 * as a person types it in the folder above it. git runs inside the store
 * with paths Conclave hands it: with the relative name kept, `conclave sync`
 * asked git for store/.git/… from within store/ and failed on every commit.
 *
 * Runs the built command (`npm run build` first).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateCeremonies } from '../support/generate-ceremonies';
import { makeDataDir } from '../support/softhsm';
import { builtCli, conclave, hangBoundMs } from './support';
import { inheritedEnvironment } from '../support/environment';

beforeAll(() => {
  expect(existsSync(builtCli), `${builtCli} is missing: run "npm run build" before these tests.`).toBe(true);
});

let home: ReturnType<typeof makeDataDir>;
let env: Record<string, string>;
beforeEach(() => {
  home = makeDataDir();
  const inherited = inheritedEnvironment((name) => name.startsWith('GIT_'));
  env = { ...inherited, HOME: home.dir, GIT_CONFIG_NOSYSTEM: '1', CONCLAVE_HOME: home.dir };
});
afterEach(() => home.cleanup());

const git = (cwd: string, args: string[]) => execFileSync('git', args, { cwd, env, encoding: 'utf8' });

/** Runs conclave in the data folder, where "store" names the store; it must end, leave nothing running and exit 0. */
async function inHome(args: string[], extraEnv: Record<string, string> = {}) {
  const run = await conclave(args, { ...env, ...extraEnv }, { cwd: home.dir });
  expect(run.hung, `conclave ${args.join(' ')} did not end within ${hangBoundMs / 1000} s`).toBe(false);
  expect(run.leftovers).toEqual([]);
  expect(run.code, `conclave ${args.join(' ')}: ${run.err}`).toBe(0);
  return run;
}

/** The event files main holds on the remote. */
const eventsOnRemote = (remote: string) => git(remote, ['ls-tree', '-r', '--name-only', 'main']).split('\n').filter((path) => path.includes('/events/'));

describe('a store named by a relative path', () => {
  it('is shared by remote add and sync with --store store, from the folder above it', async () => {
    const remote = join(home.dir, 'remote.git');
    git(home.dir, ['init', '-q', '--bare', remote]);
    const { ids } = await generateCeremonies(join(home.dir, 'store'), 2);
    const added = await inHome(['remote', 'add', remote, '--store', 'store']);
    // Said as the absolute folder it is, so the message holds wherever it is read.
    expect(added.out).toContain(`(${join(home.dir, 'store')})`);
    await inHome(['sync', '--store', 'store']);
    expect(eventsOnRemote(remote).filter((path) => path.includes(ids[0]!)).length).toBeGreaterThan(0);

    // A second sync, of one more ceremony, commits it as the first did.
    const more = await generateCeremonies(join(home.dir, 'store'), 1);
    await inHome(['sync', '--store', 'store']);
    expect(eventsOnRemote(remote).filter((path) => path.includes(more.ids[0]!)).length).toBeGreaterThan(0);
  });

  it('is shared when CONCLAVE_STORE names it relatively', async () => {
    const remote = join(home.dir, 'remote.git');
    git(home.dir, ['init', '-q', '--bare', remote]);
    const { ids } = await generateCeremonies(join(home.dir, 'store'), 1);
    await inHome(['remote', 'add', remote], { CONCLAVE_STORE: 'store' });
    await inHome(['sync'], { CONCLAVE_STORE: 'store' });
    expect(eventsOnRemote(remote).filter((path) => path.includes(ids[0]!)).length).toBeGreaterThan(0);
  });
});
