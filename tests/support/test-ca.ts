/**
 * A test PKI made with the real openssl CLI in a temporary folder, the way an
 * organisation's CA administrator would make one: `openssl ca` with its own
 * config, index.txt and serial file per CA, revocations and CRLs.
 *
 *   Conclave Test Root (P-256)
 *   └─ Conclave Test Issuing CA (P-256, signed ecdsa-with-SHA384, pathlen 0)
 *      ├─ alice      P-256, digitalSignature, codeSigning, email alice@example.com + URI
 *      ├─ carol      RSA 2048, digitalSignature, codeSigning, email carol@example.com
 *      ├─ expired    valid from 30 to 10 days ago
 *      ├─ revoked    revoked now, reason superseded
 *      ├─ compromised revoked now, reason keyCompromise
 *      ├─ no-sign    keyUsage keyAgreement only
 *      └─ tsa        extendedKeyUsage timeStamping (critical)
 *   Other Test Root (RSA 2048, unrelated)
 *      ├─ dave       P-256, signed sha384WithRSAEncryption
 *      └─ erin       P-256, signed RSASSA-PSS (SHA-384)
 *   Impostor: a self-signed CA with the Issuing CA's name and its own key (signs a CRL).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificate {
  name: string;
  keyPath: string;
  certPath: string;
  pem: string;
  der: Uint8Array;
}

interface CaFolder {
  dir: string;
  config: string;
  certificate: TestCertificate;
}

export interface TestCa {
  dir: string;
  root: TestCertificate;
  intermediate: TestCertificate;
  otherRoot: TestCertificate;
  impostor: TestCertificate;
  leaves: Record<'alice' | 'carol' | 'expired' | 'revoked' | 'compromised' | 'noSign' | 'tsa' | 'dave' | 'erin', TestCertificate>;
  /** DER CRLs: the issuing CA's (lists revoked and compromised), the root's (empty), and one with the issuing CA's name signed by the impostor. */
  crls: { intermediate: Uint8Array; root: Uint8Array; impostor: Uint8Array };
  crlPaths: { intermediate: string; root: string };
  /** When the revocations were made (the CRL's revocation dates are this, to the second). */
  revokedAt: Date;
  expiredValidity: { notBefore: Date; notAfter: Date };
  /**
   * One more certificate, made with `openssl x509 -new` (no CSR): for a public key the CA never saw the
   * private half of (a token's), or with unusual extensions. `extensions` is the body of its extension section.
   */
  issue(options: { name: string; extensions: string; issuer?: TestCertificate; publicKeyPem?: string; md?: string; /** Default 30. */ days?: number }): TestCertificate;
  /**
   * Revokes a certificate of the issuing CA with `openssl ca -revoke` (one made by `issue` too) and writes the
   * issuing CA's CRL again (at crlPaths.intermediate, and in crls.intermediate). `at` sets the revocation date
   * written in the CA's database (to the second), for a revocation at a known moment.
   */
  revoke(certificate: TestCertificate, reason: 'unspecified' | 'keyCompromise' | 'superseded' | 'affiliationChanged' | 'cessationOfOperation', at?: Date): Uint8Array;
  /** openssl verify with these arguments: whether it said OK, and what it printed. */
  opensslVerify(args: string[]): { ok: boolean; output: string };
  cleanup(): void;
}

const day = 24 * 60 * 60 * 1000;

/** openssl ca takes YYMMDDHHMMSSZ (UTCTime, as RFC 5280 wants before 2050). */
function opensslDate(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, '').replace(/\.\d{3}Z$/, 'Z').slice(2);
}

