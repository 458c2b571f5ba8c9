import type { CeremonyDetail } from '../../../../shared/api/contract';
import { contestedText, untrustedPolicyText } from './format';

/**
 * What must be said before anything else about a ceremony: that this machine
 * does not trust its policy (so it takes no decisions here), or that it is
 * contested (so nothing in it counts). Both come from the core's judgement.
 */
export function CeremonyBanners({ detail }: { detail: Pick<CeremonyDetail, 'policyTrusted' | 'state' | 'policy'> }) {
  return (
    <>
      {!detail.policyTrusted && (
        <div className="message message-danger ceremony-banner">
          <p>
            <strong>{untrustedPolicyText(detail.policy.digest)}</strong>
          </p>
        </div>
      )}
      {detail.state === 'contested' && (
        <div className="message message-danger ceremony-banner">
          <p>
            <strong>{contestedText}</strong>
          </p>
        </div>
      )}
    </>
  );
}
