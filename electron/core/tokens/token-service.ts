/**
 * The token service: every PKCS#11 module Conclave knows (discovered, added by
 * the user, demo), each in a token host process of its own, and the verbs the
 * rest of Conclave uses (list, log in, generate, sign) with keys and tokens
 * named by PKCS#11 URIs.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, realpathSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { ModuleKindName, PivSlot, Token, TokenKey, TokenModule, TokensSnapshot } from '../../../shared/api/contract';
import { ConclaveError, toErrorData, type ErrorData } from '../../../shared/errors';
import { bytesEqual } from '../../../shared/encoding/bytes';
import { toHex } from '../../../shared/encoding/hex';
import { toPem } from '../../../shared/encoding/pem';
import type { KeyAlgorithm } from '../../../shared/keys/algorithms';
import { publicKeyInfoOfCertificate } from '../../../shared/keys/certificate';
import { keyIdOf, keyTypeOfPublicKeyInfo, publicKeyInfoFromToken, publicKeyPem, UnsupportedKeyError, type TokenPublicKey } from '../../../shared/keys/public-key-info';
import { curveOfEcParams } from '../../../shared/pkcs11/ec-params';
import { nodeDigester } from '../crypto/node-crypto';
import { formatPkcs11Uri, parsePkcs11Uri, uriMatchesToken, type Pkcs11Uri } from '../../../shared/pkcs11/uri';
import { quoteForShell } from '../../../shared/cli/shell-command';
import { HostClient } from './host-client';
import type { HostLauncher } from './host-process';
import type { LibraryInfo, PinBytes, SignatureScheme, SlotToken, TokenCertificate, TokenObjectKey, TokenObjects, TokenRef } from './host/protocol';
import { kindOfFamily, pivSlotKeyId, profileOfFamily, type FamilyProfile, type ModuleFamily } from './host/families';
import { discoverModules, kindOfModulePath, labelOfKind } from './module-catalog';
import { pinBytesOf } from '../pin-bytes';
import * as pkcs11Flags from './token-flags';
import { howToChangePin, pinStateNote, readPinState } from './host/pin-state';

export interface ModuleSource {
  path: string;
  origin: TokenModule['origin'];
  env?: Record<string, string>;
  label?: string;
  kind?: ModuleKindName;
  /** A fixed id (the demo module's is "demo"); otherwise derived from path, environment and init parameters. */
  id?: string;
  /**
   * The module's own C_Initialize parameters (CK_C_INITIALIZE_ARGS.pReserved),
   * for modules that take some: NSS softokn needs
   * configdir='sql:DIR' certPrefix='' keyPrefix='' secmod='secmod.db' flags=
   */
  initParameters?: string;
}

interface ModuleEntry {
  id: string;
  /** Settles once the module's first start has succeeded or failed. */
  started: Promise<void>;
  source: ModuleSource;
  kind: ModuleKindName;
  label: string;
  client: HostClient;
  status: TokenModule['status'];
  error?: ErrorData;
  library?: LibraryInfo;
  /** Known once the module has started (host/families.ts). */
  family?: ModuleFamily;
  tokens: SlotToken[];
  /** Starts that failed in a row, for the back-off (retryDelayMs). */
  failures: number;
  /** The next start, when one is scheduled. */
  retry?: ReturnType<typeof setTimeout>;
}

/**
 * How long to wait before starting a module again after its host crashed or
 * its service was missing (issue 13: a module that crashed at load was
 * restarted 47 times in 20 s): 1 s, 2 s, 4 s … up to a minute, so a module
 * whose service comes back recovers by itself, and a broken one costs next
 * to nothing.
 */
export function backoffDelayMs(attempt: number): number {
  return Math.min(60_000, 1000 * 2 ** Math.max(0, attempt - 1));
}

export interface TokenServiceOptions {
  /** The wait before the attempt-th start again in a row (1-based); backoffDelayMs unless a test says otherwise. */
  retryDelayMs?: (attempt: number) => number;
  /**
   * For one command that signs and never changes a token's keys (a ceremony
   * command of the CLI): each token's keys, as seen without login, are asked
   * of its host once and kept for the service's life. An approval otherwise
   * asks for them four times after judging, while the command waits (issue
   * 11). A failed listing is not kept, and making a key or a token drops
   * them all. Never for the window's long-lived service, where tokens come
   * and go.
   */
  keysListedOnce?: boolean;
}

/** A key as listed, with what the host needs to find its private key again. */
interface ListedKey {
  key: TokenKey;
  object: TokenObjectKey;
  /** Its DER SubjectPublicKeyInfo. */
  spki: Uint8Array;
}

/** A key Conclave cannot sign with (a curve it does not support), kept so that asking for it says so. */
interface UnusableKey {
  labels: string[];
  id: string;
  why: string;
}

export type TokenServiceEvent =
  | { type: 'changed' }
  | { type: 'inserted'; token: Token }
  | { type: 'removed'; token: Token };

/**
 * Where the modules a URI may name come from when none of the loaded ones has
 * its token, nearest first: each group is started only when the groups before
 * it do not have the token (issue 11: a command that names a key starts that
 * module alone).
 */
export type ModuleSearch = (uri: Pkcs11Uri) => Promise<ModuleSource[][]>;

/**
 * The module this machine uses at a path, if it uses one there (issue 12):
 * the modules configured here (CONCLAVE_PKCS11_MODULES, or added by the
 * person) and the installed ones at known locations. A URI's module-path
 * selects among them; no other library is ever loaded for a URI.
 */
