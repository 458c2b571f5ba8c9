/**
 * Everything Conclave does with one PKCS#11 module, inside its token host
 * process. A few verbs (list, log in, generate, sign) rather than the 70 C_*
 * calls; sessions are opened for one job and always logged out and closed.
 */
import { createHash, randomBytes } from 'node:crypto';
// pkcs11js is CommonJS with constants set at run time: only the default import sees them all.
import pkcs11js from 'pkcs11js';
import { ConclaveError } from '../../../../shared/errors';
import { curves, keyTypeOfAlgorithm, oids, type KeyAlgorithm } from '../../../../shared/keys/algorithms';
import type { TokenPublicKey } from '../../../../shared/keys/public-key-info';
import { ecdsaSignatureDer, objectIdentifierDer } from './host-der';
import type { ModuleKindName } from '../../../../shared/api/contract';
import { asPkcs11Failure, ckr, explainPkcs11Failure } from './pkcs11-errors';
import { SerialQueue } from './serial-queue';
import type { LibraryInfo, PinBytes, SignatureScheme, SlotToken, TokenObjectKey, TokenRef } from './protocol';

// Mechanisms and key types newer than pkcs11js's constant table (PKCS#11 v3.0 §6.3).
const CKK_EC_EDWARDS = 0x40;
const CKM_EC_EDWARDS_KEY_PAIR_GEN = 0x1055;
const CKM_EDDSA = 0x1057;
// PKCS#11 v2.40: re-authentication for keys with CKA_ALWAYS_AUTHENTICATE.
const CKU_CONTEXT_SPECIFIC = 2;
const CKA_ALWAYS_AUTHENTICATE = 0x202;

const { CKA_CLASS, CKA_KEY_TYPE, CKA_TOKEN, CKA_PRIVATE, CKA_LABEL, CKA_ID, CKA_SIGN, CKA_VERIFY, CKA_SENSITIVE, CKA_EXTRACTABLE } = pkcs11js;
const { CKA_EC_PARAMS, CKA_EC_POINT, CKA_MODULUS, CKA_PUBLIC_EXPONENT, CKA_MODULUS_BITS, CKA_VALUE } = pkcs11js;
const { CKO_PUBLIC_KEY, CKO_PRIVATE_KEY, CKO_CERTIFICATE, CKK_EC, CKK_RSA } = pkcs11js;

/** Where a module's behaviour differs from the standard (token profiles). */
export interface ModuleProfile {
  /**
   * SoftHSM2 reads its token folder only in C_Initialize and answers
   * C_WaitForSlotEvent with CKR_FUNCTION_NOT_SUPPORTED, so tokens made or
   * deleted by another program appear only after finalising and initialising
   * again. Done only while no job is running.
   */
  reinitializeToRescan: boolean;
}

export function profileOf(kind: ModuleKindName): ModuleProfile {
  return { reinitializeToRescan: kind === 'softhsm2' };
}

const trimmed = (text: string) => text.replace(/\0/g, '').trim();

/** Overwrites a PIN's bytes (issue 12): once C_Login no longer needs them, nothing in this process holds the PIN. */
const wipe = (pin: PinBytes | undefined): void => {
  if (pin && pin.byteLength > 0) pin.fill(0);
};

/** CK_SLOT_ID is a CK_ULONG: 8 bytes on most platforms, 4 on Windows. */
const slotIdOf = (handle: Buffer): number => (handle.length >= 8 ? Number(handle.readBigUInt64LE(0)) : handle.readUInt32LE(0));

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

export class ModuleHost {
  private readonly pkcs11 = new pkcs11js.PKCS11();
  private readonly queues = new Map<string, SerialQueue>();
  private jobsRunning = 0;
  private profile: ModuleProfile = { reinitializeToRescan: false };
  /** Token labels by serial, for messages (serials, unlike SoftHSM2's slot ids, do not change). */
  private labels = new Map<string, string>();

  init(modulePath: string, kind: ModuleKindName): LibraryInfo {
    this.profile = profileOf(kind);
    try {
      this.pkcs11.load(modulePath);
    } catch (error) {
      throw describeLoadFailure(modulePath, error);
    }
    this.initialize();
    const info = this.pkcs11.C_GetInfo();
    return {
      description: trimmed(info.libraryDescription),
      manufacturer: trimmed(info.manufacturerID),
      version: `${info.libraryVersion.major}.${info.libraryVersion.minor}`,
    };
  }

  private initialize(): void {
    try {
      // OS locking: async signing runs on a worker thread while slots are polled here.
      this.pkcs11.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
    } catch (error) {
      if (asPkcs11Failure(error)?.code !== ckr.CRYPTOKI_ALREADY_INITIALIZED) throw error;
    }
  }

