/**
 * A real registry for tests: Debian's docker-registry (distribution 2.8) on
 * 127.0.0.1, a free port, its own temporary storage and config file. It is
 * ready when /v2/ answers (polled, never a fixed sleep), and stop() ends the
 * process and removes the folder.
 *
 * The command, for CI or by hand: `docker-registry serve CONFIG.yml` with the
 * config written by registryConfig() below.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

export const registryBinary = '/usr/bin/docker-registry';

export type RegistryAuth =
  | { kind: 'none' }
  /** htpasswd with bcrypt entries (distribution accepts only bcrypt), made with the real `htpasswd -Bbn`. */
  | { kind: 'htpasswd'; users: Record<string, string> }
  /** Token auth: the registry trusts JWTs from `issuer` signed by the key of the certificate in `rootCertBundle`. */
  | { kind: 'token'; realm: string; service: string; issuer: string; rootCertBundle: string };

export interface TestRegistry {
  /** `127.0.0.1:PORT`, as image references name it. */
  host: string;
  /** `http://127.0.0.1:PORT`. */
  url: string;
  dir: string;
  stop(): Promise<void>;
}

export function registryConfig(options: { port: number; storage: string; auth: RegistryAuth; htpasswdPath?: string }): string {
  const lines = [
    'version: 0.1',
    'log:',
    '  level: error',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${options.storage}`,
    '  delete:',
    '    enabled: true',
    '  maintenance:',
    '    uploadpurging:',
    '      enabled: false',
    'http:',
    `  addr: 127.0.0.1:${options.port}`,
    '  secret: conclave-test-only',
  ];
  if (options.auth.kind === 'htpasswd') lines.push('auth:', '  htpasswd:', '    realm: conclave-test', `    path: ${options.htpasswdPath}`);
  if (options.auth.kind === 'token') {
    lines.push('auth:', '  token:', `    realm: ${options.auth.realm}`, `    service: ${options.auth.service}`, `    issuer: ${options.auth.issuer}`, `    rootcertbundle: ${options.auth.rootCertBundle}`);
  }
  return `${lines.join('\n')}\n`;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Polls /v2/ until the registry answers at all (200, or 401 with auth); fails as soon as the process exits. */
async function waitUntilAnswering(url: string, child: ChildProcess, stderr: () => string): Promise<void> {
  let gone = false;
  void exited(child).then(() => (gone = true));
  for (;;) {
    if (gone) throw new Error(`docker-registry exited before answering (code ${String(child.exitCode)}): ${stderr()}`);
    try {
      const response = await fetch(`${url}/v2/`);
      await response.body?.cancel();
      return;
    } catch {
      await delay(25); // the polling interval, not a limit
    }
  }
}

export async function startRegistry(auth: RegistryAuth = { kind: 'none' }): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'conclave-registry-'));
  let htpasswdPath: string | undefined;
  if (auth.kind === 'htpasswd') {
    htpasswdPath = join(dir, 'htpasswd');
    writeFileSync(htpasswdPath, '');
    for (const [user, password] of Object.entries(auth.users)) appendFileSync(htpasswdPath, execFileSync('htpasswd', ['-Bbn', user, password], { encoding: 'utf8' }).trim() + '\n');
  }
  // Another process may take the free port between our check and the registry's bind: try a few ports.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const config = join(dir, 'config.yml');
    writeFileSync(config, registryConfig({ port, storage: join(dir, 'storage'), auth, ...(htpasswdPath ? { htpasswdPath } : {}) }));
    const child = spawn(registryBinary, ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      if (stderr.length < 16_384) stderr += chunk;
    });
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitUntilAnswering(url, child, () => stderr);
    } catch (error) {
      if (attempt < 3 && /address already in use/.test(stderr)) continue;
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    return {
      host: `127.0.0.1:${port}`,
      url,
      dir,
      async stop() {
        if (child.exitCode === null && child.signalCode === null) {
          const done = exited(child);
          child.kill('SIGTERM');
          await done;
        }
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
}
