/**
 * A real docker-registry that can be stopped and started again on the same
 * port with the same storage, so a test can take a registry away in the
 * middle of publishing and bring it back (tests/support/registry.ts removes
 * its storage on stop). Same binary and config as that harness.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { freePort, registryBinary, registryConfig } from '../../support/registry';

export interface RestartableRegistry {
  host: string;
  url: string;
  /** Ends the process (SIGTERM) and waits for it; the storage stays. */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same storage. */
  start(): Promise<void>;
  /** Stops it and removes its folder. */
  remove(): Promise<void>;
}

const exited = (child: ChildProcess) => (child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((resolve) => child.once('exit', () => resolve())));

export async function startRestartableRegistry(): Promise<RestartableRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'conclave-registry-restartable-'));
  const port = await freePort();
  const config = join(dir, 'config.yml');
  writeFileSync(config, registryConfig({ port, storage: join(dir, 'storage'), auth: { kind: 'none' } }));
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;

  const start = async () => {
    const started = spawn(registryBinary, ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = started;
    let stderr = '';
    started.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk.slice(0, 4096)));
    let gone = false;
    void exited(started).then(() => (gone = true));
    for (;;) {
      if (gone) throw new Error(`docker-registry exited before answering: ${stderr}`);
      try {
        const response = await fetch(`${url}/v2/`);
        await response.body?.cancel();
        return;
      } catch {
        await delay(25); // the polling interval, not a limit
      }
    }
  };
  const stop = async () => {
    const running = child;
    child = undefined;
    if (running && running.exitCode === null && running.signalCode === null) {
      const done = exited(running);
      running.kill('SIGTERM');
      await done;
    }
  };
  await start();
  return {
    host: `127.0.0.1:${port}`,
    url,
    stop,
    start,
    async remove() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
