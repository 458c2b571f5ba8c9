/**
 * The ceremony repository (issue 5) with real git: two stores standing for two
 * machines and a bare repository standing for the team's remote. Software keys
 * stand in for tokens (tokens do not matter to syncing).
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitRunner } from '../../electron/core/repository/git';
import { makeEnvelope } from '../../shared/dsse/envelope';
import { eventPayloadType } from '../../shared/ceremony/events';
import { keyUri, makeWorld, projectRoot, type World } from './support/machines';
import { ceremonyFolder } from '../../shared/ceremony/store-layout';

let world: World;
beforeEach(() => {
  world = makeWorld();
});
afterEach(() => world.cleanup());

const events = (store: string, id: string) => readdirSync(join(store, ceremonyFolder(id), 'events')).filter((name) => name.endsWith('.json')).sort();
const who = (keyId: string) => Object.entries(world.keys).find(([, key]) => key.keyId === keyId)?.[0];
const approvers = async (name: string, id: string) => (await world.service(name).load(id)).view.approvals.map((approval) => who(approval.keyId)).sort();
const remoteFiles = () => world.git(world.remote, ['ls-tree', '-r', '--name-only', 'main']).split('\n').filter((path) => path.includes('/events/')).sort();

async function twoMachinesWithACeremony(): Promise<string> {
  const id = await world.open('a');
  expect((await world.remoteCommand('a', ['add', world.remote])).code).toBe(0);
  expect((await world.sync('a')).code).toBe(0);
  expect((await world.remoteCommand('b', ['add', world.remote])).code).toBe(0);
  const received = await world.sync('b');
  expect(received.code, received.out).toBe(0);
  return id;
}

describe('conclave remote add, show, remove', () => {
  it('adds one remote, shows where the store stands, refuses a second, and removes it keeping every event', async () => {
    const id = await world.open('a');
    const none = await world.remoteCommand('a', ['show']);
    expect(none.out).toMatch(/no remote \(2 event files here\)/);

    const added = await world.remoteCommand('a', ['add', world.remote]);
    expect(added.code).toBe(0);
    expect(world.git(world.store('a'), ['config', '--get', 'remote.origin.url']).trim()).toBe(world.remote);
    expect((await world.remoteCommand('a', ['show'])).out).toMatch(new RegExp(`remote  ${world.remote}\\nstatus  ahead: 2 event files here not pushed yet`));
    const second = await world.remoteCommand('a', ['add', join(world.dir, 'other.git'), '--json']);
    expect(second.code).toBe(1);
    expect(JSON.parse(second.out)).toMatchObject({ ok: false, error: { cause: 'remote-exists', exitCode: 1 } });

    expect((await world.sync('a')).code).toBe(0);
    expect((await world.remoteCommand('a', ['show'])).out).toMatch(/status {2}up to date/);
    await world.service('a').approve(id, keyUri('alice'));
    expect((await world.remoteCommand('a', ['show'])).out).toMatch(/ahead: 1 event file here/);

    await world.remoteCommand('b', ['add', world.remote]);
    expect((await world.remoteCommand('b', ['show'])).out).toMatch(/behind: 2 event files on the remote/);
    await world.service('b');
    const json = JSON.parse((await world.remoteCommand('b', ['show', '--json'])).out);
    expect(json).toMatchObject({ url: world.remote, state: 'behind', ahead: 0, behind: 2 });

    const removed = await world.remoteCommand('a', ['remove']);
    expect(removed.code).toBe(0);
    expect(removed.out).toContain(world.remote);
    expect((await world.remoteCommand('a', ['show'])).out).toMatch(/no remote/);
    expect(events(world.store('a'), id)).toHaveLength(3);
    const again = await world.remoteCommand('a', ['remove', '--json']);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.out)).toMatchObject({ ok: false, error: { cause: 'no-remote' } });
  });

  it('keeps the bytes exact and commits with an identity of its own when git has none', async () => {
    await world.open('a');
    await world.remoteCommand('a', ['add', world.remote]);
    await world.sync('a');
    expect(world.git(world.store('a'), ['show', 'main:.gitattributes'])).toBe('* -text\n');
    expect(world.git(world.remote, ['log', '-1', '--format=%an <%ae>', 'main'])).toMatch(/^Conclave <conclave@/);
    // Not written to any configuration.
    expect(world.git(world.store('a'), ['config', '--list', '--local'])).not.toMatch(/user\./);
    // The work tree holds nothing uncommitted after a sync.
    expect(world.git(world.store('a'), ['status', '--porcelain'])).toBe('');
  });
});

describe('conclave sync', () => {
  it('brings a ceremony opened on one machine to another, checked', async () => {
    const id = await world.open('a');
    await world.remoteCommand('a', ['add', world.remote]);
    const sent = await world.sync('a');
    expect(sent.code, sent.out).toBe(0);
    expect(sent.out).toMatch(/Committed 3 files of this store/); // opening, frozen, evidence
    expect(remoteFiles()).toHaveLength(2);

    await world.remoteCommand('b', ['add', world.remote]);
    const received = await world.sync('b');
    expect(received.code, received.out).toBe(0);
    expect(received.out).toMatch(/arrived {2}.*-opened-.*: opened by carol\)/);
    expect(received.out).toMatch(/arrived {2}.*-frozen-.*: frozen by carol\)/);
    expect(received.out).toMatch(/2 event files received/);
    expect(events(world.store('b'), id)).toEqual(events(world.store('a'), id));
    expect((await world.service('b').load(id)).view.state).toBe('frozen');
  });

  it('keeps both approvals made at the same time on two machines; the push that loses the race retries', async () => {
    const id = await twoMachinesWithACeremony();
    await world.service('a').approve(id, keyUri('alice'));
    await world.service('b').approve(id, keyUri('bob'));
    // While b pushes (after b fetched), machine a syncs: b's push then meets a remote that moved.
    const hook = join(world.store('b'), '.git', 'hooks', 'pre-push');
    const marker = join(world.dir, 'a-synced');
    writeFileSync(
      hook,
      `#!/bin/sh\nunset GIT_DIR GIT_INDEX_FILE GIT_WORK_TREE\nif [ ! -e '${marker}' ]; then\n  touch '${marker}'\n  cd '${projectRoot}' && '${process.execPath}' --import tsx tests/repository/support/run-sync.ts --store '${world.store('a')}' >'${marker}' 2>&1 || exit 1\nfi\nexit 0\n`,
    );
    chmodSync(hook, 0o755);
    const second = await world.sync('b');
    expect(existsSync(marker)).toBe(true);
    expect(second.code, second.out).toBe(0);
    expect(second.out).toMatch(/2 push attempts: another machine pushed at the same time/);
    expect(second.out).toMatch(/arrived {2}.*-approved-.*approved by alice/);

    const first = await world.sync('a');
    expect(first.code, first.out).toBe(0);
    expect(first.out).toMatch(/arrived {2}.*-approved-.*approved by bob/);
    expect(await approvers('a', id)).toEqual(['alice', 'bob']);
    expect(await approvers('b', id)).toEqual(['alice', 'bob']);
    expect((await world.service('a').load(id)).view.state).toBe('approved');
    expect(events(world.store('a'), id)).toEqual(events(world.store('b'), id));
    expect(remoteFiles()).toHaveLength(4);
    // No manual merge: nothing left in progress, nothing uncommitted.
    for (const store of [world.store('a'), world.store('b')]) {
      expect(existsSync(join(store, '.git', 'MERGE_HEAD'))).toBe(false);
      expect(world.git(store, ['status', '--porcelain'])).toBe('');
    }
    const published = await world.service('a').publish(id, join(world.dir, 'out'), keyUri('carol'));
    expect(published.report.approvedBy.map((approver) => approver.id).sort()).toEqual(['alice', 'bob']);
  });

  it('works offline: keeps local events committed, says offline with git\'s reason, and sends them at the next sync', async () => {
    const id = await twoMachinesWithACeremony();
    await world.service('b').approve(id, keyUri('bob'));
    renameSync(world.remote, `${world.remote}.away`);
    const offline = await world.sync('b');
    // Exit 5: the remote could not be reached, so a script may retry later.
    expect(offline.code).toBe(5);
    // A path on this machine that is not there: a drive not connected, or a wrong path. Said of the remote, not in git's words.
    expect(offline.out).toContain(`Offline: The remote ${world.remote} is not there. If it is on a drive or a network share, connect it and sync again;`);
    expect(offline.out).toMatch(/goes up at the next "conclave sync"/);
    expect(world.git(world.store('b'), ['ls-tree', '-r', '--name-only', 'main'])).toMatch(/-approved-/);
    expect(JSON.parse((await world.remoteCommand('b', ['show', '--json'])).out)).toMatchObject({ state: 'offline' });

    renameSync(`${world.remote}.away`, world.remote);
    const back = await world.sync('b');
    expect(back.code, back.out).toBe(0);
    expect(back.out).toMatch(/1 sent/);
    await world.sync('a');
    expect(await approvers('a', id)).toEqual(['bob']);
  });

  it('says a remote path that names a folder which is no git repository is not one (exit 1), not offline', async () => {
    await world.open('a');
    const folder = join(world.dir, 'an-ordinary-folder');
    mkdirSync(folder);
    await world.remoteCommand('a', ['add', folder]);
    const refused = await world.sync('a');
    expect(refused.code).toBe(1);
    expect(refused.out).toContain(`Not synced: The remote ${folder} is a folder but not a git repository.`);
    expect(refused.out).toContain('"git init --bare PATH"');
    const shown = await world.remoteCommand('a', ['show']);
    expect(shown.code).toBe(1);
    expect(shown.out).toMatch(/status {2}error\n/);
  });

  it('says offline when the remote\'s host does not answer (a closed port)', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    await world.open('a');
    await world.remoteCommand('a', ['add', `git://127.0.0.1:${port}/ceremonies.git`]);
    const offline = await world.sync('a');
    expect(offline.code).toBe(5);
    expect(offline.out).toMatch(/Offline: .*(Connection refused|unable to connect)/);
    const shown = await world.remoteCommand('a', ['show']);
    expect(shown.out).toMatch(/status {2}offline\n.*Connection refused|status {2}offline\n.*unable to connect/);
  });

  it('refuses a remote whose history was rewritten, says what changed, and forces nothing', async () => {
    const id = await twoMachinesWithACeremony();
    await world.service('b').approve(id, keyUri('bob'));
    expect((await world.sync('b')).code).toBe(0);
    expect((await world.sync('a')).code).toBe(0);
    const approval = events(world.store('a'), id).find((name) => name.includes('-approved-'))!;

    // Someone removes bob's approval from the history and force-pushes.
    const clone = join(world.dir, 'rewriter');
    world.git(world.dir, ['clone', '-q', '-b', 'main', world.remote, clone]);
    world.git(clone, ['rm', '-q', `${ceremonyFolder(id)}/events/${approval}`]);
    world.git(clone, ['commit', '-q', '--amend', '--allow-empty', '-m', 'tidy up']);
    world.git(clone, ['push', '-q', '--force', 'origin', 'main']);
    const rewritten = world.git(world.remote, ['rev-parse', 'main']).trim();

    await world.service('a').approve(id, keyUri('alice'));
    const refused = await world.sync('a');
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(new RegExp(`REFUSED: The remote's history was rewritten: its main is now at ${rewritten.slice(0, 12)}, which no longer contains [0-9a-f]{12}`));
    expect(refused.out).toContain(`removed: the approved event ${approval} of ceremony ${id}`);
    expect(refused.out).toMatch(/Nothing was merged and nothing was pushed/);
    // No force, no loss: the remote is as the rewriter left it; this store keeps bob's approval and its own new one.
    expect(world.git(world.remote, ['rev-parse', 'main']).trim()).toBe(rewritten);
    expect(await approvers('a', id)).toEqual(['alice', 'bob']);
    expect(JSON.parse((await world.remoteCommand('a', ['show', '--json'])).out)).toMatchObject({ state: 'rewritten' });
    // Still refused the next time: the store remembers the head it saw.
    expect((await world.sync('a')).out).toMatch(/REFUSED/);
  });

  it('refuses a remote rewound to an older head, though pushing would restore it: the history was rewritten, and nothing is pushed', async () => {
    const id = await twoMachinesWithACeremony();
    const rewound = world.git(world.remote, ['rev-parse', 'main']).trim();
    await world.service('a').approve(id, keyUri('bob'));
    expect((await world.sync('a')).code).toBe(0);
    const approval = events(world.store('a'), id).find((name) => name.includes('-approved-'))!;
    // Someone moves the remote's main back to where it was before, dropping bob's approval: a plain push from a would be a fast-forward.
    world.git(world.remote, ['update-ref', 'refs/heads/main', rewound]);

    await world.service('a').approve(id, keyUri('alice'));
    const refused = await world.sync('a');
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(new RegExp(`REFUSED: The remote's history was rewritten: its main is now at ${rewound.slice(0, 12)}`));
    expect(refused.out).toContain(`removed: the approved event ${approval} of ceremony ${id}`);
    expect(world.git(world.remote, ['rev-parse', 'main']).trim()).toBe(rewound);
    expect(await approvers('a', id)).toEqual(['alice', 'bob']);
  });

  it('sends its own commit to a remote still where it left it without fetching first, and fetches when another machine pushed meanwhile', async () => {
    const id = await twoMachinesWithACeremony();
    // Every fetch of the store's git runs the remote's upload-pack; this one counts them.
    const fetches = join(world.dir, 'fetches');
    const counting = join(world.dir, 'counting-upload-pack');
    writeFileSync(counting, `#!/bin/sh\necho fetch >> '${fetches}'\nexec git-upload-pack "$@"\n`);
    chmodSync(counting, 0o755);
    world.git(world.store('a'), ['config', 'remote.origin.uploadpack', counting]);
    const fetchCount = () => (existsSync(fetches) ? readFileSync(fetches, 'utf8').split('\n').filter(Boolean).length : 0);
    // b's first sync pushed (its repository's first commit, merged): a catches up, by fetching.
    expect((await world.sync('a')).code).toBe(0);
    expect(fetchCount()).toBe(1);
    rmSync(fetches);

    await world.service('a').approve(id, keyUri('alice'));
    const straight = await world.sync('a', ['--json']);
    expect(straight.code, straight.out).toBe(0);
    expect(JSON.parse(straight.out)).toMatchObject({ outcome: 'synced', pushed: 1, attempts: 1 });
    expect(fetchCount()).toBe(0);
    expect(remoteFiles()).toContain(`${ceremonyFolder(id)}/events/${events(world.store('a'), id).find((name) => name.includes('-approved-'))}`);

    // b pushes in between: a's lease no longer holds, so a fetches, takes b's approval, and pushes both.
    expect((await world.sync('b')).code).toBe(0);
    await world.service('b').approve(id, keyUri('bob'));
    expect((await world.sync('b')).code).toBe(0);
    const second = await world.open('a');
    const raced = await world.sync('a', ['--json']);
    expect(raced.code, raced.out).toBe(0);
    expect(JSON.parse(raced.out)).toMatchObject({ outcome: 'synced', pushed: 2, attempts: 2 });
    expect(fetchCount()).toBe(1);
    expect(await approvers('a', id)).toEqual(['alice', 'bob']);
    expect(remoteFiles()).toEqual([...events(world.store('a'), id).map((name) => `${ceremonyFolder(id)}/events/${name}`), ...events(world.store('a'), second).map((name) => `${ceremonyFolder(second)}/events/${name}`)].sort());
  });

  it('refuses a remote whose new commits edit an event file, even without a force-push', async () => {
    const id = await twoMachinesWithACeremony();
    const clone = join(world.dir, 'editor');
    world.git(world.dir, ['clone', '-q', '-b', 'main', world.remote, clone]);
    const frozen = events(world.store('a'), id).find((name) => name.includes('-frozen-'))!;
    writeFileSync(join(clone, ceremonyFolder(id), 'events', frozen), '{"edited": true}\n');
    world.git(clone, ['commit', '-q', '-am', 'edit']);
    world.git(clone, ['push', '-q', 'origin', 'main']);
    const refused = await world.sync('b');
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(/removes or edits files that are never changed once written/);
    expect(refused.out).toContain(`edited:  the frozen event ${frozen}`);
    expect((await world.service('b').load(id)).view.state).toBe('frozen');
  });

  it('flags an approval that arrives without a valid signature, and does not count it', async () => {
    const id = await twoMachinesWithACeremony();
    const { view } = await world.service('a').load(id);
    // A forged approval: bob's keyid, a signature by a key the policy does not list.
    const event = { ceremonyId: id, type: 'approved' as const, at: '2026-01-01T00:00:00.000Z', statementDigest: view.frozen!.statementDigest, keyId: world.keys.bob.keyId, signature: Buffer.from(world.keys.alice.sign(new Uint8Array([1]))).toString('base64') };
    const name = `20260101T000000000Z-approved-0123456789abcdef.json`;
    const clone = join(world.dir, 'forger');
    world.git(world.dir, ['clone', '-q', '-b', 'main', world.remote, clone]);
    writeFileSync(join(clone, ceremonyFolder(id), 'events', name), `${JSON.stringify(makeEnvelope(eventPayloadType, new TextEncoder().encode(JSON.stringify(event)), []), null, 2)}\n`);
    world.git(clone, ['add', '.']);
    world.git(clone, ['commit', '-q', '-m', 'approve']);
    world.git(clone, ['push', '-q', 'origin', 'main']);

    const synced = await world.sync('a');
    expect(synced.code, synced.out).toBe(0);
    expect(synced.out).toContain(`arrived  ${name} (ceremony ${id}: does NOT count)`);
    expect(synced.out).toMatch(/! .*approved event names no author and carries no signature/);
    expect(await approvers('a', id)).toEqual([]);
    expect(JSON.parse((await world.sync('b', ['--json'])).out).arrivals.problems.join('\n')).toMatch(/names no author/);
  });

  it('leaves the store and the remote consistent when the sync process is killed (kill -9), and loses no signature', async () => {
    const id = await twoMachinesWithACeremony();
    let kills = 0;
    for (const [step, who] of [['Committing', 'alice'], ['Fetching', 'bob'], ['Merging', 'carol'], ['Pushing', 'alice']] as const) {
      // Each round: a new local decision on b, a new one on a (so b has something to merge), then b's sync killed at one step.
      await world.service('b').approve(id, keyUri(who)).catch(() => world.service('b').reject(id, keyUri(who), 'second thoughts'));
      await world.service('a').reject(id, keyUri('carol'), `round ${step}`).catch(() => undefined);
      await world.sync('a');
      const child = spawn(process.execPath, ['--import', 'tsx', 'tests/repository/support/run-sync.ts', '--store', world.store('b')], { cwd: projectRoot, env: world.env, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
      const killed = await new Promise<boolean>((resolve) => {
        let seen = '';
        child.stderr.on('data', (chunk: Buffer) => {
          seen += chunk.toString();
          if (seen.includes(step)) {
            // The whole process group, git children included: as when a machine loses power.
            process.kill(-child.pid!, 'SIGKILL');
            resolve(true);
          }
        });
        child.once('exit', () => resolve(false));
      });
      await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(undefined) : child.once('exit', resolve)));
      if (killed) kills += 1;
      else expect(child.exitCode).toBe(0);
      world.git(world.remote, ['fsck', '--no-progress']);
      world.git(world.store('b'), ['fsck', '--no-progress']);
    }
    // Killed at the first step at least (the rest of a sync takes many git calls after it prints "Committing").
    expect(kills).toBeGreaterThanOrEqual(1);
    const finished = await world.sync('b');
    expect(finished.code, finished.out + finished.err).toBe(0);
    // What a killed sync was writing in .git (a private index, the trees of a commit) is gone after the next one.
    expect(readdirSync(join(world.store('b'), '.git')).filter((name) => /^conclave-(trees-|[0-9a-f]+\.index)/.test(name))).toEqual([]);
    expect((await world.sync('a')).code).toBe(0);
    const onB = events(world.store('b'), id);
    expect(events(world.store('a'), id)).toEqual(onB);
    expect(remoteFiles()).toEqual(onB.map((name) => `${ceremonyFolder(id)}/events/${name}`));
    const { view } = await world.service('a').load(id);
    expect(view.problems).toEqual([]);
    expect(view.approvals.map((approval) => who(approval.keyId)).sort()).toEqual(['alice', 'bob']);
  });
});

describe('git itself', () => {
  it('says clearly when git is missing or too old', async () => {
    await expect(new GitRunner(process.env, false, join(world.dir, 'no-such-git')).version()).rejects.toMatchObject({ details: { cause: 'git-missing' }, message: expect.stringMatching(/git is not installed/) });
    const old = join(world.dir, 'old-git');
    writeFileSync(old, '#!/bin/sh\necho "git version 2.20.1"\n');
    chmodSync(old, 0o755);
    await expect(new GitRunner(process.env, false, old).version()).rejects.toMatchObject({ details: { cause: 'git-too-old' }, message: expect.stringMatching(/needs git 2\.25 or newer.*has 2\.20/) });
    expect(await new GitRunner(process.env).version()).toMatch(/^2\.\d+$/);
  });
});
