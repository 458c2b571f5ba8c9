/**
 * Signatures already checked (electron/core/crypto/checked-signatures.ts):
 * an index built again takes the signatures this machine found valid as
 * valid, and nothing else. A note names one key, one message and one
 * signature; a changed event is checked again and refused; no decision
 * believes a note, even one a forger wrote into the data folder.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createPublicKey, randomBytes } from 'node:crypto';
import { appendFileSync, chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CeremonyIndex } from '../../electron/core/ceremony/ceremony-index';
import { summarize } from '../../electron/core/ceremony/ceremony-views';
import { localCeremonyService } from '../../electron/core/ceremony/local-service';
import { CheckedSignatureLog, CheckedSignatures, checkedSignaturesPath, rememberingVerifier, signatureFingerprint } from '../../electron/core/crypto/checked-signatures';
import { nodeSignatureVerifier } from '../../electron/core/crypto/node-crypto';
import { eventPayloadType } from '../../shared/ceremony/events';
import { ceremonyFolder } from '../../shared/ceremony/store-layout';
import { pae } from '../../shared/dsse/pae';
import { fromBase64, toBase64 } from '../../shared/encoding/base64';
import type { SignatureVerifier } from '../../shared/keys/signature-verifier';
import { repositoryFiles } from '../../electron/core/repository/layout';
import { builtCli, conclave } from '../cli-process/support';
import { inheritedEnvironment } from '../support/environment';
import { generateCeremonies, type GeneratedHistory } from '../support/generate-ceremonies';
import { makeDataDir } from '../support/softhsm';
import { makeTestKey } from '../support/test-keys';

let home: ReturnType<typeof makeDataDir>;
beforeEach(() => {
  home = makeDataDir();
});
afterEach(() => home.cleanup());

const dataDir = () => join(home.dir, 'data');
const logPath = () => checkedSignaturesPath(dataDir());
const spkiOf = (pem: string) => new Uint8Array(createPublicKey(pem).export({ type: 'spki', format: 'der' }));

/** Node's verifier, counted. */
function counting(): SignatureVerifier & { calls: number } {
  const counted = {
    calls: 0,
    verify: (key: Uint8Array, data: Uint8Array, signature: Uint8Array) => {
      counted.calls++;
      return nodeSignatureVerifier.verify(key, data, signature);
    },
  };
  return counted;
}

