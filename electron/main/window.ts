/**
 * The app's one window, with the renderer locked down: sandboxed, isolated
 * from the preload, no Node, web security on. Everything the page may do
 * goes through the preload's `window.conclave`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BrowserWindow } from 'electron';
import type { AppPage } from './app-page';

export function createAppWindow(options: { preloadPath: string; developerTools: boolean }): BrowserWindow {
  // The options are written out here, in the constructor call, rather than built elsewhere: Electronegativity
  // (tests/electron/electronegativity.test.ts) reads them from this call and checks each one.
  const window = new BrowserWindow({
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
  });
  window.once('ready-to-show', () => window.show());
  return window;
}

/** Loads the page; called once the IPC door is open, so the page's first call finds it. */
export async function loadAppPage(window: BrowserWindow, page: AppPage): Promise<void> {
  // app:// answers a missing file with a 404 page, which loadURL does not count as a failure: look first.
  if (page.kind === 'app' && !existsSync(join(page.rendererDir, 'index.html'))) {
    throw new Error(`Conclave could not find its window page in ${page.rendererDir}. Build it with "npm run build" and start again.`);
  }
  try {
    await window.loadURL(page.url);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      page.kind === 'app'
        ? `Conclave could not open its window page (${reason}). Build it with "npm run build" and start again.`
        : `Conclave could not reach the renderer dev server at ${page.url} (${reason}). Start it with "npm run dev".`,
      { cause: error },
    );
  }
}
