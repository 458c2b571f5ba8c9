/**
 * Everything Conclave does with one PKCS#11 module, inside its token host
 * process. A few verbs (list, log in, generate, sign) rather than the 70 C_*
 * calls; sessions are opened for one job and always logged out and closed.
 */
import { constants, createHash, createPublicKey, randomBytes, verify as verifySignature, type KeyObject } from 'node:crypto';
// pkcs11js is CommonJS with constants set at run time: only the default import sees them all.
import pkcs11js from 'pkcs11js';
import { ConclaveError } from '../../../../shared/errors';
import { curves, keyTypeOfAlgorithm, oids, type KeyAlgorithm } from '../../../../shared/keys/algorithms';
import { unwrapOctetString } from '../../../../shared/keys/der';
import type { TokenPublicKey } from '../../../../shared/keys/public-key-info';
import { curveOfEcParams } from '../../../../shared/pkcs11/ec-params';
import { ecdsaSignatureDer, objectIdentifierDer } from './host-der';
import type { ModuleKindName } from '../../../../shared/api/contract';
import { familyOfLibrary, familyOfLibraryFile, profileOfFamily, type FamilyProfile, type ModuleFamily } from './families';
import { asPkcs11Failure, ckr, explainPkcs11Failure, lostContactCodes, missingServiceError, type Pkcs11Failure } from './pkcs11-errors';
import { readPinState, type PinState } from './pin-state';
import { SerialQueue } from './serial-queue';
import { readAgainForLosses } from './slot-losses';
import { hashOfCurve, planSigning, sha256DigestInfoPrefix, type SigningKey, type SigningPlan } from './signing-plan';
import type { HostLibrary, PinBytes, SignatureScheme, SlotToken, TokenCertificate, TokenObjectKey, TokenObjects, TokenRef } from './protocol';

// Mechanisms and key types newer than pkcs11js's constant table (PKCS#11 v3.0 §6.3).
const CKK_EC_EDWARDS = 0x40;
const CKM_EC_EDWARDS_KEY_PAIR_GEN = 0x1055;
// PKCS#11 v2.40: re-authentication for keys with CKA_ALWAYS_AUTHENTICATE.
const CKU_CONTEXT_SPECIFIC = 2;
const CKA_ALWAYS_AUTHENTICATE = 0x202;
/** DER PrintableString "edwards25519": the Ed25519 CKA_EC_PARAMS ykcs11 shows and takes (yubico-piv-tool ykcs11/objects.c:42). */
const edwards25519PrintableString = Buffer.concat([Buffer.from([0x13, 12]), Buffer.from('edwards25519', 'latin1')]);

const { CKA_CLASS, CKA_KEY_TYPE, CKA_TOKEN, CKA_PRIVATE, CKA_LABEL, CKA_ID, CKA_SIGN, CKA_VERIFY, CKA_SENSITIVE, CKA_EXTRACTABLE } = pkcs11js;
const { CKA_EC_PARAMS, CKA_EC_POINT, CKA_MODULUS, CKA_PUBLIC_EXPONENT, CKA_MODULUS_BITS, CKA_VALUE, CKA_CERTIFICATE_TYPE } = pkcs11js;
const { CKO_PUBLIC_KEY, CKO_PRIVATE_KEY, CKO_CERTIFICATE, CKK_EC, CKK_RSA } = pkcs11js;

const trimmed = (text: string) => text.replace(/\0/g, '').trim();

/** Overwrites a PIN's bytes (issue 12): once C_Login no longer needs them, nothing in this process holds the PIN. */
const wipe = (pin: PinBytes | undefined): void => {
  if (pin && pin.byteLength > 0) pin.fill(0);
};

/**
 * pkcs11js 2.1.7 copies libraryParameters into a buffer one byte short
 * (napi_get_value_string_utf8 with the length of the string, not of the string
 * and its NUL), so the module receives the text without its last character:
 * configdir=sql:/a/b arrives as configdir=sql:/a/ (tried with NSS softokn 3.87).
 * A trailing space, which NSS's parameter parser skips, is what gets cut.
 */
const forLibraryParameters = (parameters: string): string => `${parameters} `;

/** The public key bytes that name a key, whichever object (public key, private key) shows them. */
function materialOf(key: TokenPublicKey): string {
  if (key.kind === 'rsa') return `rsa:${stripZeros(key.modulus)}:${stripZeros(key.publicExponent)}`;
  return `${key.kind}:${Buffer.from(key.ecParams).toString('hex')}:${Buffer.from(ecPointBytes(key.ecPoint)).toString('hex')}`;
}

const stripZeros = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex').replace(/^(00)+/, '');

/**
 * CKA_EC_POINT is a DER OCTET STRING by the spec (PKCS#11 v2.40 §2.3.3), but
 * some modules return the bare point: compare the point itself.
 */
function ecPointBytes(ecPoint: Uint8Array): Uint8Array {
  const inner = unwrapOctetString(ecPoint);
  return inner && inner.length >= 32 && [0x02, 0x03, 0x04].includes(inner[0]!) ? inner : ecPoint;
}

/** A public key Node can verify with, from the token's attributes (JWK: no ASN.1 library in the host, issue 11). */
function verifyingKeyOf(key: TokenPublicKey): KeyObject | undefined {
  const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
  try {
    if (key.kind === 'rsa') {
      return createPublicKey({ key: { kty: 'RSA', n: b64(Buffer.from(stripZeros(key.modulus), 'hex')), e: b64(Buffer.from(stripZeros(key.publicExponent), 'hex')) }, format: 'jwk' });
    }
    const curve = curveOfEcParams(key.ecParams).supported;
    const point = ecPointBytes(key.ecPoint);
    if (curve === 'Ed25519') return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64(point) }, format: 'jwk' });
    if (!curve || point[0] !== 0x04) return undefined;
    const half = (point.length - 1) / 2;
    return createPublicKey({ key: { kty: 'EC', crv: curve, x: b64(point.subarray(1, 1 + half)), y: b64(point.subarray(1 + half)) }, format: 'jwk' });
  } catch {
    return undefined;
  }
}

