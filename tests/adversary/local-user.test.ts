/**
 * Another user on the same machine (issue 12, point 1): `nobody`, through
 * runuser, with everything such a user can read, tries to take over the
 * browser shell of the person using Conclave. It reads every process's
 * command line (/proc/PID/cmdline, where the old shell put its secret), tries
 * every launch address and token it can find or guess, forges the Origin
 * header (easy outside a browser) and tries to read the private launch page.
 * Everything must fail, and the person's own session must keep working.
 *
 * CI runs as root, which runuser needs; elsewhere the test is skipped.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { writeLaunchFile } from '../../electron/web/launch-file';
import { webProtocol } from '../../shared/web/protocol';
import { call } from '../support/web-shell-client';

const webShell = fileURLToPath(new URL('../../out/main/web-shell.js', import.meta.url));
const isRoot = process.getuid?.() === 0;

/** What `nobody` runs: plain Node, no packages, as any local user could. */
const attacker = String.raw`
const fs = require('node:fs');
const net = require('node:net');
const http = require('node:http');
const [port, dataDir, launchFile] = process.argv.slice(2);
const found = new Set();
const pages = new Set();
for (const pid of fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
  try {
    const text = fs.readFileSync('/proc/' + pid + '/cmdline', 'utf8').replace(/\0/g, ' ');
    for (const match of text.matchAll(/(?:once=|secret=)([A-Za-z0-9_-]{16,})/g)) found.add(match[1]);
    for (const match of text.matchAll(/file:\/\/(\S+\.html)/g)) pages.add(decodeURIComponent(match[1]));
  } catch {}
}
const get = (path, headers = {}) => new Promise((resolve) => {
  const req = http.request({ host: '127.0.0.1', port, path, headers: { host: '127.0.0.1:' + port, ...headers } }, (res) => { res.resume(); resolve({ status: res.statusCode, cookie: res.headers['set-cookie'] }); });
  req.on('error', () => resolve({ status: 0 }));
  req.end();
});
const upgrade = (headers) => new Promise((resolve) => {
  const socket = net.connect(Number(port), '127.0.0.1');
  let answer = '';
  socket.on('data', (chunk) => { answer += chunk; if (answer.includes('\r\n\r\n')) { socket.destroy(); resolve(answer.split('\r\n')[0]); } });
  socket.on('error', () => resolve('error'));
  socket.write('GET /api HTTP/1.1\r\nHost: 127.0.0.1:' + port + '\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: conclave.v1\r\nOrigin: http://127.0.0.1:' + port + '\r\n' + headers + '\r\n');
});
(async () => {
  const results = { found: [...found], pages: [], launches: [], sockets: [], files: [] };
  // The browser's command line names the launch page: read it, as an attacker would.
  for (const page of pages) {
    try { const text = fs.readFileSync(page, 'utf8'); results.pages.push(text); for (const match of text.matchAll(/once=([A-Za-z0-9_-]+)/g)) found.add(match[1]); } catch (error) { results.pages.push(error.code); }
  }
  for (const token of [...found, 'guess', '']) results.launches.push((await get('/launch?once=' + encodeURIComponent(token))).status);
  results.sockets.push(await upgrade(''));
  results.sockets.push(await upgrade('Cookie: conclave-session=' + 'A'.repeat(43) + '\r\n'));
  for (const token of found) results.sockets.push(await upgrade('Cookie: conclave-session=' + token + '\r\n'));
  for (const path of [launchFile, dataDir]) {
    try { results.files.push(fs.statSync(path).isDirectory() ? fs.readdirSync(path).join(',') : fs.readFileSync(path, 'utf8')); } catch (error) { results.files.push(error.code); }
  }
  process.stdout.write(JSON.stringify(results));
})();
`;

