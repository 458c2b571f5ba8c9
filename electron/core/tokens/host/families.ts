/**
 * The PKCS#11 module families Conclave meets, and where each differs from the
 * standard (issue 13). A family is recognised by what the library says of
 * itself (C_GetInfo's manufacturer and description), and before C_Initialize
 * has succeeded, when it cannot say anything, by marks its file carries;
 * never by its file name, which packagers and people change.
 *
 * Each quirk cites where it comes from: the vendor's source or documentation,
 * or what the Debian package does (tests/tokens/conformance runs the same
 * cases against each family that Debian packages).
 */
import { existsSync, readFileSync } from 'node:fs';
import type { ModuleKindName, PivSlot } from '../../../../shared/api/contract';
import { ConclaveError } from '../../../../shared/errors';

export const moduleFamilies = ['softhsm2', 'nss-softokn', 'p11-kit-proxy', 'opencryptoki', 'tpm2-pkcs11', 'ykcs11', 'yubihsm', 'opensc', 'generic'] as const;
export type ModuleFamily = (typeof moduleFamilies)[number];

/** A program the module needs running beside it. */
export interface ModuleService {
  /** What the person knows it as, e.g. "pkcsslotd (openCryptoki's slot daemon)". */
  name: string;
  /** The command that starts it on a systemd machine. */
  start: string;
  /** Whether it is there now, as far as a file check can tell; undefined when it cannot be told. */
  running(env: NodeJS.ProcessEnv): boolean | undefined;
}

export interface FamilyProfile {
  family: ModuleFamily;
  /** As people call it. */
  name: string;
  /**
   * SoftHSM2 reads its token folder only in C_Initialize and answers
   * C_WaitForSlotEvent with CKR_FUNCTION_NOT_SUPPORTED, so tokens made or
   * deleted by another program appear only after finalising and initialising
   * again (SoftHSMv2 src/lib/SoftHSM.cpp, C_WaitForSlotEvent). Done only
   * while no job is running.
   */
  reinitializeToRescan: boolean;
  /** Whether its tokens can be unplugged: only then does advice say "re-plug". */
  removable: boolean;
  /** The service it talks to, when a missing one is a likely cause of failures. */
  service?: ModuleService;
  /** How a locked PIN is unlocked on this family. */
  unlock: string;
  /**
   * What the family's CKF_USER_PIN_COUNT_LOW means (pin-state.ts). countLow:
   * the number of tries left it stands for, where the module sets it for
   * exactly one count; locks false: wrong PINs never lock, so the flag only
   * says that one was tried. Absent: the standard's "few tries left".
   */
  pinTries?: { countLow?: number; locks?: boolean };
  /** How the user PIN is changed on this family, when the token says it must be (CKF_USER_PIN_TO_BE_CHANGED, CKR_PIN_EXPIRED). */
  changePin?: string;
  /**
   * Key objects stay hidden until the session is logged in (yubihsm_pkcs11:
   * C_FindObjectsInit in an unauthenticated session finds nothing, yubihsm-shell
   * pkcs11/yubihsm_pkcs11.c:2516-2524): keys are listed and found after login.
   */
  keysAfterLogin: boolean;
  /** What the PIN is, when it is more than a PIN; shown with the token and in a wrong-format error. */
  pinFormat?: string;
  /**
   * Why a PIN (as its bytes) cannot be right for this family, before it is sent
   * (nothing logged, no try spent); undefined when it may be. `as`: the login type.
   */
  pinFormatProblem?(pin: Uint8Array, as: 'user' | 'so' | 'context'): string | undefined;
  /**
   * How keys are made: 'standard' (any CKA_ID, a user login) or 'piv-slot'
   * (ykcs11: the first byte of CKA_ID is the PIV slot, 1-4 for 9a/9c/9d/9e and
   * 5-24 the retired slots, yubico-piv-tool ykcs11/objects.c:2753-2759; only
   * after the management key, a CKU_SO login, ykcs11/ykcs11.c:3586-3591).
   */
  keygen: 'standard' | 'piv-slot';
  /** CKA_EC_PARAMS for Ed25519 keys: the OID (PKCS#11 v3.0 §2.3.10) or ykcs11's and yubihsm_pkcs11's PrintableString "edwards25519" (objects.c:2817-2826; yubihsm-shell pkcs11/util_pkcs11.c:69-81). */
  ed25519Params: 'oid' | 'printable-string';
  /** What the family's error codes mean where they differ from the standard's (pkcs11-errors.ts). */
  quirks?: {
    /** CKR_ARGUMENTS_BAD from C_Login: the PIN is not of the family's format. */
    loginArgumentsBad?: string;
    /** CKR_USER_TYPE_INVALID from C_GenerateKeyPair. */
    keygenUserTypeInvalid?: string;
  };
  /**
   * The public key object's label for another label of the same key, where the
   * family names a key's objects by a rule and hides some until login (ykcs11:
   * "Private key for Digital Signature" is the key of "Public key for Digital
   * Signature", yubico-piv-tool ykcs11/objects.c:145-155 and 171-181).
   */
  publicKeyLabelOf?(label: string): string | undefined;
  /** CKA_IDs of keys that never sign releases (ykcs11: 25, slot f9, the device's attestation key). */
  nonSigningKeyIds?: readonly number[];
}

