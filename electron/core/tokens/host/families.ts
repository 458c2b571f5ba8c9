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
import type { ModuleKindName } from '../../../../shared/api/contract';

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

const profiles: Record<ModuleFamily, FamilyProfile> = {
  softhsm2: { family: 'softhsm2', name: 'SoftHSM2', reinitializeToRescan: true, removable: false, unlock: 'Unblock it with the security officer PIN (softhsm2-util cannot; pkcs11-tool --init-pin --login --login-type so can)' },
  // Mozilla's software token (nss lib/softoken). Its C_Initialize wants NSS's own
  // init parameters (configdir='sql:DIR' …, passed as LibraryParameters in
  // CK_C_INITIALIZE_ARGS.pReserved, nss lib/softoken/pkcs11.c nsc_CommonInitialize)
  // and answers CKR_ARGUMENTS_BAD without them. Both its tokens carry serial
  // 0000000000000000 (lib/softoken/pkcs11.c NSC_GetTokenInfo), so the label tells them apart.
  'nss-softokn': { family: 'nss-softokn', name: 'NSS softokn', reinitializeToRescan: false, removable: false, unlock: 'NSS has no PIN lockout: check the database password (certutil -d sql:DIR -W changes it)' },
  // p11-kit-proxy loads the modules p11-kit is configured with (pkcs11.conf(5));
  // as root it ignores ~/.config/pkcs11 (p11-kit/conf.c, "skipping user config
  // in program running as root"). Failures are those of the module behind it.
  'p11-kit-proxy': { family: 'p11-kit-proxy', name: 'p11-kit proxy', reinitializeToRescan: false, removable: true, unlock: "Unblock it with the token's own tool (its PUK or security officer PIN)" },
  // Soft token serial "123" for every installation; RSA only in Debian 12's 3.8.1
  // (its soft token lists no CKM_EC_KEY_PAIR_GEN). Needs pkcsslotd, above.
  opencryptoki: { family: 'opencryptoki', name: 'openCryptoki', reinitializeToRescan: false, removable: false, service: pkcsslotd, unlock: 'Unblock it with the security officer PIN: pkcsconf -u (sets the user PIN) after pkcsconf -P' },
  // Every tpm2-pkcs11 token reports serial 0000000000000000 (src/lib/token.c,
  // token_get_info) and model "SW   TPM" padded with NULs on swtpm; tokens are
  // told apart by label and slot. No CKM_RSA_PKCS_PSS in 1.9: RSA signs PKCS#1 v1.5.
  // A wrong PIN counts against the TPM's dictionary-attack protection.
  'tpm2-pkcs11': {
    family: 'tpm2-pkcs11',
    name: 'tpm2-pkcs11',
    reinitializeToRescan: false,
    removable: false,
    service: tpmResourceManager,
    unlock: "The TPM's dictionary-attack protection has locked it after too many wrong PINs: wait for the lockout to expire, or clear it with tpm2_dictionarylockout --clear-lockout (needs the TPM's lockout authorisation)",
  },
  // YubiKey PIV (yubico-piv-tool ykcs11/): slots 9a/9c/9d/9e are CKA_ID 1-4; a
  // key with CKA_ALWAYS_AUTHENTICATE (9c) wants the PIN for every signature; a
  // missed touch comes back as CKR_USER_NOT_LOGGED_IN.
  ykcs11: { family: 'ykcs11', name: 'YubiKey (ykcs11)', reinitializeToRescan: false, removable: true, service: pcscd, unlock: 'Unblock it with its PUK: ykman piv access unblock-pin' },
  // YubiHSM 2 (yubihsm-shell pkcs11/): the PIN is the 4-hex-digit authentication
  // key id followed by its password (0001password); at most 16 sessions.
  yubihsm: { family: 'yubihsm', name: 'YubiHSM 2', reinitializeToRescan: false, removable: true, service: yubihsmConnector, unlock: 'A YubiHSM 2 has no PIN lockout: check the authentication key id and password' },
  opensc: { family: 'opensc', name: 'OpenSC', reinitializeToRescan: false, removable: true, service: pcscd, unlock: "Unblock it with its PUK or security officer PIN (pkcs11-tool --unlock-pin, or the card's own tool)" },
  generic: { family: 'generic', name: 'PKCS#11 module', reinitializeToRescan: false, removable: true, unlock: "Unblock it with its PUK or security officer PIN (the token's own tool), then try again" },
};

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
