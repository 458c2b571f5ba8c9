import type { Token } from '../../../../shared/api/contract';
import { tokenName } from './format';
import { KeyItem } from './KeyItem';
import { op } from './ops';
import { useTokens } from './store';

export function KeyList({ token }: { token: Token }) {
  const keys = useTokens((s) => s.keys[token.uri]);
  const loading = useTokens((s) => s.busy[op.listKeys(token.uri)] !== undefined);
  const name = tokenName(token);

  if (!keys) return loading ? null : <p className="muted">The keys on {name} could not be read yet.</p>;
  if (keys.length === 0) {
    return (
      <p className="muted">
        No keys on {name} yet. {token.loginRequired ? 'Some may be hidden until you log in; ' : ''}use “Generate key” to make one.
      </p>
    );
  }
  return (
    <ul className="keys" aria-label={`Keys on ${name}`}>
      {keys.map((key) => (
        <li key={key.uri}>
          <KeyItem tokenKey={key} />
        </li>
      ))}
    </ul>
  );
}
