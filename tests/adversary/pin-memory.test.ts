/**
 * PINs do not linger (issue 12, point 6). After a real signature, while the
 * processes are still alive, their memory is read as a core dump or a
 * debugger would read it (/proc/PID/maps and /proc/PID/mem) and searched for
 * the PIN, as UTF-8 (buffers, C strings, one-byte JavaScript strings) and as
 * UTF-16LE (two-byte JavaScript strings). Each token has a PIN of its own,
 * random and set by pkcs11-tool, a program outside Conclave, so the only way
 * into a Conclave process is the one under test.
 *
 * - The CLI: `conclave ceremony approve` as a process (bin/conclave.js, held
 *   at exit by hold-at-exit.mjs), the PIN read from pin-source=file:. Its
 *   token host is a thread of the same process. Clean.
 * - The CLI with --pin-env: the command takes the variable out of its
 *   environment, and overwrites it in the block exec wrote it to. Clean.
 * - The window: the core in a process of its own (pin-core-harness.ts), as
 *   the browser shell runs it (its WebSocket on 127.0.0.1), with its token
 *   host forked as a process; the approval arrives as the window sends it,
 *   the PIN as bytes in a binary frame. Core and host clean.
 * - The same core given the PIN as bytes, signing through its token
 *   service: core and host clean.
 *
 * Each process's core dumps leave its memory out (coredump_filter 0).
 */
import { execFileSync, spawn, type ChildProcessByStdio } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import pkcs11js from 'pkcs11js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { promptHidden } from '../../electron/cli/pin';
import { apiPath, callFrame, sessionCookie, webProtocol } from '../../shared/web/protocol';
import { makeTokenFolder, softhsmModule } from '../support/softhsm';
import { binConclavePath, makeAttackWorld, pin as worldPin, type AttackWorld } from '../attacks/support/world';
import { descendantsOf, findInProcessMemory, pinNeedles } from './support/process-memory';

const holdAtExit = fileURLToPath(new URL('./support/hold-at-exit.mjs', import.meta.url));
const coreHarness = fileURLToPath(new URL('./support/pin-core-harness.ts', import.meta.url));

/** A PIN nothing else in memory would spell by chance: 25 characters, 23 of them random base64url. */
const distinctivePin = () => `Pn${randomBytes(17).toString('base64url')}`;

let world: AttackWorld;
let ceremonyId: string;
let statementDigest: string;
const pins = { alice: distinctivePin(), bob: distinctivePin(), carol: distinctivePin(), dave: distinctivePin() };

type Held = ChildProcessByStdio<Writable, Readable, Readable>;
const running = new Set<Held>();

/** Starts a process in a group of its own (afterAll kills what is left of it). */
function start(argv: string[], env: NodeJS.ProcessEnv): Held {
  const child = spawn(process.execPath, argv, { env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

/** The first line of the process's output that matches; what it printed besides is in the failure if none does. */
function lineMatching(child: Held, pattern: RegExp, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`No line matching ${pattern} within ${timeoutMs} ms. stdout: ${out} stderr: ${err}`)), timeoutMs);
    const onErr = (chunk: Buffer) => (err += chunk.toString());
    const onOut = (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((candidate) => pattern.test(candidate));
      if (line === undefined) return;
      clearTimeout(timer);
      child.stdout.off('data', onOut);
      child.stderr.off('data', onErr);
      resolve(line);
    };
    child.stdout.on('data', onOut);
    child.stderr.on('data', onErr);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`The process ended (exit ${code}) before a line matching ${pattern}. stdout: ${out} stderr: ${err}`));
    });
  });
}

/** Waits for a command held at exit (hold-at-exit.mjs), and fails with what it printed unless its work ended with exit code 0. */
async function heldAfterSuccess(child: Held): Promise<void> {
  let err = '';
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const line = await lineMatching(child, /^held: /, 90_000);
  if (line !== 'held: exit code 0') throw new Error(`The command ended its work with "${line}": ${err}`);
}

