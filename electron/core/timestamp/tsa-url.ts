/**
 * Where Conclave sends time-stamp requests: https, or plain http only to this
 * machine (a local TSA or a test) unless the caller allows it explicitly. A
 * time stamp verifies on its own, but over plain http anyone on the path sees
 * which signatures are being made, and can block or delay them.
 */
import { TimestampError } from '../../../shared/timestamp/errors';

function isLoopback(hostname: string): boolean {
  if (hostname === 'localhost' || hostname === '[::1]') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

export function checkTsaUrl(text: string, allowHttp = false): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new TimestampError('timestamp-url-invalid', `"${text.slice(0, 200)}" is not a URL. Put the time-stamping authority's URL in the policy, e.g. https://tsa.example.org/tsr.`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new TimestampError('timestamp-url-invalid', 'The time-stamping URL carries a user name or password; Conclave does not send credentials to a TSA. Remove them from the URL in the policy.');
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && (allowHttp || isLoopback(url.hostname))) return url;
  if (url.protocol === 'http:') {
    throw new TimestampError(
      'timestamp-url-invalid',
      `The time-stamping authority at ${url.href} would be reached over plain http, which Conclave uses only on this machine. Use its https URL in the policy.`,
    );
  }
  throw new TimestampError('timestamp-url-invalid', `The time-stamping URL ${url.href} is not http(s). Put the TSA's https URL in the policy.`);
}
