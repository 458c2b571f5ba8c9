/**
 * A token host that has just died still looks connected to the core until
 * the core reads its end of the channel as closed. A request sent in that
 * moment (the host crashed mid-operation, the person pulled the token and
 * its module took the host down) must fail through the host's exit, as
 * requests in flight do, not as an uncaught EPIPE in the core: in the window
 * that ended the core, and CI caught it once in the crash test of
 * tests/integration/token-service.test.ts. Run in a process of its own, as
 * the core runs, so that an uncaught error shows as what it is.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const hostProcess = fileURLToPath(new URL('../../electron/core/tokens/host-process.ts', import.meta.url));

/**
 * The core's side: forks a host, kills it, and keeps its own event loop from running until the host is surely gone,
 * so its channel still says connected; then sends a request and waits for the host's exit.
 */
const coreScript = (modulePath: string) => `
import { forkHostLauncher } from ${JSON.stringify(modulePath)};
const host = forkHostLauncher({ env: process.env, serviceName: 'conclave-test-host' });
const exited = new Promise((resolve) => host.onExit((code, signal) => resolve(signal)));
host.kill(true);
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
host.postMessage({ kind: 'request', id: 1, request: { op: 'listTokens' } });
process.stdout.write('sent ' + (await exited));
`;

describe('a request to a token host that has just died', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'conclave-host-gone-'));
    writeFileSync(join(dir, 'core.mts'), coreScript(hostProcess));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('throws nothing in the core: the host’s exit is what the core hears', async () => {
    for (let round = 0; round < 3; round++) {
      const core = spawn(process.execPath, ['--import', 'tsx', join(dir, 'core.mts')], { stdio: ['ignore', 'pipe', 'pipe'] });
      let printed = '';
      let errors = '';
      core.stdout.on('data', (chunk) => (printed += chunk));
      core.stderr.on('data', (chunk) => (errors += chunk));
      const code = await new Promise<number | null>((resolve) => core.once('exit', resolve));
      expect(errors).toBe('');
      expect(code).toBe(0);
      expect(printed).toBe('sent SIGKILL');
    }
  });
});
