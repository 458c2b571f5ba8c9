/**
 * A freeze Conclave accepts: the statement its opening determines, byte for
 * byte, at a time of the freezer's choosing. An insider needs no forgery for
 * this; Conclave is open source, so she runs its own code to make it.
 */
import type { OpenedEvent } from '../../../shared/ceremony/events';
import { statementFromOpening } from '../../../shared/ceremony/release-statement';
import type { TestKey } from '../../support/test-keys';
import { forgeEvent, inTotoPayloadType, newCeremonyId, sha256, shifted, type EventJson, type ForgedFile } from './forge';

export function validFreeze(opening: EventJson, policy: Record<string, unknown>, at: string, signWith: TestKey): ForgedFile {
  const opened = opening as unknown as OpenedEvent;
  const statement = statementFromOpening(opened, { digest: opened.policyDigest, ...(typeof policy.name === 'string' ? { name: policy.name } : {}), threshold: policy.threshold as number }, [], at);
  return forgeEvent(
    { ceremonyId: opened.ceremonyId, type: 'frozen', at, payloadType: inTotoPayloadType, statement: Buffer.from(statement).toString('base64'), statementDigest: sha256(statement), overrides: [] },
    { signWith },
  );
}

/**
 * An opening written by hand after an honest one (its artifacts, evidence and
 * findings), for a new ceremony or the same one, signed with the given key:
 * what an insider whose key may open ceremonies writes without the CLI.
 */
export function openingLike(template: EventJson, changes: Partial<EventJson> & { at: string }, signWith: TestKey | undefined, claim?: string): ForgedFile {
  const { actorKeyId: _actor, ...rest } = template;
  const event: EventJson = {
    ...rest,
    ceremonyId: changes.ceremonyId ?? newCeremonyId(new Date(changes.at)),
    expiresAt: shifted(changes.at, 72 * 3600_000),
    ...changes,
  };
  return forgeEvent(event, { ...(signWith ? { signWith } : {}), ...(claim ? { claim } : {}) });
}