describe('signatures already checked', () => {
  it('are remembered only when valid, each for its own key, message and signature', async () => {
    const key = makeTestKey('ecdsa-p256');
    const other = makeTestKey('ecdsa-p256');
    const spki = spkiOf(key.publicKeyPem);
    const message = new TextEncoder().encode('the statement as approved');
    const signature = key.sign(message);
    const log = new CheckedSignatureLog(logPath());

    const first = counting();
    const noting = rememberingVerifier(first, log);
    expect(await noting.verify(spki, message, signature)).toBe(true);
    // A signature that does not verify is never noted.
    const forged = new Uint8Array(signature);
    forged[forged.length - 1]! ^= 1;
    expect(await noting.verify(spki, message, forged)).toBe(false);
    log.flush();

    const checked = CheckedSignatures.read(logPath());
    expect(checked.size).toBe(1);
    const second = counting();
    const believing = rememberingVerifier(second, log, checked);
    expect(await believing.verify(spki, message, signature)).toBe(true);
    expect(second.calls).toBe(0);
    // Change the key, the message or the signature, and the note says nothing: each is checked, and refused.
    const changedMessage = new TextEncoder().encode('the statement as approved!');
    expect(await believing.verify(spkiOf(other.publicKeyPem), message, signature)).toBe(false);
    expect(await believing.verify(spki, changedMessage, signature)).toBe(false);
    expect(await believing.verify(spki, message, forged)).toBe(false);
    expect(second.calls).toBe(3);
  });

  it('live in a file of their own in the private data folder: a torn last record, a foreign file or one others could write costs only the note', async () => {
    const log = new CheckedSignatureLog(logPath());
    const fingerprints = Array.from({ length: 2000 }, () => new Uint8Array(randomBytes(32)));
    for (const fingerprint of fingerprints) log.add(fingerprint);
    log.flush();
    expect(statSync(logPath()).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir(), 'cache')).mode & 0o777).toBe(0o700);
    const checked = CheckedSignatures.read(logPath());
    expect(checked.size).toBe(2000);
    for (const fingerprint of fingerprints) expect(checked.has(fingerprint)).toBe(true);
    for (let i = 0; i < 2000; i++) expect(checked.has(new Uint8Array(randomBytes(32)))).toBe(false);

    // A crash in the middle of a write: the whole records before it still count, the torn one does not.
    appendFileSync(logPath(), Buffer.from(randomBytes(20)));
    expect(CheckedSignatures.read(logPath()).size).toBe(2000);
    // The next write starts the file afresh rather than append out of step with its records.
    const after = new Uint8Array(randomBytes(32));
    new CheckedSignatureLog(logPath()).add(after);
    new CheckedSignatureLog(logPath()).flush();
    const fresh = new CheckedSignatureLog(logPath());
    fresh.add(after);
    fresh.flush();
    const restarted = CheckedSignatures.read(logPath());
    expect(restarted.size).toBe(1);
    expect(restarted.has(after)).toBe(true);

    // A file that is not one (another program's, an older format) is believed in nothing, and replaced at the next write.
    writeFileSync(logPath(), Buffer.concat([Buffer.from('something else entirely, 32 byte'), Buffer.from(fingerprints[0]!)]));
    expect(CheckedSignatures.read(logPath()).size).toBe(0);
    const replacing = new CheckedSignatureLog(logPath());
    replacing.add(fingerprints[1]!);
    replacing.flush();
    const replaced = CheckedSignatures.read(logPath());
    expect([replaced.size, replaced.has(fingerprints[1]!), replaced.has(fingerprints[0]!)]).toEqual([1, true, false]);
    expect(readdirSync(join(dataDir(), 'cache'))).toEqual(['checked-signatures']);

    // A file another user could have written (group- or world-writable) is believed in nothing, and replaced at the next write.
    chmodSync(logPath(), 0o620);
    expect(CheckedSignatures.read(logPath()).size).toBe(0);
    const mending = new CheckedSignatureLog(logPath());
    mending.add(fingerprints[2]!);
    mending.flush();
    expect(statSync(logPath()).mode & 0o777).toBe(0o600);
    const mended = CheckedSignatures.read(logPath());
    expect([mended.size, mended.has(fingerprints[2]!), mended.has(fingerprints[1]!)]).toEqual([1, true, false]);
  });

  it.runIf(process.getuid?.() === 0)('one another user owns (put there by hand) is believed in nothing, and replaced by one of our own at the next write', () => {
    const theirs = new CheckedSignatureLog(logPath());
    const planted = new Uint8Array(randomBytes(32));
    theirs.add(planted);
    theirs.flush();
    const nobody = Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim());
    chownSync(logPath(), nobody, nobody);
    expect(statSync(logPath()).mode & 0o777).toBe(0o600);
    expect(CheckedSignatures.read(logPath()).size).toBe(0);
    const ours = new CheckedSignatureLog(logPath());
    const checked = new Uint8Array(randomBytes(32));
    ours.add(checked);
    ours.flush();
    expect(statSync(logPath()).uid).toBe(process.getuid!());
    const after = CheckedSignatures.read(logPath());
    expect([after.size, after.has(checked), after.has(planted)]).toEqual([1, true, false]);
  });

  it.runIf(process.getuid?.() === 0)('cannot be added to by another user on the machine (nobody, through runuser)', () => {
    const log = new CheckedSignatureLog(logPath());
    log.add(new Uint8Array(randomBytes(32)));
    log.flush();
    const before = readFileSync(logPath());
    // What `nobody` tries: append a note, or put a file of its own in its place. Plain Node, as any local user has.
    const attempt = `const fs = require('node:fs'); const tried = [];
      try { fs.appendFileSync(${JSON.stringify(logPath())}, Buffer.alloc(32, 7)); tried.push('appended'); } catch (error) { tried.push(error.code); }
      try { fs.writeFileSync(${JSON.stringify(`${logPath()}.new`)}, 'x'); tried.push('wrote'); } catch (error) { tried.push(error.code); }
      process.stdout.write(JSON.stringify(tried));`;
    const tried = JSON.parse(execFileSync('runuser', ['-u', 'nobody', '--', process.execPath, '-e', attempt], { encoding: 'utf8', cwd: '/' })) as string[];
    expect(tried).toEqual(['EACCES', 'EACCES']);
    expect(readFileSync(logPath()).equals(before)).toBe(true);
  });

  it('written by several processes at once, lose no record and split none', async () => {
    const source = fileURLToPath(new URL('../../electron/core/crypto/checked-signatures.ts', import.meta.url));
    // Each process writes 400 fingerprints, one write of 1 to 7 records at a time, numbered so the test can tell them apart.
    const writer = (index: number) => `
      import { CheckedSignatureLog } from ${JSON.stringify(source)};
      const log = new CheckedSignatureLog(${JSON.stringify(logPath())});
      let written = 0;
      while (written < 400) {
        for (let batch = 1 + (written % 7); batch > 0 && written < 400; batch--, written++) {
          const record = new Uint8Array(32).fill(${index});
          record[0] = written >> 8; record[1] = written & 255;
          log.add(record);
        }
        log.flush();
        await new Promise((next) => setImmediate(next));
      }`;
    const run = (index: number) =>
      new Promise<number | null>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', writer(index)], { stdio: ['ignore', 'ignore', 'inherit'] });
        child.once('error', reject);
        child.once('exit', resolve);
      });
    mkdirSync(join(dataDir(), 'cache'), { recursive: true, mode: 0o700 });
    new CheckedSignatureLog(logPath()).flush();
    expect(await Promise.all([1, 2, 3].map(run))).toEqual([0, 0, 0]);
    const checked = CheckedSignatures.read(logPath());
    expect(checked.size).toBe(1200);
    for (const index of [1, 2, 3]) {
      for (let written = 0; written < 400; written++) {
        const record = new Uint8Array(32).fill(index);
        record[0] = written >> 8;
        record[1] = written & 255;
        expect(checked.has(record)).toBe(true);
      }
    }
  }, 60_000);
});