/** Whether `signature` (as Conclave returns it) is the key's signature of `message` under `plan`. */
function verifies(key: KeyObject, plan: SigningPlan, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    if (plan.scheme === 'ed25519') return verifySignature(null, message, key, signature);
    const hash = plan.input.kind === 'message' ? (plan.scheme === 'ecdsa' ? hashOfMechanism(plan.mechanism) : 'sha256') : plan.input.hash;
    if (plan.scheme === 'rsa-pss-sha256') return verifySignature(hash, message, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, signature);
    return verifySignature(hash, message, key, signature);
  } catch {
    return false;
  }
}

const hashOfMechanism = (mechanism: number): string => ({ 0x1044: 'sha256', 0x1045: 'sha384', 0x1046: 'sha512' })[mechanism] ?? 'sha256';

/** CK_SLOT_ID is a CK_ULONG: 8 bytes on most platforms, 4 on Windows. */
const slotIdOf = (handle: Buffer): number => (handle.length >= 8 ? Number(handle.readBigUInt64LE(0)) : handle.readUInt32LE(0));

/**
 * Why C_Initialize failed, in the module's terms (issue 13): NSS softokn
 * without its database parameters, a service the module needs (pkcsslotd,
 * the TPM) that is not there, else what the module answered.
 */
function describeInitFailure(modulePath: string, family: ModuleFamily, failure: Pkcs11Failure, withParameters: boolean, env: NodeJS.ProcessEnv): ConclaveError {
  const profile = profileOfFamily(family);
  const details = { pkcs11: failure.name };
  if (family === 'nss-softokn' && !withParameters) {
    return new ConclaveError(
      'module-load-failed',
      `${modulePath} is NSS softokn, which starts only with the NSS database it should open (it answered ${failure.name}). Give the module its init parameters, e.g. configdir='sql:${env.HOME ?? '/home/you'}/.pki/nssdb' certPrefix='' keyPrefix='' secmod='secmod.db' flags= (conclave modules add ${modulePath} --init-parameters "…"), or use it through p11-kit-proxy.`,
      { ...details, cause: 'init-parameters-needed' },
    );
  }
  if (family === 'nss-softokn') {
    return new ConclaveError(
      'module-load-failed',
      `NSS softokn (${modulePath}) could not open the database its init parameters name (it answered ${failure.name}). Check that configdir names an NSS database folder you can read and write (certutil -N -d sql:DIR makes one).`,
      { ...details, cause: 'init-parameters-rejected' },
    );
  }
  const missing = missingServiceError(profile, env, failure, 'starting the module');
  if (missing) return missing;
  if (family === 'tpm2-pkcs11' && failure.code === ckr.GENERAL_ERROR) {
    const tcti = env.TPM2_PKCS11_TCTI ? ` at ${env.TPM2_PKCS11_TCTI} (TPM2_PKCS11_TCTI)` : '';
    return new ConclaveError('unavailable', `tpm2-pkcs11 cannot reach the TPM${tcti} (it answered ${failure.name}). Check that the TPM or its resource manager runs (${profile.service!.start}). Conclave tries again by itself.`, { ...details, cause: 'service-not-running' });
  }
  return new ConclaveError('module-load-failed', `The PKCS#11 module ${modulePath} (${profile.name}) did not start: it answered ${failure.name}. Other modules keep working.`, details);
}

function describeLoadFailure(modulePath: string, error: unknown): ConclaveError {
  const raw = error instanceof Error ? error.message : String(error);
  let why = `it failed to load (${raw.split('\n')[0]})`;
  if (/no such file|not found|cannot open shared object file: No such file/i.test(raw)) {
    why = /cannot open shared object file/i.test(raw) && !raw.includes(modulePath)
      ? `a library it needs is missing (${raw.split(':')[0]}); reinstall the token software`
      : 'there is no such file; check the path or install the token software';
  } else if (/wrong ELF class|mach-o|architecture|not a valid Win32|invalid ELF header/i.test(raw)) {
    why = 'it is built for another processor architecture or is not a PKCS#11 library; install the build for this machine';
  } else if (/C_GetFunctionList|undefined symbol/i.test(raw)) {
    why = 'it is not a PKCS#11 module (it has no C_GetFunctionList)';
  }
  return new ConclaveError('module-load-failed', `Conclave could not use the PKCS#11 module ${modulePath}: ${why}. Other modules keep working.`);
}


/**
 * A logged-in session kept between two signatures of one caller (an approval
 * signs its statement, then its event): a PIN pad asks once. It ends when the
 * caller releases it, when another job logs in to the token, or after
 * heldLoginMs (an approval's time stamp comes between the two signatures).
 */
interface HeldLogin {
  queueKey: string;
  session: Buffer;
  slot: Buffer;
  expiry: ReturnType<typeof setTimeout>;
}

const heldLoginMs = 120_000;

/** A private key object, as far as pairing it with its public key and signing with it needs. */
interface PrivateKeyObject {
  handle: Buffer;
  id: Buffer;
  label: string;
  keyType: number | undefined;
  ecParams: Buffer | undefined;
  /** Its public key, when the object shows it (RSA always; EC where the module adds CKA_EC_POINT). */
  publicKey: TokenPublicKey | undefined;
  /** False when the key says it cannot sign (CKA_SIGN false: ykcs11's f9 attestation key). */
  signs: boolean;
}

export class ModuleHost {
  private readonly pkcs11 = new pkcs11js.PKCS11();
  private readonly queues = new Map<string, SerialQueue>();
  /** Logged-in sessions kept for the next signature of the same caller (holdLogin), by hold id. */
  private readonly holds = new Map<number, HeldLogin>();
  private jobsRunning = 0;
  private profile: FamilyProfile = profileOfFamily('generic');

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  init(modulePath: string, _kind: ModuleKindName, libraryParameters?: string): HostLibrary {
    try {
      this.pkcs11.load(modulePath);
    } catch (error) {
      throw describeLoadFailure(modulePath, error);
    }
    try {
      this.initialize(libraryParameters);
    } catch (error) {
      const failure = asPkcs11Failure(error);
      if (!failure) throw error;
      // C_GetInfo needs C_Initialize: the library's file tells which family failed.
      throw describeInitFailure(modulePath, familyOfLibraryFile(modulePath), failure, libraryParameters !== undefined, this.env);
    }
    const info = this.pkcs11.C_GetInfo();
    const library = {
      description: trimmed(info.libraryDescription),
      manufacturer: trimmed(info.manufacturerID),
      version: `${info.libraryVersion.major}.${info.libraryVersion.minor}`,
    };
    const family = familyOfLibrary(library);
    this.profile = profileOfFamily(family);
    this.modulePath = modulePath;
    this.libraryParameters = libraryParameters;
    return { ...library, family };
  }

