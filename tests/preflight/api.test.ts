/**
 * Issue 16's first-run path through the window's API, with the demo tokens
 * (SoftHSM2) and the demo policy: the Open form's pre-flight says what would
 * block freezing before anything exists, a newcomer's opening by alice is met
 * by bob and carol (any two demo approvers), and the pre-flight before a PIN
 * names the opener and an approver's key for what they are.
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../electron/core';
import { dispatchCall } from '../../electron/core/api/dispatch';
import { createCore } from '../../electron/core/create-core';
import type { CallName, CallOutput } from '../../shared/api/contract';
import { makeDataDir, makeTokenFolder, softhsmModule, type TokenFolder } from '../support/softhsm';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/real/${name}`, import.meta.url));
const artifactName = 'binary-linux-amd64-multi-subject-first';
const demoPin = () => Buffer.from('123456');

let folder: TokenFolder;
let home: ReturnType<typeof makeDataDir>;
let core: Core;
let policyPath: string;

async function call<C extends CallName>(name: C, input: unknown): Promise<CallOutput<C>> {
  const result = await dispatchCall(core.handlers, name, input);
  if (!result.ok) throw Object.assign(new Error(result.error.message), { code: result.error.code });
  return result.value as CallOutput<C>;
}

beforeAll(async () => {
  folder = makeTokenFolder();
  home = makeDataDir();
  copyFileSync(fixture(artifactName), join(home.dir, artifactName));
  core = createCore({ dataDir: home.dir, shell: 'browser', version: 'test', modules: [{ path: softhsmModule!, env: folder.env }] });
  await call('demo.create', {});
  const [demo] = await call('policies.createDemo', {});
  policyPath = demo!.path;
}, 120_000);

afterAll(async () => {
  await core?.dispose();
  folder?.cleanup();
  home?.cleanup();
});

const form = (provenance: string[]) => ({ policyPath, release: { name: 'slsa-demo', version: '1.0.0' }, artifactPaths: [join(home.dir, artifactName)], provenancePaths: provenance.map(fixture) });
const keyOf = async (label: string) => (await call('policies.signingKeys', { policyPath })).find((key) => key.tokenLabel === label)!.keyUri;

describe('the first run, with the demo', () => {
  it('says the demo policy can be met by any two of its approvers', async () => {
    const [demo] = await call('policies.list', {});
    expect(demo!.description).toBe('any 2 of alice, bob, carol; at least 1 security');
    expect((await call('policies.signingKeys', { policyPath })).filter((key) => key.eligible).map((key) => key.tokenLabel).sort()).toEqual(['alice', 'bob', 'carol']);
  });

  it('pre-flights "any file" without provenance: blocked, what to attach, no override; nothing is created', async () => {
    const preflight = await call('preflight.opening', { ...form([]), operationId: 'preflight-0001' });
    expect(preflight.blocked).toBe(true);
    expect(preflight.overrideAllowed).toBe(false);
    expect(preflight.toDo[0]).toMatch(/^fail {2}No provenance was attached/);
    expect((await call('ceremonies.page', {})).items).toEqual([]);
  });

  it('pre-flights the same file with its provenance: ready, and opening then freezes it', async () => {
    const preflight = await call('preflight.opening', form([`${artifactName}.intoto.jsonl`]));
    expect(preflight).toMatchObject({ blocked: false });
    expect((await call('ceremonies.page', {})).items).toEqual([]);
  });

  it('opened by alice, is approved by bob and carol; the pre-flight before a PIN names who may sign', async () => {
    const opened = await call('ceremonies.open', { ...form([`${artifactName}.intoto.jsonl`]), operationId: 'open-0001', keyUri: await keyOf('alice'), pin: demoPin() });
    expect(opened.state).toBe('frozen');
    const id = opened.id;

    const opener = await call('preflight.signing', { id, keyUri: await keyOf('alice') });
    expect(opener.ready).toBe(false);
    expect(opener.checks.find((check) => check.check === 'person')).toEqual({ check: 'person', level: 'block', message: 'alice opened this ceremony, and the policy does not let the opener approve.' });
    const wrong = await call('preflight.signing', { id, keyUri: await keyOf('carol'), approverId: 'bob' });
    expect(wrong.checks.find((check) => check.check === 'key')?.message).toBe("This key is carol's in the policy, not bob's. Choose bob's key.");

    for (const who of ['bob', 'carol']) {
      const keyUri = await keyOf(who);
      const preflight = await call('preflight.signing', { id, keyUri, approverId: who });
      expect(preflight.ready, JSON.stringify(preflight.checks)).toBe(true);
      const { statement } = await call('ceremonies.get', { id });
      await call('ceremonies.approve', { id, keyUri, pin: demoPin(), statementDigest: statement!.digest });
    }
    // Bob (security) and carol (engineering) meet the demo policy: the pair the old demo could never complete.
    expect((await call('ceremonies.get', { id })).state).toBe('approved');
  });

  it("reports every ceremony for an auditor, with the verdict and the store's audit command", async () => {
    const report = await call('history.report', { format: 'html' });
    expect(report.content).toMatch(/<title>Conclave audit report: 1 ceremony<\/title>/);
    expect(report.content).toMatch(/<strong>verified: ceremony c-[^ ]+ is approved<\/strong>/);
    expect(report.content).toMatch(/<pre class="command">conclave audit verify --store \/[^<]+<\/pre>/);
  });
});
