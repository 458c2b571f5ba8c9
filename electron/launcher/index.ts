/**
 * `npm start`: `node out/main/launcher.js`. Opens Conclave in Electron when
 * its binary is installed (or can be fetched once), else in the browser shell.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { launch } from './launch';
import { locateElectronBinary, type FileProbe } from './plan';

// Built to out/main/launcher.js: the package root is two folders up.
const here = import.meta.dirname;
const appRoot = resolve(here, '..', '..');
const downloadTimeoutMs = 60_000;

const files: FileProbe = {
  exists: (path) => existsSync(path),
  readText: (path) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
};

function electronPackageDir(): string {
  try {
    // Resolves the package's folder wherever npm put it, without running its index.js (which would download).
    return dirname(createRequire(join(appRoot, 'package.json')).resolve('electron/package.json'));
  } catch {
    return join(appRoot, 'node_modules', 'electron');
  }
}

/** One attempt at the electron package's own installer, quietly, within a minute. */
function downloadElectron(electronDir: string): Promise<boolean> {
  const installer = join(electronDir, 'install.js');
  if (!existsSync(installer)) return Promise.resolve(false);
  return new Promise((resolveDownload) => {
    const child = spawn(process.execPath, [installer], {
      cwd: electronDir,
      // Captured and dropped: a failed download prints a stack trace the person has no use for.
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: downloadTimeoutMs,
    });
    child.stdout?.resume();
    child.stderr?.resume();
    child.once('error', () => resolveDownload(false));
    child.once('close', (code) => resolveDownload(code === 0));
  });
}

let current: ChildProcess | undefined;
const running = () => current !== undefined && current.exitCode === null && current.signalCode === null;
// Ctrl+C and a closing terminal reach Conclave directly (same process group): wait for it to shut down
// its token hosts rather than sending the signal twice, which would cut that shutdown short.
for (const [signal, code] of [['SIGINT', 130], ['SIGHUP', 129]] as const) {
  process.on(signal, () => {
    if (!running()) process.exit(code);
  });
}
// A SIGTERM is sent to the launcher alone: pass it on, so stopping the launcher stops Conclave.
process.on('SIGTERM', () => {
  if (running()) current?.kill('SIGTERM');
  else process.exit(143);
});

const electronDir = electronPackageDir();

launch({
  locateElectron: () => locateElectronBinary(electronDir, files, process.env.ELECTRON_OVERRIDE_DIST_PATH),
  downloadElectron: () => downloadElectron(electronDir),
  env: process.env,
  appRoot,
  webShellPath: join(here, 'web-shell.js'),
  args: process.argv.slice(2),
  nodePath: process.execPath,
  exists: (path) => existsSync(path),
  start: (command, args, env) => {
    current = spawn(command, args, { stdio: 'inherit', env });
    return current;
  },
  tell: (sentence) => process.stderr.write(`${sentence}\n`),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`Conclave could not start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