function caConfig(dir: string, crlExtensions: boolean): string {
  return `[ ca ]
default_ca = CA_default

[ CA_default ]
dir = ${dir}
database = $dir/index.txt
new_certs_dir = $dir/newcerts
serial = $dir/serial
crlnumber = $dir/crlnumber
certificate = $dir/ca.pem
private_key = $dir/ca.key
default_md = sha256
default_days = 365
default_crl_days = 7
policy = policy_any
unique_subject = no
email_in_dn = no
copy_extensions = none
${crlExtensions ? 'crl_extensions = crl_ext' : ''}

[ policy_any ]
commonName = supplied
organizationName = optional
organizationalUnitName = optional
countryName = optional

[ crl_ext ]
authorityKeyIdentifier = keyid:always

[ req ]
distinguished_name = req_dn
prompt = no

[ req_dn ]
CN = placeholder
`;
}

const caExtensions = `
[ v3_root ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[ v3_issuing ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
crlDistributionPoints = URI:http://127.0.0.1/root.crl
`;

function leafExtensions(keyUsage: string, extra: string): string {
  return `[ leaf ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, ${keyUsage}
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
crlDistributionPoints = URI:http://127.0.0.1/issuing.crl
${extra}
`;
}

export function makeTestCa(): TestCa {
  const dir = mkdtempSync(join(tmpdir(), 'conclave-test-ca-'));
  const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const now = Date.now();
  const caValidity = ['-startdate', opensslDate(new Date(now - 365 * day)), '-enddate', opensslDate(new Date(now + 3650 * day))];
  const leafValidity = ['-startdate', opensslDate(new Date(now - 30 * day)), '-enddate', opensslDate(new Date(now + 365 * day))];
  writeFileSync(join(dir, 'ca-extensions.cnf'), caExtensions);

  const newKey = (keyPath: string, kind: 'ec' | 'rsa') => {
    openssl(['genpkey', '-algorithm', kind === 'ec' ? 'EC' : 'RSA', '-pkeyopt', kind === 'ec' ? 'ec_paramgen_curve:P-256' : 'rsa_keygen_bits:2048', '-out', keyPath]);
    return keyPath;
  };
  const request = (name: string, keyPath: string, subject: string, config: string) => {
    const csr = join(dir, `${name}.csr`);
    openssl(['req', '-new', '-config', config, '-key', keyPath, '-subj', subject, '-out', csr]);
    return csr;
  };
  const read = (name: string, keyPath: string, certPath: string): TestCertificate => {
    const der = new Uint8Array(openssl(['x509', '-in', certPath, '-outform', 'DER']));
    return { name, keyPath, certPath, pem: readFileSync(certPath, 'utf8'), der };
  };

  /** A CA folder (config, index.txt, serial, key) and its certificate: self-signed, or issued by `parent` as an issuing CA. */
  type CaOptions = { kind?: 'ec' | 'rsa'; md?: string; crlExtensions?: boolean; parent?: CaFolder; serial: string };
  const makeCaFolder = (name: string, subject: string, options: CaOptions): CaFolder => {
    const caDir = join(dir, name);
    mkdirSync(join(caDir, 'newcerts'), { recursive: true });
    writeFileSync(join(caDir, 'index.txt'), '');
    writeFileSync(join(caDir, 'serial'), `${options.serial}\n`);
    writeFileSync(join(caDir, 'crlnumber'), '01\n');
    const config = join(caDir, 'openssl.cnf');
    writeFileSync(config, caConfig(caDir, options.crlExtensions ?? true));
    const keyPath = newKey(join(caDir, 'ca.key'), options.kind ?? 'ec');
    const csr = request(name, keyPath, subject, config);
    const certPath = join(caDir, 'ca.pem');
    const signer = options.parent ? ['-config', options.parent.config, '-extensions', 'v3_issuing'] : ['-config', config, '-selfsign', '-keyfile', keyPath, '-extensions', 'v3_root'];
    openssl(['ca', '-batch', '-notext', '-preserveDN', ...signer, '-in', csr, '-out', certPath, ...caValidity, '-md', options.md ?? 'sha256', '-extfile', join(dir, 'ca-extensions.cnf')]);
    return { dir: caDir, config, certificate: read(name, keyPath, certPath) };
  };

  type IssueOptions = { kind?: 'ec' | 'rsa'; keyUsage?: string; extra?: string; validity?: string[]; md?: string; sigopts?: string[] };
  const issue = (ca: CaFolder, name: string, subject: string, options: IssueOptions = {}): TestCertificate => {
    const keyPath = newKey(join(dir, `${name}.key`), options.kind ?? 'ec');
    const csr = request(name, keyPath, subject, ca.config);
    const extensions = join(dir, `${name}.ext.cnf`);
    writeFileSync(extensions, leafExtensions(options.keyUsage ?? 'digitalSignature', options.extra ?? ''));
    const certPath = join(dir, `${name}.pem`);
    const sigopts = (options.sigopts ?? []).flatMap((option) => ['-sigopt', option]);
    openssl(['ca', '-batch', '-notext', '-preserveDN', '-config', ca.config, '-in', csr, '-out', certPath, ...(options.validity ?? leafValidity), '-md', options.md ?? 'sha256', ...sigopts, '-extfile', extensions, '-extensions', 'leaf']);
    return read(name, keyPath, certPath);
  };
  const crl = (ca: CaFolder, file: string) => {
    const path = join(dir, file);
    openssl(['ca', '-batch', '-config', ca.config, '-gencrl', '-crldays', '7', '-out', path]);
    return { path, der: new Uint8Array(openssl(['crl', '-in', path, '-outform', 'DER'])) };
  };

  const root = makeCaFolder('root', '/O=Conclave Test/CN=Conclave Test Root', { serial: '1000' });
  // Signed by the root with ecdsa-with-SHA384 on a P-256 key: the hash is named, not implied by the curve.
  const issuing = makeCaFolder('issuing', '/O=Conclave Test/CN=Conclave Test Issuing CA', { parent: root, md: 'sha384', serial: '2000' });
  const other = makeCaFolder('other', '/O=Unrelated Org/CN=Other Test Root', { kind: 'rsa', md: 'sha384', serial: '3000' });

  const email = (address: string) => `subjectAltName = email:${address}`;
  const codeSigning = 'extendedKeyUsage = codeSigning';
  const leaves: TestCa['leaves'] = {
    alice: issue(issuing, 'alice', '/O=Conclave Test/OU=Release/CN=Alice Liddell', { extra: `${codeSigning}\n${email('alice@example.com')}, URI:https://id.example.com/people/alice` }),
    carol: issue(issuing, 'carol', '/O=Conclave Test/CN=Carol Chen', { kind: 'rsa', extra: `${codeSigning}\n${email('carol@example.com')}` }),
    expired: issue(issuing, 'expired', '/O=Conclave Test/CN=Expired Approver', {
      extra: email('expired@example.com'),
      validity: ['-startdate', opensslDate(new Date(now - 30 * day)), '-enddate', opensslDate(new Date(now - 10 * day))],
    }),
    revoked: issue(issuing, 'revoked', '/O=Conclave Test/CN=Revoked Approver', { extra: email('revoked@example.com') }),
    compromised: issue(issuing, 'compromised', '/O=Conclave Test/CN=Compromised Approver', { extra: email('compromised@example.com') }),
    noSign: issue(issuing, 'no-sign', '/O=Conclave Test/CN=Key Agreement Only', { keyUsage: 'keyAgreement' }),
    tsa: issue(issuing, 'tsa', '/O=Conclave Test/CN=Conclave Test TSA', { extra: 'extendedKeyUsage = critical, timeStamping' }),
    dave: issue(other, 'dave', '/O=Unrelated Org/CN=Dave', { md: 'sha384', extra: email('dave@other.example') }),
    erin: issue(other, 'erin', '/O=Unrelated Org/CN=Erin', { md: 'sha384', sigopts: ['rsa_padding_mode:pss', 'rsa_pss_saltlen:digest'], extra: email('erin@other.example') }),
  };

  let extraSerial = 0;
  const revokedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
  openssl(['ca', '-batch', '-config', issuing.config, '-revoke', leaves.revoked.certPath, '-crl_reason', 'superseded']);
  openssl(['ca', '-batch', '-config', issuing.config, '-revoke', leaves.compromised.certPath, '-crl_reason', 'keyCompromise']);
  const issuingCrl = crl(issuing, 'issuing.crl');
  const rootCrl = crl(root, 'root.crl');
  // Same name as the issuing CA, another key, and no AKI in its CRL: only the signature can tell it apart.
  const impostor = makeCaFolder('impostor', '/O=Conclave Test/CN=Conclave Test Issuing CA', { crlExtensions: false, serial: '4000' });
  const impostorCrl = crl(impostor, 'impostor.crl');

  return {
    dir,
    root: root.certificate,
    intermediate: issuing.certificate,
    otherRoot: other.certificate,
    impostor: impostor.certificate,
    leaves,
    crls: { intermediate: issuingCrl.der, root: rootCrl.der, impostor: impostorCrl.der },
    crlPaths: { intermediate: issuingCrl.path, root: rootCrl.path },
    revokedAt,
    expiredValidity: { notBefore: new Date(Math.floor((now - 30 * day) / 1000) * 1000), notAfter: new Date(Math.floor((now - 10 * day) / 1000) * 1000) },
    issue({ name, extensions, issuer = issuing.certificate, publicKeyPem, md, days = 30 }) {
      const publicKeyPath = join(dir, `${name}.pub.pem`);
      if (publicKeyPem) writeFileSync(publicKeyPath, publicKeyPem);
      else openssl(['pkey', '-in', newKey(join(dir, `${name}.key`), 'ec'), '-pubout', '-out', publicKeyPath]);
      const extensionsPath = join(dir, `${name}.ext.cnf`);
      writeFileSync(extensionsPath, `[ extra ]\n${extensions}\n`);
      const certPath = join(dir, `${name}.pem`);
      const serial = `0x${(0x7000 + ++extraSerial).toString(16)}`;
      openssl(['x509', '-new', '-force_pubkey', publicKeyPath, '-subj', `/O=Conclave Test/CN=${name}`, '-CA', issuer.certPath, '-CAkey', issuer.keyPath, '-set_serial', serial, '-days', String(days), ...(md ? [`-${md}`] : []), '-extfile', extensionsPath, '-extensions', 'extra', '-out', certPath]);
      return read(name, publicKeyPem ? '' : join(dir, `${name}.key`), certPath);
    },
    revoke(certificate, reason, at) {
      openssl(['ca', '-batch', '-config', issuing.config, '-revoke', certificate.certPath, '-crl_reason', reason]);
      if (at) {
        const serial = openssl(['x509', '-in', certificate.certPath, '-noout', '-serial']).toString().trim().replace(/^serial=/, '').toUpperCase();
        const database = join(issuing.dir, 'index.txt');
        const lines = readFileSync(database, 'utf8').split('\n').map((line) => {
          const fields = line.split('\t');
          if (fields[0] !== 'R' || fields[3]?.toUpperCase() !== serial) return line;
          fields[2] = fields[2]!.replace(/^\d{12}Z/, opensslDate(at));
          return fields.join('\t');
        });
        writeFileSync(database, lines.join('\n'));
      }
      const again = crl(issuing, 'issuing.crl');
      this.crls.intermediate = again.der;
      return again.der;
    },
    opensslVerify(args) {
      try {
        return { ok: true, output: execFileSync('openssl', ['verify', ...args], { cwd: dir, stdio: 'pipe' }).toString() };
      } catch (error) {
        const failed = error as { stdout?: Buffer; stderr?: Buffer };
        return { ok: false, output: `${failed.stdout?.toString() ?? ''}${failed.stderr?.toString() ?? ''}` };
      }
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