/** The process and every process it started, each with what its memory holds of the PIN and its core dump filter. */
function inspect(pid: number, pin: string): { pid: number; command: string; hits: string[]; coredumpFilter: number }[] {
  return [pid, ...descendantsOf(pid)].map((each) => ({
    pid: each,
    command: readFileSync(`/proc/${each}/cmdline`, 'utf8').replace(/\0/g, ' ').trim(),
    hits: findInProcessMemory(each, pinNeedles(pin)).map((hit) => `${hit.needle} at 0x${hit.address.toString(16)} in ${hit.mapping.replace(/\s+/g, ' ')}`),
    coredumpFilter: parseInt(readFileSync(`/proc/${each}/coredump_filter`, 'utf8'), 16),
  }));
}

/**
 * Makes one call through a browser shell as the window does: the launch
 * address exchanged for the session cookie, then the frame over the shell's
 * WebSocket; resolves with the shell's answer.
 */
async function callThroughShell(launchAddress: URL, frame: string | Uint8Array): Promise<unknown> {
  const launched = await fetch(launchAddress, { redirect: 'manual' });
  const cookie = (launched.headers.get('set-cookie') ?? '').split(';')[0]!;
  expect(cookie, `the launch address answered HTTP ${launched.status}`).toMatch(new RegExp(`^${sessionCookie}=`));
  const ws = new WebSocket(`ws://${launchAddress.host}${apiPath}`, [webProtocol], { origin: launchAddress.origin, headers: { cookie } });
  try {
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const answered = new Promise<unknown>((resolve, reject) => {
      // Events the core pushes meanwhile (ceremony.changed) are not the answer.
      ws.on('message', (data: WebSocket.RawData) => {
        const message = JSON.parse(data.toString()) as { type: string };
        if (message.type === 'result') resolve(message);
      });
      ws.once('close', (code) => reject(new Error(`The shell closed the connection (${code}) instead of answering.`)));
    });
    ws.send(frame);
    return await answered;
  } finally {
    ws.close();
  }
}

/** Token hosts among a core's processes: forked from the built host or, under the tests, from its source. */
const hostsAmong = (processes: ReturnType<typeof inspect>) => {
  const hosts = processes.filter(({ command }) => /token-host\.js|tokens\/host\/entry\.ts/.test(command));
  expect(hosts.length, `no token host among:\n${processes.map(({ command }) => command).join('\n')}`).toBeGreaterThan(0);
  return hosts;
};

function setPin(token: string, newPin: string): void {
  execFileSync('pkcs11-tool', ['--module', softhsmModule!, '--token-label', token, '--login', '--pin', worldPin, '--change-pin', '--new-pin', newPin], {
    env: { ...process.env, ...world.tokens.env },
    stdio: 'pipe',
  });
}

/** The environment of a run: no PIN variable in it (the PIN comes from a file or from the call). */
function environment(): NodeJS.ProcessEnv {
  const { PIN: _pin, ...inherited } = process.env;
  return { ...inherited, ...world.tokens.env, CONCLAVE_HOME: world.home, CONCLAVE_STORE: world.store, CONCLAVE_PKCS11_MODULES: softhsmModule! };
}

