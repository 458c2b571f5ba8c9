/**
 * Answers a registry's WWW-Authenticate challenge: Basic with the stored
 * user and password, or Bearer with a token fetched from the realm (with
 * those credentials when there are any, anonymously otherwise), cached per
 * scope. Credentials are read once per client, only when a registry asks.
 */
import { homedir } from 'node:os';
import { sep } from 'node:path';
import { OciError } from '../../../shared/oci/errors';
import { tokenResponseSchema } from '../../../shared/oci/schemas';
import { allowedTokenRealms, realmMayReceiveCredentials } from '../../../shared/oci/credential-rule';
import type { Challenge } from '../../../shared/oci/www-authenticate';
import { JsonError, parseJsonBytes } from '../../../shared/json/parse';
import { dockerConfigPath, findCredentials, type RegistryCredentials } from './docker-config';
import { discard, readLimited, send, type SendContext } from './http';
import type { OciOptions } from './options';

interface CachedToken {
  header: string;
  expiresAt: number;
}

export class Authenticator {
  private credentials: Promise<RegistryCredentials | undefined> | undefined;
  private readonly tokens = new Map<string, CachedToken>();
  private basicHeader: string | undefined;
  /** The token server credentials were kept from, when a registry named one on another host that nobody allowed. */
  private withheldFrom: string | undefined;

  constructor(
    private readonly registry: string,
    private readonly options: OciOptions,
    private readonly context: SendContext,
  ) {}

  /** Whether credentials were found for this registry (after a challenge made us look). */
  async hasCredentials(): Promise<boolean> {
    return (await this.loadCredentials()) !== undefined;
  }

  /** The header to send before any challenge: a cached token for this scope, or Basic once the registry asked for it. */
  cachedHeader(scope: string): string | undefined {
    // A token that may push may also pull.
    for (const key of scope.endsWith(':pull') ? [scope, `${scope},push`] : [scope]) {
      const token = this.tokens.get(key);
      if (token && token.expiresAt > Date.now()) return token.header;
    }
    return this.basicHeader;
  }

  /** Forgets what was refused, so the one retry fetches afresh. */
  forget(scope: string): void {
    this.tokens.delete(scope);
  }

  /** The header answering this challenge. Throws OciError('oci-unauthorized') when we have nothing to answer with. */
  async answer(challenge: Challenge | undefined, scope: string): Promise<string> {
    if (challenge === undefined) throw new OciError('oci-registry-error', `${this.registry} asked for authentication in a way Conclave does not understand (no Basic or Bearer challenge).`);
    const credentials = await this.loadCredentials();
    if (challenge.scheme === 'basic') {
      if (credentials?.kind !== 'basic') throw this.unauthorized(false);
      this.basicHeader = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64')}`;
      return this.basicHeader;
    }
    const token = await this.fetchToken(challenge, scope, credentials);
    const header = `Bearer ${token.value}`;
    // The token spec's default lifetime is 60 s; renew a little early.
    this.tokens.set(scope, { header, expiresAt: Date.now() + Math.max(token.expiresIn - 10, 1) * 1000 });
    return header;
  }

  unauthorized(sentCredentials: boolean): OciError {
    if (this.withheldFrom !== undefined) {
      return new OciError(
        'oci-unauthorized',
        `${this.registry} sends sign-ins to a token server on another host, ${this.withheldFrom}, and Conclave did not send your credentials there. If ${this.withheldFrom} is your registry's own token server, allow it: CONCLAVE_TOKEN_REALMS=${this.withheldFrom} (it must use HTTPS).`,
      );
    }
    return new OciError(
      'oci-unauthorized',
      sentCredentials
        ? `${this.registry} refused the credentials Conclave found for it. Run docker login ${this.registry} again, or fix its entry in ${this.configPath()}.`
        : `${this.registry} needs you to sign in, and Conclave found no credentials for it. Run docker login ${this.registry}, or add credentials to ${this.configPath()}.`,
    );
  }

  /** The Docker config actually read, written with ~ for the home folder as people know it. */
  private configPath(): string {
    const path = dockerConfigPath(this.options);
    const home = this.options.homeDir ?? homedir();
    return home !== '' && path.startsWith(`${home}${sep}`) ? `~${path.slice(home.length)}` : path;
  }

  private loadCredentials(): Promise<RegistryCredentials | undefined> {
    this.credentials ??= findCredentials(this.registry, this.options);
    return this.credentials;
  }

  private async fetchToken(challenge: Extract<Challenge, { scheme: 'bearer' }>, scope: string, credentials: RegistryCredentials | undefined): Promise<{ value: string; expiresIn: number }> {
    let realm: URL;
    try {
      realm = new URL(challenge.realm);
    } catch {
      throw new OciError('oci-registry-error', `${this.registry} named a token server that is not a URL.`);
    }
    // A registry cannot send its credentials elsewhere by naming another host as its token server.
    const allowed = allowedTokenRealms(this.options.tokenRealms, (this.options.env ?? process.env).CONCLAVE_TOKEN_REALMS);
    if (credentials !== undefined && !realmMayReceiveCredentials(realm, this.registry, allowed)) {
      this.withheldFrom = realm.host;
      credentials = undefined;
    }
    // The registry's own scope says what this request needs; ours may ask for more (push) up front.
    const scopes = [...new Set([scope, ...(challenge.scope ? challenge.scope.split(' ') : [])])].filter((value) => value !== '');
    let response: Response;
    if (credentials?.kind === 'identity-token') {
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: credentials.token, client_id: 'conclave', ...(challenge.service ? { service: challenge.service } : {}) });
      form.set('scope', scopes.join(' '));
      response = await send(realm, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new TextEncoder().encode(form.toString()) }, this.context);
    } else {
      const url = new URL(realm);
      if (challenge.service) url.searchParams.set('service', challenge.service);
      for (const value of scopes) url.searchParams.append('scope', value);
      const headers: Record<string, string> = {};
      if (credentials?.kind === 'basic') headers.Authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64')}`;
      response = await send(url, { method: 'GET', headers }, this.context);
    }
    if (response.status === 401 || response.status === 403) {
      await discard(response);
      throw this.unauthorized(credentials !== undefined);
    }
    if (!response.ok) {
      await discard(response);
      throw new OciError('oci-registry-error', `The token server of ${this.registry} answered HTTP ${response.status}; try again later.`);
    }
    let parsed;
    try {
      parsed = tokenResponseSchema.safeParse(parseJsonBytes(await readLimited(response, 256 * 1024, `The token from ${this.registry}`), { maxBytes: 256 * 1024 }));
    } catch (error) {
      if (!(error instanceof JsonError)) throw error;
      parsed = undefined;
    }
    if (!parsed?.success) throw new OciError('oci-registry-error', `The token server of ${this.registry} answered without a token.`);
    return { value: parsed.data.token ?? parsed.data.access_token!, expiresIn: parsed.data.expires_in ?? 60 };
  }
}
