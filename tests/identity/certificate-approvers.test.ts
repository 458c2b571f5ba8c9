/**
 * Approvers identified by certificate (issue 6), end to end: certificates made
 * by an openssl CA for keys made on SoftHSM2 tokens and stored next to them,
 * approvals time-stamped by a real `openssl ts` TSA, CRLs fetched from the
 * CA's (loopback) distribution point; the command line signs, publishes and
 * verifies; the engine and the verifier are asked again at later times.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleFromJSON } from '@sigstore/bundle';
import { X509Certificate } from '@sigstore/core';
import { Verifier, toSignedEntity } from '@sigstore/verify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../electron/cli/index';
import { checkPublishedEnvelope } from '../../electron/core/audit/published-envelope';
import { CeremonyService, readOnlySigner } from '../../electron/core/ceremony/ceremony-service';
import { CeremonyStore } from '../../electron/core/ceremony/event-store';
import { exportCeremonyBundle, importCeremonyBundle } from '../../electron/core/ceremony/bundle';
import { nodeAlgorithmSignatureVerifier, nodeDigester, nodeSignatureVerifier, nodeTrustedTimeDependencies } from '../../electron/core/crypto/node-crypto';
import { fetchingCrlProvider, type CrlProvider } from '../../electron/core/x509/crl-provider';
import { eventPayloadType, type CeremonyEvent } from '../../shared/ceremony/events';
import { makeEnvelope } from '../../shared/dsse/envelope';
import { pae } from '../../shared/dsse/pae';
import { fromBase64, toBase64 } from '../../shared/encoding/base64';
import { ConclaveError } from '../../shared/errors';
import { loadPolicyText, type Policy } from '../../shared/policy/policy';
import { readApprovalBundle } from '../../shared/sigstore/bundle';
import { verifyRelease, type VerificationInput } from '../../shared/verify/verify';
import { certificateFromPem } from '../../shared/x509';
import { makeDataDir, softhsmModule } from '../support/softhsm';
import { later, makeIdentityLab, pin, type IdentityLab, type Person } from './lab';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/real/${name}`, import.meta.url));
const artifactName = 'binary-linux-amd64-multi-subject-first';

let lab: IdentityLab;
let home: ReturnType<typeof makeDataDir>;
let work: string;
let storeDir: string;
let policyPath: string;
let policy: Policy;

async function conclave(args: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(args, {
    out: (text) => (out += text),
    err: (text) => (err += text),
    env: { ...process.env, ...lab.folder.env, CONCLAVE_HOME: home.dir, CONCLAVE_STORE: storeDir, CONCLAVE_PKCS11_MODULES: softhsmModule!, PIN: pin },
    interactive: () => false,
  });
  return { code, out, err };
}

/** A ceremony service as the window has it, with a clock of the test's choosing and CRLs fetched afresh. */
function service(clock: Date = new Date(), crls: CrlProvider = fetchingCrlProvider()) {
  return new CeremonyService(new CeremonyStore(storeDir), lab.signer, () => clock, {}, crls);
}
const reader = (clock: Date) => new CeremonyService(new CeremonyStore(storeDir), readOnlySigner, () => clock, {}, fetchingCrlProvider());

async function openCeremony(): Promise<string> {
  const { view } = await service().open({
    policyPath,
    release: { name: 'demo', version: '1.0.0' },
    artifactPaths: [join(work, artifactName)],
    provenancePaths: [fixture(`${artifactName}.intoto.jsonl`)],
    openerKeyUri: lab.keyUri('rita'),
  });
  expect(view.state).toBe('frozen');
  return view.id;
}

async function refusal(promise: Promise<unknown>): Promise<ConclaveError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ConclaveError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

const certificateDependencies = { digester: nodeDigester, algorithmVerifier: nodeAlgorithmSignatureVerifier };
const verify = (input: Omit<VerificationInput, 'policy'>) =>
  verifyRelease({ policy, ...input }, { signatureVerifier: nodeSignatureVerifier, trustedTime: nodeTrustedTimeDependencies, certificates: certificateDependencies });

