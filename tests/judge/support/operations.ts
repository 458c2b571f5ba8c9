/**
 * Generated stores: an honest ceremony (world.ts) and then a sequence of
 * operations, each written as the event file the store would hold (the
 * envelope as CeremonyStore.append writes it, named
 * `<at without -:.>-<type>-<16 hex>.json`): honest and forged decisions,
 * freezes, cancellations, publications, openings, byte-identical copies and
 * files of another ceremony, at times before, between and after everything
 * else. Operations are plain data, so fast-check prints a failing store as a
 * readable list.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { readEventFile, type EventFile } from '../../../shared/ceremony/event-file';
import { eventPayloadType, rejectionDocument, decisionPayloadTypeOf, type CeremonyEvent, type OpenedEvent } from '../../../shared/ceremony/events';
import { judgeCeremony } from '../../../shared/ceremony/judge';
import { publishedEnvelopeText } from '../../../shared/ceremony/published-envelope';
import { statementFromOpening } from '../../../shared/ceremony/release-statement';
import { makeEnvelope } from '../../../shared/dsse/envelope';
import { inTotoPayloadType, pae } from '../../../shared/dsse/pae';
import { fromBase64, toBase64 } from '../../../shared/encoding/base64';
import { canonicalJsonBytes } from '../../../shared/json/canonical';
import { expiresAt, holders, openedAt, type BaseFile, type Holder, type HonestCeremony, type PolicyVariant, type World } from './world';
import { withSignatureChanged } from '../../support/tampered-copy';

/** How an event file is forged, if it is: nobody's signature, an outsider's, another member's, a wrong key under the author's keyid, or bytes edited after signing. */
export const envelopeForgeries = ['none', 'unsigned', 'outsider', 'other-member', 'wrong-key', 'edited'] as const;
export type EnvelopeForgery = (typeof envelopeForgeries)[number];
/** Forgeries of a decision's own signature: made with another member's key, or over other bytes. */
export const decisionForgeries = ['decision-signed-by-other', 'decision-over-other-bytes'] as const;
export type DecisionForgery = EnvelopeForgery | (typeof decisionForgeries)[number];

export type Operation =
  /** An approval, rejection or withdrawal by `who` over statement number `statement` of the pool (0: the honest freeze's; then each generated freeze's; last: another ceremony's). */
  | { op: 'decide'; type: 'approved' | 'rejected' | 'withdrawn'; who: Holder; at: When; statement: number; forge: DecisionForgery; salt: number }
  /** A freeze by `who`: the statement its opening determines at `at`, or one with an extra look-alike subject, a digest that does not match, or an override of a finding that passed. */
  | { op: 'freeze'; who: Holder; at: When; variant: 'valid' | 'extra-subject' | 'wrong-digest' | 'bogus-override'; forge: EnvelopeForgery; salt: number }
  | { op: 'cancel'; who: Holder; at: When; forge: EnvelopeForgery; salt: number }
  /**
   * A publication: `as-judged` names the envelope the approvals that count (by the judge, over the files so far) make, as publish does,
   * whether or not the policy is met; `drop-one` leaves approval number `pick` out of it; `unnamed` records no signedBy (older files).
   */
  | { op: 'publish'; who: Holder; at: When; mode: 'as-judged' | 'drop-one' | 'unnamed'; pick: number; forge: EnvelopeForgery; salt: number }
  /** A second opening of the same ceremony: the same, with another artifact, under a policy with mallory's key in carol's place, naming another opener, or open for a century. */
  | { op: 'open'; who: Holder; at: When; variant: 'same' | 'other-artifact' | 'swapped-policy' | 'opener-lie' | 'century'; salt: number }
  /**
   * A copy of file number `of` (the honest files first) under another name: byte for byte, or with its first signature
   * changed, as anyone with push access could add one (its name may sort before the original's).
   */
  | { op: 'copy'; of: number; signature: 'same' | 'changed'; salt: number }
  /** A file of another ceremony (its opening, its freeze, or alice's approval of it) put in this ceremony's folder. */
  | { op: 'foreign'; of: number; salt: number };

export interface Scenario {
  variant: PolicyVariant;
  opener: Holder;
  /** Whether the honest freeze is in the store (without it the ceremony is open until a generated freeze). */
  keepFreeze: boolean;
  operations: Operation[];
  /** When the judge runs, in ms after the opening. */
  now: number;
}

