import { isAbsolute, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import type { Session, WebContents } from 'electron';
import { StandInWebContents, type ElectronStandIn } from './electron-stand-in';

vi.mock('electron', async () => (await import('./electron-stand-in')).createElectronStandIn());

const electron = (await import('electron')) as unknown as ElectronStandIn;
const { appPage, isAppPageUrl } = await import('../../electron/main/app-page');
const { windowContentSecurityPolicy, hardenSession, hardenWebContents, withContentSecurityPolicy } = await import('../../electron/main/security');
const { createAppWindow } = await import('../../electron/main/window');
const { applicationMenuTemplate } = await import('../../electron/main/menu');

const htmlPath = join('/opt', 'conclave', 'out', 'renderer', 'index.html');
const builtPage = appPage({ htmlPath, packaged: true });
const devPage = appPage({ htmlPath, devServerUrl: 'http://localhost:5173/', packaged: false });

function directives(policy: string): Map<string, string[]> {
  return new Map(
    policy.split(';').map((part) => {
      const [name = '', ...values] = part.trim().split(/\s+/);
      return [name, values] as const;
    }),
  );
}

describe('the app window', () => {
  it('is created sandboxed, isolated, without Node and with web security, using the bundled .cjs preload', () => {
    const preloadPath = join('/opt', 'conclave', 'out', 'preload', 'index.cjs');
    const window = createAppWindow({ preloadPath, developerTools: false }) as unknown as InstanceType<ElectronStandIn['BrowserWindow']>;

    expect(electron.BrowserWindow.created).toContain(window);
    const preferences = (window.options as ReturnType<typeof import('../../electron/main/window').appWindowOptions>).webPreferences;
    expect(preferences).toMatchObject({
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      devTools: false,
    });
    expect(isAbsolute(preferences?.preload ?? '')).toBe(true);
    expect(preferences?.preload).toMatch(/[\\/]preload[\\/]index\.cjs$/);
  });

  it('stays hidden until painted, then shows', () => {
    const window = createAppWindow({ preloadPath: '/p/index.cjs', developerTools: true }) as unknown as InstanceType<ElectronStandIn['BrowserWindow']>;
    expect(window.options.show).toBe(false);
    expect(window.show).not.toHaveBeenCalled();
    window.emit('ready-to-show');
    expect(window.show).toHaveBeenCalledOnce();
  });
});

describe('the page the window may show', () => {
  it('is the built index.html as a file URL once packaged, whatever ELECTRON_RENDERER_URL says', () => {
    const page = appPage({ htmlPath, devServerUrl: 'http://localhost:5173/', packaged: true });
    expect(page).toEqual({ kind: 'file', url: pathToFileURL(htmlPath).href });
  });

  it('recognises the app page with a fragment, and refuses other files and remote pages', () => {
    expect(isAppPageUrl(builtPage, `${builtPage.url}#/tokens`)).toBe(true);
    expect(isAppPageUrl(builtPage, pathToFileURL(join('/tmp', 'index.html')).href)).toBe(false);
    expect(isAppPageUrl(builtPage, 'https://example.com/index.html')).toBe(false);
    expect(isAppPageUrl(builtPage, 'not a url')).toBe(false);
  });

  it('accepts only a loopback dev server, and recognises it by origin', () => {
    expect(devPage.kind).toBe('dev-server');
    expect(isAppPageUrl(devPage, 'http://localhost:5173/index.html')).toBe(true);
    expect(isAppPageUrl(devPage, 'http://localhost:5174/')).toBe(false);
    expect(() => appPage({ htmlPath, devServerUrl: 'http://evil.example:5173/', packaged: false })).toThrow(/on this computer/);
  });
});

describe('the Content-Security-Policy', () => {
  it('allows only the app itself: no remote content, no inline or eval scripts', () => {
    const text = windowContentSecurityPolicy(builtPage);
    const policy = directives(text);
    expect(policy.get('default-src')).toEqual(["'self'"]);
    expect(policy.get('script-src')).toEqual(["'self'"]);
    expect(policy.get('style-src')).toEqual(["'self'"]);
    expect(policy.get('connect-src')).toEqual(["'self'"]);
    expect(policy.get('object-src')).toEqual(["'none'"]);
    expect(text).not.toMatch(/unsafe-|https?:|ws:|\*/);
  });

  it('while developing, adds the dev server socket only', () => {
    const policy = directives(windowContentSecurityPolicy(devPage));
    expect(policy.get('script-src')).toEqual(["'self'"]);
    expect(policy.get('style-src')).toEqual(["'self'"]);
    expect(policy.get('connect-src')).toEqual(["'self'", 'ws://localhost:5173']);
  });

  it('is set on every response of the session, replacing any policy the response brought', () => {
    const session = electron.session.defaultSession;
    hardenSession(session as unknown as Session, 'default-src test');
    const callback = vi.fn();
    session.headersListener?.({ responseHeaders: { 'content-security-policy': ['default-src *'], 'Content-Type': ['text/html'] } }, callback);
    expect(callback).toHaveBeenCalledWith({
      responseHeaders: { 'Content-Security-Policy': ['default-src test'], 'Content-Type': ['text/html'] },
    });
  });

  it('is set even when the response had no headers at all', () => {
    expect(withContentSecurityPolicy(undefined, 'default-src test')).toEqual({ 'Content-Security-Policy': ['default-src test'] });
  });
});

describe('permissions, navigation and new windows', () => {
  it('refuses every permission but clipboard writing, every device, and downloads other than its own blobs', () => {
    const session = electron.session.defaultSession;
    hardenSession(session as unknown as Session, "default-src 'self'");

    const request = session.setPermissionRequestHandler.mock.calls.at(-1)?.[0] as (c: unknown, p: string, cb: (granted: boolean) => void) => void;
    for (const permission of ['media', 'notifications', 'hid', 'usb', 'clipboard-read', 'openExternal']) {
      const answer = vi.fn();
      request({}, permission, answer);
      expect(answer).toHaveBeenCalledWith(false);
    }
    const clipboard = vi.fn();
    request({}, 'clipboard-sanitized-write', clipboard);
    expect(clipboard).toHaveBeenCalledWith(true);
    const check = session.setPermissionCheckHandler.mock.calls.at(-1)?.[0] as (...args: unknown[]) => boolean;
    expect(check({}, 'media', 'file://', {})).toBe(false);
    expect(check({}, 'clipboard-read', 'file://', {})).toBe(false);
    const device = session.setDevicePermissionHandler.mock.calls.at(-1)?.[0] as (...args: unknown[]) => boolean;
    expect(device({ deviceType: 'hid', origin: 'file://' })).toBe(false);

    const download = { preventDefault: vi.fn() };
    session.emit('will-download', download, { getURL: () => 'https://example.com/payload.exe' }, {});
    expect(download.preventDefault).toHaveBeenCalled();
    const ownBlob = { preventDefault: vi.fn() };
    session.emit('will-download', ownBlob, { getURL: () => 'blob:file:///0b1c-4d' }, {});
    expect(ownBlob.preventDefault).not.toHaveBeenCalled();
  });

  it('cancels navigation, redirects and webviews, and denies window.open', () => {
    const contents = new StandInWebContents();
    hardenWebContents(contents as unknown as WebContents);

    for (const name of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
      const event = { preventDefault: vi.fn() };
      contents.emit(name, event, 'https://example.com/');
      expect(event.preventDefault, name).toHaveBeenCalled();
    }
    expect(contents.windowOpenHandler?.({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
    expect(contents.windowOpenHandler?.({ url: builtPage.url })).toEqual({ action: 'deny' });
  });
});

describe('the application menu', () => {
  const roles = (template: ReturnType<typeof applicationMenuTemplate>) =>
    template.flatMap((menu) => (Array.isArray(menu.submenu) ? menu.submenu.map((item) => item.role) : []));

  it('has editing roles, so copy and paste work in fields', () => {
    expect(roles(applicationMenuTemplate({ platform: 'linux', appName: 'Conclave', developerTools: false }))).toEqual(
      expect.arrayContaining(['copy', 'paste', 'cut', 'selectAll', 'undo', 'quit']),
    );
  });

  it('offers developer tools only in development builds', () => {
    expect(roles(applicationMenuTemplate({ platform: 'darwin', appName: 'Conclave', developerTools: false }))).not.toContain('toggleDevTools');
    expect(roles(applicationMenuTemplate({ platform: 'darwin', appName: 'Conclave', developerTools: true }))).toContain('toggleDevTools');
  });
});
