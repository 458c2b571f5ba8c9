/**
 * The hardening every page and every web contents gets: a strict Content
 * Security Policy, no permissions, no devices, no downloads, no navigation
 * in any frame and no new windows. The window only ever shows Conclave's
 * own page.
 */
import type { Session, WebContents } from 'electron';
import { contentSecurityPolicy } from '../core/content-security-policy';
import { appPageOrigin, type AppPage } from './app-page';

/** The shared window policy; while developing, plus the socket Vite's hot reload uses. */
export function windowContentSecurityPolicy(page: AppPage): string {
  if (page.kind !== 'dev-server') return contentSecurityPolicy();
  return contentSecurityPolicy([new URL(page.url).origin.replace(/^http/, 'ws')]);
}

export type ResponseHeaders = Record<string, string[] | string>;

/** The response's headers with our policy in place of any the response brought. */
export function withContentSecurityPolicy(headers: ResponseHeaders | undefined, policy: string): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (name.toLowerCase() === 'content-security-policy') continue;
    result[name] = Array.isArray(value) ? value : [value];
  }
  result['Content-Security-Policy'] = [policy];
  return result;
}

/**
 * Session-wide: the page's policy on every response, and every permission, device and download refused.
 * app:// responses carry the policy themselves (./app-protocol.ts); this covers the dev server and anything else.
 */
export function hardenSession(session: Session, page: AppPage): void {
  const policy = windowContentSecurityPolicy(page);
  const ownBlobs = `blob:${appPageOrigin(page)}/`;
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: withContentSecurityPolicy(details.responseHeaders, policy) });
  });
  // Conclave's page needs no camera, notifications, USB, HID or anything else: tokens are reached by the core only.
  // Writing to the clipboard ("Copy public key") is the one exception; reading it is not.
  session.setPermissionRequestHandler((_contents, permission, callback) => callback(permission === 'clipboard-sanitized-write'));
  session.setPermissionCheckHandler((_contents, permission) => permission === 'clipboard-sanitized-write');
  session.setDevicePermissionHandler(() => false);
  // "Save public key" downloads a blob the page made itself (Electron asks where to save it); nothing else downloads.
  // A blob's URL names the origin of the page that made it: blob:app://conclave/<uuid> for the built page.
  session.on('will-download', (event, item) => {
    if (!(item?.getURL?.() ?? '').startsWith(ownBlobs)) event.preventDefault();
  });
}

/**
 * Per web contents: no navigation away from the page in any frame, no redirects, no webviews, no new windows.
 * will-navigate sees the main frame only; will-frame-navigate sees every frame, so an iframe the page was tricked
 * into making cannot be navigated anywhere either. Neither fires for the app's own loadURL or for in-page
 * (#fragment) navigation, which is how the page moves between screens.
 */
export function hardenWebContents(contents: WebContents): void {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-frame-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}
