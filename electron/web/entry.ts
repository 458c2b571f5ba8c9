/**
 * `npm run start:web`: Conclave in a browser window. The same core and the
 * same validated API as the Electron app, served on 127.0.0.1 only.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { appDataDir } from '../core/app-paths';
import type { Core } from '../core';
import { openInChromium } from './browser';
import { writeLaunchFile } from './launch-file';
import { startWebShell } from './server';

function rendererDir(): string {
  for (const candidate of ['../renderer', '../../out/renderer']) {
    const dir = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(join(dir, 'index.html'))) return dir;
  }
  throw new Error('The window has not been built yet. Run "npm run build" first.');
}

/** The longest the core waits for a window before it starts. */
const coreStartsWithinMs = 1000;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      'no-open': { type: 'boolean', default: false },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port takes a port number, not "${values.port}".`);
  const dataDir = appDataDir();
  // The shell listens first and sends the window its page; the core loads while the browser runs that page
  // (issue 15). Nobody may open the window (an address printed to a terminal): the core starts within a second anyway.
  let pageServed!: () => void;
  const served = new Promise<void>((resolve) => {
    pageServed = resolve;
    setTimeout(resolve, coreStartsWithinMs).unref();
  });
  const core = served.then(() => startCore(dataDir));
  const shell = await startWebShell({ core, rendererDir: rendererDir(), port, onPageServed: pageServed });
  // The launch address goes to the browser through a private file, never on its command line (issue 12).
  const wantsBrowser = !values['no-open'] && process.env.CONCLAVE_NO_BROWSER !== '1';
  const launchFile = wantsBrowser ? await writeLaunchFile(dataDir, shell.launchAddress()) : undefined;
  const opened = launchFile !== undefined && openInChromium(launchFile.url, join(dataDir, 'browser-profile'));
  if (!opened) await launchFile?.remove();
  process.stdout.write(`Conclave is running at ${shell.url}\n`);
  process.stdout.write(
    opened
      ? 'It opened in a Chromium window. Press Ctrl+C here to stop it.\n'
      : `Open this address once, in Chromium or Chrome (it lets one browser in, within two minutes):\n${shell.launchAddress()}\nPress Ctrl+C here to stop it.\n`,
  );
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await launchFile?.remove();
      await shell.close();
      await (await core).dispose();
      process.exit(0);
    })());
  // Kept for the whole stop (not once): a library that watches signals (proper-lockfile's signal-exit, loaded with the
  // core) re-raises one it sees no other listener for, which ended the shell before the core had saved its index.
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  await core;
}

/** The core, its modules loaded only now: most of the shell's start is loading them. */
async function startCore(dataDir: string): Promise<Core> {
  const [{ createCore, modulesFromEnvironment }, { conclaveVersion }] = await Promise.all([import('../core/create-core'), import('../core/version')]);
  const modules = modulesFromEnvironment();
  return createCore({ dataDir, shell: 'browser', version: conclaveVersion, ...(modules ? { modules } : {}) });
}

main().catch((error: unknown) => {
  process.stderr.write(`conclave: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