const minute = 60_000;
const hour = 60 * minute;
const lifetime = expiresAt.getTime() - openedAt.getTime();

/**
 * When an event is made: `next`, some minutes after the latest event so far (as events happen); or a time in ms
 * after the opening: during the ceremony, around the opening, at and just after expiry, long after.
 */
export type When = 'next' | number;
export const timeArbitrary: fc.Arbitrary<When> = fc.oneof(
  { weight: 6, arbitrary: fc.constant<When>('next') },
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 20 * 60 }).map((minutes) => minutes * minute) },
  { weight: 1, arbitrary: fc.constantFrom(0, -minute, -2 * hour, lifetime, lifetime + 1, lifetime - 1, lifetime + hour) },
  { weight: 1, arbitrary: fc.integer({ min: -3 * 60, max: 40 * 60 }).map((minutes) => minutes * minute) },
);

const member = fc.constantFrom<Holder>('alice', 'bob', 'carol');
const anyone = fc.constantFrom<Holder>(...holders);
const someoneWeighted = fc.oneof({ weight: 6, arbitrary: member }, { weight: 1, arbitrary: anyone });
const author = fc.oneof({ weight: 3, arbitrary: fc.constant<Holder>('rita') }, { weight: 2, arbitrary: member }, { weight: 1, arbitrary: anyone });
const envelopeForgery = fc.oneof({ weight: 10, arbitrary: fc.constant<EnvelopeForgery>('none') }, { weight: 1, arbitrary: fc.constantFrom<EnvelopeForgery>(...envelopeForgeries) });
const decisionForgery = fc.oneof(
  { weight: 8, arbitrary: fc.constant<DecisionForgery>('none') },
  { weight: 2, arbitrary: fc.constantFrom<DecisionForgery>(...envelopeForgeries, ...decisionForgeries) },
);
const salt = fc.nat();

export const operationArbitrary: fc.Arbitrary<Operation> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({
      op: fc.constant('decide' as const),
      type: fc.oneof({ weight: 5, arbitrary: fc.constant('approved' as const) }, { weight: 1, arbitrary: fc.constant('rejected' as const) }, { weight: 2, arbitrary: fc.constant('withdrawn' as const) }),
      who: someoneWeighted,
      at: timeArbitrary,
      statement: fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.nat(6) }),
      forge: decisionForgery,
      salt,
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('freeze' as const), who: author, at: timeArbitrary, variant: fc.constantFrom('valid' as const, 'valid' as const, 'extra-subject' as const, 'wrong-digest' as const, 'bogus-override' as const), forge: envelopeForgery, salt }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('cancel' as const), who: author, at: timeArbitrary, forge: envelopeForgery, salt }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('publish' as const),
      who: author,
      at: timeArbitrary,
      mode: fc.constantFrom('as-judged' as const, 'as-judged' as const, 'as-judged' as const, 'drop-one' as const, 'unnamed' as const),
      pick: fc.nat(3),
      forge: envelopeForgery,
      salt,
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('open' as const), who: author, at: timeArbitrary, variant: fc.constantFrom('same' as const, 'other-artifact' as const, 'swapped-policy' as const, 'opener-lie' as const, 'century' as const), salt }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('copy' as const), of: fc.nat(20), signature: fc.constantFrom('same' as const, 'changed' as const), salt }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('foreign' as const), of: fc.nat(2), salt }) },
);

export const variantArbitrary: fc.Arbitrary<PolicyVariant> = fc.record({ openerMayApprove: fc.boolean(), securityRole: fc.boolean(), aliceTwoKeys: fc.boolean() });

export const scenarioArbitrary: fc.Arbitrary<Scenario> = fc.record({
  variant: variantArbitrary,
  // An approver who opens does not count (unless the policy says so); alice alone cannot open where she is the only security approver.
  opener: fc.constantFrom<Holder>('rita', 'rita', 'bob'),
  keepFreeze: fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  operations: fc.array(operationArbitrary, { maxLength: 14 }),
  now: fc.constantFrom(hour, 20 * hour, lifetime + hour, 1000 * hour),
});

/**
 * Stores where a valid freeze competes with the honest one: a freeze by someone the policy lists, during the
 * ceremony, then decisions over either statement (0: the honest one's; 1: the competing one's), then the rest.
 */
