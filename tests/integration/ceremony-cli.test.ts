/**
 * A whole k-of-n ceremony from the command line, with three SoftHSM2 tokens
 * and real provenance from slsa-github-generator, checked at the end by
 * `conclave verify`, by OpenSSL over the PAE bytes, and by @sigstore/verify.
 */
import { execFileSync } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleFromJSON } from '@sigstore/bundle';
import { Verifier, toSignedEntity } from '@sigstore/verify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../electron/cli/index';
import { inTotoPayloadType, pae } from '../../shared/dsse/pae';
import { makeDataDir, makeTokenFolder, softhsmModule, type TokenFolder } from '../support/softhsm';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/real/${name}`, import.meta.url));
const artifactName = 'binary-linux-amd64-multi-subject-first';

let folder: TokenFolder;
let home: ReturnType<typeof makeDataDir>;
let work: string;
const publicKeys: Record<string, string> = {};

async function conclave(args: string[], env: Record<string, string> = {}) {
  let out = '';
  let err = '';
  const code = await runCli(args, {
    out: (text) => (out += text),
    err: (text) => (err += text),
    env: { ...process.env, ...folder.env, CONCLAVE_HOME: home.dir, CONCLAVE_STORE: join(home.dir, 'store'), CONCLAVE_PKCS11_MODULES: softhsmModule!, PIN: '1234', ...env },
    interactive: () => false,
  });
  return { code, out, err };
}

const key = (who: string) => `pkcs11:token=${who};object=release-signing`;

beforeAll(async () => {
  folder = makeTokenFolder();
  home = makeDataDir();
  work = join(home.dir, 'work');
  mkdirSync(work);
  const algorithms = { alice: 'ecdsa-p256', bob: 'ed25519', carol: 'rsa-3072', rita: 'ecdsa-p384', mallory: 'ecdsa-p256' } as const;
  for (const [who, alg] of Object.entries(algorithms)) {
    folder.addToken(who, '1234');
    const made = await conclave(['keygen', key(who), '--alg', alg, '--pin-env', 'PIN']);
    expect(made.code, made.err).toBe(0);
    publicKeys[who] = (await conclave(['pubkey', key(who)])).out;
  }
  writeFileSync(
    join(work, 'policy.json'),
    JSON.stringify({
      version: 1,
      name: 'release',
      threshold: 2,
      approvers: [
        { id: 'alice', role: 'security', publicKey: publicKeys.alice },
        { id: 'bob', role: 'engineering', publicKey: publicKeys.bob },
        { id: 'carol', role: 'engineering', publicKey: publicKeys.carol },
      ],
      releaseManagers: [{ id: 'rita', name: 'Rita Release', publicKey: publicKeys.rita }],
      roles: { security: 1 },
    }),
  );
  copyFileSync(fixture(artifactName), join(work, artifactName));
  // The team's policy, trusted on this machine after checking its digest (issue 10).
  const trusted = await conclave(['policy', 'trust', join(work, 'policy.json'), '--yes']);
  expect(trusted.code, trusted.err).toBe(0);
  expect(trusted.out).toMatch(/^Trusted on this machine: sha256:[0-9a-f]{64}/m);
});

afterAll(() => {
  folder?.cleanup();
  home?.cleanup();
});

describe('a 2-of-3 ceremony on the command line', () => {
  let id: string;

  it('opens, checks the evidence, and freezes when nothing fails', async () => {
    const opened = await conclave([
      'ceremony', 'open', '--policy', join(work, 'policy.json'), '--release', 'slsa-demo@1.0.0',
      '--artifact', join(work, artifactName), '--provenance', fixture(`${artifactName}.intoto.jsonl`), '--key', key('rita'), '--pin-env', 'PIN',
    ]);
    expect(opened.code, opened.err).toBe(0);
    id = opened.out.split('\n')[0]!;
    expect(id).toMatch(/^c-\d{8}-[a-z2-7]{10}$/);
    expect(opened.out).toContain('FROZEN');
    // The real provenance names this artifact with the same digest.
    expect(opened.out).toMatch(/pass\s+.*binary-linux-amd64-multi-subject-first/);
    const listed = await conclave(['ceremony', 'list']);
    expect(listed.out).toContain(id);
  });

  it('opens only with a key, and only with a key of the policy', async () => {
    const keyless = await conclave(['ceremony', 'open', '--policy', join(work, 'policy.json'), '--release', 'slsa-demo@9.9.9', '--artifact', join(work, artifactName)]);
    expect(keyless.code).toBe(2);
    expect(keyless.err).toMatch(/--key/);
    const outsider = await conclave(['ceremony', 'open', '--policy', join(work, 'policy.json'), '--release', 'slsa-demo@9.9.9', '--artifact', join(work, artifactName), '--key', key('mallory'), '--pin-env', 'PIN']);
    expect(outsider.code).toBe(1);
    expect(outsider.err).toMatch(/belongs to nobody in this ceremony's policy/);
    expect((await conclave(['ceremony', 'list'])).out).not.toContain('9.9.9');
  });

  it('refuses a key outside the policy before asking it to sign', async () => {
    const outsider = await conclave(['ceremony', 'approve', id, '--key', key('mallory'), '--pin-env', 'PIN']);
    expect(outsider.code).toBe(1);
    expect(outsider.err).toMatch(/not one of this ceremony's policy/);
  });

  it('collects approvals and a signed rejection until the policy is met', async () => {
    const first = await conclave(['ceremony', 'approve', id, '--key', key('bob'), '--pin-env', 'PIN']);
    expect(first.code, first.err).toBe(0);
    // One line of what happened, then what comes next.
    expect(first.out).toMatch(new RegExp(`^Approved ${id} as bob \\(1 of 2 approvals; .*security`));
    expect(first.out).toMatch(new RegExp(`Next: each approver reviews it and runs conclave ceremony approve ${id} --key URI --statement sha256:[0-9a-f]{64}`));
    expect(first.err).toMatch(/You are signing statement sha256:/);

    const rejected = await conclave(['ceremony', 'reject', id, '--key', key('carol'), '--pin-env', 'PIN', '--reason', 'builder on a branch, not a tag']);
    expect(rejected.code, rejected.err).toBe(0);
    expect(rejected.out).toMatch(new RegExp(`^Rejected ${id} as carol`));
    const shown = await conclave(['ceremony', 'show', id]);
    expect(shown.out).toContain('FROZEN');
    expect(shown.out).toContain('builder on a branch, not a tag');

    const early = await conclave(['ceremony', 'publish', id, '--out', join(work, 'out'), '--key', key('rita'), '--pin-env', 'PIN']);
    expect(early.code).toBe(1);
    expect(early.err).toMatch(/not approved/);

    const second = await conclave(['ceremony', 'approve', id, '--key', key('alice'), '--pin-env', 'PIN']);
    expect(second.code, second.err).toBe(0);
    expect(second.out).toMatch(new RegExp(`^Approved ${id} as alice`));
    expect(second.out).toContain(`Next: conclave ceremony publish ${id} --out DIR --key URI`);
    const quiet = await conclave(['ceremony', 'show', id, '--quiet']);
    expect(quiet).toMatchObject({ code: 0, out: '' });
  });

  it('publishes one envelope that conclave verify, OpenSSL and a Sigstore verifier all accept', async () => {
    const out = join(work, 'out');
    const published = await conclave(['ceremony', 'publish', id, '--out', out, '--key', key('rita'), '--pin-env', 'PIN']);
    expect(published.code, published.err).toBe(0);
    expect(published.out).toMatch(/verified: .*alice.*bob|verified: .*bob.*alice/);
    expect(readdirSync(out).sort()).toEqual([
      'slsa-demo-1.0.0.alice.sigstore.json',
      'slsa-demo-1.0.0.bob.sigstore.json',
      'slsa-demo-1.0.0.intoto.dsse.json',
      'slsa-demo-1.0.0.policy.json',
      'slsa-demo-1.0.0.summary.txt',
      // The publisher's Verification Summary Attestation (issue 14), as DSSE and as a Sigstore bundle.
      'slsa-demo-1.0.0.vsa.intoto.dsse.json',
      'slsa-demo-1.0.0.vsa.sigstore.json',
    ]);
    const envelopePath = join(out, 'slsa-demo-1.0.0.intoto.dsse.json');
    const verified = await conclave(['verify', '--policy', join(work, 'policy.json'), '--envelope', envelopePath, '--artifact', join(work, artifactName)]);
    expect(verified.code, verified.out).toBe(0);
    expect(verified.out).toMatch(/^verified: /);

    // Not ours: OpenSSL checks each signature over the PAE bytes.
    const envelope = JSON.parse(readFileSync(envelopePath, 'utf8'));
    const paeBytes = pae(inTotoPayloadType, Buffer.from(envelope.payload, 'base64'));
    writeFileSync(join(work, 'pae.bin'), paeBytes);
    for (const [index, signature] of envelope.signatures.entries()) {
      const who = Object.keys(publicKeys).find((name) => createKeyId(publicKeys[name]!) === signature.keyid)!;
      writeFileSync(join(work, `${who}.pem`), publicKeys[who]!);
      writeFileSync(join(work, `sig${index}.bin`), Buffer.from(signature.sig, 'base64'));
      const args =
        who === 'bob'
          ? ['pkeyutl', '-verify', '-pubin', '-inkey', `${who}.pem`, '-rawin', '-in', 'pae.bin', '-sigfile', `sig${index}.bin`]
          : ['dgst', '-sha256', '-verify', `${who}.pem`, '-signature', `sig${index}.bin`, 'pae.bin'];
      expect(execFileSync('openssl', args, { cwd: work }).toString()).toMatch(/Verified OK|Signature Verified Successfully/);
    }

    // Not ours either: @sigstore/verify checks each approver's bundle with that approver's key.
    const verifier = new Verifier(
      { certificateAuthorities: [], timestampAuthorities: [], tlogs: [], ctlogs: [], publicKey: (hint) => ({ publicKey: createPublicKey(publicKeys[Object.keys(publicKeys).find((name) => createKeyId(publicKeys[name]!) === hint)!]!), validFor: () => true }) },
      { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 },
    );
    for (const who of ['alice', 'bob']) {
      const bundle = bundleFromJSON(JSON.parse(readFileSync(join(out, `slsa-demo-1.0.0.${who}.sigstore.json`), 'utf8')));
      expect(() => verifier.verify(toSignedEntity(bundle))).not.toThrow();
    }

    const shown = await conclave(['ceremony', 'show', id, '--json']);
    expect(JSON.parse(shown.out).state).toBe('published');
  });

  it('fails verification for an artifact that is not the one signed, and says which', async () => {
    const other = join(work, artifactName.replace('first', 'other'));
    writeFileSync(other, 'not the release\n');
    const envelopePath = join(work, 'out', 'slsa-demo-1.0.0.intoto.dsse.json');
    const result = await conclave(['verify', '--policy', join(work, 'policy.json'), '--envelope', envelopePath, '--artifact', other]);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/NOT verified/);
    expect(result.out).toContain('binary-linux-amd64-multi-subject-other');
  });
});

describe('evidence that fails', () => {
  it('blocks freezing when the provenance comes from a builder the policy does not allow', async () => {
    const policy = JSON.parse(readFileSync(join(work, 'policy.json'), 'utf8'));
    policy.evidence = { builders: ['https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml'] };
    writeFileSync(join(work, 'strict-policy.json'), JSON.stringify(policy));
    expect((await conclave(['policy', 'trust', join(work, 'strict-policy.json'), '--yes'])).code).toBe(0);
    const opened = await conclave([
      'ceremony', 'open', '--policy', join(work, 'strict-policy.json'), '--release', 'slsa-demo@1.0.1',
      '--artifact', join(work, artifactName), '--provenance', fixture('binary-linux-amd64-untrusted-builder.intoto.jsonl'), '--key', key('rita'), '--pin-env', 'PIN',
    ]);
    // Exit 3: opened, but blocked until someone decides about the failed finding.
    expect(opened.code, opened.err).toBe(3);
    expect(opened.out).toContain('OPEN');
    expect(opened.out).toMatch(/Blocked: 2 findings failed and the policy allows no override\. Next: conclave ceremony cancel/);
    expect(opened.out).toMatch(/fail\s+.*asraa\/slsa-github-generator/);
    const id = opened.out.split('\n')[0]!;
    const freeze = await conclave(['ceremony', 'freeze', id, '--key', key('rita'), '--pin-env', 'PIN']);
    expect(freeze.code).toBe(1);
    expect(freeze.err).toMatch(/cannot be frozen/);
  });
});

function createKeyId(pem: string): string {
  return execFileSync('openssl', ['dgst', '-sha256', '-r'], { input: createPublicKey(pem).export({ type: 'spki', format: 'der' }) }).toString().split(' ')[0]!;
}
