/**
 * What the window is told about an approval's time: the ceremony detail's
 * timeline carries the TSA's verified time (`trustedTime`) when the policy
 * names a time-stamping authority, and why there is none (`timeNote`) when it
 * does not. A real `openssl ts` TSA on loopback (tests/support/tsa.ts).
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CeremonyService } from '../../electron/core/ceremony/ceremony-service';
import { detailOf, summarize } from '../../electron/core/ceremony/ceremony-views';
import { CeremonyStore } from '../../electron/core/ceremony/event-store';
import { CeremonyDetailSchema } from '../../shared/api/ceremony-schemas';
import { makeDataDir } from '../support/softhsm';
import { makeTestKey, type TestKey } from '../support/test-keys';
import { createTsaLab, startTsaServer, type RunningTsa, type TsaLab } from '../support/tsa';
import { softwareKeyUri, softwareSigner } from '../support/software-signer';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/real/${name}`, import.meta.url));
const artifactName = 'binary-linux-amd64-multi-subject-first';
type Who = 'alice' | 'bob' | 'rita';

let lab: TsaLab;
let tsa: RunningTsa;
let home: ReturnType<typeof makeDataDir>;
let keys: Record<Who, TestKey>;

const uri = (who: Who) => softwareKeyUri(who);
const signer = softwareSigner(() => keys);

beforeAll(async () => {
  lab = await createTsaLab();
  tsa = await startTsaServer({ signer: lab.ecdsaTsa });
}, 120_000);
afterAll(async () => {
  await tsa?.close();
  await lab?.remove();
});
beforeEach(() => {
  home = makeDataDir();
  copyFileSync(fixture(artifactName), join(home.dir, artifactName));
  keys = { alice: makeTestKey('ecdsa-p256'), bob: makeTestKey('ed25519'), rita: makeTestKey('ecdsa-p256') };
  return () => home.cleanup();
});

function writePolicy(timestamping?: Record<string, unknown>): string {
  const path = join(home.dir, `policy-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(
    path,
    JSON.stringify({
      version: 1,
      threshold: 2,
      approvers: [
        { id: 'alice', publicKey: keys.alice.publicKeyPem },
        { id: 'bob', publicKey: keys.bob.publicKeyPem },
      ],
      releaseManagers: [{ id: 'rita', publicKey: keys.rita.publicKeyPem }],
      ...(timestamping ? { timestamping: { certificates: readFileSync(lab.ca.certPath, 'utf8'), ...timestamping } } : {}),
    }),
  );
  return path;
}

/** Opens under the policy, alice approves, and returns the detail the window would get. */
async function approvedDetail(policyPath: string) {
  mkdirSync(join(home.dir, 'store'), { recursive: true });
  const store = new CeremonyStore(join(home.dir, 'store'));
  const service = new CeremonyService(store, signer);
  const { view } = await service.open({ policyPath, release: { name: 'demo', version: '1.0.0' }, artifactPaths: [join(home.dir, artifactName)], provenancePaths: [fixture(`${artifactName}.intoto.jsonl`)], openerKeyUri: uri('rita') });
  await service.approve(view.id, uri('alice'));
  const loaded = await service.load(view.id);
  const detail = await detailOf(loaded, summarize(loaded), store, false);
  return CeremonyDetailSchema.parse(detail);
}

describe('the time of an approval in the ceremony detail', () => {
  it('carries the verified TSA time when the policy has a time-stamping authority', async () => {
    const before = Date.now();
    const detail = await approvedDetail(writePolicy({ url: tsa.url }));
    const after = Date.now();
    const approval = detail.timeline.find((entry) => entry.type === 'approved')!;
    expect(approval).toMatchObject({ actor: 'alice', signature: 'valid' });
    expect(approval.timeNote).toBeUndefined();
    const time = Date.parse(approval.trustedTime!);
    // The TSA's clock is this machine's; its accuracy is 1.5 s.
    expect(time).toBeGreaterThanOrEqual(before - 2000);
    expect(time).toBeLessThanOrEqual(after + 2000);
    expect(detail.timeline.filter((entry) => entry.type !== 'approved').every((entry) => entry.trustedTime === undefined && entry.timeNote === undefined)).toBe(true);
  });

  it('says why there is no trusted time when the policy names no TSA', async () => {
    const detail = await approvedDetail(writePolicy());
    const approval = detail.timeline.find((entry) => entry.type === 'approved')!;
    expect(approval.trustedTime).toBeUndefined();
    expect(approval.timeNote).toBe('the policy names no time-stamping authority');
  });
});
