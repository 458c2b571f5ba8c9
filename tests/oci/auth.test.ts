/**
 * Registries that want credentials: htpasswd (Basic) and token (Bearer)
 * auth on a real docker-registry, with credentials taken from a Docker
 * config of the test's own: a plain `auth` entry, a credential helper
 * (credHelpers and credsStore), or none.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OciClient, OciError, type OciOptions } from '../../electron/core/oci';
import { findCredentials } from '../../electron/core/oci/docker-config';
import { startRegistry, type TestRegistry } from '../support/registry';
import { makeStatementEnvelope, pushImage, releasePredicate, writeCredentialHelper, writeDockerConfig } from './fixtures';
import { startTokenServer, type TokenServer } from './token-server';

const password = 's3cret-Pa55word';
let scratch: string;

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'conclave-oci-auth-'));
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

let counter = 0;
/** Options whose Docker config is a fresh folder holding `config`, and whose PATH finds the test's helpers first. */
function optionsWith(config: unknown, binDir?: string): OciOptions {
  const dir = writeDockerConfig(join(scratch, `docker-${++counter}`), config);
  return { dockerConfigDir: dir, env: { PATH: `${binDir ? `${binDir}:` : ''}${process.env.PATH ?? ''}` } };
}

const basic = (user: string, pass: string) => Buffer.from(`${user}:${pass}`).toString('base64');

async function caught(promise: Promise<unknown>): Promise<OciError> {
  const error = await promise.then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(OciError);
  return error as OciError;
}

describe('htpasswd (Basic) registry', () => {
  let registry: TestRegistry;
  let pinned: string;
  let digest: string;

  beforeAll(async () => {
    registry = await startRegistry({ kind: 'htpasswd', users: { alice: password } });
    const image = await pushImage(new OciClient(optionsWith({ auths: { [registry.host]: { auth: basic('alice', password) } } })), `${registry.host}/demo/app`, '1.0');
    pinned = image.pinned;
    digest = image.digest;
  });
  afterAll(async () => {
    await registry?.stop();
  });

  it('works with a plain auth entry in the Docker config (keyed with a scheme, as docker login may write it)', async () => {
    const client = new OciClient(optionsWith({ auths: { [`https://${registry.host}`]: { auth: basic('alice', password) } } }));
    await expect(client.resolveImage(`${registry.host}/demo/app:1.0`)).resolves.toMatchObject({ digest });
    const result = await client.attachEnvelope({ image: pinned, envelope: makeStatementEnvelope(digest, 'basic'), predicateType: releasePredicate });
    expect(result.via).toBe('referrers-tag');
    expect(await client.findEnvelopes(pinned)).toHaveLength(1);
  });

  it('works with a credential helper named in credHelpers, and with credsStore', async () => {
    const bin = join(scratch, 'bin');
    const helper = writeCredentialHelper(bin, 'conclavetest', registry.host, 'alice', password);
    const viaHelpers = new OciClient(optionsWith({ credHelpers: { [registry.host]: 'conclavetest' } }, bin));
    await expect(viaHelpers.findEnvelopes(pinned)).resolves.toHaveLength(1);
    const viaStore = new OciClient(optionsWith({ auths: { [registry.host]: {} }, credsStore: 'conclavetest' }, bin));
    await expect(viaStore.resolveImage(pinned)).resolves.toMatchObject({ digest });
    expect(readFileSync(helper.log, 'utf8').trim().split('\n')).toEqual([registry.host, registry.host]);
  });

  it('says oci-unauthorized with what to do when there are no credentials', async () => {
    const error = await caught(new OciClient(optionsWith({})).resolveImage(`${registry.host}/demo/app:1.0`));
    expect(error.code).toBe('oci-unauthorized');
    expect(error.message).toContain(`docker login ${registry.host}`);
    expect(error.message).toContain(join(scratch, `docker-${counter}`, 'config.json'));
    // No config file at all is the same as an empty one.
    const none = await caught(new OciClient({ dockerConfigDir: join(scratch, 'no-such-folder'), env: {} }).findEnvelopes(pinned));
    expect(none.code).toBe('oci-unauthorized');
  });

  it('says the credentials were refused, without repeating them, when the password is wrong', async () => {
    const error = await caught(new OciClient(optionsWith({ auths: { [registry.host]: { auth: basic('alice', 'wrong-password') } } })).resolveImage(`${registry.host}/demo/app:1.0`));
    expect(error.code).toBe('oci-unauthorized');
    expect(error.message).toContain('refused');
    expect(error.message).not.toContain('wrong-password');
    expect(error.message).not.toContain(basic('alice', 'wrong-password'));
  });

  it('says which helper is missing when the Docker config names one that is not installed', async () => {
    const error = await caught(new OciClient(optionsWith({ credsStore: 'conclave-no-such-helper' }, join(scratch, 'empty-bin'))).resolveImage(pinned));
    expect(error.code).toBe('oci-credentials-invalid');
    expect(error.message).toContain('docker-credential-conclave-no-such-helper');
  });
});

