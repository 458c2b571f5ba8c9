/**
 * app://conclave/: the built renderer folder (out/renderer) as a privileged
 * scheme of the app's own (issue 12, point 7). Unlike file://, every
 * response carries headers: the window's Content-Security-Policy (with
 * frame-ancestors 'none', which a <meta> policy cannot set), nosniff and no
 * caching; the page has an origin of its own instead of sharing file://
 * with the whole disk; and only files inside the renderer folder are served.
 */
import { readFile, stat } from 'node:fs/promises';
import { protocol, type Privileges } from 'electron';
import { contentTypeOf, pageHeaders, rendererFile } from '../core/renderer-files';
import { appHost, appScheme } from './app-page';

/**
 * standard: an origin (app://conclave) and relative URLs as on the web; secure: a secure context, as https: is;
 * supportFetchAPI and corsEnabled: Vite's <script type="module" crossorigin> is fetched in CORS mode (VS Code
 * registers its vscode-file: scheme the same way). No bypassCSP: the page obeys its policy like any web page.
 */
export const appSchemePrivileges = {
  standard: true,
  secure: true,
  supportFetchAPI: true,
  corsEnabled: true,
} as const satisfies Privileges;

/** Must run before the app is ready: Chromium reads the list of privileged schemes once, as it starts. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: appScheme, privileges: appSchemePrivileges }]);
}

/** Answers app:// requests from the renderer folder; call once the app is ready. */
export function serveAppScheme(options: AppSchemeOptions): void {
  protocol.handle(appScheme, (request) => appSchemeResponse(request, options));
}

export interface AppSchemeOptions {
  /** The built renderer folder (out/renderer); inside app.asar once packaged, which Electron's fs reads. */
  rendererDir: string;
  /** The window's Content-Security-Policy, sent with every response. */
  policy: string;
}

/** The headers of every app:// response, found or not. */
export const appSchemeHeaders = pageHeaders;

export async function appSchemeResponse(request: Pick<Request, 'url' | 'method'>, options: AppSchemeOptions): Promise<Response> {
  const headers = appSchemeHeaders(options.policy);
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return new Response(null, { status: 405, headers: { ...headers, Allow: 'GET, HEAD' } });
  }
  const file = appFilePath(options.rendererDir, request.url);
  const notFound = () => new Response(null, { status: 404, headers });
  if (file === undefined) return notFound();
  try {
    if (!(await stat(file)).isFile()) return notFound();
    const body = request.method === 'HEAD' ? null : new Uint8Array(await readFile(file));
    return new Response(body, { status: 200, headers: { ...headers, 'Content-Type': contentTypeOf(file) } });
  } catch {
    return notFound();
  }
}

/** The file inside rendererDir an app://conclave/ URL names, or undefined: another host, a user name, or a path that names none. */
export function appFilePath(rendererDir: string, target: string): string | undefined {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return undefined;
  }
  if (url.protocol !== `${appScheme}:` || url.host !== appHost || url.username !== '' || url.password !== '') return undefined;
  return rendererFile(rendererDir, url.pathname);
}
