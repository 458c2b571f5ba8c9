/**
 * The distribution API of one registry: manifests, blobs and the referrers
 * API, with authentication answered as challenged. Every manifest and blob
 * read is hashed and compared with the digest it was asked for or claims.
 */
import { OciError } from '../../../shared/oci/errors';
import { isSha256Digest } from '../../../shared/oci/digest';
import { limits, manifestAccept, mediaTypes } from '../../../shared/oci/media-types';
import { registryApiHost } from '../../../shared/oci/reference';
import { anyManifestSchema, imageIndexSchema, registryErrorsSchema, type ImageIndex } from '../../../shared/oci/schemas';
import { isPlainHttpAllowed } from '../../../shared/oci/transport-rule';
import { parseChallenge } from '../../../shared/oci/www-authenticate';
import { JsonError, parseJsonBytes } from '../../../shared/json/parse';
import { Authenticator } from './auth';
import { digestOf } from './hash';
import { discard, idleTimeoutFrom, readLimited, send, type SendContext } from './http';
import type { OciOptions } from './options';

export type Access = 'pull' | 'push';

export interface FetchedManifest {
  bytes: Uint8Array;
  /** sha256 of exactly the bytes received. */
  digest: string;
  mediaType: string;
  size: number;
  /** The registry's ETag, for If-Match on the next write. */
  etag: string | undefined;
}

export interface ManifestHead {
  digest: string | undefined;
  mediaType: string | undefined;
  size: number | undefined;
}

/** A manifest PUT that lost a race (If-Match no longer true). */
export class PreconditionFailed extends Error {
  override readonly name = 'PreconditionFailed';
}

/** Registry text shown to people: one line, no control characters, short. */
function clean(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').slice(0, 200);
}

function bareMediaType(contentType: string | null): string | undefined {
  const value = contentType?.split(';')[0]?.trim();
  return value ? value : undefined;
}

export function parseJsonDocument(bytes: Uint8Array, what: string): unknown {
  try {
    return parseJsonBytes(bytes, { maxBytes: limits.manifestBytes });
  } catch (error) {
    if (error instanceof JsonError) throw new OciError('oci-registry-error', error.about(what));
    throw error;
  }
}

export class RegistryClient {
  private readonly context: SendContext;
  private readonly auth: Authenticator;
  private base: Promise<string> | undefined;

  constructor(
    /** The registry as named in references: `docker.io`, `ghcr.io`, `127.0.0.1:5000`. */
    readonly registry: string,
    options: OciOptions,
  ) {
    this.context = {
      registry,
      insecureRegistries: options.insecureRegistries ?? [],
      userAgent: options.userAgent ?? 'conclave',
      idleTimeoutMs: options.idleTimeoutMs ?? idleTimeoutFrom(options.env ?? process.env),
      ...(options.signal ? { signal: options.signal } : {}),
    };
    this.auth = new Authenticator(registry, options, this.context);
  }

  /**
   * https://host, or http://host for a registry that may use plain HTTP and
   * does not speak TLS (tried in that order, as Docker does for insecure
   * registries; the answer is kept for this client).
   */
  private baseUrl(): Promise<string> {
    this.base ??= (async () => {
      const host = registryApiHost(this.registry);
      const secure = `https://${host}`;
      if (!isPlainHttpAllowed(this.registry, this.context.insecureRegistries)) return secure;
      try {
        await discard(await send(new URL(`${secure}/v2/`), { method: 'GET' }, this.context));
        return secure;
      } catch (error) {
        if (!(error instanceof OciError) || error.code !== 'oci-unreachable') throw error;
        const plain = `http://${host}`;
        try {
          await discard(await send(new URL(`${plain}/v2/`), { method: 'GET' }, this.context));
        } catch {
          throw error; // neither answered: the HTTPS failure (say, an untrusted certificate) is the one to fix
        }
        return plain;
      }
    })();
    // A failed probe is not remembered: the next call tries again.
    this.base.catch(() => (this.base = undefined));
    return this.base;
  }

