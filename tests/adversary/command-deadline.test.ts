/**
 * Every command has an overall deadline (issue 12, point 4): --timeout
 * SECONDS or CONCLAVE_COMMAND_TIMEOUT (default 900 s, 0 for none). Here each
 * network call's own deadline is set far away (10 minutes), so only the
 * command's deadline can end the command: a registry or git remote that
 * accepts and never answers, and a read that blocks inside the runtime (a
 * named pipe nobody writes), all end with the deadline's message, and the
 * git it started is stopped with it.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorld } from '../repository/support/machines';
import { startSilentServer, type SilentServer } from '../support/silent-server';
import { makeTestKey } from '../support/test-keys';
import { ceremonyFolder } from '../../shared/ceremony/store-layout';

const bin = fileURLToPath(new URL('../../bin/conclave.js', import.meta.url));
const digest = `sha256:${'cd'.repeat(32)}`;
/** Far above the 2 s deadline, however loaded the machine: only a hang reaches it. */
const hangBoundMs = 60_000;
const gaveUp = /gave up after 2 s, the command's deadline/;

let dir: string;
let silent: SilentServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'conclave-deadline-'));
  const key = makeTestKey('ecdsa-p256');
  writeFileSync(join(dir, 'policy.json'), JSON.stringify({ version: 1, threshold: 1, approvers: [{ id: 'alice', publicKey: key.publicKeyPem }] }));
  // A registry and a git daemon that hang.
  silent = await startSilentServer();
});

afterAll(async () => {
  await silent?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
  hung: boolean;
}

function conclave(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Ended> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { ...process.env, CONCLAVE_HOME: join(dir, 'home'), CONCLAVE_NETWORK_TIMEOUT: '600', CONCLAVE_GIT_TIMEOUT: '600', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let hung = false;
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const timer = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, hangBoundMs);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out, err, hung });
    });
  });
}

const verifyImage = () => ['verify', '--policy', join(dir, 'policy.json'), `oci://${silent.host}/acme/app@${digest}`];

describe('a command that would wait for ever', () => {
  it('verify of an image on a registry that never answers ends at --timeout with exit 5 and says what to do', async () => {
    const ended = await conclave([...verifyImage(), '--timeout', '2']);
    expect(ended.hung).toBe(false);
    expect(ended.code, ended.err).toBe(5);
    expect(ended.err).toMatch(gaveUp);
    expect(ended.err).toMatch(/--timeout SECONDS or CONCLAVE_COMMAND_TIMEOUT/);
  }, hangBoundMs + 5_000);

  it('CONCLAVE_COMMAND_TIMEOUT sets it for every command, and --json says why in its error', async () => {
    const ended = await conclave([...verifyImage(), '--json'], { CONCLAVE_COMMAND_TIMEOUT: '2' });
    expect(ended.hung).toBe(false);
    expect(ended.code, ended.err).toBe(5);
    const answer = JSON.parse(ended.out) as { ok: boolean; error: { code: string; cause: string; exitCode: number } };
    expect(answer).toMatchObject({ ok: false, error: { code: 'unavailable', cause: 'command-deadline', exitCode: 5 } });
  }, hangBoundMs + 5_000);

  it('--timeout 0 means no overall deadline: the request ends by its own idle deadline instead', async () => {
    const ended = await conclave([...verifyImage(), '--timeout', '0'], { CONCLAVE_NETWORK_TIMEOUT: '1' });
    expect(ended.hung).toBe(false);
    expect(ended.code, ended.err).toBe(5);
    expect(ended.err).toMatch(/stopped answering/);
    expect(ended.err).not.toMatch(/deadline/);
  }, hangBoundMs + 5_000);

  it('work blocked inside the runtime (a named pipe nobody writes to) still ends: the message, then the process stops itself', async () => {
    const pipe = join(dir, 'never-written');
    execFileSync('mkfifo', [pipe]);
    const ended = await conclave(['verify', '--policy', pipe, '--envelope', pipe, '--timeout', '2']);
    expect(ended.hung).toBe(false);
    expect(ended.err).toMatch(gaveUp);
    // Node cannot exit while a thread is blocked in a read; the documented way out is SIGKILL.
    expect(ended.code === 5 || ended.signal === 'SIGKILL').toBe(true);
  }, hangBoundMs + 5_000);

  it('a deadline that is not a number of seconds is a usage error', async () => {
    const ended = await conclave([...verifyImage(), '--timeout', 'soon']);
    expect(ended.code).toBe(2);
    expect(ended.err).toMatch(/--timeout takes a number of seconds \(0 for no deadline\); got "soon"/);
  }, hangBoundMs);
});

describe('a git remote that never answers, with git allowed ten minutes', () => {
  it('sync ends at --timeout with exit 5, the git it started is stopped, and the events stay committed', async () => {
    const world = makeWorld();
    try {
      world.env.CONCLAVE_GIT_TIMEOUT = '600';
      const id = await world.open('a');
      const remote = `git://${silent.host}/deadline-${process.pid}.git`;
      expect((await world.remoteCommand('a', ['add', remote])).code).toBe(0);
      const synced = await world.sync('a', ['--timeout', '2']);
      expect(synced.code, synced.err + synced.out).toBe(5);
      expect(synced.err).toMatch(gaveUp);
      // The fetch was killed with the command, not left to run for its ten minutes.
      const gits = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
        .split('\n')
        .filter((line) => line.includes(`deadline-${process.pid}.git`));
      expect(gits).toEqual([]);
      expect(world.git(world.store('a'), ['ls-tree', '-r', '--name-only', 'main'])).toContain(`${ceremonyFolder(id)}/events/`);
    } finally {
      world.cleanup();
    }
  }, hangBoundMs + 30_000);
});