describe('token (Bearer) registry', () => {
  let registry: TestRegistry;
  let tokens: TokenServer;
  let tokenDir: string;

  beforeAll(async () => {
    tokenDir = mkdtempSync(join(tmpdir(), 'conclave-oci-token-'));
    tokens = await startTokenServer(tokenDir, { bob: password, reader: password }, ['reader'], { bob: 'identity-token-of-bob' });
    registry = await startRegistry({ kind: 'token', realm: tokens.realm, service: tokens.service, issuer: tokens.issuer, rootCertBundle: tokens.rootCertBundle });
  });
  /** The token server runs on another port than the registry: another origin, which the person allows here. */
  const allowingRealm = (config: unknown): OciOptions => ({ ...optionsWith(config), tokenRealms: [new URL(tokens.realm).host] });

  afterAll(async () => {
    await registry?.stop();
    await tokens?.close();
    rmSync(tokenDir, { recursive: true, force: true });
  });

  it('fetches a token from the realm with the stored credentials, caches it per scope, and publishes', async () => {
    const client = new OciClient(allowingRealm({ auths: { [registry.host]: { auth: basic('bob', password) } } }));
    const image = await pushImage(client, `${registry.host}/demo/app`, '1.0');
    const before = tokens.requests.length;
    const result = await client.attachEnvelope({ image: image.pinned, envelope: makeStatementEnvelope(image.digest, 'bearer'), predicateType: releasePredicate });
    expect(result).toMatchObject({ via: 'referrers-tag', alreadyPresent: false });
    const found = await client.findEnvelopes(image.pinned);
    expect(found).toHaveLength(1);
    // Tens of requests, but a token per scope once: pushing asks for pull,push and reuses it to read.
    expect(tokens.requests.length - before).toBeLessThanOrEqual(1);
    expect(tokens.requests.every((request) => request.user === 'bob')).toBe(true);
    expect(tokens.requests.flatMap((request) => request.scopes)).toContain('repository:demo/app:pull,push');
  });

  it('says oci-unauthorized when the token server refuses the credentials, or gives an anonymous token no access', async () => {
    const wrong = await caught(new OciClient(allowingRealm({ auths: { [registry.host]: { auth: basic('bob', 'nope') } } })).resolveImage(`${registry.host}/demo/app:1.0`));
    expect(wrong.code).toBe('oci-unauthorized');
    expect(wrong.message).toContain('refused');
    const anonymous = await caught(new OciClient(allowingRealm({})).resolveImage(`${registry.host}/demo/app:1.0`));
    expect(anonymous.code).toBe('oci-unauthorized');
    expect(anonymous.message).toContain(`docker login ${registry.host}`);
  });

  it('trades an identity token (identitytoken in the Docker config) for an access token', async () => {
    const before = tokens.requests.length;
    const client = new OciClient(allowingRealm({ auths: { [registry.host]: { identitytoken: 'identity-token-of-bob' } } }));
    await expect(client.resolveImage(`${registry.host}/demo/app:1.0`)).resolves.toMatchObject({ repository: 'demo/app' });
    expect(tokens.requests.slice(before)).toEqual([{ scopes: ['repository:demo/app:pull'], user: 'bob' }]);
  });

  it('says oci-denied when the credentials may read but not push', async () => {
    const reader = new OciClient(allowingRealm({ auths: { [registry.host]: { auth: basic('reader', password) } } }));
    const image = await reader.resolveImage(`${registry.host}/demo/app:1.0`);
    const denied = await caught(reader.attachEnvelope({ image: image.pinned, envelope: makeStatementEnvelope(image.digest, 'no push'), predicateType: releasePredicate }));
    expect(denied.code).toBe('oci-denied');
    expect(denied.message).toContain('push');
  });
});

describe('Docker config lookup', () => {
  it('finds Docker Hub under its old index URL, an identity token, and honours DOCKER_CONFIG', async () => {
    const hub = optionsWith({ auths: { 'https://index.docker.io/v1/': { auth: basic('carol', 'pw:with:colons') } } });
    await expect(findCredentials('docker.io', hub)).resolves.toEqual({ kind: 'basic', username: 'carol', password: 'pw:with:colons' });
    await expect(findCredentials('ghcr.io', hub)).resolves.toBeUndefined();
    const token = optionsWith({ auths: { 'registry.example.com': { identitytoken: 'refresh-me' } } });
    await expect(findCredentials('registry.example.com', token)).resolves.toEqual({ kind: 'identity-token', token: 'refresh-me' });
    const dir = writeDockerConfig(join(scratch, 'from-env'), { auths: { 'ghcr.io': { auth: basic('dave', 'x') } } });
    await expect(findCredentials('ghcr.io', { env: { DOCKER_CONFIG: dir }, homeDir: '/nonexistent-conclave-home' })).resolves.toMatchObject({ username: 'dave' });
  });

  it('says what is wrong with a Docker config that is not JSON', async () => {
    const dir = join(scratch, 'broken');
    writeDockerConfig(dir, {});
    writeFileSync(join(dir, 'config.json'), '{"auths": {');
    const error = await caught(findCredentials('ghcr.io', { dockerConfigDir: dir }));
    expect(error.code).toBe('oci-credentials-invalid');
    expect(error.message).toContain(join(dir, 'config.json'));
  });
});
