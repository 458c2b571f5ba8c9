import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startWebShell, type WebShell } from '../../electron/web/server';
import type { ApiHandlers, EventSink } from '../../electron/core/api/handlers';
import { callFrame, sessionCookie } from '../../shared/web/protocol';
import { call, connect as connectTo, get as getFrom, launch as launchInto } from '../support/web-shell-client';

const snapshot = { modules: [], demo: { available: true, created: false } };
let shell: WebShell;
let rendererDir: string;
let sink: EventSink | undefined;
const received: { name: string; input: unknown }[] = [];
/** Each call's input as the handler got it, copied while it ran (a PIN's bytes are overwritten once the call ends). */
const duringCall: unknown[] = [];

const handlers = new Proxy({} as ApiHandlers, {
  get: (_target, name: string) => async (input: unknown) => {
    received.push({ name, input });
    duringCall.push(structuredClone(input));
    return name === 'tokens.list' ? snapshot : { version: '1', shell: 'browser', dataDir: '/x' };
  },
});

beforeEach(async () => {
  received.length = 0;
  duringCall.length = 0;
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

const get = (path: string, host?: string, cookie?: string) => getFrom(shell, path, host, cookie);
const launch = () => launchInto(shell);
const connect = (options: Parameters<typeof connectTo>[1] = {}) => connectTo(shell, options);

describe('browser shell', () => {
  it('listens on loopback only; its address carries no secret, and a launch address lets one browser in, once', async () => {
    expect(shell.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(shell.url).toBe(`${shell.origin}/`);
    const address = new URL(shell.launchAddress());
    expect(address.pathname).toBe('/launch');
    const first = await get(`${address.pathname}${address.search}`);
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/');
    const cookie = String((first.headers['set-cookie'] as string[])[0]);
    expect(cookie).toMatch(new RegExp(`^${sessionCookie}=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=/$`));
    // Whoever sees the address afterwards (another local user, a log) gets nothing.
    expect((await get(`${address.pathname}${address.search}`)).status).toBe(403);
    expect((await get('/launch?once=guess')).status).toBe(403);
    // The browser that holds the session may open it again (a bookmark, a second tab).
    expect((await get(`${address.pathname}${address.search}`, undefined, cookie.split(';')[0])).status).toBe(303);
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
    await expect(connect({ cookie: await launch(), host: `evil.example:${shell.port}` })).rejects.toThrow('421');
  });

  it('refuses a connection without the session, with a wrong one, or from another origin', async () => {
    await expect(connect({})).rejects.toThrow('401');
    await expect(connect({ cookie: `${sessionCookie}=${'A'.repeat(43)}` })).rejects.toThrow('401');
    const cookie = await launch();
    await expect(connect({ cookie, origin: 'http://evil.example' })).rejects.toThrow('403');
    await expect(connect({ cookie, origin: `http://127.0.0.1:${shell.port + 1}` })).rejects.toThrow('403');
    expect(received).toEqual([]);
  });

  it('validates every call against the contract before a handler sees it', async () => {
    const ws = await connect({ cookie: await launch() });
    expect(await call(ws, 1, 'tokens.list', {})).toEqual({ ok: true, value: snapshot });
    expect((await call(ws, 2, 'shell.exec', { command: 'id' })).error?.code).toBe('unknown-call');
    expect((await call(ws, 3, 'keys.list', { tokenUri: 7 })).error?.code).toBe('invalid-input');
    expect((await call(ws, 4, 'tokens.login', { tokenUri: 'pkcs11:token=a' })).error?.code).toBe('invalid-input');
    expect(received.map((entry) => entry.name)).toEqual(['tokens.list']);
    ws.close();
  });

  it('closes a connection that sends something other than a call', async () => {
    const ws = await connect({ cookie: await launch() });
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send('{"type":"shell"}');
    expect(await closed).toBe(1008);
  });

  it('takes a call with a PIN as one binary frame (issue 12): the handler gets the bytes, which are overwritten when the call ends', async () => {
    const ws = await connect({ cookie: await launch() });
    const pin = new TextEncoder().encode('2468-pin');
    const frame = callFrame({ type: 'call', id: 7, name: 'tokens.login', input: { tokenUri: 'pkcs11:token=alice', pin } });
    expect(frame).toBeInstanceOf(Uint8Array);
    // No text of the frame spells the PIN: the JSON names where its bytes are.
    expect(Buffer.from(frame as Uint8Array).toString('latin1')).toContain('{"$bytes":[0,8]}');
    const answered = new Promise<unknown>((resolve) => ws.once('message', (data) => resolve(JSON.parse(data.toString()))));
    ws.send(frame);
    expect(await answered).toMatchObject({ type: 'result', id: 7, result: { ok: true } });
    expect(duringCall).toEqual([{ tokenUri: 'pkcs11:token=alice', pin: new Uint8Array(Buffer.from('2468-pin')) }]);
    const { pin: held } = received[0]!.input as { pin: Uint8Array };
    expect(held).toEqual(Buffer.alloc(8));
    // Calls without bytes still go as text.
    expect(callFrame({ type: 'call', id: 8, name: 'tokens.login', input: { tokenUri: 'pkcs11:token=alice', pin: null } })).toBe('{"type":"call","id":8,"name":"tokens.login","input":{"tokenUri":"pkcs11:token=alice","pin":null}}');
    ws.close();
  });

  it('validates a binary call against the contract too, and closes a connection whose binary frame is not a call', async () => {
    const ws = await connect({ cookie: await launch() });
    const answered = new Promise<{ result: { error?: { code: string } } }>((resolve) => ws.once('message', (data) => resolve(JSON.parse(data.toString()))));
    ws.send(callFrame({ type: 'call', id: 1, name: 'keys.list', input: { tokenUri: 'pkcs11:token=a', pin: new Uint8Array([1, 2]) } }));
    expect((await answered).result.error?.code).toBe('invalid-input');
    expect(received).toEqual([]);
    const header = Buffer.from(JSON.stringify({ type: 'call', id: 2, name: 'tokens.login', input: { tokenUri: 'pkcs11:token=a', pin: { $bytes: [0, 64] } } }));
    const outside = Buffer.concat([Buffer.from([0, 0, 0, header.length]), header, Buffer.from('short')]);
    for (const frame of [outside, Buffer.from([0, 0, 0x10, 0]), Buffer.from([1, 2])]) {
      const socket = frame === outside ? ws : await connect({ cookie: await launch() });
      const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
      socket.send(frame);
      expect(await closed).toBe(1008);
    }
    expect(received).toEqual([]);
  });

  it('pushes core events to the window', async () => {
    const ws = await connect({ cookie: await launch() });
    const event = new Promise<unknown>((resolve) => ws.once('message', (data) => resolve(JSON.parse(data.toString()))));
    sink!('tokens.changed', snapshot);
    expect(await event).toEqual({ type: 'event', name: 'tokens.changed', payload: snapshot });
    ws.close();
  });
});
