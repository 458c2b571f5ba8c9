/**
 * A small in-process registry for what docker-registry 2.8 cannot show: the
 * OCI 1.1 referrers API (with the OCI-Subject header), ETag/If-Match on
 * manifest writes, and hooks that let another writer step in between our
 * read and our write. Only the distribution API calls Conclave makes.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface FakeRegistryOptions {
  referrersApi: boolean;
  /** Honour If-Match on manifest PUTs (412 when the tag moved). */
  ifMatch: boolean;
}

interface StoredManifest {
  bytes: Buffer;
  mediaType: string;
}

export interface FakeRegistry {
  host: string;
  url: string;
  blobs: Map<string, Buffer>;
  /** `repo@digest` → manifest. */
  manifests: Map<string, StoredManifest>;
  /** `repo:tag` → digest. */
  tags: Map<string, string>;
  /** Every request, as `METHOD path`. */
  log: string[];
  /** Runs before a manifest PUT is handled; removed once it returns true. */
  beforeManifestPut: ((repository: string, reference: string) => boolean) | undefined;
  /** Runs after a manifest PUT was stored; removed once it returns true. */
  afterManifestPut: ((repository: string, reference: string) => boolean) | undefined;
  /** Serve this response instead for a path, e.g. a redirect. */
  overrides: Map<string, (response: ServerResponse) => void>;
  storeManifest(repository: string, reference: string, bytes: Buffer, mediaType: string): string;
  close(): Promise<void>;
}

const digestOf = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

function body(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

export async function startFakeRegistry(options: FakeRegistryOptions): Promise<FakeRegistry> {
  const fake = {
    blobs: new Map<string, Buffer>(),
    manifests: new Map<string, StoredManifest>(),
    tags: new Map<string, string>(),
    log: [] as string[],
    beforeManifestPut: undefined as FakeRegistry['beforeManifestPut'],
    afterManifestPut: undefined as FakeRegistry['afterManifestPut'],
    overrides: new Map<string, (response: ServerResponse) => void>(),
    storeManifest(repository: string, reference: string, bytes: Buffer, mediaType: string): string {
      const digest = digestOf(bytes);
      fake.manifests.set(`${repository}@${digest}`, { bytes, mediaType });
      if (!reference.startsWith('sha256:')) fake.tags.set(`${repository}:${reference}`, digest);
      return digest;
    },
  };

  const resolve = (repository: string, reference: string) => {
    const digest = reference.startsWith('sha256:') ? reference : fake.tags.get(`${repository}:${reference}`);
    const stored = digest ? fake.manifests.get(`${repository}@${digest}`) : undefined;
    return stored && digest ? { digest, ...stored } : undefined;
  };

  const referrers = (repository: string, subject: string) => {
    const manifests = [];
    for (const [key, stored] of fake.manifests) {
      if (!key.startsWith(`${repository}@`)) continue;
      const parsed = JSON.parse(stored.bytes.toString('utf8')) as { subject?: { digest: string }; artifactType?: string; config?: { mediaType: string }; annotations?: Record<string, string> };
      if (parsed.subject?.digest !== subject) continue;
      manifests.push({ mediaType: stored.mediaType, digest: key.slice(repository.length + 1), size: stored.bytes.length, artifactType: parsed.artifactType ?? parsed.config?.mediaType, ...(parsed.annotations ? { annotations: parsed.annotations } : {}) });
    }
    return { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests };
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://fake');
    const method = request.method ?? 'GET';
    fake.log.push(`${method} ${url.pathname}`);
    const override = fake.overrides.get(url.pathname);
    if (override) return override(response);
    if (url.pathname === '/v2/') return response.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    let match = /^\/v2\/(.+)\/blobs\/uploads\/([^/]*)$/.exec(url.pathname);
    if (match) {
      const [, repository, id] = match;
      if (method === 'POST') return response.writeHead(202, { Location: `/v2/${repository}/blobs/uploads/${randomUUID()}` }).end();
      if (method === 'PUT' && id) {
        const bytes = await body(request);
        const digest = url.searchParams.get('digest');
        if (digest !== digestOf(bytes)) return response.writeHead(400).end('{"errors":[{"code":"DIGEST_INVALID"}]}');
        fake.blobs.set(digest, bytes);
        return response.writeHead(201, { 'Docker-Content-Digest': digest }).end();
      }
    }
    match = /^\/v2\/(.+)\/(blobs|manifests|referrers)\/([^/]+)$/.exec(url.pathname);
    if (!match) return response.writeHead(404).end();
    const [, repository = '', kind, reference = ''] = match;
    if (kind === 'blobs') {
      const blob = fake.blobs.get(reference);
      if (!blob) return response.writeHead(404).end();
      response.writeHead(200, { 'Content-Length': blob.length, 'Docker-Content-Digest': reference });
      return response.end(method === 'HEAD' ? undefined : blob);
    }
    if (kind === 'referrers') {
      if (!options.referrersApi) return response.writeHead(404).end('404 page not found');
      return response.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.index.v1+json' }).end(JSON.stringify(referrers(repository, reference)));
    }
    if (method === 'PUT') {
      if (fake.beforeManifestPut?.(repository, reference)) fake.beforeManifestPut = undefined;
      const bytes = await body(request);
      const current = resolve(repository, reference);
      const ifMatch = request.headers['if-match'];
      if (options.ifMatch && ifMatch !== undefined && (!current || ifMatch !== `"${current.digest}"`)) return response.writeHead(412).end();
      const mediaType = request.headers['content-type'] ?? 'application/vnd.oci.image.manifest.v1+json';
      const digest = fake.storeManifest(repository, reference, bytes, mediaType);
      const subject = (JSON.parse(bytes.toString('utf8')) as { subject?: { digest: string } }).subject?.digest;
      if (fake.afterManifestPut?.(repository, reference)) fake.afterManifestPut = undefined;
      return response.writeHead(201, { 'Docker-Content-Digest': digest, ...(options.referrersApi && subject ? { 'OCI-Subject': subject } : {}) }).end();
    }
    const stored = resolve(repository, reference);
    if (!stored) return response.writeHead(404, { 'Content-Type': 'application/json' }).end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}');
    response.writeHead(200, {
      'Content-Type': stored.mediaType,
      'Content-Length': stored.bytes.length,
      'Docker-Content-Digest': stored.digest,
      ...(options.ifMatch ? { ETag: `"${stored.digest}"` } : {}),
    });
    return response.end(method === 'HEAD' ? undefined : stored.bytes);
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch(() => response.writeHead(500).end());
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return Object.assign(fake, {
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((done) => server.close(() => done())),
  });
}