  /** Tokens present now; with `rescan`, first let a module that caches its slots see changes. */
  listTokens(rescan = false): SlotToken[] {
    if (rescan && this.profile.reinitializeToRescan && this.jobsRunning === 0) {
      this.pkcs11.C_Finalize();
      this.initialize();
    }
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
      const slotId = slotIdOf(slot);
      const token = {
        slotId,
        label: trimmed(info.label),
        manufacturer: trimmed(info.manufacturerID),
        model: trimmed(info.model),
        serial: trimmed(info.serialNumber),
        flags: info.flags,
      };
      this.labels.set(token.serial, token.label);
      tokens.push(token);
    }
    return tokens;
  }

  /**
   * The slot holding the token with this serial. The slot id is only a hint:
   * SoftHSM2 numbers its slots afresh each time it is initialised (which the
   * rescan does), so the serial is what names a token.
   */
  private slotHandle(ref: TokenRef): Buffer {
    let bySerial: Buffer | undefined;
    for (const slot of this.pkcs11.C_GetSlotList(true)) {
      let serial: string;
      try {
        serial = trimmed(this.pkcs11.C_GetTokenInfo(slot).serialNumber);
      } catch {
        continue;
      }
      if (serial !== ref.serial) continue;
      if (slotIdOf(slot) === ref.slotId) return slot;
      bySerial ??= slot;
    }
    if (bySerial) return bySerial;
    throw new ConclaveError('token-removed', `Token "${this.labels.get(ref.serial) ?? ref.serial}" is no longer attached. Plug it back in and try again; nothing was changed.`);
  }

  private pinStatus(slot: Buffer): 'low' | 'final' | 'locked' | undefined {
    try {
      const { flags } = this.pkcs11.C_GetTokenInfo(slot);
      if (flags & pkcs11js.CKF_USER_PIN_LOCKED) return 'locked';
      if (flags & pkcs11js.CKF_USER_PIN_FINAL_TRY) return 'final';
      if (flags & pkcs11js.CKF_USER_PIN_COUNT_LOW) return 'low';
    } catch {
      // The token is gone; the failure itself says so.
    }
    return undefined;
  }

  /**
   * Runs one job on a token in a fresh session, serialised per slot, and
   * always logs out and closes the session, whatever happened.
   */
  private async withSession<T>(
    ref: TokenRef,
    options: { pin: PinBytes | undefined; write?: boolean; doing: string; keepPin?: boolean },
    job: (session: Buffer, slot: Buffer) => Promise<T> | T,
  ): Promise<T> {
    const queue = this.queues.get(ref.serial) ?? new SerialQueue();
    this.queues.set(ref.serial, queue);
    return queue.run(async () => {
      this.jobsRunning++;
      let slot: Buffer | undefined;
      let session: Buffer | undefined;
      let loggedIn = false;
      try {
        slot = this.slotHandle(ref);
        const flags = pkcs11js.CKF_SERIAL_SESSION | (options.write ? pkcs11js.CKF_RW_SESSION : 0);
        session = this.pkcs11.C_OpenSession(slot, flags);
        if (options.pin !== undefined) {
          try {
            this.logIn(session, pkcs11js.CKU_USER, options.pin);
            loggedIn = true;
          } catch (error) {
            if (asPkcs11Failure(error)?.code !== ckr.USER_ALREADY_LOGGED_IN) throw error;
            loggedIn = true;
          } finally {
            // A job that may log in again (keepPin) wipes it itself as soon as it knows it will not.
            if (!options.keepPin) wipe(options.pin);
          }
        }
        return await job(session, slot);
      } catch (error) {
        const failure = asPkcs11Failure(error);
        if (!failure) throw error;
        const pinStatus = failure.code === ckr.PIN_INCORRECT && slot ? this.pinStatus(slot) : undefined;
        throw explainPkcs11Failure(failure, { token: this.labels.get(ref.serial), doing: options.doing, pinStatus });
      } finally {
        wipe(options.pin);
        if (session) {
          if (loggedIn) this.quietly(() => this.pkcs11.C_Logout(session!));
          this.quietly(() => this.pkcs11.C_CloseSession(session!));
        }
        this.jobsRunning--;
      }
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
  private logIn(session: Buffer, userType: number, pin: PinBytes): void {
    const bytes = pin === null ? null : Buffer.from(pin.buffer, pin.byteOffset, pin.byteLength);
    try {
      this.pkcs11.C_Login(session, userType, bytes);
    } catch (error) {
      if (!(error instanceof TypeError) || bytes === null) throw error;
      this.pkcs11.C_Login(session, userType, bytes.toString('utf8'));
    }
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

  private readPublicKey(session: Buffer, object: Buffer): TokenPublicKey | undefined {
    const attrs = this.attributes(session, object, [CKA_KEY_TYPE]);
    const keyType = attrs.get(CKA_KEY_TYPE)?.readUInt32LE(0);
    if (keyType === CKK_EC || keyType === CKK_EC_EDWARDS) {
      const ec = this.attributes(session, object, [CKA_EC_PARAMS, CKA_EC_POINT]);
      const ecParams = ec.get(CKA_EC_PARAMS);
      const ecPoint = ec.get(CKA_EC_POINT);
      if (!ecParams || !ecPoint) return undefined;
      return { kind: keyType === CKK_EC ? 'ec' : 'ec-edwards', ecParams: new Uint8Array(ecParams), ecPoint: new Uint8Array(ecPoint) };
    }
    if (keyType === CKK_RSA) {
      const rsa = this.attributes(session, object, [CKA_MODULUS, CKA_PUBLIC_EXPONENT]);
      const modulus = rsa.get(CKA_MODULUS);
      const publicExponent = rsa.get(CKA_PUBLIC_EXPONENT);
      if (!modulus || !publicExponent) return undefined;
      return { kind: 'rsa', modulus: new Uint8Array(modulus), publicExponent: new Uint8Array(publicExponent) };
    }
    return undefined;
  }

  /** Keys grouped by CKA_ID: public key, certificate and (when visible) private key. */
  private readKeys(session: Buffer, privateVisible: boolean): TokenObjectKey[] {
    const byId = new Map<string, TokenObjectKey>();
    const entry = (id: Buffer, label: string): TokenObjectKey => {
      const key = id.toString('hex');
      let found = byId.get(key);
      if (!found) {
        found = { label, id: new Uint8Array(id), hasPrivateKey: privateVisible ? false : null };
        byId.set(key, found);
      }
      if (!found.label && label) found.label = label;
      return found;
    };
    const idAndLabel = (object: Buffer) => {
      const attrs = this.attributes(session, object, [CKA_ID, CKA_LABEL]);
      return { id: attrs.get(CKA_ID) ?? Buffer.alloc(0), label: attrs.get(CKA_LABEL)?.toString('utf8') ?? '' };
    };
    for (const object of this.find(session, [{ type: CKA_CLASS, value: CKO_PUBLIC_KEY }])) {
      const { id, label } = idAndLabel(object);
      const publicKey = this.readPublicKey(session, object);
      if (publicKey) entry(id, label).publicKey = publicKey;
    }
    for (const object of this.find(session, [{ type: CKA_CLASS, value: CKO_CERTIFICATE }])) {
      const { id, label } = idAndLabel(object);
      const value = this.attributes(session, object, [CKA_VALUE]).get(CKA_VALUE);
      if (value) entry(id, label).certificate = new Uint8Array(value);
    }
    for (const object of this.find(session, [{ type: CKA_CLASS, value: CKO_PRIVATE_KEY }])) {
      const { id, label } = idAndLabel(object);
      entry(id, label).hasPrivateKey = true;
    }
    return [...byId.values()];
  }

  listKeys(ref: TokenRef): Promise<TokenObjectKey[]> {
    return this.withSession(ref, { pin: undefined, doing: 'listing keys' }, (session) => this.readKeys(session, false));
  }

  login(ref: TokenRef, pin: PinBytes): Promise<TokenObjectKey[]> {
    return this.withSession(ref, { pin, doing: 'logging in' }, (session) => this.readKeys(session, true));
  }

  generateKey(ref: TokenRef, pin: PinBytes, label: string, algorithm: KeyAlgorithm): Promise<TokenObjectKey> {
    const type = keyTypeOfAlgorithm(algorithm);
    const doing = `making ${type.kind === 'ecdsa' ? `an ECDSA ${type.curve}` : type.kind === 'rsa' ? `an RSA ${type.bits}` : 'an Ed25519'} key`;
    return this.withSession(ref, { pin, write: true, doing }, async (session, slot) => {
      const existing = this.find(session, [{ type: CKA_LABEL, value: label }]);
      if (existing.length > 0) {
        throw new ConclaveError('key-exists', `Token "${this.labels.get(ref.serial)}" already has a key labelled "${label}". Choose another label, so that the key's URI names one key.`);
      }
      const mechanisms = new Set(this.pkcs11.C_GetMechanismList(slot));
      const id = randomBytes(8);
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
        publicTemplate = [{ type: CKA_EC_PARAMS, value: Buffer.from(objectIdentifierDer(oids.ed25519)) }];
      }
      if (!mechanisms.has(mechanism)) {
        throw new ConclaveError('mechanism-unsupported', `Token "${this.labels.get(ref.serial)}" cannot generate ${doing.replace('making ', '')}s. Choose another algorithm (ECDSA P-256 works on almost every token).`);
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
      return { label, id: new Uint8Array(id), publicKey: read, hasPrivateKey: true };
    });
  }

  /**
   * Signs each message in one session with one login: an approval signs the
   * statement and its own event, and a person should not be asked twice.
   */
  signMany(ref: TokenRef, pin: PinBytes, keyId: Uint8Array, messages: Uint8Array[], scheme?: SignatureScheme): Promise<{ signatures: Uint8Array[]; scheme: SignatureScheme }> {
    return this.withSession(ref, { pin, doing: 'signing', keepPin: true }, async (session) => {
      const [privateKey] = this.find(session, [
        { type: CKA_CLASS, value: CKO_PRIVATE_KEY },
        { type: CKA_ID, value: Buffer.from(keyId) },
      ]);
      if (!privateKey) {
        throw new ConclaveError('key-not-found', `Token "${this.labels.get(ref.serial)}" has no private key with id ${Buffer.from(keyId).toString('hex')}. Check the key's URI with "conclave keys".`);
      }
      const attrs = this.attributes(session, privateKey, [CKA_KEY_TYPE, CKA_EC_PARAMS, CKA_ALWAYS_AUTHENTICATE]);
      const keyType = attrs.get(CKA_KEY_TYPE)?.readUInt32LE(0);
      // PKCS#11 v2.40 §4.9: such a key (YubiKey PIV slot 9c) wants the PIN again for every signature.
      const alwaysAuthenticate = (attrs.get(CKA_ALWAYS_AUTHENTICATE)?.[0] ?? 0) !== 0;
      if (!alwaysAuthenticate) wipe(pin);
      const plan = this.signingPlan(keyType, attrs.get(CKA_EC_PARAMS), scheme);
      const signatures: Uint8Array[] = [];
      for (const message of messages) {
        const input = plan.prepare(message);
        this.pkcs11.C_SignInit(session, plan.mechanism, privateKey);
        if (alwaysAuthenticate) this.logIn(session, CKU_CONTEXT_SPECIFIC, pin);
        // Large enough for RSA 8192 and every ECDSA or EdDSA signature; runs on a libuv thread so this process keeps answering.
        const output = await this.pkcs11.C_SignAsync(session, input, Buffer.alloc(1024));
        signatures.push(plan.finish(new Uint8Array(output)));
      }
      return { signatures, scheme: plan.scheme };
    });
  }

  /** How a key type signs: mechanism, what to hand the token, and how to shape what it returns. */
  private signingPlan(
    keyType: number | undefined,
    ecParams: Buffer | undefined,
    scheme: SignatureScheme | undefined,
  ): { scheme: SignatureScheme; mechanism: pkcs11js.Mechanism; prepare: (message: Uint8Array) => Buffer; finish: (output: Uint8Array) => Uint8Array } {
    const keep = (output: Uint8Array) => output;
    if (keyType === CKK_EC) {
      const curve = (Object.keys(curves) as (keyof typeof curves)[]).find((name) => ecParams && Buffer.from(objectIdentifierDer(curves[name].oid)).equals(ecParams)) ?? 'P-256';
      const hash = curves[curve].hash.replace('-', '').toLowerCase();
      // SoftHSM2 and most tokens offer CKM_ECDSA over a digest, not CKM_ECDSA_SHA256: hash here. Tokens answer raw r‖s; DSSE wants DER.
      return { scheme: 'ecdsa', mechanism: { mechanism: pkcs11js.CKM_ECDSA }, prepare: (message) => createHash(hash).update(message).digest(), finish: ecdsaSignatureDer };
    }
    if (keyType === CKK_EC_EDWARDS) {
      return { scheme: 'ed25519', mechanism: { mechanism: CKM_EDDSA }, prepare: (message) => Buffer.from(message), finish: keep };
    }
    if (keyType === CKK_RSA) {
      const sha256 = (message: Uint8Array) => createHash('sha256').update(message).digest();
      if (scheme === 'rsa-pkcs1-sha256') {
        // RFC 8017 §9.2: DigestInfo for SHA-256, then the raw PKCS#1 v1.5 mechanism.
        const prefix = Buffer.from('3031300d060960864801650304020105000420', 'hex');
        return { scheme, mechanism: { mechanism: pkcs11js.CKM_RSA_PKCS }, prepare: (message) => Buffer.concat([prefix, sha256(message)]), finish: keep };
      }
      const parameter: pkcs11js.RsaPSS = { type: pkcs11js.CK_PARAMS_RSA_PSS, hashAlg: pkcs11js.CKM_SHA256, mgf: pkcs11js.CKG_MGF1_SHA256, saltLen: 32 };
      return { scheme: 'rsa-pss-sha256', mechanism: { mechanism: pkcs11js.CKM_RSA_PKCS_PSS, parameter }, prepare: sha256, finish: keep };
    }
    throw new ConclaveError('key-type-unsupported', 'That key is not an ECDSA, RSA or Ed25519 key, so Conclave cannot sign with it.');
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
