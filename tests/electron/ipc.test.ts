import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { BrowserWindow } from 'electron';
import type { ApiHandlers, EventSink } from '../../electron/core/api/handlers';
import type { Result } from '../../shared/api/result';
import type { TokensSnapshot } from '../../shared/api/contract';
import { StandInFrame, type ElectronStandIn } from './electron-stand-in';

vi.mock('electron', async () => (await import('./electron-stand-in')).createElectronStandIn());

const electron = (await import('electron')) as unknown as ElectronStandIn;
const { openApiDoor, relayEvents } = await import('../../electron/main/ipc');
const { callChannel, eventChannel } = await import('../../electron/preload/channels');

const appUrl = 'file:///opt/conclave/out/renderer/index.html';
const isAppPage = (url: string) => url.split('#')[0] === appUrl;

const snapshot: TokensSnapshot = { modules: [], demo: { available: false, created: false } };

function appWindow() {
  const window = new electron.BrowserWindow({});
  window.webContents.mainFrame.url = `${appUrl}#/tokens`;
  return window;
}

function fakeHandlers() {
  return {
    'app.info': vi.fn(async () => ({ version: '1.2.3', shell: 'electron' as const, dataDir: '/data' })),
    'tokens.list': vi.fn(async () => snapshot),
    'tokens.login': vi.fn(async () => ({ keys: [] })),
  };
}

type Door = (event: unknown, name: unknown, input: unknown) => Promise<Result<unknown>>;

function open(window: ReturnType<typeof appWindow>, handlers = fakeHandlers()) {
  openApiDoor({ window: window as unknown as BrowserWindow, handlers: handlers as unknown as ApiHandlers, isAppPage });
  const door = electron.ipcMain.handle.mock.calls.at(-1)?.[1] as Door;
  const fromMainFrame = { sender: window.webContents, senderFrame: window.webContents.mainFrame };
  return { door, handlers, fromMainFrame };
}

beforeEach(() => {
  vi.clearAllMocks();
});

describe('the IPC door', () => {
  it('opens exactly one invoke channel and listens on no other', () => {
    open(appWindow());
    expect(electron.ipcMain.handle).toHaveBeenCalledOnce();
    expect(electron.ipcMain.handle.mock.calls[0]?.[0]).toBe(callChannel);
    expect(electron.ipcMain.on).not.toHaveBeenCalled();
    expect(electron.ipcMain.once).not.toHaveBeenCalled();
  });

  it('passes a valid call from the app window to its handler and returns the Result as data', async () => {
    const window = appWindow();
    const { door, handlers, fromMainFrame } = open(window);
    const result = await door(fromMainFrame, 'app.info', {});
    expect(result).toEqual({ ok: true, value: { version: '1.2.3', shell: 'electron', dataDir: '/data' } });
    expect(handlers['app.info']).toHaveBeenCalledWith({});
  });

  it('refuses a call name the contract does not have', async () => {
    const { door, handlers, fromMainFrame } = open(appWindow());
    const result = await door(fromMainFrame, 'shell.openExternal', { url: 'https://example.com' });
    expect(result).toMatchObject({ ok: false, error: { code: 'unknown-call' } });
    for (const handler of Object.values(handlers)) expect(handler).not.toHaveBeenCalled();
  });

  it('refuses invalid input without reaching the handler or echoing the PIN', async () => {
    const { door, handlers, fromMainFrame } = open(appWindow());
    const result = await door(fromMainFrame, 'tokens.login', { tokenUri: 'https://not-a-token', pin: Buffer.from('123456') });
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    expect(JSON.stringify(result)).not.toContain('123456');
    const extra = await door(fromMainFrame, 'tokens.list', { also: 'this' });
    expect(extra).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    expect(handlers['tokens.login']).not.toHaveBeenCalled();
    expect(handlers['tokens.list']).not.toHaveBeenCalled();
  });

  it('refuses calls from a frame that is not the window’s main frame', async () => {
    const window = appWindow();
    const { door, handlers } = open(window);
    const subframe = new StandInFrame(window.webContents.mainFrame.url);
    const result = await door({ sender: window.webContents, senderFrame: subframe }, 'app.info', {});
    expect(result).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(handlers['app.info']).not.toHaveBeenCalled();
  });

  it('refuses calls from the main frame once it shows anything but the app page', async () => {
    const window = appWindow();
    const { door, handlers, fromMainFrame } = open(window);
    window.webContents.mainFrame.url = 'https://example.com/';
    expect(await door(fromMainFrame, 'app.info', {})).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    window.webContents.mainFrame.url = 'file:///tmp/other.html';
    expect(await door(fromMainFrame, 'app.info', {})).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(handlers['app.info']).not.toHaveBeenCalled();
  });

  it('refuses calls from another window, from a gone frame and to a closed window', async () => {
    const window = appWindow();
    const other = appWindow();
    const { door, handlers, fromMainFrame } = open(window);
    expect(await door({ sender: other.webContents, senderFrame: other.webContents.mainFrame }, 'app.info', {})).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    expect(await door({ sender: window.webContents, senderFrame: null }, 'app.info', {})).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    window.destroyed = true;
    expect(await door(fromMainFrame, 'app.info', {})).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(handlers['app.info']).not.toHaveBeenCalled();
  });

  it('closes its channel when asked', () => {
    const window = appWindow();
    const close = openApiDoor({ window: window as unknown as BrowserWindow, handlers: fakeHandlers() as unknown as ApiHandlers, isAppPage });
    close();
    expect(electron.ipcMain.removeHandler).toHaveBeenCalledWith(callChannel);
  });
});

describe('the event relay', () => {
  function relay(window: ReturnType<typeof appWindow>) {
    let sink: EventSink | undefined;
    const unsubscribe = vi.fn();
    const stop = relayEvents(
      (given) => {
        sink = given;
        return unsubscribe;
      },
      { window: window as unknown as BrowserWindow, isAppPage },
    );
    return { sink: sink as EventSink, unsubscribe, stop };
  }

  it('sends core events to the app window on the event channel', () => {
    const window = appWindow();
    const { sink } = relay(window);
    sink('tokens.changed', snapshot);
    expect(window.webContents.send).toHaveBeenCalledWith(eventChannel, 'tokens.changed', snapshot);
  });

  it('sends nothing while the window shows another page, or after it closed', () => {
    const window = appWindow();
    const { sink, unsubscribe } = relay(window);
    window.webContents.mainFrame.url = 'https://example.com/';
    sink('tokens.changed', snapshot);
    expect(window.webContents.send).not.toHaveBeenCalled();

    window.emit('closed');
    expect(unsubscribe).toHaveBeenCalledOnce();
    window.destroyed = true;
    sink('tokens.changed', snapshot);
    expect(window.webContents.send).not.toHaveBeenCalled();
  });
});

describe('the main process source', () => {
  it('imports ipcMain in ipc.ts only', () => {
    const folder = join(import.meta.dirname, '..', '..', 'electron', 'main');
    const importers = readdirSync(folder)
      .filter((file) => file.endsWith('.ts'))
      .filter((file) => /\bipcMain\b/.test(readFileSync(join(folder, file), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '')));
    expect(importers).toEqual(['ipc.ts']);
  });
});
