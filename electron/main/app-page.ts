/**
 * Where the window's page comes from, and how to recognise it again: the IPC
 * door and the event relay serve this page and nothing else.
 *
 * The built page is served from app://conclave/ (./app-protocol.ts), not from
 * file:// (issue 12, point 7): a file:// page shares its origin with every
 * other file on the disk, its responses carry no headers (so no
 * Content-Security-Policy header and no frame-ancestors), and it needs the
 * file protocol's extra privileges, which the packaged app switches off with
 * the GrantFileProtocolExtraPrivileges fuse.
 */

export type AppPage =
  /** The built renderer (out/renderer), served as app://conclave/index.html. */
  | { kind: 'app'; url: string; rendererDir: string }
  /** electron-vite's dev server, while developing. */
  | { kind: 'dev-server'; url: string };

/** The app's own scheme and host: app://conclave/ is the built renderer folder and nothing else. */
export const appScheme = 'app';
export const appHost = 'conclave';
export const appOrigin = `${appScheme}://${appHost}`;
const appPagePath = '/index.html';

const loopbackHosts = new Set(['localhost', '127.0.0.1', '[::1]']);

export function appPage(options: { rendererDir: string; devServerUrl?: string | undefined; packaged: boolean }): AppPage {
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
  return { kind: 'app', url: `${appOrigin}${appPagePath}`, rendererDir: options.rendererDir };
}

/** The page's origin as Chromium writes it, e.g. in the blob: URLs the page makes. */
export function appPageOrigin(page: AppPage): string {
  return page.kind === 'app' ? appOrigin : new URL(page.url).origin;
}

/** Whether a frame's URL is the app's own page (any fragment or query; the same page, or the same dev-server origin). */
export function isAppPageUrl(page: AppPage, candidate: string): boolean {
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return false;
  }
  if (page.kind === 'app') {
    // Node's URL gives custom schemes an opaque origin ("null"): compare the parts instead.
    return url.protocol === `${appScheme}:` && url.username === '' && url.password === '' && url.host === appHost && url.pathname === appPagePath;
  }
  return url.origin === new URL(page.url).origin;
}
