/**
 * The Electron app's life: one instance, one hardened window, one core. The
 * core does the work; this file wires it to the window and shuts it down
 * (logging out of tokens, ending token hosts) before the app quits.
 */
import { app, dialog, Menu, session, type BrowserWindow } from 'electron';
import type { Core, CoreOptions } from '../core/index';
import { appDataDir } from '../core/app-paths';
import { appPage, isAppPageUrl } from './app-page';
import { registerAppScheme, serveAppScheme } from './app-protocol';
import { openApiDoor, relayEvents } from './ipc';
import { applicationMenuTemplate } from './menu';
import { hardenSession, hardenWebContents, windowContentSecurityPolicy } from './security';
import { utilityHostLauncher } from './utility-host-launcher';
import { nativeFilePicker, nativeModulePicker, revealInFileManager } from './file-dialog';
import { createAppWindow, loadAppPage } from './window';

export interface AppFiles {
  /** The bundled, sandboxed preload (out/preload/index.cjs). */
  preloadPath: string;
  /** The built renderer folder (out/renderer), served as app://conclave/; the dev server replaces it while developing. */
  rendererDir: string;
}

/** How long quitting waits for the core to log out of tokens and stop its hosts. */
const disposeTimeoutMs = 5000;

export async function runConclave(files: AppFiles): Promise<void> {
  // A second Conclave would start its own token hosts against the same tokens; the first one comes forward instead.
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  // Every renderer sandboxed, whatever a window's options say.
  app.enableSandbox();
  // Before ready, as Electron requires: the built page's own scheme, app://conclave/, instead of file://.
  registerAppScheme();

  const developerTools = !app.isPackaged;
  const page = appPage({ rendererDir: files.rendererDir, devServerUrl: process.env.ELECTRON_RENDERER_URL, packaged: app.isPackaged });
  const isAppPage = (url: string) => isAppPageUrl(page, url);

  // Applied to every web contents as it is created, before it loads anything.
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));
  // Closing the window ends the session on every platform: token hosts stop and tokens are logged out.
  app.on('window-all-closed', () => app.quit());

  await app.whenReady();
  hardenSession(session.defaultSession, page);
  if (page.kind === 'app') serveAppScheme({ rendererDir: page.rendererDir, policy: windowContentSecurityPolicy(page) });
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(applicationMenuTemplate({ platform: process.platform, appName: app.getName(), developerTools })),
  );

  // Set once the window exists: the module dialog (issue 12) opens over it.
  const opened: { window?: BrowserWindow } = {};
  // The window's page loads while the core does, as in the browser shell: loading the core's modules and starting it
  // takes a good part of a second, which the page used to wait for. A call the page makes meanwhile waits for the core.
  const core = startCore({
    dataDir: appDataDir(),
    shell: 'electron',
    version: app.getVersion(),
    hostLauncher: utilityHostLauncher,
    // A PKCS#11 module is added only as the person picks it in the system's file dialog, never by a path from the page.
    chooseModuleFile: nativeModulePicker(() => (opened.window && !opened.window.isDestroyed() ? opened.window : undefined)),
  });
  disposeBeforeQuit(core);

  const window = createAppWindow({ preloadPath: files.preloadPath, developerTools });
  opened.window = window;
  app.on('second-instance', () => bringForward(window));
  const target = { window, isAppPage };
  // The one call the desktop answers differently: a native file dialog instead of the browser shell's folder listing.
  const handlers = core.then((started) => ({ ...started.handlers, 'files.pick': nativeFilePicker(() => (window.isDestroyed() ? undefined : window)), 'files.reveal': revealInFileManager }));
  // Its failure is the core's, reported once below; a call waiting on it is answered with that failure.
  handlers.catch(() => undefined);
  const closeDoor = openApiDoor({ ...target, handlers });
  window.once('closed', closeDoor);
  const relayed = core.then((started) => void relayEvents((sink) => started.subscribe(sink), target));
  // Only now: the page's first call must find the door open. A core that cannot start ends the app (reportStartFailure).
  await Promise.all([loadAppPage(window, page), relayed]);
}

/** The core, its modules loaded only now (the window is opened meanwhile). */
async function startCore(options: Omit<CoreOptions, 'modules'>): Promise<Core> {
  const { createCore, modulesFromEnvironment } = await import('../core/create-core');
  // CONCLAVE_PKCS11_MODULES, as in the CLI and the browser shell: end-to-end tests point the app at their own SoftHSM2.
  return createCore({ ...options, modules: modulesFromEnvironment() });
}

function bringForward(window: BrowserWindow): void {
  if (window.isDestroyed()) return;
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
}

function disposeBeforeQuit(core: Promise<Pick<Core, 'dispose'>>): void {
  let state: 'running' | 'disposing' | 'disposed' = 'running';
  app.on('will-quit', (event) => {
    if (state === 'disposed') return;
    event.preventDefault();
    if (state === 'disposing') return;
    state = 'disposing';
    // A core that never started has nothing to shut down (its failure is reported where it was started).
    const disposed = core.then((started) => started.dispose(), () => undefined).catch((error: unknown) => {
      console.error('Conclave could not shut its token hosts down cleanly:', error instanceof Error ? error.message : error);
    });
    // A host stuck in a vendor module must not keep the app from quitting.
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, disposeTimeoutMs).unref());
    void Promise.race([disposed, timeout]).then(() => {
      state = 'disposed';
      app.quit();
    });
  });
}

/** Tells the person why Conclave did not start, then ends the app. */
export function reportStartFailure(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`Conclave could not start: ${message}`);
  dialog.showErrorBox('Conclave could not start', message);
  app.exit(1);
}
