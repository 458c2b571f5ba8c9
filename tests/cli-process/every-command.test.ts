/**
 * Every command of the README, and every documented refusal, as a process
 * (issue 11): a whole release, from keys made on SoftHSM2 tokens to a
 * published envelope, a carried bundle, a shared store and an audit, once on
 * an idle machine and once on a loaded one (two busy workers on the two
 * cores). Each run must end by itself with its documented exit code and leave
 * nothing running; the --json documents have the documented shape
 * (docs/cli.md), and the commands Conclave prints run as printed.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDataDir, makeTokenFolder, type TokenFolder } from '../support/softhsm';
import { bin, builtCli, ends, fixture, hangBoundMs, runEnvironment, tokenLabels } from './support';

const artifactName = 'binary-linux-amd64-multi-subject-first';
const key = (who: string) => `pkcs11:token=${who};object=release-signing`;

/** Keys a JSON document must have (docs/cli.md, "--json"). */
function expectShape(json: unknown, keys: string[]): void {
  expect(json).toBeTypeOf('object');
  for (const name of keys) expect(json, `missing "${name}"`).toHaveProperty(name);
}
const viewKeys = ['id', 'state', 'actions', 'release', 'openedAt', 'expiresAt', 'policyDigest', 'artifacts', 'findings', 'approvals', 'rejections', 'problems'];

