/**
 * A test PIV attestation CA, made with the openssl CLI in a temporary folder
 * and shaped like Yubico's (https://developers.yubico.com/PIV/Introduction/PIV_attestation.html):
 *
 *   a root (RSA 2048, as Yubico's)                       "Conclave Test PIV Attestation Root"
 *   └─ one device certificate per YubiKey (slot f9)      "Yubico PIV Attestation"
 *      └─ slot attestations, for a public key we give    "YubiKey PIV Attestation 9c"
 *         with Yubico's extensions: firmware (.3.3), serial (.3.7), PIN and touch policy (.3.8), form factor (.3.9)
 *
 * openssl writes each extension's value as given (`OID=DER:hex`), so the bytes
 * are exactly those a YubiKey puts there. Also an unrelated root, and an
 * impostor with the test root's name and a key of its own, for forged chains.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CaCertificate {
  name: string;
  keyPath: string;
  certPath: string;
  pem: string;
  der: Uint8Array;
}

export interface DeviceOptions {
  /** Which CA issues the device certificate. Default: the test root. */
  issuer?: 'root' | 'other' | 'impostor';
  /** Leave out basicConstraints, as YubiKey 4 f9 certificates do. */
  noBasicConstraints?: boolean;
  /** basicConstraints CA:FALSE. */
  notCa?: boolean;
}

export interface SlotOptions {
  serial: number;
  firmware?: [number, number, number];
  /** PIN policy byte: 1 never, 2 once, 3 always (4, 5: match once, match always). Default 2. */
  pin?: number;
  /** Touch policy byte: 1 never, 2 always, 3 cached. Default 2. */
  touch?: number;
  formFactor?: number;
  slot?: string;
  /** Extensions to leave out, by last arc ('3', '7', '8', '9'). */
  omit?: string[];
  /** Raw extension lines replacing the generated ones of the same arc, e.g. { '7': 'DER:02:01:ff' }. */
  raw?: Record<string, string>;
}

export interface AttestationCa {
  root: CaCertificate;
  otherRoot: CaCertificate;
  impostor: CaCertificate;
  /** A device certificate (what slot f9 holds). */
  device(name: string, options?: DeviceOptions): CaCertificate;
  /** The attestation of `publicKeyPem` by `device`. */
  attest(device: CaCertificate, publicKeyPem: string, options: SlotOptions): Uint8Array;
  cleanup(): void;
}

const hex = (bytes: number[]) => bytes.map((byte) => byte.toString(16).padStart(2, '0')).join(':');

/** DER INTEGER of a non-negative number, minimal. */
function derInteger(value: number): number[] {
  const bytes: number[] = [];
  for (let rest = value; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  if (bytes.length === 0 || bytes[0]! >= 0x80) bytes.unshift(0);
  return [0x02, bytes.length, ...bytes];
}

export function makeAttestationCa(): AttestationCa {
  const dir = mkdtempSync(join(tmpdir(), 'conclave-attestation-ca-'));
  let serial = 1000;
  const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const load = (name: string, keyPath: string, certPath: string): CaCertificate => {
    const pem = readFileSync(certPath, 'utf8');
    const der = new Uint8Array(openssl(['x509', '-in', certPath, '-outform', 'DER']));
    return { name, keyPath, certPath, pem, der };
  };
  const selfSigned = (name: string, subject: string, keyArgs: string[]): CaCertificate => {
    const keyPath = join(dir, `${name}.key`);
    const certPath = join(dir, `${name}.pem`);
    openssl(['req', '-x509', '-new', ...keyArgs, '-nodes', '-keyout', keyPath, '-subj', subject, '-days', '3650', '-sha256', '-addext', 'basicConstraints=critical,CA:TRUE,pathlen:1', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-addext', 'subjectKeyIdentifier=hash', '-out', certPath]);
    return load(name, keyPath, certPath);
  };
  const root = selfSigned('root', '/CN=Conclave Test PIV Attestation Root', ['-newkey', 'rsa:2048']);
  const otherRoot = selfSigned('other', '/CN=Some Other Attestation Root', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']);
  // Same name as the test root, its own key: what a forger who copies the root's name can make.
  const impostor = selfSigned('impostor', '/CN=Conclave Test PIV Attestation Root', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']);
  const issuers = { root, other: otherRoot, impostor };

  return {
    root,
    otherRoot,
    impostor,
    device(name, options = {}) {
      const keyPath = join(dir, `${name}.key`);
      const csrPath = join(dir, `${name}.csr`);
      const certPath = join(dir, `${name}.pem`);
      const extPath = join(dir, `${name}.cnf`);
      const issuer = issuers[options.issuer ?? 'root'];
      const constraints = options.noBasicConstraints ? '' : options.notCa ? 'basicConstraints = critical, CA:FALSE\n' : 'basicConstraints = critical, CA:TRUE, pathlen:0\n';
      writeFileSync(extPath, `[ext]\n${constraints}subjectKeyIdentifier = hash\n`);
      openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyPath, '-subj', '/CN=Yubico PIV Attestation', '-out', csrPath]);
      openssl(['x509', '-req', '-in', csrPath, '-CA', issuer.certPath, '-CAkey', issuer.keyPath, '-set_serial', String(serial++), '-days', '3650', '-sha256', '-extfile', extPath, '-extensions', 'ext', '-out', certPath]);
      return load(name, keyPath, certPath);
    },
    attest(device, publicKeyPem, options) {
      const id = serial++;
      const publicKeyPath = join(dir, `slot-${id}.pub.pem`);
      const extPath = join(dir, `slot-${id}.cnf`);
      const certPath = join(dir, `slot-${id}.pem`);
      writeFileSync(publicKeyPath, publicKeyPem);
      const values: Record<string, string> = {
        '3': `DER:${hex(options.firmware ?? [5, 4, 3])}`,
        '7': `DER:${hex(derInteger(options.serial))}`,
        '8': `DER:${hex([options.pin ?? 2, options.touch ?? 2])}`,
        ...(options.formFactor !== undefined ? { '9': `DER:${hex([options.formFactor])}` } : {}),
        ...options.raw,
      };
      const lines = Object.entries(values)
        .filter(([arc]) => !(options.omit ?? []).includes(arc))
        .map(([arc, value]) => `1.3.6.1.4.1.41482.3.${arc} = ${value}`);
      writeFileSync(extPath, `[ext]\n${lines.join('\n')}\n`);
      openssl(['x509', '-new', '-force_pubkey', publicKeyPath, '-subj', `/CN=YubiKey PIV Attestation ${options.slot ?? '9c'}`, '-CA', device.certPath, '-CAkey', device.keyPath, '-set_serial', String(id), '-days', '3650', '-sha256', '-extfile', extPath, '-extensions', 'ext', '-out', certPath]);
      return new Uint8Array(openssl(['x509', '-in', certPath, '-outform', 'DER']));
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
