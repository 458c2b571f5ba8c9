/**
 * Every command ends by itself (issue 11): `node bin/conclave.js` as a real
 * process, as a pipeline runs it, with one, two and three SoftHSM2 tokens.
 * Each run must exit within a generous bound (a hang detector, not a speed
 * limit) with the expected exit code, and leave nothing it started running
 * (no token host outlives it).
 *
 * These run the built CLI: `npm run build` must have run first (`npm test`
 * builds before the unit tests).
 */
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDataDir, makeTokenFolder, softhsmModule, type TokenFolder } from '../support/softhsm';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/real/${name}`, import.meta.url));
const bin = fileURLToPath(new URL('../../bin/conclave.js', import.meta.url));
const builtCli = fileURLToPath(new URL('../../out/main/cli.js', import.meta.url));
/** Far above any honest run, even on a loaded 2-core machine: only a process that never ends reaches it. */
const hangBoundMs = 30_000;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
  hung: boolean;
  /** Processes of the run's process group still there after it exited (ps lines). */
  leftovers: string[];
}

/** Processes in a process group, zombies aside (they have ended; their parent is gone and init reaps them). */
function processesInGroup(pgid: number): string[] {
  const lines = execFileSync('ps', ['-eo', 'pid=,pgid=,stat=,args='], { encoding: 'utf8' }).split('\n');
  return lines.filter((line) => {
    const [, group, stat] = line.trim().split(/\s+/);
    return Number(group) === pgid && !stat?.startsWith('Z');
  });
}

/**
 * Runs conclave in a process group of its own (detached: setsid), so that
 * whatever it starts, token hosts included, can be found and cleaned up.
 */
function conclave(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    let hung = false;
    const timer = setTimeout(() => {
      hung = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }, hangBoundMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const leftovers = processesInGroup(child.pid!);
      if (leftovers.length > 0) {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // Ended meanwhile.
        }
      }
      resolve({ code, signal, out, err, hung, leftovers });
    });
  });
}

const tokenLabels = ['alice', 'bob', 'carol'] as const;

/** The environment of a run: the test's own, minus any CONCLAVE_* of the machine, plus the token folder and data folder. */
function runEnvironment(folder: TokenFolder, home: string): Record<string, string> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined && !entry[0].startsWith('CONCLAVE_')));
  return {
    ...inherited,
    ...folder.env,
    CONCLAVE_HOME: home,
    CONCLAVE_STORE: join(home, 'store'),
    CONCLAVE_PKCS11_MODULES: softhsmModule!,
    GOOD_PIN: '1234',
    WRONG_PIN: '98765',
  };
}

/** Runs a command and checks it ended by itself, with `code`, and left no process behind. */
async function ends(env: Record<string, string>, args: string[], code: number): Promise<Run> {
  const run = await conclave(args, env);
  expect(run.hung, `conclave ${args.join(' ')} did not end within ${hangBoundMs / 1000} s (killed). stdout: ${run.out} stderr: ${run.err}`).toBe(false);
  expect(run.leftovers, `conclave ${args.join(' ')} left processes running`).toEqual([]);
  expect(run.code, `conclave ${args.join(' ')}: ${run.err}`).toBe(code);
  return run;
}

beforeAll(() => {
  expect(existsSync(builtCli), `${builtCli} is missing: run "npm run build" before these tests.`).toBe(true);
});

describe.each([1, 2, 3])('with %i SoftHSM2 token(s), every command ends by itself and leaves nothing running', (count) => {
  let folder: TokenFolder;
  let home: ReturnType<typeof makeDataDir>;
  let env: Record<string, string>;
  const last = tokenLabels[count - 1]!;

  beforeAll(() => {
    folder = makeTokenFolder();
    for (const label of tokenLabels.slice(0, count)) folder.addToken(label, '1234');
    home = makeDataDir();
    env = runEnvironment(folder, home.dir);
  });

  afterAll(() => {
    folder?.cleanup();
    home?.cleanup();
  });

  const endsWith = (args: string[], code: number) => ends(env, args, code);

  it('tokens, for people and for programs', async () => {
    const human = await endsWith(['tokens'], 0);
    for (const label of tokenLabels.slice(0, count)) expect(human.out).toContain(label);
    const machine = await endsWith(['tokens', '--json'], 0);
    expect(JSON.parse(machine.out).modules[0].tokens).toHaveLength(count);
  });

  it('keys of a token with none, and of a token that is not there', async () => {
    expect((await endsWith(['keys', `pkcs11:token=${last}`], 0)).out).toContain('No keys on this token');
    expect((await endsWith(['keys', 'pkcs11:token=nosuch'], 4)).err).toContain('token "nosuch"');
  });

  it('keygen, then keys and pubkey of the key it made', async () => {
    const made = await endsWith(['keygen', `pkcs11:token=${last};object=release-signing`, '--alg', 'ecdsa-p256', '--pin-env', 'GOOD_PIN'], 0);
    const keyId = /keyid ([0-9a-f]{64})/.exec(made.out)?.[1];
    expect(keyId).toBeDefined();
    expect((await endsWith(['keys', `pkcs11:token=${last}`, '--json'], 0)).out).toContain(keyId!);
    expect((await endsWith(['pubkey', `pkcs11:token=${last};object=release-signing`], 0)).out).toContain('-----BEGIN PUBLIC KEY-----');
  });

  it('pubkey of a key that is not there', async () => {
    expect((await endsWith(['pubkey', 'pkcs11:token=alice;object=nokey'], 4)).err).toContain('no key labelled "nokey"');
  });

  it('refusals: an unknown token, a wrong PIN, a PIN variable that is not set, a usage mistake', async () => {
    expect((await endsWith(['keygen', 'pkcs11:token=nosuch;object=k', '--alg', 'ecdsa-p256', '--pin-env', 'GOOD_PIN'], 4)).err).toContain('token "nosuch"');
    const wrong = await endsWith(['keygen', 'pkcs11:token=alice;object=k', '--alg', 'ecdsa-p256', '--pin-env', 'WRONG_PIN'], 4);
    expect(wrong.err).toMatch(/PIN for token "alice" is wrong/);
    expect(wrong.err).not.toContain('98765');
    await endsWith(['keygen', 'pkcs11:token=alice;object=k', '--alg', 'ecdsa-p256', '--pin-env', 'NO_SUCH_VARIABLE'], 4);
    await endsWith(['keygen', 'pkcs11:token=alice;object=k'], 2);
  });

  it('ceremony list, and ceremony show of an id that is not in the store', async () => {
    expect((await endsWith(['ceremony', 'list'], 0)).out).toContain('No ceremonies');
    expect((await endsWith(['ceremony', 'show', 'c-20260101-abcdefghij'], 1)).err).toContain('no ceremony c-20260101-abcdefghij');
  });
});

describe('ceremonies with three tokens: open, freeze of evidence that fails, list and show, each as a process', () => {
  const artifactName = 'binary-linux-amd64-multi-subject-first';
  const key = (who: string) => `pkcs11:token=${who};object=release-signing`;
  let folder: TokenFolder;
  let home: ReturnType<typeof makeDataDir>;
  let env: Record<string, string>;
  let work: string;
  let id: string;

  beforeAll(async () => {
    folder = makeTokenFolder();
    for (const label of tokenLabels) folder.addToken(label, '1234');
    home = makeDataDir();
    env = runEnvironment(folder, home.dir);
    work = join(home.dir, 'work');
    mkdirSync(work);
    const publicKeys: Record<string, string> = {};
    for (const who of tokenLabels) {
      await ends(env, ['keygen', key(who), '--alg', 'ecdsa-p256', '--pin-env', 'GOOD_PIN'], 0);
      publicKeys[who] = (await ends(env, ['pubkey', key(who)], 0)).out;
    }
    writeFileSync(
      join(work, 'policy.json'),
      JSON.stringify({
        version: 1,
        name: 'release',
        threshold: 2,
        approvers: [
          { id: 'alice', role: 'security', publicKey: publicKeys.alice },
          { id: 'bob', role: 'engineering', publicKey: publicKeys.bob },
        ],
        releaseManagers: [{ id: 'carol', name: 'Carol Release', publicKey: publicKeys.carol }],
        roles: { security: 1 },
        // The fixture's provenance comes from another builder: a finding that fails.
        evidence: { builders: ['https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml'] },
      }),
    );
    copyFileSync(fixture(artifactName), join(work, artifactName));
    await ends(env, ['policy', 'trust', join(work, 'policy.json'), '--yes'], 0);
  });

  afterAll(() => {
    folder?.cleanup();
    home?.cleanup();
  });

  it('open with evidence that fails, then freeze, which is refused', async () => {
    const opened = await ends(env, [
      'ceremony', 'open', '--policy', join(work, 'policy.json'), '--release', 'slsa-demo@1.0.1',
      '--artifact', join(work, artifactName), '--provenance', fixture('binary-linux-amd64-untrusted-builder.intoto.jsonl'), '--key', key('carol'), '--pin-env', 'GOOD_PIN',
    ], 3);
    id = opened.out.split('\n')[0]!;
    expect(id).toMatch(/^c-\d{8}-[a-z2-7]{10}$/);
    const freeze = await ends(env, ['ceremony', 'freeze', id, '--key', key('carol'), '--pin-env', 'GOOD_PIN'], 1);
    expect(freeze.err).toMatch(/cannot be frozen/);
  });

  it('list and show of a ceremony in the store, and show of one that is not', async () => {
    expect((await ends(env, ['ceremony', 'list'], 0)).out).toContain(id);
    expect((await ends(env, ['ceremony', 'show', id], 0)).out).toContain('slsa-demo');
    await ends(env, ['ceremony', 'show', 'c-20260101-abcdefghij'], 1);
  });
});