const isHexDigit = (byte: number): boolean => (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66);

/**
 * yubihsm_pkcs11's C_Login (yubihsm-shell pkcs11/yubihsm_pkcs11.c:6362-6590):
 * the first four characters are the authentication key's id in hex, not hex is
 * CKR_PIN_INCORRECT (6444-6454); the password after them has 8 to 64 characters
 * (YUBIHSM_PKCS11_MIN/MAX_PIN_LEN), else CKR_ARGUMENTS_BAD (6392-6397). Both
 * answers would read as "wrong PIN"; the format is said instead.
 */
const yubihsmPinFormat = 'The PIN of a YubiHSM 2 is the authentication key id in 4 hex digits followed by its password (8 to 64 characters), e.g. 0001password for key 0x0001.';
function yubihsmPinProblem(pin: Uint8Array): string | undefined {
  // "@…" (an asymmetric authentication key) and "#label#…" (credentials held on a YubiKey) are other forms the module reads
  // itself (yubihsm_pkcs11.c:1315-1323, 6408-6430): left to it.
  if (pin[0] === 0x40 || pin[0] === 0x23) return undefined;
  if (pin.length < 4 || !Array.from(pin.subarray(0, 4)).every(isHexDigit)) return `The PIN does not start with an authentication key id. ${yubihsmPinFormat}`;
  const password = pin.length - 4;
  if (password < 8 || password > 64) return `The password after the key id has ${password} characters. ${yubihsmPinFormat}`;
  return undefined;
}

/**
 * ykcs11's C_Login (yubico-piv-tool ykcs11/token.c:305-376): a user PIN has 6
 * to 8 characters, any other length is CKR_ARGUMENTS_BAD (token.c:318, 332-335);
 * as SO, the management key in 32 to 64 hex digits (a 6-8 character PIN there
 * means a PIN-protected management key).
 */
const ykcs11PinFormat = 'A YubiKey PIN has 6 to 8 characters (123456 until it is changed).';
const ykcs11ManagementKey = 'A YubiKey makes keys only with its management key (48 hex digits; 010203040506070801020304050607080102030405060708 until it is changed), given where the PIN is asked.';
function ykcs11PinProblem(pin: Uint8Array, as: 'user' | 'so' | 'context'): string | undefined {
  if (as === 'so') {
    if (pin.length >= 6 && pin.length <= 8) return undefined;
    if (pin.length < 32 || pin.length > 64 || !Array.from(pin).every(isHexDigit)) return `That is not a management key. ${ykcs11ManagementKey}`;
    return undefined;
  }
  if (pin.length < 6 || pin.length > 8) return `The PIN has ${pin.length} characters. ${ykcs11PinFormat}`;
  return undefined;
}

