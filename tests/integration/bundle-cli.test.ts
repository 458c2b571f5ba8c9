/**
 * Air-gapped signing on the command line (issue 5), with SoftHSM2 tokens: the
 * release manager's store exports a ceremony, an offline laptop imports it and
 * an approver signs there with their token, and the bundle that comes back
 * gives the release manager the approval, which then publishes and verifies.
 */
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '../../electron/cli/index';
import { makeDataDir, makeTokenFolder, softhsmModule, type TokenFolder } from '../support/softhsm';
import { ceremonyFolder } from '../../shared/ceremony/store-layout';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/real/${name}`, import.meta.url));
const artifactName = 'binary-linux-amd64-multi-subject-first';

let folder: TokenFolder;
let home: ReturnType<typeof makeDataDir>;
let work: string;
const storeOf = (name: string) => join(home.dir, 'stores', name);

function io(store: string, sink: { out: string; err: string }): CliIo {
  return {
    out: (text) => (sink.out += text),
    err: (text) => (sink.err += text),
    env: { ...process.env, ...folder.env, CONCLAVE_HOME: home.dir, CONCLAVE_STORE: store, CONCLAVE_PKCS11_MODULES: softhsmModule!, PIN: '1234' },
    interactive: () => false,
  };
}

async function conclave(store: string, args: string[]) {
  const sink = { out: '', err: '' };
  const code = await runCli(args, io(store, sink));
  return { code, ...sink };
}

const key = (who: string) => `pkcs11:token=${who};object=release-signing`;
const eventFiles = (store: string, id: string) => readdirSync(join(store, ceremonyFolder(id), 'events')).sort();

beforeAll(async () => {
  folder = makeTokenFolder();
  home = makeDataDir();
  work = join(home.dir, 'work');
  mkdirSync(work);
  const publicKeys: Record<string, string> = {};
  for (const [who, alg] of Object.entries({ alice: 'ecdsa-p256', bob: 'ed25519', rita: 'ecdsa-p256' })) {
    folder.addToken(who, '1234');
    const made = await conclave(storeOf('keys'), ['keygen', key(who), '--alg', alg, '--pin-env', 'PIN']);
    expect(made.code, made.err).toBe(0);
    publicKeys[who] = (await conclave(storeOf('keys'), ['pubkey', key(who)])).out;
  }
  writeFileSync(
    join(work, 'policy.json'),
    JSON.stringify({
      version: 1,
      threshold: 2,
      approvers: [
        { id: 'alice', role: 'security', publicKey: publicKeys.alice },
        { id: 'bob', role: 'engineering', publicKey: publicKeys.bob },
      ],
      releaseManagers: [{ id: 'rita', publicKey: publicKeys.rita }],
    }),
  );
  copyFileSync(fixture(artifactName), join(work, artifactName));
});

afterAll(() => {
  folder?.cleanup();
  home?.cleanup();
});

describe('an air-gapped round trip on the command line', () => {
  const releaseManager = () => storeOf('release-manager');
  const offlineLaptop = () => storeOf('offline-laptop');
  let id: string;

  it('exports a frozen ceremony, which the offline laptop imports', async () => {
    expect((await conclave(releaseManager(), ['policy', 'trust', join(work, 'policy.json'), '--yes'])).code).toBe(0);
    const opened = await conclave(releaseManager(), ['ceremony', 'open', '--policy', join(work, 'policy.json'), '--release', 'demo@1.0.0', '--artifact', join(work, artifactName), '--provenance', fixture(`${artifactName}.intoto.jsonl`), '--key', key('rita'), '--pin-env', 'PIN']);
    expect(opened.code, opened.err).toBe(0);
    id = opened.out.split('\n')[0]!;

    const exported = await conclave(releaseManager(), ['ceremony', 'export', id, '--out', join(work, 'to-laptop.json')]);
    expect(exported.code, exported.err).toBe(0);
    expect(exported.out).toMatch(/2 event files, 1 evidence file/);
    expect(JSON.parse(readFileSync(join(work, 'to-laptop.json'), 'utf8')).mediaType).toBe('application/vnd.conclave.bundle+json');

    const imported = await conclave(offlineLaptop(), ['ceremony', 'import', join(work, 'to-laptop.json')]);
    expect(imported.code, imported.out).toBe(0);
    expect(imported.out).toMatch(/new in this store/);
    expect(imported.out).toMatch(/Ceremony .* is FROZEN/);
    expect(eventFiles(offlineLaptop(), id)).toEqual(eventFiles(releaseManager(), id));
  });

  it('brings an approval signed on the laptop with a token back to the release manager, who publishes', async () => {
    const approved = await conclave(offlineLaptop(), ['ceremony', 'approve', id, '--key', key('bob'), '--pin-env', 'PIN']);
    expect(approved.code, approved.err).toBe(0);
    const exported = await conclave(offlineLaptop(), ['ceremony', 'export', id, '--out', join(work, 'from-laptop.json')]);
    expect(exported.code, exported.err).toBe(0);

    const imported = await conclave(releaseManager(), ['ceremony', 'import', join(work, 'from-laptop.json')]);
    expect(imported.code, imported.out).toBe(0);
    expect(imported.out).toMatch(/added .*-approved-.*\(approved by bob\)/);
    expect(imported.out).toMatch(/skipped\s+2 event files already in the store/);
    expect(imported.out).toMatch(/1 of 2 approvals/);

    const second = await conclave(releaseManager(), ['ceremony', 'approve', id, '--key', key('alice'), '--pin-env', 'PIN']);
    expect(second.code, second.err).toBe(0);
    expect(second.out).toMatch(/^Approved .* as alice \(/);
    expect(second.out).toContain('Next: conclave ceremony publish');
    const published = await conclave(releaseManager(), ['ceremony', 'publish', id, '--out', join(work, 'out'), '--key', key('rita'), '--pin-env', 'PIN']);
    expect(published.code, published.err).toBe(0);
    const verified = await conclave(releaseManager(), ['verify', '--policy', join(work, 'policy.json'), '--envelope', join(work, 'out', 'demo-1.0.0.intoto.dsse.json'), '--artifact', join(work, artifactName)]);
    expect(verified.code, verified.out).toBe(0);
    expect(verified.out).toMatch(/alice/);
    expect(verified.out).toMatch(/bob/);
  });

  it('adds nothing when the same bundle is imported again', async () => {
    const before = eventFiles(releaseManager(), id);
    const again = await conclave(releaseManager(), ['ceremony', 'import', join(work, 'from-laptop.json')]);
    expect(again.code, again.out).toBe(0);
    expect(again.out).toMatch(/nothing new/);
    expect(eventFiles(releaseManager(), id)).toEqual(before);
  });

  it('refuses a tampered approval, keeps the valid events, and exits 1', async () => {
    const bundle = JSON.parse(readFileSync(join(work, 'from-laptop.json'), 'utf8')) as { events: { name: string; envelope: string }[] };
    const approval = bundle.events.find((file) => file.name.includes('-approved-'))!;
    const envelope = JSON.parse(approval.envelope) as { payload: string };
    const event = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as { signature: string };
    // One bit of bob's signature flipped, as a careless or hostile courier might.
    const signature = Buffer.from(event.signature, 'base64');
    signature[10] = signature[10]! ^ 1;
    envelope.payload = Buffer.from(JSON.stringify({ ...event, signature: signature.toString('base64') })).toString('base64');
    approval.envelope = JSON.stringify(envelope, null, 2);
    writeFileSync(join(work, 'tampered.json'), JSON.stringify(bundle));

    const fresh = storeOf('fresh');
    const imported = await conclave(fresh, ['ceremony', 'import', join(work, 'tampered.json')]);
    expect(imported.code).toBe(1);
    expect(imported.out).toMatch(new RegExp(`refused\\s+${approval.name}: the signature of bob on this approved event is missing or does not match its content`));
    expect(imported.out).toMatch(/1 file was not imported/);
    expect(eventFiles(fresh, id)).not.toContain(approval.name);
    const shown = await conclave(fresh, ['ceremony', 'show', id]);
    expect(shown.code, shown.err).toBe(0);
    expect(shown.out).toContain('FROZEN');
    expect(shown.out).toMatch(/0 of 2 approvals/);
  });

  it('refuses a bundle whose file name tries to escape, and a truncated bundle, changing nothing', async () => {
    const target = storeOf('untouched');
    const bundle = JSON.parse(readFileSync(join(work, 'from-laptop.json'), 'utf8')) as { events: { name: string }[] };
    bundle.events[0]!.name = '../../../../evil.json';
    writeFileSync(join(work, 'escape.json'), JSON.stringify(bundle));
    const escaped = await conclave(target, ['ceremony', 'import', join(work, 'escape.json')]);
    expect(escaped.code).toBe(1);
    expect(escaped.err).toMatch(/names an event file "..\/..\/..\/..\/evil.json".*nothing was imported/);

    const text = readFileSync(join(work, 'from-laptop.json'), 'utf8');
    writeFileSync(join(work, 'truncated.json'), text.slice(0, text.length - 200));
    const truncated = await conclave(target, ['ceremony', 'import', join(work, 'truncated.json')]);
    expect(truncated.code).toBe(1);
    expect(truncated.err).toMatch(/not a complete ceremony bundle.*cut short/);

    const missing = await conclave(target, ['ceremony', 'import', join(work, 'no-such-bundle.json')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/cannot read the bundle file/);
    expect(() => readdirSync(target)).toThrow();
  });
});
