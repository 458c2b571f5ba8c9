/**
 * Images through the window's API (the same dispatch as IPC and the browser
 * shell): 'ceremonies.open' with `images` and no files, and
 * 'ceremonies.publish' saying where the envelope was attached. Demo SoftHSM2
 * tokens and the demo policy; a real docker-registry on loopback.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dispatchCall } from '../../electron/core/api/dispatch';
import { createCore } from '../../electron/core/create-core';
import type { Core } from '../../electron/core';
import { OciClient } from '../../electron/core/oci';
import type { CallName } from '../../shared/api/contract';
import { pushImage, type PushedImage } from '../oci/fixtures';
import { makeDataDir, makeTokenFolder, softhsmModule, type TokenFolder } from '../support/softhsm';
import { startRegistry, type TestRegistry } from '../support/registry';
import { makeTestKey } from '../support/test-keys';
import { writeImageProvenance } from './support/ceremony';
import { startCuttingProxy, type CuttingProxy } from './support/cutting-proxy';
import { networkInterfaces } from 'node:os';

let folder: TokenFolder;
let home: ReturnType<typeof makeDataDir>;
let core: Core;
let registry: TestRegistry;
let image: PushedImage;

async function call<T = unknown>(name: CallName, input: unknown): Promise<T> {
  const result = await dispatchCall(core.handlers, name, input);
  if (!result.ok) throw Object.assign(new Error(result.error.message), { code: result.error.code });
  return result.value as T;
}

beforeAll(async () => {
  folder = makeTokenFolder();
  home = makeDataDir();
  registry = await startRegistry();
  image = await pushImage(new OciClient({ homeDir: '/nonexistent-conclave-home', env: {} }), `${registry.host}/acme/app`, '1.0.0', 'through the window\n');
  core = createCore({ dataDir: home.dir, shell: 'browser', version: 'test', modules: [{ path: softhsmModule!, env: folder.env }] });
  await call('demo.create', {});
});

afterAll(async () => {
  await core?.dispose();
  await registry?.stop();
  folder?.cleanup();
  home?.cleanup();
});

describe("images through the window's API", () => {
  it('opens over an image tag alone, and publishing attaches the envelope and gives the oci:// verify command', async () => {
    const [policy] = await call<{ path: string }[]>('policies.createDemo', {});
    const keys = await call<{ tokenLabel: string; keyUri: string }[]>('policies.signingKeys', { policyPath: policy!.path });
    const keyOf = (label: string) => keys.find((key) => key.tokenLabel === label)!.keyUri;

    const refused = await dispatchCall(core.handlers, 'ceremonies.open', { operationId: 'open-image-0', policyPath: policy!.path, release: { name: 'app', version: '1.0.0' }, artifactPaths: [], images: [], provenancePaths: [], keyUri: keyOf('carol'), pin: Buffer.from('123456') });
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.error.message).toContain('Add at least one artifact file or image.');

    const provenance = writeImageProvenance(home.dir, makeTestKey('ecdsa-p256'), [{ name: `${registry.host}/acme/app`, digest: image.digest }]);
    const detail = await call<{ id: string; state: string; artifacts: { name: string; sha256: string }[]; findings: { id: string; status: string; message: string }[] }>('ceremonies.open', {
      operationId: 'open-image-1',
      policyPath: policy!.path,
      release: { name: 'app', version: '1.0.0' },
      artifactPaths: [],
      images: [image.reference],
      provenancePaths: [provenance.path],
      keyUri: keyOf('carol'),
      pin: Buffer.from('123456'),
    });
    expect(detail.state).toBe('frozen');
    expect(detail.artifacts).toEqual([{ name: `${registry.host}/acme/app`, sha256: image.digest.slice('sha256:'.length), reference: image.pinned }]);
    expect(detail.findings.some((finding) => finding.status === 'pass' && finding.message.includes(`${image.reference} resolved to ${image.digest}`))).toBe(true);
    await call('ceremonies.approve', { id: detail.id, keyUri: keyOf('alice'), pin: Buffer.from('123456'), statementDigest: (await call<{ statement: { digest: string } }>('ceremonies.get', { id: detail.id })).statement.digest });
    await call('ceremonies.approve', { id: detail.id, keyUri: keyOf('bob'), pin: Buffer.from('123456'), statementDigest: (await call<{ statement: { digest: string } }>('ceremonies.get', { id: detail.id })).statement.digest });

    const published = await call<{ verifyCommand: string; registry?: { image: string; via: string; alreadyPresent: boolean; artifactDigest: string }[] }>('ceremonies.publish', { id: detail.id, keyUri: keyOf('carol'), pin: Buffer.from('123456') });
    expect(published.registry).toEqual([{ image: image.pinned, via: 'referrers-tag', alreadyPresent: false, artifactDigest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) }]);
    expect(published.verifyCommand).toMatch(new RegExp(`^conclave verify --policy \\S+ oci://${image.pinned.replace(/[.]/g, '\\.')}$`));
    expect((await fetch(`${registry.url}/v2/acme/app/manifests/sha256-${image.digest.slice('sha256:'.length)}.att`, { headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' } })).status).toBe(200);
  });

  /** An address of this machine that is not loopback: plain HTTP there needs the user's say-so. */
  const networkAddress = Object.values(networkInterfaces())
    .flat()
    .find((entry) => entry !== undefined && entry.family === 'IPv4' && !entry.internal)?.address;
  let proxy: CuttingProxy | undefined;
  afterEach(async () => {
    await proxy?.close();
    await call('settings.setInsecureRegistries', { hosts: [] });
  });

  it.skipIf(networkAddress === undefined)('reaches a plain-HTTP registry off loopback only once Settings → Registries allows it', async () => {
    proxy = await startCuttingProxy(Number(registry.host.split(':')[1]), networkAddress);
    const remote = await pushImage(new OciClient({ homeDir: '/nonexistent-conclave-home', env: {}, insecureRegistries: [proxy.host] }), `${proxy.host}/acme/lan`, '2.0.0', 'on the LAN\n');
    const [policy] = await call<{ path: string }[]>('policies.list', {});
    const keys = await call<{ tokenLabel: string; keyUri: string }[]>('policies.signingKeys', { policyPath: policy!.path });
    const open = (operationId: string) =>
      dispatchCall(core.handlers, 'ceremonies.open', { operationId, policyPath: policy!.path, release: { name: 'lan', version: '2.0.0' }, artifactPaths: [], images: [remote.reference], provenancePaths: [], keyUri: keys.find((key) => key.tokenLabel === 'carol')!.keyUri, pin: Buffer.from('123456') });

    const refused = await open('open-lan-0');
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.error.message).toContain('Settings → Registries');

    await call('settings.setInsecureRegistries', { hosts: [proxy.host] });
    const opened = await open('open-lan-1');
    expect(opened.ok && (opened.value as { artifacts: { sha256: string }[] }).artifacts).toEqual([expect.objectContaining({ sha256: remote.digest.slice('sha256:'.length) })]);
  });
});
