/**
 * Loading a CRL from a file or a URL, for shared/x509's chain validation.
 * Bounded: a size cap and a timeout, no redirects, and plain http only to
 * this machine (loopback), so a CRL fetch cannot be pointed at another
 * host without TLS or made to stream forever.
 */
import { open } from 'node:fs/promises';
import { CodedError } from '../../../shared/errors';
import type { ParsedCrl } from '../../../shared/x509/crl';
import { X509Error } from '../../../shared/x509/errors';
import { readCappedBody } from '../http/capped-body';
import { trustedFetch } from '../http/trusted-fetch';

export const crlLoadErrorCodes = [
  /** A URL Conclave does not fetch: not https (plain http only to loopback), or not a URL at all. */
  'crl-source-refused',
  /** The file could not be read. */
  'crl-unreadable',
  /** Larger than the cap. */
  'crl-too-large',
  /** The server could not be reached, answered with an error status, or redirected. */
  'crl-fetch-failed',
  /** No complete answer within the time allowed. */
  'crl-timeout',
  /** What was read is not a CRL (DER or PEM "X509 CRL"). */
  'crl-malformed',
] as const;
export type CrlLoadErrorCode = (typeof crlLoadErrorCodes)[number];

export class CrlLoadError extends CodedError<CrlLoadErrorCode> {
  override readonly name = 'CrlLoadError';
}

export type CrlSource = { file: string } | { url: string };

export interface LoadCrlOptions {
  /** Default 32 MiB: large enough for the CRL of a big public CA, small enough to hold in memory. */
  maxBytes?: number;
  /** For a URL, the whole request including the body. Default 30 seconds. */
  timeoutMs?: number;
}

export interface LoadedCrl {
  /** The CRL's DER (converted from PEM when it was PEM). */
  der: Uint8Array;
  crl: ParsedCrl;
}

const defaultMaxBytes = 32 * 1024 * 1024;
const defaultTimeoutMs = 30_000;

const megabytes = (bytes: number) => `${Math.round((bytes / 1024 / 1024) * 10) / 10} MiB`;

async function parse(bytes: Uint8Array, where: string): Promise<LoadedCrl> {
  // The CRL reader (asn1js, @peculiar's schemas) loads when a CRL is read, not with every command (issue 11).
  const { crlFromBytes } = await import('../../../shared/x509/crl');
  try {
    const crl = crlFromBytes(bytes);
    return { der: crl.der, crl };
  } catch (error) {
    if (error instanceof X509Error) throw new CrlLoadError('crl-malformed', `${where} is not a CRL: ${error.message}`);
    throw error;
  }
}

async function loadFile(path: string, maxBytes: number): Promise<LoadedCrl> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'there is no such file' : (error as Error).message;
    throw new CrlLoadError('crl-unreadable', `The CRL file ${path} could not be read (${reason}). Check the path and try again.`);
  }
  try {
    const { size } = await handle.stat();
    if (size > maxBytes) throw new CrlLoadError('crl-too-large', `The CRL file ${path} is ${megabytes(size)}, more than the ${megabytes(maxBytes)} Conclave reads. Check that it is the CA's CRL.`);
    return await parse(new Uint8Array(await handle.readFile()), `The file ${path}`);
  } finally {
    await handle.close();
  }
}

/** Loopback by address, or the name localhost: plain http goes nowhere else. */
function isLoopback(hostname: string, isIP: (host: string) => number): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return isIP(host) === 6 && host === '::1';
}

function checkUrl(text: string, isIP: (host: string) => number): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CrlLoadError('crl-source-refused', `"${text}" is not a URL. Give the CRL's https:// address or a file.`);
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && isLoopback(url.hostname, isIP)) return url;
  const why = url.protocol === 'http:' ? 'plain http is used only to this machine' : `${url.protocol} is not supported`;
  throw new CrlLoadError('crl-source-refused', `Conclave does not fetch the CRL at ${text}: ${why}. Use its https:// address, or download it and load the file.`);
}

function readCapped(response: Response, url: string, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  const size = declared > maxBytes ? megabytes(declared) : `over ${megabytes(maxBytes)}`;
  return readCappedBody(response, maxBytes, () => new CrlLoadError('crl-too-large', `The CRL at ${url} is ${size}, more than the ${megabytes(maxBytes)} Conclave reads. Check that the URL is the CA's CRL.`));
}

async function loadUrl(text: string, maxBytes: number, timeoutMs: number): Promise<LoadedCrl> {
  // node:net (and the socket code it brings) loads only when a CRL is fetched, not with every command that might (issue 11).
  const url = checkUrl(text, (await import('node:net')).isIP);
  try {
    // No redirects: a redirect could lead to plain http elsewhere; the CA's published URL is the one to use.
    const response = await trustedFetch(url, { redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    if (response.status !== 200) {
      await response.body?.cancel();
      const what = response.status >= 300 && response.status < 400 ? `redirected (HTTP ${response.status}), and Conclave does not follow redirects for CRLs` : `answered HTTP ${response.status}`;
      throw new CrlLoadError('crl-fetch-failed', `The server at ${text} ${what}. Check the CRL's URL (the CA certificate's CRL distribution point).`);
    }
    return await parse(await readCapped(response, text, maxBytes), `What ${text} sent`);
  } catch (error) {
    if (error instanceof CrlLoadError) throw error;
    if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
      throw new CrlLoadError('crl-timeout', `The CRL at ${text} did not arrive within ${Math.round(timeoutMs / 100) / 10} seconds. Check the network, or download it and load the file.`);
    }
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : error instanceof Error ? error.message : String(error);
    throw new CrlLoadError('crl-fetch-failed', `The CRL at ${text} could not be fetched (${cause}). Check the network and the URL.`);
  }
}

/** Load and parse a CRL. Throws CrlLoadError. The CRL is not yet trusted: chain validation checks its signature. */
export async function loadCrl(source: CrlSource, options: LoadCrlOptions = {}): Promise<LoadedCrl> {
  const maxBytes = options.maxBytes ?? defaultMaxBytes;
  if ('file' in source) return loadFile(source.file, maxBytes);
  return loadUrl(source.url, maxBytes, options.timeoutMs ?? defaultTimeoutMs);
}
