/**
 * When plain HTTP is allowed: only to this machine (loopback), or to a
 * registry the person named as insecure, as Docker's `insecure-registries`
 * does. Everything else is HTTPS with verified certificates.
 */
import { OciError } from './errors';
import { hostName } from './reference';

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** An entry names `host` (any port) or `host:port`; a scheme written in front is ignored. */
function normaliseEntry(entry: string): string {
  return entry
    .trim()
    .toLowerCase()
    .replace(/^[a-z]+:\/\//, '')
    .replace(/\/+$/, '');
}

export function isPlainHttpAllowed(registry: string, insecureRegistries: readonly string[] = []): boolean {
  const host = hostName(registry);
  if (isLoopbackHost(host)) return true;
  const full = registry.toLowerCase();
  return insecureRegistries.map(normaliseEntry).some((entry) => entry === full || (!hasPort(entry) && hostName(entry) === host));
}

function hasPort(entry: string): boolean {
  if (entry.startsWith('[')) return /^\[[^\]]*\]:\d+$/.test(entry);
  return /^[^:]+:\d+$/.test(entry);
}

export function insecureRefused(registry: string): OciError {
  return new OciError(
    'oci-insecure-refused',
    `${registry} answers only over plain HTTP, which anyone on the network can read and change. Use HTTPS for it, or, if it is a test registry you trust, allow it in Settings → Registries (in the window) or with --insecure-registry ${registry} (on the command line).`,
  );
}

/** Throws unless this URL (its protocol and host, as WHATWG URL gives them) may be fetched: https always, http only where allowed. */
export function checkTransport(url: { protocol: string; host: string }, registry: string, insecureRegistries: readonly string[] = []): void {
  if (url.protocol === 'https:') return;
  if (url.protocol === 'http:') {
    // A redirect may lead elsewhere: the rule applies to the host actually contacted.
    if (isPlainHttpAllowed(url.host, insecureRegistries)) return;
    throw insecureRefused(url.host);
  }
  throw new OciError('oci-registry-error', `${registry} sent Conclave to a ${url.protocol} address; only https (and http where allowed) is followed.`);
}
