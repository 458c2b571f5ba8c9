/**
 * Docker credential helpers (docker/docker-credential-helpers protocol):
 * `docker-credential-<name> get`, the server URL on stdin, JSON
 * {Username, Secret} on stdout. What they print is a secret: it is never
 * put in a message.
 */
import { spawn } from 'node:child_process';
import { OciError } from '../../../shared/oci/errors';
import { credentialHelperOutputSchema } from '../../../shared/oci/schemas';
import { JsonError, parseJsonText } from '../../../shared/json/parse';
import type { RegistryCredentials } from './docker-config';

const helperNamePattern = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const maxOutput = 64 * 1024;

interface HelperResult {
  code: number | null;
  stdout: string;
  notFound: boolean;
}

function run(program: string, serverUrl: string, env: NodeJS.ProcessEnv): Promise<HelperResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, ['get'], { env, stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (stdout.length < maxOutput) stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      if (stderr.length < maxOutput) stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, notFound: /credentials not found/i.test(stdout + stderr) }));
    child.stdin.on('error', () => undefined); // a helper that exits without reading stdin
    child.stdin.end(serverUrl);
  });
}

/** Asks a helper for one registry's credentials; undefined when it has none. */
export async function credentialsFromHelper(name: string, serverUrl: string, env: NodeJS.ProcessEnv): Promise<RegistryCredentials | undefined> {
  const program = `docker-credential-${name}`;
  if (!helperNamePattern.test(name)) throw new OciError('oci-credentials-invalid', `The Docker config names a credential helper "${name}", which is not a valid helper name; fix credsStore or credHelpers in config.json.`);
  let result: HelperResult;
  try {
    result = await run(program, serverUrl, env);
  } catch (error) {
    const missing = (error as { code?: unknown }).code === 'ENOENT';
    throw new OciError(
      'oci-credentials-invalid',
      missing
        ? `The Docker config says to get credentials from ${program}, but it is not installed (not on PATH). Install it, or remove it from credsStore/credHelpers in config.json and run docker login again.`
        : `Conclave could not run the credential helper ${program}.`,
    );
  }
  if (result.notFound) return undefined;
  if (result.code !== 0) throw new OciError('oci-credentials-invalid', `The credential helper ${program} failed (exit code ${String(result.code)}). Check it with: echo ${serverUrl} | ${program} get`);
  let output;
  try {
    output = credentialHelperOutputSchema.safeParse(parseJsonText(result.stdout, { maxBytes: maxOutput }));
  } catch (error) {
    if (!(error instanceof JsonError)) throw error;
    output = undefined;
  }
  if (!output?.success) throw new OciError('oci-credentials-invalid', `The credential helper ${program} printed something other than {"Username", "Secret"} JSON.`);
  const { Username: username, Secret: secret } = output.data;
  if (secret === '') return undefined;
  // Docker's convention: the user name "<token>" marks an identity (refresh) token.
  return username === '<token>' ? { kind: 'identity-token', token: secret } : { kind: 'basic', username, password: secret };
}
