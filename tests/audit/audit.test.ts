/**
 * `conclave audit verify` with real git and software keys: the stores of
 * tests/repository (a policy of alice, bob and carol, threshold 2) are
 * tampered with in the ways an auditor must notice, and the audit must name
 * every one of them.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../electron/cli';
import type { CliIo } from '../../electron/cli/io';
import type { AuditReport } from '../../electron/core/audit/findings';
import { makeEnvelope } from '../../shared/dsse/envelope';
import { eventPayloadType } from '../../shared/ceremony/events';
import { inTotoPayloadType, pae } from '../../shared/dsse/pae';
import { toBase64 } from '../../shared/encoding/base64';
import { keyUri, makeWorld, type World } from '../repository/support/machines';
import { ceremonyFolder } from '../../shared/ceremony/store-layout';

let world: World;
beforeEach(() => {
  world = makeWorld();
});
afterEach(() => world.cleanup());

async function audit(args: string[] = [], store = 'a'): Promise<{ code: number; out: string }> {
  const sink = { out: '', err: '' };
  const io: CliIo = { out: (text) => (sink.out += text), err: (text) => (sink.err += text), env: world.env, interactive: () => false };
  const code = await runCli(['audit', 'verify', ...args, '--store', world.store(store)], io);
  return { code, out: sink.out };
}

async function auditJson(args: string[] = []): Promise<{ code: number; report: AuditReport }> {
  const { code, out } = await audit([...args, '--json']);
  return { code, report: JSON.parse(out) as AuditReport };
}

const eventsDir = (id: string) => join(world.store('a'), ceremonyFolder(id), 'events');
const eventFile = (id: string, type: string) => readdirSync(eventsDir(id)).filter((name) => name.includes(`-${type}-`)).sort()[0]!;
const eventPath = (id: string, type: string) => `${ceremonyFolder(id)}/events/${eventFile(id, type)}`;
/** Conclave keeps no index (repository-service.ts); a person editing with git starts from main's. */
const gitInStore = (args: string[]) => {
  world.git(world.store('a'), ['reset', '-q']);
  return world.git(world.store('a'), args);
};
const commitAll = (message: string) => {
  gitInStore(['add', '-A']);
  world.git(world.store('a'), ['commit', '-q', '-m', message]);
  return world.git(world.store('a'), ['rev-parse', 'HEAD']).trim();
};

/** Opened by carol, approved by alice and bob, published, committed. */
async function publishedCeremony(): Promise<string> {
  const id = await world.open('a');
  const service = world.service('a');
  await service.approve(id, keyUri('alice'));
  await service.approve(id, keyUri('bob'));
  await service.publish(id, join(world.dir, 'published'), keyUri('carol'));
  expect((await world.sync('a')).out).toMatch(/committed locally/);
  return id;
}

/** Rewrites the approval event's signature in place with another approval's: same file name, different bytes. */
function swapApprovalSignature(id: string): string {
  const [first, second] = readdirSync(eventsDir(id)).filter((name) => name.includes('-approved-')).sort() as [string, string];
  const read = (name: string) => {
    const envelope = JSON.parse(readFileSync(join(eventsDir(id), name), 'utf8')) as { payload: string };
    return JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as { signature: string };
  };
  const edited = { ...read(first), signature: read(second).signature };
  const envelope = makeEnvelope(eventPayloadType, new TextEncoder().encode(JSON.stringify(edited)), []);
  writeFileSync(join(eventsDir(id), first), `${JSON.stringify(envelope, null, 2)}\n`);
  return `${ceremonyFolder(id)}/events/${first}`;
}

