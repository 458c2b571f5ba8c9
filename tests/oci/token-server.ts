/**
 * A tiny token server for docker-registry's `auth: token:` mode
 * (distribution's token authentication spec): it checks Basic credentials
 * and returns an ES256 JWT whose x5c header carries a self-signed
 * certificate (made with openssl) that the registry trusts as its
 * rootcertbundle. Anonymous requests get a token with no access.
 */
import { execFileSync } from 'node:child_process';
import { createPrivateKey, randomBytes, sign, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { freePort } from '../support/registry';

export interface TokenServer {
  realm: string;
  service: string;
  issuer: string;
  rootCertBundle: string;
  /** Each token request: the scopes asked for and the user, when one signed in. */
  requests: { scopes: string[]; user: string | undefined }[];
  close(): Promise<void>;
}

const base64url = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url');

/** `pullOnly` users are signed in but get no push, as a read-only account; `refreshTokens` are identity tokens by user. */
export async function startTokenServer(dir: string, users: Record<string, string>, pullOnly: readonly string[] = [], refreshTokens: Record<string, string> = {}): Promise<TokenServer> {
  const keyPath = join(dir, 'token.key');
  const certPath = join(dir, 'token.crt');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyPath, '-out', certPath, '-days', '2', '-subj', '/CN=conclave-test-token'], { stdio: 'pipe' });
  const key = createPrivateKey(readFileSync(keyPath));
  const certDer = new X509Certificate(readFileSync(certPath)).raw;
  const service = 'conclave-test-registry';
  const issuer = 'conclave-test-issuer';
  const requests: TokenServer['requests'] = [];

  const answer = (request: IncomingMessage, response: ServerResponse, form: URLSearchParams | undefined) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const scopes = (form ?? url.searchParams).getAll('scope').flatMap((scope) => scope.split(' '));
    let user: string | undefined;
    const header = request.headers.authorization;
    if (form) {
      // OAuth2 refresh-token grant, as Docker sends for an identity token.
      user = Object.entries(refreshTokens).find(([, token]) => form.get('grant_type') === 'refresh_token' && form.get('refresh_token') === token)?.[0];
      if (user === undefined) {
        response.writeHead(401, { 'Content-Type': 'application/json' }).end('{"details":"invalid refresh token"}');
        return;
      }
    } else if (header?.startsWith('Basic ')) {
      const [name, ...rest] = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':');
      if (name === undefined || users[name] !== rest.join(':')) {
        response.writeHead(401, { 'Content-Type': 'application/json' }).end('{"details":"incorrect username or password"}');
        return;
      }
      user = name;
    }
    requests.push({ scopes, user });
    const now = Math.floor(Date.now() / 1000);
    // Signed-in users get what they ask for; anonymous ones nothing.
    const access = user === undefined ? [] : scopes.map((scope) => {
      const [type, name, actions] = scope.split(':');
      return { type, name, actions: (actions ?? '').split(',').filter((action) => action === 'pull' || !pullOnly.includes(user)) };
    });
    const head = base64url(JSON.stringify({ alg: 'ES256', typ: 'JWT', x5c: [certDer.toString('base64')] }));
    const claims = base64url(JSON.stringify({ iss: issuer, sub: user ?? '', aud: service, exp: now + 300, nbf: now - 5, iat: now, jti: randomBytes(8).toString('hex'), access }));
    const signature = base64url(sign('sha256', Buffer.from(`${head}.${claims}`), { key, dsaEncoding: 'ieee-p1363' }));
    response.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(form ? { access_token: `${head}.${claims}.${signature}`, expires_in: 300 } : { token: `${head}.${claims}.${signature}`, expires_in: 300 }));
  };
  const server: Server = createServer((request, response) => {
    if (request.method !== 'POST') return answer(request, response, undefined);
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => answer(request, response, new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    rootCertBundle: certPath,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
