import { isAbsolute, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import type { BrowserWindowConstructorOptions, Session, WebContents } from 'electron';
import { StandInWebContents, type ElectronStandIn } from './electron-stand-in';

vi.mock('electron', async () => (await import('./electron-stand-in')).createElectronStandIn());

const electron = (await import('electron')) as unknown as ElectronStandIn;
const { appPage, isAppPageUrl } = await import('../../electron/main/app-page');
const { windowContentSecurityPolicy, hardenSession, hardenWebContents, withContentSecurityPolicy } = await import('../../electron/main/security');
const { createAppWindow } = await import('../../electron/main/window');
const { applicationMenuTemplate } = await import('../../electron/main/menu');

const rendererDir = join('/opt', 'conclave', 'out', 'renderer');
const builtPage = appPage({ rendererDir, packaged: true });
const devPage = appPage({ rendererDir, devServerUrl: 'http://localhost:5173/', packaged: false });

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
    const preferences = (window.options as BrowserWindowConstructorOptions).webPreferences;
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
  it('is the built index.html on the app\'s own scheme once packaged, never a file URL, whatever ELECTRON_RENDERER_URL says', () => {
    const page = appPage({ rendererDir, devServerUrl: 'http://localhost:5173/', packaged: true });
    expect(page).toEqual({ kind: 'app', url: 'app://conclave/index.html', rendererDir });
    // Unpackaged without a dev server (npm start): the same page on the same scheme.
    expect(appPage({ rendererDir, packaged: false })).toEqual(page);
  });

  it('recognises the app page with a fragment or query, and refuses other files, hosts, schemes and remote pages', () => {
    expect(isAppPageUrl(builtPage, `${builtPage.url}#/tokens`)).toBe(true);
    expect(isAppPageUrl(builtPage, 'app://conclave/index.html?x=1#/history')).toBe(true);
    for (const other of [
      'app://conclave/',
      'app://conclave/assets/index.js',
      'app://evil/index.html',
      'app://someone@conclave/index.html',
      'app://conclave:8080/index.html',
      pathToFileURL(join(rendererDir, 'index.html')).href,
      pathToFileURL(join('/tmp', 'index.html')).href,
      'https://conclave/index.html',
      'https://example.com/index.html',
      'not a url',
    ]) {
      expect(isAppPageUrl(builtPage, other), other).toBe(false);
    }
  });

  it('accepts only a loopback dev server, and recognises it by origin', () => {
    expect(devPage.kind).toBe('dev-server');
    expect(isAppPageUrl(devPage, 'http://localhost:5173/index.html')).toBe(true);
    expect(isAppPageUrl(devPage, 'http://localhost:5174/')).toBe(false);
    expect(() => appPage({ rendererDir, devServerUrl: 'http://evil.example:5173/', packaged: false })).toThrow(/on this computer/);
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

  it('forbids framing the page anywhere (a header-only directive: a <meta> policy cannot carry it)', () => {
    expect(directives(windowContentSecurityPolicy(builtPage)).get('frame-ancestors')).toEqual(["'none'"]);
    expect(directives(windowContentSecurityPolicy(devPage)).get('frame-ancestors')).toEqual(["'none'"]);
  });

  it('while developing, adds the dev server socket only', () => {
    const policy = directives(windowContentSecurityPolicy(devPage));
    expect(policy.get('script-src')).toEqual(["'self'"]);
    expect(policy.get('style-src')).toEqual(["'self'"]);
    expect(policy.get('connect-src')).toEqual(["'self'", 'ws://localhost:5173']);
  });

  it('is set on every response of the session, replacing any policy the response brought', () => {
    const session = electron.session.defaultSession;
    for (const page of [builtPage, devPage]) {
      hardenSession(session as unknown as Session, page);
      const callback = vi.fn();
      session.headersListener?.({ responseHeaders: { 'content-security-policy': ['default-src *'], 'Content-Type': ['text/html'] } }, callback);
      expect(callback).toHaveBeenCalledWith({
        responseHeaders: { 'Content-Security-Policy': [windowContentSecurityPolicy(page)], 'Content-Type': ['text/html'] },
      });
    }
  });

  it('is set even when the response had no headers at all', () => {
    expect(withContentSecurityPolicy(undefined, 'default-src test')).toEqual({ 'Content-Security-Policy': ['default-src test'] });
  });
});

describe('permissions, navigation and new windows', () => {
  it('refuses every permission but clipboard writing, every device, and downloads other than its own blobs', () => {
    const session = electron.session.defaultSession;
    hardenSession(session as unknown as Session, builtPage);

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
    expect(check({}, 'media', 'app://conclave', {})).toBe(false);
    expect(check({}, 'clipboard-read', 'app://conclave', {})).toBe(false);
    const device = session.setDevicePermissionHandler.mock.calls.at(-1)?.[0] as (...args: unknown[]) => boolean;
    expect(device({ deviceType: 'hid', origin: 'app://conclave' })).toBe(false);
  });

  it('downloads only blobs the app page made itself, by their origin', () => {
    const session = electron.session.defaultSession;
    const downloads = (url: string) => {
      const event = { preventDefault: vi.fn() };
      session.emit('will-download', event, { getURL: () => url }, {});
      return !event.preventDefault.mock.calls.length;
    };

    // The stand-in session is shared by this file's tests: only this test's listener decides here.
    session.removeAllListeners('will-download');
    hardenSession(session as unknown as Session, builtPage);
    expect(downloads('blob:app://conclave/0b1c-4d')).toBe(true);
    for (const url of [
      'https://example.com/payload.exe',
      // The origins of the page before it moved to app://, and of any other file on the disk.
      'blob:file:///0b1c-4d',
      'blob:null/0b1c-4d',
      'blob:app://conclave.evil/0b1c-4d',
      'blob:app://evil/0b1c-4d',
      'blob:https://example.com/0b1c-4d',
      'app://conclave/index.html',
      'file:///etc/passwd',
      '',
    ]) {
      expect(downloads(url), url).toBe(false);
    }

    session.removeAllListeners('will-download');
    hardenSession(session as unknown as Session, devPage);
    expect(downloads('blob:http://localhost:5173/0b1c-4d')).toBe(true);
    expect(downloads('blob:app://conclave/0b1c-4d')).toBe(false);
    expect(downloads('blob:http://localhost:5174/0b1c-4d')).toBe(false);
    session.removeAllListeners('will-download');
  });

  it('cancels navigation in any frame, redirects and webviews, and denies window.open', () => {
    const contents = new StandInWebContents();
    hardenWebContents(contents as unknown as WebContents);

    for (const name of ['will-navigate', 'will-frame-navigate', 'will-redirect', 'will-attach-webview']) {
      const event = { preventDefault: vi.fn() };
      contents.emit(name, event, 'https://example.com/');
      expect(event.preventDefault, name).toHaveBeenCalled();
    }
    // will-frame-navigate covers the frames will-navigate does not see: an iframe heading anywhere, the app's own page included.
    for (const details of [
      { url: 'https://example.com/', isMainFrame: false },
      { url: 'app://conclave/index.html', isMainFrame: false },
      { url: 'file:///etc/passwd', isMainFrame: true },
    ]) {
      const event = { ...details, preventDefault: vi.fn() };
      contents.emit('will-frame-navigate', event);
      expect(event.preventDefault, details.url).toHaveBeenCalled();
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
