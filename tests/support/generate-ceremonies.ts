/**
 * Writes many ceremonies straight into a store, in the store's own format and
 * with real signatures, for the History screen's tests and benchmark (a
 * History of 10,000 ceremonies). It skips fsync and the token: speed is the
 * point here, and both are tested elsewhere.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventPayloadType, type CeremonyEvent } from '../../shared/ceremony/events';
import { ceremonyFolder } from '../../shared/ceremony/store-layout';
import { makeEnvelope } from '../../shared/dsse/envelope';
import { inTotoPayloadType, pae } from '../../shared/dsse/pae';
import { toBase64 } from '../../shared/encoding/base64';
import { canonicalJsonBytes } from '../../shared/json/canonical';
import { loadPolicy } from '../../shared/policy/policy';
import { buildReleaseStatement, freezeStatement } from '../../shared/statement/statement';
import { rejectionDocument, rejectionPayloadType } from '../../shared/ceremony/events';
import { nodeDigester } from '../../electron/core/crypto/node-crypto';
import { makeTestKey, type TestKey } from './test-keys';
import { envelopeText } from '../../electron/core/audit/published-envelope';

export interface GeneratedHistory {
  ids: string[];
  keys: Record<'alice' | 'bob' | 'carol' | 'rita', TestKey>;
  policyDocument: unknown;
}

const products = ['payments-api', 'web-console', 'ledger', 'auth-gateway', 'mobile-sync', 'search', 'billing-worker', 'edge-proxy'];
const base32 = 'abcdefghijklmnopqrstuvwxyz234567';

function ceremonyId(day: string): string {
  return `c-${day}-${[...randomBytes(10)].map((byte) => base32[byte & 31]).join('')}`;
}

export async function generateCeremonies(storeDir: string, count: number, now = new Date()): Promise<GeneratedHistory> {
  const keys = { alice: makeTestKey('ecdsa-p256'), bob: makeTestKey('ecdsa-p256'), carol: makeTestKey('ed25519'), rita: makeTestKey('ed25519') };
  const policyDocument = {
    version: 1,
    name: 'generated',
    threshold: 2,
    approvers: [
      { id: 'alice', role: 'security', publicKey: keys.alice.publicKeyPem },
      { id: 'bob', role: 'engineering', publicKey: keys.bob.publicKeyPem },
      { id: 'carol', role: 'engineering', publicKey: keys.carol.publicKeyPem },
    ],
    releaseManagers: [{ id: 'rita', name: 'Rita Release', publicKey: keys.rita.publicKeyPem }],
    roles: { security: 1 },
  };
  const policy = await loadPolicy(policyDocument, nodeDigester);
  const ids: string[] = [];
  // Every event signed by its author, as the store requires (rita, the release manager, opens, freezes, cancels and publishes).
  const write = (unsigned: CeremonyEvent, author: keyof typeof keys = 'rita') => {
    const event = { ...unsigned, actorKeyId: keys[author].keyId };
    const dir = join(storeDir, ceremonyFolder(event.ceremonyId), 'events');
    const name = `${event.at.replace(/[-:.]/g, '')}-${event.type}-${randomBytes(8).toString('hex')}.json`;
    const payload = new TextEncoder().encode(JSON.stringify(event));
    writeFileSync(join(dir, name), JSON.stringify(makeEnvelope(eventPayloadType, payload, [{ keyid: keys[author].keyId, signature: keys[author].sign(pae(eventPayloadType, payload)) }])));
  };

  for (let index = 0; index < count; index++) {
    // Spread over the last two years, newest first in id order.
    const openedAt = new Date(now.getTime() - (index + 1) * 3_600_000 * (17520 / Math.max(count, 1)));
    const day = openedAt.toISOString().slice(0, 10).replace(/-/g, '');
    const id = ceremonyId(day);
    ids.push(id);
    mkdirSync(join(storeDir, ceremonyFolder(id), 'events'), { recursive: true });
    const product = products[index % products.length]!;
    const version = `${1 + Math.floor(index / 400)}.${Math.floor(index / products.length) % 50}.${index % 7}`;
    const artifact = { name: `${product}-${version}.tgz`, digest: { sha256: createHash('sha256').update(`${product}@${version}#${index}`).digest('hex') } };
    const kind = index % 20; // 0-11 published, 12-14 frozen or expired, 15-16 rejected, 17-18 cancelled, 19 open
    const expiresAt = new Date(openedAt.getTime() + 72 * 3_600_000);
    const at = (minutes: number) => new Date(openedAt.getTime() + minutes * 60_000).toISOString();
    const release = { name: product, version, purl: `pkg:generic/${product}@${version}` };
    write({
      ceremonyId: id,
      type: 'opened',
      at: openedAt.toISOString(),
      release,
      policy: policyDocument,
      policyDigest: policy.digest,
      artifacts: [artifact],
      provenance: [],
      findings: [{ id: 'provenance-present', status: 'warn', message: 'No provenance was attached.' }],
      expiresAt: expiresAt.toISOString(),
      openedBy: 'rita',
    });
    if (kind === 19) continue;
    if (kind >= 17) {
      write({ ceremonyId: id, type: 'cancelled', at: at(5), reason: 'wrong artifact attached' });
      continue;
    }
    const statement = freezeStatement(
      buildReleaseStatement({
        release,
        artifacts: [artifact],
        ceremony: { id, openedAt, expiresAt, openedBy: 'rita' },
        policy,
        provenance: [],
        sboms: [],
        findings: [{ id: 'provenance-present', status: 'warn', message: 'No provenance was attached.' }],
        frozenAt: at(1),
      }),
    );
    const statementDigest = createHash('sha256').update(statement).digest('hex');
    write({ ceremonyId: id, type: 'frozen', at: at(1), payloadType: inTotoPayloadType, statement: toBase64(statement), statementDigest, overrides: [] });
    const approvals: { keyid: string; signature: Uint8Array }[] = [];
    const approve = (who: keyof typeof keys, minutes: number) => {
      const signature = keys[who].sign(pae(inTotoPayloadType, statement));
      approvals.push({ keyid: keys[who].keyId, signature });
      write({ ceremonyId: id, type: 'approved', at: at(minutes), statementDigest, keyId: keys[who].keyId, signature: toBase64(signature) }, who);
    };
    const reject = (who: keyof typeof keys, minutes: number) => {
      const reason = 'the builder changed without notice';
      const signature = keys[who].sign(pae(rejectionPayloadType, canonicalJsonBytes(rejectionDocument({ ceremonyId: id, statementDigest, reason }))));
      write({ ceremonyId: id, type: 'rejected', at: at(minutes), statementDigest, keyId: keys[who].keyId, reason, signature: toBase64(signature) }, who);
    };
    if (kind >= 15) {
      reject('bob', 30);
      reject('carol', 40);
      continue;
    }
    if (kind >= 12) {
      approve(index % 2 === 0 ? 'alice' : 'bob', 20);
      continue;
    }
    const second = index % 3 === 0 ? 'carol' : 'bob';
    approve('alice', 20);
    approve(second, 35);
    // The digest of the envelope exactly as publishing writes it, so an audit of a generated store passes.
    const envelopeDigest = createHash('sha256').update(envelopeText(makeEnvelope(inTotoPayloadType, statement, approvals))).digest('hex');
    write({ ceremonyId: id, type: 'published', at: at(60), envelopeDigest, approvers: ['alice', second] });
  }
  return { ids, keys, policyDocument };
}
