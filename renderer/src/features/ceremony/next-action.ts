/**
 * The one thing this person does next on a ceremony's screen, decided from
 * what the core sent (its state, its `actions` from the judge's one table,
 * and `waitingOnMe`, which knows the tokens attached here). Pure, so the
 * header shows exactly one primary action and tests can check each case.
 */
import type { CeremonyDetail } from '../../../../shared/api/contract';
import { listText } from '../ceremonies/format';

export type NextAction =
  /** A key attached here belongs to an approver who has not decided: review, then Approve…. */
  | { kind: 'approve' }
  /** The policy is met: sign the publication. */
  | { kind: 'publish' }
  /** Approvals are still needed, from people whose keys are not attached here. */
  | { kind: 'wait'; on: readonly string[]; /** Every one of them must approve (else any of them may). */ all: boolean }
  /** Published: anyone may check every signature again, as `conclave verify` does. */
  | { kind: 'verify' }
  /** This machine does not trust the policy: it takes no decision until the policy is trusted in Settings. */
  | { kind: 'trust-policy' }
  /** Nothing can be signed any more (or yet): the reason, and whether cancelling is what is left. */
  | { kind: 'none'; reason: string; cancel: boolean };

type NextActionInput = Pick<
  CeremonyDetail,
  'state' | 'actions' | 'waitingOnMe' | 'policyTrusted' | 'approvers' | 'approvedBy' | 'rejectedBy' | 'openedBy' | 'statement' | 'overrideAllowed' | 'counted' | 'policy'
>;

/** Approvers who have neither approved nor rejected, in policy order; the opener is left out (the policy does not let them approve what they opened). */
export function undecidedApprovers(detail: Pick<CeremonyDetail, 'approvers' | 'approvedBy' | 'rejectedBy' | 'openedBy'>): string[] {
  const decided = new Set([...detail.approvedBy, ...detail.rejectedBy]);
  return detail.approvers.map((approver) => approver.id).filter((id) => !decided.has(id) && id !== detail.openedBy);
}

export function nextAction(detail: NextActionInput): NextAction {
  const cancel = detail.actions.includes('cancel');
  if (detail.state === 'published') return { kind: 'verify' };
  if (detail.state === 'cancelled') return { kind: 'none', reason: 'Cancelled: nothing more can be signed.', cancel: false };
  if (!detail.policyTrusted) return { kind: 'trust-policy' };
  if (detail.state === 'contested') return { kind: 'none', reason: 'Two openings claim this ceremony: cancel it and open the release again.', cancel };
  if (detail.state === 'expired') return { kind: 'none', reason: 'Expired before it was published: open the release again in a new ceremony.', cancel };
  if (detail.state === 'rejected') return { kind: 'none', reason: 'Rejected: the policy can no longer be met.', cancel };
  if (detail.state === 'open') {
    const reason =
      detail.overrideAllowed && detail.actions.includes('freeze')
        ? 'Not frozen: checks on the evidence failed. Someone the policy allows may override them when opening; otherwise cancel it and open a new ceremony with fixed evidence.'
        : 'Not frozen: checks on the evidence failed, so nobody can approve it. Cancel it, fix the evidence and open a new ceremony.';
    return { kind: 'none', reason, cancel };
  }
  if (detail.state === 'approved' && detail.actions.includes('publish')) return { kind: 'publish' };
  if (detail.waitingOnMe && detail.statement !== undefined && detail.actions.includes('approve')) return { kind: 'approve' };
  const on = undecidedApprovers(detail);
  return { kind: 'wait', on, all: on.length > 0 && on.length <= detail.policy.threshold - detail.counted };
}

/** The header's words for waiting: "Waiting on bob and carol" when each must approve, "Waiting on bob or carol" when any of them may. */
export function waitingText(action: { on: readonly string[]; all: boolean }): string {
  const { on, all } = action;
  if (on.length === 0) return 'Waiting on approvals from keys that are not attached here';
  if (on.length === 1 || all) return `Waiting on ${listText(on)}`;
  return `Waiting on ${on.slice(0, -1).join(', ')} or ${on[on.length - 1]}`;
}
