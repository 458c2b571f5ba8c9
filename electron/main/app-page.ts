/**
 * Where the window's page comes from, and how to recognise it again: the IPC
 * door and the event relay serve this page and nothing else.
 */
import { pathToFileURL } from 'node:url';

export type AppPage =
  /** The built renderer, out/renderer/index.html. */
  | { kind: 'file'; url: string }
  /** electron-vite's dev server, while developing. */
  | { kind: 'dev-server'; url: string };

const loopbackHosts = new Set(['localhost', '127.0.0.1', '[::1]']);

export function appPage(options: { htmlPath: string; devServerUrl?: string | undefined; packaged: boolean }): AppPage {
  // A packaged app never takes its page from the environment: that would let anyone who can set a variable swap the UI.
  if (options.devServerUrl && !options.packaged) {
    let url: URL;
    try {
      url = new URL(options.devServerUrl);
    } catch {
      throw new Error(`ELECTRON_RENDERER_URL is not a URL ("${options.devServerUrl}"); unset it or start Conclave with "npm run dev".`);
    }
    if (url.protocol !== 'http:' || !loopbackHosts.has(url.hostname)) {
      throw new Error(
        `The renderer dev server must run on this computer (http://localhost:…), but ELECTRON_RENDERER_URL is "${options.devServerUrl}".`,
      );
    }
    return { kind: 'dev-server', url: url.href };
  }
  return { kind: 'file', url: pathToFileURL(options.htmlPath).href };
}

/** Whether a frame's URL is the app's own page (any fragment or query; same file, or same dev-server origin). */
export function isAppPageUrl(page: AppPage, candidate: string): boolean {
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return false;
  }
  const expected = new URL(page.url);
  if (page.kind === 'file') {
    return url.protocol === 'file:' && url.host === expected.host && url.pathname === expected.pathname;
  }
  return url.origin === expected.origin;
}
