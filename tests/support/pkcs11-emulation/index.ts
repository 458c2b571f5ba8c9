/**
 * Emulated vendor modules for tests that need devices no test machine has
 * (issue 13): YubiKey PIV through ykcs11, YubiHSM 2 through yubihsm_pkcs11,
 * a reader with a PIN pad, and a module that crashes at load. Each is the
 * small PKCS#11 module in emulation.c over SoftHSM2, built here with the
 * system's gcc, once per source (a cache folder named by its hash, shared by
 * every test file of a run and the next runs).
 *
 * The devices' contents are SoftHSM2 tokens laid out as the vendor's module
 * shows them, made here through pkcs11js as a provisioning tool would (key
 * pairs generated on the token, certificates from test CAs made with
 * openssl, the YubiKey's attestation from tests/attestation's test CA with
 * Yubico's extensions).
 */
import { execFileSync } from 'node:child_process';
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import pkcs11js from 'pkcs11js';
import { makeAttestationCa, type AttestationCa, type CaCertificate } from '../../attestation/support/attestation-ca';
import { makeTokenFolder, softhsmModule, type TokenFolder } from '../softhsm';

export const emulationFamilies = ['ykcs11', 'yubihsm', 'pinpad', 'crash'] as const;
export type EmulationFamily = (typeof emulationFamilies)[number];

/** Named as the vendors' own files are (module-catalog.ts knows them so), each in a folder of its own. */
const fileNames: Record<EmulationFamily, string> = {
  ykcs11: 'libykcs11.so',
  yubihsm: 'yubihsm_pkcs11.so',
  pinpad: 'libpinpad-pkcs11.so',
  crash: 'libcrash-pkcs11.so',
};

const source = fileURLToPath(new URL('./emulation.c', import.meta.url));
const headers = fileURLToPath(new URL('../../../node_modules/pkcs11js/includes/pkcs11', import.meta.url));
const cacheRoot = fileURLToPath(new URL('../../../node_modules/.cache/conclave-pkcs11-emulation', import.meta.url));

let built: Record<EmulationFamily, string> | undefined;

/**
 * The emulated modules' paths, building them if this source has not been
 * built yet. Built into a fresh folder and renamed into place, so that two
 * test files building at once both end up with a complete folder.
 */
export function emulationModules(): Record<EmulationFamily, string> {
  if (built) return built;
  const gccVersion = execFileSync('gcc', ['-dumpfullversion'], { encoding: 'utf8' }).trim();
  const hash = createHash('sha256')
    .update(readFileSync(source))
    .update(readFileSync(join(headers, 'pkcs11t.h')))
    .update(gccVersion)
    .digest('hex')
    .slice(0, 16);
  const dir = join(cacheRoot, hash);
  const paths = Object.fromEntries(emulationFamilies.map((family) => [family, join(dir, family, fileNames[family])])) as Record<EmulationFamily, string>;
  if (!emulationFamilies.every((family) => existsSync(paths[family]))) {
    mkdirSync(cacheRoot, { recursive: true });
    const building = mkdtempSync(join(cacheRoot, `${hash}-building-`));
    try {
      for (const family of emulationFamilies) {
        mkdirSync(join(building, family), { mode: 0o755 });
        const flags = ['-std=c11', '-D_GNU_SOURCE', '-Wall', '-Wextra', '-Werror', '-O1', '-g', '-shared', '-fPIC', `-DEMULATION_${family.toUpperCase()}`, `-I${headers}`];
        execFileSync('gcc', [...flags, '-o', join(building, family, fileNames[family]), source, '-ldl', '-lpthread'], { stdio: ['ignore', 'pipe', 'pipe'] });
      }
      try {
        renameSync(building, dir);
      } catch (error) {
        // Another test file built the same source meanwhile: its folder is as good.
        if (!existsSync(paths.crash)) throw error;
      }
    } finally {
      rmSync(building, { recursive: true, force: true });
    }
    // Builds of earlier versions of the source are of no use any more.
    for (const entry of readdirSync(cacheRoot)) if (!entry.startsWith(hash)) rmSync(join(cacheRoot, entry), { recursive: true, force: true });
  }
  built = paths;
  return paths;
}

