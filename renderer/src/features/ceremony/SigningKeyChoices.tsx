import { useId } from 'react';
import type { SigningKey } from '../../../../shared/api/contract';
import { ineligibleReason, signingKeyName } from './format';

interface SigningKeyChoicesProps {
  legend: string;
  keys: readonly SigningKey[];
  selected: string | undefined;
  onSelect: (keyUri: string) => void;
  /** Whether a key may be chosen; the others are listed, greyed, with the reason. */
  selectable: (key: SigningKey) => boolean;
  disabled: boolean;
}

/** The keys on the tokens attached here, as radio buttons: only usable ones can be chosen, the others say why not. */
export function SigningKeyChoices({ legend, keys, selected, onSelect, selectable, disabled }: SigningKeyChoicesProps) {
  const name = useId();
  return (
    <fieldset className="key-choices" disabled={disabled}>
      <legend>{legend}</legend>
      <ul>
        {keys.map((key, index) => {
          const usable = selectable(key);
          const id = `${name}-${index}`;
          return (
            <li key={key.keyUri} className={usable ? 'key-choice' : 'key-choice key-choice-unavailable'}>
              <input
                type="radio"
                id={id}
                name={name}
                value={key.keyUri}
                checked={selected === key.keyUri}
                onChange={() => onSelect(key.keyUri)}
                disabled={!usable}
                aria-describedby={usable ? undefined : `${id}-why`}
              />
              <label htmlFor={id}>{signingKeyName(key)}</label>
              {!usable && (
                <span id={`${id}-why`} className="key-choice-reason">
                  Not offered: {ineligibleReason(key)}
                </span>
              )}
            </li>
          );
        })}
      </ul>
    </fieldset>
  );
}
