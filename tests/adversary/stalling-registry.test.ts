/**
 * A registry that never answers, or stops in the middle of a body, must not
 * hang `conclave verify oci://…` or `ceremony open --image` for good (issue
 * 12, point 4): the request is given up once nothing has arrived for the
 * idle deadline (CONCLAVE_NETWORK_TIMEOUT seconds, 1 here), and the command
 * ends with exit 5 ("could not be reached, try again later").
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSilentServer, type SilentServer } from '../support/silent-server';
import { makeTestKey } from '../support/test-keys';

const bin = fileURLToPath(new URL('../../bin/conclave.js', import.meta.url));
const digest = `sha256:${'ab'.repeat(32)}`;
/** Far above the 1 s idle deadline, however loaded the machine: only a hang reaches it. */
const hangBoundMs = 60_000;

let dir: string;
let silent: SilentServer;
let trickle: HttpServer;
const sockets = new Set<Socket>();
let trickleHost: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'conclave-stall-'));
  const key = makeTestKey('ecdsa-p256');
  writeFileSync(join(dir, 'policy.json'), JSON.stringify({ version: 1, threshold: 1, approvers: [{ id: 'alice', publicKey: key.publicKeyPem }] }));
  // Accepts connections, reads them, never says a word.
  silent = await startSilentServer();
  // Answers the API check, then starts a manifest and stops half-way.
  trickle = createHttpServer((request, response) => {
    if (request.url === '/v2/') return void response.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    response.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json', 'Content-Length': '4096', 'Docker-Content-Digest': digest });
    if (request.method === 'HEAD') return void response.end();
    response.write('{"schemaVersion":2,');
  });
  trickle.on('connection', (socket) => sockets.add(socket));
  await new Promise<void>((resolve) => trickle.listen(0, '127.0.0.1', resolve));
  trickleHost = `127.0.0.1:${(trickle.address() as { port: number }).port}`;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await silent?.close();
  await new Promise((resolve) => trickle?.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

function conclave(args: string[]): Promise<{ code: number | null; err: string; hung: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, CONCLAVE_HOME: join(dir, 'home'), CONCLAVE_NETWORK_TIMEOUT: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    let hung = false;
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const timer = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, hangBoundMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, err, hung });
    });
  });
}

describe('a registry that stalls', () => {
  it('one that never answers: verify oci://… ends with exit 5 and says the registry stopped answering', async () => {
    const result = await conclave(['verify', '--policy', join(dir, 'policy.json'), `oci://${silent.host}/acme/app@${digest}`]);
    expect(result.hung).toBe(false);
    expect(result.code, result.err).toBe(5);
    expect(result.err).toMatch(/stopped answering/);
  }, hangBoundMs + 5_000);

  it('one that stops in the middle of a manifest: exit 5, the body "stopped arriving"', async () => {
    const result = await conclave(['verify', '--policy', join(dir, 'policy.json'), `oci://${trickleHost}/acme/app@${digest}`]);
    expect(result.hung).toBe(false);
    expect(result.code, result.err).toBe(5);
    expect(result.err).toMatch(/stopped arriving/);
  }, hangBoundMs + 5_000);
});
