import { useId } from 'react';
import type { TokensSnapshot } from '../../../../shared/api/contract';
import { BusyStatus } from '../../components/BusyStatus';
import { ErrorMessage } from '../../components/ErrorMessage';
import { DemoNote } from './DemoNote';
import { op } from './ops';
import { demoOffer } from './selectors';
import { useTokens } from './store';

export function EmptyState({ demo }: { demo: TokensSnapshot['demo'] }) {
  const headingId = useId();
  const offer = demoOffer(demo);
  return (
    <section className="empty-state" aria-labelledby={headingId}>
      <h3 id={headingId}>No tokens found</h3>
      <p>
        Conclave signs releases with keys that never leave a hardware token. Insert a token (a YubiKey, Nitrokey, smart card or HSM) and
        it appears here. If it does not, add the PKCS#11 module that drives it with “Add module…”.
      </p>
      {offer.kind === 'offer' && <DemoOfferPanel />}
      {offer.kind === 'unavailable' && <p className="demo-hint">{offer.hint}</p>}
      {offer.kind === 'created' && offer.pin && <DemoNote pin={offer.pin} />}
    </section>
  );
}

function DemoOfferPanel() {
  const createDemo = useTokens((s) => s.createDemo);
  const busy = useTokens((s) => s.busy[op.createDemo]);
  const error = useTokens((s) => s.errors[op.createDemo]);
  return (
    <div className="demo-offer">
      <p>
        No hardware at hand? Create three SoftHSM2 software tokens, <strong>alice</strong>, <strong>bob</strong> and <strong>carol</strong>,
        each with a signing key, to try Conclave. Demo tokens are for trying Conclave only, never for real releases.
      </p>
      <button type="button" className="button-primary" onClick={() => void createDemo()} aria-disabled={busy ? true : undefined}>
        Create demo tokens
      </button>
      <BusyStatus texts={busy ? [busy] : []} />
      {error && <ErrorMessage error={error} />}
    </div>
  );
}

/**
 * Demo tokens appear one by one, so the empty state (and its progress and
 * errors) goes away before the last is made: this keeps both in view until
 * the creation ends, with a way to finish it if it failed half-way.
 */
export function DemoCreationStatus() {
  const createDemo = useTokens((s) => s.createDemo);
  const busy = useTokens((s) => s.busy[op.createDemo]);
  const error = useTokens((s) => s.errors[op.createDemo]);
  if (!busy && !error) return null;
  return (
    <div className="demo-offer">
      <BusyStatus texts={busy ? [busy] : []} />
      {error && (
        <>
          <ErrorMessage error={error} />
          <button type="button" onClick={() => void createDemo()}>
            Finish creating demo tokens
          </button>
        </>
      )}
    </div>
  );
}