describe('conclave audit verify', () => {
  it('passes a clean store and says what it checked', async () => {
    const id = await publishedCeremony();
    const { code, out } = await audit();
    expect(code, out).toBe(0);
    expect(out).toMatch(/^Verified: the store at .* is consistent\./);
    // Every event is signed by its author (5), and each approval also signs the statement (2).
    expect(out).toContain('Checked 1 ceremony, 5 events, 7 signatures, 1 evidence file, 1 published envelope and a history of 2 commits.');

    const { report } = await auditJson();
    expect(report).toMatchObject({ ok: true, historyChecked: true, findings: [], counts: { ceremonies: 1, events: 5, signatures: 7, publishedEnvelopes: 1, commits: 2 } });
    expect(id).toMatch(/^c-/);
  });

  it('passes two machines whose histories were merged through a remote (merges only add files)', async () => {
    const id = await world.open('a');
    await world.remoteCommand('a', ['add', world.remote]);
    await world.sync('a');
    await world.remoteCommand('b', ['add', world.remote]);
    await world.sync('b');
    await world.service('a').approve(id, keyUri('alice'));
    await world.service('b').approve(id, keyUri('bob'));
    expect((await world.sync('a')).code).toBe(0);
    expect((await world.sync('b')).code).toBe(0);
    expect((await world.sync('a')).code).toBe(0);
    expect(world.git(world.store('a'), ['rev-list', '--merges', '--count', 'main']).trim()).not.toBe('0');
    for (const store of ['a', 'b']) {
      const { code, out } = await audit([], store);
      expect(code, out).toBe(0);
      expect(out).toMatch(/Checked 1 ceremony, 4 events, 6 signatures/);
    }
  });

  it('checks a store that is not a git repository, and says the history was not checked', async () => {
    await world.open('a');
    const { code, out } = await audit();
    expect(code, out).toBe(0);
    expect(out).toMatch(/note: The store at .* is not a git repository/);
    expect(out).toMatch(/and no git history\.$/m);
  });

  it('reports an approval edited in place, in the store folder and once committed', async () => {
    const id = await publishedCeremony();
    const path = swapApprovalSignature(id);

    const inWorkTree = await auditJson();
    expect(inWorkTree.code).toBe(1);
    expect(inWorkTree.report.findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'event-signature-invalid', ceremonyId: id, file: path }),
        expect.objectContaining({ code: 'worktree-modified', ceremonyId: id, file: path }),
        expect.objectContaining({ code: 'publication-envelope-mismatch', ceremonyId: id, file: eventPath(id, 'published') }),
      ]),
    );

    const commit = commitAll('edit an approval');
    const committed = await auditJson();
    expect(committed.code).toBe(1);
    const codes = committed.report.findings.map((finding) => finding.code);
    expect(codes).toContain('event-signature-invalid');
    expect(codes).not.toContain('worktree-modified');
    expect(committed.report.findings).toContainEqual(expect.objectContaining({ code: 'history-modified', ceremonyId: id, file: path, commit }));

    const { out } = await audit();
    expect(out).toMatch(/^NOT verified: \d+ problems/);
    expect(out).toContain(`[history-modified] ceremony ${id}, ${path}, commit ${commit.slice(0, 12)}: The approved event`);
    expect(out).toMatch(/changed after it was signed/);
  });

  it('reports an event deleted in a later commit', async () => {
    const id = await publishedCeremony();
    const path = eventPath(id, 'approved');
    gitInStore(['rm', '-q', path]);
    const commit = commitAll('drop an approval');
    const { code, report } = await auditJson();
    expect(code).toBe(1);
    expect(report.findings).toContainEqual(expect.objectContaining({ code: 'history-deleted', ceremonyId: id, file: path, commit }));
    expect(report.findings).toContainEqual(expect.objectContaining({ code: 'publication-envelope-mismatch', ceremonyId: id }));
    // One approval left of the two the publication named: it no longer counts.
    expect(report.findings.find((finding) => finding.code === 'publication-envelope-mismatch')!.message).toMatch(/names approvals \(2\) of which only 1 count now/i);
  });

  it('keeps a publication when an approval arrives after it, before or after its time: the publication names what it published', async () => {
    const id = await publishedCeremony();
    const service = world.service('a');
    const { view, statement } = await service.load(id);
    // carol's approval, validly signed over the frozen statement, written after publishing.
    const addApproval = async (at: string) => {
      const approval = { ceremonyId: id, type: 'approved' as const, at, statementDigest: view.frozen!.statementDigest, keyId: world.keys.carol.keyId, signature: toBase64(world.keys.carol.sign(pae(inTotoPayloadType, statement!))), actorKeyId: world.keys.carol.keyId };
      const payload = new TextEncoder().encode(JSON.stringify(approval));
      return service.store.append(makeEnvelope(eventPayloadType, payload, [{ keyid: world.keys.carol.keyId, signature: world.keys.carol.sign(pae(eventPayloadType, payload)) }]), approval);
    };

    // Dated after the publication: honest (carol approved on her machine before she synced), and it does not count: a note, not a finding.
    await addApproval(new Date(Date.parse(view.published!.at) + 1000).toISOString());
    await world.sync('a');
    const after = await auditJson();
    expect(after.code).toBe(0);
    expect(after.report.notes.join('\n')).toMatch(/came after the ceremony was published; it does not count/);

    // Back-dated before the publication: it counts as an approval, but the publication names the envelope it published, which does not carry it.
    await addApproval(new Date(Date.parse(view.published!.at) - 1).toISOString());
    await world.sync('a');
    const { code, report } = await auditJson();
    expect(code).toBe(0);
    const reloaded = await service.load(id);
    expect(reloaded.view.state).toBe('published');
    expect(reloaded.view.approvals.map((approval) => approval.keyId)).toContain(world.keys.carol.keyId);
    expect(reloaded.view.published!.signedBy).not.toContain(world.keys.carol.keyId);
    expect(report.findings).toEqual([]);
  });

  it('reports a merge that drops a file the other side added', async () => {
    const id = await world.open('a');
    await world.sync('a');
    const bytes = '{"evidence":"from another machine"}\n';
    const path = `${ceremonyFolder(id)}/evidence/${createHash('sha256').update(bytes).digest('hex')}.json`;
    gitInStore(['checkout', '-q', '-b', 'side']);
    writeFileSync(join(world.store('a'), path), bytes);
    commitAll('evidence on the other side');
    world.git(world.store('a'), ['checkout', '-q', 'main']);
    world.git(world.store('a'), ['merge', '-q', '-s', 'ours', '-m', 'a merge that keeps only one side', 'side']);
    const merge = world.git(world.store('a'), ['rev-parse', 'HEAD']).trim();
    const { code, report } = await auditJson();
    expect(code).toBe(1);
    expect(report.findings).toEqual([expect.objectContaining({ code: 'history-deleted', ceremonyId: id, file: path, commit: merge })]);
  });

  it('lists every problem together, across ceremonies, in one run', async () => {
    const published = await publishedCeremony();
    const second = await world.open('a');
    await world.sync('a');
    const edited = swapApprovalSignature(published);
    const evidence = readdirSync(join(world.store('a'), ceremonyFolder(second), 'evidence'))[0]!;
    writeFileSync(join(world.store('a'), ceremonyFolder(second), 'evidence', evidence), '{"tampered":true}\n');
    const opening = eventPath(second, 'opened');
    gitInStore(['rm', '-q', '--cached', opening]);
    world.git(world.store('a'), ['commit', '-q', '-m', 'drop an opening from the history']);

    const { code, report } = await auditJson();
    expect(code).toBe(1);
    const found = report.findings.map((finding) => `${finding.code} ${finding.ceremonyId} ${finding.file}`);
    expect(found).toEqual(
      expect.arrayContaining([
        `event-signature-invalid ${published} ${edited}`,
        `worktree-modified ${published} ${edited}`,
        `evidence-digest-mismatch ${second} ${ceremonyFolder(second)}/evidence/${evidence}`,
        `history-deleted ${second} ${opening}`,
        `publication-envelope-mismatch ${published} ${eventPath(published, 'published')}`,
      ]),
    );
    expect(report.counts.ceremonies).toBe(2);
  });

  it('checks only the commits after --since, and refuses a REF the repository does not have', async () => {
    const id = await world.open('a');
    await world.sync('a');
    const evidence = readdirSync(join(world.store('a'), ceremonyFolder(id), 'evidence'))[0]!;
    gitInStore(['rm', '-q', `${ceremonyFolder(id)}/evidence/${evidence}`]);
    const deletion = commitAll('drop the evidence');
    await world.open('a');
    await world.sync('a');

    const all = await auditJson();
    expect(all.code).toBe(1);
    expect(all.report.findings).toEqual([expect.objectContaining({ code: 'history-deleted', commit: deletion })]);
    expect(all.report.counts.commits).toBe(4);

    const since = await audit(['--since', deletion]);
    expect(since.code, since.out).toBe(0);
    expect(since.out).toContain(`a history of 1 commit after ${deletion}.`);

    const unknown = await audit(['--since', 'no-such-ref', '--json']);
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.out)).toMatchObject({ ok: false, error: { cause: 'unknown-ref' } });
  });

  it('reports a --since commit that is no longer in the history of main (a rewrite)', async () => {
    await world.open('a');
    await world.sync('a');
    const first = world.git(world.store('a'), ['rev-parse', 'HEAD']).trim();
    world.git(world.store('a'), ['commit', '-q', '--amend', '-m', 'rewritten']);
    const { code, report } = await auditJson(['--since', first]);
    expect(code).toBe(1);
    expect(report.findings).toContainEqual(expect.objectContaining({ code: 'history-rewritten', commit: first }));
  });

  it('remembers the head it verified, checks only what came after it, and refuses a history that lost it', async () => {
    const id = await world.open('a');
    await world.sync('a');
    const clean = await audit();
    expect(clean.code, clean.out).toBe(0);
    const verified = world.git(world.store('a'), ['rev-parse', 'refs/conclave/verified']).trim();
    expect(verified).toBe(world.git(world.store('a'), ['rev-parse', 'main']).trim());
    expect(clean.out).toContain(`now vouches for main up to ${verified.slice(0, 12)}`);

    // One more approval: the next audit checks just that commit and moves the verified head.
    await world.service('a').approve(id, keyUri('alice'));
    await world.sync('a');
    const next = await auditJson(['--since', 'refs/conclave/verified']);
    expect(next.code).toBe(0);
    expect(next.report.counts.commits).toBe(1);
    expect(next.report.recordedVerified).toBe(true);
    const moved = world.git(world.store('a'), ['rev-parse', 'refs/conclave/verified']).trim();
    expect(moved).not.toBe(verified);

    // Someone rewrites main to drop that commit: the audit names both heads, and the verified ref stays where it was.
    world.git(world.store('a'), ['update-ref', 'refs/heads/main', verified]);
    world.git(world.store('a'), ['commit', '-q', '--allow-empty', '-m', 'a different past']);
    const { code, report } = await auditJson();
    expect(code).toBe(1);
    const rewritten = report.findings.find((finding) => finding.code === 'history-rewritten')!;
    expect(rewritten.commit).toBe(moved);
    expect(rewritten.message).toContain(moved.slice(0, 12));
    expect(rewritten.message).toContain(report.head!.slice(0, 12));
    expect(world.git(world.store('a'), ['rev-parse', 'refs/conclave/verified']).trim()).toBe(moved);
  });

  it('does not vouch for commits an audit --since skipped', async () => {
    await world.open('a');
    await world.sync('a');
    const first = world.git(world.store('a'), ['rev-parse', 'HEAD']).trim();
    await world.open('a');
    await world.sync('a');
    // Never audited before: a clean audit after `first` says nothing about `first` itself.
    const partial = await auditJson(['--since', first]);
    expect(partial.code).toBe(0);
    expect(partial.report.recordedVerified).toBe(false);
    expect(() => world.git(world.store('a'), ['rev-parse', '-q', '--verify', 'refs/conclave/verified'])).toThrow();
  });
});
