/**
 * `npm run start:web`: Conclave in a browser window. The same core and the
 * same validated API as the Electron app, served on 127.0.0.1 only.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { appDataDir } from '../core/app-paths';
import { createCore, modulesFromEnvironment } from '../core/create-core';
import { conclaveVersion } from '../core/version';
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
  const modules = modulesFromEnvironment();
  const core = createCore({ dataDir, shell: 'browser', version: conclaveVersion, ...(modules ? { modules } : {}) });
  const shell = await startWebShell({ core, rendererDir: rendererDir(), port });
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
  const stop = async () => {
    await launchFile?.remove();
    await shell.close();
    await core.dispose();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  process.stderr.write(`conclave: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
