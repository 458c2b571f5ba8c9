/**
 * docs/verify.md, run: each block it marks as tested is read from the page by
 * name and run by bash as a reader would, with `conclave` on PATH (the CLI
 * from source), SoftHSM2 tokens for rita (release manager), alice, bob and
 * carol, and a real docker-registry that wants a password (htpasswd), reached
 * with a Docker config. Every other block must say it is not runnable here.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../electron/cli/index';
import { inTotoPayloadType, pae } from '../../shared/dsse/pae';
import { OciClient } from '../../electron/core/oci';
import { pushImage, writeDockerConfig, type PushedImage } from '../oci/fixtures';
import { makeDataDir, makeTokenFolder, softhsmModule, type TokenFolder } from '../support/softhsm';
import { startRegistry, type TestRegistry } from '../support/registry';
import { makeTestKey } from '../support/test-keys';
import { writeImageProvenance } from './support/ceremony';
import { fencedBlock, fencedBlocks } from './support/docs';
import { installConclave, runShell } from './support/shell';

const password = 'ci-Pa55word';
const people = ['rita', 'alice', 'bob', 'carol'] as const;
const keyUri = (who: string) => `pkcs11:token=${who};object=release-signing`;

let folder: TokenFolder;
let home: ReturnType<typeof makeDataDir>;
let work: string;
let registry: TestRegistry;
let image: PushedImage;
let unapproved: PushedImage;
let env: Record<string, string>;
const publicKeys: Record<string, string> = {};

async function conclaveInProcess(args: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(args, { out: (text) => (out += text), err: (text) => (err += text), env: env, interactive: () => false });
  return { code, out, err };
}

beforeAll(async () => {
  folder = makeTokenFolder();
  home = makeDataDir();
  work = join(home.dir, 'work');
  mkdirSync(work);
  const bin = join(home.dir, 'bin');
  installConclave(bin, work);
  writeFileSync(join(home.dir, 'pin'), '1234\n');
  env = {
    PATH: `${bin}:${process.env.PATH ?? ''}`,
    HOME: join(home.dir, 'home'),
    ...folder.env,
    CONCLAVE_HOME: join(home.dir, 'data'),
    CONCLAVE_STORE: join(home.dir, 'store'),
    CONCLAVE_PKCS11_MODULES: softhsmModule!,
    PIN: '1234',
  };
  // Tokens and keys, made as an administrator would (the key URIs carry the PIN's file, so nothing prompts).
  for (const who of people) {
    folder.addToken(who, '1234');
    const made = await conclaveInProcess(['keygen', keyUri(who), '--alg', who === 'carol' ? 'ed25519' : 'ecdsa-p256', '--pin-env', 'PIN']);
    expect(made.code, made.err).toBe(0);
    publicKeys[who] = (await conclaveInProcess(['pubkey', keyUri(who)])).out;
    env[`${who.toUpperCase()}_KEY`] = `${keyUri(who)}?pin-source=file:${join(home.dir, 'pin')}`;
  }
  writeFileSync(
    join(work, 'release-policy.json'),
    JSON.stringify({
      version: 1,
      name: 'release',
      threshold: 2,
      approvers: [
        { id: 'alice', role: 'security', publicKey: publicKeys.alice },
        { id: 'bob', publicKey: publicKeys.bob },
        { id: 'carol', publicKey: publicKeys.carol },
      ],
      releaseManagers: [{ id: 'rita', name: 'Rita Release', publicKey: publicKeys.rita }],
    }),
  );

  registry = await startRegistry({ kind: 'htpasswd', users: { ci: password } });
  const dockerConfig = writeDockerConfig(join(work, 'ci-docker'), { auths: { [registry.host]: { auth: Buffer.from(`ci:${password}`).toString('base64') } } });
  const client = new OciClient({ dockerConfigDir: dockerConfig, env: {} });
  image = await pushImage(client, `${registry.host}/acme/app`, '1.2.3', 'app 1.2.3\n');
  unapproved = await pushImage(client, `${registry.host}/acme/tool`, '0.1', 'never approved\n');
  writeImageProvenance(work, makeTestKey('ecdsa-p256'), [{ name: `${registry.host}/acme/app`, digest: image.digest }], 'app.intoto.jsonl');
  Object.assign(env, { REGISTRY: registry.host, DOCKER_CONFIG: dockerConfig });
});

afterAll(async () => {
  await registry?.stop();
  folder?.cleanup();
  home?.cleanup();
});

describe('docs/verify.md', () => {
  it('marks every block it does not run as not runnable here, and names the test of every block it does', () => {
    const blocks = fencedBlocks().filter((block) => ['sh', 'yaml', 'bash'].includes(block.language));
    expect(blocks.length).toBeGreaterThan(6);
    const ranHere = ['publish-image', 'verify-image', 'verify-tag', 'docker-config', 'deploy-gate'];
    for (const block of blocks) {
      if (block.name !== undefined) {
        const file = block.name === 'insecure-registry' ? 'tests/oci-ceremony/publish-images.test.ts' : 'tests/oci-ceremony/verify-docs.test.ts';
        expect(ranHere.includes(block.name) || block.name === 'insecure-registry', `block ${block.name} at line ${block.line} is run by no test`).toBe(true);
        expect(block.before, `block ${block.name} at line ${block.line}`).toContain(`Tested by \`${file}\``);
      } else {
        expect(block.before, `the block at line ${block.line} is neither run by a test nor marked`).toContain("**Not runnable in Conclave's test environment**");
      }
    }
  });

  it('publish-image: opens over the tag, pins its digest, collects two approvals and attaches the envelope', async () => {
    const result = await runShell(fencedBlock('publish-image'), { cwd: work, env });
    expect(result.code, result.err + result.out).toBe(0);
    expect(result.out).toContain(`image    ${image.pinned}  attached (referrers tag`);
    env.IMAGE = image.pinned;
    const [ceremony] = JSON.parse((await runShell('conclave ceremony list --json', { cwd: work, env })).out) as { id: string; state: string; artifacts: { name: string; digest: { sha256: string }; reference: string }[]; findings: { id: string; message: string }[] }[];
    expect(ceremony).toMatchObject({ state: 'published', artifacts: [{ name: `${registry.host}/acme/app`, digest: { sha256: image.digest.slice(7) }, reference: image.pinned }] });
    expect(ceremony!.findings.find((finding) => finding.id === `image-resolved:${registry.host}/acme/app`)!.message).toContain(`${registry.host}/acme/app:1.2.3 resolved to ${image.digest}`);
    expect(readFileSync(join(work, 'dist', 'app-1.2.3.summary.txt'), 'utf8')).toContain(`conclave verify --policy app-1.2.3.policy.json oci://${image.pinned}`);
  });

  it('verify-image: exit 0, with who approved and where the envelope was found', async () => {
    const result = await runShell(fencedBlock('verify-image'), { cwd: work, env });
    expect(result.code, result.err).toBe(0);
    expect(result.out).toMatch(/^verified: alice, bob \(2 of 2 approvals\)\n/);
    expect(result.out).toContain(`release: app 1.2.3 (pkg:generic/app@1.2.3)`);
    expect(result.out).toMatch(new RegExp(`envelope sha256:[0-9a-f]{64} attached to ${image.pinned.replace(/[.]/g, '\\.')} \\(referrers tag, artifact sha256:[0-9a-f]{64}; cosign tag sha256-[0-9a-f]{64}\\.att\\)`));
    // Another image, with nothing attached: exit 1 and why.
    const other = await runShell(fencedBlock('verify-image'), { cwd: work, env: { ...env, IMAGE: unapproved.pinned } });
    expect(other.code).toBe(1);
    expect(other.out).toContain(`NOT verified: no Conclave envelope is attached to ${unapproved.pinned}`);
  });

  it('verify-tag: a tag is refused with exit 2', async () => {
    const result = await runShell(fencedBlock('verify-tag'), { cwd: work, env, strict: false });
    expect(result.code).toBe(2);
    expect(result.err).toContain('give the digest: conclave verify checks what you deploy, not what a tag points to now');
  });

  it('docker-config: credentials from DOCKER_CONFIG; without them the registry refuses and verify says so', async () => {
    const { DOCKER_CONFIG: _unused, ...withoutConfig } = env;
    const result = await runShell(fencedBlock('docker-config'), { cwd: work, env: withoutConfig });
    expect(result.code, result.err).toBe(0);
    expect(result.out).toMatch(/^verified: alice, bob/);
    const refused = await runShell(fencedBlock('verify-image'), { cwd: work, env: withoutConfig, strict: false });
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/^conclave: .*(docker login|credentials)/i);
    expect(refused.err).not.toContain(password);
  });

  it('deploy-gate: exit 0 for the approved digest, 1 for an image nothing approved, 2 for a tag', async () => {
    writeFileSync(join(work, 'deploy-gate.sh'), fencedBlock('deploy-gate'));
    const approved = await runShell('sh deploy-gate.sh "$IMAGE"', { cwd: work, env, strict: false });
    expect(approved.code, approved.err).toBe(0);
    expect(approved.out).toContain(`deploy-gate: ${image.pinned} is approved under release-policy.json; deploying it`);
    const refused = await runShell(`sh deploy-gate.sh '${unapproved.pinned}'`, { cwd: work, env, strict: false });
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('is not verified as approved');
    const tag = await runShell(`sh deploy-gate.sh '${registry.host}/acme/app:1.2.3'`, { cwd: work, env, strict: false });
    expect(tag.code).toBe(2);
    expect(tag.err).toContain('conclave verify was called wrongly (exit 2)');
  });

  it("what cosign verify-attestation --key alice.pub checks holds: alice's signature in the .att layer verifies with OpenSSL over PAE", async () => {
    // Not cosign (not installable here): the same layout and signature, read over the registry's HTTP API and checked with OpenSSL.
    const auth = { Authorization: `Basic ${Buffer.from(`ci:${password}`).toString('base64')}` };
    const hex = image.digest.slice('sha256:'.length);
    const att = (await (await fetch(`${registry.url}/v2/acme/app/manifests/sha256-${hex}.att`, { headers: { ...auth, Accept: 'application/vnd.oci.image.manifest.v1+json' } })).json()) as { layers: { digest: string; annotations: Record<string, string> }[] };
    // The approvals' envelope, then the publisher's Verification Summary (issue 14).
    expect(att.layers.map((layer) => layer.annotations)).toEqual([
      { 'dev.cosignproject.cosign/signature': '', predicateType: 'https://conclave.dev/release-approval/v1' },
      { 'dev.cosignproject.cosign/signature': '', predicateType: 'https://slsa.dev/verification_summary/v1' },
    ]);
    const envelope = (await (await fetch(`${registry.url}/v2/acme/app/blobs/${att.layers[0]!.digest}`, { headers: auth })).json()) as { payloadType: string; payload: string; signatures: { keyid: string; sig: string }[] };
    const payload = Buffer.from(envelope.payload, 'base64');
    const statement = JSON.parse(payload.toString('utf8')) as { subject: { digest: { sha256: string } }[]; predicateType: string };
    expect(statement.predicateType).toBe('https://conclave.dev/release-approval/v1');
    expect(statement.subject.map((subject) => subject.digest.sha256)).toContain(hex);
    writeFileSync(join(work, 'pae.bin'), pae(inTotoPayloadType, payload));
    writeFileSync(join(work, 'alice.pub'), publicKeys.alice!);
    const verifiedBy = envelope.signatures.filter((signature) => {
      writeFileSync(join(work, 'sig.der'), Buffer.from(signature.sig, 'base64'));
      try {
        execFileSync('openssl', ['dgst', '-sha256', '-verify', 'alice.pub', '-signature', 'sig.der', 'pae.bin'], { cwd: work, stdio: 'pipe' });
        return true;
      } catch {
        return false;
      }
    });
    expect(verifiedBy).toHaveLength(1);
  });
});
