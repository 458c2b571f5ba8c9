/**
 * Real ceremonies whose published files the verifier tests hand to verifiers
 * Conclave did not write (issue 14). One SoftHSM2 token per person, each key
 * made on its token with every type Conclave supports: ECDSA P-256 (alice),
 * ECDSA P-384 (bob), Ed25519 (carol), RSA 3072 (dave), and erin, an approver
 * identified by a certificate an openssl CA issued for her token's P-256 key.
 * Approvals are time-stamped by a real `openssl ts` TSA; the artifact and its
 * provenance are the real ones in tests/fixtures/real. Three publications:
 *
 * - `main`: all five approve under a policy that says nothing about RSA, so
 *   RSA signs PKCS#1 v1.5 (the default since issue 14);
 * - `pss`: dave approves under a policy with `signing.rsa: "pss"`;
 * - `legacy`: dave approves with RSA-PSS although the policy says nothing, as
 *   every RSA approval was made before issue 14 (a signer that always asks the
 *   token for PSS): such approvals must keep counting and verifying.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CeremonyService, type CeremonySigner, type PublishResult } from '../../../electron/core/ceremony/ceremony-service';
import { CeremonyStore } from '../../../electron/core/ceremony/event-store';
import { forkHostLauncher } from '../../../electron/core/tokens/host-process';
import { TokenService } from '../../../electron/core/tokens/token-service';
import type { TokenKey } from '../../../shared/api/contract';
import type { KeyAlgorithm } from '../../../shared/keys/algorithms';
import { makeDataDir, makeTokenFolder, softhsmModule, type TokenFolder } from '../../support/softhsm';
import { makeTestCa, type TestCa } from '../../support/test-ca';
import { createTestCa, issueTsaCertificate, makeLabFolder, startTsaServer, type RunningTsa } from '../../support/tsa';

export const approvers = ['alice', 'bob', 'carol', 'dave', 'erin'] as const;
export type Approver = (typeof approvers)[number];
type Person = Approver | 'rita';

export const algorithms: Record<Person, KeyAlgorithm> = { alice: 'ecdsa-p256', bob: 'ecdsa-p384', carol: 'ed25519', dave: 'rsa-3072', erin: 'ecdsa-p256', rita: 'ecdsa-p256' };
const pin = '1234';
const artifactName = 'binary-linux-amd64-multi-subject-first';
const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/real/${name}`, import.meta.url));

export interface PublishedCeremonies {
  keys: Record<Person, TokenKey>;
  /** DER: the certificate on erin's token. */
  erinCertificate: Uint8Array;
  /** DER: the CA that issued erin's certificate, then its root (a Sigstore verifier's certificate authority). */
  caChain: Uint8Array[];
  /** DER: the TSA's certificate, then its root. */
  tsaChain: Uint8Array[];
  main: PublishResult;
  pss: PublishResult;
  legacy: PublishResult;
  close(): Promise<void>;
}

