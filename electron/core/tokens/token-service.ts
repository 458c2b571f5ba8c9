/**
 * The token service: every PKCS#11 module Conclave knows (discovered, added by
 * the user, demo), each in a token host process of its own, and the verbs the
 * rest of Conclave uses (list, log in, generate, sign) with keys and tokens
 * named by PKCS#11 URIs.
 */
import { createHash } from 'node:crypto';
import { existsSync, realpathSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { ModuleKindName, Token, TokenKey, TokenModule, TokensSnapshot } from '../../../shared/api/contract';
import { ConclaveError, toErrorData, type ErrorData } from '../../../shared/errors';
import { toHex } from '../../../shared/encoding/hex';
import { toPem } from '../../../shared/encoding/pem';
import type { KeyAlgorithm } from '../../../shared/keys/algorithms';
import { publicKeyInfoOfCertificate } from '../../../shared/keys/certificate';
import { keyIdOf, keyTypeOfPublicKeyInfo, publicKeyInfoFromToken, publicKeyPem } from '../../../shared/keys/public-key-info';
import { nodeDigester } from '../crypto/node-crypto';
import { formatPkcs11Uri, parsePkcs11Uri, uriMatchesToken, type Pkcs11Uri } from '../../../shared/pkcs11/uri';
import { quoteForShell } from '../../../shared/cli/shell-command';
import { HostClient } from './host-client';
import type { HostLauncher } from './host-process';
import type { LibraryInfo, PinBytes, SignatureScheme, SlotToken, TokenObjectKey, TokenRef } from './host/protocol';
import { discoverModules, kindOfModulePath, labelOfKind } from './module-catalog';
import { pinBytesOf } from '../pin-bytes';
import * as pkcs11Flags from './token-flags';

export interface ModuleSource {
  path: string;
  origin: TokenModule['origin'];
  env?: Record<string, string>;
  label?: string;
  kind?: ModuleKindName;
  /** A fixed id (the demo module's is "demo"); otherwise derived from path and environment. */
  id?: string;
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
  tokens: SlotToken[];
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

export interface SignResult {
  signature: Uint8Array;
  scheme: SignatureScheme;
  key: TokenKey;
}

function moduleIdOf(source: ModuleSource): string {
  if (source.id) return source.id;
  const material = `${resolve(source.path)}\n${JSON.stringify(source.env ?? {})}`;
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
      client: new HostClient({
        modulePath: source.path,
        kind,
        label,
        env: { ...this.environment, ...source.env },
        launcher: this.launcher,
        onTokens: (tokens) => this.tokensSeen(entry, tokens),
        onExit: (reason) => this.hostExited(entry, reason),
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
      entry.library = await entry.client.start();
      entry.status = 'ready';
      delete entry.error;
      this.tokensSeen(entry, await entry.client.request({ op: 'listTokens' }), false);
    } catch (error) {
      entry.status = 'failed';
      entry.error = toErrorData(error);
      entry.tokens = [];
    }
  }

  private hostExited(entry: ModuleEntry, reason: string): void {
    if (this.disposed || !this.modules.has(entry.id)) return;
    const lost = entry.tokens;
    entry.status = 'failed';
    entry.error = { code: 'token-error', message: `${reason} Conclave is starting it again.` };
    entry.tokens = [];
    for (const token of lost) this.emit({ type: 'removed', token: this.describeToken(entry, token) });
    this.emit({ type: 'changed' });
    void this.startModule(entry).then(() => this.emit({ type: 'changed' }));
  }

  private tokensSeen(entry: ModuleEntry, tokens: SlotToken[], announce = true): void {
    const before = new Map(entry.tokens.map((token) => [token.serial, token]));
    const after = new Map(tokens.map((token) => [token.serial, token]));
    entry.tokens = tokens;
    if (!announce) return;
    for (const [serial, token] of after) if (!before.has(serial)) this.emit({ type: 'inserted', token: this.describeToken(entry, token) });
    for (const [serial, token] of before) if (!after.has(serial)) this.emit({ type: 'removed', token: this.describeToken(entry, token) });
    this.emit({ type: 'changed' });
  }

  async removeModule(id: string): Promise<ModuleSource | undefined> {
    const entry = this.modules.get(id);
    if (!entry) return undefined;
    this.modules.delete(id);
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

  private tokenUriOf(entry: ModuleEntry, token: SlotToken): Pkcs11Uri {
    return { token: token.label, manufacturer: token.manufacturer, serial: token.serial, model: token.model, modulePath: entry.source.path };
  }

  private describeToken(entry: ModuleEntry, token: SlotToken): Token {
    return {
      uri: formatPkcs11Uri(this.tokenUriOf(entry, token)),
      moduleId: entry.id,
      slotId: token.slotId,
      label: token.label,
      manufacturer: token.manufacturer,
      model: token.model,
      serial: token.serial,
      loginRequired: (token.flags & pkcs11Flags.loginRequired) !== 0,
      protectedAuthenticationPath: (token.flags & pkcs11Flags.protectedAuthenticationPath) !== 0,
      pinStatus:
        token.flags & pkcs11Flags.userPinLocked
          ? 'locked'
          : token.flags & pkcs11Flags.userPinFinalTry
            ? 'final-try'
            : token.flags & pkcs11Flags.userPinCountLow
              ? 'count-low'
              : 'ok',
    };
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
      await this.addModule({ path: configured.path, origin: configured.origin === 'added' ? 'added' : 'discovered' });
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
    return { slotId: resolved.token.slotId, serial: resolved.token.serial };
  }

  private async describeKey(resolved: ResolvedToken, key: TokenObjectKey): Promise<TokenKey | undefined> {
    let spki: Uint8Array;
    let type;
    try {
      if (key.publicKey) {
        ({ spki, type } = publicKeyInfoFromToken(key.publicKey));
      } else if (key.certificate) {
        spki = publicKeyInfoOfCertificate(key.certificate);
        type = keyTypeOfPublicKeyInfo(spki);
      } else {
        return undefined; // a private key alone: nothing to show or verify with
      }
    } catch {
      return undefined; // a curve or key type Conclave does not sign with
    }
    const uri: Pkcs11Uri = { ...this.tokenUriOf(resolved.module, resolved.token), object: key.label, id: key.id };
    return {
      uri: formatPkcs11Uri(uri),
      label: key.label,
      id: toHex(key.id),
      type,
      publicKeyPem: publicKeyPem(spki),
      keyId: await keyIdOf(spki, nodeDigester),
      ...(key.certificate ? { certificatePem: toPem('CERTIFICATE', key.certificate) } : {}),
      hasPrivateKey: key.hasPrivateKey,
    };
  }

  private async describeKeys(resolved: ResolvedToken, keys: TokenObjectKey[]): Promise<TokenKey[]> {
    const described = await Promise.all(keys.map((key) => this.describeKey(resolved, key)));
    return described.filter((key): key is TokenKey => key !== undefined).sort((a, b) => a.label.localeCompare(b.label));
  }

  async listKeys(tokenUri: string): Promise<TokenKey[]> {
    const resolved = await this.resolveToken(tokenUri);
    return this.describeKeys(resolved, await resolved.module.client.request({ op: 'listKeys', token: this.refOf(resolved) }));
  }

  /** Checks the PIN and lists the keys as seen when logged in; the session is logged out and closed before this returns. */
  async login(tokenUri: string, pin: PinInput): Promise<TokenKey[]> {
    const resolved = await this.resolveToken(tokenUri);
    const keys = await this.withPin(resolved, pin, (bytes) => resolved.module.client.request({ op: 'login', token: this.refOf(resolved), pin: bytes }));
    return this.describeKeys(resolved, keys);
  }

  async generateKey(tokenUri: string, label: string, algorithm: KeyAlgorithm, pin: PinInput): Promise<TokenKey> {
    const resolved = await this.resolveToken(tokenUri);
    const key = await this.withPin(resolved, pin, (bytes) => resolved.module.client.request({ op: 'generateKey', token: this.refOf(resolved), pin: bytes, label, algorithm }));
    const described = await this.describeKey(resolved, key);
    if (!described) throw new ConclaveError('token-error', 'The token made the key but Conclave cannot read its public key.');
    return described;
  }

  /** Finds the key a URI names (by id, by label, or both). */
  async resolveKey(keyUri: string): Promise<{ resolved: ResolvedToken; key: TokenKey }> {
    const uri = parsePkcs11Uri(keyUri);
    if (uri.object === undefined && uri.id === undefined) {
      throw new ConclaveError('uri-invalid', `${keyUri} names a token but not a key: add object=<label> or id=<CKA_ID>.`);
    }
    const resolved = await this.resolveToken(keyUri);
    const keys = await this.describeKeys(resolved, await resolved.module.client.request({ op: 'listKeys', token: this.refOf(resolved) }));
    const wantedId = uri.id ? toHex(uri.id) : undefined;
    const matches = keys.filter((key) => (uri.object === undefined || key.label === uri.object) && (wantedId === undefined || key.id === wantedId));
    if (matches.length === 0) {
      throw new ConclaveError('key-not-found', `Token "${resolved.token.label}" has no key ${uri.object ? `labelled "${uri.object}"` : `with id ${wantedId}`}. "conclave keys" lists its keys.`);
    }
    if (matches.length > 1) throw new ConclaveError('key-not-found', `Several keys on token "${resolved.token.label}" match; add id=… to the URI to say which.`);
    return { resolved, key: matches[0]! };
  }

  async sign(keyUri: string, data: Uint8Array, pin: PinInput, scheme?: SignatureScheme): Promise<SignResult> {
    const { signatures, ...rest } = await this.signMany(keyUri, [data], pin, scheme);
    return { ...rest, signature: signatures[0]! };
  }

  /** Several signatures with one login (one PIN prompt, one touch where the token allows it). */
  async signMany(keyUri: string, messages: Uint8Array[], pin: PinInput, scheme?: SignatureScheme): Promise<{ signatures: Uint8Array[]; scheme: SignatureScheme; key: TokenKey }> {
    const { resolved, key } = await this.resolveKey(keyUri);
    const result = await this.withPin(resolved, pin, (bytes) =>
      resolved.module.client.request({
        op: 'sign',
        token: this.refOf(resolved),
        pin: bytes,
        keyId: Uint8Array.from(Buffer.from(key.id, 'hex')),
        messages,
        ...(scheme ? { scheme } : {}),
      }),
    );
    return { ...result, key };
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
      const clients = [...this.modules.values()].map((entry) => entry.client);
      this.modules.clear();
      this.listeners.clear();
      this.disposed = Promise.all(clients.map((client) => client.dispose())).then(() => undefined);
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
