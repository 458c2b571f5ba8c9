import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeDigester } from '../../electron/core/crypto/node-crypto';
import { certificateFingerprint, certificateFromPem, certificatesFromPem, matchIdentity, parseCertificate, parseRfc4514, X509Error } from '../../shared/x509';
import { makeTestCa, type TestCa } from '../support/test-ca';

let ca: TestCa;

beforeAll(() => {
  ca = makeTestCa();
});

afterAll(() => ca?.cleanup());

const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: ca.dir, stdio: 'pipe' }).toString();

describe('parsing certificates', () => {
  it('reads what Node (OpenSSL) reads from the same certificate', async () => {
    const parsed = parseCertificate(ca.leaves.alice.der);
    const node = new X509Certificate(ca.leaves.alice.der);
    expect(parsed.serialNumber).toBe(node.serialNumber.toLowerCase());
    expect(parsed.subject.rfc4514).toBe('CN=Alice Liddell,OU=Release,O=Conclave Test');
    expect(parsed.issuer.rfc4514).toBe('CN=Conclave Test Issuing CA,O=Conclave Test');
    expect(parsed.notBefore.getTime()).toBe(new Date(node.validFrom).getTime());
    expect(parsed.notAfter.getTime()).toBe(new Date(node.validTo).getTime());
    expect(parsed.subjectAltNames).toEqual({ email: ['alice@example.com'], dns: [], uri: ['https://id.example.com/people/alice'], ip: [] });
    expect(node.subjectAltName).toBe('email:alice@example.com, URI:https://id.example.com/people/alice');
    expect(parsed.keyUsage).toEqual(['digitalSignature']);
    expect(parsed.extendedKeyUsage).toEqual(node.keyUsage);
    expect(parsed.basicConstraints).toEqual({ ca: false });
    expect(Buffer.from(parsed.spki)).toEqual(node.publicKey.export({ type: 'spki', format: 'der' }));
    expect(await certificateFingerprint(parsed, nodeDigester)).toBe(node.fingerprint256.replace(/:/g, '').toLowerCase());
    expect(parsed.signatureAlgorithm).toEqual({ oid: '1.2.840.10045.4.3.2', name: 'ecdsa-with-SHA256', algorithm: { kind: 'ecdsa', hash: 'SHA-256' } });
    expect(parsed.crlDistributionPoints).toEqual(['http://127.0.0.1/issuing.crl']);
    expect(parsed.authorityKeyIdentifier).toBe(parseCertificate(ca.intermediate.der).subjectKeyIdentifier);
    expect(parsed.unprocessedCriticalExtensions).toEqual([]);

    const issuing = parseCertificate(ca.intermediate.der);
    expect(issuing.basicConstraints).toEqual({ ca: true, pathLen: 0 });
    expect(issuing.keyUsage).toEqual(['keyCertSign', 'cRLSign']);
    expect(issuing.signatureAlgorithm.name).toBe('ecdsa-with-SHA384');
  });

  it('reads PEM: one certificate, or every certificate of a chain file', () => {
    expect(certificateFromPem(ca.leaves.alice.pem).serialNumber).toBe(parseCertificate(ca.leaves.alice.der).serialNumber);
    const chain = certificatesFromPem(`${ca.leaves.alice.pem}\n${ca.intermediate.pem}${ca.root.pem}`);
    expect(chain.map((certificate) => certificate.subject.rfc4514)).toEqual([
      'CN=Alice Liddell,OU=Release,O=Conclave Test',
      'CN=Conclave Test Issuing CA,O=Conclave Test',
      'CN=Conclave Test Root,O=Conclave Test',
    ]);
  });

  it('writes RFC 4514 names as OpenSSL does, escapes, UTF-8 and multi-valued RDNs included', () => {
    const subject = '/C=DE/O=Acme, Inc./OU=R\\+D/CN=#1 Ünïcode "q" <x>;/UID=alice+serialNumber=42/DC=example';
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'odd-name.key', '-out', 'odd-name.pem', '-utf8', '-multivalue-rdn', '-subj', subject, '-days', '1']);
    const expected = openssl(['x509', '-in', 'odd-name.pem', '-noout', '-subject', '-nameopt', 'rfc2253,-esc_msb,utf8']).trim().replace(/^subject=/, '');
    const parsed = certificateFromPem(openssl(['x509', '-in', join(ca.dir, 'odd-name.pem')]));
    expect(parsed.subject.rfc4514).toBe(expected);
    expect(parsed.subject.rfc4514).toBe('DC=example,UID=alice+serialNumber=42,CN=\\#1 Ünïcode \\"q\\" \\<x\\>\\;,OU=R\\+D,O=Acme\\, Inc.,C=DE');
    // What it writes, it reads back.
    expect(matchIdentity(parsed, { subject: parsed.subject.rfc4514 })).toEqual({ ok: true });
    expect(parseRfc4514('CN=\\#1 \\C3\\9Cn\\C3\\AFcode')).toEqual([[{ type: '2.5.4.3', value: { text: '#1 Ünïcode' } }]]);
  });

  it('refuses what is not a certificate with certificate-malformed', () => {
    const refusals = [new Uint8Array(), new Uint8Array([0x30, 0x00]), Uint8Array.from([...ca.leaves.alice.der, 0x00]), ca.crls.intermediate, ca.leaves.alice.der.subarray(0, 100)];
    for (const bytes of refusals) {
      expect(() => parseCertificate(bytes)).toThrow(X509Error);
      try {
        parseCertificate(bytes);
      } catch (error) {
        expect((error as X509Error).code).toBe('certificate-malformed');
      }
    }
    expect(() => certificateFromPem('-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----\n')).toThrow(/no "-----BEGIN CERTIFICATE-----" block/);
  });
});

