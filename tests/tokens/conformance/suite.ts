/**
 * One token conformance suite (issue 13), run against each module family
 * (families.ts): the module starts (and, where it needs a service, says which
 * one is missing until the test starts it, then recovers by itself), its
 * tokens are listed and named by URIs that find each alone, keys are made
 * with every algorithm the family supports (and refused, as unsupported, for
 * the others), their public keys read and their signatures verified by Node,
 * a wrong PIN is refused as such, tokens sharing a serial stay apart, and the
 * real command line (bin/conclave.js, a process of its own) opens, approves
 * and publishes a ceremony with a key of the family.
 */
import { constants, createPublicKey, verify } from 'node:crypto';
import { chownSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Token, TokenKey } from '../../../shared/api/contract';
import { inTotoPayloadType, pae } from '../../../shared/dsse/pae';
import { keyAlgorithms, type KeyAlgorithm } from '../../../shared/keys/algorithms';
import { formatPkcs11Uri, parsePkcs11Uri } from '../../../shared/pkcs11/uri';
import type { SignatureScheme } from '../../../electron/core/tokens/host/protocol';
import { TokenService } from '../../../electron/core/tokens/token-service';
import { conclave as runConclave, fixture, hangBoundMs, type Run } from '../../cli-process/support';
import type { Family, RunningFamily } from './families';

/** CI sets CONCLAVE_TOKEN_FAMILIES=required: a family that cannot run fails there instead of being skipped. */
const required = process.env.CONCLAVE_TOKEN_FAMILIES === 'required';

const message = new TextEncoder().encode('a release statement, as Conclave signs it');

/** A wrong PIN of the right length (openCryptoki refuses a PIN longer than 8 as the wrong length, not as the wrong PIN). */
const wrong = (pin: string) => `${pin.slice(0, -1)}${pin.endsWith('9') ? '8' : '9'}`;

/** Whether Node verifies a token's signature with the key's public key, as DSSE verifiers would. */
export function nodeVerifies(key: TokenKey, scheme: SignatureScheme, data: Uint8Array, signature: Uint8Array): boolean {
  const publicKey = createPublicKey(key.publicKeyPem);
  switch (scheme) {
    case 'ecdsa': {
      const hash = key.type.kind === 'ecdsa' ? { 'P-256': 'sha256', 'P-384': 'sha384', 'P-521': 'sha512' }[key.type.curve] : 'sha256';
      return verify(hash, data, publicKey, signature);
    }
    case 'ed25519':
      return verify(null, data, publicKey, signature);
    case 'rsa-pss-sha256':
      return verify('sha256', data, { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, signature);
    case 'rsa-pkcs1-sha256':
      return verify('sha256', data, publicKey, signature);
  }
}

/** What each algorithm's key is, as the token service describes it. */
const expectedType: Record<KeyAlgorithm, object> = {
  'ecdsa-p256': { kind: 'ecdsa', curve: 'P-256' },
  'ecdsa-p384': { kind: 'ecdsa', curve: 'P-384' },
  'rsa-3072': { kind: 'rsa', bits: 3072 },
  ed25519: { kind: 'ed25519' },
};

/** Runs the built conclave as a pipeline would (a process group of its own), as the family's user; checks it ended and left nothing running. */
async function conclave(running: RunningFamily, args: string[], extraEnv: Record<string, string> = {}): Promise<Run> {
  const env = { ...running.cli.env, CONCLAVE_HOME: running.cli.dataDir, CONCLAVE_STORE: join(running.cli.dataDir, 'store'), ...extraEnv };
  const run = await runConclave(args, env, { cwd: running.cli.dataDir, ...(running.cli.user ? { user: running.cli.user } : {}) });
  expect(run.hung, `conclave ${args.join(' ')} did not end (killed). ${run.err}`).toBe(false);
  expect(run.leftovers, `conclave ${args.join(' ')} left processes running`).toEqual([]);
  return run;
}

/** Resolves once the service's modules satisfy `ready` (the service says when they change); the bound only catches a module that never recovers. */
function untilModules(service: TokenService, ready: () => boolean, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (ready()) return resolve();
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`${what}: ${JSON.stringify(service.snapshotModules().map((module) => [module.status, module.error]))}`));
    }, hangBoundMs);
    const stop = service.onEvent(() => {
      if (!ready()) return;
      clearTimeout(timer);
      stop();
      resolve();
    });
  });
}

