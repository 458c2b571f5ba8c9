import { describe, expect, it } from 'vitest';
import { nextAction, undecidedApprovers, waitingText, type NextAction } from '../../renderer/src/features/ceremony/next-action';
import { detail } from './ceremony-fixtures';

const hex = (c: string) => c.repeat(64);
/** The words of a waiting step; any other step fails the test. */
function waitingWords(action: NextAction): string {
  if (action.kind !== 'wait') throw new Error(`expected to wait, got ${action.kind}`);
  return waitingText(action);
}

const demoApprovers = [
  { id: 'alice', role: 'security', keyIds: [hex('1')] },
  { id: 'bob', keyIds: [hex('2')] },
  { id: 'carol', keyIds: [hex('3')] },
];

describe('the one next action on a ceremony', () => {
  it('is Approve for a person whose key is attached and who has not decided', () => {
    expect(nextAction(detail({ waitingOnMe: true }))).toEqual({ kind: 'approve' });
  });

  it('is waiting on the undecided approvers (never the opener) when no key attached here may decide', () => {
    const frozen = detail({ waitingOnMe: false, approvers: demoApprovers, approvedBy: ['alice'], counted: 1, openedBy: 'carol' });
    const action = nextAction(frozen);
    expect(action).toEqual({ kind: 'wait', on: ['bob'], all: true });
    expect(waitingWords(action)).toBe('Waiting on bob');
  });

  it('says "or" when any of the undecided may give the approval still missing, "and" when each must', () => {
    const anyOf = nextAction(detail({ waitingOnMe: false, approvers: demoApprovers, openedBy: 'dave', approvedBy: ['alice'], counted: 1 }));
    expect(anyOf).toEqual({ kind: 'wait', on: ['bob', 'carol'], all: false });
    expect(waitingWords(anyOf)).toBe('Waiting on bob or carol');
    const eachOf = nextAction(detail({ waitingOnMe: false, approvers: demoApprovers, openedBy: 'alice', counted: 0 }));
    expect(waitingWords(eachOf)).toBe('Waiting on bob and carol');
  });

  it('is Publish once the policy is met, even for someone who could still add an approval', () => {
    expect(nextAction(detail({ state: 'approved', waitingOnMe: true, counted: 2, actions: ['approve', 'reject', 'withdraw', 'publish', 'cancel'] }))).toEqual({ kind: 'publish' });
  });

  it('is Verify once published', () => {
    expect(nextAction(detail({ state: 'published', actions: [] }))).toEqual({ kind: 'verify' });
  });

  it('asks to trust the policy before anything else when this machine does not trust it', () => {
    expect(nextAction(detail({ policyTrusted: false, actions: [] }))).toEqual({ kind: 'trust-policy' });
    expect(nextAction(detail({ state: 'approved', policyTrusted: false, actions: [] }))).toEqual({ kind: 'trust-policy' });
  });

  it('offers nothing to sign for closed ceremonies, and says whether cancelling is left', () => {
    expect(nextAction(detail({ state: 'rejected', actions: ['withdraw', 'cancel'] }))).toMatchObject({ kind: 'none', cancel: true, reason: expect.stringMatching(/^Rejected/) });
    expect(nextAction(detail({ state: 'cancelled', actions: [] }))).toMatchObject({ kind: 'none', cancel: false });
    expect(nextAction(detail({ state: 'expired', actions: ['cancel'] }))).toMatchObject({ kind: 'none', cancel: true, reason: expect.stringMatching(/^Expired/) });
    expect(nextAction(detail({ state: 'open', actions: ['freeze', 'cancel'], statement: undefined }))).toMatchObject({ kind: 'none', reason: expect.stringMatching(/^Not frozen/) });
  });

  it('never offers Approve without a frozen statement, whatever waitingOnMe says', () => {
    expect(nextAction(detail({ statement: undefined, waitingOnMe: true }))).toMatchObject({ kind: 'wait' });
  });
});

describe('undecided approvers', () => {
  it('leaves out those who approved or rejected, and the opener', () => {
    expect(undecidedApprovers({ approvers: demoApprovers, approvedBy: ['bob'], rejectedBy: ['alice'], openedBy: 'dave' })).toEqual(['carol']);
    expect(undecidedApprovers({ approvers: demoApprovers, approvedBy: [], rejectedBy: [], openedBy: 'carol' })).toEqual(['alice', 'bob']);
  });
});