describe.skipIf(process.platform !== 'linux' || !softhsmModule)('no PIN in any Conclave process after a signature', () => {
  beforeAll(async () => {
    // Three approvals to come (alice, dave, bob): the ceremony stays open for each.
    world = await makeAttackWorld({ policy: (document) => ({ ...document, threshold: 3 }) });
    ceremonyId = await world.open();
    statementDigest = (await world.show(ceremonyId)).frozen!.statementDigest;
    for (const token of ['alice', 'bob', 'carol', 'dave'] as const) setPin(token, pins[token]);
  }, 120_000);

  afterAll(() => {
    for (const child of running) {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Ended meanwhile.
      }
    }
    world?.cleanup();
  });

  it('the CLI: after `conclave ceremony approve` the command holds no PIN (nor its token host, a thread of it), and its core dumps leave memory out', async () => {
    const pinFile = join(world.dir, 'alice.pin');
    writeFileSync(pinFile, `${pins.alice}\n`, { mode: 0o600 });
    const cli = start(['--import', holdAtExit, binConclavePath, 'ceremony', 'approve', ceremonyId, '--key', `pkcs11:token=alice;object=release-signing?pin-source=file:${pinFile}`], environment());
    await heldAfterSuccess(cli);
    expect((await world.show(ceremonyId)).approvals.map((approval) => approval.keyId)).toContain(world.keyIds.alice);

    const processes = inspect(cli.pid!, pins.alice);
    expect(processes.map(({ pid, command, hits }) => ({ pid, command, hits }))).toEqual(processes.map(({ pid, command }) => ({ pid, command, hits: [] })));
    for (const { command, coredumpFilter } of processes) expect(coredumpFilter, command).toBe(0);
    cli.stdin.end();
  }, 120_000);

  describe('the CLI with --pin-env', () => {
    let processes: ReturnType<typeof inspect>;

    beforeAll(async () => {
      const cli = start(['--import', holdAtExit, binConclavePath, 'ceremony', 'approve', ceremonyId, '--key', 'pkcs11:token=dave;object=release-signing', '--pin-env', 'DAVE_PIN'], {
        ...environment(),
        DAVE_PIN: pins.dave,
      });
      await heldAfterSuccess(cli);
      processes = inspect(cli.pid!, pins.dave);
      cli.stdin.end();
    }, 120_000);

    it('signed: dave approved', async () => {
      expect((await world.show(ceremonyId)).approvals.map((approval) => approval.keyId)).toContain(world.keyIds.dave);
    });

    // The variable is in the command's environment from its start, in the block exec put on its stack. The command
    // takes it out before anything else runs (takePinVariable): the PIN is read from that block as bytes (never as a
    // JavaScript string), overwritten there through /proc/self/mem, and removed from process.env, so the token host
    // thread and anything else the command starts never get it (pin-environment.test.ts).
    it('the command process holds no PIN (the variable was taken out of its environment and overwritten there), nor its token host', () => {
      expect(processes.map(({ command, hits }) => ({ command, hits }))).toEqual(processes.map(({ command }) => ({ command, hits: [] })));
      for (const { command, coredumpFilter } of processes) expect(coredumpFilter, command).toBe(0);
    });
  });

  describe('the window: the core (as the browser shell runs it) and its token host process, after an approval through the API', () => {
    let core: Held;
    let processes: ReturnType<typeof inspect>;

    beforeAll(async () => {
      core = start(['--import', 'tsx', coreHarness, world.home, world.store, softhsmModule!, world.tokens.env.SOFTHSM2_CONF!], environment());
      const launchAddress = new URL((await lineMatching(core, /^ready /)).slice('ready '.length));
      // As the window does: its PIN as bytes, in the binary frame the renderer's client makes, over the shell's WebSocket.
      const pin = new TextEncoder().encode(pins.bob);
      const answer = await callThroughShell(launchAddress, callFrame({ type: 'call', id: 1, name: 'ceremonies.approve', input: { id: ceremonyId, keyUri: 'pkcs11:token=bob;object=release-signing', pin, statementDigest } }));
      expect(answer).toMatchObject({ type: 'result', id: 1, result: { ok: true } });
      processes = inspect(core.pid!, pins.bob);
    }, 120_000);

    afterAll(() => core?.stdin.end());

    it('signed: bob approved', async () => {
      expect((await world.show(ceremonyId)).approvals.map((approval) => approval.keyId)).toContain(world.keyIds.bob);
    });

    it('the token host process holds no PIN (it came on the PIN pipe, and was overwritten after C_Login), and its core dumps leave memory out', () => {
      const hosts = hostsAmong(processes);
      expect(hosts.map(({ command, hits }) => ({ command, hits }))).toEqual(hosts.map(({ command }) => ({ command, hits: [] })));
      for (const { command, coredumpFilter } of hosts) expect(coredumpFilter, command).toBe(0);
    });

    it("the core process's core dumps leave memory out", () => {
      expect(processes[0]!.coredumpFilter).toBe(0);
    });

    // The window's API carries a PIN as bytes, never as text (shared/api/contract.ts, Pin): the browser shell gets
    // it in a binary frame, masked on the wire, which the WebSocket library unmasks in place; the shell copies the
    // bytes into a buffer outside the JavaScript heap and overwrites the frame at once, and dispatchCall overwrites
    // that buffer when the call ends. No JavaScript string of the PIN is ever made in the core.
    it('the core process holds no PIN: the API call brought it as bytes, overwritten once the approval was made', () => {
      expect(processes[0]!.hits).toEqual([]);
    });
  });

  it("the window's core, with the PIN as bytes: after a signature through its token service, neither the core nor its token host process holds the PIN", async () => {
    const pinFile = join(world.dir, 'carol.pin');
    writeFileSync(pinFile, pins.carol, { mode: 0o600 });
    const core = start(['--import', 'tsx', coreHarness, world.home, world.store, softhsmModule!, world.tokens.env.SOFTHSM2_CONF!], environment());
    await lineMatching(core, /^ready /);
    const answered = lineMatching(core, /^\{/, 90_000);
    core.stdin.write(`sign pkcs11:token=carol;object=release-signing ${pinFile}\n`);
    expect(JSON.parse(await answered)).toEqual({ ok: true });

    const processes = inspect(core.pid!, pins.carol);
    expect(hostsAmong(processes).length).toBeGreaterThan(0);
    expect(processes.map(({ command, hits }) => ({ command, hits }))).toEqual(processes.map(({ command }) => ({ command, hits: [] })));
    for (const { command, coredumpFilter } of processes) expect(coredumpFilter, command).toBe(0);
    core.stdin.end();
  }, 120_000);
});