export function conformanceSuite(family: Family): void {
  const unavailable = family.unavailable();
  if (unavailable && required) {
    describe(family.name, () => {
      it('runs here (CONCLAVE_TOKEN_FAMILIES=required)', () => {
        throw new Error(`${family.name} cannot run: ${unavailable}`);
      });
    });
    return;
  }
  // Skipped by name, with the reason and the command that installs what is missing: never passed silently.
  describe.skipIf(unavailable !== undefined)(unavailable ? `${family.name} (skipped: ${unavailable})` : family.name, () => {
    let running: RunningFamily;
    let service: TokenService | undefined;
    const keys = new Map<KeyAlgorithm, TokenKey>();

    beforeAll(async () => {
      running = await family.start();
    });

    afterAll(async () => {
      await service?.dispose();
      await running?.stop();
    });

    const tokenOf = (label: string): Token => {
      const token = service!.snapshotModules().flatMap((module) => module.tokens).find((candidate) => candidate.label === label);
      expect(token, `token "${label}" is listed`).toBeDefined();
      return token!;
    };
    const main = () => running.tokens[0]!;

    it(`starts the module${family.name.includes('swtpm') || family.name.includes('openCryptoki') ? ', names the service it misses, and recovers once that runs' : ''}`, async () => {
      // A short back-off: the test waits for the recovery, not for a minute.
      service = new TokenService(running.launcher, process.env, undefined, undefined, { retryDelayMs: () => 100 });
      const module = await service.addModule(running.module);
      if (running.service) {
        expect(module.status).toBe('failed');
        expect(module.error?.code).toBe('unavailable');
        expect(module.error?.message).toMatch(running.service.name);
        expect(module.error?.message).not.toMatch(/re-plug/);
        const recovered = untilModules(service, () => service!.snapshotModules()[0]?.status === 'ready', `${family.name} did not recover once its service ran`);
        await running.service.startService();
        await recovered;
      }
      const [snapshot] = service.snapshotModules();
      expect(snapshot?.status, JSON.stringify(snapshot?.error)).toBe('ready');
      expect(snapshot?.library?.manufacturer).toMatch(running.libraryManufacturer);
    });

    it('lists its tokens, each with a URI that names it alone', async () => {
      const tokens = service!.snapshotModules()[0]!.tokens;
      for (const { label } of running.tokens) {
        const token = tokenOf(label);
        const resolved = await service!.resolveToken(token.uri);
        expect(resolved.token).toMatchObject({ label, slotId: token.slotId, serial: token.serial });
      }
      expect(new Set(tokens.map((token) => token.uri)).size).toBe(tokens.length);
      if (family.repeatsSerials) {
        // Serials repeat in this family (tpm2-pkcs11, NSS): still one URI per token, each finding its own.
        const serials = tokens.map((token) => token.serial);
        expect(new Set(serials).size).toBeLessThan(serials.length);
        for (const token of tokens) expect((await service!.resolveToken(token.uri)).token.slotId).toBe(token.slotId);
      }
    });

    for (const algorithm of keyAlgorithms) {
      if (family.algorithms.includes(algorithm)) {
        it(`makes an ${algorithm} key, lists it with its public key, signs, and Node verifies the signature`, async () => {
          const token = tokenOf(main().label);
          const made = await service!.generateKey(token.uri, `conformance-${algorithm}`, algorithm, main().pin);
          expect(made.type).toMatchObject(expectedType[algorithm]);
          // Listed as made: the same public key, before and after logging in (private keys show only then).
          const listed = (await service!.listKeys(token.uri)).find((key) => key.label === made.label);
          expect(listed?.keyId).toBe(made.keyId);
          const loggedIn = (await service!.login(token.uri, main().pin)).find((key) => key.label === made.label);
          expect(loggedIn).toMatchObject({ keyId: made.keyId, hasPrivateKey: true });
          const { signature, scheme, key } = await service!.sign(listed!.uri, message, main().pin);
          expect(key.keyId).toBe(made.keyId);
          expect(nodeVerifies(made, scheme, message, signature), `${scheme} signature verifies`).toBe(true);
          expect(nodeVerifies(made, scheme, new TextEncoder().encode('another statement'), signature)).toBe(false);
          keys.set(algorithm, made);
        });
      } else if (family.unsupported.includes(algorithm)) {
        it(`refuses to make an ${algorithm} key: the token does not offer it`, async () => {
          await expect(service!.generateKey(tokenOf(main().label).uri, `conformance-${algorithm}`, algorithm, main().pin)).rejects.toMatchObject({ code: 'mechanism-unsupported' });
        });
      }
    }

    it('refuses a wrong PIN as a wrong PIN, naming the token, and signs nothing', async () => {
      const key = keys.get(family.algorithms[0]!)!;
      expect(key).toBeDefined();
      const refused = service!.sign(key.uri, message, wrong(main().pin));
      await expect(refused).rejects.toMatchObject({ code: 'pin-incorrect' });
      await expect(refused).rejects.toThrow(new RegExp(`"${main().label}"`));
      // The right PIN still works: nothing was locked or left half-done.
      await expect(service!.sign(key.uri, message, main().pin)).resolves.toMatchObject({ key: { keyId: key.keyId } });
    });

    // Families with two tokens to make keys on (SoftHSM2, tpm2-pkcs11); NSS's second token is its read-only crypto token.
    it('keeps two tokens apart: the same key label on each, each signing with its own key, each named in its own errors', async (context) => {
      if (running.tokens.length < 2) return context.skip();
      const [first, second] = running.tokens as [(typeof running.tokens)[0], (typeof running.tokens)[0]];
      const algorithm = family.algorithms.find((candidate) => candidate.startsWith('ecdsa')) ?? family.algorithms[0]!;
      const mine = await service!.generateKey(tokenOf(first.label).uri, 'shared-label', algorithm, first.pin);
      const theirs = await service!.generateKey(tokenOf(second.label).uri, 'shared-label', algorithm, second.pin);
      expect(theirs.keyId).not.toBe(mine.keyId);
      for (const [key, token] of [
        [mine, first],
        [theirs, second],
      ] as const) {
        const { signature, scheme, key: signer } = await service!.sign(key.uri, message, token.pin);
        expect(signer.keyId).toBe(key.keyId);
        expect(nodeVerifies(key, scheme, message, signature)).toBe(true);
      }
      await expect(service!.generateKey(tokenOf(second.label).uri, 'shared-label', algorithm, second.pin)).rejects.toThrow(new RegExp(`Token "${second.label}" already has a key labelled`));
      await expect(service!.sign(theirs.uri, message, wrong(second.pin))).rejects.toThrow(new RegExp(`"${second.label}"`));
    });

    // Removal while waiting (issue 13): the token goes away after Conclave listed it and while it waits for the
    // person (their PIN, a touch); the signature is refused as "removed", naming the token, and nothing else is lost.
    it('a token that goes away while Conclave waits: refused as removed, naming it, and the other tokens keep signing', async (context) => {
      if (!running.removeToken || running.tokens.length < 2) return context.skip();
      const [first, second] = running.tokens as [(typeof running.tokens)[0], (typeof running.tokens)[0]];
      const algorithm = family.algorithms[0]!;
      const leaving = await service!.generateKey(tokenOf(second.label).uri, 'leaving', algorithm, second.pin);
      const staying = keys.get(algorithm)!;
      // Listed, with its key, as the window shows it while the person types the PIN.
      expect((await service!.listKeys(tokenOf(second.label).uri)).map((key) => key.keyId)).toContain(leaving.keyId);
      running.removeToken(second.label);
      const refused = service!.sign(leaving.uri, message, second.pin);
      await expect(refused).rejects.toMatchObject({ code: 'token-removed' });
      await expect(refused).rejects.toThrow(new RegExp(`"${second.label}".*Nothing was changed`));
      const { signature, scheme } = await service!.sign(staying.uri, message, first.pin);
      expect(nodeVerifies(staying, scheme, message, signature)).toBe(true);
    });

    // A service lost mid-session (issue 13): the TPM goes away after the module started. The failure names it, the
    // module is reported failed and started afresh with the back-off, and it signs again once the service is back.
    it('a service lost mid-session: the failure names it, and the module recovers by itself once it is back', async (context) => {
      if (!running.service?.stopService) return context.skip();
      const key = keys.get(family.algorithms[0]!)!;
      await running.service.stopService();
      const refused = (await service!.sign(key.uri, message, main().pin).then(
        () => undefined,
        (error: unknown) => error,
      )) as { code: string; message: string; details: { cause?: string } } | undefined;
      expect(refused?.details.cause, refused?.message).toMatch(/^service-(lost|not-running)$/);
      expect(refused!.message).toMatch(running.service.name);
      expect(refused!.message).not.toMatch(/re-plug/);
      expect(service!.snapshotModules()[0]?.status).toBe('failed');
      const recovered = untilModules(service!, () => service!.snapshotModules()[0]?.status === 'ready', `${family.name} did not recover once its service was back`);
      await running.service.startService();
      await recovered;
      await expect(service!.sign(key.uri, message, main().pin)).resolves.toMatchObject({ key: { keyId: key.keyId } });
    });

    it('signs in a ceremony through the conclave command line: keygen, open, approve, publish', async () => {
      // One program at a time talks to a token here (swtpm serves one connection at a time): the test's own service stops first.
      await service?.dispose();
      service = undefined;
      const algorithm = family.algorithms[0]!;
      const work = join(running.cli.dataDir, 'work');
      mkdirSync(work);
      if (running.cli.user) chownSync(work, running.cli.user.uid, running.cli.user.gid);
      const snapshotToken = running.tokens[0]!;
      const env = { PIN: snapshotToken.pin };
      const tokenUri = formatPkcs11Uri({ token: snapshotToken.label, modulePath: running.module.path });
      const keyUri = formatPkcs11Uri({ ...parsePkcs11Uri(tokenUri), object: 'release-approver' });

      const made = await conclave(running, ['keygen', keyUri, '--alg', algorithm, '--pin-env', 'PIN'], env);
      expect(made.code, made.err).toBe(0);
      const pubkey = await conclave(running, ['pubkey', keyUri]);
      expect(pubkey.code, pubkey.err).toBe(0);
      expect(pubkey.out).toContain('BEGIN PUBLIC KEY');
      const policy = join(work, 'policy.json');
      writeFileSync(policy, JSON.stringify({ version: 1, threshold: 1, approvers: [{ id: 'approver', publicKey: pubkey.out.trim() }], separationOfDuties: { openerMayApprove: true } }));
      const trusted = await conclave(running, ['policy', 'trust', policy, '--yes']);
      expect(trusted.code, trusted.err).toBe(0);

      const artifact = 'binary-linux-amd64-multi-subject-first';
      const opened = await conclave(running, ['ceremony', 'open', '--policy', policy, '--release', 'conformance@1.0.0', '--artifact', fixture(artifact), '--provenance', fixture(`${artifact}.intoto.jsonl`), '--key', keyUri, '--pin-env', 'PIN'], env);
      expect(opened.code, opened.err).toBe(0);
      expect(opened.out).toContain('FROZEN');
      const id = opened.out.split('\n')[0]!;
      const approved = await conclave(running, ['ceremony', 'approve', id, '--key', keyUri, '--pin-env', 'PIN'], env);
      expect(approved.code, approved.err).toBe(0);
      expect(approved.out).toMatch(new RegExp(`^Approved ${id} as approver \\(1 of 1`));
      const out = join(work, 'published');
      const published = await conclave(running, ['ceremony', 'publish', id, '--out', out, '--key', keyUri, '--pin-env', 'PIN'], env);
      expect(published.code, published.err).toBe(0);

      // The published envelope's signature, checked by Node over DSSE's PAE with the key the token showed.
      const envelope = JSON.parse(readFileSync(join(out, readdirSync(out).find((name) => name.endsWith('.intoto.dsse.json'))!), 'utf8')) as { payload: string; payloadType: string; signatures: { sig: string }[] };
      expect(envelope.payloadType).toBe(inTotoPayloadType);
      expect(envelope.signatures).toHaveLength(1);
      const signed = pae(envelope.payloadType, Buffer.from(envelope.payload, 'base64'));
      const publicKey = createPublicKey(pubkey.out);
      const signature = Buffer.from(envelope.signatures[0]!.sig, 'base64');
      const verified =
        publicKey.asymmetricKeyType === 'rsa'
          ? verify('sha256', signed, { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, signature) || verify('sha256', signed, publicKey, signature)
          : verify(publicKey.asymmetricKeyType === 'ed25519' ? null : publicKey.asymmetricKeyDetails?.namedCurve === 'secp384r1' ? 'sha384' : 'sha256', signed, publicKey, signature);
      expect(verified).toBe(true);
    });
  });
}
