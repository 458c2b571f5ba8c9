/**
 * One RFC 3161 exchange over HTTP (RFC 3161 §3.4): POST the DER query as
 * application/timestamp-query, read an application/timestamp-reply of bounded
 * size, all within a deadline. No redirects: a TSA URL is configured, not
 * discovered, and a redirect could downgrade https to http.
 */
import { TimestampError } from '../../../shared/timestamp/errors';
import { readCappedBody } from '../http/capped-body';
import { trustedFetch } from '../http/trusted-fetch';

export const defaultTimeoutMs = 15_000;
export const defaultMaxReplyBytes = 1024 * 1024;

// "application/timestamp-response" is the name some older TSAs still send for the same thing.
const replyTypes = ['application/timestamp-reply', 'application/timestamp-response'];

export interface PostQueryOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  maxReplyBytes?: number;
}

const checkUrlAdvice = 'Check the URL in the policy, or sign without trusted time if the policy allows it.';

function causeOf(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${cause.message}` : cause.message;
  }
  return String(cause);
}

function readCapped(response: Response, maxBytes: number, url: URL): Promise<Uint8Array> {
  return readCappedBody(
    response,
    maxBytes,
    () => new TimestampError('timestamp-malformed', `The time-stamping authority at ${url.href} answered with more than ${maxBytes} bytes; a time-stamp reply is a few kilobytes. ${checkUrlAdvice}`),
  );
}

/** The reply body (DER TimeStampResp, not yet read), or TimestampError. */
export async function postTimestampQuery(url: URL, query: Uint8Array, options: PostQueryOptions = {}): Promise<Uint8Array> {
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const cancelled = () => new TimestampError('timestamp-cancelled', 'Time-stamping was cancelled; the signature was not time-stamped.');
  const failed = (error: unknown): TimestampError => {
    if (error instanceof TimestampError) return error;
    if (options.signal?.aborted) return cancelled();
    if (timeout.aborted) {
      return new TimestampError('timestamp-unreachable', `The time-stamping authority at ${url.href} did not answer within ${timeoutMs / 1000} s. ${checkUrlAdvice}`);
    }
    return new TimestampError('timestamp-unreachable', `The time-stamping authority at ${url.href} did not answer (${causeOf(error)}). ${checkUrlAdvice}`);
  };
  if (options.signal?.aborted) throw cancelled();
  try {
    const response = await trustedFetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/timestamp-query', accept: replyTypes[0]! },
      body: query,
      redirect: 'error',
      signal,
    });
    if (!response.ok) {
      await response.body?.cancel();
      throw new TimestampError(
        'timestamp-unreachable',
        `The time-stamping authority at ${url.href} answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''} instead of a time stamp. ${checkUrlAdvice}`,
      );
    }
    const contentType = (response.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (!replyTypes.includes(contentType)) {
      await response.body?.cancel();
      throw new TimestampError(
        'timestamp-malformed',
        `The time-stamping authority at ${url.href} answered with ${contentType || 'no content type'}, not application/timestamp-reply: the URL is probably not its RFC 3161 endpoint. ${checkUrlAdvice}`,
      );
    }
    return await readCapped(response, options.maxReplyBytes ?? defaultMaxReplyBytes, url);
  } catch (error) {
    throw failed(error);
  }
}