  /** One authenticated request: a challenge is answered and the request sent once more. */
  async request(method: string, target: string | URL, init: { repository: string; access: Access; headers?: Record<string, string>; body?: Uint8Array }): Promise<Response> {
    const base = await this.baseUrl();
    const url = typeof target === 'string' ? new URL(`${base}${target}`) : target;
    // An upload URL may point at other storage: credentials go only to the registry itself.
    const ours = url.origin === new URL(base).origin;
    const scope = `repository:${init.repository}:${init.access === 'push' ? 'pull,push' : 'pull'}`;
    const attempt = (authorization: string | undefined) =>
      send(url, { method, headers: { ...init.headers, ...(authorization && ours ? { Authorization: authorization } : {}) }, ...(init.body ? { body: init.body } : {}) }, this.context);

    const sent = this.auth.cachedHeader(scope);
    let response = await attempt(sent);
    if (response.status === 401) {
      await discard(response);
      if (sent) this.auth.forget(scope);
      const header = await this.auth.answer(parseChallenge(response.headers.get('www-authenticate')), scope);
      response = await attempt(header);
      if (response.status === 401) {
        await discard(response);
        this.auth.forget(scope);
        const credentials = await this.auth.hasCredentials();
        const again = parseChallenge(response.headers.get('www-authenticate'));
        if (credentials && again?.scheme === 'bearer' && again.error === 'insufficient_scope') throw this.denied(init.repository, init.access);
        throw this.auth.unauthorized(credentials);
      }
    }
    if (response.status === 403) {
      await discard(response);
      throw this.denied(init.repository, init.access);
    }
    return response;
  }

  private denied(repository: string, access: Access): OciError {
    return new OciError(
      'oci-denied',
      access === 'push'
        ? `${this.registry} does not let these credentials write to ${repository}. Sign in as someone who may push there (docker login ${this.registry}).`
        : `${this.registry} does not let these credentials read ${repository}. Sign in as someone who may pull it (docker login ${this.registry}).`,
    );
  }

  /** An error for an answer we did not expect, with the registry's own error code when it gave one. */
  async unexpected(response: Response, what: string): Promise<OciError> {
    let detail = '';
    try {
      const body = registryErrorsSchema.safeParse(parseJsonBytes(await readLimited(response, 64 * 1024, 'The error'), { maxBytes: 64 * 1024 }));
      const first = body.success ? body.data.errors[0] : undefined;
      if (first) detail = ` (${clean(first.code)}${first.message ? `: ${clean(first.message)}` : ''})`;
    } catch {
      await discard(response);
    }
    if (response.status === 429) return new OciError('oci-registry-error', `${this.registry} is limiting requests (HTTP 429) while ${what}; wait a while and try again.`);
    if (response.status === 404) return new OciError('oci-not-found', `${this.registry} answered "not found" while ${what}${detail}. Check the repository name, or push the image first.`);
    return new OciError('oci-registry-error', `${this.registry} answered HTTP ${response.status} while ${what}${detail}.`);
  }

  /** GETs a manifest (at most 4 MiB); undefined when the registry has none by that reference. */
  async getManifest(repository: string, reference: string, accept = manifestAccept): Promise<FetchedManifest | undefined> {
    const response = await this.request('GET', `/v2/${repository}/manifests/${reference}`, { repository, access: 'pull', headers: { Accept: accept } });
    if (response.status === 404) {
      await discard(response);
      return undefined;
    }
    if (response.status !== 200) throw await this.unexpected(response, `reading the manifest ${repository}:${reference}`);
    const bytes = await readLimited(response, limits.manifestBytes, `The manifest ${repository}@${reference}`);
    const digest = digestOf(bytes);
    const claimed = response.headers.get('docker-content-digest');
    if (isSha256Digest(reference) && digest !== reference) {
      throw new OciError('oci-digest-mismatch', `${this.registry} sent a manifest for ${repository}@${reference} whose bytes hash to ${digest}. The registry or something between is corrupting content; nothing from it was used.`);
    }
    if (claimed !== null && claimed.startsWith('sha256:') && claimed !== digest) {
      throw new OciError('oci-digest-mismatch', `${this.registry} says ${repository}:${reference} is ${claimed}, but the bytes it sent hash to ${digest}. Nothing from it was used; check the registry (or a proxy in between).`);
    }
    const declared = anyManifestSchema.safeParse(parseJsonDocument(bytes, `The manifest ${repository}:${reference}`));
    if (!declared.success) throw new OciError('oci-registry-error', `${this.registry} sent a manifest for ${repository}:${reference} that is not a manifest.`);
    const mediaType = declared.data.mediaType ?? bareMediaType(response.headers.get('content-type')) ?? mediaTypes.ociManifest;
    return { bytes, digest, mediaType, size: bytes.length, etag: response.headers.get('etag') ?? undefined };
  }

  /** HEADs a manifest; undefined when absent. */
  async headManifest(repository: string, reference: string): Promise<ManifestHead | undefined> {
    const response = await this.request('HEAD', `/v2/${repository}/manifests/${reference}`, { repository, access: 'pull', headers: { Accept: manifestAccept } });
    await discard(response);
    if (response.status === 404) return undefined;
    if (response.status !== 200) throw await this.unexpected(response, `looking up ${repository}:${reference}`);
    const length = Number(response.headers.get('content-length') ?? '');
    return {
      digest: response.headers.get('docker-content-digest') ?? undefined,
      mediaType: bareMediaType(response.headers.get('content-type')),
      size: Number.isInteger(length) && length > 0 ? length : undefined,
    };
  }

