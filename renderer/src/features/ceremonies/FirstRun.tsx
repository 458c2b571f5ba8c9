import { useEffect, useId } from 'react';
import { useNavigation } from '../../app/navigation';
import { hasAnyToken } from '../tokens/selectors';
import { tokensStore, useTokens } from '../tokens/store';
import { settingsStore, useSettings } from '../settings/store';

/**
 * What a newcomer with no ceremonies sees: what a ceremony is, and the way
 * to a first one. With no tokens or no policy yet, it points to where demo
 * ones are made (Tokens, Settings), so a first ceremony can be tried
 * without hardware.
 */
export function FirstRun() {
  const headingId = useId();
  const go = useNavigation((s) => s.go);
  const tokens = useTokens((s) => s.snapshot);
  const policies = useSettings((s) => s.policies);

  // Both lists belong to their own features' stores; ask them to load (the tokens store also follows tokens.changed).
  useEffect(() => tokensStore.getState().start(), []);
  useEffect(() => {
    void settingsStore.getState().loadPolicies();
  }, []);

  const needsTokens = tokens !== undefined && !hasAnyToken(tokens);
  const needsPolicy = policies !== undefined && policies.length === 0;

  return (
    <section className="empty-state first-run" aria-labelledby={headingId}>
      <h3 id={headingId}>No ceremonies yet</h3>
      <p>
        A ceremony gathers the approvals a release needs: you name the release and add its artifacts and provenance, and enough approvers
        each sign it with the key on their own hardware token. Open one when a release is ready, and it appears here for everyone to review.
      </p>
      {(needsTokens || needsPolicy) && (
        <ul className="first-run-steps">
          {needsTokens && (
            <li>
              <p>
                There are no signing tokens on this computer yet. To try Conclave without hardware, create demo tokens on the Tokens screen.
              </p>
              <button type="button" onClick={() => go({ screen: 'tokens' })}>
                Set up demo tokens
              </button>
            </li>
          )}
          {needsPolicy && (
            <li>
              <p>A ceremony needs a policy that says who must approve. Settings can create a demo policy (any 2 of the demo tokens).</p>
              <button type="button" onClick={() => go({ screen: 'settings' })}>
                Set up a policy
              </button>
            </li>
          )}
        </ul>
      )}
      <button type="button" className="button-primary" onClick={() => go({ screen: 'open' })}>
        Open a ceremony
      </button>
    </section>
  );
}
