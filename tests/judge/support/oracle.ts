/**
 * What must hold of every verdict the judge gives, checked without the
 * judge's own helpers where it matters: signatures are verified here with
 * node:crypto against the keys read from the policy documents, PAE and the
 * decision documents are rebuilt from the DSSE and formats specs, the policy
 * digest is recomputed from the document (JCS), the order of events, which
 * opening counts (and whether two contest the ceremony), the policy count,
 * the state and the actions it allows are recomputed from the files and the
 * decisions that count. Which of two valid freezes counts is recomputed from
 * each one judged alone (checkFreezes). Each check throws (vitest's expect)
 * with what was wrong.
 */
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { expect } from 'vitest';
import type { EventFile } from '../../../shared/ceremony/event-file';
import type { CeremonyEvent } from '../../../shared/ceremony/events';
import type { JudgedCeremony } from '../../../shared/ceremony/judge';
import { ceremonyProblemKinds } from '../../../shared/ceremony/problems';
import type { CeremonyAction, CeremonyState } from '../../../shared/ceremony/view';

const eventType = 'application/vnd.conclave.event+json';
const statementType = 'application/vnd.in-toto+json';
const decisionTypes = { approved: statementType, rejected: 'application/vnd.conclave.rejection+json', withdrawn: 'application/vnd.conclave.withdrawal+json' } as const;
const hour = 3_600_000;

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');
const bytesOf = (base64: string) => new Uint8Array(Buffer.from(base64, 'base64'));