  /** PUTs a manifest by tag or digest; returns the registry's OCI-Subject header (set by registries with the referrers API). */
  async putManifest(repository: string, reference: string, bytes: Uint8Array, mediaType: string, ifMatch?: string): Promise<{ digest: string; subject: string | undefined }> {
    const digest = digestOf(bytes);
    const response = await this.request('PUT', `/v2/${repository}/manifests/${reference}`, {
      repository,
      access: 'push',
      headers: { 'Content-Type': mediaType, ...(ifMatch ? { 'If-Match': ifMatch } : {}) },
      body: bytes,
    });
    if (response.status === 412) {
      await discard(response);
      throw new PreconditionFailed(`${repository}:${reference} changed since it was read`);
    }
    if (response.status !== 201 && response.status !== 200) throw await this.unexpected(response, `writing the manifest ${repository}:${reference}`);
    await discard(response);
    const stored = response.headers.get('docker-content-digest');
    if (stored !== null && stored !== digest) throw new OciError('oci-digest-mismatch', `${this.registry} stored the manifest for ${repository}:${reference} as ${stored}, not as the ${digest} Conclave sent.`);
    return { digest, subject: response.headers.get('oci-subject') ?? undefined };
  }

  async hasBlob(repository: string, digest: string, access: Access = 'pull'): Promise<boolean> {
    const response = await this.request('HEAD', `/v2/${repository}/blobs/${digest}`, { repository, access });
    await discard(response);
    if (response.status === 200) return true;
    if (response.status === 404) return false;
    throw await this.unexpected(response, `looking up the blob ${digest} in ${repository}`);
  }

  /** Uploads a blob unless the repository already has it: content-addressed, invisible until a manifest names it. */
  async pushBlob(repository: string, bytes: Uint8Array): Promise<{ digest: string; size: number }> {
    const digest = digestOf(bytes);
    if (await this.hasBlob(repository, digest, 'push')) return { digest, size: bytes.length };
    const start = await this.request('POST', `/v2/${repository}/blobs/uploads/`, { repository, access: 'push' });
    const location = start.headers.get('location');
    if (start.status !== 202 || location === null) throw await this.unexpected(start, `starting an upload to ${repository}`);
    await discard(start);
    const url = new URL(location, `${await this.baseUrl()}/v2/${repository}/blobs/uploads/`);
    url.searchParams.set('digest', digest);
    const done = await this.request('PUT', url, { repository, access: 'push', headers: { 'Content-Type': 'application/octet-stream' }, body: bytes });
    if (done.status !== 201) throw await this.unexpected(done, `uploading the blob ${digest} to ${repository}`);
    await discard(done);
    const stored = done.headers.get('docker-content-digest');
    if (stored !== null && stored !== digest) throw new OciError('oci-digest-mismatch', `${this.registry} stored a blob as ${stored}, not as the ${digest} Conclave uploaded.`);
    return { digest, size: bytes.length };
  }

  /** GETs a blob of at most `max` bytes and checks that it hashes to its digest. */
  async getBlob(repository: string, digest: string, max: number, what: string): Promise<Uint8Array> {
    const response = await this.request('GET', `/v2/${repository}/blobs/${digest}`, { repository, access: 'pull' });
    if (response.status !== 200) throw await this.unexpected(response, `reading ${what} (${digest}) in ${repository}`);
    const bytes = await readLimited(response, max, what);
    const actual = digestOf(bytes);
    if (actual !== digest) {
      throw new OciError('oci-digest-mismatch', `${what} in ${this.registry}/${repository} should be ${digest}, but the bytes the registry sent hash to ${actual}. It was refused: the registry's content was changed or damaged.`);
    }
    return bytes;
  }

  /**
   * The referrers API (distribution-spec 1.1): the index of manifests whose
   * subject is this digest, or undefined when the registry does not offer
   * the API (it answers 404, or another client error, for the unknown path).
   */
  async getReferrers(repository: string, digest: string): Promise<ImageIndex | undefined> {
    const response = await this.request('GET', `/v2/${repository}/referrers/${digest}`, { repository, access: 'pull', headers: { Accept: mediaTypes.ociIndex } });
    if (response.status >= 400 && response.status < 500) {
      await discard(response);
      return undefined;
    }
    if (response.status !== 200) throw await this.unexpected(response, `listing what refers to ${digest}`);
    const bytes = await readLimited(response, limits.manifestBytes, `The referrers list of ${repository}@${digest}`);
    const index = imageIndexSchema.safeParse(parseJsonDocument(bytes, `The referrers list of ${repository}@${digest}`));
    if (!index.success) throw new OciError('oci-registry-error', `${this.registry} answered the referrers API for ${repository}@${digest} with something that is not an image index.`);
    return index.data;
  }
}