/** Busy workers, one per core: the machine a shared CI runner often is. */
function busyWorkers(count: number): ChildProcess[] {
  return Array.from({ length: count }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
}

describe.each([
  ['an idle machine', 0],
  ['a loaded machine (two busy workers)', 2],
])('every command on %s ends with its documented exit code and leaves nothing running', (_machine, workers) => {
  let folder: TokenFolder;
  let home: ReturnType<typeof makeDataDir>;
  let env: Record<string, string>;
  let work: string;
  let busy: ChildProcess[] = [];
  let id: string;
  const run = (args: string[], code: number) => ends(env, args, code);
  const json = async (args: string[], code = 0) => JSON.parse((await run([...args, '--json'], code)).out) as Record<string, unknown>;

  beforeAll(async () => {
    expect(existsSync(builtCli), `${builtCli} is missing: run "npm run build" before these tests.`).toBe(true);
    busy = busyWorkers(workers);
    folder = makeTokenFolder();
    for (const label of tokenLabels) folder.addToken(label, '1234');
    home = makeDataDir();
    env = runEnvironment(folder, home.dir);
    work = join(home.dir, 'work');
    mkdirSync(work);
    copyFileSync(fixture(artifactName), join(work, artifactName));
  });

  afterAll(() => {
    for (const worker of busy) worker.kill('SIGKILL');
    folder?.cleanup();
    home?.cleanup();
  });

  it('keygen and pubkey for each person, then the team policy is trusted', async () => {
    const publicKeys: Record<string, string> = {};
    for (const who of tokenLabels) {
      expectShape(await json(['keygen', key(who), '--alg', 'ecdsa-p256', '--pin-env', 'GOOD_PIN']), ['uri', 'label', 'id', 'type', 'publicKeyPem', 'keyId', 'hasPrivateKey']);
      const pubkey = await json(['pubkey', key(who)]);
      expectShape(pubkey, ['uri', 'keyId', 'type', 'publicKeyPem']);
      publicKeys[who] = pubkey.publicKeyPem as string;
    }
    expect(await json(['keys', 'pkcs11:token=alice'])).toHaveLength(1);
    const policy = { version: 1, name: 'team', threshold: 2, approvers: [{ id: 'alice', publicKey: publicKeys.alice }, { id: 'bob', publicKey: publicKeys.bob }], releaseManagers: [{ id: 'carol', publicKey: publicKeys.carol }] };
    writeFileSync(join(work, 'policy.json'), JSON.stringify(policy, null, 2));
    expectShape(await json(['policy', 'trust', join(work, 'policy.json'), '--yes']), ['digest', 'name', 'path', 'alreadyTrusted']);
    expect(await json(['policy', 'list'])).toHaveLength(1);
    // A script must confirm with --yes: without a terminal, asking is a usage mistake.
    await run(['policy', 'trust', join(work, 'policy.json')], 2);
    const digests = await json(['digest', join(work, artifactName)]);
    expectShape(digests, ['ok', 'algorithm', 'files']);
    expect((digests.files as { sha256: string }[])[0]!.sha256).toBe(execFileSync('sha256sum', [join(work, artifactName)], { encoding: 'utf8' }).split(' ')[0]);
  });

  it('ceremony open --quiet prints the id alone; show --json prints the view', async () => {
    const opened = await run(['ceremony', 'open', '--policy', join(work, 'policy.json'), '--release', 'app@1.0.0', '--artifact', join(work, artifactName), '--provenance', fixture(`${artifactName}.intoto.jsonl`), '--key', key('carol'), '--pin-env', 'GOOD_PIN', '--quiet'], 0);
    expect(opened.out).toMatch(/^c-\d{8}-[a-z2-7]{10}\n$/);
    id = opened.out.trim();
    const view = await json(['ceremony', 'show', id]);
    expectShape(view, viewKeys);
    expect(view.state).toBe('frozen');
    expectShape((await json(['ceremony', 'list']) as unknown as unknown[])[0], viewKeys);
  });

  it('refusals: another statement (1), a wrong PIN (4), a token that is not there (4), publishing early (1), no --key (2)', async () => {
    const other = await run(['ceremony', 'approve', id, '--key', key('alice'), '--pin-env', 'GOOD_PIN', '--statement', 'a'.repeat(64), '--json'], 1);
    expect(JSON.parse(other.out)).toMatchObject({ ok: false, error: { code: 'conflict', exitCode: 1 } });
    const wrongPin = await run(['ceremony', 'approve', id, '--key', key('alice'), '--pin-env', 'WRONG_PIN'], 4);
    expect(wrongPin.err).not.toContain('98765');
    await run(['ceremony', 'approve', id, '--key', key('nosuch'), '--pin-env', 'GOOD_PIN'], 4);
    expect((await run(['ceremony', 'publish', id, '--out', join(work, 'early'), '--key', key('carol'), '--pin-env', 'GOOD_PIN'], 1)).err).toMatch(/not approved/);
    expect((await run(['ceremony', 'approve', id, '--pin-env', 'GOOD_PIN'], 2)).err.split('\n')[0]).toBe("conclave ceremony approve: needs --key with your key's PKCS#11 URI.");
    expect((await json(['ceremony', 'show', id])).approvals).toEqual([]);
  });

  it('approve, withdraw and approve again; then the policy is met and the next step is publish', async () => {
    const first = await run(['ceremony', 'approve', id, '--key', key('alice'), '--pin-env', 'GOOD_PIN'], 0);
    expect(first.out.split('\n')[0]).toMatch(new RegExp(`^Approved ${id} as alice \\(1 of 2`));
    expect(first.err).toContain('You are signing statement sha256:');
    const withdrawn = await run(['ceremony', 'withdraw', id, '--key', key('alice'), '--pin-env', 'GOOD_PIN', '--reason', 'wrong build'], 0);
    expect(withdrawn.out.split('\n')[0]).toMatch(new RegExp(`^Withdrew the approval of alice from ${id}`));
    expect((await run(['ceremony', 'approve', id, '--key', key('bob'), '--pin-env', 'GOOD_PIN', '--quiet'], 0)).out).toBe('');
    // carol manages releases; she is not an approver of this policy.
    expect(await json(['ceremony', 'approve', id, '--key', key('carol'), '--pin-env', 'GOOD_PIN'], 1)).toMatchObject({ ok: false, error: { exitCode: 1 } });
    expect((await run(['ceremony', 'reject', id, '--key', key('bob'), '--pin-env', 'GOOD_PIN'], 2)).err).toMatch(/needs --reason/);
  });

  it('publish prints a verify command that runs as printed, from any folder', async () => {
    // alice approves again after her withdrawal (bob approved meanwhile): 2 of 2.
    const again = await run(['ceremony', 'approve', id, '--key', key('alice'), '--pin-env', 'GOOD_PIN'], 0);
    expect(again.out).toContain(`Next: conclave ceremony publish ${id} --out DIR --key URI`);
    const out = join(work, 'published');
    const published = await json(['ceremony', 'publish', id, '--out', out, '--key', key('carol'), '--pin-env', 'GOOD_PIN']);
    expectShape(published, ['directory', 'envelopePath', 'policyPath', 'bundlePaths', 'summaryPath', 'registry', 'ok', 'approvedBy', 'verifyCommand']);
    expect(published.ok).toBe(true);
    // As printed, with "conclave" being this repository's command, run from another folder.
    // The artifact was opened here: the command names it by the path it was opened from, nothing to fill in.
    expect(published.verifyCommand).toContain(`--artifact ${join(work, artifactName)}`);
    expect(published).not.toHaveProperty('unlocatedArtifacts');
    const command = (published.verifyCommand as string).replace(/^conclave /, '');
    const shell = spawn('sh', ['-c', `"${process.execPath}" "${bin}" ${command}`], { cwd: '/', env, stdio: 'pipe' });
    let output = '';
    shell.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    shell.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => shell.once('close', resolve));
    expect(code, `${command}\n${output}`).toBe(0);
    expect(output).toMatch(/^verified: /m);
  }, hangBoundMs * 2);

  it('verify: the release (0), another artifact (1), an image by tag (2)', async () => {
    const envelope = join(work, 'published', 'app-1.0.0.intoto.dsse.json');
    expectShape(await json(['verify', '--policy', join(work, 'policy.json'), '--envelope', envelope, '--artifact', join(work, artifactName)]), ['ok', 'approvedBy', 'failures', 'notes', 'signatures', 'artifacts']);
    writeFileSync(join(work, 'other'), 'not the release\n');
    const other = await json(['verify', '--policy', join(work, 'policy.json'), '--envelope', envelope, '--artifact', join(work, 'other')], 1);
    expect(other.ok).toBe(false);
    await run(['verify', '--policy', join(work, 'policy.json'), 'oci://127.0.0.1:1/acme/app:1.0.0'], 2);
  });

  it('export, import elsewhere (0), import of a damaged bundle (1)', async () => {
    const bundle = join(work, 'ceremony.json');
    expectShape(await json(['ceremony', 'export', id, '--out', bundle]), ['ceremonyId', 'path', 'events', 'evidence', 'summary', 'leftOut']);
    const elsewhere = join(home.dir, 'elsewhere');
    expectShape(await json(['ceremony', 'import', bundle, '--store', elsewhere]), ['ceremonyId', 'newCeremony', 'added', 'skipped', 'refused', 'evidence', 'notes']);
    writeFileSync(join(work, 'damaged.json'), readFileSync(bundle, 'utf8').slice(0, 200));
    await run(['ceremony', 'import', join(work, 'damaged.json'), '--store', elsewhere], 1);
  });

  it('remote add, show, sync, audit verify, policy chain, remote remove; sync with no remote (1)', async () => {
    const remote = join(home.dir, 'remote.git');
    execFileSync('git', ['init', '--bare', '--quiet', '--initial-branch=main', remote]);
    expectShape(await json(['remote', 'add', remote]), ['ok', 'url']);
    expectShape(await json(['remote', 'show']), ['state', 'ahead', 'behind']);
    expectShape(await json(['sync']), ['outcome', 'committed', 'leftOut', 'pushed', 'attempts', 'arrivals']);
    expectShape(await json(['audit', 'verify']), ['ok', 'root', 'findings', 'notes', 'counts', 'historyChecked']);
    expectShape(await json(['policy', 'chain', '--out', join(work, 'chain.json')]), ['ok', 'path', 'links']);
    await run(['remote', 'remove'], 0);
    await run(['sync'], 1);
  });

  it('a second ceremony: cancel (0), then cancel again (1); a policy ceremony opens (0)', async () => {
    const second = (await run(['ceremony', 'open', '--policy', join(work, 'policy.json'), '--release', 'app@1.0.1', '--artifact', join(work, artifactName), '--provenance', fixture(`${artifactName}.intoto.jsonl`), '--key', key('carol'), '--pin-env', 'GOOD_PIN'], 0)).out.split('\n')[0]!;
    const cancelled = await run(['ceremony', 'cancel', second, '--key', key('carol'), '--pin-env', 'GOOD_PIN', '--reason', 'superseded'], 0);
    expect(cancelled.out.split('\n')[0]).toBe(`Cancelled ${second}: superseded.`);
    await run(['ceremony', 'cancel', second, '--key', key('carol'), '--pin-env', 'GOOD_PIN'], 1);
    const next = JSON.parse(readFileSync(join(work, 'policy.json'), 'utf8')) as { name: string };
    writeFileSync(join(work, 'policy-2.json'), JSON.stringify({ ...next, name: 'team-2027' }));
    const proposed = await run(['policy', 'propose', join(work, 'policy-2.json'), '--policy', join(work, 'policy.json'), '--key', key('carol'), '--pin-env', 'GOOD_PIN', '--quiet'], 0);
    expect(proposed.out).toMatch(/^c-\d{8}-[a-z2-7]{10}\n$/);
  });

  it('nothing any of these commands started is still running', () => {
    // A token host carries the test's own SOFTHSM2_CONF in its environment: no process may still have it.
    const marker = `SOFTHSM2_CONF=${folder.conf}`;
    const holders = execFileSync('ps', ['-eo', 'pid='], { encoding: 'utf8' })
      .split('\n')
      .map((line) => line.trim())
      .filter((pid) => pid && Number(pid) !== process.pid)
      .filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(marker);
        } catch {
          return false; // ended meanwhile, or not ours to read
        }
      });
    expect(holders).toEqual([]);
  });
});
