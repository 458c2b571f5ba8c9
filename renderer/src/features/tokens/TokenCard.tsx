import { useId } from 'react';
import type { Token } from '../../../../shared/api/contract';
import { BusyStatus } from '../../components/BusyStatus';
import { ErrorMessage } from '../../components/ErrorMessage';
import { tokenFlags, tokenName } from './format';
import { KeyList } from './KeyList';
import { tokenBusyTexts, tokenErrors } from './selectors';
import { useTokens } from './store';

/** A token: what it is, its PIN state, what can be done with it, and (when shown) its keys. */
export function TokenCard({ token }: { token: Token }) {
  const headingId = useId();
  const keysId = useId();
  const name = tokenName(token);
  const expanded = useTokens((s) => s.expanded[token.uri] === true);
  const busy = useTokens((s) => s.busy);
  const errors = useTokens((s) => s.errors);
  const dialog = useTokens((s) => s.dialog);
  const toggleKeys = useTokens((s) => s.toggleKeys);
  const openLogin = useTokens((s) => s.openLogin);
  const openGenerate = useTokens((s) => s.openGenerate);
  const dismissError = useTokens((s) => s.dismissError);
  const pinAccepted = useTokens((s) => s.pinAccepted[token.uri] === true);
  const flags = tokenFlags(token, pinAccepted);

  return (
    <section className="token" aria-labelledby={headingId}>
      <div className="token-header">
        <h4 id={headingId}>{name}</h4>
        {flags.length > 0 && (
          <ul className="flags" aria-label={`${name} status`}>
            {flags.map((flag) => (
              <li key={flag.text} className={`badge badge-${flag.tone}`}>
                {flag.text}
              </li>
            ))}
          </ul>
        )}
      </div>
      <dl className="facts">
        <div>
          <dt>Manufacturer</dt>
          <dd>{token.manufacturer || '—'}</dd>
        </div>
        <div>
          <dt>Model</dt>
          <dd>{token.model || '—'}</dd>
        </div>
        <div>
          <dt>Serial</dt>
          <dd>
            <code>{token.serial || '—'}</code>
          </dd>
        </div>
      </dl>
      <div className="actions">
        <button type="button" aria-expanded={expanded} aria-controls={keysId} onClick={() => toggleKeys(token.uri)} className="disclosure">
          Keys
        </button>
        {token.loginRequired && (
          <button type="button" onClick={() => openLogin(token.uri)}>
            Log in
          </button>
        )}
        <button type="button" onClick={() => openGenerate(token.uri)}>
          Generate key
        </button>
      </div>
      <BusyStatus texts={tokenBusyTexts(busy, token.uri)} />
      {tokenErrors(errors, dialog, token.uri).map(({ opKey, error }) => (
        <ErrorMessage key={opKey} error={error} onDismiss={() => dismissError(opKey)} />
      ))}
      <div id={keysId} className="token-keys" hidden={!expanded}>
        {expanded && <KeyList token={token} />}
      </div>
    </section>
  );
}
