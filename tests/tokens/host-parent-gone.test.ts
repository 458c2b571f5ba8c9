/**
 * A token host process whose parent went away while it was answering (the
 * window's core stopped, Ctrl+C, a crash): it ends quietly, as at a
 * disconnect, instead of dying of an unhandled EPIPE with a stack trace in
 * the person's terminal. Runs the built host (out/main/token-host.js) under
 * a real parent process that the test lets exit mid-conversation.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { makeTokenFolder, softhsmModule, type TokenFolder } from '../support/softhsm';

const builtHost = fileURLToPath(new URL('../../out/main/token-host.js', import.meta.url));

/**
 * The parent: forks the host with its standard error in a file, loads a module, then asks for the token list many
 * times and exits as soon as the last request is written, so the host answers a parent that no longer exists.
 */
const parentScript = `
import { fork } from 'node:child_process';
import { openSync } from 'node:fs';
const [host, modulePath, errors] = process.argv.slice(2);
const child = fork(host, [], { stdio: ['ignore', 'ignore', openSync(errors, 'w'), 'ipc'] });
process.stdout.write(String(child.pid));
child.send({ kind: 'request', id: 1, request: { op: 'init', modulePath, kind: 'softhsm' } });
child.once('message', () => {
  for (let id = 2; id < 200; id++) child.send({ kind: 'request', id, request: { op: 'listTokens' } });
  child.send({ kind: 'request', id: 200, request: { op: 'listTokens' } }, () => process.exit(0));
});
`;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!softhsmModule)('a token host whose parent is gone', () => {
  let folder: TokenFolder;
  let dir: string;

  beforeAll(() => {
    expect(existsSync(builtHost), `${builtHost} is missing: run "npm run build" before these tests.`).toBe(true);
    folder = makeTokenFolder();
    folder.addToken('alice', '1234');
    dir = mkdtempSync(join(tmpdir(), 'conclave-host-parent-'));
    writeFileSync(join(dir, 'parent.mjs'), parentScript);
  });

  afterAll(() => {
    folder.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ends at once and prints nothing, also when it was answering', async () => {
    for (let round = 0; round < 3; round++) {
      const errors = join(dir, `errors-${round}.txt`);
      const parent = spawn(process.execPath, [join(dir, 'parent.mjs'), builtHost, softhsmModule!, errors], { env: { ...process.env, ...folder.env }, stdio: ['ignore', 'pipe', 'inherit'] });
      let printed = '';
      parent.stdout.on('data', (chunk) => (printed += chunk));
      const code = await new Promise<number | null>((resolve) => parent.once('exit', resolve));
      expect(code).toBe(0);
      const hostPid = Number(printed);
      expect(hostPid).toBeGreaterThan(0);
      await vi.waitFor(() => expect(alive(hostPid)).toBe(false), { timeout: 10_000 });
      expect(readFileSync(errors, 'utf8')).toBe('');
    }
  });
});