describe('an index built again', () => {
  let storeDir: string;
  let history: GeneratedHistory;
  beforeEach(async () => {
    storeDir = join(home.dir, 'store');
    mkdirSync(storeDir, { recursive: true });
    history = await generateCeremonies(storeDir, 24);
  }, 120_000);

  const indexOnThreads = () =>
    new CeremonyIndex(localCeremonyService({ dataDir: dataDir(), storeDir }), join(dataDir(), 'cache', 'summaries.json'), undefined, { dataDir: dataDir(), threads: { from: 0, count: 2, alsoHere: false } });
  const summariesOf = async (index: CeremonyIndex) => {
    await index.refresh();
    await index.flushed();
    return new Map(index.records().map((record) => [record.summary.id, record.summary]));
  };
  /**
   * What an insider with push access would try: an approval moved a minute earlier (its file renamed to match), its
   * signature kept. Returns what a forger's note about it would name.
   */
  const moveApprovalEarlier = (id: string) => {
    const dir = join(storeDir, ceremonyFolder(id), 'events');
    const name = readdirSync(dir).find((file) => file.includes('-approved-'))!;
    const envelope = JSON.parse(readFileSync(join(dir, name), 'utf8')) as { payload: string; signatures: { keyid: string; sig: string }[] };
    const event = JSON.parse(new TextDecoder().decode(fromBase64(envelope.payload))) as { at: string; keyId: string };
    const stamp = (at: string) => at.replace(/[-:.]/g, '');
    const earlier = new Date(Date.parse(event.at) - 60_000).toISOString();
    const payload = new TextEncoder().encode(JSON.stringify({ ...event, at: earlier }));
    rmSync(join(dir, name));
    writeFileSync(join(dir, name.replace(stamp(event.at), stamp(earlier))), JSON.stringify({ ...envelope, payload: toBase64(payload) }));
    return { payload, signature: fromBase64(envelope.signatures[0]!.sig), keyId: event.keyId };
  };

  it('takes the signatures its threads checked before as checked, and checks a changed event again', async () => {
    const first = await summariesOf(indexOnThreads());
    const noted = statSync(logPath()).size;
    // Every event's signature and every approval's: several per ceremony.
    expect(CheckedSignatures.read(logPath()).size).toBeGreaterThan(24 * 3);

    // The summaries gone (an upgrade): the same summaries, and nothing checked again (a thread notes what it checks).
    const again = await summariesOf(indexOnThreads());
    expect(again).toEqual(first);
    expect(statSync(logPath()).size).toBe(noted);

    // An approval moved in time, its signature kept: checked again, and not counted.
    const id = history.ids[0]!;
    moveApprovalEarlier(id);
    // Built afresh (a file rewritten in place keeps its folder's time: the store watcher, not a refresh, would name it).
    rmSync(join(dataDir(), 'cache', 'summaries.json'));
    const afterTampering = await summariesOf(indexOnThreads());
    expect(afterTampering.get(id)).not.toEqual(first.get(id));
    // What the window's own engine, checking everything, makes of it.
    expect(afterTampering.get(id)).toEqual(summarize(await localCeremonyService({ dataDir: dataDir(), storeDir }).load(id)).summary);
    expect(afterTampering.get(id)!.approvedBy.length).toBe(first.get(id)!.approvedBy.length - 1);
  }, 120_000);

  it('after `conclave sync` brought the ceremonies (the built command, a process), a first index checks none of their signatures again', async () => {
    expect(existsSync(builtCli), `${builtCli} is missing: run "npm run build" before these tests.`).toBe(true);
    const env = { ...inheritedEnvironment((name) => name.startsWith('GIT_')), HOME: home.dir, CONCLAVE_HOME: dataDir(), GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'Test', GIT_AUTHOR_EMAIL: 'test@example.org', GIT_COMMITTER_NAME: 'Test', GIT_COMMITTER_EMAIL: 'test@example.org' };
    const git = (cwd: string, args: string[]) => execFileSync('git', args, { cwd, env, encoding: 'utf8' });
    // Another machine shared the ceremonies before (plain git, as in sync-cost.test.ts); this one has never seen them.
    const remote = join(home.dir, 'remote.git');
    git(home.dir, ['init', '-q', '--bare', '-b', 'main', remote]);
    for (const [file, text] of Object.entries(repositoryFiles)) writeFileSync(join(storeDir, file), text);
    git(storeDir, ['init', '-q', '-b', 'main']);
    git(storeDir, ['add', '-A']);
    git(storeDir, ['commit', '-q', '-m', 'shared before']);
    git(storeDir, ['push', '-q', remote, 'main']);
    const here = join(home.dir, 'here');
    mkdirSync(here);
    for (const args of [
      ['remote', 'add', remote, '--store', here],
      ['sync', '--store', here],
    ]) {
      const result = await conclave(args, env);
      expect(result.hung, `conclave ${args.join(' ')} did not end`).toBe(false);
      expect(result.leftovers).toEqual([]);
      expect(result.code, result.err).toBe(0);
    }
    // The sync checked every arrival, and noted each valid signature before its process ended.
    const noted = statSync(logPath()).size;
    expect(CheckedSignatures.read(logPath()).size).toBeGreaterThan(24 * 3);

    const index = new CeremonyIndex(localCeremonyService({ dataDir: dataDir(), storeDir: here }), join(dataDir(), 'cache', 'summaries.json'), undefined, { dataDir: dataDir(), threads: { from: 0, count: 2, alsoHere: false } });
    await index.refresh();
    expect(index.records()).toHaveLength(24);
    expect(statSync(logPath()).size).toBe(noted);
    for (const record of index.records().slice(0, 4)) expect(record).toEqual(summarize(await localCeremonyService({ dataDir: dataDir(), storeDir: here }).load(record.summary.id)));
  }, 120_000);

  it('a note a forger wrote into the data folder makes no decision: the window checks every signature itself', async () => {
    const id = history.ids[0]!;
    const honest = summarize(await localCeremonyService({ dataDir: dataDir(), storeDir }).load(id)).summary;
    const moved = moveApprovalEarlier(id);
    // The note the forger needs: this key, this changed message, the old signature.
    const approver = Object.values(history.keys).find((key) => key.keyId === moved.keyId)!;
    const fingerprint = signatureFingerprint(spkiOf(approver.publicKeyPem), pae(eventPayloadType, moved.payload), moved.signature);
    const log = new CheckedSignatureLog(logPath());
    log.add(fingerprint);
    log.flush();
    expect(CheckedSignatures.read(logPath()).has(fingerprint)).toBe(true);

    const loaded = await localCeremonyService({ dataDir: dataDir(), storeDir }).load(id);
    expect(summarize(loaded).summary.approvedBy.length).toBe(honest.approvedBy.length - 1);
    expect(loaded.view.problems.map((problem) => problem.code)).toContain('event-signature-invalid');
  }, 120_000);
});
