/**
 * The ceremony API the window uses, end to end through the same dispatch as
 * IPC and the browser shell, with demo SoftHSM2 tokens and the demo policy.
 */
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore } from '../../electron/core/create-core';
import type { Core } from '../../electron/core';
import { dispatchCall } from '../../electron/core/api/dispatch';
import type { CallName, EventName } from '../../shared/api/contract';
import { shellCommand } from '../../shared/cli/shell-command';
import { makeDataDir, makeTokenFolder, softhsmModule, type TokenFolder } from '../support/softhsm';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/real/${name}`, import.meta.url));
const artifactName = 'binary-linux-amd64-multi-subject-first';

let folder: TokenFolder;
let home: ReturnType<typeof makeDataDir>;
let core: Core;
const events: { name: EventName; payload: unknown }[] = [];

async function call<T = unknown>(name: CallName, input: unknown): Promise<T> {
  const result = await dispatchCall(core.handlers, name, input);
  if (!result.ok) throw Object.assign(new Error(result.error.message), { code: result.error.code });
  return result.value as T;
}

async function refusal(name: CallName, input: unknown): Promise<{ code: string; message: string }> {
  const result = await dispatchCall(core.handlers, name, input);
  if (result.ok) throw new Error(`${name} was accepted`);
  return result.error;
}

beforeAll(async () => {
  folder = makeTokenFolder();
  home = makeDataDir();
  copyFileSync(fixture(artifactName), join(home.dir, artifactName));
  core = createCore({ dataDir: home.dir, shell: 'browser', version: 'test', modules: [{ path: softhsmModule!, env: folder.env }] });
  core.subscribe((name, payload) => events.push({ name, payload }));
  await call('demo.create', {});
});

afterAll(async () => {
  await core?.dispose();
  folder?.cleanup();
  home?.cleanup();
});

type Detail = { id: string; state: string; counted: number; waitingOnMe: boolean; findings: { status: string }[]; timeline: { type: string; actor: string; signature: string }[]; statement?: { json: string }; provenance: { builderId: string; trigger?: string; buildInputs: unknown[] }[] };

describe('ceremonies through the window\'s API', () => {
  let id: string;

  it('makes the demo policy from the demo tokens and shows it in words', async () => {
    const policies = await call<{ description: string; path: string }[]>('policies.createDemo', {});
    expect(policies).toHaveLength(1);
    expect(policies[0]!.description).toBe('any 2 of alice, bob, carol; at least 1 security');
  });

  it('opens a ceremony with hashing progress, freezes it, and lists it as waiting on the tokens here', async () => {
    const [policy] = await call<{ path: string }[]>('policies.list', {});
    // Carol opens: the demo policy's approvers may open, and the key list for a policy says which keys here may.
    const openers = await call<{ tokenLabel: string; keyUri: string; eligible: boolean }[]>('policies.signingKeys', { policyPath: policy!.path });
    // Alice and bob are the demo policy's security approvers: whoever opens, the other two still meet it (issue 16).
    expect(openers.filter((key) => key.eligible).map((key) => key.tokenLabel).sort()).toEqual(['alice', 'bob', 'carol']);
    const carol = openers.find((key) => key.tokenLabel === 'carol')!;
    // A wrong PIN is found before any hashing: no progress for that operation, and no ceremony.
    const wrongPin = await refusal('ceremonies.open', {
      operationId: 'open-0000',
      policyPath: policy!.path,
      release: { name: 'slsa-demo', version: '1.0.0' },
      artifactPaths: [join(home.dir, artifactName)],
      provenancePaths: [fixture(`${artifactName}.intoto.jsonl`)],
      keyUri: carol.keyUri,
      pin: Buffer.from('000000'),
    });
    expect(wrongPin.code).toBe('pin-incorrect');
    expect(events.some((event) => event.name === 'operation.progress' && (event.payload as { operationId: string }).operationId === 'open-0000')).toBe(false);
    expect((await call<{ items: unknown[] }>('ceremonies.page', {})).items).toEqual([]);
    const detail = await call<Detail>('ceremonies.open', {
      operationId: 'open-0001',
      policyPath: policy!.path,
      release: { name: 'slsa-demo', version: '1.0.0' },
      artifactPaths: [join(home.dir, artifactName)],
      provenancePaths: [fixture(`${artifactName}.intoto.jsonl`)],
      keyUri: carol.keyUri,
      pin: Buffer.from('123456'),
    });
    id = detail.id;
    expect(detail.state).toBe('frozen');
    expect(detail.statement?.json).toContain('"predicateType": "https://conclave.dev/release-approval/v1"');
    expect(detail.provenance[0]!.builderId).toContain('slsa-github-generator');
    expect(detail.provenance[0]!.buildInputs.length).toBeGreaterThan(0);
    const progress = events.filter((event) => event.name === 'operation.progress').map((event) => event.payload as { operationId: string; bytesDone: number; bytesTotal: number });
    expect(progress.at(-1)).toMatchObject({ operationId: 'open-0001', bytesDone: progress.at(-1)!.bytesTotal });
    expect(events.some((event) => event.name === 'ceremony.changed' && (event.payload as { id: string }).id === id)).toBe(true);

    const [listed] = (await call<{ items: { id: string; waitingOnMe: boolean; tally: string }[] }>('ceremonies.page', {})).items;
    expect(listed).toMatchObject({ id, waitingOnMe: true });
    expect(listed!.tally).toMatch(/0 of 2/);
  });

  it('offers only keys in the policy, and says why others cannot sign', async () => {
    const keys = await call<{ tokenLabel: string; eligible: boolean; approverId?: string }[]>('ceremonies.signingKeys', { id });
    expect(keys.filter((key) => key.eligible).map((key) => key.approverId).sort()).toEqual(['alice', 'bob']);
    expect(keys.find((key) => key.approverId === 'carol')).toMatchObject({ eligible: false, reason: 'carol opened this ceremony, and the policy does not let the opener approve.' });
    // Publishing, cancelling and freezing are open to every key of the policy, the opener's too.
    const managing = await call<{ eligible: boolean; approverId?: string }[]>('ceremonies.signingKeys', { id, purpose: 'manage' });
    expect(managing.filter((key) => key.eligible).map((key) => key.approverId).sort()).toEqual(['alice', 'bob', 'carol']);
  });

  it('keeps everything when a PIN is wrong, then signs with the right one', async () => {
    const keys = await call<{ tokenLabel: string; keyUri: string }[]>('ceremonies.signingKeys', { id });
    const alice = keys.find((key) => key.tokenLabel === 'alice')!;
    const wrong = await refusal('ceremonies.approve', { id, keyUri: alice.keyUri, pin: Buffer.from('000000'), statementDigest: (await call<{ statement: { digest: string } }>('ceremonies.get', { id })).statement.digest });
    expect(wrong.code).toBe('pin-incorrect');
    expect((await call<Detail>('ceremonies.get', { id })).counted).toBe(0);
    const approved = await call<Detail>('ceremonies.approve', { id, keyUri: alice.keyUri, pin: Buffer.from('123456'), statementDigest: (await call<{ statement: { digest: string } }>('ceremonies.get', { id })).statement.digest });
    expect(approved.counted).toBe(1);
    const after = await call<{ approverId?: string; eligible: boolean; reason?: string }[]>('ceremonies.signingKeys', { id });
    expect(after.find((key) => key.approverId === 'alice')).toMatchObject({ eligible: false, reason: 'alice already approved.' });
  });

  it('publishes when the policy is met and verifies it again on request', async () => {
    const keys = await call<{ tokenLabel: string; keyUri: string }[]>('ceremonies.signingKeys', { id });
    const bob = keys.find((key) => key.tokenLabel === 'bob')!;
    const approved = await call<Detail>('ceremonies.approve', { id, keyUri: bob.keyUri, pin: Buffer.from('123456'), statementDigest: (await call<{ statement: { digest: string } }>('ceremonies.get', { id })).statement.digest });
    expect(approved.state).toBe('approved');
    const carol = keys.find((key) => key.tokenLabel === 'carol')!;
    // Issue 14: before publishing, what each verifier will say; no PIN, nothing written.
    type Forecast = { publisher?: string; allAccept: boolean; verifiers: { verifier: string; approverId?: string; verdict: string; line: string }[] };
    const forecast = await call<Forecast>('ceremonies.publishForecast', { id, keyUri: carol.keyUri });
    expect(forecast.publisher).toBe('carol');
    expect(forecast.verifiers.map((entry) => entry.line)).toEqual([
      'conclave verify: accepts (approved by alice, bob; 2 required)',
      expect.stringMatching(/^cosign verify-attestation \(alice, .*\): accepts$/),
      expect.stringMatching(/^cosign verify-attestation \(bob, .*\): accepts$/),
      'Kyverno: not applicable (the release has no OCI image)',
      'notation verify: not applicable (the release has no OCI image)',
    ]);
    expect(forecast.allAccept).toBe(true);
    expect(await refusal('ceremonies.publishForecast', { id, keyUri: carol.keyUri, pin: Buffer.from('123456') })).toMatchObject({ code: 'invalid-input' });
    const published = await call<{ envelopePath: string; bundlePaths: string[]; verificationSummary?: { envelopePath: string; bundlePath: string }; verified: string; verifyCommand: string; unlocatedArtifacts?: string[] }>('ceremonies.publish', { id, keyUri: carol.keyUri, pin: Buffer.from('123456') });
    expect(published.verified).toMatch(/^verified: alice, bob/);
    expect(existsSync(published.envelopePath)).toBe(true);
    // The publisher's verification summary (issue 14), named to the window as written.
    expect(published.verificationSummary).toBeDefined();
    for (const path of [published.verificationSummary!.envelopePath, published.verificationSummary!.bundlePath]) expect(existsSync(path), path).toBe(true);
    // Issue 11: every file by absolute path (the artifact where it was opened from), so the command runs from any folder.
    const policyCopy = published.envelopePath.replace(/\.intoto\.dsse\.json$/, '.policy.json');
    expect(existsSync(policyCopy)).toBe(true);
    expect(published.bundlePaths).toHaveLength(2);
    const bundles = published.bundlePaths.flatMap((path) => ['--bundle', path]);
    expect(published.verifyCommand).toBe(shellCommand(['conclave', 'verify', '--policy', policyCopy, '--envelope', published.envelopePath, ...bundles, '--artifact', join(home.dir, artifactName)]));
    expect(published.unlocatedArtifacts).toBeUndefined();

    const verification = await call<{ ok: boolean; lines: string[] }>('ceremonies.verify', { id });
    expect(verification.ok).toBe(true);
    expect(verification.lines.join('\n')).toContain('The published envelope is exactly the one these approvals make.');

    const detail = await call<Detail>('ceremonies.get', { id });
    expect(detail.timeline.map((entry) => `${entry.type}:${entry.actor}:${entry.signature}`)).toEqual([
      'opened:carol:valid',
      'frozen:carol:valid',
      'approved:alice:valid',
      'approved:bob:valid',
      'published:carol:valid',
    ]);
    // The demo policy names no time-stamping authority: each approval says so, and has no trusted time.
    const approvals = (detail.timeline as { type: string; trustedTime?: string; timeNote?: string }[]).filter((entry) => entry.type === 'approved');
    expect(approvals.map((entry) => [entry.trustedTime, entry.timeNote])).toEqual([
      [undefined, 'the policy names no time-stamping authority'],
      [undefined, 'the policy names no time-stamping authority'],
    ]);
  });

  it('finds the ceremony in history by approver, artifact digest and state, and exports a report', async () => {
    expect((await call<{ total: number }>('history.page', { text: 'bob' })).total).toBe(1);
    expect((await call<{ total: number }>('history.page', { text: '482ce8c8f7e8' })).total).toBe(1);
    expect((await call<{ total: number }>('history.page', { states: ['rejected'] })).total).toBe(0);
    const html = await call<{ fileName: string; content: string }>('history.report', { ids: [id], format: 'html' });
    expect(html.fileName).toBe(`conclave-${id}.html`);
    expect(html.content).toContain('<td>approved</td><td>alice</td><td>valid</td>');
    const json = JSON.parse((await call<{ content: string }>('history.report', { format: 'json' })).content);
    expect(json.ceremonies[0].id).toBe(id);
  });

  it('browses folders for the browser shell without showing hidden files', async () => {
    const listing = await call<{ dir: string; entries: { name: string; kind: string }[] }>('files.list', { dir: home.dir });
    expect(listing.entries.map((entry) => entry.name)).toContain(artifactName);
    expect(listing.entries.some((entry) => entry.name.startsWith('.'))).toBe(false);
  });
});
