/**
 * A ceremony's state, derived from its events by a pure function. Events come
 * from files that several machines wrote, in any order and possibly more than
 * once, so the reducer is order-tolerant where it can be (approvals are a set
 * of keys) and strict where it must be (nothing counts before the statement is
 * frozen, nothing signed over another statement counts).
 */
import type { ApprovedEvent, ArtifactRecord, CeremonyEvent, Finding, FrozenEvent, OpenedEvent, RejectedEvent } from './events';

export const ceremonyStates = ['open', 'frozen', 'approved', 'published', 'rejected', 'expired', 'cancelled'] as const;
export type CeremonyState = (typeof ceremonyStates)[number];

/** An event as the core hands it over: parsed, with its signature already checked where it has one. */
export interface CeremonyEventInput {
  event: CeremonyEvent;
  /** Where it came from (a file name), to name it in problems and to order ties. */
  source: string;
  /** For approvals and rejections: the signature over the frozen statement (or rejection document) verified with a key of the policy. */
  signatureValid?: boolean;
  /**
   * Why the event file's own signature does not vouch for it (no author, a key
   * the policy does not know, a signature that does not match): such an event
   * does not count at all (event-actor.ts).
   */
  actorProblem?: string;
  /** For approvals: the time its RFC 3161 time stamp proves (ISO 8601), checked by the core; it replaces the self-reported `at` for the deadline. */
  trustedTime?: string;
  /** For approvals without a trusted time: why (no time stamp, or one that does not verify). */
  timeProblem?: string;
}

/** How the policy counts: supplied by the core, which owns policy evaluation. */
export type PolicyTally = (approvals: string[], rejections: string[]) => { satisfied: boolean; impossible: boolean; summary: string };

export interface CeremonyView {
  id: string;
  state: CeremonyState;
  release: OpenedEvent['release'];
  openedAt: string;
  expiresAt: string;
  openedBy?: string;
  policyDigest: string;
  artifacts: ArtifactRecord[];
  findings: Finding[];
  frozen?: { at: string; payloadType: string; statement: string; statementDigest: string; overrides: FrozenEvent['overrides'] };
  approvals: ApprovedEvent[];
  rejections: RejectedEvent[];
  /** The policy's words on where the ceremony stands, e.g. "2 of 3; security still needed". */
  tally?: string;
  published?: { at: string; envelopeDigest: string; approvers: string[] };
  cancelled?: { at: string; reason?: string };
  /** Events that were present but did not count, each with why: shown to people, checked by auditors. */
  problems: string[];
}

export class CeremonyNotOpenedError extends Error {
  override readonly name = 'CeremonyNotOpenedError';
}

const typeOrder: Record<CeremonyEvent['type'], number> = { opened: 0, frozen: 1, approved: 2, rejected: 2, cancelled: 3, published: 4 };

export function orderEvents(inputs: CeremonyEventInput[]): CeremonyEventInput[] {
  return [...inputs].sort(
    (a, b) => a.event.at.localeCompare(b.event.at) || typeOrder[a.event.type] - typeOrder[b.event.type] || a.source.localeCompare(b.source),
  );
}

