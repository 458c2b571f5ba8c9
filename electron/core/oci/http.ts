/**
 * One HTTP exchange with a registry (or its token server, or the storage it
 * redirects to): the transport rule, redirects followed by hand so
 * credentials never travel to another origin, network failures turned into
 * coded errors, and bodies read with a size cap.
 */
import { OciError } from '../../../shared/oci/errors';
import { checkTransport, insecureRefused, isPlainHttpAllowed } from '../../../shared/oci/transport-rule';
import { readCappedBody } from '../http/capped-body';
import { IdleTimeoutError, idleDeadline } from '../http/idle-deadline';
import { trustedFetch } from '../http/trusted-fetch';
export { idleTimeoutFrom } from '../http/idle-deadline';

export interface SendContext {
  /** The registry as the person named it, for messages. */
  registry: string;
  insecureRegistries: readonly string[];
  userAgent: string;
  /** How long a registry may send nothing (no headers, no body byte) before the request is given up. */
  idleTimeoutMs: number;
  /** Aborts every request of this client: the window's Cancel, a command's overall deadline. */
  signal?: AbortSignal;
}


const maxRedirects = 5;

/** Codes and texts Node's fetch (undici, OpenSSL) gives when TLS meets a plain-HTTP server. */
function isPlainHttpAnswer(error: unknown): boolean {
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  const text = `${String(cause?.code ?? '')} ${String(cause?.message ?? '')}`;
  return /wrong version number|ERR_SSL_WRONG_VERSION_NUMBER|packet length too long/i.test(text);
}

function describeNetworkError(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  const code = typeof cause?.code === 'string' ? cause.code : '';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'its name does not resolve (check the spelling and your DNS)';
  if (code === 'ECONNREFUSED') return 'nothing is listening there (is the registry running, on this port?)';
  if (code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') return 'the connection timed out';
  if (code === 'ECONNRESET') return 'the connection was reset';
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/i.test(code)) return `its TLS certificate was not accepted (${code}); add the registry's CA to NODE_EXTRA_CA_CERTS`;
  return code !== '' ? `the connection failed (${code})` : 'the connection failed';
}

/**
 * Sends one request, following redirects. `Authorization` is sent only to
 * the URL's own origin: a redirect to blob storage elsewhere gets none.
 */
export async function send(url: URL, init: { method: string; headers?: Record<string, string>; body?: Uint8Array }, context: SendContext): Promise<Response> {
  let current = url;
  let method = init.method;
  let body = init.body;
  const origin = url.origin;
  for (let hop = 0; ; hop++) {
    checkTransport(current, context.registry, context.insecureRegistries);
    const headers: Record<string, string> = { 'User-Agent': context.userAgent, ...init.headers };
    if (current.origin !== origin) delete headers.Authorization;
    let response: Response;
    const deadline = idleDeadline(context.idleTimeoutMs, context.signal);
    try {
      response = deadline.watch(await trustedFetch(current, { method, headers, ...(body !== undefined ? { body } : {}), redirect: 'manual', signal: deadline.signal }));
    } catch (error) {
      deadline.clear();
      if (context.signal?.aborted) throw new OciError('oci-cancelled', `Cancelled: nothing more was asked of ${current.host}.`);
      if (deadline.timedOut) throw new OciError('oci-unreachable', `The registry ${current.host} stopped answering (nothing for ${context.idleTimeoutMs / 1000} s); try again later.`);
      // Where plain HTTP is allowed the registry client retries over http itself; elsewhere, say why not.
      if (current.protocol === 'https:' && isPlainHttpAnswer(error) && !isPlainHttpAllowed(current.host, context.insecureRegistries)) throw insecureRefused(current.host);
      throw new OciError('oci-unreachable', `Conclave could not reach the registry ${current.host}: ${describeNetworkError(error)}.`);
    }
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && response.status !== 304 && location !== null) {
      await discard(response);
      if (hop >= maxRedirects) throw new OciError('oci-registry-error', `${context.registry} redirected more than ${maxRedirects} times; Conclave stopped following.`);
      current = new URL(location, current);
      if (response.status === 303) {
        method = method === 'HEAD' ? 'HEAD' : 'GET';
        body = undefined;
      }
      continue;
    }
    return response;
  }
}

/** Frees the connection of a response whose body we do not need. */
export async function discard(response: Response): Promise<void> {
  try {
    await response.body?.cancel();
  } catch {
    // nothing to free
  }
}

function describeSize(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MiB` : `${bytes} bytes`;
}

/** Reads a body of at most `max` bytes; a larger one is cut off and refused, so a hostile registry cannot fill memory. */
export async function readLimited(response: Response, max: number, what: string): Promise<Uint8Array> {
  try {
    return await readCappedBody(response, max, () => new OciError('oci-too-large', `${what} is larger than the ${describeSize(max)} Conclave reads from a registry; it was not read.`));
  } catch (error) {
    throw bodyFailure(error, what);
  }
}

/** A body that stopped arriving (the idle deadline) or was cancelled, as the error a person reads. */
export function bodyFailure(error: unknown, what: string): unknown {
  const reason = error instanceof Error && error.cause instanceof IdleTimeoutError ? error.cause : error;
  if (reason instanceof IdleTimeoutError) return new OciError('oci-unreachable', `${what} stopped arriving (nothing for ${reason.idleMs / 1000} s); try again later.`);
  if (error instanceof Error && error.name === 'AbortError') return new OciError('oci-cancelled', `Cancelled while reading ${what}.`);
  return error;
}
