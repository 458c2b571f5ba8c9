/**
 * A stand-in for the parts of the `electron` module the main process and the
 * preload use, recording what they were asked to do. Each test file installs
 * it with vi.mock('electron', ...); vi.resetModules() gives a fresh one.
 */
import { EventEmitter } from 'node:events';
import { vi } from 'vitest';

export class StandInFrame {
  constructor(public url: string) {}
}

export class StandInWebContents extends EventEmitter {
  mainFrame = new StandInFrame('about:blank');
  windowOpenHandler: ((details: { url: string }) => { action: string }) | undefined;
  setWindowOpenHandler = vi.fn((handler: (details: { url: string }) => { action: string }) => {
    this.windowOpenHandler = handler;
  });
  send = vi.fn();
  getURL = () => this.mainFrame.url;
}

export function createElectronStandIn() {
  const app = Object.assign(new EventEmitter(), {
    isPackaged: false,
    requestSingleInstanceLock: vi.fn(() => true),
    enableSandbox: vi.fn(),
    whenReady: vi.fn(async () => undefined),
    quit: vi.fn(),
    exit: vi.fn(),
    getVersion: vi.fn(() => '9.8.7'),
    getName: vi.fn(() => 'Conclave'),
  });

  class BrowserWindow extends EventEmitter {
    static created: BrowserWindow[] = [];
    readonly webContents = new StandInWebContents();
    destroyed = false;
    loadURL = vi.fn(async (url: string) => {
      this.webContents.mainFrame.url = url;
    });
    isDestroyed = () => this.destroyed;
    isMinimized = vi.fn(() => true);
    restore = vi.fn();
    show = vi.fn();
    focus = vi.fn();
    constructor(readonly options: Record<string, unknown>) {
      super();
      BrowserWindow.created.push(this);
      // As in Electron: the app hears of the new web contents before anything loads in it.
      app.emit('web-contents-created', {}, this.webContents);
    }
  }

  class StandInSession extends EventEmitter {
    headersListener: ((details: { responseHeaders?: Record<string, string[]> }, callback: (response: unknown) => void) => void) | undefined;
    webRequest = {
      onHeadersReceived: vi.fn((listener: NonNullable<StandInSession['headersListener']>) => {
        this.headersListener = listener;
      }),
    };
    setPermissionRequestHandler = vi.fn();
    setPermissionCheckHandler = vi.fn();
    setDevicePermissionHandler = vi.fn();
  }

  // As in Electron: schemes are made privileged before the app is ready, and handled after.
  const protocol = {
    handlers: new Map<string, (request: Request) => Response | Promise<Response>>(),
    registerSchemesAsPrivileged: vi.fn((_schemes: { scheme: string; privileges?: Record<string, boolean> }[]) => undefined),
    handle: vi.fn((scheme: string, handler: (request: Request) => Response | Promise<Response>) => {
      protocol.handlers.set(scheme, handler);
    }),
  };

  class UtilityProcess extends EventEmitter {
    postMessage = vi.fn();
    kill = vi.fn(() => true);
  }

  return {
    app,
    BrowserWindow,
    session: { defaultSession: new StandInSession() },
    protocol,
    ipcMain: { handle: vi.fn(), handleOnce: vi.fn(), removeHandler: vi.fn(), on: vi.fn(), once: vi.fn() },
    Menu: {
      buildFromTemplate: vi.fn((template: unknown[]) => ({ template })),
      setApplicationMenu: vi.fn(),
    },
    dialog: { showErrorBox: vi.fn(), showOpenDialog: vi.fn(async (..._args: unknown[]) => ({ canceled: false, filePaths: ['/home/rm/dist/app.tgz'] })) },
    utilityProcess: { fork: vi.fn((..._args: unknown[]) => new UtilityProcess()) },
    UtilityProcess,
    contextBridge: { exposeInMainWorld: vi.fn() },
    shell: { showItemInFolder: vi.fn() },
    webUtils: { getPathForFile: vi.fn((_file: unknown) => '/home/rm/dist/app.tgz') },
    ipcRenderer: { invoke: vi.fn(), on: vi.fn(), removeListener: vi.fn(), send: vi.fn() },
  };
}

export type ElectronStandIn = ReturnType<typeof createElectronStandIn>;