describe.skipIf(!isRoot)('another local user against the browser shell', () => {
  let dir: string;
  let dataDir: string;
  let shell: ChildProcess;
  let port: number;
  let launchAddress: string;
  let cookie: string;
  let launchFilePath: string;

  beforeAll(async () => {
    expect(existsSync(webShell), 'run "npm run build" first').toBe(true);
    dir = mkdtempSync(join(tmpdir(), 'conclave-local-user-'));
    chmodSync(dir, 0o755);
    dataDir = join(dir, 'home');
    // A stand-in for Chromium (the real one cannot open a window here): it stays running with the command line the shell gave it.
    const bin = join(dir, 'bin');
    execFileSync('mkdir', ['-p', bin]);
    writeFileSync(join(bin, 'chromium'), '#!/bin/sh\nsleep 120\n', { mode: 0o755 });
    shell = spawn(process.execPath, [webShell], { env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}`, DISPLAY: ':99', CONCLAVE_HOME: dataDir, CONCLAVE_PKCS11_MODULES: '/nonexistent.so' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let printed = '';
    await new Promise<void>((resolve, reject) => {
      shell.stdout!.on('data', (chunk: Buffer) => {
        printed += chunk.toString();
        const match = /Conclave is running at http:\/\/127\.0\.0\.1:(\d+)\/\n/.exec(printed);
        if (match && /opened in a Chromium window/.test(printed)) {
          port = Number(match[1]);
          resolve();
        }
      });
      shell.once('exit', (code) => reject(new Error(`the shell stopped (exit ${code}): ${printed}`)));
    });
    // The person's browser reads its launch page (the stand-in cannot, so the test does it for it).
    const launchDir = join(dataDir, 'launch');
    const page = readFileSync(join(launchDir, execFileSync('ls', [launchDir], { encoding: 'utf8' }).trim().split('\n')[0]!), 'utf8');
    launchAddress = /url=([^"]+)"/.exec(page)![1]!.replace(/&amp;/g, '&');
    // The person's browser opens it first.
    cookie = await new Promise<string>((resolve) => {
      const address = new URL(launchAddress);
      request({ host: '127.0.0.1', port, path: `${address.pathname}${address.search}`, headers: { host: `127.0.0.1:${port}` } }, (res) => {
        res.resume();
        resolve(String(res.headers['set-cookie']?.[0]).split(';')[0]!);
      }).end();
    });
    // And a launch page as the shell writes one for Chromium, still waiting to be opened.
    launchFilePath = fileURLToPath((await writeLaunchFile(dataDir, 'http://127.0.0.1:1/launch?once=not-for-nobody')).url);
  });

  afterAll(() => {
    shell?.kill('SIGTERM');
    try {
      execFileSync('pkill', ['-f', `${dir}/bin/chromium`], { stdio: 'ignore' });
    } catch {
      // The stand-in had ended already.
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('finds no secret on any command line, cannot launch, cannot connect, and cannot read the launch page', () => {
    const script = join(dir, 'attacker.cjs');
    writeFileSync(script, attacker, { mode: 0o755 });
    const output = execFileSync('runuser', ['-u', 'nobody', '--', process.execPath, script, String(port), dataDir, launchFilePath], { encoding: 'utf8', cwd: '/' });
    const results = JSON.parse(output) as { found: string[]; pages: string[]; launches: number[]; sockets: string[]; files: string[] };
    expect(results.found).toEqual([]);
    // It sees the page's name on the browser's command line, but cannot read it.
    expect(results.pages).toEqual(['EACCES']);
    expect(results.launches.every((status) => status === 403)).toBe(true);
    expect(results.sockets.every((line) => line.startsWith('HTTP/1.1 401'))).toBe(true);
    expect(results.files).toEqual(['EACCES', 'EACCES']);
    expect(readFileSync(launchFilePath, 'utf8')).toContain('not-for-nobody');
  });

  it('the launch address the person used is worth nothing now; the person\'s session still works', async () => {
    const used = await new Promise<number>((resolve) => {
      const address = new URL(launchAddress);
      request({ host: '127.0.0.1', port, path: `${address.pathname}${address.search}`, headers: { host: `127.0.0.1:${port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).end();
    });
    expect(used).toBe(403);
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api`, [webProtocol], { origin: `http://127.0.0.1:${port}`, headers: { cookie } });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    // The result of this call, whatever events the core pushes first (tokens.changed after its first look at the tokens…).
    const answer = await call(ws, 1, 'app.info', {});
    ws.close();
    expect(answer).toMatchObject({ ok: true });
  });
});
