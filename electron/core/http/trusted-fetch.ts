/**
 * fetch for Conclave's own connections (registries, time-stamping
 * authorities, CRLs), trusting the CAs of NODE_EXTRA_CA_CERTS even when the
 * `conclave` command kept them from Node's start.
 *
 * Node 20 reads and parses NODE_EXTRA_CA_CERTS, with its whole built-in CA
 * store, as every process starts, whether or not it ever opens a TLS
 * connection: 40–70 ms of every command on a machine that sets it (measured
 * on a 2-core machine whose file is Debian's ca-certificates.crt), more than
 * a third of `conclave verify` (issue 11). So bin/conclave.js, run as a
 * command, starts Node without it and puts it straight back into the
 * environment (every process and thread the command starts sees it as
 * given), and records that Node's own store lacks it. Here an https
 * connection made in such a process gets those CAs added to Node's built-in
 * ones, which is what Node would have trusted had it read the variable
 * itself; anywhere else (the window, tests, `node bin/conclave.js`) this is
 * plain fetch.
 */
import { readFile } from 'node:fs/promises';
import type { Dispatcher } from 'undici';

/** Where bin/conclave.js records the file it kept from Node's start (a process-wide key: the CLI is bundled twice). */
const deferredKey = Symbol.for('conclave.deferred-extra-ca-certs');

/** The NODE_EXTRA_CA_CERTS file Node did not read as this process started, if any. */
export function deferredExtraCaFile(): string | undefined {
  const file = (globalThis as { [deferredKey]?: unknown })[deferredKey];
  return typeof file === 'string' && file !== '' ? file : undefined;
}

let dispatcher: Promise<Dispatcher> | undefined;

/** fetch, with the deferred CAs trusted for https (calls that follow no redirects by themselves: each URL decides). */
export async function trustedFetch(url: URL, init: RequestInit): Promise<Response> {
  const file = deferredExtraCaFile();
  if (url.protocol !== 'https:' || file === undefined) return fetch(url, init);
  dispatcher ??= extraCaDispatcher(file);
  // Node's own fetch is undici too; its typings (undici-types) name the same Dispatcher apart from the undici package's.
  return fetch(url, { ...init, dispatcher: (await dispatcher) as unknown as RequestInit['dispatcher'] });
}

/**
 * Connections that trust Node's built-in CAs and the file's, as Node does
 * with NODE_EXTRA_CA_CERTS. A file that cannot be read is warned about and
 * left out, as Node does (its connections then trust the built-in CAs only).
 */
async function extraCaDispatcher(file: string): Promise<Dispatcher> {
  // Loaded here, not with every command: node:tls brings Node's socket code, and undici is a large package.
  const [{ Agent }, { rootCertificates }, extra] = await Promise.all([
    import('undici'),
    import('node:tls'),
    readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      process.emitWarning(`Ignoring extra certs from \`${file}\`, load failed: ${error.code ?? error.message}`);
      return '';
    }),
  ]);
  return new Agent({ connect: { ca: extra === '' ? [...rootCertificates] : [...rootCertificates, extra] } });
}