describe('matching an approver identity', () => {
  it('matches the email in the subject alternative names: local part exactly, domain in any case', () => {
    const alice = parseCertificate(ca.leaves.alice.der);
    expect(matchIdentity(alice, { email: 'alice@example.com' })).toEqual({ ok: true });
    expect(matchIdentity(alice, { email: 'alice@EXAMPLE.com' })).toEqual({ ok: true });
    for (const email of ['Alice@example.com', 'lice@example.com', 'alice@example.co', 'alice@example.com.evil', 'bob@example.com']) {
      const result = matchIdentity(alice, { email });
      expect(result.ok, email).toBe(false);
      expect(!result.ok && result.code).toBe('certificate-identity-mismatch');
    }
    const mismatch = matchIdentity(parseCertificate(ca.leaves.carol.der), { email: 'alice@example.com' });
    expect(!mismatch.ok && mismatch.message).toContain('"CN=Carol Chen,O=Conclave Test" is not the approver the policy names: its email names are "carol@example.com", not "alice@example.com"');
    const none = matchIdentity(parseCertificate(ca.leaves.noSign.der), { email: 'alice@example.com' });
    expect(!none.ok && none.message).toContain('it names no email in its subject alternative names');
  });

  it('matches the whole subject exactly as RFC 4514, or a bare common name; never a part of it', () => {
    const alice = parseCertificate(ca.leaves.alice.der);
    for (const subject of ['CN=Alice Liddell,OU=Release,O=Conclave Test', 'cn=Alice Liddell, ou=Release, o=Conclave Test', '2.5.4.3=Alice Liddell,OU=Release,O=Conclave Test', 'Alice Liddell']) {
      expect(matchIdentity(alice, { subject }), subject).toEqual({ ok: true });
    }
    for (const subject of ['CN=alice liddell,OU=Release,O=Conclave Test', 'CN=Alice Liddell', 'CN=Alice Liddell,OU=Release', 'O=Conclave Test,OU=Release,CN=Alice Liddell', 'Alice', 'alice liddell']) {
      expect(matchIdentity(alice, { subject }).ok, subject).toBe(false);
    }
    const unreadable = matchIdentity(alice, { subject: 'CN=Alice,XX=1' });
    expect(!unreadable.ok && unreadable.message).toContain('is not an RFC 4514 name ("XX" is not an attribute type Conclave knows');
  });

  it('matches URIs with scheme and host in any case, and DNS names in any case but without wildcards', () => {
    const alice = parseCertificate(ca.leaves.alice.der);
    expect(matchIdentity(alice, { uri: 'https://id.example.com/people/alice' })).toEqual({ ok: true });
    expect(matchIdentity(alice, { uri: 'HTTPS://ID.Example.com/people/alice' })).toEqual({ ok: true });
    for (const uri of ['https://id.example.com/people/Alice', 'https://id.example.com/people/', 'https://id.example.com/people/alice/x']) expect(matchIdentity(alice, { uri }).ok, uri).toBe(false);

    const host = parseCertificate(ca.issue({ name: 'release-host', extensions: 'keyUsage = critical, digitalSignature\nsubjectAltName = DNS:release.example.com, DNS:*.example.com' }).der);
    expect(matchIdentity(host, { dns: 'RELEASE.example.com' })).toEqual({ ok: true });
    expect(matchIdentity(host, { dns: 'release.example.com.' })).toEqual({ ok: true });
    expect(matchIdentity(host, { dns: 'other.example.com' }).ok).toBe(false);
    expect(matchIdentity(host, { dns: 'example.com' }).ok).toBe(false);
  });

  it('needs every part given, and at least one', () => {
    const alice = parseCertificate(ca.leaves.alice.der);
    expect(matchIdentity(alice, { subject: 'Alice Liddell', email: 'alice@example.com', uri: 'https://id.example.com/people/alice' })).toEqual({ ok: true });
    const partly = matchIdentity(alice, { subject: 'Alice Liddell', email: 'carol@example.com' });
    expect(!partly.ok && partly.message).toContain('its email names are "alice@example.com", not "carol@example.com"');
    expect(matchIdentity(alice, {}).ok).toBe(false);
  });
});