describe.skipIf(!softhsmModule)('pkcs11js as built here (patches/pkcs11js+2.1.7.patch)', () => {
  it('takes the PIN as a Buffer (passed to the module as it is), and no PIN at all for a PIN pad', () => {
    const folder = makeTokenFolder();
    const saved = process.env.SOFTHSM2_CONF;
    process.env.SOFTHSM2_CONF = folder.conf;
    const pkcs11 = new pkcs11js.PKCS11();
    try {
      folder.addToken('patched', '24681357');
      pkcs11.load(softhsmModule!);
      pkcs11.C_Initialize();
      const session = pkcs11.C_OpenSession(pkcs11.C_GetSlotList(true)[0]!, pkcs11js.CKF_SERIAL_SESSION);
      const attempt = (pin: Buffer | null) => {
        try {
          pkcs11.C_Login(session, pkcs11js.CKU_USER, pin);
          pkcs11.C_Logout(session);
          return 'CKR_OK';
        } catch (error) {
          return error instanceof TypeError ? `TypeError: ${error.message}` : (error as Error).message.split(':')[0];
        }
      };
      expect(attempt(Buffer.from('24681357'))).toBe('CKR_OK');
      expect(attempt(Buffer.from('13572468'))).toBe('CKR_PIN_INCORRECT');
      // NULL_PTR reaches the module, which answers for itself (SoftHSM2 has no PIN pad); unpatched, pkcs11js threw a TypeError.
      expect(attempt(null)).toBe('CKR_ARGUMENTS_BAD');
    } finally {
      try {
        pkcs11.C_Finalize();
        pkcs11.close();
      } catch {
        // Never loaded.
      }
      if (saved === undefined) delete process.env.SOFTHSM2_CONF;
      else process.env.SOFTHSM2_CONF = saved;
      folder.cleanup();
    }
  });
});

describe('the PIN prompt', () => {
  it('answers with the bytes typed (a backspace takes back a whole character), and overwrites each chunk it read', async () => {
    const input = Object.assign(new PassThrough(), { setRawMode: () => undefined }) as unknown as NodeJS.ReadStream;
    const output = new PassThrough() as unknown as NodeJS.WriteStream;
    const chunks = [Buffer.from('12é'), Buffer.from([0x7f]), Buffer.from('34\r')];
    const answer = promptHidden('PIN: ', input, output);
    for (const chunk of chunks) input.push(chunk);
    const pin = await answer;
    expect(pin).toEqual(Buffer.from('1234'));
    // Nothing the prompt read is left where it read it.
    for (const chunk of chunks) expect([...chunk].every((byte) => byte === 0)).toBe(true);
  });
});
