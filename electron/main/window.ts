/**
 * The app's one window, with the renderer locked down: sandboxed, isolated
 * from the preload, no Node, web security on. Everything the page may do
 * goes through the preload's `window.conclave`.
 */
import { BrowserWindow, type BrowserWindowConstructorOptions } from 'electron';
import type { AppPage } from './app-page';

export function appWindowOptions(options: { preloadPath: string; developerTools: boolean }): BrowserWindowConstructorOptions {
  return {
    title: 'Conclave',
    width: 1120,
    height: 780,
    minWidth: 720,
    minHeight: 520,
    // Shown once painted, so the window never flashes empty.
    show: false,
    webPreferences: {
      preload: options.preloadPath,
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      // The spellchecker may fetch dictionaries from the network, and PINs and labels need none.
      spellcheck: false,
      devTools: options.developerTools,
    },
  };
}

export function createAppWindow(options: { preloadPath: string; developerTools: boolean }): BrowserWindow {
  const window = new BrowserWindow(appWindowOptions(options));
  window.once('ready-to-show', () => window.show());
  return window;
}

/** Loads the page; called once the IPC door is open, so the page's first call finds it. */
export async function loadAppPage(window: BrowserWindow, page: AppPage): Promise<void> {
  try {
    await window.loadURL(page.url);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      page.kind === 'file'
        ? `Conclave could not open its window page (${reason}). Build it with "npm run build" and start again.`
        : `Conclave could not reach the renderer dev server at ${page.url} (${reason}). Start it with "npm run dev".`,
      { cause: error },
    );
  }
}