export type ModuleLookup = (path: string) => Promise<ModuleSource | undefined>;

/** Without a lookup of the machine's own: the installed modules at known locations (module-catalog.ts). */
export const installedModuleLookup: ModuleLookup = async (path) => discoverInstalledModules().find((source) => samePath(source.path, path));

/** A URI named a library nobody chose: refused before anything is loaded, with what to do. */
export function moduleNotAllowed(path: string): ConclaveError {
  return new ConclaveError(
    'module-not-allowed',
    `Module ${path} is not one this machine uses. Add it first: conclave modules add ${path.includes('\0') ? JSON.stringify(path) : quoteForShell(path)} (or in Settings → Modules). Conclave never loads a library because a key URI or a request names it.`,
  );
}

export interface ResolvedToken {
  module: ModuleEntry;
  token: SlotToken;
}

/**
 * A PIN as a caller has it: bytes (the CLI reads them so, and overwrites
 * them when its command ends), a string (the window's API carries one), or
 * null for a PIN pad. Nothing here keeps it beyond the one request.
 */
export type PinInput = Uint8Array | string | null;

/**
 * One caller's login, kept between its signatures (holdLogin): an approval
 * signs its statement and then its event, and a PIN pad should ask once.
 */
export interface LoginHold {
  readonly id: number;
  /** Logs out and closes the kept session; the caller calls it when it has signed all it will. */
  release(): Promise<void>;
}

let nextHoldId = 1;

/** As long as a token host keeps a held login (module-host.ts). */
const heldLoginMs = 120_000;

export interface SignResult {
  signature: Uint8Array;
  scheme: SignatureScheme;
  key: TokenKey;
}

function moduleIdOf(source: ModuleSource): string {
  if (source.id) return source.id;
  const material = `${resolve(source.path)}\n${JSON.stringify(source.env ?? {})}${source.initParameters !== undefined ? `\n${source.initParameters}` : ''}`;
  return createHash('sha256').update(material).digest('hex').slice(0, 12);
}

export class TokenService {
  private readonly modules = new Map<string, ModuleEntry>();
  private readonly listeners = new Set<(event: TokenServiceEvent) => void>();
  /** Set by dispose: from then on nothing starts a token host (a late background scan would otherwise start one nobody stops). */
  private disposed: Promise<void> | undefined;

  /**
   * `environment` is what token hosts inherit (SOFTHSM2_CONF and the module's
   * own variables live there). Without `search`, a URI resolves among the
   * modules added (and the module its module-path names); with it, modules
   * are also started on demand, group by group, until one has the token.
   * `lookup` says which modules a URI's module-path may name (the installed
   * ones when not given); any other is refused before it is loaded.
   */
  constructor(
    private readonly launcher: HostLauncher,
    private readonly environment: NodeJS.ProcessEnv = process.env,
    private readonly search?: ModuleSearch,
    private readonly lookup: ModuleLookup = installedModuleLookup,
    private readonly options: TokenServiceOptions = {},
  ) {}