export function reduceCeremony(inputs: CeremonyEventInput[], options: { now: Date; tally: PolicyTally; /** The policy counts only approvals with a trusted time. */ requireTrustedTime?: boolean }): CeremonyView {
  const unvouched = orderEvents(inputs.filter((input) => input.actorProblem !== undefined));
  const ordered = orderEvents(inputs.filter((input) => input.actorProblem === undefined));
  const openings = ordered.filter((input) => input.event.type === 'opened');
  const opening = openings[0]?.event as OpenedEvent | undefined;
  if (!opening) throw new CeremonyNotOpenedError('This ceremony has no opening event, so there is nothing to show. Its files may be incomplete; sync again or ask whoever opened it.');

  const view: CeremonyView = {
    id: opening.ceremonyId,
    state: 'open',
    release: opening.release,
    openedAt: opening.at,
    expiresAt: opening.expiresAt,
    ...(opening.openedBy ? { openedBy: opening.openedBy } : {}),
    policyDigest: opening.policyDigest,
    artifacts: opening.artifacts,
    findings: opening.findings,
    approvals: [],
    rejections: [],
    problems: unvouched.map(({ source, actorProblem }) => `${source}: ${actorProblem} It does not count.`),
  };
  const expiresAt = Date.parse(opening.expiresAt);
  const decided = new Map<string, 'approved' | 'rejected'>();

  for (const { event, source, signatureValid, trustedTime, timeProblem } of ordered) {
    if (event.ceremonyId !== view.id) {
      view.problems.push(`${source} belongs to ceremony ${event.ceremonyId}, not this one; it does not count.`);
      continue;
    }
    if (view.published || view.cancelled) {
      if (event.type !== 'published' || !view.published) view.problems.push(`${source} (${event.type}) came after the ceremony was ${view.published ? 'published' : 'cancelled'}; it does not count.`);
      continue;
    }
    switch (event.type) {
      case 'opened':
        if (event !== opening) view.problems.push(`${source} opens the ceremony a second time; the first opening counts.`);
        break;
      case 'frozen':
        if (view.frozen) view.problems.push(`${source} freezes the ceremony a second time; the first frozen statement counts.`);
        else view.frozen = { at: event.at, payloadType: event.payloadType, statement: event.statement, statementDigest: event.statementDigest, overrides: event.overrides };
        break;
      case 'approved':
      case 'rejected': {
        const what = event.type === 'approved' ? 'approval' : 'rejection';
        if (!view.frozen) view.problems.push(`${source}: an ${what} made before the statement was frozen does not count.`);
        else if (event.statementDigest !== view.frozen.statementDigest) view.problems.push(`${source}: an ${what} of another statement (${event.statementDigest.slice(0, 12)}…) does not count.`);
        else if (signatureValid !== true) view.problems.push(`${source}: the ${what} by key ${event.keyId.slice(0, 12)}… has no valid signature from a key of the policy; it does not count.`);
        else if (event.type === 'approved' && options.requireTrustedTime && trustedTime === undefined) {
          view.problems.push(`${source}: the approval by key ${event.keyId.slice(0, 12)}… has no trusted time (${timeProblem ?? 'no time stamp'}), and the policy requires one; it does not count.`);
        } else if (Date.parse(trustedTime ?? event.at) > expiresAt) view.problems.push(`${source}: the ${what} by key ${event.keyId.slice(0, 12)}… came after the ceremony expired; it does not count.`);
        else if (decided.has(event.keyId)) {
          // One key, one decision: a second approval adds nothing, and a change of mind is not silently accepted.
          if (decided.get(event.keyId) !== event.type) view.problems.push(`${source}: key ${event.keyId.slice(0, 12)}… already ${decided.get(event.keyId)}; its first decision counts.`);
        } else {
          decided.set(event.keyId, event.type);
          if (event.type === 'approved' && event.timestamp !== undefined && trustedTime === undefined) {
            view.problems.push(`${source}: the approval by key ${event.keyId.slice(0, 12)}… carries a time stamp that does not check out (${timeProblem ?? 'unknown reason'}); it counts, without trusted time.`);
          }
          if (event.type === 'approved') view.approvals.push(event);
          else view.rejections.push(event);
        }
        break;
      }
      case 'cancelled':
        view.cancelled = { at: event.at, ...(event.reason ? { reason: event.reason } : {}) };
        break;
      case 'published':
        view.published = { at: event.at, envelopeDigest: event.envelopeDigest, approvers: event.approvers };
        break;
    }
  }

  const tally = options.tally(
    view.approvals.map((approval) => approval.keyId),
    view.rejections.map((rejection) => rejection.keyId),
  );
  if (view.frozen) view.tally = tally.summary;
  view.state = stateOf(view, tally, options.now.getTime() > expiresAt);
  return view;
}

function stateOf(view: CeremonyView, tally: ReturnType<PolicyTally>, pastExpiry: boolean): CeremonyState {
  if (view.published) return 'published';
  if (view.cancelled) return 'cancelled';
  if (view.frozen && tally.satisfied) return 'approved';
  if (view.frozen && tally.impossible) return 'rejected';
  if (pastExpiry) return 'expired';
  return view.frozen ? 'frozen' : 'open';
}