beforeAll(async () => {
  lab = await makeIdentityLab();
  home = makeDataDir();
  work = join(home.dir, 'work');
  storeDir = join(home.dir, 'store');
  mkdirSync(work);
  mkdirSync(storeDir);
  copyFileSync(fixture(artifactName), join(work, artifactName));
  policyPath = join(work, 'policy.json');
  writeFileSync(policyPath, JSON.stringify(lab.policy(), null, 2));
  expect((await conclave(['policy', 'trust', policyPath, '--yes'])).code).toBe(0);
  policy = await loadPolicyText(readFileSync(policyPath, 'utf8'), nodeDigester);
}, 180_000);

afterAll(async () => {
  await lab?.close();
  home?.cleanup();
});

describe('approvers identified by certificate', () => {
  it('approve with the certificate on their token, count as people, and are published and verified with it', async () => {
    const opened = await conclave(['ceremony', 'open', '--policy', policyPath, '--release', 'demo@1.0.0', '--artifact', join(work, artifactName), '--provenance', fixture(`${artifactName}.intoto.jsonl`), '--key', lab.keyUri('rita'), '--pin-env', 'PIN']);
    expect(opened.code, opened.err).toBe(0);
    const id = opened.out.split('\n')[0]!;
    for (const who of ['alice', 'bob'] as const) {
      const approved = await conclave(['ceremony', 'approve', id, '--key', lab.keyUri(who), '--pin-env', 'PIN']);
      expect(approved.code, approved.err).toBe(0);
    }
    const shown = JSON.parse((await conclave(['ceremony', 'show', id, '--json'])).out) as { state: string; tally: string; problems: string[]; approvals: { keyId: string; certificates?: string[]; timestamp?: string }[] };
    expect(shown).toMatchObject({ state: 'approved', tally: '2 of 2 approvals: alice, bob', problems: [] });
    // The approval events carry the certificate exactly as the token holds it, and a time stamp.
    for (const who of ['alice', 'bob'] as const) {
      const approval = shown.approvals.find((candidate) => candidate.keyId === lab.keys[who].keyId)!;
      expect(approval.certificates).toEqual([toBase64(lab.certificates[who]!.der)]);
      expect(approval.timestamp).toBeDefined();
    }

    const out = join(work, 'published');
    const published = await conclave(['ceremony', 'publish', id, '--out', out, '--key', lab.keyUri('rita'), '--pin-env', 'PIN']);
    expect(published.code, published.err).toBe(0);
    const bundlePaths = (['alice', 'bob'] as const).map((who) => join(out, `demo-1.0.0.${who}.sigstore.json`));
    for (const [index, who] of (['alice', 'bob'] as const).entries()) {
      const bundle = JSON.parse(readFileSync(bundlePaths[index]!, 'utf8')) as { verificationMaterial: Record<string, unknown> };
      // Sigstore bundle v0.3: the certificate instead of a public-key hint.
      expect(bundle.verificationMaterial.certificate).toEqual({ rawBytes: toBase64(lab.certificates[who]!.der) });
      expect(bundle.verificationMaterial.publicKey).toBeUndefined();
      // Its DSSE keyid is empty (issue 14): the keyid is that of the certificate's key.
      expect(readApprovalBundle(bundle, (spki) => createHash('sha256').update(spki).digest('hex'))).toMatchObject({ keyId: lab.keys[who].keyId, certificate: lab.certificates[who]!.der });
    }

    // Any Sigstore verifier checks a bundle given the organisation's CA and the TSA: the certificate at the time stamp's time.
    const sigstore = new Verifier(
      {
        certificateAuthorities: [{ certChain: [lab.ca.intermediate.der, lab.ca.root.der].map((der) => X509Certificate.parse(Buffer.from(der))), validFor: { start: new Date(0), end: new Date(8.64e15) } }],
        timestampAuthorities: [{ certChain: lab.tsaChain.map((der) => X509Certificate.parse(Buffer.from(der))), validFor: { start: new Date(0), end: new Date(8.64e15) } }],
        tlogs: [],
        ctlogs: [],
        publicKey: () => {
          throw new Error('a certificate bundle needs no key');
        },
      },
      { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 1 },
    );
    // (Alice's P-256 key only: @sigstore/verify checks every ECDSA signature with SHA-256, and bob's P-384 key signs with SHA-384.)
    const signer = sigstore.verify(toSignedEntity(bundleFromJSON(JSON.parse(readFileSync(bundlePaths[0]!, 'utf8')))));
    expect(signer.identity?.subjectAlternativeName).toBe('alice@example.com');

    // conclave verify with the bundles: CRLs from the policy's URLs, or (offline) from files.
    const envelopePath = join(out, 'demo-1.0.0.intoto.dsse.json');
    const base = ['verify', '--policy', policyPath, '--envelope', envelopePath, '--artifact', join(work, artifactName), ...bundlePaths.flatMap((path) => ['--bundle', path])];
    const online = await conclave(base);
    expect(online.code, online.out + online.err).toBe(0);
    expect(online.out).toMatch(/^verified: alice, bob \(2 of 2 approvals\)/);
    expect(online.out).toContain(`note: signatures[0] is by alice's certificate "CN=Alice Liddell,O=Conclave Test", issued by "CN=Conclave Test Issuing CA,O=Conclave Test", valid and not revoked at`);
    expect(online.out).toMatch(/\(its RFC 3161 trusted time\)/);
    const offline = await conclave([...base, '--crl', lab.ca.crlPaths.root, '--crl', lab.ca.crlPaths.intermediate, '--json']);
    expect(offline.code, offline.out + offline.err).toBe(0);
    const report = JSON.parse(offline.out) as { signatures: { approverId: string; certificate?: { subject: string; timeSource: string } }[] };
    expect(report.signatures.map((signature) => [signature.approverId, signature.certificate?.subject, signature.certificate?.timeSource])).toEqual([
      ['alice', 'CN=Alice Liddell,O=Conclave Test', 'trusted-time'],
      ['bob', 'CN=Bob Martin,O=Conclave Test', 'trusted-time'],
    ]);

    // Without the bundles nothing says whose keys these are.
    const bare = await conclave(['verify', '--policy', policyPath, '--envelope', envelopePath]);
    expect(bare.code).toBe(1);
    expect(bare.out).toMatch(/unknown-key: .*If it is a certificate approver's, give their Sigstore bundle \(--bundle\)/);
  });

  it('refuses, before anything is signed, a revoked certificate, one from another CA, and one naming nobody in the policy', async () => {
    const id = (await conclave(['ceremony', 'open', '--policy', policyPath, '--release', 'demo@1.0.0', '--artifact', join(work, artifactName), '--provenance', fixture(`${artifactName}.intoto.jsonl`), '--key', lab.keyUri('rita'), '--pin-env', 'PIN'])).out.split('\n')[0]!;
    const approve = (who: Person) => conclave(['ceremony', 'approve', id, '--key', lab.keyUri(who), '--pin-env', 'PIN']);

    const revoked = await approve('rex');
    expect(revoked.code).toBe(1);
    expect(revoked.err).toMatch(/Nothing was signed: the certificate next to .* does not make this key rex's/);
    expect(revoked.err).toMatch(/"CN=Rex Revoked,O=Conclave Test" was revoked by "CN=Conclave Test Issuing CA,O=Conclave Test" on \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(reason: superseded\)/);

    const foreign = await approve('dave');
    expect(foreign.code).toBe(1);
    expect(foreign.err).toMatch(/dave's.*"CN=Dave Other,O=Conclave Test" does not lead to a trusted root: it was issued by "CN=Other Test Root,O=Unrelated Org"/s);

    const stranger = await approve('mallory');
    expect(stranger.code).toBe(1);
    expect(stranger.err).toMatch(/"CN=Mallory Unlisted,O=Conclave Test" \(email "mallory@example.com"\) is from a CA the policy trusts, but names none of its certificate approvers \(alice: email "alice@example.com"; bob: subject "CN=Bob Martin,O=Conclave Test"/);

    // A certificate approver approves and rejects; other events are signed with a key the policy lists.
    const cancel = await conclave(['ceremony', 'cancel', id, '--key', lab.keyUri('alice'), '--pin-env', 'PIN']);
    expect(cancel.code).toBe(1);
    expect(cancel.err).toMatch(/alice is an approver by certificate: certificate approvers sign approvals and rejections/);

    const shown = JSON.parse((await conclave(['ceremony', 'show', id, '--json'])).out) as { approvals: unknown[]; rejections: unknown[]; problems: string[] };
    expect(shown).toMatchObject({ approvals: [], rejections: [], problems: [] });
  });

  it('counts an approval whose certificate has expired since, by its trusted time, and refuses one without trusted time', async () => {
    const id = await openCeremony();
    await service().approve(id, lab.keyUri('alice'));
    const { view } = await service().approve(id, lab.keyUri('carol'));
    expect(view.state).toBe('approved');
    const carolNotAfter = certificateFromPem(lab.certificates.carol!.pem).notAfter;

    // Two days on, carol's one-day certificate has expired; her approval's time stamp proves it was made while it was valid.
    const twoDaysOn = later(2);
    expect(twoDaysOn.getTime()).toBeGreaterThan(carolNotAfter.getTime());
    const loaded = await reader(twoDaysOn).load(id);
    expect(loaded.view.state).toBe('approved');
    expect(loaded.view.problems).toEqual([]);
    expect(loaded.certificateSigners.get(lab.keys.carol.keyId)).toBe('carol');
    const check = (await checkPublishedEnvelope(loaded, twoDaysOn))!;
    expect(check.report.ok).toBe(true);
    const carols = check.report.signatures.find((signature) => signature.approverId === 'carol')!;
    expect(carols.certificate).toMatchObject({ subject: 'CN=Carol Chen,O=Conclave Test', timeSource: 'trusted-time' });
    expect(Date.parse(carols.certificate!.checkedAt)).toBeLessThan(Date.now() + 5000);

    // The same signature without its time stamp is checked at the time of the check, when the certificate has expired.
    const certificates = Object.fromEntries(loaded.view.approvals.map((approval) => [approval.keyId, approval.certificates!.map((certificate) => fromBase64(certificate))]));
    const timestamps = Object.fromEntries(loaded.view.approvals.filter((approval) => approval.keyId !== lab.keys.carol.keyId).map((approval) => [approval.keyId, approval.timestamp!]));
    const untimed = await verify({ envelope: check.envelope, certificates, timestamps, crls: [lab.ca.crls.root, lab.ca.crls.intermediate], now: twoDaysOn });
    expect(untimed.ok).toBe(false);
    expect(untimed.failures.map((failure) => failure.code)).toEqual(['certificate-expired', 'threshold-not-met']);
    expect(untimed.failures[0]!.message).toMatch(/^signatures\[\d\] \(carol, certificate "CN=Carol Chen,O=Conclave Test"\) does not count: "CN=Carol Chen,O=Conclave Test" expired at .*This signature has no trusted time/);
    expect(untimed.signatures.find((signature) => signature.keyId === lab.keys.carol.keyId)?.status).toBe('certificate-refused');

    // And carol cannot approve any more once it has expired.
    const second = await openCeremony();
    const expired = await refusal(service(twoDaysOn).approve(second, lab.keyUri('carol')));
    expect(expired.code).toBe('forbidden');
    expect(expired.message).toMatch(/"CN=Carol Chen,O=Conclave Test" expired at /);
  });

  it('keeps an approval whose certificate was revoked after it was made, and drops one whose key was compromised', async () => {
    const id = await openCeremony();
    await service().approve(id, lab.keyUri('alice'));
    await service().approve(id, lab.keyUri('frank'));
    const { view } = await service().approve(id, lab.keyUri('grace'));
    expect(view.tally).toBe('3 of 2 approvals: alice, frank, grace');
    const franksTime = Date.parse((await checkPublishedEnvelope(await reader(new Date()).load(id)))!.report.signatures.find((signature) => signature.approverId === 'frank')!.trustedTime!);

    // Frank's certificate is superseded a minute after he approved; grace reports her key stolen.
    lab.ca.revoke(lab.certificates.frank!, 'superseded', new Date(franksTime + 60_000));
    lab.ca.revoke(lab.certificates.grace!, 'keyCompromise');
    const hourOn = later(1 / 24);
    const loaded = await reader(hourOn).load(id);
    expect(loaded.view.approvals.map((approval) => loaded.certificateSigners.get(approval.keyId))).toEqual(['alice', 'frank']);
    expect(loaded.view.tally).toBe('2 of 2 approvals: alice, frank');
    expect(loaded.view.problems).toHaveLength(1);
    expect(loaded.view.problems[0]!.message).toMatch(
      /this approval is signed with key [0-9a-f]{12}… and carries grace's certificate, which does not count: "CN=Grace Compromised,O=Conclave Test" was revoked by "CN=Conclave Test Issuing CA,O=Conclave Test" on .* \(reason: keyCompromise\)\. Its key may have been used by someone else before that date/,
    );
    const check = (await checkPublishedEnvelope(loaded, hourOn))!;
    expect(check.report.ok).toBe(true);
    expect(check.report.notes.join('\n')).toMatch(/"CN=Frank Later,O=Conclave Test" was revoked .* \(reason: superseded\), after the signing time .*; the signature was made while the certificate was good/);

    // An envelope that still carries grace's signature fails with her revocation, and counts the rest.
    const graces = view.approvals.find((approval) => approval.keyId === lab.keys.grace.keyId)!;
    const withGrace = makeEnvelope(check.envelope.payloadType, fromBase64(check.envelope.payload), [
      ...check.envelope.signatures.map((signature) => ({ keyid: signature.keyid, signature: fromBase64(signature.sig) })),
      { keyid: graces.keyId, signature: fromBase64(graces.signature) },
    ]);
    const report = await verify({
      envelope: withGrace,
      certificates: Object.fromEntries(view.approvals.map((approval) => [approval.keyId, [fromBase64(approval.certificates![0]!)]])),
      timestamps: Object.fromEntries(view.approvals.map((approval) => [approval.keyId, approval.timestamp!])),
      crls: [lab.ca.crls.root, lab.ca.crls.intermediate],
    });
    expect(report.failures.map((failure) => [failure.code, failure.step])).toEqual([['certificate-revoked', 'certificates']]);
    expect(report.approvedBy.map((approver) => approver.id)).toEqual(['alice', 'frank']);
  });

  it('does not count an approval a revoked certificate signed and someone wrote into the store by hand', async () => {
    const id = await openCeremony();
    const { statement, view } = await reader(new Date()).load(id);
    const rex = lab.keys.rex;
    const [signature] = (await lab.tokens.signMany(rex.uri, [pae(view.frozen!.payloadType, statement!)], pin)).signatures;
    const event: CeremonyEvent = {
      ceremonyId: id,
      type: 'approved',
      at: new Date().toISOString(),
      statementDigest: view.frozen!.statementDigest,
      keyId: rex.keyId,
      signature: toBase64(signature!),
      noTrustedTime: 'written by hand',
      certificates: [toBase64(lab.certificates.rex!.der)],
      actorKeyId: rex.keyId,
    };
    const payload = new TextEncoder().encode(JSON.stringify(event));
    const [eventSignature] = (await lab.tokens.signMany(rex.uri, [pae(eventPayloadType, payload)], pin)).signatures;
    await new CeremonyStore(storeDir).append(makeEnvelope(eventPayloadType, payload, [{ keyid: rex.keyId, signature: eventSignature! }]), event);

    const loaded = await reader(new Date()).load(id);
    expect(loaded.view.approvals).toEqual([]);
    expect(loaded.view.problems.map((problem) => problem.message).join('\n')).toMatch(/carries rex's certificate, which does not count: "CN=Rex Revoked,O=Conclave Test" was revoked .* \(reason: superseded\), before the signing time .*This signature has no trusted time/s);
  });

  it('carries certificate approvals to another store in a bundle, and refuses one whose certificate names nobody', async () => {
    const id = await openCeremony();
    await service().approve(id, lab.keyUri('alice'));
    const { bundle } = await exportCeremonyBundle(reader(new Date()), id);

    // Mallory signs an approval with her own certificate and slips it into the bundle.
    const { statement, view } = await reader(new Date()).load(id);
    const mallory = lab.keys.mallory;
    const [signature] = (await lab.tokens.signMany(mallory.uri, [pae(view.frozen!.payloadType, statement!)], pin)).signatures;
    const at = new Date();
    const event: CeremonyEvent = { ceremonyId: id, type: 'approved', at: at.toISOString(), statementDigest: view.frozen!.statementDigest, keyId: mallory.keyId, signature: toBase64(signature!), noTrustedTime: 'offline', certificates: [toBase64(lab.certificates.mallory!.der)], actorKeyId: mallory.keyId };
    const payload = new TextEncoder().encode(JSON.stringify(event));
    const [eventSignature] = (await lab.tokens.signMany(mallory.uri, [pae(eventPayloadType, payload)], pin)).signatures;
    const name = `${at.toISOString().replace(/[-:.]/g, '')}-approved-0123456789abcdef.json`;
    const envelope = `${JSON.stringify(makeEnvelope(eventPayloadType, payload, [{ keyid: mallory.keyId, signature: eventSignature! }]), null, 2)}\n`;

    const elsewhere = join(home.dir, 'elsewhere');
    mkdirSync(elsewhere);
    const other = new CeremonyService(new CeremonyStore(elsewhere), readOnlySigner, () => new Date(), {}, fetchingCrlProvider());
    const report = await importCeremonyBundle(other, { ...bundle, events: [...bundle.events, { name, envelope }] });
    expect(report.added.map((added) => added.type).sort()).toEqual(['approved', 'frozen', 'opened']);
    expect(report.refused).toMatchObject([{ name, code: 'event-certificate-refused' }]);
    expect(report.refused[0]!.reason).toMatch(/carries a certificate, which does not count: "CN=Mallory Unlisted,O=Conclave Test" \(email "mallory@example.com"\) is from a CA the policy trusts, but names none of its certificate approvers/);
    expect(report.view?.tally).toBe('1 of 2 approvals');
  });

  it('says where a CRL could not be had, and refuses to sign until it can be checked', async () => {
    const id = await openCeremony();
    const unreachable: CrlProvider = { crlsFor: async () => ({ crls: [], problems: ['The CRL at http://127.0.0.1:9/issuing.crl could not be fetched (connect ECONNREFUSED 127.0.0.1:9). Check the network and the URL.'] }) };
    const refused = await refusal(service(new Date(), unreachable).approve(id, lab.keyUri('alice')));
    expect(refused.code).toBe('forbidden');
    expect(refused.message).toMatch(/No CRL of "CN=Conclave Test Issuing CA,O=Conclave Test" was supplied.* \(The CRL at http:\/\/127\.0\.0\.1:9\/issuing\.crl could not be fetched/);

    // A CRL past its nextUpdate (seven days for the test CA) is refused as stale, with what to do.
    await service().approve(id, lab.keyUri('alice'));
    const loaded = await reader(new Date()).load(id);
    const approval = loaded.view.approvals[0]!;
    const envelope = makeEnvelope(loaded.view.frozen!.payloadType, loaded.statement!, [{ keyid: approval.keyId, signature: fromBase64(approval.signature) }]);
    const stale = await verify({ envelope, certificates: { [approval.keyId]: [fromBase64(approval.certificates![0]!)] }, timestamps: { [approval.keyId]: approval.timestamp! }, crls: [lab.ca.crls.root, lab.ca.crls.intermediate], now: later(8) });
    expect(stale.failures[0]).toMatchObject({ code: 'certificate-revocation-unknown', step: 'certificates' });
    expect(stale.failures[0]!.message).toMatch(/was due to be replaced at .* Download the CA's current CRL and try again/);
  });
});