export async function publishCeremonies(): Promise<PublishedCeremonies> {
  const folder: TokenFolder = makeTokenFolder();
  const home = makeDataDir();
  const tsaLab = await makeLabFolder();
  const tokens = new TokenService(forkHostLauncher);
  let ca: TestCa | undefined;
  let tsa: RunningTsa | undefined;
  const close = async () => {
    await tokens.dispose();
    await tsa?.close();
    ca?.cleanup();
    await tsaLab.remove();
    folder.cleanup();
    home.cleanup();
  };
  try {
    const people = [...approvers, 'rita'] as const;
    for (const who of people) folder.addToken(who, pin);
    await tokens.addModule({ path: softhsmModule!, origin: 'discovered', env: folder.env });
    const tokenUri = (who: Person) => tokens.snapshotModules()[0]!.tokens.find((token) => token.label === who)!.uri;
    const generated = {} as Record<Person, TokenKey>;
    for (const who of people) generated[who] = await tokens.generateKey(tokenUri(who), 'release-signing', algorithms[who], pin);

    // Erin's certificate, from the test CA's issuing CA, stored next to her key as an administrator would.
    ca = makeTestCa();
    const certificate = ca.issue({
      name: 'Erin Example',
      publicKeyPem: generated.erin.publicKeyPem,
      extensions: ['basicConstraints = critical, CA:FALSE', 'keyUsage = critical, digitalSignature', 'extendedKeyUsage = codeSigning', 'subjectAltName = email:erin@example.com', 'subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid:always'].join('\n'),
    });
    const derPath = join(folder.dir, 'erin.der');
    writeFileSync(derPath, certificate.der);
    execFileSync('pkcs11-tool', ['--module', softhsmModule!, '--token-label', 'erin', '--login', '--pin', pin, '--write-object', derPath, '--type', 'cert', '--id', generated.erin.id, '--label', 'release-signing'], {
      env: { ...process.env, ...folder.env },
      stdio: 'pipe',
    });
    const keys = {} as Record<Person, TokenKey>;
    for (const who of people) keys[who] = (await tokens.listKeys(tokenUri(who)))[0]!;

    const tsaRoot = await createTestCa(tsaLab.dir, 'Verifier Tests TSA Root');
    const tsaSigner = await issueTsaCertificate(tsaLab.dir, tsaRoot, 'Verifier Tests TSA', { key: 'ec-p256' });
    // Whole seconds: @sigstore/verify reads a genTime only with exactly three fractional digits, and DER drops trailing zeros.
    tsa = await startTsaServer({ signer: tsaSigner, clockPrecisionDigits: 0 });
    const timestamping = { url: tsa.url, certificates: readFileSync(tsaRoot.certPath, 'utf8') };

    // What the window and the CLI do: sign on the token in the scheme the ceremony asks for.
    const signer: CeremonySigner = {
      keyId: async (uri) => (await tokens.resolveKey(uri)).key.keyId,
      sign: async (uri, messages, rsaScheme) => (await tokens.signMany(uri, messages, pin, rsaScheme)).signatures,
      certificate: async (uri) => (await tokens.resolveKey(uri)).key.certificatePem,
    };
    // How RSA approvals were made before issue 14: RSA-PSS whatever the policy (the service asks a scheme of RSA keys only).
    const legacySigner: CeremonySigner = { ...signer, sign: async (uri, messages, rsaScheme) => (await tokens.signMany(uri, messages, pin, rsaScheme && 'rsa-pss-sha256')).signatures };

    const work = join(home.dir, 'work');
    mkdirSync(work);
    const storeDir = join(home.dir, 'store');
    mkdirSync(storeDir);
    const writePolicy = (name: string, document: Record<string, unknown>) => {
      const path = join(work, `${name}.json`);
      writeFileSync(path, JSON.stringify({ version: 1, name, releaseManagers: [{ id: 'rita', publicKey: keys.rita.publicKeyPem }], timestamping, ...document }, null, 2));
      return path;
    };
    const everyone = writePolicy('every key type', {
      threshold: approvers.length,
      approvers: [
        { id: 'alice', publicKey: keys.alice.publicKeyPem },
        { id: 'bob', publicKey: keys.bob.publicKeyPem },
        { id: 'carol', publicKey: keys.carol.publicKeyPem },
        { id: 'dave', publicKey: keys.dave.publicKeyPem },
        { id: 'erin', certificate: { roots: ca.root.pem, intermediates: ca.intermediate.pem, email: 'erin@example.com' } },
      ],
    });
    const daveOnly = (extra: Record<string, unknown>) => ({ threshold: 1, approvers: [{ id: 'dave', publicKey: keys.dave.publicKeyPem }], ...extra });

    const ceremony = async (policyPath: string, who: readonly Approver[], with_: CeremonySigner, out: string): Promise<PublishResult> => {
      const service = new CeremonyService(new CeremonyStore(storeDir), with_);
      const { view } = await service.open({
        policyPath,
        release: { name: 'demo', version: '1.0.0' },
        artifactPaths: [fixture(artifactName)],
        provenancePaths: [fixture(`${artifactName}.intoto.jsonl`)],
        openerKeyUri: keys.rita.uri,
      });
      for (const approver of who) await service.approve(view.id, keys[approver].uri);
      return service.publish(view.id, join(work, out), keys.rita.uri);
    };
    const main = await ceremony(everyone, approvers, signer, 'main');
    const pss = await ceremony(writePolicy('dave asks for PSS', daveOnly({ signing: { rsa: 'pss' } })), ['dave'], signer, 'pss');
    const legacy = await ceremony(writePolicy('dave before issue 14', daveOnly({})), ['dave'], legacySigner, 'legacy');
    return { keys, erinCertificate: certificate.der, caChain: [ca.intermediate.der, ca.root.der], tsaChain: [tsaSigner.der, tsaRoot.der], main, pss, legacy, close };
  } catch (error) {
    await close();
    throw error;
  }
}