/** DSSE v1 PAE, from the spec. */
function paeOf(type: string, body: Uint8Array): Buffer {
  const typeBytes = Buffer.from(type, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${typeBytes.length} `), typeBytes, Buffer.from(` ${body.length} `), Buffer.from(body)]);
}

/** The document a rejection or withdrawal signs: RFC 8785 of three strings is their JSON in key order. */
function decisionDocument(ceremonyId: string, statementDigest: string, reason: string): Buffer {
  return Buffer.from(`{"ceremonyId":${JSON.stringify(ceremonyId)},"reason":${JSON.stringify(reason)},"statementDigest":${JSON.stringify(statementDigest)}}`, 'utf8');
}

/** RFC 8785 for what a policy document holds (objects, arrays, strings, integers, booleans): members sorted by key, no whitespace. */
function jcs(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(jcs).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const members = Object.entries(value as Record<string, unknown>)
      .filter(([, member]) => member !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${members.map(([key, member]) => `${JSON.stringify(key)}:${jcs(member)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A signature as DSSE signers make them: ECDSA DER with the curve's hash, Ed25519 raw. */
function verifies(key: KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
  const hash = key.asymmetricKeyType === 'ed25519' ? null : ({ prime256v1: 'sha256', secp384r1: 'sha384', secp521r1: 'sha512' } as Record<string, string>)[key.asymmetricKeyDetails?.namedCurve ?? ''];
  if (hash === undefined) return false;
  try {
    return verify(hash, data, key, signature);
  } catch {
    return false;
  }
}

export interface PolicyFacts {
  /** SHA-256 of the document's JCS: what an opening records as policyDigest. */
  digest: string;
  keys: Map<string, { id: string; as: 'approver' | 'release manager'; key: KeyObject }>;
  people: Map<string, { role?: string }>;
  threshold: number;
  roles: Record<string, number>;
  openerMayApprove: boolean;
  maxOpenHours: number;
}

/** What a policy document says, read here from the document (PEM keys, ids, roles), not by loadPolicy. */
export function policyFacts(document: unknown): PolicyFacts {
  const policy = document as {
    threshold: number;
    approvers: { id: string; role?: string; publicKey: string }[];
    releaseManagers?: { id: string; publicKey: string }[];
    roles?: Record<string, number>;
    separationOfDuties?: { openerMayApprove?: boolean };
    ceremony?: { maxOpenHours?: number };
  };
  const keys: PolicyFacts['keys'] = new Map();
  const people: PolicyFacts['people'] = new Map();
  const add = (pem: string, id: string, as: 'approver' | 'release manager') => {
    const key = createPublicKey(pem);
    keys.set(sha256(key.export({ format: 'der', type: 'spki' })), { id, as, key });
  };
  for (const approver of policy.approvers) {
    add(approver.publicKey, approver.id, 'approver');
    people.set(approver.id, approver.role !== undefined ? { role: approver.role } : {});
  }
  for (const manager of policy.releaseManagers ?? []) add(manager.publicKey, manager.id, 'release manager');
  return {
    digest: sha256(jcs(document)),
    keys,
    people,
    threshold: policy.threshold,
    roles: policy.roles ?? {},
    openerMayApprove: policy.separationOfDuties?.openerMayApprove ?? false,
    maxOpenHours: policy.ceremony?.maxOpenHours ?? 72,
  };
}

const kindOrder: Record<CeremonyEvent['type'], number> = { opened: 0, frozen: 1, approved: 2, rejected: 2, withdrawn: 3, cancelled: 4, published: 5 };

/** The one order every reader takes events in (formats.md): time, then kind in the order of a ceremony's life, then file name. */
export function inOrder(a: EventFile, b: EventFile): number {
  return Date.parse(a.event.at) - Date.parse(b.event.at) || kindOrder[a.event.type] - kindOrder[b.event.type] || (a.source < b.source ? -1 : a.source > b.source ? 1 : 0);
}

const isDecision = (event: CeremonyEvent): event is Extract<CeremonyEvent, { type: 'approved' | 'rejected' | 'withdrawn' }> =>
  event.type === 'approved' || event.type === 'rejected' || event.type === 'withdrawn';

/** Who signed the file's envelope, when its author (actorKeyId) is a key of `facts` and that key's signature over it verifies. */
function envelopeSigner(file: EventFile, facts: PolicyFacts): { id: string; as: 'approver' | 'release manager' } | undefined {
  const keyId = file.event.actorKeyId;
  const signer = keyId === undefined ? undefined : facts.keys.get(keyId);
  if (!signer) return undefined;
  const signed = paeOf(eventType, bytesOf(file.envelope.payload));
  return file.envelope.signatures.some((signature) => signature.keyid === keyId && verifies(signer.key, signed, bytesOf(signature.sig))) ? signer : undefined;
}

/**
 * The files of the ceremony, each with the original it is a copy of (the same payload; itself for an original): the
 * first of its payload in the order whose envelope its author signed, or the first when none is. A copy whose signature
 * was changed does not stand for the event, whatever its name. The author's key is the one its keyid names in any
 * opening's policy (a keyid is the digest of its key, so any policy that lists it lists that key).
 */
export function originals(files: readonly EventFile[], ceremonyId: string): Map<EventFile, EventFile> {
  const own = files.filter((file) => file.event.ceremonyId === ceremonyId).sort(inOrder);
  const keys: PolicyFacts['keys'] = new Map();
  for (const file of own) {
    if (file.event.type !== 'opened') continue;
    try {
      for (const [keyId, key] of policyFacts(file.event.policy).keys) keys.set(keyId, key);
    } catch {
      // An opening whose policy cannot be read names no key.
    }
  }
  const groups = new Map<string, EventFile[]>();
  for (const file of own) groups.set(file.envelope.payload, [...(groups.get(file.envelope.payload) ?? []), file]);
  const result = new Map<EventFile, EventFile>();
  for (const group of groups.values()) {
    const original = group.find((file) => envelopeSigner(file, { keys } as PolicyFacts) !== undefined) ?? group[0]!;
    for (const file of group) result.set(file, original);
  }
  return result;
}

/** Whether two files carry the same signatures: one copied from the other, byte for byte where it matters. */
export function sameSignatures(a: EventFile, b: EventFile): boolean {
  return JSON.stringify(a.envelope.signatures) === JSON.stringify(b.envelope.signatures);
}

export interface Openings {
  /** The opening that counts: the first valid one (in the order) under a trusted policy, or of all valid ones when none is trusted. */
  counting: EventFile;
  /** The other valid openings under a trusted policy: each contests the ceremony. */
  contesting: EventFile[];
  /** Valid openings under a policy this machine does not trust, while one under a trusted policy counts. */
  untrusted: EventFile[];
  /** Whether the opening that counts is under a policy this machine trusts (true where trust is not judged). */
  trusted: boolean;
  contested: boolean;
}

/**
 * Which opening counts, recomputed from the files: an opening is valid when it is an original of this ceremony,
 * its policy document hashes to the digest it records, a key of that policy signed it, it names that key's owner
 * as its opener, and it expires after it opened and within the policy's maxOpenHours.
 */
export function expectedOpenings(files: readonly EventFile[], ceremonyId: string, trustedPolicies?: ReadonlySet<string>): Openings | undefined {
  const copies = originals(files, ceremonyId);
  const valid: { file: EventFile; trusted: boolean }[] = [];
  for (const [file, original] of copies) {
    const { event } = file;
    if (event.type !== 'opened' || original !== file) continue;
    let facts: PolicyFacts;
    try {
      facts = policyFacts(event.policy);
    } catch {
      continue;
    }
    const signer = envelopeSigner(file, facts);
    const opened = Date.parse(event.at);
    const expires = Date.parse(event.expiresAt);
    if (facts.digest !== event.policyDigest || !signer || event.openedBy !== signer.id || !(expires > opened && expires <= opened + facts.maxOpenHours * hour)) continue;
    valid.push({ file, trusted: trustedPolicies === undefined || trustedPolicies.has(facts.digest) });
  }
  valid.sort((a, b) => inOrder(a.file, b.file));
  const anyTrusted = valid.some((entry) => entry.trusted);
  const candidates = anyTrusted ? valid.filter((entry) => entry.trusted) : valid;
  const [counting, ...contesting] = candidates;
  if (!counting) return undefined;
  return {
    counting: counting.file,
    contesting: contesting.map((entry) => entry.file),
    untrusted: anyTrusted ? valid.filter((entry) => !entry.trusted).map((entry) => entry.file) : [],
    trusted: counting.trusted,
    contested: contesting.length > 0,
  };
}

const counts = (judged: JudgedCeremony, file: EventFile) => judged.verdicts.get(file.source)?.counts === true;
const codeOf = (judged: JudgedCeremony, file: EventFile) => {
  const verdict = judged.verdicts.get(file.source);
  return verdict === undefined ? 'no verdict' : verdict.counts ? 'counts' : verdict.problem.code;
};
const describe = (file: EventFile) => `${file.source} (${file.event.type})`;

/** Every file has a verdict; every verdict that does not count names a problem listed in view.problems with the file's name. */
export function checkVerdicts(judged: JudgedCeremony, files: readonly EventFile[]): void {
  for (const file of files) {
    const verdict = judged.verdicts.get(file.source);
    expect(verdict, `${describe(file)} has no verdict`).toBeDefined();
    if (verdict && !verdict.counts) {
      expect(verdict.problem.source).toBe(file.source);
      expect(Object.keys(ceremonyProblemKinds)).toContain(verdict.problem.code);
      // The same decision again (made on two machines, a retried command) counts once, quietly: the judge does not list it as a problem.
      if (verdict.problem.code !== 'decision-repeated') expect(judged.view.problems, `${describe(file)}: its problem is not shown`).toContainEqual(verdict.problem);
    }
  }
}

/**
 * The opening that counts is the one recomputed from the files; each other valid opening under a trusted policy
 * contests the ceremony ('opening-contested'), each valid one under a policy this machine does not trust is
 * 'policy-untrusted', and no other opening counts.
 */
export function checkOpenings(judged: JudgedCeremony, files: readonly EventFile[], trustedPolicies?: ReadonlySet<string>): Openings {
  const openings = expectedOpenings(files, judged.view.id, trustedPolicies);
  expect(openings, 'the judge found an opening that counts where none is valid').toBeDefined();
  expect(judged.openingSource, 'the opening that counts').toBe(openings!.counting.source);
  for (const file of openings!.contesting) expect(codeOf(judged, file), `${describe(file)} contests the ceremony`).toBe('opening-contested');
  for (const file of openings!.untrusted) expect(codeOf(judged, file), `${describe(file)} is under an untrusted policy`).toBe('policy-untrusted');
  for (const file of files) if (file.event.type === 'opened' && file !== openings!.counting) expect(counts(judged, file), `${describe(file)} counts besides the opening that counts`).toBe(false);
  if (trustedPolicies === undefined) expect(judged.view.policyTrusted).toBeUndefined();
  else expect(judged.view.policyTrusted, 'whether the policy is trusted').toBe(openings!.trusted);
  return openings!;
}

/**
 * A copy under another name is judged as its original (see originals): a copy of a counting file is 'event-copy',
 * unless its own signature was changed ('event-signature-invalid'); a copy of a file that does not count has the
 * original's code.
 */
export function checkCopies(judged: JudgedCeremony, files: readonly EventFile[]): void {
  const facts = policyFacts(judged.opened.policy);
  for (const [file, original] of originals(files, judged.view.id)) {
    if (file === original) continue;
    const ownSignatureHolds = sameSignatures(file, original) || envelopeSigner(file, facts) !== undefined;
    const expected = counts(judged, original) ? (ownSignatureHolds ? 'event-copy' : 'event-signature-invalid') : codeOf(judged, original);
    expect(codeOf(judged, file), `${describe(file)} is a copy of ${original.source} (${codeOf(judged, original)})`).toBe(expected);
  }
}

/**
 * No event counts whose signature does not verify with the key the counting opening's policy names: every
 * counting file's envelope is signed by its author, a counting decision is signed by the approver it names
 * (the event and the decision itself) over the statement that counts, and the opener is whoever signed the opening.
 */
export function checkSignatures(judged: JudgedCeremony, files: readonly EventFile[]): void {
  const facts = policyFacts(judged.opened.policy);
  for (const file of files) {
    if (!counts(judged, file)) continue;
    const { event } = file;
    const signer = envelopeSigner(file, facts);
    expect(signer, `${describe(file)} counts but its envelope is not signed by its author, a key of the policy`).toBeDefined();
    switch (event.type) {
      case 'opened':
        expect(file.source).toBe(judged.openingSource);
        expect(event.openedBy, `${describe(file)} counts but names an opener who did not sign it`).toBe(signer!.id);
        break;
      case 'frozen':
        expect(file.source).toBe(judged.frozenSource);
        expect(sha256(bytesOf(event.statement))).toBe(event.statementDigest);
        break;
      case 'approved':
      case 'rejected':
      case 'withdrawn': {
        expect(judged.statement, `${describe(file)} counts with no statement frozen`).toBeDefined();
        expect(event.actorKeyId, `${describe(file)} counts, but the event was signed by ${signer!.id}, not by the key that decided`).toBe(event.keyId);
        const decider = facts.keys.get(event.keyId);
        expect(decider?.as, `${describe(file)} counts but is not by a key of an approver`).toBe('approver');
        expect(event.statementDigest).toBe(sha256(judged.statement!));
        const signed = event.type === 'approved' ? paeOf(statementType, judged.statement!) : paeOf(decisionTypes[event.type], decisionDocument(event.ceremonyId, event.statementDigest, event.reason));
        expect(verifies(decider!.key, signed, bytesOf(event.signature)), `${describe(file)} counts but its decision signature does not verify with ${decider!.id}'s key`).toBe(true);
        break;
      }
      case 'cancelled':
      case 'published':
        break;
    }
  }
  // A decision whose envelope someone of the policy signed for another key is nobody's decision, whatever else it is.
  for (const file of files) {
    const { event } = file;
    if (event.ceremonyId !== judged.view.id || !isDecision(event) || event.actorKeyId === undefined || event.actorKeyId === event.keyId || !facts.keys.has(event.actorKeyId)) continue;
    expect(codeOf(judged, file), `${describe(file)} is signed by ${facts.keys.get(event.actorKeyId)!.id}, not by the key that decided`).toBe('event-not-the-decider');
  }
  // What the view shows is what counts: each approval and rejection it lists is the event of a counting file.
  for (const decision of [...judged.view.approvals, ...judged.view.rejections]) {
    const file = files.find((candidate) => candidate.event === decision);
    expect(file && counts(judged, file), `the view shows a ${decision.type} that is not a counting file`).toBe(true);
  }
}

/** Who counts, recomputed from the decisions that count: distinct people, never the excluded opener, never someone who rejected. */
export function expectedCount(judged: JudgedCeremony): { counted: Set<string>; satisfied: boolean; impossible: boolean } {
  const facts = policyFacts(judged.opened.policy);
  const ownerOf = (keyId: string) => {
    const owner = facts.keys.get(keyId);
    return owner?.as === 'approver' ? owner.id : undefined;
  };
  const rejecting = new Set(judged.view.rejections.map((rejection) => ownerOf(rejection.keyId)));
  const excluded = !facts.openerMayApprove && judged.view.openedBy !== undefined && facts.people.has(judged.view.openedBy) ? judged.view.openedBy : undefined;
  const counted = new Set<string>();
  for (const approval of judged.view.approvals) {
    const owner = ownerOf(approval.keyId);
    if (owner !== undefined && !rejecting.has(owner) && owner !== excluded) counted.add(owner);
  }
  const meets = (group: Set<string>) => group.size >= facts.threshold && Object.entries(facts.roles).every(([role, minimum]) => [...group].filter((id) => facts.people.get(id)?.role === role).length >= minimum);
  const satisfied = meets(counted);
  const available = new Set([...facts.people.keys()].filter((id) => !rejecting.has(id) && id !== excluded));
  return { counted, satisfied, impossible: !satisfied && !meets(available) };
}

/**
 * The state, from what counts: a ceremony two valid openings claim is contested until a cancellation counts; then
 * published, cancelled, rejected (the policy can no longer be met), expired once the deadline has passed (even with
 * approvals that meet the policy: nothing was published in time), approved, frozen, open.
 */
export function expectedState(judged: JudgedCeremony, files: readonly EventFile[], openings: Openings, now: Date): CeremonyState {
  const ending = (type: 'cancelled' | 'published') => files.some((file) => file.event.type === type && counts(judged, file));
  const expected = expectedCount(judged);
  const frozen = files.some((file) => file.event.type === 'frozen' && counts(judged, file));
  if (openings.contested) return ending('cancelled') ? 'cancelled' : 'contested';
  if (ending('published')) return 'published';
  if (ending('cancelled')) return 'cancelled';
  if (frozen && expected.impossible) return 'rejected';
  if (now.getTime() > Date.parse(judged.opened.expiresAt)) return 'expired';
  if (frozen && expected.satisfied) return 'approved';
  return frozen ? 'frozen' : 'open';
}

/** No key and no person counts twice, and no event counts twice (a byte-identical copy counts once); the count and the state follow from what counts. */
export function checkCounting(judged: JudgedCeremony, files: readonly EventFile[], openings: Openings, now: Date): void {
  const { view, evaluation } = judged;
  const distinct = (values: string[], what: string) => expect(new Set(values).size, `${what} repeats: ${values.join(', ')}`).toBe(values.length);
  distinct(evaluation.counted, 'evaluation.counted');
  distinct(view.approvals.map((approval) => approval.keyId), 'the keys of view.approvals');
  distinct(view.rejections.map((rejection) => rejection.keyId), 'the keys of view.rejections');
  const approving = new Set(view.approvals.map((approval) => approval.keyId));
  expect(view.rejections.filter((rejection) => approving.has(rejection.keyId)), 'a key both approves and rejects').toEqual([]);
  distinct(files.filter((file) => counts(judged, file)).map((file) => file.envelope.payload), 'the payloads of counting files');

  const expected = expectedCount(judged);
  expect(new Set(evaluation.counted), 'who counts').toEqual(expected.counted);
  expect(evaluation.satisfied, 'whether the policy is met').toBe(expected.satisfied);
  if (view.published) {
    // The publication counted only for approvals that meet the policy.
    const named = view.approvals.filter((approval) => view.published!.signedBy.includes(approval.keyId));
    expect(named.length, 'a published approval is not among those that count').toBe(view.published.signedBy.length);
    expect(expectedCount({ ...judged, view: { ...view, approvals: named } }).satisfied, 'published without meeting the policy').toBe(true);
  }
  expect(view.state, 'the state, from what counts').toBe(expectedState(judged, files, openings, now));
}

/**
 * No freeze, cancellation or publication dated before the opening counts (the opening comes first in the order
 * among them), and nothing after the ceremony ended (cancelled or published, in the order); after it expired only a
 * cancellation counts (no decision, freeze or publication); a decision counts only where a freeze counts (one dated
 * before the freeze, an approver's clock behind, is judged right after it: it signs the frozen statement); in a
 * contested ceremony nothing but a cancellation counts. The view's ending is the file that counts.
 */
export function checkEndings(judged: JudgedCeremony, files: readonly EventFile[], openings: Openings): void {
  const facts = policyFacts(judged.opened.policy);
  const opened = Date.parse(judged.opened.at);
  const expires = Date.parse(judged.view.expiresAt);
  expect(judged.view.expiresAt).toBe(judged.opened.expiresAt);
  expect(expires, 'the ceremony is open longer than the policy allows').toBeLessThanOrEqual(opened + facts.maxOpenHours * hour);
  const ordered = [...files].sort(inOrder).filter((file) => counts(judged, file));
  expect(ordered.find((file) => !isDecision(file.event))?.source, 'something counts before the opening that counts').toBe(judged.openingSource);
  const ends = ordered.filter((file) => file.event.type === 'cancelled' || file.event.type === 'published');
  expect(ends.map((file) => file.source), 'more than one ending counts').toHaveLength(Math.min(ends.length, 1));
  if (ends.length > 0) {
    const after = ordered.slice(ordered.indexOf(ends[0]!) + 1);
    expect(after.map(describe), `events count after ${describe(ends[0]!)} ended the ceremony`).toEqual([]);
  }
  const ending = (type: 'cancelled' | 'published') => ends.find((file) => file.event.type === type)?.event.at;
  expect(judged.view.cancelled?.at, 'the cancellation the view shows').toBe(ending('cancelled'));
  expect(judged.view.published?.at, 'the publication the view shows').toBe(ending('published'));
  for (const file of ordered) {
    if (file.event.type === 'opened') continue;
    if (!isDecision(file.event)) expect(Date.parse(file.event.at), `${describe(file)} counts but is dated before the opening`).toBeGreaterThanOrEqual(opened);
    if (file.event.type !== 'cancelled') expect(Date.parse(file.event.at), `${describe(file)} counts after expiry`).toBeLessThanOrEqual(expires);
  }
  const freezes = ordered.filter((file) => file.event.type === 'frozen');
  expect(freezes).toHaveLength(judged.view.frozen ? 1 : 0);
  for (const file of ordered) if (isDecision(file.event)) expect(freezes, `${describe(file)} counts where no freeze counts`).toHaveLength(1);
  // Once a freeze counts, a decision dated before it is judged as made after it, never as made before the freeze.
  if (freezes.length > 0) expect(filesWithCode(judged, 'decision-before-freeze'), 'decisions refused as made before the freeze that counts').toEqual([]);
  if (openings.contested) {
    expect(ordered.filter((file) => file.event.type !== 'opened' && file.event.type !== 'cancelled').map(describe), 'events count in a contested ceremony').toEqual([]);
  }
}

/**
 * Why events of the counting policy's people, properly signed, do not count, where the rules name one reason: a
 * cancellation or publication dated before the opening ('event-before-opening'; a publication in a contested
 * ceremony is 'event-contested' first); anything after the ending ('event-after-end', or 'publication-second' and
 * 'withdrawal-after-publication' after a publication); in a contested ceremony, a decision or publication
 * ('event-contested'); a publication dated after expiry ('publication-after-expiry'). And the first such
 * cancellation dated from the opening on counts unless a publication ended the ceremony before it.
 */
export function checkRefusals(judged: JudgedCeremony, files: readonly EventFile[], openings: Openings): void {
  const facts = policyFacts(judged.opened.policy);
  const opened = Date.parse(judged.opened.at);
  const expires = Date.parse(judged.view.expiresAt);
  const ordered = [...files].sort(inOrder);
  const end = ordered.find((file) => (file.event.type === 'cancelled' || file.event.type === 'published') && counts(judged, file));
  let firstCancellation: EventFile | undefined;
  for (const [file, original] of originals(files, judged.view.id)) {
    const { event } = file;
    if (file !== original || event.type === 'opened' || event.type === 'frozen' || !envelopeSigner(file, facts)) continue;
    if (isDecision(event) && event.actorKeyId !== event.keyId) continue;
    const at = Date.parse(event.at);
    let expected: string | undefined;
    if (at < opened) {
      if (event.type === 'published') expected = openings.contested ? 'event-contested' : 'event-before-opening';
      else if (event.type === 'cancelled') expected = 'event-before-opening';
    } else if (end !== undefined && inOrder(end, file) < 0) {
      const published = end.event.type === 'published';
      expected = published && event.type === 'published' ? 'publication-second' : published && event.type === 'withdrawn' ? 'withdrawal-after-publication' : 'event-after-end';
    } else if (openings.contested && event.type !== 'cancelled') {
      expected = 'event-contested';
    } else if (event.type === 'published' && at > expires) {
      expected = 'publication-after-expiry';
    }
    if (expected !== undefined) expect(codeOf(judged, file), describe(file)).toBe(expected);
    if (event.type === 'cancelled' && at >= opened && (firstCancellation === undefined || inOrder(file, firstCancellation) < 0)) firstCancellation = file;
  }
  if (firstCancellation && !(end?.event.type === 'published' && inOrder(end, firstCancellation) < 0)) {
    expect(codeOf(judged, firstCancellation), `${describe(firstCancellation)}, properly signed and the first, does not cancel the ceremony`).toBe('counts');
  }
}

/** What each state allows next (the table of formats.md). */
const allowed: Record<CeremonyState, CeremonyAction[]> = {
  open: ['freeze', 'cancel'],
  frozen: ['approve', 'reject', 'withdraw', 'cancel'],
  approved: ['approve', 'reject', 'withdraw', 'publish', 'cancel'],
  rejected: ['withdraw', 'cancel'],
  expired: ['cancel'],
  published: [],
  cancelled: [],
  contested: ['cancel'],
};

/** The actions offered: none under a policy this machine does not trust; past the deadline only a cancellation; else the state's. */
export function expectedActions(judged: JudgedCeremony, now: Date): CeremonyAction[] {
  if (judged.view.policyTrusted === false) return [];
  const pastExpiry = now.getTime() > Date.parse(judged.opened.expiresAt);
  return allowed[judged.view.state].filter((action) => !pastExpiry || action === 'cancel');
}

/** The view never shows a subject the signed statement lacks; once frozen it shows exactly the statement's subjects, release and policy. */
export function checkSubjects(judged: JudgedCeremony, unfrozenStatement: () => Uint8Array): void {
  const { view } = judged;
  const statement = judged.statement ?? unfrozenStatement();
  const parsed = JSON.parse(Buffer.from(statement).toString('utf8')) as {
    subject: { name: string; digest: { sha256: string } }[];
    predicate: { release: { purl: string }; policy: { digest: { sha256: string } } };
  };
  const subjects = parsed.subject.map((subject) => `${subject.name} sha256:${subject.digest.sha256}`).sort();
  const shown = view.artifacts.map((artifact) => `${artifact.name} sha256:${artifact.digest.sha256}`).sort();
  for (const artifact of shown) expect(subjects, `the view shows ${artifact}, which the statement does not name`).toContain(artifact);
  if (view.frozen) {
    expect(shown, 'the view shows other artifacts than the frozen statement').toEqual(subjects);
    expect(Buffer.from(view.frozen.statement, 'base64').equals(Buffer.from(statement)), 'the view shows another statement than the one that counts').toBe(true);
    expect(view.frozen.statementDigest).toBe(sha256(statement));
    expect(parsed.predicate.policy.digest.sha256).toBe(view.policyDigest);
    expect(parsed.predicate.release.purl).toBe(view.release.purl);
  }
}

/** Why a freeze is not valid, whatever else is in the store: its statement or overrides, or its envelope. */
const invalidFreezeCodes = new Set(['freeze-statement-invalid', 'freeze-override-invalid', 'freeze-blocked', 'event-unsigned', 'event-unknown-signer', 'event-signature-invalid', 'event-wrong-ceremony']);

/**
 * Which valid freeze counts (formats.md): each valid freeze's statement is judged as if its freeze were the only one
 * (`judgeFiles` of the files without the other valid freezes and their copies), and the one that counts has the most
 * approvers the policy counts; on a tie the most who are not whoever froze it; then the earliest instant; then the file
 * name. A freeze that does not count even alone (after a cancellation, in a contested ceremony) never wins over one
 * that does. With the winner chosen, everything but the other freezes is judged as with the winner alone, and each
 * other valid freeze does not count. Whether a freeze's statement is the one its opening determines is the judge's
 * check (freeze-statement-invalid and the like); its signer and its rank are recomputed here.
 */
export async function checkFreezes(judged: JudgedCeremony, files: readonly EventFile[], judgeFiles: (files: readonly EventFile[]) => Promise<JudgedCeremony>): Promise<void> {
  const facts = policyFacts(judged.opened.policy);
  const copies = originals(files, judged.view.id);
  const valid = files.filter((file) => file.event.type === 'frozen' && copies.get(file) === file && !invalidFreezeCodes.has(codeOf(judged, file)) && envelopeSigner(file, facts) !== undefined).sort(inOrder);
  if (valid.length < 2) return;
  const ranked: { file: EventFile; counts: boolean; total: number; others: number; alone: JudgedCeremony; removed: Set<string> }[] = [];
  for (const file of valid) {
    const others = new Set(valid.filter((other) => other !== file));
    const removed = new Set(files.filter((candidate) => others.has(copies.get(candidate)!)).map((candidate) => candidate.source));
    const alone = await judgeFiles(files.filter((candidate) => !removed.has(candidate.source)));
    const approvers = [...expectedCount(alone).counted];
    const frozenBy = envelopeSigner(file, facts)!.id;
    ranked.push({ file, counts: alone.frozenSource === file.source, total: approvers.length, others: approvers.filter((id) => id !== frozenBy).length, alone, removed });
  }
  ranked.sort((a, b) => Number(b.counts) - Number(a.counts) || b.total - a.total || b.others - a.others || Date.parse(a.file.event.at) - Date.parse(b.file.event.at) || (a.file.source < b.file.source ? -1 : 1));
  const winner = ranked[0]!;
  const ranks = ranked.map((entry) => `${entry.file.source}: ${entry.counts ? `${entry.total} approvals, ${entry.others} by others than its freezer` : 'does not count alone'}`).join('; ');
  expect(judged.frozenSource, `the freeze that counts (${ranks})`).toBe(winner.counts ? winner.file.source : undefined);
  for (const entry of ranked) if (entry !== winner || !entry.counts) expect(counts(judged, entry.file), `${describe(entry.file)} counts, though ${ranks}`).toBe(false);
  // What counts is what counts with the winner alone: the other freezes change nothing but their own verdicts.
  const kept = (problems: JudgedCeremony['view']['problems']) => problems.filter((problem) => problem.source === undefined || !winner.removed.has(problem.source));
  expect({ ...judged.view, problems: kept(judged.view.problems) }, 'the view, against the winning freeze judged alone').toEqual({ ...winner.alone.view, problems: kept(winner.alone.view.problems) });
  expect(judged.evaluation).toEqual(winner.alone.evaluation);
  for (const file of files) if (!winner.removed.has(file.source)) expect(judged.verdicts.get(file.source), `${describe(file)}, against the winning freeze judged alone`).toEqual(winner.alone.verdicts.get(file.source));
}

/** The files that count, by name, sorted. */
export function countingFiles(judged: Pick<JudgedCeremony, 'verdicts'>): string[] {
  return [...judged.verdicts].filter(([, verdict]) => verdict.counts).map(([name]) => name).sort();
}

/** The files that do not count because of a finding (not a note), by name, sorted. */
export function findingFiles(judged: Pick<JudgedCeremony, 'verdicts'>): string[] {
  return [...judged.verdicts].filter(([, verdict]) => !verdict.counts && ceremonyProblemKinds[verdict.problem.code] === 'finding').map(([name]) => name).sort();
}

/** The files that do not count because of a note, by name, sorted. */
export function noteFiles(judged: Pick<JudgedCeremony, 'verdicts'>): string[] {
  return [...judged.verdicts].filter(([, verdict]) => !verdict.counts && ceremonyProblemKinds[verdict.problem.code] === 'note').map(([name]) => name).sort();
}

/** The files that do not count with this code, by name, sorted. */
export function filesWithCode(judged: Pick<JudgedCeremony, 'verdicts'>, code: keyof typeof ceremonyProblemKinds): string[] {
  return [...judged.verdicts].filter(([, verdict]) => !verdict.counts && verdict.problem.code === code).map(([name]) => name).sort();
}