export const competingScenarioArbitrary: fc.Arbitrary<Scenario> = fc
  .record({
    scenario: scenarioArbitrary,
    freeze: fc.record({
      op: fc.constant('freeze' as const),
      who: fc.constantFrom<Holder>('rita', 'alice', 'bob', 'carol'),
      at: fc.oneof(fc.constant<When>('next'), fc.integer({ min: 0, max: 20 * 60 }).map((minutes) => minutes * minute)),
      variant: fc.constant('valid' as const),
      forge: fc.constant<EnvelopeForgery>('none'),
      salt,
    }),
    decisions: fc.array(
      fc.record({
        op: fc.constant('decide' as const),
        type: fc.oneof({ weight: 6, arbitrary: fc.constant('approved' as const) }, { weight: 1, arbitrary: fc.constant('rejected' as const) }, { weight: 1, arbitrary: fc.constant('withdrawn' as const) }),
        who: member,
        at: timeArbitrary,
        statement: fc.constantFrom(0, 1),
        forge: fc.constant<DecisionForgery>('none'),
        salt,
      }),
      { maxLength: 6 },
    ),
  })
  .map(({ scenario, freeze, decisions }) => ({ ...scenario, keepFreeze: true, operations: [freeze, ...decisions, ...scenario.operations.slice(0, 6)] }));

/** A generated store: its files (name and exact text, as on disk) in the order they were made, and when it is judged. */
export interface GeneratedStore {
  ceremony: HonestCeremony;
  other: HonestCeremony;
  files: BaseFile[];
  now: Date;
  /** Goes on from this store: a builder with a copy of its files, to add more operations to. */
  continue(): StoreBuilder;
}

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');
const hex16 = (index: number, seed: number) => sha256(`${index}:${seed}`).slice(0, 16);
const fileName = (event: Pick<CeremonyEvent, 'at' | 'type'>, index: number, seed: number) => `${event.at.replace(/[-:.]/g, '')}-${event.type}-${hex16(index, seed)}.json`;
const storeText = (envelope: unknown) => `${JSON.stringify(envelope, null, 2)}\n`;
const otherMember = (who: Holder): Holder => (who === 'alice' ? 'bob' : who === 'bob' ? 'carol' : 'alice');

/** Reads files the way the store does (without the ceremony check, so a foreign file reaches the judge, which must refuse it). */
export function readFiles(files: readonly BaseFile[]): EventFile[] {
  return files.map((file) => {
    const reading = readEventFile(file.name, file.text);
    if (!reading.ok) throw new Error(`The generator wrote a file the store cannot read: ${file.name}: ${reading.reason}`);
    return reading.file;
  });
}

export async function buildStore(world: World, scenario: Scenario): Promise<GeneratedStore> {
  const ceremony = await world.ceremony(scenario.variant, scenario.opener);
  const other = await world.ceremony(scenario.variant, 'rita', 'other');
  const builder = new StoreBuilder(world, scenario.variant, ceremony, other, [ceremony.openingFile, ...(scenario.keepFreeze ? [ceremony.frozenFile] : [])]);
  for (const operation of scenario.operations) await builder.apply(operation);
  const files = [...builder.files];
  const snapshot = builder.fork();
  return { ceremony, other, files, now: new Date(openedAt.getTime() + scenario.now), continue: () => snapshot.fork() };
}

/** Writes operations as event files, one after another, as people and attackers would. */
export class StoreBuilder {
  /** The statements decisions may be over: the honest freeze's, each generated freeze's, and another ceremony's (see statements). */
  private freezes: Uint8Array[] = [];
  /** The latest time so far, for 'next'. */
  private latest = openedAt.getTime();
  private index = 0;

  constructor(
    private readonly world: World,
    private readonly variant: PolicyVariant,
    readonly ceremony: HonestCeremony,
    readonly other: HonestCeremony,
    readonly files: BaseFile[],
  ) {}

  fork(): StoreBuilder {
    const copy = new StoreBuilder(this.world, this.variant, this.ceremony, this.other, [...this.files]);
    copy.freezes = [...this.freezes];
    copy.latest = this.latest;
    copy.index = this.index;
    return copy;
  }

  /** The pool a decision's `statement` indexes (modulo its length). */
  statements(): Uint8Array[] {
    return [this.ceremony.statement, ...this.freezes, this.other.statement];
  }

  private iso(when: When, salt: number): string {
    const at = when === 'next' ? this.latest + ((salt % 30) + 1) * minute : openedAt.getTime() + when;
    this.latest = Math.max(this.latest, at);
    return new Date(at).toISOString();
  }

