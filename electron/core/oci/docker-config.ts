/**
 * Credentials as people already have them: Docker's config.json (`docker
 * login`, podman and crane write the same file), its `auths`, `credHelpers`
 * and `credsStore`.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { OciError } from '../../../shared/oci/errors';
import { dockerConfigSchema, type DockerConfig } from '../../../shared/oci/schemas';
import { dockerHub } from '../../../shared/oci/reference';
import { JsonError, parseJsonText } from '../../../shared/json/parse';
import { credentialsFromHelper } from './credential-helper';
import type { OciOptions } from './options';

export type RegistryCredentials = { kind: 'basic'; username: string; password: string } | { kind: 'identity-token'; token: string };

/** Docker Hub's credentials are stored under its old index URL. */
const dockerHubServer = 'https://index.docker.io/v1/';
const dockerHubNames = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

export function dockerConfigPath(options: OciOptions): string {
  const env = options.env ?? process.env;
  const dir = options.dockerConfigDir ?? env.DOCKER_CONFIG ?? join(options.homeDir ?? homedir(), '.docker');
  return join(dir, 'config.json');
}

async function readDockerConfig(path: string): Promise<DockerConfig | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return undefined;
    throw new OciError('oci-credentials-invalid', `Conclave could not read ${path} (${String((error as { code?: unknown }).code ?? 'error')}); check its permissions.`);
  }
  let parsed;
  try {
    parsed = dockerConfigSchema.safeParse(parseJsonText(text, { maxBytes: 1024 * 1024 }));
  } catch (error) {
    if (!(error instanceof JsonError)) throw error;
    throw new OciError('oci-credentials-invalid', `${error.about(path)} Fix it, or run docker login again.`);
  }
  if (!parsed.success) throw new OciError('oci-credentials-invalid', `${path} does not have the shape Docker writes (auths, credHelpers, credsStore); fix it or run docker login again.`);
  return parsed.data;
}

/** `https://ghcr.io/v1/` → `ghcr.io`: config keys are written with and without scheme and path. */
function keyHost(key: string): string {
  return key
    .replace(/^[a-z]+:\/\//i, '')
    .split('/')[0]!
    .toLowerCase();
}

function sameRegistry(key: string, registry: string): boolean {
  const host = keyHost(key);
  return registry === dockerHub ? dockerHubNames.has(host) : host === registry.toLowerCase();
}

function fromAuthEntry(entry: NonNullable<DockerConfig['auths']>[string]): RegistryCredentials | undefined {
  if (entry.identitytoken) return { kind: 'identity-token', token: entry.identitytoken };
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) throw new OciError('oci-credentials-invalid', 'An "auth" entry in the Docker config is not base64 of user:password; run docker login again.');
    return { kind: 'basic', username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (entry.username && entry.password) return { kind: 'basic', username: entry.username, password: entry.password };
  return undefined;
}

/**
 * The credentials for one registry, looked up in Docker's order: the
 * registry's own credential helper, then a stored `auths` entry, then the
 * default store (credsStore).
 */
export async function findCredentials(registry: string, options: OciOptions): Promise<RegistryCredentials | undefined> {
  const config = await readDockerConfig(dockerConfigPath(options));
  if (!config) return undefined;
  const env = options.env ?? process.env;
  const serverUrl = registry === dockerHub ? dockerHubServer : registry;
  const helper = Object.entries(config.credHelpers ?? {}).find(([key]) => sameRegistry(key, registry))?.[1];
  if (helper) return credentialsFromHelper(helper, serverUrl, env);
  for (const [key, entry] of Object.entries(config.auths ?? {})) {
    if (!sameRegistry(key, registry)) continue;
    const credentials = fromAuthEntry(entry);
    if (credentials) return credentials;
  }
  if (config.credsStore) return credentialsFromHelper(config.credsStore, serverUrl, env);
  return undefined;
}
