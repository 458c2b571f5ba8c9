import { BusyStatus } from '../../components/BusyStatus';
import { errorText } from '../../lib/errors';
import type { SigningCheck, SigningPreflightState } from './signing-preflight';
import '../open-ceremony/preflight.css';

const levelText: Record<Exclude<SigningCheck['level'], 'ok'>, string> = { warn: 'Warning', block: 'Stops signing' };
const levelTone: Record<Exclude<SigningCheck['level'], 'ok'>, string> = { warn: 'warning', block: 'danger' };

interface SigningPreflightChecksProps {
  preflight: SigningPreflightState;
  /** Gives each check's sentence the id `${idPrefix}-${check}`, so the Sign button can be described by what stops it. */
  idPrefix?: string | undefined;
}

/**
 * What the pre-flight found about the picked key, said before the PIN is
 * asked for: what stops the signature first, then warnings (tries left, a
 * touch), each in its tone; what is fine in one quiet line, so the dialog's
 * Sign button stays in view.
 */
export function SigningPreflightChecks({ preflight, idPrefix }: SigningPreflightChecksProps) {
  const order = { block: 0, warn: 1, ok: 2 } as const;
  const checks = [...(preflight.answer?.checks ?? [])].sort((a, b) => order[a.level] - order[b.level]);
  const idOf = (check: SigningCheck) => (idPrefix ? `${idPrefix}-${check.check}` : undefined);
  return (
    <div className="signing-preflight">
      <BusyStatus texts={preflight.checking && !preflight.answer ? ['Checking the token and the key before asking for the PIN…'] : []} />
      {preflight.error && !preflight.checking && <p className="hint">The token and key could not be checked before the PIN ({errorText(preflight.error)}); signing checks them.</p>}
      {checks.length > 0 && (
        <ul className="preflight-checks" aria-label="Before your PIN">
          {checks.map((check) =>
            check.level === 'ok' ? (
              <li key={check.check} className="preflight-check-ok" id={idOf(check)}>
                {check.message}
              </li>
            ) : (
              <li key={check.check} className={`message message-${levelTone[check.level]}`}>
                <p id={idOf(check)}>
                  <strong>{levelText[check.level]}:</strong> {check.message}
                </p>
              </li>
            ),
          )}
        </ul>
      )}
    </div>
  );
}
