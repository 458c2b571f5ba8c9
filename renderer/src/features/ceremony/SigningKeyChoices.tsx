import { useId } from 'react';
import type { SigningKey } from '../../../../shared/api/contract';
import { ineligibleReason, signingKeyName } from './format';

interface SigningKeyChoicesProps {
  keys: readonly SigningKey[];
  selected: string | undefined;
  onSelect: (keyUri: string) => void;
  disabled: boolean;
}

/**
 * The keys on the tokens attached here, as radio buttons: only the ones the
 * core marked eligible can be chosen, the others are listed greyed with why.
 * The group's name is the legend of the fieldset around it (SignAs).
 */
export function SigningKeyChoices({ keys, selected, onSelect, disabled }: SigningKeyChoicesProps) {
  const name = useId();
  return (
    <ul>
      {keys.map((key, index) => {
        const id = `${name}-${index}`;
        return (
          <li key={key.keyUri} className={key.eligible ? 'key-choice' : 'key-choice key-choice-unavailable'}>
            <input
              type="radio"
              id={id}
              name={name}
              value={key.keyUri}
              checked={selected === key.keyUri}
              onChange={() => onSelect(key.keyUri)}
              disabled={disabled || !key.eligible}
              aria-describedby={key.eligible ? undefined : `${id}-why`}
            />
            <label htmlFor={id}>{signingKeyName(key)}</label>
            {!key.eligible && (
              <span id={`${id}-why`} className="key-choice-reason">
                Not offered: {ineligibleReason(key)}
              </span>
            )}
          </li>
        );
      })}
    </ul>
  );
}
