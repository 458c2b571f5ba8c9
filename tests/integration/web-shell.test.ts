import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startWebShell, type WebShell } from '../../electron/web/server';
import type { ApiHandlers, EventSink } from '../../electron/core/api/handlers';
import { secretProtocolPrefix, webProtocol } from '../../shared/web/protocol';

const snapshot = { modules: [], demo: { available: true, created: false } };
let shell: WebShell;
let rendererDir: string;
let sink: EventSink | undefined;
const received: { name: string; input: unknown }[] = [];

const handlers = new Proxy({} as ApiHandlers, {
  get: (_target, name: string) => async (input: unknown) => {
    received.push({ name, input });
    return name === 'tokens.list' ? snapshot : { version: '1', shell: 'browser', dataDir: '/x' };
  },
});

beforeEach(async () => {
  received.length = 0;
  rendererDir = mkdtempSync(join(tmpdir(), 'conclave-renderer-'));
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Conclave</title>');
  shell = await startWebShell({
    core: {
      handlers,
      subscribe: (next) => {
        sink = next;
        return () => (sink = undefined);
      },
    },
    rendererDir,
  });
});

afterEach(async () => {
  await shell.close();
  rmSync(rendererDir, { recursive: true, force: true });
});

function get(path: string, host = `127.0.0.1:${shell.port}`): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: shell.port, path, headers: { host } }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const secret = () => new URL(shell.url).hash.replace('#secret=', '');

function connect(options: { origin?: string; secret?: string | undefined; host?: string } = {}): Promise<WebSocket> {
  const protocols = [webProtocol, ...(options.secret === undefined ? [] : [`${secretProtocolPrefix}${options.secret}`])];
  const ws = new WebSocket(`ws://127.0.0.1:${shell.port}/api`, protocols, {
    origin: options.origin ?? shell.origin,
    headers: options.host ? { host: options.host } : {},
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

function call(ws: WebSocket, id: number, name: string, input: unknown): Promise<{ ok: boolean; value?: unknown; error?: { code: string } }> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const message = JSON.parse(data.toString());
      if (message.type === 'result' && message.id === id) {
        ws.off('message', onMessage);
        resolve(message.result);
      }
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ type: 'call', id, name, input }));
  });
}

describe('browser shell', () => {
  it('listens on loopback only and puts the secret in the fragment, not the path', () => {
    expect(shell.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(new URL(shell.url).pathname).toBe('/');
    expect(secret()).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('serves the window with a strict Content-Security-Policy, and nothing outside it', async () => {
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect((await get('/../../etc/passwd')).status).toBe(404);
    expect((await get('/%2e%2e/%2e%2e/etc/passwd')).status).toBe(404);
    expect((await get('/missing.js')).status).toBe(404);
  });

  it('refuses requests addressed to another host name (DNS rebinding)', async () => {
    expect((await get('/', `evil.example:${shell.port}`)).status).toBe(421);
    await expect(connect({ secret: secret(), host: `evil.example:${shell.port}` })).rejects.toThrow('421');
  });

  it('refuses a connection without the secret, with a wrong one, or from another origin', async () => {
    await expect(connect({ secret: undefined })).rejects.toThrow('401');
    await expect(connect({ secret: 'A'.repeat(43) })).rejects.toThrow('401');
    await expect(connect({ secret: secret(), origin: 'http://evil.example' })).rejects.toThrow('403');
    await expect(connect({ secret: secret(), origin: `http://127.0.0.1:${shell.port + 1}` })).rejects.toThrow('403');
    expect(received).toEqual([]);
  });

  it('validates every call against the contract before a handler sees it', async () => {
    const ws = await connect({ secret: secret() });
    expect(await call(ws, 1, 'tokens.list', {})).toEqual({ ok: true, value: snapshot });
    expect((await call(ws, 2, 'shell.exec', { command: 'id' })).error?.code).toBe('unknown-call');
    expect((await call(ws, 3, 'keys.list', { tokenUri: 7 })).error?.code).toBe('invalid-input');
    expect((await call(ws, 4, 'tokens.login', { tokenUri: 'pkcs11:token=a' })).error?.code).toBe('invalid-input');
    expect(received.map((entry) => entry.name)).toEqual(['tokens.list']);
    ws.close();
  });

  it('closes a connection that sends something other than a call', async () => {
    const ws = await connect({ secret: secret() });
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send('{"type":"shell"}');
    expect(await closed).toBe(1008);
  });

  it('pushes core events to the window', async () => {
    const ws = await connect({ secret: secret() });
    const event = new Promise<unknown>((resolve) => ws.once('message', (data) => resolve(JSON.parse(data.toString()))));
    sink!('tokens.changed', snapshot);
    expect(await event).toEqual({ type: 'event', name: 'tokens.changed', payload: snapshot });
    ws.close();
  });
});