const { CKA_CLASS, CKA_TOKEN, CKA_PRIVATE, CKA_LABEL, CKA_ID, CKA_KEY_TYPE, CKA_EC_PARAMS, CKA_EC_POINT, CKA_VALUE, CKA_SIGN, CKA_VERIFY, CKA_SENSITIVE, CKA_EXTRACTABLE } = pkcs11js;
const { CKA_CERTIFICATE_TYPE, CKA_SUBJECT, CKA_APPLICATION, CKA_OBJECT_ID, CKO_PRIVATE_KEY, CKO_PUBLIC_KEY, CKO_CERTIFICATE, CKO_DATA, CKK_EC, CKC_X_509 } = pkcs11js;
const CKA_ALWAYS_AUTHENTICATE = 0x202;
const CKK_EC_EDWARDS = 0x40;
const CKM_EC_EDWARDS_KEY_PAIR_GEN = 0x1055;
const p256Params = Buffer.from('06082a8648ce3d030107', 'hex');
/** What ykcs11 shows as an Ed25519 key's CKA_EC_PARAMS: PrintableString "edwards25519" (yubico-piv-tool ykcs11/objects.c:42). */
const edwards25519Params = Buffer.from('130c656477617264733235353139', 'hex');

/** The YubiKey PIN as it comes (yubico-piv-tool), and the management key as it comes. */
export const yubikeyPin = '123456';
export const defaultManagementKey = '010203040506070801020304050607080102030405060708';
/** yubihsm-shell's default: authentication key 1, password "password". */
export const yubihsmPassword = 'password';
export const yubihsmPin = `0001${yubihsmPassword}`;

/** DER length octets (X.690 §8.1.3). */
function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest >>= 8) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
const tlv = (tag: number, value: Buffer) => Buffer.concat([Buffer.from([tag]), derLength(value.length), value]);

/** The PEM SubjectPublicKeyInfo of a token key, from its CKA_EC_POINT (a DER OCTET STRING). */
function publicKeyPemOf(ecPoint: Buffer, edwards: boolean): string {
  const point = ecPoint[0] === 0x04 && ecPoint[1] === ecPoint.length - 2 ? ecPoint.subarray(2) : ecPoint;
  const b64 = (bytes: Buffer) => bytes.toString('base64url');
  const jwk = edwards ? { kty: 'OKP', crv: 'Ed25519', x: b64(point) } : { kty: 'EC', crv: 'P-256', x: b64(point.subarray(1, 33)), y: b64(point.subarray(33)) };
  return createPublicKey({ key: jwk, format: 'jwk' }).export({ format: 'pem', type: 'spki' }).toString();
}

/** A release CA of the organisation's (not Yubico's): it certifies who holds a key. */
export interface ReleaseCa {
  rootPem: string;
  /** A certificate for `publicKeyPem`, as a CA would issue for a key made on a token. */
  issue(publicKeyPem: string, holder: string): Uint8Array;
}

