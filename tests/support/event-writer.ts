/** Appends approval events to a store as fast as it can, until killed: the crash test's victim. */
import { CeremonyStore } from '../../electron/core/ceremony/event-store';
import { makeEnvelope } from '../../shared/dsse/envelope';
import { eventPayloadType, type CeremonyEvent } from '../../shared/ceremony/events';

const [root, ceremonyId] = process.argv.slice(2) as [string, string];
const store = new CeremonyStore(root);
// A large signature field makes each write take long enough to be interrupted mid-way.
const padding = 'A'.repeat(256 * 1024);
for (let i = 0; ; i++) {
  const event: CeremonyEvent = {
    ceremonyId,
    type: 'approved',
    at: new Date().toISOString(),
    statementDigest: '5'.repeat(64),
    keyId: (i % 16).toString(16).repeat(64),
    signature: padding,
  };
  await store.append(makeEnvelope(eventPayloadType, new TextEncoder().encode(JSON.stringify(event)), []), event);
  process.stdout.write('.');
}
