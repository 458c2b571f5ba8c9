/**
 * The wiring of the Electron app, with a stand-in electron module and a
 * stand-in core: that the hardening is actually applied, in the right order.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Core, CoreOptions } from '../../electron/core/index';
import { createElectronStandIn, type ElectronStandIn } from './electron-stand-in';

const core = vi.hoisted(() => ({
  created: [] as { options: unknown; dispose: ReturnType<typeof vi.fn>; unsubscribe: ReturnType<typeof vi.fn> }[],
  /** While set, the core is still starting (its modules loading): createCore settles as this does. */
  starting: undefined as Promise<void> | undefined,
}));

vi.mock('../../electron/core/create-core', () => ({
  modulesFromEnvironment: () => [{ path: '/usr/lib/softhsm/libsofthsm2.so' }],
  createCore: async (options: CoreOptions): Promise<Core> => {
    await core.starting;
    const dispose = vi.fn(async () => undefined);
    const unsubscribe = vi.fn();
    core.created.push({ options, dispose, unsubscribe });
    // Only what a shell uses of the core; the token service stays out of the Electron wiring.
    const standIn: Pick<Core, 'handlers' | 'subscribe' | 'dispose'> = {
      handlers: { 'app.info': async () => ({ version: options.version, shell: 'electron', dataDir: options.dataDir }) } as unknown as Core['handlers'],
      subscribe: () => unsubscribe,
      dispose,
    };
    return standIn as Core;
  },
}));

vi.mock('../../electron/core/app-paths', () => ({ appDataDir: () => '/home/person/.local/share/conclave' }));

// A built renderer folder, as electron-vite leaves it in out/renderer.
const rendererDir = mkdtempSync(join(tmpdir(), 'conclave-renderer-'));
const pageHtml = '<!doctype html><title>Conclave</title><script type="module" src="./assets/index-B5PyiI1G.js"></script>';
writeFileSync(join(rendererDir, 'index.html'), pageHtml);
mkdirSync(join(rendererDir, 'assets'));
writeFileSync(join(rendererDir, 'assets', 'index-B5PyiI1G.js'), 'export {};');
afterAll(() => rmSync(rendererDir, { recursive: true, force: true }));

const files = { preloadPath: '/opt/conclave/out/preload/index.cjs', rendererDir };

async function start(configure: (electron: ElectronStandIn) => void = () => undefined, appFiles = files) {
  // A fresh stand-in and fresh app modules per test: the app registers its listeners once per start.
  vi.resetModules();
  core.created.length = 0;
  core.starting = undefined;
  const electron = createElectronStandIn();
  vi.doMock('electron', () => electron);
  configure(electron);
  const { runConclave } = await import('../../electron/main/conclave-app');
  const { utilityHostLauncher } = await import('../../electron/main/utility-host-launcher');
  await runConclave(appFiles);
  return { electron, utilityHostLauncher };
}

beforeEach(() => {
  delete process.env.ELECTRON_RENDERER_URL;
});