  onEvent(listener: (event: TokenServiceEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: TokenServiceEvent): void {
    if (this.disposed) return;
    for (const listener of this.listeners) listener(event);
  }

  /** A disposed service refuses every verb rather than load a module again. */
  private assertOpen(): void {
    if (this.disposed) throw new ConclaveError('cancelled', 'Conclave has stopped its token service (it is closing); nothing was done with any token.');
  }

  /** Adds a module and starts its host; a module that fails to load is kept, marked failed, and does not affect the others. */
  async addModule(source: ModuleSource): Promise<ModuleEntry> {
    this.assertOpen();
    const id = moduleIdOf(source);
    const existing = this.modules.get(id);
    if (existing) {
      await existing.started;
      return existing;
    }
    const kind = source.kind ?? kindOfModulePath(source.path);
    const label = source.label ?? (kind === 'other' ? basename(source.path) : labelOfKind(kind));
    const entry: ModuleEntry = {
      id,
      started: Promise.resolve(),
      source,
      kind,
      label,
      status: 'failed',
      tokens: [],
      failures: 0,
      client: new HostClient({
        modulePath: source.path,
        kind,
        ...(source.initParameters !== undefined ? { libraryParameters: source.initParameters } : {}),
        label,
        env: { ...this.environment, ...source.env },
        launcher: this.launcher,
        onTokens: (tokens) => this.tokensSeen(entry, tokens),
        onExit: (reason) => this.hostExited(entry, reason),
        onFailure: (error) => this.requestFailed(entry, error),
      }),
    };
    this.modules.set(id, entry);
    entry.started = this.startModule(entry);
    await entry.started;
    return entry;
  }

  private async startModule(entry: ModuleEntry): Promise<void> {
    if (!existsSync(entry.source.path)) {
      entry.status = 'failed';
      entry.error = {
        code: 'module-not-found',
        message: `There is no PKCS#11 module at ${entry.source.path}. Check the path, or install the token's software.`,
      };
      return;
    }
    try {
      const { family, ...library } = await entry.client.start();
      entry.library = library;
      entry.family = family;
      // Recognised by what the library says of itself, not by its file name.
      const kind = kindOfFamily(family);
      if (entry.kind === 'other' && kind) entry.kind = kind;
      if (entry.kind === 'other' && !entry.source.label && family !== 'generic') entry.label = profileOfFamily(family).name;
      this.tokensSeen(entry, await entry.client.request({ op: 'listTokens' }), false);
      entry.status = 'ready';
      entry.failures = 0;
      delete entry.error;
    } catch (error) {
      entry.status = 'failed';
      entry.error = toErrorData(error);
      entry.tokens = [];
      // A service that is not there yet (pcscd, pkcsslotd, the TPM) or a host that crashed: try again, later and later.
      if (entry.error.code === 'unavailable' || entry.error.code === 'token-error') this.scheduleRetry(entry);
    }
  }

  /** Starts a module again after the back-off, once (a crash and the failed start it causes schedule one retry). */
  private scheduleRetry(entry: ModuleEntry): void {
    if (this.disposed || entry.retry || !this.modules.has(entry.id)) return;
    entry.failures += 1;
    const delay = (this.options.retryDelayMs ?? backoffDelayMs)(entry.failures);
    entry.retry = setTimeout(() => {
      delete entry.retry;
      if (this.disposed || !this.modules.has(entry.id)) return;
      entry.started = this.startModule(entry).then(() => this.emit({ type: 'changed' }));
    }, delay);
    // A command that is done does not wait for a retry nobody needs.
    entry.retry.unref?.();
  }

  /**
   * A module that lost its service mid-session (a TPM that went away, pcscd
   * stopped: pkcs11-errors.ts says so with cause service-not-running or
   * service-lost) stays broken in the host that lost it: tpm2-pkcs11 keeps its
   * dead TPM connection until C_Initialize again. So the module is reported
   * failed and started afresh with the back-off (backoffDelayMs) until the
   * service answers again (issue 13).
   */
  private requestFailed(entry: ModuleEntry, error: ConclaveError): void {
    if (this.disposed || entry.status !== 'ready' || !this.modules.has(entry.id)) return;
    if (error.details.cause !== 'service-not-running' && error.details.cause !== 'service-lost') return;
    const lost = entry.tokens;
    entry.status = 'failed';
    entry.error = { code: 'unavailable', message: `${error.message.replace(/ Conclave tries again by itself\.$/, '')} Conclave starts the module again by itself once it answers.`, details: { ...error.details } };
    entry.tokens = [];
    for (const token of lost) this.emit({ type: 'removed', token: this.describeToken(entry, token) });
    this.emit({ type: 'changed' });
    entry.client.restart(error);
    this.scheduleRetry(entry);
  }

  private hostExited(entry: ModuleEntry, reason: string): void {
    if (this.disposed || !this.modules.has(entry.id)) return;
    const lost = entry.tokens;
    entry.status = 'failed';
    entry.error = { code: 'token-error', message: `${reason} Conclave starts it again shortly.` };
    entry.tokens = [];
    for (const token of lost) this.emit({ type: 'removed', token: this.describeToken(entry, token) });
    this.emit({ type: 'changed' });
    this.scheduleRetry(entry);
  }

  private tokensSeen(entry: ModuleEntry, tokens: SlotToken[], announce = true): void {
    const before = new Map(entry.tokens.map((token) => [tokenIdentity(token, entry.tokens), token]));
    const after = new Map(tokens.map((token) => [tokenIdentity(token, tokens), token]));
    entry.tokens = tokens;
    if (!announce) return;
    for (const [identity, token] of after) if (!before.has(identity)) this.emit({ type: 'inserted', token: this.describeToken(entry, token) });
    for (const [identity, token] of before) if (!after.has(identity)) this.emit({ type: 'removed', token: this.describeToken(entry, token) });
    this.emit({ type: 'changed' });
  }

  async removeModule(id: string): Promise<ModuleSource | undefined> {
    const entry = this.modules.get(id);
    if (!entry) return undefined;
    this.modules.delete(id);
    clearTimeout(entry.retry);
    this.emit({ type: 'changed' });
    await entry.client.dispose();
    return entry.source;
  }

  moduleSources(): ModuleSource[] {
    return [...this.modules.values()].map((entry) => entry.source);
  }

  hasModule(id: string): boolean {
    return this.modules.has(id);
  }

  /**
   * A token's URI: label, manufacturer, serial and model, and the slot where
   * another token of the module has the same serial and label (serials
   * repeat: every tpm2-pkcs11 token's is 0000000000000000), so that a URI
   * names one token.
   */
  private tokenUriOf(entry: ModuleEntry, token: SlotToken): Pkcs11Uri {
    const twin = entry.tokens.some((other) => other !== token && other.serial === token.serial && other.label === token.label && other.slotId !== token.slotId);
    return { token: token.label, manufacturer: token.manufacturer, serial: token.serial, model: token.model, ...(twin ? { slotId: token.slotId } : {}), modulePath: entry.source.path };
  }

  /** What Conclave knows of the module's family of tokens (host/families.ts), once the module has started. */
  private profileOf(module: ModuleEntry): FamilyProfile | undefined {
    return module.family ? profileOfFamily(module.family) : undefined;
  }

  private describeToken(entry: ModuleEntry, token: SlotToken): Token {
    const profile = this.profileOf(entry);
    const pin = readPinState(token.flags, profile);
    return {
      ...(profile?.pinFormat ? { pinFormat: profile.pinFormat } : {}),
      ...(profile?.keysAfterLogin ? { keysAfterLogin: true } : {}),
      ...(profile?.keygen === 'piv-slot' ? { keygen: 'piv-slot' as const } : {}),
      ...(pin.status === 'count-low' && pin.triesLeft !== undefined ? { pinTriesLeft: pin.triesLeft } : {}),
      uri: formatPkcs11Uri(this.tokenUriOf(entry, token)),
      moduleId: entry.id,
      slotId: token.slotId,
      label: token.label,
      manufacturer: token.manufacturer,
      model: token.model,
      serial: token.serial,
      loginRequired: (token.flags & pkcs11Flags.loginRequired) !== 0,
      protectedAuthenticationPath: (token.flags & pkcs11Flags.protectedAuthenticationPath) !== 0,
      pinStatus: pin.status,
    };
  }

  /**
   * What the token says about its PIN, as the token listing shows it: "PIN: 2
   * tries left" only where the family's flags stand for a number, "PIN: last
   * try", "PIN must be changed (how)" (issue 13). The contract's pinStatus
   * carries the status alone.
   */
  pinNoteOf(moduleId: string, slotId: number): string | undefined {
    const entry = this.modules.get(moduleId);
    const token = entry?.tokens.find((candidate) => candidate.slotId === slotId);
    if (!entry || !token) return undefined;
    const profile = this.profileOf(entry);
    const state = readPinState(token.flags, profile);
    const note = pinStateNote(state);
    return note && state.mustChange ? `${note} (${howToChangePin(profile, entry.source.path)})` : note;
  }

  snapshotModules(): TokenModule[] {
    return [...this.modules.values()].map((entry) => ({
      id: entry.id,
      label: entry.label,
      path: entry.source.path,
      kind: entry.kind,
      origin: entry.source.origin,
      status: entry.status,
      ...(entry.error ? { error: entry.error } : {}),
      ...(entry.library ? { library: entry.library } : {}),
      tokens: entry.tokens.map((token) => this.describeToken(entry, token)),
    }));
  }

  /**
   * Finds the one token a URI names; a module-path that Conclave has not
   * loaded yet is loaded for the occasion when it is one this machine uses
   * (refused otherwise, issue 12), and so are the modules the search (if
   * any) offers, nearest first, until one has the token.
   */
  async resolveToken(uriText: string): Promise<ResolvedToken> {
    this.assertOpen();
    const uri = parsePkcs11Uri(uriText);
    if (uri.modulePath && ![...this.modules.values()].some((entry) => samePath(entry.source.path, uri.modulePath!))) {
      const configured = await this.lookup(uri.modulePath);
      if (!configured) throw moduleNotAllowed(uri.modulePath);
      // The configured path is loaded, not the URI's: a link the URI names cannot lead elsewhere by the time the host starts.
      await this.addModule({
        path: configured.path,
        origin: configured.origin === 'added' ? 'added' : 'discovered',
        ...(configured.initParameters !== undefined ? { initParameters: configured.initParameters } : {}),
      });
    }
    // A module that another call is still starting counts once it has started.
    await Promise.all(this.candidatesOf(uri).map((entry) => entry.started));
    if (this.search && this.matchesOf(uri).length === 0) {
      for (const group of await this.search(uri)) {
        // A group is started as a whole (its hosts start side by side), and only when nothing before it has the token.
        await Promise.all(group.map((source) => this.addModule(source)));
        if (this.matchesOf(uri).length > 0) break;
      }
    }
    // Disposed meanwhile: the modules are gone, and the answer is that the service stopped, not that the token is missing.
    this.assertOpen();
    const candidates = this.candidatesOf(uri);
    const failed = candidates.find((entry) => entry.status === 'failed' && entry.error);
    const matches = this.matchesOf(uri);
    if (matches.length === 1) return matches[0]!;
    if (matches.length === 0) {
      if (failed && candidates.length === 1) throw new ConclaveError(failed.error!.code, failed.error!.message);
      const what = uri.token ? `token "${uri.token}"` : 'the token this URI names';
      throw new ConclaveError('token-not-found', `Conclave cannot find ${what}. Is it plugged in? "conclave tokens" lists every token Conclave sees.`);
    }
    throw new ConclaveError('token-not-found', `Several tokens match ${uriText}. Add serial=… to the URI to say which one (see "conclave tokens").`);
  }

  /** The loaded modules a URI's module-path and module-name allow. */
  private candidatesOf(uri: Pkcs11Uri): ModuleEntry[] {
    return [...this.modules.values()].filter(
      (entry) =>
        (!uri.modulePath || samePath(entry.source.path, uri.modulePath)) &&
        (!uri.moduleName || basename(entry.source.path).toLowerCase().includes(uri.moduleName.toLowerCase())),
    );
  }

  /** The tokens of the loaded modules that a URI names. */
  private matchesOf(uri: Pkcs11Uri): ResolvedToken[] {
    const matches: ResolvedToken[] = [];
    for (const module of this.candidatesOf(uri)) {
      for (const token of module.tokens) if (uriMatchesToken(uri, token)) matches.push({ module, token });
    }
    return matches;
  }

  private refOf(resolved: ResolvedToken): TokenRef {
    return { slotId: resolved.token.slotId, serial: resolved.token.serial, label: resolved.token.label };
  }

  private async describeKey(resolved: ResolvedToken, key: TokenObjectKey, spki: Uint8Array, certificate: Uint8Array | undefined): Promise<TokenKey> {
    const uri: Pkcs11Uri = { ...this.tokenUriOf(resolved.module, resolved.token), object: key.label, id: key.id };
    return {
      uri: formatPkcs11Uri(uri),
      label: key.label,
      id: toHex(key.id),
      type: keyTypeOfPublicKeyInfo(spki),
      publicKeyPem: publicKeyPem(spki),
      keyId: await keyIdOf(spki, nodeDigester),
      ...(certificate ? { certificatePem: toPem('CERTIFICATE', certificate) } : {}),
      hasPrivateKey: key.hasPrivateKey,
    };
  }

  /** Listings kept for keysListedOnce, by module and token serial. */
  private readonly keptListings = new Map<string, Promise<{ objects: TokenObjects; keys: ListedKey[]; unusable: UnusableKey[] }>>();

  /** The token's objects and keys as its host lists them (objectsFor), once per token where keysListedOnce allows. */
  private async keysOn(resolved: ResolvedToken, pin: PinInput | undefined): Promise<{ objects: TokenObjects; keys: ListedKey[]; unusable: UnusableKey[] }> {
    const list = async () => {
      const objects = await this.objectsFor(resolved, pin);
      return { objects, ...(await this.listedKeys(resolved, objects)) };
    };
    // A token that shows its keys only after login answers per login (objectsFor logs in): never kept.
    if (!this.options.keysListedOnce || this.profileOf(resolved.module)?.keysAfterLogin) return list();
    const key = `${resolved.module.id}\n${resolved.token.slotId}\n${resolved.token.serial}`;
    let kept = this.keptListings.get(key);
    if (!kept) {
      kept = list();
      this.keptListings.set(key, kept);
      kept.catch(() => this.keptListings.delete(key));
    }
    return kept;
  }

  /**
   * The keys Conclave can sign with, each with its certificate: the one that
   * certifies the key's public key (not merely one with its CKA_ID: a
   * YubiKey's attestation certificate shares the slot's id), and, for a key
   * whose token shows no public key object, the one certificate with its id.
   * Keys it cannot sign with (a curve it does not support) are kept apart,
   * so that asking for one says why.
   */
  private async listedKeys(resolved: ResolvedToken, objects: TokenObjects): Promise<{ keys: ListedKey[]; unusable: UnusableKey[] }> {
    const certificates = objects.certificates.map((certificate) => ({ certificate, spki: spkiOfCertificate(certificate) }));
    const keys: ListedKey[] = [];
    const unusable: UnusableKey[] = [];
    const usedCertificates = new Set<TokenCertificate>();
    for (const object of objects.keys) {
      let spki: Uint8Array | undefined;
      try {
        spki = object.publicKey ? publicKeyInfoFromToken(object.publicKey).spki : undefined;
      } catch (error) {
        if (!(error instanceof UnsupportedKeyError)) throw error;
        unusable.push({ labels: [object.label, ...object.aliases], id: toHex(object.id), why: whyUnusable(object.publicKey!) });
        continue;
      }
      let certificate: TokenCertificate | undefined;
      if (spki) {
        certificate = certificates.find((candidate) => candidate.spki && bytesEqual(candidate.spki, spki!) && !isAttestationCertificate(candidate.certificate))?.certificate;
      } else if (object.id.length > 0) {
        // No public key object (many smart cards): the one certificate with the key's id, attestation certificates aside.
        const withId = certificates.filter((candidate) => candidate.spki && bytesEqual(candidate.certificate.id, object.id) && !isAttestationCertificate(candidate.certificate));
        if (withId.length === 1) ({ certificate, spki } = { certificate: withId[0]!.certificate, spki: withId[0]!.spki });
      }
      if (!spki) continue; // a private key alone: nothing to show or verify with
      try {
        keyTypeOfPublicKeyInfo(spki);
      } catch (error) {
        if (!(error instanceof UnsupportedKeyError)) throw error;
        unusable.push({ labels: [object.label, ...object.aliases], id: toHex(object.id), why: 'a key type Conclave does not sign with' });
        continue;
      }
      if (certificate) usedCertificates.add(certificate);
      keys.push({ key: await this.describeKey(resolved, object, spki, certificate?.value), object, spki });
    }
    // A certificate no key object claims (its public key object was deleted, private keys hidden until login): a key known by its certificate.
    for (const { certificate, spki } of certificates) {
      if (!spki || usedCertificates.has(certificate) || isAttestationCertificate(certificate)) continue;
      if (keys.some((listed) => bytesEqual(listed.object.id, certificate.id) && listed.key.certificatePem === undefined)) continue;
      try {
        keyTypeOfPublicKeyInfo(spki);
      } catch {
        continue; // a certificate of a key Conclave does not sign with
      }
      const object: TokenObjectKey = { label: certificate.label, aliases: [], id: certificate.id, hasPrivateKey: objects.privateVisible ? false : null };
      keys.push({ key: await this.describeKey(resolved, object, spki, certificate.value), object, spki });
    }
    keys.sort((a, b) => a.key.label.localeCompare(b.key.label));
    return { keys, unusable };
  }

  async listKeys(tokenUri: string): Promise<TokenKey[]> {
    const resolved = await this.resolveToken(tokenUri);
    return (await this.listedKeys(resolved, await resolved.module.client.request({ op: 'listKeys', token: this.refOf(resolved) }))).keys.map((listed) => listed.key);
  }

  /** Checks the PIN and lists the keys as seen when logged in; the session is logged out and closed before this returns. */
  async login(tokenUri: string, pin: PinInput): Promise<TokenKey[]> {
    const resolved = await this.resolveToken(tokenUri);
    const objects = await this.withPin(resolved, pin, (bytes) => resolved.module.client.request({ op: 'login', token: this.refOf(resolved), pin: bytes }));
    return (await this.listedKeys(resolved, objects)).keys.map((listed) => listed.key);
  }

  /**
   * Makes a key pair; the URI's id=, when it has one, is the new key's CKA_ID (on a YubiKey, the PIV slot).
   * `pivSlot` names the slot instead, on a token that makes keys in PIV slots (then `pin` is its management key).
   */
  async generateKey(tokenUri: string, label: string, algorithm: KeyAlgorithm, pin: PinInput, pivSlot?: PivSlot): Promise<TokenKey> {
    const resolved = await this.resolveToken(tokenUri);
    // Listings kept by keysListedOnce no longer hold every key.
    this.keptListings.clear();
    const key = await this.withPin(resolved, pin, (bytes) => {
      // Inside withPin, so that a slot the token does not have still wipes the PIN.
      const id = pivSlot ? pivSlotKeyId(resolved.module.family, pivSlot) : parsePkcs11Uri(tokenUri).id;
      return resolved.module.client.request({ op: 'generateKey', token: this.refOf(resolved), pin: bytes, label, algorithm, ...(id && id.length > 0 ? { id } : {}) });
    });
    const [described] = (await this.listedKeys(resolved, { keys: [key], certificates: [], privateVisible: true })).keys;
    if (!described) throw new ConclaveError('token-error', 'The token made the key but Conclave cannot read its public key.');
    return described.key;
  }

  /**
   * Finds the key a URI names (by id, by label, or both). `pin`: on a token
   * that shows its keys only after login (a YubiHSM 2), the key is looked up
   * in a logged-in session; elsewhere it is not used (no login).
   */
  async resolveKey(keyUri: string, pin?: PinInput): Promise<{ resolved: ResolvedToken; key: TokenKey }> {
    const { resolved, listed } = await this.resolveListedKey(keyUri, pin);
    return { resolved, key: listed.key };
  }

  /** The token a URI names, as listed. */
  async describeTokenOf(uri: string): Promise<Token> {
    const { module, token } = await this.resolveToken(uri);
    return this.describeToken(module, token);
  }

  /** Whether the token a URI names shows its keys only after login (then resolveKey and listing want the PIN). */
  async keysNeedLogin(uri: string): Promise<boolean> {
    const { module } = await this.resolveToken(uri);
    return this.profileOf(module)?.keysAfterLogin === true;
  }

  /** The token's objects as a lookup sees them: logged in with `pin` where keys appear only then. */
  private async objectsFor(resolved: ResolvedToken, pin: PinInput | undefined): Promise<TokenObjects> {
    const profile = this.profileOf(resolved.module);
    if (profile?.keysAfterLogin) {
      if (pin === undefined) {
        throw new ConclaveError('pin-required', `Token "${resolved.token.label}" (${profile.name}) shows its keys only after login: give its PIN${profile.pinFormat ? `, ${profile.pinFormat}` : ''}.`);
      }
      return this.withPin(resolved, pin, (bytes) => resolved.module.client.request({ op: 'login', token: this.refOf(resolved), pin: bytes }));
    }
    return resolved.module.client.request({ op: 'listKeys', token: this.refOf(resolved) });
  }

  /**
   * The key's attestation (issue 13), read without a PIN: the attestation
   * certificate that certifies the key's public key and carries Yubico's
   * firmware extension (ykcs11: "X.509 Certificate for PIV Attestation 9c",
   * the slot's CKA_ID), and the device's attestation certificate that issued
   * it (ykcs11: "X.509 Certificate for PIV Attestation", CKA_ID 25, slot f9,
   * yubico-piv-tool ykcs11/objects.c:118-124), both DER, for shared/attestation
   * to verify. Undefined when the token shows no such pair (no YubiKey, or
   * a token that shows its keys only after login).
   */
  async attestation(keyUri: string): Promise<{ certificate: Uint8Array; intermediate: Uint8Array } | undefined> {
    if (await this.keysNeedLogin(keyUri)) return undefined;
    const { listed, objects } = await this.resolveListedKey(keyUri);
    const attestations = objects.certificates.filter(isAttestationCertificate);
    const certificate = attestations.find((candidate) => {
      const spki = spkiOfCertificate(candidate);
      return spki !== undefined && bytesEqual(spki, listed.spki);
    });
    if (!certificate) return undefined;
    const issuer = issuerOfCertificate(certificate.value);
    const devices = attestations.filter((candidate) => candidate !== certificate && (bytesEqual(candidate.id, Uint8Array.of(25)) || (issuer !== undefined && subjectOfCertificate(candidate.value) === issuer)));
    const intermediate = devices.find((candidate) => issuer !== undefined && subjectOfCertificate(candidate.value) === issuer) ?? devices[0];
    return intermediate ? { certificate: certificate.value, intermediate: intermediate.value } : undefined;
  }

  private async resolveListedKey(keyUri: string, pin?: PinInput): Promise<{ resolved: ResolvedToken; listed: ListedKey; objects: TokenObjects }> {
    const uri = parsePkcs11Uri(keyUri);
    if (uri.object === undefined && uri.id === undefined) {
      throw new ConclaveError('uri-invalid', `${keyUri} names a token but not a key: add object=<label> or id=<CKA_ID>.`);
    }
    const resolved = await this.resolveToken(keyUri);
    const { objects, keys, unusable } = await this.keysOn(resolved, pin);
    const wantedId = uri.id ? toHex(uri.id) : undefined;
    // A label the family gives another object of the key, hidden until login (ykcs11's "Private key for …"): the public key's label.
    const profile = this.profileOf(resolved.module);
    const objectLabels = uri.object === undefined ? [] : [uri.object, ...[profile?.publicKeyLabelOf?.(uri.object)].filter((label): label is string => label !== undefined)];
    // The object may be named by any of its objects' labels (ykcs11 labels the private key "Private key for …").
    const named = (labels: string[], id: string) => (uri.object === undefined || objectLabels.some((label) => labels.includes(label))) && (wantedId === undefined || id === wantedId);
    const matches = keys.filter((listed) => named([listed.object.label, ...listed.object.aliases], listed.key.id));
    if (matches.length === 0) {
      const cannot = unusable.find((key) => named(key.labels, key.id));
      if (cannot) {
        throw new ConclaveError('key-type-unsupported', `The key ${uri.object ? `"${uri.object}"` : `with id ${wantedId}`} on token "${resolved.token.label}" is ${cannot.why}, which Conclave does not sign with. Use a key on P-256, P-384 or P-521, an RSA key of 2048 bits or more, or an Ed25519 key.`, { cause: 'curve-unsupported' });
      }
      throw new ConclaveError('key-not-found', `Token "${resolved.token.label}" has no key ${uri.object ? `labelled "${uri.object}"` : `with id ${wantedId}`}. "conclave keys" lists its keys.`);
    }
    if (matches.length > 1) {
      const distinctIds = new Set(matches.map((listed) => listed.key.id)).size === matches.length;
      throw new ConclaveError(
        'key-not-found',
        distinctIds
          ? `Several keys on token "${resolved.token.label}" match; add id=… to the URI to say which (see "conclave keys").`
          : `Several keys on token "${resolved.token.label}" are labelled "${uri.object ?? ''}" and have the same id (or none), so no URI can name one of them. Give them distinct labels or ids with the token's own tool.`,
      );
    }
    return { resolved, listed: matches[0]!, objects };
  }

  async sign(keyUri: string, data: Uint8Array, pin: PinInput, scheme?: SignatureScheme): Promise<SignResult> {
    const { signatures, ...rest } = await this.signMany(keyUri, [data], pin, scheme);
    return { ...rest, signature: signatures[0]! };
  }

  /**
   * A hold for signMany: signatures made with it share one login, kept in the
   * token host between them (at most two minutes, and ended as soon as anyone
   * else logs in to the token), until `release`.
   */
  holdLogin(): LoginHold {
    const id = nextHoldId++;
    return {
      id,
      release: async () => {
        const held = this.holds.get(id);
        if (!held) return;
        this.holds.delete(id);
        clearTimeout(held.forget);
        await Promise.all([...held.modules].map((module) => module.client.request({ op: 'releaseHold', hold: id }).catch(() => undefined)));
      },
    };
  }

  /**
   * Holds with a login kept in a host: the modules to tell when released (and
   * when this service is disposed: no module is left with a logged-in session
   * when its host ends). The host ends a hold by itself after heldLoginMs;
   * the record here goes then too.
   */
  private readonly holds = new Map<number, { modules: Set<ModuleEntry>; forget: ReturnType<typeof setTimeout> }>();

  private holding(hold: LoginHold, module: ModuleEntry): void {
    const held = this.holds.get(hold.id) ?? { modules: new Set<ModuleEntry>(), forget: setTimeout(() => undefined, 0) };
    clearTimeout(held.forget);
    held.modules.add(module);
    held.forget = setTimeout(() => this.holds.delete(hold.id), heldLoginMs);
    held.forget.unref?.();
    this.holds.set(hold.id, held);
  }

  /** Several signatures with one login (one PIN prompt, one touch where the token allows it); with `hold`, the login is kept for the hold's next call. */
  async signMany(keyUri: string, messages: Uint8Array[], pin: PinInput, scheme?: SignatureScheme, hold?: LoginHold): Promise<{ signatures: Uint8Array[]; scheme: SignatureScheme; key: TokenKey }> {
    const { resolved, listed } = await this.resolveListedKey(keyUri, pin);
    const { object } = listed;
    if (hold) this.holding(hold, resolved.module);
    const result = await this.withPin(resolved, pin, (bytes) =>
      resolved.module.client.request({
        op: 'sign',
        token: this.refOf(resolved),
        pin: bytes,
        key: { id: object.id, label: object.label, ...(object.publicKey ? { publicKey: object.publicKey } : {}) },
        messages,
        ...(scheme ? { scheme } : {}),
        ...(hold ? { hold: hold.id } : {}),
      }),
    );
    return { ...result, key: listed.key };
  }

  /**
   * Runs one request with the PIN as bytes in a buffer of its own (issue
   * 12): moved to a host in a thread, copied through the channel to a host
   * process, and overwritten here when the request is over, whatever came
   * of it. The caller's own bytes or string are the caller's. A token with a
   * PIN pad logs in without a PIN (null); any other token needs one.
   */
  private async withPin<T>(resolved: ResolvedToken, pin: PinInput, request: (bytes: PinBytes) => Promise<T>): Promise<T> {
    if (pin === null && (resolved.token.flags & pkcs11Flags.protectedAuthenticationPath) === 0) {
      throw new ConclaveError('pin-required', `Token "${resolved.token.label}" needs its PIN.`);
    }
    const bytes = pin === null ? null : pinBytesOf(pin);
    try {
      return await request(bytes);
    } finally {
      // Moved to a thread, the buffer has left this side (empty, detached): the host overwrote it.
      if (bytes && bytes.byteLength > 0) bytes.fill(0);
    }
  }

  async initToken(moduleId: string, label: string, soPin: string, userPin: string): Promise<void> {
    this.assertOpen();
    const entry = this.modules.get(moduleId);
    if (!entry || entry.status !== 'ready') throw new ConclaveError('token-error', 'The module to make the token in is not ready.');
    this.keptListings.clear();
    await entry.client.request({ op: 'initToken', label, soPin, userPin });
    this.tokensSeen(entry, await entry.client.request({ op: 'listTokens' }));
  }

  /**
   * Stops every token host and resolves once their processes have ended.
   * Requests in flight fail with "cancelled"; every later call is refused
   * (nothing loads a module again, not even a URI's module-path).
   */
  dispose(): Promise<void> {
    if (!this.disposed) {
      for (const entry of this.modules.values()) clearTimeout(entry.retry);
      const clients = [...this.modules.values()].map((entry) => entry.client);
      // Kept logins end first (a logged-in session left in a module whose thread ends has crashed SoftHSM2 at exit), for a second at most.
      const releases = [...this.holds].flatMap(([id, held]) => {
        clearTimeout(held.forget);
        return [...held.modules].map((module) => module.client.request({ op: 'releaseHold', hold: id }).catch(() => undefined));
      });
      this.holds.clear();
      this.modules.clear();
      this.listeners.clear();
      const released = releases.length > 0 ? Promise.race([Promise.all(releases), new Promise<void>((resolve) => setTimeout(resolve, 1000).unref?.())]) : Promise.resolve();
      this.disposed = released.then(() => Promise.all(clients.map((client) => client.dispose()))).then(() => undefined);
    }
    return this.disposed;
  }
}

export function samePath(a: string, b: string): boolean {
  if (resolve(a) === resolve(b)) return true;
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

export function discoverInstalledModules(): ModuleSource[] {
  return discoverModules(existsSync, (path) => realpathSync(path)).map((known) => ({ path: known.path, origin: 'discovered', kind: known.kind, label: known.label }));
}

export type { TokensSnapshot };

/**
 * What names a token within its module: serial and label (serials repeat
 * across tokens: tpm2-pkcs11, NSS), and its slot only where both repeat
 * (SoftHSM2 may number its slots afresh when it rescans).
 */
function tokenIdentity(token: SlotToken, all: readonly SlotToken[]): string {
  const twin = all.some((other) => other !== token && other.serial === token.serial && other.label === token.label);
  return `${token.serial}\n${token.label}${twin ? `\n${token.slotId}` : ''}`;
}

/** A certificate's issuer and subject as Node prints them; undefined when it cannot be read. */
function issuerOfCertificate(der: Uint8Array): string | undefined {
  try {
    return new X509Certificate(der).issuer;
  } catch {
    return undefined;
  }
}

function subjectOfCertificate(der: Uint8Array): string | undefined {
  try {
    return new X509Certificate(der).subject;
  } catch {
    return undefined;
  }
}

function spkiOfCertificate(certificate: TokenCertificate): Uint8Array | undefined {
  try {
    return publicKeyInfoOfCertificate(certificate.value);
  } catch {
    return undefined; // not an X.509 certificate Conclave can read: it certifies nothing here
  }
}

/**
 * YubiKey PIV attestation certificates (ykcs11 shows them as "X.509
 * Certificate for PIV Attestation 9c", with the slot's CKA_ID) certify the
 * slot's key, but are issued by the device, not to the signer: they carry
 * Yubico's firmware-version extension 1.3.6.1.4.1.41482.3.3 (Yubico, "PIV
 * attestation"), which shared/attestation reads. Found by that extension's
 * DER OID bytes.
 */
const yubicoFirmwareExtension = Uint8Array.from([0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0xc4, 0x0a, 0x03, 0x03]);
/**
 * YubiHSM 2 attestation certificates (yubihsm-shell sign-attestation-certificate,
 * stored by a person as an opaque X.509 object with the key's id, which
 * yubihsm_pkcs11 shows as the key's certificate) carry firmware version
 * 1.3.6.1.4.1.41482.4.1 (developers.yubico.com/YubiHSM2/Concepts/Attestation.html).
 */
const yubiHsmFirmwareExtension = Uint8Array.from([0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0xc4, 0x0a, 0x04, 0x01]);

function containsBytes(value: Uint8Array, wanted: Uint8Array): boolean {
  outer: for (let start = 0; start + wanted.length <= value.length; start++) {
    for (let index = 0; index < wanted.length; index++) if (value[start + index] !== wanted[index]) continue outer;
    return true;
  }
  return false;
}

function isAttestationCertificate(certificate: TokenCertificate): boolean {
  if (containsBytes(certificate.value, yubicoFirmwareExtension) || containsBytes(certificate.value, yubiHsmFirmwareExtension)) return true;
  return /attestation/i.test(certificate.label);
}

/** Why a key's public key cannot be used, as a person reads it: "an EC key on the curve secp256k1". */
function whyUnusable(publicKey: TokenPublicKey): string {
  if (publicKey.kind === 'rsa') return 'an RSA key Conclave cannot read';
  const curve = curveOfEcParams(publicKey.ecParams);
  return `${publicKey.kind === 'ec' ? 'an EC' : 'an Edwards-curve'} key on the curve ${curve.name}`;
}
