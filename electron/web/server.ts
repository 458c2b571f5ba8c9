/**
 * The browser shell: the built renderer served on 127.0.0.1, with the API
 * carried over one WebSocket (JSON text, and a binary frame for a call that
 * carries a PIN). It is exactly as strict as Electron's IPC: the
 * same contract validation and the same handlers (dispatchCall), plus what a
 * loopback server needs: a session only the person's own browser holds, an
 * Origin check and a Host check (against DNS rebinding), and nothing served to
 * any other address.
 *
 * Every local user can read a process's command line (/proc/PID/cmdline), so
 * no secret is ever put there (issue 12). The browser is sent to a one-time
 * launch address (through a 0600 file, or printed to the person's own
 * terminal); that address works once, within two minutes, and answers with an
 * HttpOnly, SameSite=Strict session cookie. The WebSocket is let in only with
 * that cookie: another user who saw the launch address after it was used, or
 * any page of another site, gets nothing.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { apiPath, launchPath, sessionCookie, webProtocol } from '../../shared/web/endpoints';
import { contentSecurityPolicy } from '../core/content-security-policy';
import { contentTypeOf, filesThePageLoads, pageHeaders, rendererFile } from '../core/renderer-files';
import type { ApiCore } from './api-socket';

export interface WebShell {
  /** The window's address, without any secret. */
  url: string;
  origin: string;
  port: number;
  /** A new one-time launch address: opened once (within two minutes), it lets that browser in. */
  launchAddress(): string;
  close(): Promise<void>;
}

/** How long a launch address waits to be opened. */
const launchValidityMs = 120_000;

export interface WebShellOptions {
  /**
   * The core, or the core still starting: the shell listens and serves the
   * window's page at once, and its API answers once the core is there
   * (issue 15: the page loads while the core starts).
   */
  core: ApiCore | Promise<ApiCore>;
  rendererDir: string;
  port?: number;
  /**
   * Told once, when a window has been sent the page and every file it loads with it, or has connected to the API:
   * the browser now works on its own for a while (issue 15).
   */
  onPageServed?: () => void;
}


/** One message is a call with its input: nothing legitimate comes near this. */
const maxMessageBytes = 1024 * 1024;

