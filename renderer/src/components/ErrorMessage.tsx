import type { ErrorData } from '../../../shared/errors';
import { errorText } from '../lib/errors';

interface ErrorMessageProps {
  error: ErrorData;
  id?: string;
  onDismiss?: () => void;
}

/** An error from something the person just did, announced as an alert, in words written for them. */
export function ErrorMessage({ error, id, onDismiss }: ErrorMessageProps) {
  return (
    <div className="message message-error" role="alert" id={id}>
      <p>{errorText(error)}</p>
      {onDismiss && (
        <button type="button" className="button-quiet" onClick={onDismiss}>
          Dismiss
        </button>
      )}
    </div>
  );
}
