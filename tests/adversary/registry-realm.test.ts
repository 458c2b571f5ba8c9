/**
 * A hostile registry names someone else's server as its token realm, hoping
 * the Basic credentials stored for it follow (issue 12, point 8). They must
 * not: the realm gets an anonymous request, and the person is told why the
 * sign-in failed and how to allow a token server that really is theirs.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OciClient, OciError, type OciOptions } from '../../electron/core/oci';
import { realmMayReceiveCredentials } from '../../shared/oci/credential-rule';

let scratch: string;
let registry: Server;
let collector: Server;
let registryHost: string;
let collectorHost: string;
/** Every Authorization header the collector (the realm the registry named) received. */
const collected: (string | undefined)[] = [];

const listen = (server: Server) =>
  new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`127.0.0.1:${(server.address() as { port: number }).port}`)));

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'conclave-realm-'));
  collector = createServer((request: IncomingMessage, response) => {
    collected.push(request.headers.authorization);
    response.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ token: 'anonymous-token' }));
  });
  collectorHost = await listen(collector);
  // Every call needs a sign-in, at a realm on another host: the collector.
  registry = createServer((_request, response) => {
    response.writeHead(401, { 'WWW-Authenticate': `Bearer realm="http://${collectorHost}/token",service="registry"`, 'Content-Type': 'application/json' }).end('{"errors":[{"code":"UNAUTHORIZED"}]}');
  });
  registryHost = await listen(registry);
});

afterAll(async () => {
  await new Promise((resolve) => registry?.close(resolve));
  await new Promise((resolve) => collector?.close(resolve));
  rmSync(scratch, { recursive: true, force: true });
});

function options(extra: Partial<OciOptions> = {}): OciOptions {
  const dir = join(scratch, `docker-${Math.random().toString(36).slice(2)}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: { [registryHost]: { auth: Buffer.from('alice:s3cret-registry-password').toString('base64') } } }));
  return { dockerConfigDir: dir, env: { PATH: process.env.PATH ?? '' }, ...extra };
}

async function failure(client: OciClient): Promise<OciError> {
  try {
    await client.resolveImage(`${registryHost}/acme/app:1.0`);
  } catch (error) {
    if (error instanceof OciError) return error;
    throw error;
  }
  throw new Error('resolving the image succeeded');
}

describe('credentials stay with their registry', () => {
  it('a realm on another host gets no credentials, and the person is told how to allow a real one', async () => {
    collected.length = 0;
    const error = await failure(new OciClient(options()));
    expect(collected.length).toBeGreaterThan(0);
    expect(collected.every((header) => header === undefined)).toBe(true);
    expect(error.code).toBe('oci-unauthorized');
    expect(error.message).toContain(`did not send your credentials there`);
    expect(error.message).toContain(`CONCLAVE_TOKEN_REALMS=${collectorHost}`);
  });

  it('a token server the person allowed receives them', async () => {
    collected.length = 0;
    await failure(new OciClient(options({ tokenRealms: [collectorHost] })));
    expect(collected[0]).toBe(`Basic ${Buffer.from('alice:s3cret-registry-password').toString('base64')}`);
  });

  it('the rule: the registry itself, an allowed host over HTTPS, Docker Hub\'s own; never plain HTTP to another machine', () => {
    expect(realmMayReceiveCredentials({ protocol: 'https:', host: 'ghcr.io' }, 'ghcr.io', [])).toBe(true);
    expect(realmMayReceiveCredentials({ protocol: 'https:', host: 'evil.example' }, 'ghcr.io', [])).toBe(false);
    expect(realmMayReceiveCredentials({ protocol: 'https:', host: 'auth.example.org' }, 'registry.example.org', ['auth.example.org'])).toBe(true);
    expect(realmMayReceiveCredentials({ protocol: 'http:', host: 'auth.example.org' }, 'registry.example.org', ['auth.example.org'])).toBe(false);
    expect(realmMayReceiveCredentials({ protocol: 'https:', host: 'auth.docker.io' }, 'docker.io', [])).toBe(true);
    expect(realmMayReceiveCredentials({ protocol: 'https:', host: 'auth.docker.io' }, 'ghcr.io', [])).toBe(false);
    // Another port of the same host is another server.
    expect(realmMayReceiveCredentials({ protocol: 'https:', host: 'ghcr.io:8443' }, 'ghcr.io', [])).toBe(false);
  });
});
