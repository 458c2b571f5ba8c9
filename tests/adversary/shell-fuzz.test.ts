/**
 * The browser shell under fire (issue 12): thousands of random and malformed
 * HTTP requests and WebSocket frames, from a web page's tricks (`GET /%` sent
 * by an <img>) to raw bytes on the socket, with and without the secret. The
 * shell must answer each with an error (or close that one connection) and
 * keep running: afterwards the window still loads and an honest call is
 * still answered.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect as connectTcp } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ApiHandlers } from '../../electron/core/api/handlers';
import { startWebShell, type WebShell } from '../../electron/web/server';
import { sessionCookie, webProtocol } from '../../shared/web/protocol';
import { call } from '../support/web-shell-client';

let shell: WebShell;
let rendererDir: string;
const honest = { version: '1', shell: 'browser', dataDir: '/x' };
const handlers = new Proxy({} as ApiHandlers, { get: () => async () => honest });

beforeAll(async () => {
  rendererDir = mkdtempSync(join(tmpdir(), 'conclave-renderer-'));
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Conclave</title>');
  shell = await startWebShell({ core: { handlers, subscribe: () => () => undefined }, rendererDir });
});

afterAll(async () => {
  await shell?.close();
  rmSync(rendererDir, { recursive: true, force: true });
});

/** A small deterministic generator, so a failure can be replayed. */
function generator(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const int = (max: number) => Math.floor(next() * max);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const bytes = (length: number) => Buffer.from(Array.from({ length }, () => int(256)));
  return { int, pick, bytes };
}

const host = () => `127.0.0.1:${shell.port}`;

/** Writes raw bytes to the shell and waits until it answers or closes (or a short while passes). */
function raw(data: Buffer | string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connectTcp(shell.port, '127.0.0.1');
    let answer = '';
    const done = () => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(1_000, done);
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
      if (answer.includes('\r\n\r\n')) done();
    });
    socket.on('error', done);
    socket.on('close', done);
    socket.write(data, () => socket.end());
  });
}

function get(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: shell.port, path, headers: { host: host() } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The session cookie, from a launch address opened once, as the person's browser holds it. */
let session: string | undefined;
async function sessionCookieValue(): Promise<string> {
  if (session) return session;
  const address = new URL(shell.launchAddress());
  const answer = await raw(`GET ${address.pathname}${address.search} HTTP/1.1\r\nHost: ${host()}\r\n\r\n`);
  session = /Set-Cookie: ([^;\r\n]+)/i.exec(answer)?.[1];
  expect(session).toMatch(new RegExp(`^${sessionCookie}=`));
  return session!;
}

async function openSocket(withSession: boolean): Promise<WebSocket | undefined> {
  const cookie = withSession ? await sessionCookieValue() : undefined;
  const ws = new WebSocket(`ws://${host()}/api`, [webProtocol], { origin: shell.origin, ...(cookie ? { headers: { cookie } } : {}) });
  return new Promise((resolve) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', () => resolve(undefined));
    ws.once('error', () => resolve(undefined));
  });
}

async function honestCall(): Promise<unknown> {
  const ws = await openSocket(true);
  expect(ws, 'an honest connection with the secret is refused').toBeDefined();
  // The result of call 1, whatever events the core pushes first (tokens.changed after its first look at the tokens…).
  const result = await call(ws!, 1, 'app.info', {});
  ws!.close();
  return result;
}

describe('the browser shell keeps running whatever it is sent', () => {
  it('answers the requests that used to kill it with a 4xx', async () => {
    expect(await raw(`GET /% HTTP/1.1\r\nHost: ${host()}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 400/);
    expect(await raw(`GET http://[ HTTP/1.1\r\nHost: ${host()}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 400/);
    expect(await raw(`GET /% HTTP/1.1\r\nHost: ${host()}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`)).toMatch(/^HTTP\/1\.1 400/);
    expect(await raw(`GET http://[ HTTP/1.1\r\nHost: ${host()}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`)).toMatch(/^HTTP\/1\.1 400/);
    expect(await get('/')).toBe(200);
  });

  it('closes a connection whose frame is over the size limit, and only that one', async () => {
    const ws = await openSocket(true);
    const closed = new Promise<number>((resolve) => ws!.once('close', (code) => resolve(code)));
    ws!.send('x'.repeat(2 * 1024 * 1024));
    expect(await closed).toBe(1009);
    expect(await honestCall()).toEqual({ ok: true, value: honest });
  });

  it('survives thousands of random and malformed requests and frames, then still serves the window and answers an honest call', async () => {
    const random = generator(20261205);
    const methods = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT', 'G\0T', '', 'GET GET'];
    const targets = ['/', '/launch', '/launch?once=%zz', '/%', '/%%', '/%zz', 'http://[', 'http://127.0.0.1/', '*', '//x', '/api', '/..%2f..%2fetc/passwd', '/\u00ff', `/${'a'.repeat(20_000)}`, '/index.html?%', 'ftp://x/'];
    const versions = ['HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/9', '', 'HTTP/1.1 extra'];
    const headerLines = [
      `Host: ${host()}`,
      'Host: evil.example',
      `Origin: ${shell.origin}`,
      'Origin: http://evil.example',
      'Connection: Upgrade',
      'Upgrade: websocket',
      'Sec-WebSocket-Version: 13',
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
      `Sec-WebSocket-Protocol: ${webProtocol}`,
      `Cookie: ${sessionCookie}=${'A'.repeat(43)}`,
      'Content-Length: 99999999',
      'Content-Length: -1',
      'Transfer-Encoding: chunked',
      `X-Long: ${'b'.repeat(70_000)}`,
      'Bad Header Without Colon',
      '\0\0\0',
    ];
    let sent = 0;
    for (let batch = 0; batch < 40; batch++) {
      const requests: Promise<unknown>[] = [];
      for (let index = 0; index < 50; index++) {
        const kind = random.int(3);
        if (kind === 0) {
          const lines = [`${random.pick(methods)} ${random.pick(targets)} ${random.pick(versions)}`];
          for (let count = random.int(6); count > 0; count--) lines.push(random.pick(headerLines));
          requests.push(raw(`${lines.join('\r\n')}\r\n\r\n${random.int(2) ? random.bytes(random.int(64)).toString('latin1') : ''}`));
        } else if (kind === 1) {
          requests.push(raw(random.bytes(1 + random.int(512))));
        } else {
          requests.push(
            openSocket(random.int(2) === 1).then((ws) => {
              if (!ws) return;
              const frames: (string | Buffer)[] = [
                random.bytes(random.int(256)),
                random.bytes(random.int(256)).toString('latin1'),
                '{"type":"call","id":1,"name":"app.info","input":',
                JSON.stringify({ type: 'call', id: random.int(10), name: random.pick(['app.info', 'files.list', 'nope', '__proto__']), input: random.pick([{}, null, [], 'x', { path: '/' }]) }),
                JSON.stringify({ type: 'call', id: 'x', name: 1 }),
              ];
              const frame = random.pick(frames);
              ws.on('error', () => undefined);
              ws.send(frame, { binary: Buffer.isBuffer(frame) }, () => setTimeout(() => ws.terminate(), 20));
            }),
          );
        }
        sent += 1;
      }
      await Promise.all(requests);
    }
    expect(sent).toBe(2000);
    expect(await get('/')).toBe(200);
    expect(await get('/%')).toBe(400);
    expect(await honestCall()).toEqual({ ok: true, value: honest });
  }, 180_000);
});
