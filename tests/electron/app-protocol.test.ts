/**
 * app://conclave/, the built page's own scheme (issue 12, point 7): what is
 * served, with which headers, and that nothing outside the renderer folder
 * is, however the path is written.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { ElectronStandIn } from './electron-stand-in';

vi.mock('electron', async () => (await import('./electron-stand-in')).createElectronStandIn());

const electron = (await import('electron')) as unknown as ElectronStandIn;
const { appFilePath, appSchemeResponse, appSchemePrivileges, registerAppScheme, serveAppScheme } = await import('../../electron/main/app-protocol');
const { contentSecurityPolicy } = await import('../../electron/core/content-security-policy');

// The folder holds the renderer; a secret sits beside it, where a traversal would land.
const base = mkdtempSync(join(tmpdir(), 'conclave-app-protocol-'));
const rendererDir = join(base, 'renderer');
mkdirSync(join(rendererDir, 'assets'), { recursive: true });
writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Conclave</title>');
writeFileSync(join(rendererDir, 'assets', 'index-B5PyiI1G.js'), 'export {};');
writeFileSync(join(rendererDir, 'assets', 'index-k-bp9jPr.css'), 'body {}');
writeFileSync(join(rendererDir, 'assets', 'data.bin'), 'raw');
writeFileSync(join(rendererDir, '.env'), 'SECRET=hidden-file');
const secret = 'SECRET=outside-the-renderer';
writeFileSync(join(base, 'secret.txt'), secret);
afterAll(() => rmSync(base, { recursive: true, force: true }));

const policy = contentSecurityPolicy();
const options = { rendererDir, policy };
const get = (url: string, method = 'GET') => appSchemeResponse({ url, method }, options);

describe('the app: scheme', () => {
  it('is privileged as a standard, secure scheme that may fetch, and never bypasses the page policy', () => {
    registerAppScheme();
    expect(electron.protocol.registerSchemesAsPrivileged).toHaveBeenCalledWith([{ scheme: 'app', privileges: appSchemePrivileges }]);
    expect(appSchemePrivileges).toEqual({ standard: true, secure: true, supportFetchAPI: true, corsEnabled: true });
    expect(appSchemePrivileges).not.toHaveProperty('bypassCSP');
    expect(appSchemePrivileges).not.toHaveProperty('allowServiceWorkers');
  });

  it('is answered by the handler serveAppScheme registers', async () => {
    serveAppScheme(options);
    const handler = electron.protocol.handlers.get('app');
    expect(handler).toBeDefined();
    const response = await handler!(new Request('app://conclave/index.html'));
    expect(response.status).toBe(200);
  });
});

describe('what app://conclave/ serves', () => {
  it('the page, at /index.html and at /, as HTML with the policy and the other headers', async () => {
    for (const url of ['app://conclave/index.html', 'app://conclave/', 'app://conclave/index.html?x=1#/tokens']) {
      const response = await get(url);
      expect(response.status, url).toBe(200);
      expect(await response.text()).toBe('<!doctype html><title>Conclave</title>');
      expect(Object.fromEntries(response.headers)).toEqual({
        'content-security-policy': policy,
        'content-type': 'text/html; charset=utf-8',
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'referrer-policy': 'no-referrer',
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-resource-policy': 'same-origin',
        'cache-control': 'no-store',
      });
    }
    expect(policy).toContain("frame-ancestors 'none'");
  });

  it('scripts and styles with their types, anything else as bytes (nosniff keeps those from running)', async () => {
    expect((await get('app://conclave/assets/index-B5PyiI1G.js')).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await get('app://conclave/assets/index-k-bp9jPr.css')).headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect((await get('app://conclave/assets/data.bin')).headers.get('content-type')).toBe('application/octet-stream');
  });

  it('HEAD without a body; any other method refused', async () => {
    const head = await get('app://conclave/index.html', 'HEAD');
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
      const response = await get('app://conclave/index.html', method);
      expect(response.status, method).toBe(405);
      expect(response.headers.get('allow')).toBe('GET, HEAD');
      expect(response.headers.get('content-security-policy')).toBe(policy);
    }
  });

  it('nothing outside the renderer folder, nor hidden files, folders, other hosts or malformed paths', async () => {
    const refused = [
      'app://conclave/../secret.txt',
      'app://conclave/..%2fsecret.txt',
      'app://conclave/..%2Fsecret.txt',
      'app://conclave/%2e%2e/secret.txt',
      'app://conclave/%2E%2E%2Fsecret.txt',
      'app://conclave/assets/..%2f..%2f..%2fsecret.txt',
      'app://conclave/assets/..%5c..%5csecret.txt',
      'app://conclave/%252e%252e%252fsecret.txt',
      'app://conclave/..%00/secret.txt',
      'app://conclave/%2fetc%2fpasswd',
      'app://conclave//etc/passwd',
      `app://conclave/${encodeURIComponent(join(base, 'secret.txt'))}`,
      'app://conclave/C:%5cWindows%5cwin.ini',
      'app://conclave/.env',
      'app://conclave/assets/.%2e/secret.txt',
      'app://conclave/assets',
      'app://conclave/assets/',
      'app://conclave/missing.js',
      'app://conclave/%E0%A4%A',
      'app://conclave/assets%2findex-B5PyiI1G.js',
      'app://other/index.html',
      'app://someone@conclave/index.html',
      'app://conclave:8080/index.html',
      'file:///etc/passwd',
      'https://conclave/index.html',
      'not a url',
    ];
    for (const url of refused) {
      const response = await get(url);
      expect(response.status, url).toBe(404);
      expect(response.headers.get('content-security-policy'), url).toBe(policy);
      expect(await response.text(), url).toBe('');
    }
  });

  it('never names a file outside the folder, whatever the path (property)', () => {
    const root = join(base, 'renderer') + sep;
    const segment = fc.oneof(
      fc.constantFrom('..', '.', '%2e%2e', '%2E.', '..%2f', '..%5c', '%2f', '%5c', '%00', 'assets', 'index.html', ''),
      fc.string({ maxLength: 8 }),
      fc.string({ maxLength: 8 }).map(encodeURIComponent),
    );
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 8 }), (segments) => {
        const file = appFilePath(rendererDir, `app://conclave/${segments.join('/')}`);
        return file === undefined || file.startsWith(root);
      }),
      { numRuns: 2000 },
    );
  });

});