  /** Signs and writes one event as the store would, forged as asked. */
  private write(unsigned: CeremonyEvent, who: Holder, forge: EnvelopeForgery | DecisionForgery, salt: number): void {
    const { keys } = this.world;
    let event: CeremonyEvent = { ...unsigned };
    delete event.actorKeyId;
    let signer: Holder | undefined = who;
    let keyid = keys[who].keyId;
    switch (forge) {
      case 'unsigned':
        signer = undefined;
        break;
      case 'outsider':
        signer = 'mallory';
        keyid = keys.mallory.keyId;
        break;
      case 'other-member':
        signer = otherMember(who);
        keyid = keys[signer].keyId;
        break;
      case 'wrong-key':
        signer = 'mallory';
        break;
      default:
        break;
    }
    if (forge !== 'unsigned') event = { ...event, actorKeyId: keyid };
    const payload = new TextEncoder().encode(JSON.stringify(event));
    const signatures = signer === undefined ? [] : [{ keyid, signature: keys[signer].sign(pae(eventPayloadType, payload)) }];
    if (forge === 'edited') {
      // Signed, then changed: a second later (and so renamed, as someone editing by hand would).
      const edited = { ...event, at: new Date(Date.parse(event.at) + 1000).toISOString() } as CeremonyEvent;
      const editedPayload = new TextEncoder().encode(JSON.stringify(edited));
      this.files.push({ name: fileName(edited, this.index, salt), text: storeText(makeEnvelope(eventPayloadType, editedPayload, signatures)) });
      return;
    }
    this.files.push({ name: fileName(event, this.index, salt), text: storeText(makeEnvelope(eventPayloadType, payload, signatures)) });
  }

