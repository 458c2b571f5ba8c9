/**
 * Error messages never quote the content of a file (issue 12, point 1). A
 * caller of the API (or of the command line) names a private file as a
 * policy, a ceremony bundle, provenance, an SBOM, a key, an envelope, a
 * Sigstore bundle, a CRL or a policy chain; whatever is wrong with it, the
 * answer names the file and the kind of problem and quotes none of it. A
 * GitHub-style token stands for the secret, written in every shape a private
 * file takes: plain text, YAML, JSON values, member names, cut-off JSON.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../electron/cli';
import type { CliIo } from '../../electron/cli/io';
import { dispatchCall } from '../../electron/core/api/dispatch';
import { createCore } from '../../electron/core/create-core';
import type { Core } from '../../electron/core';
import type { OpenInput } from '../../electron/core/ceremony/ceremony-service';
import { readBundleText } from '../../electron/core/ceremony/verification-material';
import { parseJsonText } from '../../shared/json/parse';
import { readProvenance } from '../../shared/evidence/provenance';
import { readSbom } from '../../shared/evidence/sbom';
import { makeTestKey } from '../support/test-keys';
import { makeWorld, type World } from '../repository/support/machines';
import { builtCli } from '../cli-process/support';

const bin = fileURLToPath(new URL('../../bin/conclave.js', import.meta.url));

/** 40 characters, as a GitHub token: long enough that no message could quote it by chance. */
const secret = `ghp_${randomBytes(18).toString('hex')}`;
/** Parts of it: JSON.parse cuts long strings short ("ghp_…"), so a part is as much a leak as the whole. */
const fragments = [secret, secret.slice(0, 10), secret.slice(4, 16), secret.slice(-10)];

/** A private file in each shape it may take; none is a policy, a bundle or evidence. */
const shapes: Record<string, string> = {
  'token.txt': `${secret}\n`,
  'hosts.yml': `github.com:\n    oauth_token: ${secret}\n    user: alice\n`,
  '.env': `GITHUB_TOKEN=${secret}\n`,
  'value.json': `{"token": "${secret}"}\n`,
  'cut.json': `{\n  "token": "${secret}`,
  'line-break.json': `{"token": "${secret}\n"}`,
  'member.json': `{"${secret}": true}`,
  'twice.json': `{"${secret}": 1, "${secret}": 2}`,
  'version.json': `{"version": "${secret}"}`,
  'fields.json': `{"version": 1, "threshold": "${secret}", "approvers": ["${secret}"]}`,
  'array.json': `["${secret}"]`,
  'after.json': `{"a": 1} ${secret}`,
  'key.pem': `-----BEGIN PUBLIC KEY-----\n${secret}\n-----END PUBLIC KEY-----\n`,
  'lines.jsonl': `{"payloadType": "${secret}"}\n${secret}\n`,
  'bundle-like.json': `{"mediaType": "${secret}", "dsseEnvelope": {"payload": "${secret}"}}`,
};

function expectNoSecret(text: string, where: string): void {
  for (const fragment of fragments) expect(text, `${where} quotes the file`).not.toContain(fragment);
}

let dir: string;
const paths: Record<string, string> = {};
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'conclave-file-content-'));
  const files = join(dir, 'private');
  mkdirSync(files);
  for (const [name, text] of Object.entries(shapes)) {
    paths[name] = join(files, name);
    writeFileSync(paths[name], text, { mode: 0o600 });
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the JSON reader', () => {
  it('says where the problem is and what kind it is, and quotes nothing', () => {
    for (const [name, text] of Object.entries(shapes)) {
      let message = '';
      try {
        parseJsonText(text);
      } catch (error) {
        message = (error as Error).message;
      }
      if (message === '') continue; // JSON: the readers below say why it is not what they read
      expectNoSecret(message, name);
    }
    expect(() => parseJsonText('{\n  "a": 1,\n  "b" 2\n}')).toThrow('This is not valid JSON (error at line 3, column 7: a missing ":" after a member name).');
    expect(() => parseJsonText(`{"${secret}": 1, "${secret}": 2}`)).toThrow(/names one member twice in one object \(the second time at line 1, column \d+\)/);
  });
});

describe('the API (the window, or whoever reaches its connection)', () => {
  let core: Core;
  beforeAll(() => {
    core = createCore({ dataDir: join(dir, 'api-home'), storeDir: join(dir, 'api-store'), shell: 'browser', version: 'test', modules: [] });
  });
  afterAll(async () => {
    await core.dispose();
  });

  const calls = [
    ['policies.inspect', (path: string) => ({ path })],
    ['policies.import', (path: string) => ({ path })],
    ['policies.signingKeys', (path: string) => ({ policyPath: path })],
    ['ceremonies.import', (path: string) => ({ path })],
  ] as const;

  it.each(calls)('%s refuses every shape, naming the file and quoting none of it', async (call, input) => {
    for (const [name, path] of Object.entries(paths)) {
      const result = await dispatchCall(core.handlers, call, input(path));
      expect(result.ok, `${call} accepted ${name}`).toBe(false);
      if (result.ok) continue;
      expectNoSecret(JSON.stringify(result), `${call} of ${name}`);
      expect(result.error.message, `${call} of ${name}: ${result.error.message}`).toContain(name);
    }
  });

  it('policies.import says where a policy that is not JSON goes wrong', async () => {
    const result = await dispatchCall(core.handlers, 'policies.import', { path: paths['cut.json']! });
    expect(result).toMatchObject({ ok: false, error: { code: 'policy-invalid' } });
    if (!result.ok) expect(result.error.message).toMatch(/cut\.json is not valid JSON \(error at line 2, column \d+: a string that is never closed\)/);
  });
});

