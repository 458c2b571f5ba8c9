/**
 * The one line a ceremony command ends with: where the ceremony stands and the
 * command that comes next, written so it runs as copied (the store named when
 * the command was given one; the key, folder and reason left for the person).
 */
import type { CeremonyView } from '../../shared/ceremony/view';
import type { Policy } from '../../shared/policy/policy';
import { quoteForShell } from '../../shared/cli/shell-command';

export interface NextStepContext {
  /** `--store DIR` as given (made absolute), so the next command reaches the same store. */
  store?: string | undefined;
}


export function nextStep(view: CeremonyView, policy: Policy | undefined, context: NextStepContext = {}): string {
  const store = context.store ? ` --store ${quoteForShell(context.store)}` : '';
  const command = (words: string) => `conclave ceremony ${words.replace('ID', view.id)}${store}`;
  if (view.policyTrusted === false) {
    return `Blocked: this machine does not trust the ceremony's policy (sha256:${view.policyDigest}). Check that digest with your team, then: conclave policy trust POLICY.json`;
  }
  switch (view.state) {
    case 'open': {
      const failed = view.findings.filter((finding) => finding.status === 'fail').length;
      const findings = `${failed} finding${failed === 1 ? '' : 's'} failed`;
      if (policy?.evidence.allowOverride) {
        return `Blocked: ${findings}; it takes no approvals until frozen. Next: ${command('freeze ID --key URI --override-reason TEXT')} (the policy allows an override), or ${command('cancel ID --key URI')}`;
      }
      return `Blocked: ${findings} and the policy allows no override. Next: ${command('cancel ID --key URI --reason TEXT')}, fix the release and open a new ceremony.`;
    }
    case 'frozen':
    case 'approved': {
      const approve = `each approver reviews it and runs ${command(`approve ID --key URI --statement sha256:${view.frozen?.statementDigest ?? ''}`)}`;
      if (view.state === 'frozen') return `Next: ${approve}${view.tally ? ` (${view.tally})` : ''}.`;
      return `Next: ${command('publish ID --out DIR --key URI')}`;
    }
    case 'rejected':
      return `Rejected. Next: whoever rejected may take it back (${command('withdraw ID --key URI --reason TEXT')}); otherwise ${command('cancel ID --key URI')}`;
    case 'expired':
      return `Expired at ${view.expiresAt}: nothing more counts. Next: ${command('cancel ID --key URI')} and open a new ceremony.`;
    case 'contested':
      return `Contested: two openings claim this ceremony, so only a cancellation counts. Next: ${command('cancel ID --key URI --reason TEXT')} and open it again.`;
    case 'published':
      return 'Published: nothing more to do here; consumers check it with conclave verify (conclave ceremony publish printed the command).';
    case 'cancelled':
      return 'Cancelled: nothing more to do.';
  }
}
