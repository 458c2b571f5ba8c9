/**
 * The browser shell as a person runs it (`node out/main/web-shell.js`),
 * stopped as Ctrl+C or a service manager stops it: it ends with exit 0, having
 * saved its index of the store, and leaves no token host running. The core
 * loads after the shell listens (issue 15), so the signal handlers are in
 * place before libraries that watch signals too (proper-lockfile's
 * signal-exit re-raised the signal and ended the shell mid-save).
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateCeremonies } from '../support/generate-ceremonies';
import { makeTokenFolder, softhsmModule, type TokenFolder } from '../support/softhsm';
import { call, connect, launch, type ShellAddress } from '../support/web-shell-client';
import { startWebShellProcess } from '../support/web-shell-process';

let home: string;
let folder: TokenFolder;
let shell: ChildProcess | undefined;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'conclave-shell-stop-'));
  folder = makeTokenFolder();
  folder.addToken('alice', '1234');
});

afterEach(() => {
  if (shell?.exitCode === null && shell.signalCode === null) shell.kill('SIGKILL');
  folder.cleanup();
  rmSync(home, { recursive: true, force: true });
});

/** Starts the shell; resolves with its address once printed. */
async function started(): Promise<ShellAddress> {
  const started = await startWebShellProcess({ ...folder.env, CONCLAVE_HOME: home, CONCLAVE_PKCS11_MODULES: softhsmModule!, CONCLAVE_NO_BROWSER: '1' });
  shell = started.child;
  const origin = new URL(started.url).origin;
  let unused: string | undefined = started.url;
  return {
    origin,
    port: Number(new URL(origin).port),
    launchAddress: () => {
      const address = unused;
      unused = undefined;
      if (!address) throw new Error('the printed launch address has been used');
      return address;
    },
  };
}

function tokenHostsOf(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid), '-f', 'token-host']).toString().trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

describe.skipIf(!softhsmModule)('the browser shell stopped by a signal', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('%s: exit 0, the index of the store saved, no token host left', async (signal) => {
    await generateCeremonies(join(home, 'store'), 12);
    const address = await started();
    const ws = await connect(address, { cookie: await launch(address) });
    // Answered once the core is up, with its token host for the SoftHSM2 module.
    expect((await call(ws, 1, 'tokens.list', {})).ok).toBe(true);
    expect((await call(ws, 2, 'ceremonies.page', { tab: 'all' })).ok).toBe(true);
    const hosts = tokenHostsOf(shell!.pid!);
    expect(hosts.length).toBeGreaterThan(0);
    ws.terminate();
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => shell!.once('exit', (code, signalCode) => resolve({ code, signal: signalCode })));
    shell!.kill(signal);
    expect(await exited).toEqual({ code: 0, signal: null });
    const cache = readFileSync(join(home, 'cache', 'ceremony-summaries.json'), 'utf8');
    expect(JSON.parse(cache.slice(0, cache.indexOf('\n')))).toMatchObject({ format: 'conclave-summary-cache', count: 12 });
    for (const host of hosts) expect(() => process.kill(host, 0)).toThrow();
  });
});
