/**
 * A client of the browser shell as a browser is one (electron/web/server.ts):
 * plain HTTP requests with the Host header a browser sends, the one-time
 * launch address exchanged for the session cookie, and the API's WebSocket
 * with the shell's subprotocol and an Origin.
 */
import { request } from 'node:http';
import WebSocket from 'ws';
import type { WebShell } from '../../electron/web/server';
import { webProtocol } from '../../shared/web/endpoints';

/** What a client needs of a shell: where it listens, and a launch address to let it in. */
export type ShellAddress = Pick<WebShell, 'port' | 'origin' | 'launchAddress'>;

export interface Answer {
  status: number;
  headers: Record<string, unknown>;
  body: string;
}

export function get(shell: ShellAddress, path: string, host = `127.0.0.1:${shell.port}`, cookie?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: shell.port, path, headers: { host, ...(cookie ? { cookie } : {}) } }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Opens a new launch address as the browser does, and returns the session cookie it set ("name=value"). */
export async function launch(shell: ShellAddress): Promise<string> {
  const address = new URL(shell.launchAddress());
  const answer = await get(shell, `${address.pathname}${address.search}`);
  if (answer.status !== 303) throw new Error(`the launch address answered ${answer.status}`);
  const setCookie = String((answer.headers['set-cookie'] as string[] | undefined)?.[0] ?? '');
  return setCookie.split(';')[0]!;
}

export function connect(shell: ShellAddress, options: { origin?: string; cookie?: string | undefined; host?: string } = {}): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${shell.port}/api`, [webProtocol], {
    origin: options.origin ?? shell.origin,
    headers: { ...(options.host ? { host: options.host } : {}), ...(options.cookie ? { cookie: options.cookie } : {}) },
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

export interface CallAnswer {
  ok: boolean;
  value?: unknown;
  error?: { code: string };
}

export function call(ws: WebSocket, id: number, name: string, input: unknown): Promise<CallAnswer> {
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
