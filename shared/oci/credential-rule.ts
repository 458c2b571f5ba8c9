/**
 * Where a registry's stored credentials may go (issue 12): to the registry
 * itself, and to a token server on another host only when the person allowed
 * that host and it is reached over HTTPS (or on this machine). A registry
 * cannot send them elsewhere by naming another host as its token realm.
 * Pure: no Node.
 */
import { dockerHub, dockerHubApiHost, hostName } from './reference';
import { isLoopbackHost } from './transport-rule';

/** Token servers of well-known registries, allowed without asking: Docker Hub answers tokens at auth.docker.io. */
const wellKnownRealms: Readonly<Record<string, readonly string[]>> = {
  [dockerHub]: ['auth.docker.io'],
  [dockerHubApiHost]: ['auth.docker.io'],
  'index.docker.io': ['auth.docker.io'],
};

/** The hosts the person allowed as token servers: the option, plus CONCLAVE_TOKEN_REALMS (comma or space separated). */
export function allowedTokenRealms(option: readonly string[] | undefined, environment: string | undefined): string[] {
  return [...(option ?? []), ...(environment ?? '').split(/[\s,]+/)].map((entry) => entry.trim().toLowerCase().replace(/^[a-z]+:\/\//, '').replace(/\/.*$/, '')).filter(Boolean);
}

/** Whether the token realm at `realm` may receive the credentials stored for `registry`. */
export function realmMayReceiveCredentials(realm: { protocol: string; host: string }, registry: string, allowed: readonly string[]): boolean {
  const realmHost = realm.host.toLowerCase();
  // The registry's own host and port: the same server that asked (the transport rule still decides http or https).
  if (realmHost === registry.toLowerCase()) return true;
  const permitted = [...(wellKnownRealms[registry.toLowerCase()] ?? []), ...allowed].some((entry) => entry === realmHost || (!/:\d+$/.test(entry) && entry === hostName(realmHost)));
  return permitted && (realm.protocol === 'https:' || isLoopbackHost(hostName(realmHost)));
}
