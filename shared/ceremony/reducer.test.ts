import { describe, expect, it } from 'vitest';
import { reduceCeremony, CeremonyNotOpenedError, type CeremonyEventInput, type PolicyTally } from './reducer';
import type { CeremonyEvent } from './events';

const id = 'c-20261122-abcdefghij';
const digest = (c: string) => c.repeat(64);
const statementDigest = digest('5');
const key = { alice: digest('a'), bob: digest('b'), carol: digest('c') };

// "any 2 of 3": impossible once two reject.
const twoOfThree: PolicyTally = (approvals, rejections) => ({
  satisfied: new Set(approvals).size >= 2,
  impossible: 3 - new Set(rejections).size < 2,
  summary: `${new Set(approvals).size} of 2 approvals`,
});

const opened: CeremonyEvent = {
  ceremonyId: id,
  type: 'opened',
  at: '2026-11-22T10:00:00Z',
  release: { name: 'app', version: '1.2.3', purl: 'pkg:npm/app@1.2.3' },
  policy: {},
  policyDigest: digest('f'),
  artifacts: [{ name: 'app.tgz', digest: { sha256: digest('d') } }],
  provenance: [],
  findings: [],
  expiresAt: '2026-11-25T10:00:00Z',
};
const frozen: CeremonyEvent = { ceremonyId: id, type: 'frozen', at: '2026-11-22T10:05:00Z', payloadType: 'application/vnd.in-toto+json', statement: 'e30=', statementDigest, overrides: [] };
const approve = (who: keyof typeof key, at: string, extra: Partial<CeremonyEvent> = {}): CeremonyEventInput => ({
  event: { ceremonyId: id, type: 'approved', at, statementDigest, keyId: key[who], signature: 'AA==', ...extra } as CeremonyEvent,
  source: `${at}-approved-${who}.json`,
  signatureValid: true,
});
const reject = (who: keyof typeof key, at: string): CeremonyEventInput => ({
  event: { ceremonyId: id, type: 'rejected', at, statementDigest, keyId: key[who], reason: 'builder changed', signature: 'AA==' },
  source: `${at}-rejected-${who}.json`,
  signatureValid: true,
});
const input = (event: CeremonyEvent): CeremonyEventInput => ({ event, source: `${event.at}-${event.type}.json` });
const now = new Date('2026-11-23T00:00:00Z');
const reduce = (inputs: CeremonyEventInput[], at = now) => reduceCeremony(inputs, { now: at, tally: twoOfThree });

describe('ceremony state from its events', () => {
  it('goes open → frozen → approved as approvals arrive, whatever order the files come in', () => {
    expect(reduce([input(opened)]).state).toBe('open');
    expect(reduce([input(opened), input(frozen)]).state).toBe('frozen');
    const events = [input(opened), input(frozen), approve('alice', '2026-11-22T11:00:00Z'), approve('bob', '2026-11-22T11:00:00Z')];
    expect(reduce(events).state).toBe('approved');
    expect(reduce([...events].reverse()).state).toBe('approved');
    expect(reduce(events).approvals.map((a) => a.keyId)).toEqual([key.alice, key.bob]);
  });

  it('counts a key once however many times it approves', () => {
    const view = reduce([input(opened), input(frozen), approve('alice', '2026-11-22T11:00:00Z'), approve('alice', '2026-11-22T11:30:00Z')]);
    expect(view.state).toBe('frozen');
    expect(view.approvals).toHaveLength(1);
  });

  it('does not count approvals before freezing, over another statement, with a bad signature, or after expiry', () => {
    const view = reduce(
      [
        input(opened),
        approve('carol', '2026-11-22T10:01:00Z'),
        input(frozen),
        approve('alice', '2026-11-22T11:00:00Z', { statementDigest: digest('9') }),
        { ...approve('bob', '2026-11-22T11:00:00Z'), signatureValid: false },
        approve('carol', '2026-11-26T11:00:00Z'),
      ],
      new Date('2026-11-27T00:00:00Z'),
    );
    expect(view.approvals).toEqual([]);
    expect(view.state).toBe('expired');
    expect(view.problems).toHaveLength(4);
    expect(view.problems.join('\n')).toMatch(/before the statement was frozen[\s\S]*another statement[\s\S]*no valid signature[\s\S]*after the ceremony expired/);
  });

  it('becomes rejected when signed rejections make the policy impossible', () => {
    const view = reduce([input(opened), input(frozen), reject('alice', '2026-11-22T11:00:00Z'), reject('bob', '2026-11-22T11:01:00Z')]);
    expect(view.state).toBe('rejected');
    expect(view.rejections.map((r) => r.reason)).toEqual(['builder changed', 'builder changed']);
  });

  it('keeps a key\'s first decision and reports a change of mind', () => {
    const view = reduce([input(opened), input(frozen), approve('alice', '2026-11-22T11:00:00Z'), reject('alice', '2026-11-22T12:00:00Z')]);
    expect(view.approvals).toHaveLength(1);
    expect(view.rejections).toHaveLength(0);
    expect(view.problems[0]).toMatch(/already approved/);
  });

  it('ends in cancelled or published, and nothing after counts', () => {
    const cancelled = reduce([input(opened), input({ ceremonyId: id, type: 'cancelled', at: '2026-11-22T10:02:00Z' }), input(frozen)]);
    expect(cancelled.state).toBe('cancelled');
    expect(cancelled.frozen).toBeUndefined();
    const published = reduce([
      input(opened),
      input(frozen),
      approve('alice', '2026-11-22T11:00:00Z'),
      approve('bob', '2026-11-22T11:01:00Z'),
      input({ ceremonyId: id, type: 'published', at: '2026-11-22T12:00:00Z', envelopeDigest: digest('e'), approvers: ['alice', 'bob'] }),
    ]);
    expect(published.state).toBe('published');
  });

  it('ignores events of another ceremony and refuses a ceremony without an opening', () => {
    const view = reduce([input(opened), input({ ...frozen, ceremonyId: 'c-20261122-zzzzzzzzzz' } as CeremonyEvent)]);
    expect(view.state).toBe('open');
    expect(view.problems[0]).toMatch(/belongs to ceremony/);
    expect(() => reduce([input(frozen)])).toThrow(CeremonyNotOpenedError);
  });
});