describe('starting Conclave', () => {
  it('steps aside for the running instance when it does not get the single-instance lock', async () => {
    const { electron } = await start((standIn) => standIn.app.requestSingleInstanceLock.mockReturnValue(false));
    expect(electron.app.quit).toHaveBeenCalled();
    expect(electron.BrowserWindow.created).toHaveLength(0);
    expect(core.created).toHaveLength(0);
    expect(electron.ipcMain.handle).not.toHaveBeenCalled();
  });

  it('opens one hardened window on the built page at app://conclave/, with the door open before the page loads', async () => {
    const { electron } = await start();
    expect(electron.app.enableSandbox).toHaveBeenCalled();
    expect(electron.BrowserWindow.created).toHaveLength(1);
    const window = electron.BrowserWindow.created[0]!;
    expect(window.options).toMatchObject({
      webPreferences: { sandbox: true, contextIsolation: true, nodeIntegration: false, webSecurity: true, preload: files.preloadPath },
    });
    expect(window.loadURL).toHaveBeenCalledWith('app://conclave/index.html');
    const doorOpened = electron.ipcMain.handle.mock.invocationCallOrder[0]!;
    expect(doorOpened).toBeLessThan(window.loadURL.mock.invocationCallOrder[0]!);
  });

  it('makes app: a privileged scheme before the app is ready, and serves it once ready, before the page loads', async () => {
    const { electron } = await start();
    expect(electron.protocol.registerSchemesAsPrivileged).toHaveBeenCalledWith([
      { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true } },
    ]);
    const registered = electron.protocol.registerSchemesAsPrivileged.mock.invocationCallOrder[0]!;
    const ready = electron.app.whenReady.mock.invocationCallOrder[0]!;
    const handled = electron.protocol.handle.mock.invocationCallOrder[0]!;
    expect(registered).toBeLessThan(ready);
    expect(handled).toBeGreaterThan(ready);
    expect(handled).toBeLessThan(electron.BrowserWindow.created[0]!.loadURL.mock.invocationCallOrder[0]!);
    expect(electron.protocol.handle).toHaveBeenCalledOnce();
    expect(electron.protocol.handle.mock.calls[0]?.[0]).toBe('app');
  });

  it('serves the built page and its scripts on app://conclave/ with the window policy as a header', async () => {
    const { electron } = await start();
    const serve = electron.protocol.handlers.get('app')!;
    const page = await serve(new Request('app://conclave/index.html'));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(await page.text()).toBe(pageHtml);
    const script = await serve(new Request('app://conclave/assets/index-B5PyiI1G.js'));
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await serve(new Request('app://conclave/..%2F..%2Fetc%2Fpasswd'))).status).toBe(404);
  });

  it('says to build the page when the renderer folder has none, instead of opening an empty window', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'conclave-unbuilt-'));
    try {
      await expect(start(() => undefined, { ...files, rendererDir: empty })).rejects.toThrow(/npm run build/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('hardens the window’s web contents and the session', async () => {
    const { electron } = await start();
    const contents = electron.BrowserWindow.created[0]!.webContents;
    expect(contents.windowOpenHandler?.({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
    const navigation = { preventDefault: vi.fn() };
    contents.emit('will-navigate', navigation, 'https://example.com/');
    expect(navigation.preventDefault).toHaveBeenCalled();
    const frameNavigation = { url: 'https://example.com/', isMainFrame: false, preventDefault: vi.fn() };
    contents.emit('will-frame-navigate', frameNavigation);
    expect(frameNavigation.preventDefault).toHaveBeenCalled();

    const session = electron.session.defaultSession;
    const callback = vi.fn();
    session.headersListener?.({ responseHeaders: {} }, callback);
    expect(callback.mock.calls[0]?.[0]).toMatchObject({ responseHeaders: { 'Content-Security-Policy': [expect.stringContaining("default-src 'self'")] } });
    const answer = vi.fn();
    (session.setPermissionRequestHandler.mock.calls[0]?.[0] as (c: unknown, p: string, cb: (granted: boolean) => void) => void)({}, 'media', answer);
    expect(answer).toHaveBeenCalledWith(false);
    expect(electron.Menu.setApplicationMenu).toHaveBeenCalledOnce();
  });

  it('creates the core for Electron, with the shared data folder, the app version and utility-process hosts', async () => {
    const { utilityHostLauncher } = await start();
    expect(core.created).toHaveLength(1);
    expect(core.created[0]?.options).toEqual({
      dataDir: '/home/person/.local/share/conclave',
      shell: 'electron',
      version: '9.8.7',
      hostLauncher: utilityHostLauncher,
      modules: [{ path: '/usr/lib/softhsm/libsofthsm2.so' }],
      chooseModuleFile: expect.any(Function),
    });
  });

  it('adds a PKCS#11 module only as the person picks it in the system dialog, over the app window (issue 12)', async () => {
    const { electron } = await start();
    const window = electron.BrowserWindow.created[0]!;
    const choose = (core.created[0]?.options as CoreOptions).chooseModuleFile!;
    electron.dialog.showOpenDialog.mockResolvedValueOnce({ canceled: false, filePaths: ['/usr/lib/x86_64-linux-gnu/libykcs11.so.2'] });
    await expect(choose()).resolves.toBe('/usr/lib/x86_64-linux-gnu/libykcs11.so.2');
    const [owner, options] = electron.dialog.showOpenDialog.mock.calls.at(-1) as [unknown, { properties: string[]; title: string }];
    expect(owner).toBe(window);
    expect(options).toMatchObject({ properties: ['openFile'], title: 'Add a PKCS#11 module' });
    electron.dialog.showOpenDialog.mockResolvedValueOnce({ canceled: true, filePaths: [] });
    await expect(choose()).resolves.toBeUndefined();
  });

  it('answers a call from its own page through the door', async () => {
    const { electron } = await start();
    const window = electron.BrowserWindow.created[0]!;
    const door = electron.ipcMain.handle.mock.calls[0]?.[1] as (event: unknown, name: unknown, input: unknown) => Promise<unknown>;
    const result = await door({ sender: window.webContents, senderFrame: window.webContents.mainFrame }, 'app.info', {});
    expect(result).toEqual({ ok: true, value: { version: '9.8.7', shell: 'electron', dataDir: '/home/person/.local/share/conclave' } });
  });

  it('opens its window and loads the page while the core starts; a call made meanwhile is answered once it has', async () => {
    let electron!: ElectronStandIn;
    let coreStarted!: () => void;
    const running = start((standIn) => {
      electron = standIn;
      core.starting = new Promise<void>((resolve) => (coreStarted = resolve));
    });
    await vi.waitFor(() => expect(electron.BrowserWindow.created[0]?.loadURL).toHaveBeenCalled());
    expect(core.created).toHaveLength(0);
    const window = electron.BrowserWindow.created[0]!;
    const door = electron.ipcMain.handle.mock.calls[0]?.[1] as (event: unknown, name: unknown, input: unknown) => Promise<unknown>;
    let answer: unknown;
    const call = door({ sender: window.webContents, senderFrame: window.webContents.mainFrame }, 'app.info', {}).then((result) => (answer = result));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(answer).toBeUndefined();

    coreStarted();
    await call;
    expect(answer).toEqual({ ok: true, value: { version: '9.8.7', shell: 'electron', dataDir: '/home/person/.local/share/conclave' } });
    await running;
    expect(core.created).toHaveLength(1);
  });

  it('stops with the reason when the core cannot start, and answers a call made meanwhile with a failure, not silence', async () => {
    let electron!: ElectronStandIn;
    let coreFailed!: (error: Error) => void;
    const running = start((standIn) => {
      electron = standIn;
      core.starting = new Promise<void>((_resolve, reject) => (coreFailed = reject));
    });
    await vi.waitFor(() => expect(electron.BrowserWindow.created[0]?.loadURL).toHaveBeenCalled());
    const window = electron.BrowserWindow.created[0]!;
    const door = electron.ipcMain.handle.mock.calls[0]?.[1] as (event: unknown, name: unknown, input: unknown) => Promise<unknown>;
    const call = door({ sender: window.webContents, senderFrame: window.webContents.mainFrame }, 'app.info', {});

    coreFailed(new Error('The data folder /home/person/.local/share/conclave is not yours.'));
    await expect(running).rejects.toThrow('The data folder /home/person/.local/share/conclave is not yours.');
    await expect(call).resolves.toMatchObject({ ok: false, error: { code: 'internal', message: expect.stringMatching(/could not start/) } });
    // Quitting then has no core to shut down, and does not wait for one.
    electron.app.emit('will-quit', { preventDefault: vi.fn() });
    await vi.waitFor(() => expect(electron.app.quit).toHaveBeenCalled());
  });

  it('loads the dev server page while developing, and only from this computer', async () => {
    process.env.ELECTRON_RENDERER_URL = 'http://localhost:5173/';
    const { electron } = await start();
    expect(electron.BrowserWindow.created[0]?.loadURL).toHaveBeenCalledWith('http://localhost:5173/');
    // The dev server's page needs no app: handler; the scheme is still registered, as it must be before ready.
    expect(electron.protocol.handle).not.toHaveBeenCalled();
  });

  it('brings the first window forward when a second instance starts', async () => {
    const { electron } = await start();
    const window = electron.BrowserWindow.created[0]!;
    electron.app.emit('second-instance');
    expect(window.restore).toHaveBeenCalled();
    expect(window.focus).toHaveBeenCalled();
  });

  it('shuts the core down before quitting, once', async () => {
    const { electron } = await start();
    const quitting = { preventDefault: vi.fn() };
    electron.app.emit('will-quit', quitting);
    expect(quitting.preventDefault).toHaveBeenCalled();
    electron.app.emit('will-quit', { preventDefault: vi.fn() });

    await vi.waitFor(() => expect(electron.app.quit).toHaveBeenCalled());
    expect(core.created[0]?.dispose).toHaveBeenCalledOnce();
    const final = { preventDefault: vi.fn() };
    electron.app.emit('will-quit', final);
    expect(final.preventDefault).not.toHaveBeenCalled();
  });

  it('quits when its window closes, stopping the door and the event relay', async () => {
    const { electron } = await start();
    const window = electron.BrowserWindow.created[0]!;
    window.emit('closed');
    expect(electron.ipcMain.removeHandler).toHaveBeenCalled();
    expect(core.created[0]?.unsubscribe).toHaveBeenCalled();
    electron.app.emit('window-all-closed');
    expect(electron.app.quit).toHaveBeenCalled();
  });
});