function makeReleaseCa(dir: string): ReleaseCa {
  const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  openssl(['req', '-x509', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'release-root.key', '-subj', '/CN=Conclave Test Release CA', '-days', '3650', '-sha256', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', 'release-root.pem']);
  let serial = 5000;
  return {
    rootPem: readFileSync(join(dir, 'release-root.pem'), 'utf8'),
    issue(publicKeyPem, holder) {
      const id = serial++;
      writeFileSync(join(dir, `holder-${id}.pub.pem`), publicKeyPem);
      writeFileSync(join(dir, `holder-${id}.cnf`), `[ext]\nbasicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature\nextendedKeyUsage = codeSigning\nsubjectAltName = email:${holder}@example.com\n`);
      openssl(['x509', '-new', '-force_pubkey', `holder-${id}.pub.pem`, '-subj', `/CN=${holder}`, '-CA', 'release-root.pem', '-CAkey', 'release-root.key', '-set_serial', String(id), '-days', '365', '-sha256', '-extfile', `holder-${id}.cnf`, '-extensions', 'ext', '-outform', 'DER', '-out', `holder-${id}.der`]);
      return new Uint8Array(readFileSync(join(dir, `holder-${id}.der`)));
    },
  };
}

/** A key made on an emulated device, as the test knows it. */
export interface MadeKey {
  id: Buffer;
  publicKeyPem: string;
}

export interface EmulatedYubiKey {
  serial: number;
  /** The token's label as ykcs11 shows it. */
  label: string;
  /** The token URI a person copies from "conclave tokens". */
  tokenUri: string;
  /** Slot 9a (PIV Authentication, PIN once), 9c (Digital Signature, PIN always), 9e (Card Authentication, Ed25519, PIN never). */
  keys: Record<'9a' | '9c' | '9e', MadeKey>;
  /** The organisation's certificate for the 9c key ("X.509 Certificate for Digital Signature"). */
  signingCertificate: Uint8Array;
  /** What ykcs11 shows as "X.509 Certificate for PIV Attestation 9c", and the device's f9 certificate. */
  attestation: { certificate: Uint8Array; intermediate: Uint8Array };
}

export interface EmulatedYubiHsm {
  serial: number;
  tokenUri: string;
  keys: Record<string, MadeKey>;
  /** The attestation certificates stored on the device, by the label of the key they attest. */
  attestations: Record<string, Uint8Array>;
}

/**
 * A stand-in for a YubiHSM 2's attestation key (its certificate, on a real
 * device, is issued by Yubico's YubiHSM attestation CA): it issues what
 * yubihsm-shell's sign-attestation-certificate returns, a certificate for the
 * key's public key with Yubico's extensions (arc 1.3.6.1.4.1.41482.4,
 * developers.yubico.com/YubiHSM2/Concepts/Attestation.html): firmware (.1,
 * OCTET STRING), serial (.2, INTEGER), origin (.3, BIT STRING; generated),
 * object id (.6, INTEGER), label (.9, UTF8String).
 */
function makeYubiHsmAttestor(dir: string): { rootPem: string; attest(publicKeyPem: string, facts: { serial: number; objectId: number; label: string }): Uint8Array } {
  const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  openssl(['req', '-x509', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'yubihsm-attest.key', '-subj', '/CN=Conclave Test YubiHSM Attestation', '-days', '3650', '-sha256', '-addext', 'basicConstraints=critical,CA:TRUE', '-out', 'yubihsm-attest.pem']);
  const hex = (bytes: Buffer) => Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join(':');
  const integer = (value: number) => {
    const bytes: number[] = [];
    for (let rest = value; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
    if (bytes.length === 0 || bytes[0]! >= 0x80) bytes.unshift(0);
    return tlv(0x02, Buffer.from(bytes));
  };
  let serial = 7000;
  return {
    rootPem: readFileSync(join(dir, 'yubihsm-attest.pem'), 'utf8'),
    attest(publicKeyPem, facts) {
      const id = serial++;
      writeFileSync(join(dir, `hsm-key-${id}.pub.pem`), publicKeyPem);
      const extensions = [
        `1.3.6.1.4.1.41482.4.1 = DER:${hex(tlv(0x04, Buffer.from([2, 4, 0])))}`,
        `1.3.6.1.4.1.41482.4.2 = DER:${hex(integer(facts.serial))}`,
        `1.3.6.1.4.1.41482.4.3 = DER:${hex(tlv(0x03, Buffer.from([0x07, 0x80])))}`,
        `1.3.6.1.4.1.41482.4.6 = DER:${hex(integer(facts.objectId))}`,
        `1.3.6.1.4.1.41482.4.9 = DER:${hex(tlv(0x0c, Buffer.from(facts.label, 'utf8')))}`,
      ];
      writeFileSync(join(dir, `hsm-key-${id}.cnf`), `[ext]\n${extensions.join('\n')}\n`);
      openssl(['x509', '-new', '-force_pubkey', `hsm-key-${id}.pub.pem`, '-subj', `/CN=YubiHSM Attestation id:0x${facts.objectId.toString(16).padStart(4, '0')}`, '-CA', 'yubihsm-attest.pem', '-CAkey', 'yubihsm-attest.key', '-set_serial', String(id), '-days', '3650', '-sha256', '-extfile', `hsm-key-${id}.cnf`, '-extensions', 'ext', '-outform', 'DER', '-out', `hsm-key-${id}.der`]);
      return new Uint8Array(readFileSync(join(dir, `hsm-key-${id}.der`)));
    },
  };
}

export interface EmulationLab {
  /**
   * A SoftHSM2 folder per emulated family: each module shows only its own
   * devices (a YubiKey emulation would otherwise show a YubiHSM's token as a
   * YubiKey). The crash module uses none.
   */
  folders: Record<'ykcs11' | 'yubihsm' | 'pinpad', TokenFolder>;
  modules: Record<EmulationFamily, string>;
  attestationCa: AttestationCa;
  releaseCa: ReleaseCa;
  /** A file the emulated modules append a line per emulated call to. */
  tracePath: string;
  /** The emulation's variables for a family's module (SoftHSM2's folder among them). */
  env(family: EmulationFamily, extra?: Record<string, string>): Record<string, string>;
  /** The trace's lines so far. */
  trace(): string[];
  /**
   * pcsc-lite's socket as the YubiKey emulation and Conclave see it
   * (PCSCLITE_CSOCK_NAME): present, pcscd runs; removed, it does not.
   */
  pcscd: { socket: string; stop(): void; start(): void };
  /** A YubiKey 5 with PIV keys in 9a, 9c and 9e, certificates and attestations, as ykcs11 shows one. */
  addYubiKey(options: { serial: number; holder: string; pin?: string; touchPolicy?: number }): EmulatedYubiKey;
  /**
   * A YubiHSM 2 with authentication key 1 (password `password`) and ECDSA P-256 keys of the given labels and object ids;
   * `attested`: the key's attestation certificate is stored on the device with the key's object id, as a person does with
   * yubihsm-shell (sign-attestation-certificate, then put-opaque with algorithm opaque-x509-certificate), which
   * yubihsm_pkcs11 shows as a CKO_CERTIFICATE with the key's CKA_ID.
   */
  addYubiHsm(options: { serial: number; keys: { label: string; objectId: number; attested?: boolean }[] }): EmulatedYubiHsm;
  /** A token behind a PIN-pad reader, with ECDSA P-256 keys of the given labels. */
  addPinPadToken(options: { label: string; pin: string; keys: string[] }): { tokenUri: string; keys: Record<string, MadeKey> };
  cleanup(): void;
}

/** Runs `work` against the lab's SoftHSM2 folder in this process, as a provisioning tool would, and finalises. */
function withSoftHsm<T>(folder: TokenFolder, work: (pkcs11: pkcs11js.PKCS11, session: (tokenLabel: string, userPin: string) => Buffer) => T): T {
  const previous = process.env.SOFTHSM2_CONF;
  // SoftHSM2 reads its configuration in C_Initialize, from this process's environment.
  process.env.SOFTHSM2_CONF = folder.conf;
  const pkcs11 = new pkcs11js.PKCS11();
  pkcs11.load(softhsmModule!);
  pkcs11.C_Initialize();
  const opened: Buffer[] = [];
  try {
    return work(pkcs11, (tokenLabel, userPin) => {
      const slot = pkcs11.C_GetSlotList(true).find((candidate) => pkcs11.C_GetTokenInfo(candidate).label.trim() === tokenLabel);
      if (!slot) throw new Error(`no SoftHSM2 token ${tokenLabel}`);
      const session = pkcs11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
      opened.push(session);
      if (opened.length === 1) pkcs11.C_Login(session, pkcs11js.CKU_USER, userPin);
      return session;
    });
  } finally {
    for (const session of opened) pkcs11.C_CloseSession(session);
    pkcs11.C_Finalize();
    pkcs11.close();
    if (previous === undefined) delete process.env.SOFTHSM2_CONF;
    else process.env.SOFTHSM2_CONF = previous;
  }
}

/** An EC key pair generated on the token (CKA_LOCAL, never extractable), labelled and numbered as the vendor's module shows it. */
function generateKey(
  pkcs11: pkcs11js.PKCS11,
  session: Buffer,
  options: { id: Buffer; privateLabel: string; publicLabel: string; edwards?: boolean; alwaysAuthenticate?: boolean },
): MadeKey {
  const keyType = options.edwards ? CKK_EC_EDWARDS : CKK_EC;
  const { publicKey } = pkcs11.C_GenerateKeyPair(
    session,
    { mechanism: options.edwards ? CKM_EC_EDWARDS_KEY_PAIR_GEN : pkcs11js.CKM_EC_KEY_PAIR_GEN },
    [
      { type: CKA_CLASS, value: CKO_PUBLIC_KEY },
      { type: CKA_KEY_TYPE, value: keyType },
      { type: CKA_TOKEN, value: true },
      { type: CKA_PRIVATE, value: false },
      { type: CKA_VERIFY, value: true },
      { type: CKA_LABEL, value: options.publicLabel },
      { type: CKA_ID, value: options.id },
      { type: CKA_EC_PARAMS, value: options.edwards ? edwards25519Params : p256Params },
    ],
    [
      { type: CKA_CLASS, value: CKO_PRIVATE_KEY },
      { type: CKA_KEY_TYPE, value: keyType },
      { type: CKA_TOKEN, value: true },
      { type: CKA_PRIVATE, value: true },
      { type: CKA_SENSITIVE, value: true },
      { type: CKA_EXTRACTABLE, value: false },
      { type: CKA_SIGN, value: true },
      { type: CKA_LABEL, value: options.privateLabel },
      { type: CKA_ID, value: options.id },
      { type: CKA_ALWAYS_AUTHENTICATE, value: options.alwaysAuthenticate === true },
    ],
  );
  const [point] = pkcs11.C_GetAttributeValue(session, publicKey, [{ type: CKA_EC_POINT }]);
  return { id: options.id, publicKeyPem: publicKeyPemOf(point!.value as Buffer, options.edwards === true) };
}

function storeCertificate(pkcs11: pkcs11js.PKCS11, session: Buffer, der: Uint8Array, label: string, id: Buffer): void {
  const subject = Buffer.from(AsnConvert.serialize(AsnConvert.parse(der, Certificate).tbsCertificate.subject));
  pkcs11.C_CreateObject(session, [
    { type: CKA_CLASS, value: CKO_CERTIFICATE },
    { type: CKA_CERTIFICATE_TYPE, value: CKC_X_509 },
    { type: CKA_TOKEN, value: true },
    { type: CKA_PRIVATE, value: false },
    { type: CKA_LABEL, value: label },
    { type: CKA_ID, value: id },
    { type: CKA_SUBJECT, value: subject },
    { type: CKA_VALUE, value: Buffer.from(der) },
  ]);
}

/**
 * ykcs11 also shows each PIV data object it read as CKO_DATA, labelled as the
 * certificate it holds, with CKA_APPLICATION the same label and CKA_OBJECT_ID
 * the PIV object's OID without its tag (yubico-piv-tool ykcs11/objects.c:54-79,
 * 199-238, get_doa 303-380); the value is the object as stored: the
 * certificate in tag 0x70, compression 0x71, LRC 0xFE (SP 800-73-4 part 1
 * §3.3.2). ykcs11 gives them CKA_ID too; SoftHSM2 refuses CKA_ID on data objects.
 */
function storeDataObject(pkcs11: pkcs11js.PKCS11, session: Buffer, certificate: Uint8Array, label: string, objectId: string): void {
  const value = Buffer.concat([tlv(0x70, Buffer.from(certificate)), Buffer.from([0x71, 0x01, 0x00, 0xfe, 0x00])]);
  pkcs11.C_CreateObject(session, [
    { type: CKA_CLASS, value: CKO_DATA },
    { type: CKA_TOKEN, value: true },
    { type: CKA_PRIVATE, value: false },
    { type: CKA_LABEL, value: label },
    { type: CKA_APPLICATION, value: label },
    { type: CKA_OBJECT_ID, value: Buffer.from(objectId, 'hex') },
    { type: CKA_VALUE, value },
  ]);
}

/** The device's attestation key (slot f9) on the token: imported, since its certificate comes from the test attestation CA. */
function storeAttestationKey(pkcs11: pkcs11js.PKCS11, session: Buffer, device: CaCertificate): void {
  const jwk = createPrivateKey(readFileSync(device.keyPath)).export({ format: 'jwk' });
  const point = Buffer.concat([Buffer.from([0x04]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
  const id = Buffer.from([25]);
  // The f9 key signs attestations only: ykcs11 shows it with CKA_SIGN false (objects.c:240-266, the last entry).
  pkcs11.C_CreateObject(session, [
    { type: CKA_CLASS, value: CKO_PRIVATE_KEY },
    { type: CKA_KEY_TYPE, value: CKK_EC },
    { type: CKA_TOKEN, value: true },
    { type: CKA_PRIVATE, value: true },
    { type: CKA_SENSITIVE, value: true },
    { type: CKA_EXTRACTABLE, value: false },
    { type: CKA_SIGN, value: false },
    { type: CKA_LABEL, value: 'Private key for PIV Attestation' },
    { type: CKA_ID, value: id },
    { type: CKA_EC_PARAMS, value: p256Params },
    { type: CKA_VALUE, value: Buffer.from(jwk.d!, 'base64url') },
  ]);
  pkcs11.C_CreateObject(session, [
    { type: CKA_CLASS, value: CKO_PUBLIC_KEY },
    { type: CKA_KEY_TYPE, value: CKK_EC },
    { type: CKA_TOKEN, value: true },
    { type: CKA_PRIVATE, value: false },
    { type: CKA_VERIFY, value: true },
    { type: CKA_LABEL, value: 'Public key for PIV Attestation' },
    { type: CKA_ID, value: id },
    { type: CKA_EC_PARAMS, value: p256Params },
    { type: CKA_EC_POINT, value: tlv(0x04, point) },
  ]);
}

/** Percent-encodes a URI attribute value as RFC 7512 §2.3 asks (everything but unreserved characters). */
const uriValue = (text: string) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export function makeEmulationLab(): EmulationLab {
  if (!softhsmModule) throw new Error('SoftHSM2 is not installed: apt-get install softhsm2');
  const modules = emulationModules();
  const folders = { ykcs11: makeTokenFolder(), yubihsm: makeTokenFolder(), pinpad: makeTokenFolder() };
  const work = mkdtempSync(join(tmpdir(), 'conclave-emulation-'));
  const stateDir = join(work, 'device-state');
  mkdirSync(stateDir);
  const tracePath = join(work, 'trace.log');
  const pcscdSocket = join(work, 'pcscd.comm');
  writeFileSync(pcscdSocket, '');
  const attestationCa = makeAttestationCa();
  const releaseCa = makeReleaseCa(work);
  writeFileSync(tracePath, '');
  let attestor: ReturnType<typeof makeYubiHsmAttestor> | undefined;
  const yubiHsmAttestor = () => (attestor ??= makeYubiHsmAttestor(work));

  return {
    folders,
    modules,
    attestationCa,
    releaseCa,
    tracePath,
    env(family, extra = {}) {
      return {
        ...folders[family === 'crash' ? 'ykcs11' : family].env,
        PKCS11_EMULATION_SOFTHSM: softhsmModule!,
        PKCS11_EMULATION_TRACE: tracePath,
        ...(family === 'ykcs11' ? { PKCS11_EMULATION_STATE_DIR: stateDir, PKCS11_EMULATION_DEVICE_PIN: yubikeyPin, PCSCLITE_CSOCK_NAME: pcscdSocket } : {}),
        ...extra,
      };
    },
    trace: () => readFileSync(tracePath, 'utf8').split('\n').filter(Boolean),
    pcscd: {
      socket: pcscdSocket,
      stop: () => rmSync(pcscdSocket, { force: true }),
      start: () => writeFileSync(pcscdSocket, ''),
    },

    addYubiKey({ serial, holder, pin = yubikeyPin, touchPolicy = 2 }) {
      // ykcs11 shows the device's serial; the emulation reads it from the SoftHSM2 token's label.
      const folder = folders.ykcs11;
      folder.addToken(String(serial), pin);
      const device = attestationCa.device(`yubikey-${serial}`);
      const attestOptions = (slot: string, pinPolicy: number) => ({ serial, firmware: [5, 7, 1] as [number, number, number], pin: pinPolicy, touch: touchPolicy, formFactor: 0x03, slot });
      const made = withSoftHsm(folder, (pkcs11, open) => {
        const session = open(String(serial), pin);
        const keys = {
          '9a': generateKey(pkcs11, session, { id: Buffer.from([1]), privateLabel: 'Private key for PIV Authentication', publicLabel: 'Public key for PIV Authentication' }),
          // Slot 9c's PIN policy is "always" (yubico-piv-tool ykcs11/objects.c:240-243): CKA_ALWAYS_AUTHENTICATE.
          '9c': generateKey(pkcs11, session, { id: Buffer.from([2]), privateLabel: 'Private key for Digital Signature', publicLabel: 'Public key for Digital Signature', alwaysAuthenticate: true }),
          '9e': generateKey(pkcs11, session, { id: Buffer.from([4]), privateLabel: 'Private key for Card Authentication', publicLabel: 'Public key for Card Authentication', edwards: true }),
        };
        const signingCertificate = releaseCa.issue(keys['9c'].publicKeyPem, holder);
        const authenticationCertificate = releaseCa.issue(keys['9a'].publicKeyPem, holder);
        storeCertificate(pkcs11, session, authenticationCertificate, 'X.509 Certificate for PIV Authentication', Buffer.from([1]));
        storeCertificate(pkcs11, session, signingCertificate, 'X.509 Certificate for Digital Signature', Buffer.from([2]));
        storeDataObject(pkcs11, session, authenticationCertificate, 'X.509 Certificate for PIV Authentication', '60864801650307020101');
        storeDataObject(pkcs11, session, signingCertificate, 'X.509 Certificate for Digital Signature', '60864801650307020100');
        // What ykcs11 makes at C_OpenSession with ykpiv_attest for each generated key (ykcs11.c:999-1012):
        // "X.509 Certificate for PIV Attestation <slot>" with the slot's CKA_ID (objects.c:120-123).
        const attestation9a = attestationCa.attest(device, keys['9a'].publicKeyPem, attestOptions('9a', 2));
        const attestation9c = attestationCa.attest(device, keys['9c'].publicKeyPem, attestOptions('9c', 3));
        const attestation9e = attestationCa.attest(device, keys['9e'].publicKeyPem, attestOptions('9e', 1));
        storeCertificate(pkcs11, session, attestation9a, 'X.509 Certificate for PIV Attestation 9a', Buffer.from([1]));
        storeCertificate(pkcs11, session, attestation9c, 'X.509 Certificate for PIV Attestation 9c', Buffer.from([2]));
        storeCertificate(pkcs11, session, attestation9e, 'X.509 Certificate for PIV Attestation 9e', Buffer.from([4]));
        // Slot f9: the device's attestation key and Yubico's certificate for it ("X.509 Certificate for PIV Attestation", id 25).
        storeAttestationKey(pkcs11, session, device);
        storeCertificate(pkcs11, session, device.der, 'X.509 Certificate for PIV Attestation', Buffer.from([25]));
        storeDataObject(pkcs11, session, device.der, 'X.509 Certificate for PIV Attestation', '2b0601040182c40a03');
        return { keys, signingCertificate, attestation: { certificate: attestation9c, intermediate: device.der } };
      });
      const label = `YubiKey PIV #${serial}`;
      return { serial, label, tokenUri: `pkcs11:token=${uriValue(label)}`, ...made };
    },

    addYubiHsm({ serial, keys }) {
      const folder = folders.yubihsm;
      folder.addToken(String(serial), yubihsmPassword);
      const attestations: Record<string, Uint8Array> = {};
      const made = withSoftHsm(folder, (pkcs11, open) => {
        const session = open(String(serial), yubihsmPassword);
        // yubihsm_pkcs11 shows an asymmetric key's object id as a 2-byte CKA_ID and its label on both halves.
        return Object.fromEntries(
          keys.map(({ label, objectId, attested }) => {
            const id = Buffer.from([objectId >> 8, objectId & 0xff]);
            const key = generateKey(pkcs11, session, { id, privateLabel: label, publicLabel: label });
            if (attested) {
              attestations[label] = yubiHsmAttestor().attest(key.publicKeyPem, { serial, objectId, label });
              storeCertificate(pkcs11, session, attestations[label], label, id);
            }
            return [label, key];
          }),
        );
      });
      return { serial, tokenUri: `pkcs11:token=YubiHSM;serial=${String(serial).padStart(8, '0')}`, keys: made, attestations };
    },

    addPinPadToken({ label, pin, keys }) {
      const folder = folders.pinpad;
      folder.addToken(label, pin);
      const made = withSoftHsm(folder, (pkcs11, open) => {
        const session = open(label, pin);
        return Object.fromEntries(keys.map((key, index) => [key, generateKey(pkcs11, session, { id: Buffer.from([0x10 + index]), privateLabel: key, publicLabel: key })]));
      });
      return { tokenUri: `pkcs11:token=${uriValue(label)}`, keys: made };
    },

    cleanup() {
      attestationCa.cleanup();
      for (const folder of Object.values(folders)) folder.cleanup();
      rmSync(work, { recursive: true, force: true });
    },
  };
}