  private libraryParameters: string | undefined;
  private modulePath: string | undefined;

  private initialize(libraryParameters = this.libraryParameters): void {
    try {
      // OS locking: async signing runs on a worker thread while slots are polled here.
      this.pkcs11.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK, ...(libraryParameters !== undefined ? { libraryParameters: forLibraryParameters(libraryParameters) } : {}) });
    } catch (error) {
      if (asPkcs11Failure(error)?.code !== ckr.CRYPTOKI_ALREADY_INITIALIZED) throw error;
    }
  }

  /** A failure outside a token job (listing slots), explained in this module's terms. */
  explain(failure: Pkcs11Failure, doing: string): ConclaveError {
    return explainPkcs11Failure(failure, { doing, profile: this.profile, env: this.env });
  }

  /**
   * Tokens present now; with `rescan`, first let a module that caches its
   * slots see changes. A token that one fresh read misses is read for again
   * before it is reported gone: SoftHSM2 skips a token whose files another
   * program (pkcs11-tool, a second Conclave) is writing at that moment.
   */
  listTokens(rescan = false): SlotToken[] {
    if (!rescan || !this.rescanAllowed(0)) return this.readSlots();
    return readAgainForLosses(this.readSlots(), () => {
      this.reinitialize();
      return this.readSlots();
    });
  }

  /**
   * Whether the module may be initialised again to see changes: never while
   * another job runs or a login is held for a caller's next signature, since
   * C_Finalize closes every session. `ownJobs` are the caller's own.
   */
  private rescanAllowed(ownJobs: number): boolean {
    return this.profile.reinitializeToRescan && this.jobsRunning === ownJobs && this.holds.size === 0;
  }

  private reinitialize(): void {
    this.pkcs11.C_Finalize();
    this.initialize();
  }

  private readSlots(): SlotToken[] {
    const tokens: SlotToken[] = [];
    for (const slot of this.pkcs11.C_GetSlotList(true)) {
      let info: pkcs11js.TokenInfo;
      try {
        info = this.pkcs11.C_GetTokenInfo(slot);
      } catch {
        continue; // removed between the two calls
      }
      // An uninitialised token (SoftHSM2's free slot, a blank card) holds no keys to show.
      if ((info.flags & pkcs11js.CKF_TOKEN_INITIALIZED) === 0) continue;
      tokens.push({
        slotId: slotIdOf(slot),
        label: trimmed(info.label),
        manufacturer: trimmed(info.manufacturerID),
        model: trimmed(info.model),
        serial: trimmed(info.serialNumber),
        flags: info.flags,
      });
    }
    return tokens;
  }

  /**
   * The slot holding the token a request names: the one with its serial and
   * label, and where several have both (serials repeat: tpm2-pkcs11, NSS),
   * the one in its slot. A slot id alone is never trusted: SoftHSM2 numbers
   * its slots afresh each time it is initialised (which the rescan does).
   */
  private slotHandle(ref: TokenRef, ownJobs = 0): Buffer {
    const found = this.findSlot(ref);
    if (found) return found;
    // Missed by the last read of a module that caches its slots (written by another program as it read, or plugged in
    // since): read again before calling it gone, when that closes no one else's session.
    if (this.rescanAllowed(ownJobs)) {
      this.reinitialize();
      const again = this.findSlot(ref);
      if (again) return again;
    }
    // Removal while waiting (issue 13): listed before, gone now (unplugged; SoftHSM2's deleted with softhsm2-util --delete-token).
    if (!this.profile.removable) {
      throw new ConclaveError('token-removed', `Token "${ref.label}" (${this.profile.name}) went away after Conclave listed it: it is no longer there (deleted, or its store became unreadable). Nothing was changed. Check that it is still there (conclave tokens), then try again.`, { cause: 'token-gone' });
    }
    throw new ConclaveError('token-removed', `Token "${ref.label}" was removed after Conclave listed it. Nothing was changed; plug it back in and try again.`, { cause: 'token-gone' });
  }

  /** The slot of the token a request names, if this module's last read has it. */
  private findSlot(ref: TokenRef): Buffer | undefined {
    const alike: Buffer[] = [];
    for (const slot of this.pkcs11.C_GetSlotList(true)) {
      let info: pkcs11js.TokenInfo;
      try {
        info = this.pkcs11.C_GetTokenInfo(slot);
      } catch {
        continue;
      }
      if (trimmed(info.serialNumber) !== ref.serial || trimmed(info.label) !== ref.label) continue;
      if (slotIdOf(slot) === ref.slotId) return slot;
      alike.push(slot);
    }
    if (alike.length === 1) return alike[0]!;
    if (alike.length > 1) {
      throw new ConclaveError('token-not-found', `Several tokens are labelled "${ref.label}" with serial ${ref.serial} and none is in slot ${ref.slotId} any more. Name the token by its slot (slot-id=… in its URI, see "conclave tokens").`);
    }
    return undefined;
  }

  /** Whether the slot still holds the token the job was for (its info reads, with the same label and serial). */
  private tokenAnswers(slot: Buffer, ref: TokenRef): boolean {
    try {
      const info = this.pkcs11.C_GetTokenInfo(slot);
      return trimmed(info.label) === ref.label && trimmed(info.serialNumber) === ref.serial;
    } catch {
      return false;
    }
  }

  private pinState(slot: Buffer): PinState | undefined {
    try {
      return readPinState(this.pkcs11.C_GetTokenInfo(slot).flags, this.profile);
    } catch {
      // The token is gone; the failure itself says so.
      return undefined;
    }
  }

  /**
   * Runs one job on a token in a fresh session, serialised per token, and
   * always logs out and closes the session, whatever happened.
   */
  private async withSession<T>(
    ref: TokenRef,
    options: { pin: PinBytes | undefined; write?: boolean; doing: string; keepPin?: boolean; as?: 'user' | 'so'; hold?: number },
    job: (session: Buffer, slot: Buffer) => Promise<T> | T,
  ): Promise<T> {
    // Per token, not per serial: two tpm2-pkcs11 tokens share one serial and are still two tokens (two alike in label too share a queue).
    const queueKey = `${ref.serial}\n${ref.label}`;
    const queue = this.queues.get(queueKey) ?? new SerialQueue();
    this.queues.set(queueKey, queue);
    return queue.run(async () => {
      this.jobsRunning++;
      let slot: Buffer | undefined;
      let session: Buffer | undefined;
      let loggedIn = false;
      let kept = false;
      const held = options.hold !== undefined ? this.holds.get(options.hold) : undefined;
      if (held) {
        clearTimeout(held.expiry);
        this.holds.delete(options.hold!);
      }
      // A job that logs in while another caller's login is held: that login ends first (PKCS#11 v2.40 §5.6: the login
      // state is the application's, shared by its sessions), so that nobody signs on a login they did not make.
      if (options.pin !== undefined) for (const [id, other] of this.holds) if (other.queueKey === queueKey && other !== held) this.endHold(id, other);
      try {
        if (held && held.queueKey === queueKey) {
          // The caller's own login, kept from its last signature: a PIN pad is not asked again (issue 13).
          ({ slot, session } = held);
          loggedIn = true;
          if (!options.keepPin) wipe(options.pin);
        } else {
          if (held) this.endHold(options.hold!, held);
          slot = this.slotHandle(ref, 1);
          const flags = pkcs11js.CKF_SERIAL_SESSION | (options.write ? pkcs11js.CKF_RW_SESSION : 0);
          session = this.pkcs11.C_OpenSession(slot, flags);
        }
        if (options.pin !== undefined && !loggedIn) {
          try {
            this.logIn(session, options.as === 'so' ? pkcs11js.CKU_SO : pkcs11js.CKU_USER, options.pin, ref.label);
            loggedIn = true;
          } catch (error) {
            if (asPkcs11Failure(error)?.code !== ckr.USER_ALREADY_LOGGED_IN) throw error;
            loggedIn = true;
          } finally {
            // A job that may log in again (keepPin) wipes it itself as soon as it knows it will not.
            if (!options.keepPin) wipe(options.pin);
          }
        }
        const result = await job(session, slot);
        if (options.hold !== undefined && loggedIn) {
          this.keepHold(options.hold, { queueKey, session, slot });
          kept = true;
        }
        return result;
      } catch (error) {
        const failure = asPkcs11Failure(error);
        if (!failure) throw error;
        const pin = failure.code === ckr.PIN_INCORRECT && slot ? this.pinState(slot) : undefined;
        // Removal while waiting (issue 13): a token that went away mid-job (SoftHSM2's deleted with
        // softhsm2-util --delete-token answers CKR_GENERAL_ERROR to everything on its slot) is named as gone.
        const tokenGone = slot !== undefined && lostContactCodes.has(failure.code) && !this.tokenAnswers(slot, ref);
        throw explainPkcs11Failure(failure, {
          token: ref.label,
          doing: options.doing,
          ...(pin ? { pin } : {}),
          ...(tokenGone ? { tokenGone } : {}),
          profile: this.profile,
          env: this.env,
          ...(this.modulePath ? { modulePath: this.modulePath } : {}),
        });
      } finally {
        wipe(options.pin);
        if (session && !kept) {
          if (loggedIn) this.quietly(() => this.pkcs11.C_Logout(session!));
          this.quietly(() => this.pkcs11.C_CloseSession(session!));
        }
        this.jobsRunning--;
      }
    });
  }

  /** Keeps a logged-in session for the hold's next signature, at most heldLoginMs. */
  private keepHold(id: number, login: Omit<HeldLogin, 'expiry'>): void {
    const expiry = setTimeout(() => void this.releaseHold(id), heldLoginMs);
    expiry.unref?.();
    this.holds.set(id, { ...login, expiry });
  }

  /** Logs the hold's session out and closes it; called within its token's queue. */
  private endHold(id: number, held: HeldLogin): void {
    clearTimeout(held.expiry);
    this.holds.delete(id);
    this.quietly(() => this.pkcs11.C_Logout(held.session));
    this.quietly(() => this.pkcs11.C_CloseSession(held.session));
  }

  /** Ends a held login (the caller is done, or it expired); nothing when there is none. */
  releaseHold(id: number): Promise<void> {
    const held = this.holds.get(id);
    if (!held) return Promise.resolve();
    return (this.queues.get(held.queueKey) ?? new SerialQueue()).run(() => {
      if (this.holds.get(id) === held) this.endHold(id, held);
    });
  }

  /**
   * C_Login with the PIN's bytes. pkcs11js as Conclave builds it
   * (patches/pkcs11js+2.1.7.patch) hands a Buffer to the module as it is, so
   * the only copy is the caller's, which it overwrites; null passes no PIN
   * (a PIN pad). Unpatched, pkcs11js takes strings only: the PIN is then
   * decoded into a JavaScript string, which nothing can overwrite and which
   * lingers until the garbage collector reuses its memory, and pkcs11js
   * copies it once more (freed, not overwritten).
   */
  private logIn(session: Buffer, userType: number, pin: PinBytes, token?: string): void {
    const bytes = pin === null ? null : Buffer.from(pin.buffer, pin.byteOffset, pin.byteLength);
    const as = userType === pkcs11js.CKU_SO ? 'so' : userType === CKU_CONTEXT_SPECIFIC ? 'context' : 'user';
    // A PIN the family's module cannot take (families.ts): said as its format, before any try is spent. Nothing of the PIN is shown.
    const problem = bytes ? this.profile.pinFormatProblem?.(bytes, as) : undefined;
    if (problem) throw new ConclaveError('pin-invalid', `${token ? `Token "${token}": ` : ''}${problem}`, { cause: 'pin-format' });
    try {
      try {
        this.pkcs11.C_Login(session, userType, bytes);
      } catch (error) {
        if (!(error instanceof TypeError) || bytes === null) throw error;
        this.pkcs11.C_Login(session, userType, bytes.toString('utf8'));
      }
    } catch (error) {
      throw this.loginFailure(error, as, bytes, token);
    }
  }

  /** A login failure the family answers in its own way, explained with what the person gave (the key id, never a password). */
  private loginFailure(error: unknown, as: 'user' | 'so' | 'context', pin: Buffer | null, token: string | undefined): unknown {
    const failure = asPkcs11Failure(error);
    if (!failure) return error;
    const named = token ? `Token "${token}"` : 'The token';
    // yubihsm_pkcs11: no authentication key with the PIN's id on the device ("object not found",
    // CKR_OBJECT_HANDLE_INVALID, yubihsm-shell pkcs11/util_pkcs11.c:130-131). The id is not secret; the password is.
    if (this.profile.family === 'yubihsm' && failure.code === ckr.OBJECT_HANDLE_INVALID && pin && pin.length >= 4) {
      const keyId = pin.subarray(0, 4).toString('latin1').toLowerCase();
      return new ConclaveError('pin-incorrect', `${named} (a YubiHSM 2) has no authentication key ${keyId}. The PIN starts with the id of an authentication key the device has (0001 on a new device), then that key's password.`, { pkcs11: failure.name, cause: 'no-authentication-key' });
    }
    // ykcs11 as SO with a PIN: only a PIN-protected management key takes one; without it CKR_USER_PIN_NOT_INITIALIZED (yubico-piv-tool ykcs11/token.c:346-359).
    if (this.profile.keygen === 'piv-slot' && as === 'so' && failure.code === ckr.USER_PIN_NOT_INITIALIZED && this.profile.quirks?.keygenUserTypeInvalid) {
      return new ConclaveError('pin-invalid', `${named} did not take that as its management key. ${this.profile.quirks.keygenUserTypeInvalid}`, { pkcs11: failure.name, cause: 'management-key-needed' });
    }
    return error;
  }

  private quietly(step: () => void): void {
    try {
      step();
    } catch {
      // Cleanup after a removed token or a failed job: nothing more to do.
    }
  }

  private find(session: Buffer, template: pkcs11js.Template): Buffer[] {
    this.pkcs11.C_FindObjectsInit(session, template);
    try {
      const found: Buffer[] = [];
      for (;;) {
        const batch = this.pkcs11.C_FindObjects(session, 64);
        found.push(...batch);
        if (batch.length < 64) return found;
      }
    } finally {
      this.pkcs11.C_FindObjectsFinal(session);
    }
  }

  private attributes(session: Buffer, object: Buffer, types: number[]): Map<number, Buffer | undefined> {
    const result = new Map<number, Buffer | undefined>();
    // Ask one at a time: a module may refuse a whole template for one sensitive attribute.
    for (const type of types) {
      try {
        const [attribute] = this.pkcs11.C_GetAttributeValue(session, object, [{ type }]);
        result.set(type, attribute?.value as Buffer | undefined);
      } catch {
        result.set(type, undefined);
      }
    }
    return result;
  }

  private idAndLabelOf(session: Buffer, object: Buffer): { id: Buffer; label: string } {
    const attrs = this.attributes(session, object, [CKA_ID, CKA_LABEL]);
    return { id: attrs.get(CKA_ID) ?? Buffer.alloc(0), label: attrs.get(CKA_LABEL)?.toString('utf8') ?? '' };
  }

  private readPublicKey(session: Buffer, object: Buffer): TokenPublicKey | undefined {
    const attrs = this.attributes(session, object, [CKA_KEY_TYPE]);
    const keyType = attrs.get(CKA_KEY_TYPE)?.readUInt32LE(0);
    if (keyType === CKK_EC || keyType === CKK_EC_EDWARDS) {
      const ec = this.attributes(session, object, [CKA_EC_PARAMS, CKA_EC_POINT]);
      const ecParams = ec.get(CKA_EC_PARAMS);
      const ecPoint = ec.get(CKA_EC_POINT);
      if (!ecParams || !ecPoint || ecParams.length === 0 || ecPoint.length === 0) return undefined;
      return { kind: keyType === CKK_EC ? 'ec' : 'ec-edwards', ecParams: new Uint8Array(ecParams), ecPoint: new Uint8Array(ecPoint) };
    }
    if (keyType === CKK_RSA) {
      const rsa = this.attributes(session, object, [CKA_MODULUS, CKA_PUBLIC_EXPONENT]);
      const modulus = rsa.get(CKA_MODULUS);
      const publicExponent = rsa.get(CKA_PUBLIC_EXPONENT);
      if (!modulus || !publicExponent || modulus.length === 0 || publicExponent.length === 0) return undefined;
      return { kind: 'rsa', modulus: new Uint8Array(modulus), publicExponent: new Uint8Array(publicExponent) };
    }
    return undefined;
  }

  private readPrivateKeys(session: Buffer): PrivateKeyObject[] {
    return this.find(session, [{ type: CKA_CLASS, value: CKO_PRIVATE_KEY }]).map((handle) => {
      const attrs = this.attributes(session, handle, [CKA_ID, CKA_LABEL, CKA_KEY_TYPE, CKA_EC_PARAMS, CKA_SIGN]);
      return {
        handle,
        signs: attrs.get(CKA_SIGN)?.[0] !== 0,
        id: attrs.get(CKA_ID) ?? Buffer.alloc(0),
        label: attrs.get(CKA_LABEL)?.toString('utf8') ?? '',
        keyType: attrs.get(CKA_KEY_TYPE)?.readUInt32LE(0),
        ecParams: attrs.get(CKA_EC_PARAMS),
        // The same attributes as a public key's: RSA private keys carry modulus and exponent; some modules add CKA_EC_POINT.
        publicKey: this.readPublicKey(session, handle),
      };
    });
  }

  /**
   * The keys on a token: each public key object is a key of its own (two
   * with the same public key are one), and each private key joins the key
   * whose public key it shows, else the one key with its CKA_ID, else (no
   * CKA_ID) the one key with its label; a private key that joins none is a
   * key of its own. Certificates are returned as they are, for the service
   * to pair by public key.
   */
  private readObjects(session: Buffer, privateVisible: boolean): TokenObjects {
    interface Entry extends TokenObjectKey {
      material?: string;
      paired: boolean;
      cannotSign?: boolean;
    }
    const keys: Entry[] = [];
    const byMaterial = new Map<string, Entry>();
    const idAndLabel = (object: Buffer) => {
      const attrs = this.attributes(session, object, [CKA_ID, CKA_LABEL]);
      return { id: attrs.get(CKA_ID) ?? Buffer.alloc(0), label: attrs.get(CKA_LABEL)?.toString('utf8') ?? '' };
    };
    for (const object of this.find(session, [{ type: CKA_CLASS, value: CKO_PUBLIC_KEY }])) {
      const { id, label } = idAndLabel(object);
      const publicKey = this.readPublicKey(session, object);
      if (!publicKey) continue; // a key type Conclave does not know (DSA, DH)
      const material = materialOf(publicKey);
      const same = byMaterial.get(material);
      if (same) {
        if (label && label !== same.label && !same.aliases.includes(label)) same.aliases.push(label);
        continue;
      }
      const entry: Entry = { label, aliases: [], id: new Uint8Array(id), publicKey, hasPrivateKey: privateVisible ? false : null, material, paired: false };
      keys.push(entry);
      byMaterial.set(material, entry);
    }
    if (privateVisible) {
      const pair = (entry: Entry, privateKey: PrivateKeyObject) => {
        entry.paired = true;
        entry.hasPrivateKey = true;
        if (!privateKey.signs) entry.cannotSign = true;
        if (privateKey.label && privateKey.label !== entry.label && !entry.aliases.includes(privateKey.label)) entry.aliases.push(privateKey.label);
      };
      // Keys whose public part the private key cannot contradict: those that show none, or a private key that shows none.
      const open = (material: string | undefined) => keys.filter((key) => !key.paired && (material === undefined || key.material === undefined));
      const unsure: { privateKey: PrivateKeyObject; material: string | undefined }[] = [];
      for (const privateKey of this.readPrivateKeys(session)) {
        const material = privateKey.publicKey ? materialOf(privateKey.publicKey) : undefined;
        let match = material ? byMaterial.get(material) : undefined;
        if (match?.paired) match = undefined;
        if (!match) {
          const candidates = open(material);
          const sameId = privateKey.id.length > 0 ? candidates.filter((key) => Buffer.from(key.id).equals(privateKey.id)) : [];
          if (sameId.length === 1) match = sameId[0];
          else if (sameId.length > 1) match = only(sameId.filter((key) => key.label === privateKey.label));
          else if (privateKey.id.length === 0) match = only(candidates.filter((key) => key.id.length === 0 && key.label === privateKey.label));
        }
        if (match) pair(match, privateKey);
        else unsure.push({ privateKey, material });
      }
      for (const { privateKey, material } of unsure) {
        // Several keys it may belong to (one CKA_ID, or none and one label): one of them has it; which one, only a
        // signature tells (signMany tries). The listing says each such key has its private key, one per private key.
        const candidates = open(material).filter((key) => Buffer.from(key.id).equals(privateKey.id) && (privateKey.id.length > 0 || !privateKey.label || key.label === privateKey.label));
        if (candidates[0]) {
          pair(candidates[0], privateKey);
          continue;
        }
        const entry: Entry = { label: privateKey.label, aliases: [], id: new Uint8Array(privateKey.id), hasPrivateKey: true, paired: true, ...(privateKey.signs ? {} : { cannotSign: true }), ...(privateKey.publicKey ? { publicKey: privateKey.publicKey } : {}), ...(material ? { material } : {}) };
        keys.push(entry);
        if (material) byMaterial.set(material, entry);
      }
    }
    const certificates: TokenCertificate[] = [];
    for (const object of this.find(session, [{ type: CKA_CLASS, value: CKO_CERTIFICATE }])) {
      const { id, label } = idAndLabel(object);
      const attrs = this.attributes(session, object, [CKA_VALUE, CKA_CERTIFICATE_TYPE]);
      const value = attrs.get(CKA_VALUE);
      // X.509 public key certificates only (CKC_X_509 = 0); attribute certificates and WTLS are not key certificates.
      if (value && value.length > 0 && (attrs.get(CKA_CERTIFICATE_TYPE)?.readUInt32LE(0) ?? 0) === 0) certificates.push({ label, id: new Uint8Array(id), value: new Uint8Array(value) });
    }
    // Keys that never sign releases: the family's (ykcs11's slot f9, visible before login) and those whose private key says it cannot sign.
    const nonSigningIds = new Set(this.profile.nonSigningKeyIds ?? []);
    const signing = keys.filter((key) => !key.cannotSign && !(key.id.length === 1 && nonSigningIds.has(key.id[0]!)));
    return { keys: signing.map(({ material: _material, paired: _paired, cannotSign: _cannotSign, ...key }) => key), certificates, privateVisible };
  }

  listKeys(ref: TokenRef): Promise<TokenObjects> {
    return this.withSession(ref, { pin: undefined, doing: 'listing keys' }, (session) => this.readObjects(session, false));
  }

  login(ref: TokenRef, pin: PinBytes): Promise<TokenObjects> {
    return this.withSession(ref, { pin, doing: 'logging in' }, (session) => this.readObjects(session, true));
  }

  /** The mechanisms a token offers; undefined when it does not say (then signing uses what most tokens offer). */
  private mechanismsOf(slot: Buffer): Set<number> | undefined {
    try {
      const list = this.pkcs11.C_GetMechanismList(slot);
      return list.length > 0 ? new Set(list) : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Makes a key pair. `wantedId`: the CKA_ID the key's URI names (id=…), else a
   * random one; on a PIV family (ykcs11) it is required, its first byte is the
   * slot, and the login is the security officer's (the management key).
   */
  generateKey(ref: TokenRef, pin: PinBytes, label: string, algorithm: KeyAlgorithm, wantedId?: Uint8Array): Promise<TokenObjectKey> {
    const type = keyTypeOfAlgorithm(algorithm);
    const doing = `making ${type.kind === 'ecdsa' ? `an ECDSA ${type.curve}` : type.kind === 'rsa' ? `an RSA ${type.bits}` : 'an Ed25519'} key`;
    const pivSlot = this.profile.keygen === 'piv-slot';
    if (pivSlot && (!wantedId || wantedId.length === 0 || wantedId[0]! < 1 || wantedId[0]! > 24)) {
      wipe(pin);
      throw new ConclaveError(
        'uri-invalid',
        `A YubiKey makes a key in a PIV slot, named by the URI's id: id=%01 for slot 9a, id=%02 for 9c (PIN for every signature), id=%03 for 9d, id=%04 for 9e, id=%05 to id=%18 for the retired slots 82 to 95. Making a key replaces the slot's key.`,
      );
    }
    return this.withSession(ref, { pin, write: true, doing, ...(pivSlot ? { as: 'so' as const } : {}) }, async (session, slot) => {
      // ykcs11 ignores CKA_LABEL and names the slot's objects itself (yubico-piv-tool ykcs11/objects.c:2763-2781), and a new
      // key replaces the slot's (as ykman piv keys generate does): the slot, not the label, names the key there.
      const existing = pivSlot ? [] : this.find(session, [{ type: CKA_LABEL, value: label }]);
      if (existing.length > 0) {
        throw new ConclaveError('key-exists', `Token "${ref.label}" already has a key labelled "${label}". Choose another label, so that the key's URI names one key.`);
      }
      const mechanisms = this.mechanismsOf(slot);
      const id = wantedId && wantedId.length > 0 ? Buffer.from(wantedId) : randomBytes(8);
      const common = [
        { type: CKA_TOKEN, value: true },
        { type: CKA_LABEL, value: label },
        { type: CKA_ID, value: id },
      ];
      let mechanism: number;
      let keyType: number;
      let publicTemplate: pkcs11js.Template;
      if (type.kind === 'rsa') {
        mechanism = pkcs11js.CKM_RSA_PKCS_KEY_PAIR_GEN;
        keyType = CKK_RSA;
        publicTemplate = [
          { type: CKA_MODULUS_BITS, value: type.bits },
          { type: CKA_PUBLIC_EXPONENT, value: Buffer.from([1, 0, 1]) },
        ];
      } else if (type.kind === 'ecdsa') {
        mechanism = pkcs11js.CKM_EC_KEY_PAIR_GEN;
        keyType = CKK_EC;
        publicTemplate = [{ type: CKA_EC_PARAMS, value: Buffer.from(objectIdentifierDer(curves[type.curve].oid)) }];
      } else {
        mechanism = CKM_EC_EDWARDS_KEY_PAIR_GEN;
        keyType = CKK_EC_EDWARDS;
        // ykcs11 takes only the PrintableString "edwards25519" (yubico-piv-tool ykcs11/objects.c:2817-2826); PKCS#11 v3.0 the OID.
        publicTemplate = [{ type: CKA_EC_PARAMS, value: this.profile.ed25519Params === 'printable-string' ? edwards25519PrintableString : Buffer.from(objectIdentifierDer(oids.ed25519)) }];
      }
      if (mechanisms && !mechanisms.has(mechanism)) {
        throw new ConclaveError('mechanism-unsupported', `Token "${ref.label}" cannot generate ${doing.replace('making ', '')}s. Choose another algorithm (ECDSA P-256 works on almost every token).`);
      }
      const { publicKey } = await this.pkcs11.C_GenerateKeyPairAsync(
        session,
        { mechanism },
        [...common, { type: CKA_CLASS, value: CKO_PUBLIC_KEY }, { type: CKA_KEY_TYPE, value: keyType }, { type: CKA_PRIVATE, value: false }, { type: CKA_VERIFY, value: true }, ...publicTemplate],
        [
          ...common,
          { type: CKA_CLASS, value: CKO_PRIVATE_KEY },
          { type: CKA_KEY_TYPE, value: keyType },
          { type: CKA_PRIVATE, value: true },
          { type: CKA_SENSITIVE, value: true },
          { type: CKA_EXTRACTABLE, value: false },
          { type: CKA_SIGN, value: true },
        ],
      );
      const read = this.readPublicKey(session, publicKey);
      if (!read) throw new ConclaveError('token-error', 'The token made the key but does not show its public key. Try listing the keys again.');
      // The label the token gave it (ykcs11's own, "Public key for Key Management"), else the one asked for.
      const { id: madeId, label: madeLabel } = this.idAndLabelOf(session, publicKey);
      return { label: madeLabel || label, aliases: [], id: new Uint8Array(madeId.length > 0 ? madeId : id), publicKey: read, hasPrivateKey: true };
    });
  }

  /**
   * Signs each message in one session with one login: an approval signs the
   * statement and its own event, and a person should not be asked twice.
   * The private key is the one of the key as listed (its public key, where
   * the token showed one), never merely the first with its CKA_ID.
   */
  signMany(
    ref: TokenRef,
    pin: PinBytes,
    key: { id: Uint8Array; label: string; publicKey?: TokenPublicKey },
    messages: Uint8Array[],
    scheme?: SignatureScheme,
    hold?: number,
  ): Promise<{ signatures: Uint8Array[]; scheme: SignatureScheme }> {
    return this.withSession(ref, { pin, doing: 'signing', keepPin: true, ...(hold !== undefined ? { hold } : {}) }, async (session, slot) => {
      const candidates = this.privateKeysOf(session, key);
      if (candidates.length === 0) {
        wipe(pin);
        throw new ConclaveError('key-not-found', `Token "${ref.label}" has no private key for the key ${key.label ? `labelled "${key.label}"` : `with id ${Buffer.from(key.id).toString('hex')}`}. Check the key's URI with "conclave keys".`);
      }
      const offered = this.mechanismsOf(slot);
      const verifyingKey = key.publicKey ? verifyingKeyOf(key.publicKey) : undefined;
      if (candidates.length > 1 && !verifyingKey) {
        wipe(pin);
        throw new ConclaveError('key-not-found', `Several private keys on token "${ref.label}" could be the key labelled "${key.label}", and the token does not show which public key each belongs to. Give the keys distinct ids (CKA_ID) with the token's own tool.`);
      }
      const signatures: Uint8Array[] = [];
      let chosen: { privateKey: PrivateKeyObject; plan: SigningPlan; alwaysAuthenticate: boolean } | undefined;
      let firstFailure: unknown;
      // Several candidates (no CKA_ID, or a shared one): the key's is the one whose first signature its public key verifies.
      for (const privateKey of candidates) {
        try {
          const alwaysAuthenticate = (this.attributes(session, privateKey.handle, [CKA_ALWAYS_AUTHENTICATE]).get(CKA_ALWAYS_AUTHENTICATE)?.[0] ?? 0) !== 0;
          const plan = planSigning(this.signingKeyOf(privateKey, key.publicKey, ref), offered, scheme, ref.label);
          const first = await this.signOne(session, privateKey.handle, plan, messages[0]!, alwaysAuthenticate ? pin : undefined);
          if (candidates.length === 1 || verifies(verifyingKey!, plan, messages[0]!, first)) {
            chosen = { privateKey, plan, alwaysAuthenticate };
            signatures.push(first);
            break;
          }
        } catch (error) {
          if (candidates.length === 1) throw error;
          firstFailure ??= error; // another candidate's key type or mechanism: try the next
        }
      }
      if (!chosen) {
        wipe(pin);
        if (firstFailure) throw firstFailure;
        throw new ConclaveError('key-not-found', `None of the private keys on token "${ref.label}" belongs to the key labelled "${key.label}". Check the key's URI with "conclave keys".`);
      }
      // PKCS#11 v2.40 §4.9: a key with CKA_ALWAYS_AUTHENTICATE (YubiKey PIV slot 9c) wants the PIN again for every signature.
      if (!chosen.alwaysAuthenticate) wipe(pin);
      for (const message of messages.slice(1)) signatures.push(await this.signOne(session, chosen.privateKey.handle, chosen.plan, message, chosen.alwaysAuthenticate ? pin : undefined));
      return { signatures, scheme: chosen.plan.scheme };
    });
  }

  /** The private keys that may be the key: those with its CKA_ID, narrowed by the public key they show, then by label. */
  private privateKeysOf(session: Buffer, key: { id: Uint8Array; label: string; publicKey?: TokenPublicKey }): PrivateKeyObject[] {
    const wanted = key.publicKey ? materialOf(key.publicKey) : undefined;
    let found = this.readPrivateKeys(session).filter((candidate) => candidate.id.equals(Buffer.from(key.id)));
    // A private key that shows its public key and shows another is not the key's.
    if (wanted) found = found.filter((candidate) => !candidate.publicKey || materialOf(candidate.publicKey) === wanted);
    if (found.length > 1 && wanted) {
      const exact = found.filter((candidate) => candidate.publicKey && materialOf(candidate.publicKey) === wanted);
      if (exact.length > 0) return exact.slice(0, 1);
    }
    if (found.length > 1) {
      const labelled = found.filter((candidate) => candidate.label === key.label);
      if (labelled.length > 0) return [...labelled, ...found.filter((candidate) => candidate.label !== key.label)];
    }
    return found;
  }

  /** What kind of key signs: its curve read from the key (CKA_EC_PARAMS), never assumed. */
  private signingKeyOf(privateKey: PrivateKeyObject, publicKey: TokenPublicKey | undefined, ref: TokenRef): SigningKey {
    if (privateKey.keyType === CKK_RSA) return { kind: 'rsa' };
    if (privateKey.keyType === CKK_EC || privateKey.keyType === CKK_EC_EDWARDS) {
      const params = privateKey.ecParams && privateKey.ecParams.length > 0 ? privateKey.ecParams : publicKey && publicKey.kind !== 'rsa' ? publicKey.ecParams : undefined;
      if (!params) throw new ConclaveError('key-type-unsupported', `The key on token "${ref.label}" does not say which curve it is on (no CKA_EC_PARAMS), so Conclave cannot tell how to sign with it.`);
      const curve = curveOfEcParams(params);
      if (curve.supported === 'Ed25519' && privateKey.keyType === CKK_EC_EDWARDS) return { kind: 'ed25519' };
      if (curve.supported && curve.supported !== 'Ed25519' && privateKey.keyType === CKK_EC) return { kind: 'ecdsa', hash: hashOfCurve(curve.supported) };
      throw new ConclaveError('key-type-unsupported', `The key on token "${ref.label}" is on the curve ${curve.name}, which Conclave does not sign with. Use a key on P-256, P-384 or P-521, an RSA key or an Ed25519 key.`, { cause: 'curve-unsupported' });
    }
    throw new ConclaveError('key-type-unsupported', 'That key is not an ECDSA, RSA or Ed25519 key, so Conclave cannot sign with it.');
  }

  /** One signature: C_SignInit, the PIN again for a key that wants it, then C_Sign on a libuv thread so this host keeps answering. */
  private async signOne(session: Buffer, privateKey: Buffer, plan: SigningPlan, message: Uint8Array, contextPin: PinBytes | undefined): Promise<Uint8Array> {
    const input =
      plan.input.kind === 'message'
        ? Buffer.from(message)
        : plan.input.kind === 'digest'
          ? createHash(plan.input.hash).update(message).digest()
          : Buffer.concat([sha256DigestInfoPrefix, createHash('sha256').update(message).digest()]);
    const parameter: pkcs11js.RsaPSS | undefined = plan.pss ? { type: pkcs11js.CK_PARAMS_RSA_PSS, ...plan.pss } : undefined;
    const mechanism: pkcs11js.Mechanism = parameter ? { mechanism: plan.mechanism, parameter } : { mechanism: plan.mechanism };
    this.pkcs11.C_SignInit(session, mechanism, privateKey);
    if (contextPin !== undefined) this.logIn(session, CKU_CONTEXT_SPECIFIC, contextPin);
    // Large enough for RSA 8192 and every ECDSA or EdDSA signature.
    const output = new Uint8Array(await this.pkcs11.C_SignAsync(session, input, Buffer.alloc(1024)));
    return plan.output === 'ecdsa-der' ? ecdsaSignatureDer(output) : output;
  }

  /**
   * Makes a new token in the module's free slot (SoftHSM2 keeps one free).
   * Used for demo tokens only: real tokens are initialised with their own tools.
   */
  initToken(label: string, soPin: string, userPin: string): SlotToken {
    const free = this.pkcs11
      .C_GetSlotList(true)
      .find((slot) => (this.pkcs11.C_GetTokenInfo(slot).flags & pkcs11js.CKF_TOKEN_INITIALIZED) === 0);
    if (!free) throw new ConclaveError('token-error', 'This module has no free slot to make a token in.');
    this.pkcs11.C_InitToken(free, soPin, label);
    const token = this.listTokens().find((candidate) => candidate.label === label);
    if (!token) throw new ConclaveError('token-error', `The module made token "${label}" but does not list it.`);
    const slot = this.slotHandle(token);
    const session = this.pkcs11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
    try {
      this.pkcs11.C_Login(session, pkcs11js.CKU_SO, soPin);
      this.pkcs11.C_InitPIN(session, userPin);
      this.pkcs11.C_Logout(session);
    } finally {
      this.quietly(() => this.pkcs11.C_CloseSession(session));
    }
    return token;
  }
}

/** The one element, or undefined when there are none or several. */
function only<T>(items: T[]): T | undefined {
  return items.length === 1 ? items[0] : undefined;
}
