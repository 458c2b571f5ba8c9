/**
 * An opening hashes its artifacts while the opener's key is checked and the
 * token unlocked (issue 11), and still behaves as if the check came first: a
 * refused opening is what is reported, shows no hashing progress and leaves
 * nothing behind; one that goes ahead shows its progress to the end.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CeremonyService, type CeremonySigner } from '../../electron/core/ceremony/ceremony-service';
import { CeremonyStore } from '../../electron/core/ceremony/event-store';
import type { FilesProgress } from '../../electron/core/hashing';
import { ConclaveError } from '../../shared/errors';
import { failure } from '../support/refusal';
import { makeDataDir } from '../support/softhsm';
import { softwareKeyUri, softwareSigner } from '../support/software-signer';
import { makeTestKey, type TestKey } from '../support/test-keys';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/real/${name}`, import.meta.url));
const artifactName = 'binary-linux-amd64-multi-subject-first';

let home: ReturnType<typeof makeDataDir>;
let keys: Record<'alice' | 'bob' | 'rita' | 'mallory', TestKey>;
let policyPath: string;

/** A signer whose PIN check is the test's to answer. */
function signerWithUnlock(unlock: () => Promise<void>): CeremonySigner {
  return { ...softwareSigner(() => keys), unlock };
}

function openWith(signer: CeremonySigner, options: { opener?: string; artifact?: string; progress?: FilesProgress[] } = {}) {
  const service = new CeremonyService(new CeremonyStore(join(home.dir, 'store')), signer);
  const opened = service.open({
    policyPath,
    release: { name: 'demo', version: '1.0.0' },
    artifactPaths: [options.artifact ?? join(home.dir, artifactName)],
    provenancePaths: [fixture(`${artifactName}.intoto.jsonl`)],
    openerKeyUri: softwareKeyUri(options.opener ?? 'rita'),
    onProgress: (progress) => options.progress?.push(progress),
  });
  return { service, opened };
}

beforeEach(() => {
  home = makeDataDir();
  mkdirSync(join(home.dir, 'store'));
  copyFileSync(fixture(artifactName), join(home.dir, artifactName));
  keys = { alice: makeTestKey('ecdsa-p256'), bob: makeTestKey('ecdsa-p256'), rita: makeTestKey('ecdsa-p256'), mallory: makeTestKey('ecdsa-p256') };
  policyPath = join(home.dir, 'policy.json');
  writeFileSync(
    policyPath,
    JSON.stringify({
      version: 1,
      threshold: 2,
      approvers: [
        { id: 'alice', publicKey: keys.alice.publicKeyPem },
        { id: 'bob', publicKey: keys.bob.publicKeyPem },
      ],
      releaseManagers: [{ id: 'rita', name: 'Rita Release', publicKey: keys.rita.publicKeyPem }],
    }),
  );
});
afterEach(() => home.cleanup());

describe('hashing beside the opening check', () => {
  it('reports a wrong PIN, not the hashing, with no progress shown and nothing written', async () => {
    const progress: FilesProgress[] = [];
    const { service, opened } = openWith(
      signerWithUnlock(async () => {
        throw new ConclaveError('pin-incorrect', 'The PIN for token "rita" is wrong.');
      }),
      { progress },
    );
    expect((await failure(opened)).code).toBe('pin-incorrect');
    expect(progress).toEqual([]);
    expect(await service.store.listCeremonies()).toEqual([]);
  });

  it('reports a key outside the policy before an artifact that cannot be read', async () => {
    const { service, opened } = openWith(signerWithUnlock(async () => undefined), { opener: 'mallory', artifact: join(home.dir, 'no-such-artifact.tgz') });
    const refused = await failure(opened);
    expect(refused.code).toBe('forbidden');
    expect(refused.message).toMatch(/belongs to nobody/);
    expect(await service.store.listCeremonies()).toEqual([]);
  });

  it('reports an artifact that cannot be read once the opening check has passed', async () => {
    const { opened } = openWith(signerWithUnlock(async () => undefined), { artifact: join(home.dir, 'no-such-artifact.tgz') });
    expect((await failure(opened)).message).toContain('no-such-artifact.tgz');
  });

  it('shows the progress held back during the PIN check, to the last byte, once the opening goes ahead', async () => {
    const progress: FilesProgress[] = [];
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    const { opened } = openWith(
      signerWithUnlock(() => {
        // The person types the PIN: nothing is shown meanwhile.
        expect(progress).toEqual([]);
        answer();
        return answered;
      }),
      { progress },
    );
    const { view } = await opened;
    expect(view.state).toBe('frozen');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)!.bytesDone).toBe(progress.at(-1)!.bytesTotal);
  });
});