const processAlive = (pidFile: string): boolean => {
  try {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0) return false;
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user (pkcsslotd runs as root or pkcsslot).
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * openCryptoki's API library asks the slot daemon pkcsslotd for its slots in
 * C_Initialize, over a socket whose path is built in: /var/run/pkcsslotd.socket
 * up to 3.1x, /run/opencryptoki/pkcsslotd.socket since (usr/include/slotmgr.h).
 * Without it C_Initialize fails with CKR_FUNCTION_FAILED, or CKR_HOST_MEMORY
 * right after the daemon stopped (seen with Debian's 3.8.1).
 */
const pkcsslotd: ModuleService = {
  name: "pkcsslotd (openCryptoki's slot daemon)",
  start: 'sudo systemctl start pkcsslotd',
  running: () => {
    const socket = ['/run/opencryptoki/pkcsslotd.socket', '/var/run/pkcsslotd.socket'].find((path) => existsSync(path));
    if (!socket) return false;
    const pidFile = ['/run/opencryptoki/pkcsslotd.pid', '/var/run/pkcsslotd.pid'].find((path) => existsSync(path));
    return pidFile ? processAlive(pidFile) : undefined;
  },
};

/**
 * ykcs11 and OpenSC reach smart cards through pcsc-lite's daemon. Without it,
 * ykcs11 answers C_GetSlotList or C_GetTokenInfo with CKR_DEVICE_ERROR
 * (yubico-piv-tool ykcs11/ykcs11.c maps ykpiv's PCSC errors so). The socket
 * exists when pcscd runs or systemd activates it on demand (pcscd.socket);
 * PCSCLITE_CSOCK_NAME moves it (pcsc-lite src/winscard_msg.c).
 */
const pcscd: ModuleService = {
  name: 'pcscd (the smart card service)',
  start: 'sudo systemctl start pcscd.socket',
  running: (env) => {
    const socket = env.PCSCLITE_CSOCK_NAME ?? '/run/pcscd/pcscd.comm';
    return existsSync(socket) || existsSync('/var/run/pcscd/pcscd.comm');
  },
};

/**
 * tpm2-pkcs11 reaches the TPM through a TCTI: TPM2_PKCS11_TCTI when set, else
 * tss2's default search, the kernel's resource manager /dev/tpmrm0, /dev/tpm0,
 * tpm2-abrmd on D-Bus, then a simulator on 127.0.0.1:2321 (tpm2-tss
 * src/tss2-tcti/tctildr-dl.c). When none answers, C_Initialize (or any later
 * call) fails with CKR_GENERAL_ERROR (tpm2-pkcs11 src/lib/tpm.c). Only the
 * device can be checked from here; a TCTI of the person's own is named.
 */
const tpmResourceManager: ModuleService = {
  name: 'the TPM (its resource manager /dev/tpmrm0, or tpm2-abrmd)',
  start: 'sudo systemctl start tpm2-abrmd (or load the TPM driver so that /dev/tpmrm0 exists; join the tss group to use it)',
  running: (env) => (env.TPM2_PKCS11_TCTI ? undefined : existsSync('/dev/tpmrm0') || existsSync('/dev/tpm0') ? undefined : false),
};

/**
 * yubihsm_pkcs11 talks to the device through yubihsm-connector (HTTP, by
 * default http://127.0.0.1:12345, set in yubihsm_pkcs11.conf); without it,
 * opening a session fails with CKR_DEVICE_ERROR (yubihsm-shell pkcs11/).
 */
const yubihsmConnector: ModuleService = {
  name: 'yubihsm-connector (the YubiHSM 2 service)',
  start: 'sudo systemctl start yubihsm-connector',
  running: () => undefined,
};

type Ordinary = Pick<FamilyProfile, 'keysAfterLogin' | 'keygen' | 'ed25519Params'>;
const ordinary: Ordinary = { keysAfterLogin: false, keygen: 'standard', ed25519Params: 'oid' };

const profiles: Record<ModuleFamily, FamilyProfile> = {
  // SoftHSM2 sets CKF_USER_PIN_COUNT_LOW after any wrong user PIN and clears it on
  // the next right one, and never locks (SoftHSMv2 src/lib/slot_mgr/Token.cpp,
  // Token::loginUser; seen with Debian's 2.6.1): the flag counts nothing.
  softhsm2: {
    ...ordinary,
    family: 'softhsm2',
    name: 'SoftHSM2',
    reinitializeToRescan: true,
    removable: false,
    unlock: 'Unblock it with the security officer PIN (softhsm2-util cannot; pkcs11-tool --init-pin --login --login-type so can)',
    pinTries: { locks: false },
  },
  // Mozilla's software token (nss lib/softoken). Its C_Initialize wants NSS's own
  // init parameters (configdir='sql:DIR' …, passed as LibraryParameters in
  // CK_C_INITIALIZE_ARGS.pReserved, nss lib/softoken/pkcs11.c nsc_CommonInitialize)
  // and answers CKR_ARGUMENTS_BAD without them. Both its tokens carry serial
  // 0000000000000000 (lib/softoken/pkcs11.c NSC_GetTokenInfo), so the label tells them apart.
  'nss-softokn': { ...ordinary, family: 'nss-softokn', name: 'NSS softokn', reinitializeToRescan: false, removable: false, unlock: 'NSS has no PIN lockout: check the database password (certutil -d sql:DIR -W changes it)', pinTries: { locks: false }, changePin: 'certutil -d sql:DIR -W' },
  // p11-kit-proxy loads the modules p11-kit is configured with (pkcs11.conf(5));
  // as root it ignores ~/.config/pkcs11 (p11-kit/conf.c, "skipping user config
  // in program running as root"). Failures are those of the module behind it.
  'p11-kit-proxy': { ...ordinary, family: 'p11-kit-proxy', name: 'p11-kit proxy', reinitializeToRescan: false, removable: true, unlock: "Unblock it with the token's own tool (its PUK or security officer PIN)" },
  // Soft token serial "123" for every installation; RSA only in Debian 12's 3.8.1
  // (its soft token lists no CKM_EC_KEY_PAIR_GEN). Needs pkcsslotd, above.
  opencryptoki: { ...ordinary, family: 'opencryptoki', name: 'openCryptoki', reinitializeToRescan: false, removable: false, service: pkcsslotd, unlock: 'Unblock it with the security officer PIN: pkcsconf -u (sets the user PIN) after pkcsconf -P', changePin: 'pkcsconf -c SLOT -p' },
  // Every tpm2-pkcs11 token reports serial 0000000000000000 (src/lib/token.c,
  // token_get_info) and model "SW   TPM" padded with NULs on swtpm; tokens are
  // told apart by label and slot. No CKM_RSA_PKCS_PSS in 1.9: RSA signs PKCS#1 v1.5.
  // A wrong PIN counts against the TPM's dictionary-attack protection.
  'tpm2-pkcs11': { ...ordinary,
    family: 'tpm2-pkcs11',
    name: 'tpm2-pkcs11',
    reinitializeToRescan: false,
    removable: false,
    service: tpmResourceManager,
    changePin: 'tpm2_ptool changepin --label LABEL --user-pin OLD --new-pin NEW',
    unlock: "The TPM's dictionary-attack protection has locked it after too many wrong PINs: wait for the lockout to expire, or clear it with tpm2_dictionarylockout --clear-lockout (needs the TPM's lockout authorisation)",
  },
  // YubiKey PIV (yubico-piv-tool ykcs11/): slots 9a/9c/9d/9e are CKA_ID 1-4; a
  // key with CKA_ALWAYS_AUTHENTICATE (9c) wants the PIN for every signature; a
  // missed touch comes back as CKR_USER_NOT_LOGGED_IN.
  // Key generation: in the PIV slot the first CKA_ID byte names, with the
  // management key (keygen 'piv-slot'); Ed25519 parameters are the PrintableString
  // "edwards25519" (objects.c:2817-2826). Slot f9's key (CKA_ID 25, "Private key
  // for PIV Attestation", objects.c:169 and 195) signs attestations only: its
  // entry in pvtkey_objects (objects.c:241-267, the last) has CKA_SIGN false.
  ykcs11: {
    ...ordinary,
    family: 'ykcs11',
    name: 'YubiKey (ykcs11)',
    reinitializeToRescan: false,
    removable: true,
    service: pcscd,
    unlock: 'Unblock it with its PUK: ykman piv access unblock-pin',
    // C_GetTokenInfo sets COUNT_LOW for exactly 2 PIN tries left, FINAL_TRY for 1,
    // LOCKED for 0, from ykpiv_get_pin_retries (yubico-piv-tool ykcs11/ykcs11.c:587-601).
    pinTries: { countLow: 2 },
    changePin: 'ykman piv access change-pin',
    pinFormatProblem: ykcs11PinProblem,
    keygen: 'piv-slot',
    ed25519Params: 'printable-string',
    quirks: { loginArgumentsBad: ykcs11PinFormat, keygenUserTypeInvalid: ykcs11ManagementKey },
    publicKeyLabelOf: (label) => (/^Private key for /.test(label) ? label.replace(/^Private key for /, 'Public key for ') : undefined),
    nonSigningKeyIds: [25],
  },
  // YubiHSM 2 (yubihsm-shell pkcs11/): the PIN is the 4-hex-digit authentication
  // key id followed by its password (0001password); at most 16 sessions.
  // Its objects are visible only in an authenticated session (keysAfterLogin).
  // Key generation: with the user's login, any CKA_ID (one not of 2 bytes is kept
  // beside the object id the device picks, pkcs11/util_pkcs11.c:4661-4700); Ed25519
  // parameters only as the PrintableString "edwards25519", the OID is
  // CKR_CURVE_NOT_SUPPORTED (util_pkcs11.c:69-81, parse_edparams 4370-4379).
  // Attestation is no PKCS#11 call of yubihsm_pkcs11: yubihsm-shell's
  // sign-attestation-certificate (lib/yubihsm.h:2616-2631) makes the certificate,
  // which a person may store on the device as an opaque X.509 object with the
  // key's id; the module then shows it as the key's certificate (token-service
  // recognises it by Yubico's extensions and never takes it for the signer's).
  yubihsm: {
    ...ordinary,
    ed25519Params: 'printable-string',
    family: 'yubihsm',
    name: 'YubiHSM 2',
    reinitializeToRescan: false,
    removable: true,
    service: yubihsmConnector,
    unlock: 'A YubiHSM 2 has no PIN lockout: check the authentication key id and password',
    keysAfterLogin: true,
    pinFormat: 'the authentication key id in 4 hex digits, then its password, e.g. 0001password',
    pinFormatProblem: yubihsmPinProblem,
    quirks: { loginArgumentsBad: yubihsmPinFormat },
  },
  opensc: { ...ordinary, family: 'opensc', name: 'OpenSC', reinitializeToRescan: false, removable: true, service: pcscd, unlock: "Unblock it with its PUK or security officer PIN (pkcs11-tool --unlock-pin, or the card's own tool)" },
  generic: { ...ordinary, family: 'generic', name: 'PKCS#11 module', reinitializeToRescan: false, removable: true, unlock: "Unblock it with its PUK or security officer PIN (the token's own tool), then try again" },
};

/** ykcs11's CKA_ID of each PIV slot a signing key is made in (yubico-piv-tool ykcs11/objects.c:2753-2759). */
const pivSlotIds: Record<PivSlot, number> = { '9a': 1, '9c': 2, '9d': 3, '9e': 4 };

/** The CKA_ID that makes a key in `slot`; a token whose family has no PIV slots is told so rather than given a key elsewhere. */
export function pivSlotKeyId(family: ModuleFamily | undefined, slot: PivSlot): Uint8Array {
  if (!family || profiles[family].keygen !== 'piv-slot') {
    throw new ConclaveError('invalid-input', `This token has no PIV slots, so slot ${slot} cannot be chosen: make the key without a slot.`);
  }
  return Uint8Array.of(pivSlotIds[slot]);
}

export function profileOfFamily(family: ModuleFamily): FamilyProfile {
  return profiles[family];
}

/** The family a loaded library belongs to, by what C_GetInfo says of it. */
export function familyOfLibrary(info: { manufacturer: string; description: string }): ModuleFamily {
  const { manufacturer, description } = info;
  if (/^SoftHSM/i.test(manufacturer)) return 'softhsm2';
  if (/^Mozilla Foundation/i.test(manufacturer) && /NSS/i.test(description)) return 'nss-softokn';
  if (/^PKCS#11 Kit/i.test(manufacturer)) return 'p11-kit-proxy';
  if (/^IBM/i.test(manufacturer) && /Meta PKCS11 LIBRARY/i.test(description)) return 'opencryptoki';
  if (/tpm2-software/i.test(manufacturer) || /^TPM2\.0 Cryptoki/i.test(description)) return 'tpm2-pkcs11';
  if (/Yubico/i.test(manufacturer) && /YubiHSM/i.test(description)) return 'yubihsm';
  if (/Yubico/i.test(manufacturer) && /PIV/i.test(description)) return 'ykcs11';
  if (/OpenSC/i.test(manufacturer)) return 'opensc';
  return 'generic';
}

/**
 * Marks a library file carries (exported symbols and strings of its own),
 * for when C_Initialize fails and C_GetInfo cannot be asked: NSS exports
 * NSC_GetFunctionList beside C_GetFunctionList; openCryptoki names its
 * daemon; tpm2-pkcs11 reads TPM2_PKCS11_STORE; ykcs11 is built on libykpiv.
 */
const fileMarks: [ModuleFamily, string][] = [
  ['nss-softokn', 'NSC_GetFunctionList'],
  ['opencryptoki', 'pkcsslotd'],
  ['tpm2-pkcs11', 'TPM2_PKCS11_STORE'],
  ['p11-kit-proxy', 'PKCS#11 Kit Proxy Module'],
  ['yubihsm', 'yubihsm_pkcs11'],
  ['ykcs11', 'ykpiv_'],
  ['opensc', 'OpenSC Project'],
  ['softhsm2', 'SoftHSM'],
];

/** Libraries larger than this are not searched (no PKCS#11 module comes close). */
const largestProbed = 64 * 1024 * 1024;

/** The family a library file belongs to, by the marks in it; 'generic' when none is found or it cannot be read. */
export function familyOfLibraryFile(path: string): ModuleFamily {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    return 'generic';
  }
  if (bytes.length > largestProbed) return 'generic';
  return fileMarks.find(([, mark]) => bytes.includes(mark, 0, 'latin1'))?.[0] ?? 'generic';
}

/** The family's kind as the window and the CLI name modules. */
export function kindOfFamily(family: ModuleFamily): ModuleKindName | undefined {
  switch (family) {
    case 'softhsm2':
    case 'ykcs11':
    case 'opensc':
    case 'yubihsm':
      return family;
    default:
      return undefined;
  }
}
