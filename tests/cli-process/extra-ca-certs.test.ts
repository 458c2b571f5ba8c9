/**
 * `conclave` run as a command starts Node without NODE_EXTRA_CA_CERTS (Node
 * 20 parses it, with its whole CA store, as every process starts: 40–70 ms
 * of each command, issue 11) and adds those CAs to its own https
 * connections when it makes them (electron/core/http/trusted-fetch.ts). What
 * a person who set the variable relies on must not change: a registry whose
 * certificate only that CA issued is reached, one it did not issue is
 * refused, and everything the command starts gets the variable as given.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodes } from '../../electron/cli/exit-codes';
import { generateCeremonies } from '../support/generate-ceremonies';
import { builtCli, conclave, hangBoundMs, type Run } from './support';
import { inheritedEnvironment } from '../support/environment';

const built = existsSync(builtCli);

describe.skipIf(!built)('NODE_EXTRA_CA_CERTS, with conclave run as a command', () => {
  let dir: string;
  let server: Server;
  let registry: string;
  /** Requests the registry received: each one means a TLS handshake that trusted its certificate. */
  const requests: string[] = [];
  let env: Record<string, string>;
  let otherCa: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'conclave-extra-ca-'));
    const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    const ca = (name: string) => openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-subj', `/CN=${name}`, '-days', '2']);
    ca('registry-ca');
    ca('other-ca');
    openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'registry.key', '-out', 'registry.csr', '-subj', '/CN=localhost']);
    writeFileSync(join(dir, 'san.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
    openssl(['x509', '-req', '-in', 'registry.csr', '-CA', 'registry-ca.crt', '-CAkey', 'registry-ca.key', '-CAcreateserial', '-out', 'registry.crt', '-days', '2', '-extfile', 'san.cnf']);
    otherCa = join(dir, 'other-ca.crt');

    // A registry that has nothing: every answer is the registry API's "unknown manifest".
    server = createServer({ key: readFileSync(join(dir, 'registry.key')), cert: readFileSync(join(dir, 'registry.crt')) }, (request, response) => {
      requests.push(`${request.method} ${request.url}`);
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    registry = `localhost:${typeof address === 'object' && address ? address.port : 0}`;

    const { policyDocument } = await generateCeremonies(join(dir, 'store'), 1);
    writeFileSync(join(dir, 'policy.json'), JSON.stringify(policyDocument));
    const inherited = inheritedEnvironment((name) => name === 'NODE_EXTRA_CA_CERTS');
    env = { ...inherited, CONCLAVE_HOME: join(dir, 'home'), CONCLAVE_STORE: join(dir, 'store') };
  }, 60_000);

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  const verifyImage = async (extraCas: string | undefined, asCommand: boolean): Promise<{ run: Run; reached: boolean }> => {
    const before = requests.length;
    const run = await conclave(['verify', '--policy', join(dir, 'policy.json'), `oci://${registry}/acme/app@sha256:${'ab'.repeat(32)}`], { ...env, ...(extraCas ? { NODE_EXTRA_CA_CERTS: extraCas } : {}) }, { asCommand });
    expect(run.hung, run.err).toBe(false);
    expect(run.leftovers).toEqual([]);
    return { run, reached: requests.length > before };
  };

  it("reaches a registry that the variable's CA vouches for", async () => {
    const { run, reached } = await verifyImage(join(dir, 'registry-ca.crt'), true);
    expect(reached, run.err).toBe(true);
    expect(run.err).not.toMatch(/TLS certificate was not accepted/);
    // Reached, and the registry has no such image: a check that failed, not a usage error or a crash.
    expect(run.code, run.err).toBe(exitCodes.refused);
  }, hangBoundMs);

  it('reaches it the same way run as node bin/conclave.js (Node reads the variable itself)', async () => {
    const { run, reached } = await verifyImage(join(dir, 'registry-ca.crt'), false);
    expect(reached, run.err).toBe(true);
    expect(run.code, run.err).toBe(exitCodes.refused);
  }, hangBoundMs);

  it('refuses the registry when the variable names another CA, or none', async () => {
    for (const extraCas of [otherCa, undefined]) {
      const { run, reached } = await verifyImage(extraCas, true);
      expect(reached, `NODE_EXTRA_CA_CERTS=${extraCas}: ${run.err}`).toBe(false);
      expect(run.err).toMatch(/TLS certificate was not accepted/);
      // Not reached: the registry could not be talked to, as for any registry that cannot be reached.
      expect(run.code).toBe(exitCodes.unavailable);
    }
  }, hangBoundMs * 2);

  it('gives what it starts the variable as given, and nothing of its own (git, through sync)', async () => {
    const seen = join(dir, 'seen-by-git');
    const runEnv = { ...env, NODE_EXTRA_CA_CERTS: join(dir, 'registry-ca.crt'), GIT_SSH_COMMAND: `sh -c 'env > "${seen}"; exit 1'` };
    expect((await conclave(['remote', 'add', 'ssh://example.invalid/store.git'], runEnv, { asCommand: true })).code).toBe(0);
    const sync = await conclave(['sync', '--timeout', '20'], runEnv, { asCommand: true });
    expect(sync.hung).toBe(false);
    const variables = readFileSync(seen, 'utf8').split('\n');
    expect(variables).toContain(`NODE_EXTRA_CA_CERTS=${join(dir, 'registry-ca.crt')}`);
    expect(variables.filter((line) => line.startsWith('CONCLAVE_DEFERRED'))).toEqual([]);
  }, hangBoundMs * 2);

  it('passes every argument through as given, spaces and quotes included', async () => {
    const run = await conclave(['digest', join(dir, "a file's name")], env, { asCommand: true });
    expect(run.err).toContain("a file's name");
  }, hangBoundMs);
});