  async apply(operation: Operation): Promise<void> {
    this.index += 1;
    const { world, ceremony, other, files } = this;
    const { keys } = world;
    switch (operation.op) {
      case 'decide': {
        const pool = this.statements();
        const statement = pool[operation.statement % pool.length]!;
        const statementDigest = sha256(statement);
        // An outsider decides as themselves; every other forgery keeps the decider.
        const decider: Holder = operation.forge === 'outsider' ? 'mallory' : operation.who;
        const at = this.iso(operation.at, operation.salt);
        const reason = `reason ${operation.salt % 7}`;
        const signWith = operation.forge === 'decision-signed-by-other' ? keys[otherMember(decider)] : keys[decider];
        const base = { ceremonyId: ceremony.id, at, statementDigest, keyId: keys[decider].keyId };
        let event: CeremonyEvent;
        if (operation.type === 'approved') {
          const signed = operation.forge === 'decision-over-other-bytes' ? other.statement : statement;
          event = { ...base, type: 'approved', signature: toBase64(signWith.sign(pae(inTotoPayloadType, signed))), noTrustedTime: 'the policy names no time-stamping authority' };
        } else {
          const document = rejectionDocument({ ceremonyId: ceremony.id, statementDigest, reason: operation.forge === 'decision-over-other-bytes' ? `${reason}, or not` : reason });
          const signature = signWith.sign(pae(decisionPayloadTypeOf(operation.type, inTotoPayloadType), canonicalJsonBytes(document)));
          event = { ...base, type: operation.type, reason, signature: toBase64(signature) };
        }
        this.write(event, decider, operation.forge, operation.salt);
        break;
      }
      case 'freeze': {
        const at = this.iso(operation.at, operation.salt);
        const opened = ceremony.opened;
        let overrides: { findingId: string; by: string; reason: string }[] = [];
        if (operation.variant === 'bogus-override') overrides = [{ findingId: opened.findings[0]!.id, by: operation.who, reason: 'looked fine' }];
        let statement: Uint8Array;
        try {
          statement = statementFromOpening(opened, ceremony.policy, overrides, at);
        } catch {
          // No statement can be frozen at this time (before the opening, after expiry): a hand-written freeze writes one anyway.
          const parsed = JSON.parse(new TextDecoder().decode(statementFromOpening(opened, ceremony.policy, overrides, opened.at))) as { predicate: { frozenAt: string } };
          parsed.predicate.frozenAt = at;
          statement = canonicalJsonBytes(parsed);
        }
        if (operation.variant === 'extra-subject') {
          const parsed = JSON.parse(new TextDecoder().decode(statement)) as { subject: unknown[] };
          // A look-alike name (Cyrillic "а") carrying another file's digest.
          parsed.subject.push({ name: 'binаry-linux-amd64-multi-subject-first', digest: { sha256: sha256('evil') } });
          statement = new TextEncoder().encode(JSON.stringify(parsed));
        }
        this.freezes.push(statement);
        const statementDigest = operation.variant === 'wrong-digest' ? sha256(other.statement) : sha256(statement);
        this.write({ ceremonyId: ceremony.id, type: 'frozen', at, payloadType: inTotoPayloadType, statement: toBase64(statement), statementDigest, overrides }, operation.who, operation.forge, operation.salt);
        break;
      }
      case 'cancel':
        this.write({ ceremonyId: ceremony.id, type: 'cancelled', at: this.iso(operation.at, operation.salt), reason: 'generated' }, operation.who, operation.forge, operation.salt);
        break;
      case 'publish': {
        const at = this.iso(operation.at, operation.salt);
        let statement = ceremony.statement;
        let approvals: { keyId: string; signature: string }[] = [];
        let approvers: string[] = [];
        try {
          const judged = await judgeCeremony({ ceremonyId: ceremony.id, files: readFiles(files), now: new Date(at) }, world.dependencies);
          if (judged.statement) statement = judged.statement;
          approvals = judged.view.approvals;
          approvers = judged.evaluation.counted;
        } catch {
          // No opening counts: publish over the honest statement with nothing.
        }
        if (operation.mode === 'drop-one' && approvals.length > 0) approvals = approvals.filter((_, position) => position !== operation.pick % approvals.length);
        const envelope = makeEnvelope(inTotoPayloadType, statement, approvals.map((approval) => ({ keyid: approval.keyId, signature: fromBase64(approval.signature) })));
        this.write(
          {
            ceremonyId: ceremony.id,
            type: 'published',
            at,
            envelopeDigest: sha256(publishedEnvelopeText(envelope)),
            approvers,
            ...(operation.mode === 'unnamed' ? {} : { signedBy: approvals.map((approval) => approval.keyId) }),
          },
          operation.who,
          operation.forge,
          operation.salt,
        );
        break;
      }
      case 'open': {
        const at = this.iso(operation.at, operation.salt);
        const opener: Holder = operation.variant === 'swapped-policy' ? 'mallory' : operation.who;
        const policyDocument = operation.variant === 'swapped-policy' ? world.policyDocument(this.variant, { swapCarol: true }) : ceremony.policyDocument;
        const policy = await world.loadPolicy(policyDocument);
        const idOf: Record<Holder, string> = { alice: 'alice', alice2: 'alice', bob: 'bob', carol: 'carol', rita: 'rita', mallory: operation.variant === 'swapped-policy' ? 'carol' : 'mallory' };
        const opened: OpenedEvent = {
          ...ceremony.opened,
          at,
          policy: policyDocument,
          policyDigest: policy.digest,
          expiresAt: new Date(Date.parse(at) + (operation.variant === 'century' ? 100 * 365 * 24 * hour : lifetime)).toISOString(),
          openedBy: operation.variant === 'opener-lie' ? 'alice' : idOf[opener],
          ...(operation.variant === 'other-artifact' ? { artifacts: [{ name: 'binаry-linux-amd64-multi-subject-first', digest: { sha256: sha256('evil') } }] } : {}),
        };
        this.write(opened, opener, 'none', operation.salt);
        break;
      }
      case 'copy': {
        const source = files[operation.of % files.length]!;
        const name = source.name.replace(/-[0-9a-f]{16}\.json$/, `-${hex16(this.index, operation.salt)}.json`);
        if (name !== source.name) files.push({ name, text: operation.signature === 'same' ? source.text : withSignatureChanged(source.text) });
        break;
      }
      case 'foreign': {
        if (operation.of % 3 === 2) {
          // Alice's approval of the other ceremony, signed and named as the store would, put in this ceremony's folder.
          const approval: CeremonyEvent = { ceremonyId: other.id, type: 'approved', at: other.opened.at, statementDigest: sha256(other.statement), keyId: keys.alice.keyId, signature: toBase64(keys.alice.sign(pae(inTotoPayloadType, other.statement))) };
          this.write(approval, 'alice', 'none', operation.salt);
          break;
        }
        const source = [other.openingFile, other.frozenFile][operation.of % 3]!;
        files.push({ name: source.name.replace(/-[0-9a-f]{16}\.json$/, `-${hex16(this.index, operation.salt)}.json`), text: source.text });
        break;
      }
    }
  }
}