describe('opening a ceremony with a private file as evidence or as a key', () => {
  let world: World;
  beforeAll(() => {
    world = makeWorld();
  });
  afterAll(() => world.cleanup());

  it('provenance, an SBOM or a provenance key that is a private file is refused without quoting it', async () => {
    await world.open('first'); // trusts the world's policy
    const service = world.service('first');
    const base: OpenInput = { policyPath: join(world.dir, 'policy.json'), release: { name: 'demo', version: '2.0.0' }, artifactPaths: [join(world.dir, 'binary-linux-amd64-multi-subject-first')], provenancePaths: [], openerKeyUri: 'pkcs11:token=carol;object=release-signing' };
    for (const [name, path] of Object.entries(paths)) {
      const cases: [string, OpenInput][] = [
        ['provenance', { ...base, provenancePaths: [path] }],
        ['SBOM', { ...base, sbomPath: path }],
        ['provenance key', { ...base, provenanceKeyPaths: [path] }],
      ];
      for (const [what, input] of cases) {
        let text: string;
        try {
          const opened = await service.open(input);
          text = JSON.stringify(opened.view); // opened anyway: its findings must not quote the file either
        } catch (error) {
          text = error instanceof Error ? error.message : String(error);
          expect(text, `${what} ${name}: ${text}`).toContain(name);
        }
        expectNoSecret(text, `${what} ${name}`);
      }
    }
  });

  it('the readers name the file', () => {
    expect(() => readProvenance(shapes['cut.json']!, { fileName: 'cut.json' })).toThrow(/cut\.json/);
    expect(() => readSbom(shapes['token.txt']!, { fileName: 'token.txt' })).toThrow(/token\.txt/);
    expect(() => readBundleText(shapes['cut.json']!, 'cut.json')).toThrow(/cut\.json is not valid JSON \(error at line 2/);
  });
});

describe('the command line', () => {
  let env: NodeJS.ProcessEnv;
  let policyPath: string;
  let envelopePath: string;
  beforeAll(() => {
    env = { ...process.env, CONCLAVE_HOME: join(dir, 'cli-home'), CONCLAVE_STORE: join(dir, 'cli-store'), CONCLAVE_PKCS11_MODULES: '' };
    const alice = makeTestKey('ecdsa-p256');
    policyPath = join(dir, 'team.json');
    writeFileSync(policyPath, JSON.stringify({ version: 1, threshold: 1, approvers: [{ id: 'alice', publicKey: alice.publicKeyPem }] }));
    envelopePath = join(dir, 'envelope.json');
    writeFileSync(envelopePath, JSON.stringify({ payloadType: 'application/vnd.in-toto+json', payload: '', signatures: [] }));
  });

  async function conclave(args: string[]): Promise<{ code: number; text: string }> {
    let text = '';
    const io: CliIo = { out: (chunk) => (text += chunk), err: (chunk) => (text += chunk), env, interactive: () => false };
    const code = await runCli(args, io);
    return { code, text };
  }

  const commands: [string, (path: string) => string[]][] = [
    ['policy trust', (path) => ['policy', 'trust', path, '--yes']],
    ['ceremony import', (path) => ['ceremony', 'import', path]],
    ['verify --policy', (path) => ['verify', '--policy', path, '--envelope', envelopePath]],
    ['verify --envelope', (path) => ['verify', '--policy', policyPath, '--envelope', path]],
    ['verify --bundle', (path) => ['verify', '--policy', policyPath, '--envelope', envelopePath, '--bundle', path]],
    ['verify --crl', (path) => ['verify', '--policy', policyPath, '--envelope', envelopePath, '--crl', path]],
    ['verify --policy-chain', (path) => ['verify', '--policy-root', policyPath, '--policy-chain', path, '--envelope', envelopePath]],
    ['verify --policy-root', (path) => ['verify', '--policy-root', path, '--policy-chain', policyPath, '--envelope', envelopePath]],
  ];

  it.each(commands)('conclave %s refuses every shape without quoting it, with or without --json', async (_what, args) => {
    for (const path of Object.values(paths)) {
      for (const json of [false, true]) {
        const run = await conclave([...args(path), ...(json ? ['--json'] : [])]);
        expect(run.code, `${args(path).join(' ')}: ${run.text}`).not.toBe(0);
        expectNoSecret(run.text, `${args(path).join(' ')}`);
      }
    }
  });

  it('conclave policy trust names the file and where its JSON goes wrong (the built command, as a person runs it)', () => {
    expect(existsSync(builtCli), 'run "npm run build" first').toBe(true);
    const run = spawnSync(process.execPath, [bin, 'policy', 'trust', paths['token.txt']!, '--yes'], { encoding: 'utf8', timeout: 30_000, env });
    expect(run.status).toBe(1);
    expectNoSecret(run.stdout + run.stderr, 'conclave policy trust token.txt');
    expect(run.stderr).toContain(`${paths['token.txt']} is not valid JSON (error at line 1, column 1`);
  });
});