export async function startWebShell(options: WebShellOptions): Promise<WebShell> {
  const session = randomBytes(32).toString('base64url');
  /** One-time launch tokens not used yet, with when they expire. */
  const launches = new Map<string, number>();
  const server = createServer();
  const sockets = new WebSocketServer({ noServer: true, maxPayload: maxMessageBytes, handleProtocols: (protocols) => (protocols.has(webProtocol) ? webProtocol : false) });
  // The contract, its schemas and the core load after the server listens; a window's calls wait for them.
  const api = Promise.all([import('./api-socket'), options.core]);
  api.catch(() => undefined);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // Loopback only: nothing here is meant for another machine.
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the browser shell has no port');
  const port = address.port;
  const origin = `http://127.0.0.1:${port}`;
  const allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const allowedOrigins = new Set([origin, `http://localhost:${port}`]);
  const csp = contentSecurityPolicy([`ws://127.0.0.1:${port}`, `ws://localhost:${port}`]);
  const pageServed = pageServedWatch(options.rendererDir, options.onPageServed);

  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    // Whatever a request holds, the shell answers it and keeps running.
    serveFile(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500).end();
      else response.destroy();
    });
  });
  // A request Node cannot even parse (a bad request line, huge headers): 400, and the shell goes on.
  server.on('clientError', (_error: Error, socket: Duplex) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });

  async function serveFile(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const headers = pageHeaders(csp);
    if (!allowedHosts.has(request.headers.host ?? '')) {
      response.writeHead(421, headers).end('Misdirected request');
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { ...headers, Allow: 'GET, HEAD' }).end();
      return;
    }
    const pathname = pathOf(request.url);
    if (pathname === undefined) {
      response.writeHead(400, headers).end();
      return;
    }
    if (pathname === launchPath) {
      // Used (or expired) whatever happens next: a launch address lets one browser in, once.
      const token = new URL(request.url ?? '/', origin).searchParams.get('once') ?? '';
      const expires = launches.get(token);
      launches.delete(token);
      if ((expires !== undefined && expires > Date.now()) || hasSession(request)) {
        response.writeHead(303, { ...headers, Location: '/', 'Set-Cookie': `${sessionCookie}=${session}; HttpOnly; SameSite=Strict; Path=/` }).end();
      } else {
        response.writeHead(403, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' }).end('This launch address has been used or has expired. Start Conclave again (npm run start:web) to open a window.\n');
      }
      return;
    }
    const file = rendererFile(options.rendererDir, new URL(request.url ?? '/', origin).pathname);
    if (file === undefined) {
      response.writeHead(404, headers).end();
      return;
    }
    try {
      const info = await stat(file);
      if (!info.isFile()) throw new Error('not a file');
      response.writeHead(200, { ...headers, 'Content-Type': contentTypeOf(file), 'Content-Length': info.size });
      response.once('finish', () => pageServed.sent(pathname));
      if (request.method === 'HEAD') response.end();
      else createReadStream(file).on('error', () => response.destroy()).pipe(response);
    } catch {
      response.writeHead(404, headers).end();
    }
  }

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    // A peer that resets the connection is gone; nothing to answer, nothing to crash on.
    socket.on('error', () => socket.destroy());
    const refuse = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    const pathname = pathOf(request.url);
    if (pathname === undefined) return refuse(400, 'Bad Request');
    if (pathname !== apiPath) return refuse(404, 'Not Found');
    if (!allowedHosts.has(request.headers.host ?? '')) return refuse(421, 'Misdirected Request');
    // Another web page in the same browser cannot talk to Conclave: its Origin differs.
    if (!allowedOrigins.has(request.headers.origin ?? '')) return refuse(403, 'Forbidden');
    const offered = String(request.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((protocol) => protocol.trim());
    if (!hasSession(request) || !offered.includes(webProtocol)) return refuse(401, 'Unauthorized');
    pageServed.connected();
    sockets.handleUpgrade(request, socket, head, (ws) => serveApi(ws));
  });

  /** Whether the request carries this shell's session cookie. */
  function hasSession(request: IncomingMessage): boolean {
    const cookies = String(request.headers.cookie ?? '').split(';');
    return cookies.some((cookie) => {
      const [name, ...value] = cookie.trim().split('=');
      return name === sessionCookie && sameSecret(value.join('='), session);
    });
  }

  /** A window let in: its messages wait (the socket paused) until the API is there. */
  function serveApi(ws: WebSocket): void {
    // A frame over the size limit, a broken frame, a reset: that connection ends, the shell does not.
    ws.on('error', () => ws.terminate());
    ws.pause();
    api.then(
      ([{ serveApi: serve }, core]) => serve(ws, core),
      () => {
        // Resumed, or the close handshake would wait for a reply the paused socket never reads.
        ws.resume();
        ws.close(1011, 'Conclave could not start');
      },
    );
  }

  return {
    url: `${origin}/`,
    origin,
    port,
    launchAddress() {
      const token = randomBytes(32).toString('base64url');
      const now = Date.now();
      for (const [unused, expires] of launches) if (expires <= now) launches.delete(unused);
      launches.set(token, now + launchValidityMs);
      return `${origin}${launchPath}?once=${token}`;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of sockets.clients) client.terminate();
        sockets.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Tells `onPageServed` once: after index.html and then each file it names have been sent, or at a connection. */
function pageServedWatch(rendererDir: string, onPageServed: (() => void) | undefined): { sent(pathname: string): void; connected(): void } {
  let told = onPageServed === undefined;
  const tell = () => {
    if (told) return;
    told = true;
    onPageServed?.();
  };
  let waiting: Set<string> | undefined;
  const page = () => {
    try {
      return filesThePageLoads(readFileSync(join(rendererDir, 'index.html'), 'utf8'));
    } catch {
      return [];
    }
  };
  return {
    sent(pathname) {
      if (told) return;
      if (pathname === '/' || pathname === '/index.html') waiting ??= new Set(page());
      else waiting?.delete(pathname);
      if (waiting?.size === 0) tell();
    },
    connected: tell,
  };
}

/** The decoded path of a request target, or undefined when it is not one ("/%", "http://["…). */
function pathOf(target: string | undefined): string | undefined {
  try {
    const url = new URL(target ?? '/', 'http://127.0.0.1');
    return decodeURIComponent(url.pathname);
  } catch {
    return undefined;
  }
}

function sameSecret(presented: string, expected: string): boolean {
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
