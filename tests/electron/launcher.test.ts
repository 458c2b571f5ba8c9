import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { launch, type LaunchInputs, type StartedProcess } from '../../electron/launcher/launch';
import { electronEnvironment, locateElectronBinary, notices, planLaunch, type FileProbe } from '../../electron/launcher/plan';

const electronDir = join('/app', 'node_modules', 'electron');
const binary = join(electronDir, 'dist', 'electron');

function filesWith(contents: Record<string, string>): FileProbe {
  return {
    exists: (path) => Object.prototype.hasOwnProperty.call(contents, path),
    readText: (path) => contents[path],
  };
}

const installed = filesWith({ [join(electronDir, 'path.txt')]: 'electron', [binary]: '' });

describe('finding the Electron binary', () => {
  it('is found through path.txt inside dist/', () => {
    expect(locateElectronBinary(electronDir, installed)).toBe(binary);
  });

  it('is missing when path.txt is missing (the package installed without its download)', () => {
    expect(locateElectronBinary(electronDir, filesWith({ [binary]: '' }))).toBeUndefined();
  });

  it('is missing when path.txt names a file that is not in dist/', () => {
    expect(locateElectronBinary(electronDir, filesWith({ [join(electronDir, 'path.txt')]: 'electron' }))).toBeUndefined();
  });

  it('follows path.txt for the platform layout, ignoring a trailing newline', () => {
    const mac = join(electronDir, 'dist', 'Electron.app/Contents/MacOS/Electron');
    const files = filesWith({ [join(electronDir, 'path.txt')]: 'Electron.app/Contents/MacOS/Electron\n', [mac]: '' });
    expect(locateElectronBinary(electronDir, files)).toBe(mac);
  });

  it('honours ELECTRON_OVERRIDE_DIST_PATH, as the electron package does', () => {
    const custom = join('/opt', 'electron-build', 'electron');
    expect(locateElectronBinary(electronDir, filesWith({ [custom]: '' }), join('/opt', 'electron-build'))).toBe(custom);
    expect(locateElectronBinary(electronDir, installed, join('/opt', 'nothing-here'))).toBeUndefined();
  });
});

describe('choosing between Electron and the browser shell', () => {
  it('uses an installed Electron without downloading', async () => {
    const downloadElectron = vi.fn(async () => true);
    await expect(planLaunch({ locateElectron: () => binary, downloadElectron, env: {} })).resolves.toEqual({ shell: 'electron', binary });
    expect(downloadElectron).not.toHaveBeenCalled();
  });

  it('downloads once when missing, and uses the result', async () => {
    let present = false;
    const downloadElectron = vi.fn(async () => (present = true));
    const plan = await planLaunch({ locateElectron: () => (present ? binary : undefined), downloadElectron, env: {} });
    expect(plan).toEqual({ shell: 'electron', binary });
    expect(downloadElectron).toHaveBeenCalledOnce();
  });

  it('falls back to the browser with one plain sentence when the download fails or throws', async () => {
    for (const downloadElectron of [vi.fn(async () => false), vi.fn(async () => Promise.reject(new Error('ENOTFOUND')))]) {
      const plan = await planLaunch({ locateElectron: () => undefined, downloadElectron, env: {} });
      expect(plan).toEqual({ shell: 'browser', notice: notices.downloadFailed });
      expect(downloadElectron).toHaveBeenCalledOnce();
    }
  });

  it('treats a download that reports success but leaves no binary as a failure', async () => {
    const plan = await planLaunch({ locateElectron: () => undefined, downloadElectron: async () => true, env: {} });
    expect(plan.shell).toBe('browser');
  });

  it('does not try to download when CONCLAVE_NO_ELECTRON=1', async () => {
    const downloadElectron = vi.fn(async () => true);
    const plan = await planLaunch({ locateElectron: () => undefined, downloadElectron, env: { CONCLAVE_NO_ELECTRON: '1' } });
    expect(plan).toEqual({ shell: 'browser', notice: notices.downloadSkipped });
    expect(downloadElectron).not.toHaveBeenCalled();
  });

  it('writes every notice as one plain sentence', () => {
    for (const notice of Object.values(notices)) {
      expect(notice).toMatch(/^[A-Z][^\n]*\.$/);
      expect(notice.split(/\.\s/)).toHaveLength(1);
      expect(notice).not.toMatch(/Error|at .*:\d+/);
    }
  });

  it('keeps ELECTRON_RUN_AS_NODE away from Electron', () => {
    expect(electronEnvironment({ PATH: '/bin', ELECTRON_RUN_AS_NODE: '1' })).toEqual({ PATH: '/bin' });
  });
});

describe('launching', () => {
  class Child extends EventEmitter {}

  /** A start() that ends each process as told: an exit code, or a spawn error. */
  function harness(options: { electron: 'missing' | number | Error; webShell?: number | Error; webShellBuilt?: boolean }) {
    const started: { command: string; args: string[]; env: Record<string, string | undefined> }[] = [];
    const told: string[] = [];
    const inputs: LaunchInputs = {
      locateElectron: () => (options.electron === 'missing' ? undefined : binary),
      downloadElectron: async () => false,
      env: { PATH: '/bin', ELECTRON_RUN_AS_NODE: '1' },
      appRoot: '/app',
      webShellPath: '/app/out/main/web-shell.js',
      args: ['--verbose'],
      nodePath: '/usr/bin/node',
      exists: (path) => path !== '/app/out/main/web-shell.js' || options.webShellBuilt !== false,
      start: (command, args, env): StartedProcess => {
        started.push({ command, args, env });
        const child = new Child();
        const ending = command === binary ? options.electron : (options.webShell ?? 0);
        setImmediate(() => (ending instanceof Error ? child.emit('error', ending) : child.emit('exit', ending, null)));
        return child as StartedProcess;
      },
      tell: (sentence) => told.push(sentence),
    };
    return { inputs, started, told };
  }

  it('opens the app in Electron, says nothing, and ends with its exit code', async () => {
    const { inputs, started, told } = harness({ electron: 3 });
    await expect(launch(inputs)).resolves.toBe(3);
    expect(started).toEqual([{ command: binary, args: ['/app', '--verbose'], env: { PATH: '/bin' } }]);
    expect(told).toEqual([]);
  });

  it('opens the browser shell with one sentence when Electron is missing', async () => {
    const { inputs, started, told } = harness({ electron: 'missing' });
    await expect(launch(inputs)).resolves.toBe(0);
    expect(started.map(({ command, args }) => [command, args])).toEqual([['/usr/bin/node', ['/app/out/main/web-shell.js', '--verbose']]]);
    expect(told).toEqual([notices.downloadFailed]);
  });

  it('opens the browser shell when the Electron binary cannot be started', async () => {
    const { inputs, started, told } = harness({ electron: Object.assign(new Error('spawn EACCES'), { code: 'EACCES' }) });
    await expect(launch(inputs)).resolves.toBe(0);
    expect(started.map(({ command }) => command)).toEqual([binary, '/usr/bin/node']);
    expect(told).toEqual([notices.startFailed]);
  });

  it('says how to build when the browser shell is not built', async () => {
    const { inputs, started, told } = harness({ electron: 'missing', webShellBuilt: false });
    await expect(launch(inputs)).resolves.toBe(1);
    expect(started).toEqual([]);
    expect(told).toEqual([notices.downloadFailed, expect.stringContaining('npm run build')]);
  });
});
