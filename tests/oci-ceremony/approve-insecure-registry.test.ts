/**
 * Issue 14: `conclave ceremony approve --insecure-registry HOST` reaches a
 * plain-HTTP registry for the approval's Notary step, as `ceremony open` and
 * `publish` do. A certificate approver (the identity lab, SoftHSM2 tokens)
 * approves a ceremony over an image in Debian's docker-registry, reached at an
 * address of this machine that is not loopback (where plain HTTP needs the
 * flag): without it the approval is made without a Notary signature; with it
 * the approval carries one over the image. The window's approve call does the
 * same with the registries Settings → Registries allows.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../electron/cli/index';
import { dispatchCall } from '../../electron/core/api/dispatch';
import { createCore } from '../../electron/core/create-core';
import { CeremonyService } from '../../electron/core/ceremony/ceremony-service';
import { CeremonyStore } from '../../electron/core/ceremony/event-store';
import { OciClient, type OciOptions } from '../../electron/core/oci';
import { fetchingCrlProvider } from '../../electron/core/x509/crl-provider';
import type { ApprovedEvent } from '../../shared/ceremony/events';
import { fromBase64 } from '../../shared/encoding/base64';
import { readNotarySignature } from '../../shared/notary/check';
import { makeIdentityLab, pin, type IdentityLab } from '../identity/lab';
import { pushImage, type PushedImage } from '../oci/fixtures';
import { startRegistry, type TestRegistry } from '../support/registry';
import { makeDataDir, softhsmModule } from '../support/softhsm';
import { makeTestKey } from '../support/test-keys';
import { writeImageProvenance } from './support/ceremony';
import { startCuttingProxy, type CuttingProxy } from './support/cutting-proxy';

/** An address of this machine that is not loopback, where plain HTTP needs --insecure-registry. */
const networkAddress = Object.values(networkInterfaces())
  .flat()
  .find((entry) => entry !== undefined && entry.family === 'IPv4' && !entry.internal)?.address;

let lab: IdentityLab;
let registry: TestRegistry;
let proxy: CuttingProxy;
let home: ReturnType<typeof makeDataDir>;
let storeDir: string;
let policyPath: string;
let image: PushedImage;
let insecure: OciOptions;

async function conclave(args: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(args, {
    out: (text) => (out += text),
    err: (text) => (err += text),
    env: { ...process.env, ...lab.folder.env, HOME: '/nonexistent-conclave-home', CONCLAVE_HOME: home.dir, CONCLAVE_STORE: storeDir, CONCLAVE_PKCS11_MODULES: softhsmModule!, PIN: pin },
    interactive: () => false,
  });
  return { code, out, err };
}

const service = () => new CeremonyService(new CeremonyStore(storeDir), lab.signer, () => new Date(), {}, fetchingCrlProvider());

async function openCeremony(version: string): Promise<string> {
  const name = `${proxy.host}/acme/lan`;
  const provenance = writeImageProvenance(home.dir, makeTestKey('ecdsa-p256'), [{ name, digest: image.digest }], `lan-${version}.intoto.jsonl`);
  const { view } = await service().open({ policyPath, release: { name: 'lan', version }, artifactPaths: [], imageReferences: [image.pinned], registry: insecure, provenancePaths: [provenance.path], provenanceKeyPaths: [provenance.keyPath], openerKeyUri: lab.keyUri('rita') });
  expect(view.state).toBe('frozen');
  return view.id;
}

const aliceApproval = async (id: string) => (await service().load(id)).events.map((entry) => entry.event).find((event): event is ApprovedEvent => event.type === 'approved' && event.keyId === lab.keys.alice.keyId)!;

beforeAll(async () => {
  if (networkAddress === undefined) return;
  lab = await makeIdentityLab();
  registry = await startRegistry();
  proxy = await startCuttingProxy(Number(registry.host.split(':')[1]), networkAddress);
  insecure = { homeDir: '/nonexistent-conclave-home', env: {}, insecureRegistries: [proxy.host] };
  home = makeDataDir();
  storeDir = join(home.dir, 'store');
  mkdirSync(storeDir);
  image = await pushImage(new OciClient(insecure), `${proxy.host}/acme/lan`, '1.0.0', 'on the LAN, over plain HTTP\n');
  policyPath = join(home.dir, 'policy.json');
  writeFileSync(policyPath, JSON.stringify(lab.policy(), null, 2));
  expect((await conclave(['policy', 'trust', policyPath, '--yes'])).code).toBe(0);
}, 240_000);

afterAll(async () => {
  await proxy?.close();
  await registry?.stop();
  await lab?.close();
  home?.cleanup();
});

describe.skipIf(networkAddress === undefined)('conclave ceremony approve and a plain-HTTP registry', () => {
  it('signs no Notary signature without --insecure-registry: the registry is refused, the approval is still made', async () => {
    const id = await openCeremony('1.0.0');
    const approved = await conclave(['ceremony', 'approve', id, '--key', lab.keyUri('alice'), '--pin-env', 'PIN']);
    expect(approved.code, approved.err).toBe(0);
    const approval = await aliceApproval(id);
    expect(approval.notarySignatures ?? []).toEqual([]);
  }, 120_000);

  it('signs the Notary signature over the image read through the plain-HTTP registry with --insecure-registry', async () => {
    const id = await openCeremony('1.0.1');
    const approved = await conclave(['ceremony', 'approve', id, '--key', lab.keyUri('alice'), '--pin-env', 'PIN', '--insecure-registry', proxy.host]);
    expect(approved.code, approved.err).toBe(0);
    const approval = await aliceApproval(id);
    expect(approval.notarySignatures).toHaveLength(1);
    const signature = readNotarySignature(fromBase64(approval.notarySignatures![0]!));
    expect(signature.target).toEqual({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: image.digest, size: image.manifest.length });
    expect(signature.annotations['dev.conclave.ceremony.id']).toBe(id);
  }, 120_000);
});

describe.skipIf(networkAddress === undefined)("the window's approve and Settings → Registries", () => {
  it('signs the Notary signature through a plain-HTTP registry only once Settings allows it', async () => {
    const core = createCore({ dataDir: home.dir, storeDir, shell: 'browser', version: 'test', modules: [{ path: softhsmModule!, env: lab.folder.env }] });
    try {
      const approve = async (id: string, operationId: string) => {
        const statementDigest = (await service().load(id)).view.frozen!.statementDigest;
        const result = await dispatchCall(core.handlers, 'ceremonies.approve', { id, operationId, keyUri: lab.keyUri('alice'), pin: Buffer.from(pin), statementDigest });
        expect(result.ok, JSON.stringify(result)).toBe(true);
      };
      const refused = await openCeremony('2.0.0');
      await approve(refused, 'approve-lan-0');
      expect((await aliceApproval(refused)).notarySignatures ?? []).toEqual([]);

      expect((await dispatchCall(core.handlers, 'settings.setInsecureRegistries', { hosts: [proxy.host] })).ok).toBe(true);
      const allowed = await openCeremony('2.0.1');
      await approve(allowed, 'approve-lan-1');
      const approval = await aliceApproval(allowed);
      expect(approval.notarySignatures).toHaveLength(1);
      expect(readNotarySignature(fromBase64(approval.notarySignatures![0]!)).target.digest).toBe(image.digest);
    } finally {
      await core.dispose();
    }
  }, 180_000);
});
